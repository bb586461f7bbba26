"""KV-block exactness on tiny random VLMs built offline and loaded with from_pretrained."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eval.tinymodels import build_idefics3, build_qwen2vl
from vstream.kv import KVPrefiller, attend, causal_mask
from vstream.vlm import load_vlm

CPU = torch.device("cpu")


@pytest.fixture(scope="module", params=["smolvlm", "idefics3", "qwen2vl"])
def vlm(request, tmp_path_factory):
    d = tmp_path_factory.mktemp(request.param)
    if request.param == "qwen2vl":
        build_qwen2vl(d)
    else:
        build_idefics3(d, model_type=request.param)
    return load_vlm(str(d), CPU)


def chunks(vlm, seed=0):
    """Three frames' visual tokens, each with a different kept subset (token drop)."""
    rng = np.random.default_rng(seed)
    frames = [rng.integers(0, 255, (96, 128, 3), dtype=np.uint8) for _ in range(3)]
    out = []
    for (tokens, grid), keep_every in zip(vlm.image_tokens(frames), (1, 2, 3)):
        index = torch.arange(tokens.shape[0])[::keep_every]
        out.append((tokens[index], grid, index))
    return out


def one_shot(vlm, parts, question, hide_blocks=()):
    """Reference: everything in one forward pass; question rows cannot see `hide_blocks`."""
    embeds, positions, spans, start = [], [], [], 0
    for tokens, grid, index in parts:
        pos, start = vlm.positions(start, tokens.shape[0], grid, index)
        spans.append((sum(e.shape[0] for e in embeds), sum(e.shape[0] for e in embeds) + tokens.shape[0]))
        embeds.append(tokens)
        positions.append(pos)
    qpos, _ = vlm.positions(start, question.shape[-1])
    x = torch.cat(embeds + [vlm.embed(question.view(1, -1))[0]])[None]
    pos = torch.cat(positions + [qpos], dim=-1)
    n, q = x.shape[1], question.shape[-1]
    mask = causal_mask(n, 0)
    for b in hide_blocks:
        a, e = spans[b]
        mask[0, 0, n - q:, a:e] = torch.finfo(torch.float32).min
    from transformers import DynamicCache

    with torch.inference_mode():
        return vlm.forward(x, pos, DynamicCache(), mask)[0, -1]


def question_ids(vlm):
    return torch.tensor(vlm.tokenizer("what text is on the screen now")["input_ids"])


def test_chunked_prefill_equals_one_shot(vlm):
    parts, q = chunks(vlm), question_ids(vlm)
    pre = KVPrefiller(vlm)
    blocks = [pre.add_visual(t, g, i) for t, g, i in parts]
    logits, _, _ = attend(vlm, blocks, q, start=pre.next_position)
    ref = one_shot(vlm, parts, q)
    assert (logits[0, -1] - ref).abs().max().item() < 1e-4
    assert [b.length for b in blocks] == [t.shape[0] for t, _, _ in parts]


@pytest.mark.parametrize("keep", [(0, 2), (1,), (2,)])
def test_subset_of_blocks_equals_masked_one_shot(vlm, keep):
    parts, q = chunks(vlm, seed=1), question_ids(vlm)
    pre = KVPrefiller(vlm)
    blocks = [pre.add_visual(t, g, i) for t, g, i in parts]
    logits, _, _ = attend(vlm, [blocks[k] for k in keep], q, start=pre.next_position)
    hidden = [b for b in range(3) if b not in keep]
    ref = one_shot(vlm, parts, q, hide_blocks=hidden)
    assert (logits[0, -1] - ref).abs().max().item() < 1e-4
    # and it is not trivially equal to attending over everything
    full = one_shot(vlm, parts, q)
    assert (full - ref).abs().max().item() > 1e-4


def test_block_bytes_and_positions(vlm):
    parts = chunks(vlm)
    pre = KVPrefiller(vlm)
    b0 = pre.add_visual(*parts[0])
    cfg = vlm.lm.config
    head_dim = cfg.hidden_size // cfg.num_attention_heads
    assert len(b0.keys) == cfg.num_hidden_layers
    assert b0.keys[0].shape == (cfg.num_key_value_heads, parts[0][0].shape[0], head_dim)
    assert b0.nbytes == 2 * cfg.num_hidden_layers * cfg.num_key_value_heads * b0.length * head_dim * 4
    assert pre.next_position == b0.next_position > 0
