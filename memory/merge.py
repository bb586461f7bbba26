"""How entries combine: embeddings, tokens, labels (pure functions, unit-tested)."""

from __future__ import annotations

import numpy as np

from memory.payload import Payload
from memory.records import Label


def merged_embedding(a: np.ndarray, wa: float, b: np.ndarray, wb: float) -> np.ndarray:
    v = wa * a + wb * b
    n = float(np.linalg.norm(v))
    return (v / n if n > 0 else a).astype(np.float32)


def merge_tokens(a: Payload, b: Payload) -> Payload:
    """Clip tokens: the union of kept grid positions; where both have a token, the average
    (b is the later entry: its tokens are the fresher view of that patch)."""
    ta, tb = a.arrays.get("tokens"), b.arrays.get("tokens")
    if ta is None or tb is None or a.grid != b.grid:
        return b if ta is None else a
    ia, ib = a.ints["index"], b.ints["index"]
    index = np.union1d(ia, ib)
    out = np.zeros((index.size, ta.shape[1]), np.float32)
    count = np.zeros(index.size, np.float32)
    for idx, tok in ((ia, ta), (ib, tb)):
        pos = np.searchsorted(index, idx)
        out[pos] += tok
        count[pos] += 1
    return Payload({"tokens": out / count[:, None]}, {"index": index.astype(np.int32)}, a.grid)


def summarize_tokens(p: Payload, k: int) -> Payload:
    """Event summary: average the tokens over a coarse spatial grid (ceil(sqrt(k)) per side) —
    k tokens at most, each keeping the mean of one region of the frame."""
    tokens = p.arrays.get("tokens")
    if tokens is None or tokens.shape[0] <= k:
        return Payload({"tokens": tokens} if tokens is not None else {}, {"index": p.ints.get("index", np.zeros(0, np.int32))}, p.grid)
    gh, gw = p.grid
    side = int(np.ceil(np.sqrt(k)))
    idx = p.ints["index"]
    region = (idx // gw * side // max(gh, 1)) * side + (idx % gw * side // max(gw, 1))
    regions = np.unique(region)
    out = np.stack([tokens[region == r].mean(0) for r in regions])
    return Payload({"tokens": out[:k]}, {"index": regions[:k].astype(np.int32)}, (side, side))


def merge_labels(a: tuple[Label, ...], b: tuple[Label, ...], wa: float = 1.0, wb: float = 1.0,
                 top: int = 5) -> tuple[Label, ...]:
    """The labels with the highest weighted mean probability over both entries."""
    score: dict[str, float] = {}
    for labels, w in ((a, wa), (b, wb)):
        for lb in labels:
            score[lb.name] = score.get(lb.name, 0.0) + w * lb.p / (wa + wb)
    best = sorted(score.items(), key=lambda kv: -kv[1])[:top]
    return tuple(Label(n, round(p, 4)) for n, p in best)
