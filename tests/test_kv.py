"""KV-block exactness on tiny random VLMs (built offline, loaded with from_pretrained), checked
against the model's OWN forward pass — never against vstream's `positions()` / `forward`.

The reference is transformers' forward over `input_ids` holding the image tokens plus the pixels
from the family's image processor: Qwen2-VL gets `pixel_values`, `image_grid_thw`,
`mm_token_type_ids` and its M-RoPE positions from `get_rope_index`; Idefics3/SmolVLM get `<image>`
tokens at 1-D positions 0..L-1. So wrong position ids in vstream/vlm.py (a visual id off by one,
chunks restarting at 0) fail here.

Frame sizes are chosen so that neither vstream's numpy preprocessing nor the processor resizes
(Qwen: short side 448, sides multiples of 28; Idefics: the vision tower's 64 px): both then see
the same pixels and the logits must agree to 1e-4.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eval.tinymodels import build_idefics3, build_qwen2vl
from vstream.kv import KVPrefiller, attend
from vstream.vlm import QwenVLM, load_vlm

CPU = torch.device("cpu")
KEEP_EVERY = (1, 2, 3)  # frame k keeps every KEEP_EVERY[k]-th visual token (token drop)
NEG = torch.finfo(torch.float32).min


@pytest.fixture(scope="module", params=["smolvlm", "idefics3", "qwen2vl"])
def vlm(request, tmp_path_factory):
    d = tmp_path_factory.mktemp(request.param)
    if request.param == "qwen2vl":
        build_qwen2vl(d, rope_theta=10.0, init_std=0.1)  # a visual row/column off by one moves logits (see there)
    else:
        build_idefics3(d, model_type=request.param)
    return load_vlm(str(d), CPU)


def frames_for(vlm, seed: int) -> list[np.ndarray]:
    """Three random RGB frames of a size no preprocessing resizes (see the module docstring)."""
    hw = (448, 532) if isinstance(vlm, QwenVLM) else (vlm.size, vlm.size)
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 255, (*hw, 3), dtype=np.uint8) for _ in range(3)]


def chunks(vlm, frames, keep_every=KEEP_EVERY):
    """vstream's visual tokens per frame, each frame keeping a different subset (token drop)."""
    out = []
    for (tokens, grid), every in zip(vlm.image_tokens(frames), keep_every):
        index = torch.arange(tokens.shape[0])[::every]
        out.append((tokens[index], grid, index))
    return out


def chunked_logits(vlm, parts, q, keep_blocks=None):
    """vstream's path: KV prefill chunk by chunk, then the question over the selected blocks."""
    pre = KVPrefiller(vlm)
    blocks = [pre.add_visual(t, g, i) for t, g, i in parts]
    chosen = blocks if keep_blocks is None else [blocks[k] for k in keep_blocks]
    logits, _, _ = attend(vlm, chosen, q, start=pre.next_position)
    return logits[0, -1], blocks, pre


def ref_mask(sizes, kept, q_len, hidden=()):
    """Additive [1, 1, L, L] causal mask over the reference sequence: tokens of a frame outside
    `kept[k]` are invisible to every row (token drop); frames in `hidden` are invisible to the
    question rows (attending a subset of blocks)."""
    total = sum(sizes) + q_len
    allowed = torch.ones(total, total, dtype=torch.bool).tril()
    off = 0
    for k, (n, keep) in enumerate(zip(sizes, kept)):
        dropped = torch.ones(n, dtype=torch.bool)
        dropped[keep] = False
        allowed[:, off + torch.nonzero(dropped).flatten()] = False
        if k in hidden:
            allowed[total - q_len:, off:off + n] = False
        off += n
    mask = torch.zeros(total, total)
    mask[~allowed] = NEG
    return mask[None, None]


def qwen_reference(vlm, frames, kept, q, hidden=()):
    """Qwen2-VL's own forward. get_rope_index gives each run of same-type tokens one grid, so
    back-to-back frames alternate image (1) / video (2) types — a one-step video is the same
    picture through the same tower (the processor would instead put <|vision_start|>/<|vision_end|>
    text between frames, which vstream's KV blocks do not hold)."""
    from transformers import Qwen2VLImageProcessorPil

    m, cfg = vlm.model, vlm.model.config
    px = Qwen2VLImageProcessorPil()(images=frames, return_tensors="pt")
    grids, pixels = px["image_grid_thw"], px["pixel_values"].split(px["image_grid_thw"].prod(-1).tolist())
    kinds = [1 + k % 2 for k in range(len(frames))]
    sizes = [int(g.prod()) // vlm.merge ** 2 for g in grids]
    token = {1: cfg.image_token_id, 2: cfg.video_token_id}
    ids = torch.cat([torch.full((n,), token[kd]) for n, kd in zip(sizes, kinds)] + [q])[None]
    types = torch.cat([torch.full((n,), kd) for n, kd in zip(sizes, kinds)] + [torch.zeros_like(q)])[None]
    pick = lambda kd, xs: [x for x, k in zip(xs, kinds) if k == kd]  # noqa: E731
    inputs = dict(input_ids=ids, mm_token_type_ids=types,
                  pixel_values=torch.cat(pick(1, pixels)), image_grid_thw=torch.stack(pick(1, grids)),
                  pixel_values_videos=torch.cat(pick(2, pixels)), video_grid_thw=torch.stack(pick(2, grids)))
    with torch.inference_mode():
        if all(len(k) == n for k, n in zip(kept, sizes)) and not hidden:
            return m(**inputs).logits[0, -1]  # everything as the library does it by itself
        pos, _ = m.model.get_rope_index(ids, types, inputs["image_grid_thw"], inputs["video_grid_thw"])
        return m(**inputs, position_ids=pos, attention_mask=ref_mask(sizes, kept, q.numel(), hidden)).logits[0, -1]


def idefics_reference(vlm, frames, kept, q, hidden=()):
    """Idefics3/SmolVLM's own forward: `<image>` tokens, default positions 0..L-1. A dropped
    token is absent from vstream's sequence (1-D positions close up), so the reference sequence
    holds only the kept tokens, given to the forward as its image features."""
    from transformers import Idefics3ImageProcessorPil
    from transformers.modeling_outputs import BaseModelOutputWithPooling

    m, side = vlm.model, vlm.size
    proc = Idefics3ImageProcessorPil(do_image_splitting=False, size={"longest_edge": side},
                                     max_image_size={"longest_edge": side})
    px = proc(images=[frames], return_tensors="pt")  # one sample holding the three frames
    sizes = [len(k) for k in kept]
    ids = torch.cat([torch.full((n,), m.config.image_token_id) for n in sizes] + [q])[None]
    with torch.inference_mode():
        feats = m.model.get_image_features(pixel_values=px["pixel_values"],
                                           pixel_attention_mask=px["pixel_attention_mask"]).pooler_output
        feats = torch.cat(list(feats)).reshape(len(frames), -1, feats[0].shape[-1])  # [frames, tokens, D]
        full = feats.shape[1]
        if all(n == full for n in sizes) and not hidden:
            return m(input_ids=ids, pixel_values=px["pixel_values"],
                     pixel_attention_mask=px["pixel_attention_mask"]).logits[0, -1]
        chosen = torch.cat([f[k] for f, k in zip(feats, kept)])
        mask = ref_mask(sizes, [torch.arange(n) for n in sizes], q.numel(), hidden)
        return m(input_ids=ids, mm_encoder_outputs={"image": BaseModelOutputWithPooling(pooler_output=chosen)},
                 attention_mask=mask).logits[0, -1]


def reference(vlm, frames, parts, q, hidden=()):
    kept = [index for _, _, index in parts]
    fn = qwen_reference if isinstance(vlm, QwenVLM) else idefics_reference
    return fn(vlm, frames, kept, q, hidden).float()


def question_ids(vlm):
    return torch.tensor(vlm.tokenizer("what text is on the screen now")["input_ids"])


def test_full_frames_equal_the_models_own_forward(vlm):
    """No token drop: the reference is the plain HF call, positions and mask its own."""
    frames, q = frames_for(vlm, 0), question_ids(vlm)
    parts = chunks(vlm, frames, keep_every=(1, 1, 1))
    ours, blocks, _ = chunked_logits(vlm, parts, q)
    ref = reference(vlm, frames, parts, q)
    assert (ours - ref).abs().max().item() < 1e-4
    assert [b.length for b in blocks] == [t.shape[0] for t, _, _ in parts]


def test_chunked_prefill_with_token_drop_equals_the_models_forward(vlm):
    frames, q = frames_for(vlm, 0), question_ids(vlm)
    parts = chunks(vlm, frames)
    ours, blocks, _ = chunked_logits(vlm, parts, q)
    ref = reference(vlm, frames, parts, q)
    assert (ours - ref).abs().max().item() < 1e-4
    assert [b.length for b in blocks] == [t.shape[0] for t, _, _ in parts]


@pytest.mark.parametrize("keep", [(0, 2), (1,), (2,)])
def test_subset_of_blocks_equals_masked_forward(vlm, keep):
    frames, q = frames_for(vlm, 1), question_ids(vlm)
    parts = chunks(vlm, frames)
    ours, _, _ = chunked_logits(vlm, parts, q, keep_blocks=keep)
    hidden = tuple(b for b in range(3) if b not in keep)
    ref = reference(vlm, frames, parts, q, hidden=hidden)
    assert (ours - ref).abs().max().item() < 1e-4
    # and it is not trivially equal to attending over everything
    full = reference(vlm, frames, parts, q)
    assert (full - ref).abs().max().item() > 1e-4


def test_block_bytes_and_positions(vlm):
    parts = chunks(vlm, frames_for(vlm, 0))
    pre = KVPrefiller(vlm)
    b0 = pre.add_visual(*parts[0])
    cfg = vlm.lm.config
    head_dim = cfg.hidden_size // cfg.num_attention_heads
    assert len(b0.keys) == cfg.num_hidden_layers
    assert b0.keys[0].shape == (cfg.num_key_value_heads, parts[0][0].shape[0], head_dim)
    assert b0.nbytes == 2 * cfg.num_hidden_layers * cfg.num_key_value_heads * b0.length * head_dim * 4
    # the next free position: past the grid's longer side (M-RoPE) or past the kept tokens (1-D)
    (h, w), n = parts[0][1], parts[0][0].shape[0]
    assert pre.next_position == b0.next_position == (max(h, w) if isinstance(vlm, QwenVLM) else n)
