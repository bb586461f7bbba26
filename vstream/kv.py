"""KV blocks (ReKV): kept visual tokens are prefilled into the language model chunk by chunk;
each chunk's per-layer K/V becomes a block that memory stores. At question time the selected
blocks are concatenated in time order at their original positions and the question is prefilled
after them.

Exactness (tests/test_kv.py): chunked prefill reproduces one-shot prefill logits; attending over
a subset of blocks equals one-shot prefill whose question rows cannot see the other blocks.
Keys are cached after RoPE, so a block keeps its original positions wherever it is placed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from vstream.vlm import VLM


@dataclass
class KVBlock:
    keys: list[torch.Tensor]  # per layer [kv_heads, n, head_dim]
    values: list[torch.Tensor]
    position_ids: torch.Tensor  # [1, n] or [3, 1, n] (M-RoPE) — kept for re-prefill/debug
    next_position: int  # first free position after this block
    t_start: float = 0.0
    t_end: float = 0.0

    @property
    def length(self) -> int:
        return self.keys[0].shape[1]

    @property
    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.keys + self.values)

    # Serialization lives with the type: memory stores these arrays opaquely beside the tokens.
    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """(float arrays, int arrays) for memory's payload."""
        arrays = {}
        for layer, (k, v) in enumerate(zip(self.keys, self.values)):
            arrays[f"kv.k{layer}"] = k.float().numpy()
            arrays[f"kv.v{layer}"] = v.float().numpy()
        return arrays, {"kv_next": np.array([self.next_position], np.int32)}

    @staticmethod
    def from_arrays(arrays: dict[str, np.ndarray], ints: dict[str, np.ndarray], dtype: torch.dtype,
                    t_start: float = 0.0, t_end: float = 0.0) -> KVBlock | None:
        """The block stored by `to_arrays`, or None when the payload holds none (merged clips)."""
        if "kv.k0" not in arrays:
            return None
        n_layers = sum(1 for k in arrays if k.startswith("kv.k"))
        keys = [torch.from_numpy(arrays[f"kv.k{i}"]).to(dtype) for i in range(n_layers)]
        values = [torch.from_numpy(arrays[f"kv.v{i}"]).to(dtype) for i in range(n_layers)]
        nxt = int(ints["kv_next"][0]) if "kv_next" in ints else 0
        return KVBlock(keys, values, torch.zeros(0), nxt, t_start, t_end)


def causal_mask(q: int, past: int, hidden: Sequence[tuple[int, int]] = (), device=None) -> torch.Tensor:
    """Additive mask [1, 1, q, past+q]: causal by cache index; `hidden` column ranges of the
    past (start, end) are masked out for every query row."""
    total = past + q
    allowed = torch.ones(q, total, dtype=torch.bool, device=device).tril(diagonal=past)
    for a, b in hidden:
        allowed[:, a:b] = False
    mask = torch.zeros(q, total, device=device)
    mask[~allowed] = torch.finfo(torch.float32).min
    return mask[None, None]


def cache_from_blocks(blocks: Sequence[KVBlock], num_layers: int, device):
    """A DynamicCache holding the blocks' K/V concatenated in the given order."""
    from transformers import DynamicCache

    cache = DynamicCache()
    if not blocks:
        return cache
    for layer in range(num_layers):
        k = torch.cat([b.keys[layer] for b in blocks], dim=1)[None].to(device)
        v = torch.cat([b.values[layer] for b in blocks], dim=1)[None].to(device)
        cache.update(k, v, layer)
    return cache


def _cut_block(cache, n: int, pos: torch.Tensor, next_pos: int, t0: float, t1: float) -> KVBlock:
    keys = [layer.keys[0, :, -n:].detach().cpu().clone() for layer in cache.layers]
    values = [layer.values[0, :, -n:].detach().cpu().clone() for layer in cache.layers]
    return KVBlock(keys, values, pos.cpu(), next_pos, t0, t1)


class KVPrefiller:
    """Prefills chunks in stream order. Each chunk attends to the blocks of a recent window
    (`window` blocks; None = everything so far, exact against one-shot prefill) — the working
    memory — so cost per chunk stays bounded on an unbounded stream."""

    def __init__(self, vlm: VLM, window: int | None = None):
        self.vlm = vlm
        self.window = window
        self.next_position = 0
        self.recent: list[KVBlock] = []

    @torch.inference_mode()
    def add_visual(self, tokens: torch.Tensor, grid: tuple[int, int], index: torch.Tensor,
                   t_start: float = 0.0, t_end: float = 0.0) -> KVBlock:
        """tokens [n, D] (the kept ones), index [n] their flat positions in the grid."""
        pos, nxt = self.vlm.positions(self.next_position, tokens.shape[0], grid, index)
        return self._add(tokens[None], pos, nxt, t_start, t_end)

    def _add(self, embeds, pos, nxt, t0, t1) -> KVBlock:
        context = self.recent if self.window is None else self.recent[-self.window:]
        cache = cache_from_blocks(context, self.vlm.num_layers, self.vlm.device)
        past = sum(b.length for b in context)
        n = embeds.shape[1]
        self.vlm.forward(embeds.to(self.vlm.device), pos, cache, causal_mask(n, past, device=self.vlm.device))
        block = _cut_block(cache, n, pos, nxt, t0, t1)
        self.next_position = nxt
        self.recent.append(block)
        if self.window is not None and len(self.recent) > self.window:
            self.recent = self.recent[-self.window:]
        return block


@torch.inference_mode()
def attend(vlm: VLM, blocks: Sequence[KVBlock], ids: torch.Tensor, start: int | None = None) -> tuple[torch.Tensor, object, int]:
    """Prefill `ids` after the blocks (time order, original positions) at position `start`
    (default: just past the last block; pass the stream's next position so a question asked
    now sits after everything seen). Returns (logits [1, L, V], the cache, next position)."""
    if start is None:
        start = max((b.next_position for b in blocks), default=0)
    cache = cache_from_blocks(blocks, vlm.num_layers, vlm.device)
    past = sum(b.length for b in blocks)
    pos, nxt = vlm.positions(start, ids.shape[-1])
    logits = vlm.forward(vlm.embed(ids.view(1, -1)), pos, cache, causal_mask(ids.shape[-1], past, device=vlm.device))
    return logits, cache, nxt


@torch.inference_mode()
def generate(vlm: VLM, blocks: Sequence[KVBlock], ids: torch.Tensor, max_new_tokens: int = 64,
             eos_ids: Sequence[int] = (), start: int | None = None) -> Iterator[int]:
    """Greedy decoding over the blocks, one token id at a time (a generator: stream it)."""
    logits, cache, pos = attend(vlm, blocks, ids, start)
    past = cache.get_seq_length()
    for _ in range(max_new_tokens):
        token = int(logits[0, -1].argmax())
        if token in eos_ids:
            return
        yield token
        p, pos = vlm.positions(pos, 1)
        logits = vlm.forward(vlm.embed(torch.tensor([[token]])), p, cache, causal_mask(1, past, device=vlm.device))
        past += 1
