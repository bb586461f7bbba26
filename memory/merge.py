"""How entries combine: time spans, embeddings, tokens, text (pure functions, unit-tested)."""

from __future__ import annotations

import numpy as np

from memory.payload import Payload


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


def merge_text(a: str, b: str, max_chars: int) -> str:
    """Distinct lines in time order; when too long, keep the first and the latest lines."""
    lines: list[str] = []
    for line in (a + "\n" + b).splitlines():
        if line and line not in lines:
            lines.append(line)
    text = "\n".join(lines)
    if len(text) <= max_chars:
        return text
    head, tail = lines[:3], []
    for line in reversed(lines[3:]):
        if sum(len(x) + 1 for x in head + tail) + len(line) > max_chars:
            break
        tail.insert(0, line)
    return "\n".join(head + ["…"] + tail)


def merge_labels(a: str, b: str, wa: float = 1.0, wb: float = 1.0, top: int = 5) -> str:
    """'label:p, …' strings → the labels with the highest weighted mean probability."""
    score: dict[str, float] = {}
    for text, w in ((a, wa), (b, wb)):
        for item in filter(None, (s.strip() for s in text.split(","))):
            name, _, p = item.rpartition(":")
            try:
                score[name] = score.get(name, 0.0) + w * float(p) / (wa + wb)
            except ValueError:
                continue
    best = sorted(score.items(), key=lambda kv: -kv[1])[:top]
    return ", ".join(f"{n}:{p:.2f}" for n, p in best)
