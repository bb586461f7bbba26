"""`vstream bench detect`: the object detector's speed and accuracy on hand-labelled frames.

Speed: ms per frame (p50/p95, pre-processing + graph + decode) at NanoDet's 416x416 input on
this CPU, with torch's thread count as set (report says which). Accuracy: person recall and
precision at IoU 0.5 and the share of frames whose person count is within ±1, against
tests/data/labels/vtest_person.json (32 frames of vtest.avi labelled by eye). Targets (issue 13):
≤ 60 ms per frame; recall and precision ≥ 0.8."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.bench.common import REPO, media_file

LABELS = REPO / "tests" / "data" / "labels" / "vtest_person.json"


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int
    count_ok: int  # frames whose count is within ±1 of the labels
    frames: int

    @property
    def recall(self) -> float:
        return self.tp / max(1, self.tp + self.fn)

    @property
    def precision(self) -> float:
        return self.tp / max(1, self.tp + self.fp)

    @property
    def count_within_1(self) -> float:
        return self.count_ok / max(1, self.frames)

    def to_json(self) -> dict:
        return {"recall": round(self.recall, 3), "precision": round(self.precision, 3),
                "count_within_1": round(self.count_within_1, 3), "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "frames": self.frames}


def iou(a, b) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + 1e-9)


def match(pred: list, truth: list, thr: float = 0.5) -> int:
    """True positives: greedy one-to-one matching, best IoU first (as COCO's evaluation does)."""
    pairs = sorted(((iou(p, t), i, j) for i, p in enumerate(pred) for j, t in enumerate(truth)), reverse=True)
    used_p, used_t = set(), set()
    for v, i, j in pairs:
        if v < thr:
            break
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
    return len(used_p)


def load_frames(video: Path, labels: Path = LABELS) -> list[tuple[int, np.ndarray, list]]:
    """(frame index, RGB frame, labelled pixel boxes) for every labelled frame."""
    import av

    spec = json.loads(Path(labels).read_text())
    want = {int(k): v for k, v in spec["frames"].items()}
    out = []
    with av.open(str(video)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i in want:
                out.append((i, f.to_ndarray(format="rgb24"), want[i]))
            if i >= max(want):
                break
    return out


def score(detect, frames, label: str = "person") -> tuple[Score, list[float]]:
    """Run `detect(rgb) -> [Box]` on each frame; the score and the ms each call took."""
    tp = fp = fn = ok = 0
    ms = []
    for _, rgb, truth in frames:
        h, w = rgb.shape[:2]
        t0 = time.perf_counter()
        boxes = detect(rgb)
        ms.append(1000 * (time.perf_counter() - t0))
        pred = [[b.x0 * w, b.y0 * h, b.x1 * w, b.y1 * h] for b in boxes if b.label == label]
        m = match(pred, truth)
        tp, fp, fn = tp + m, fp + len(pred) - m, fn + len(truth) - m
        ok += abs(len(pred) - len(truth)) <= 1
    return Score(tp, fp, fn, ok, len(frames)), ms


def run_detect_bench(args) -> dict:
    import torch

    from vstream.senses.detect import make_detector

    threads = int(getattr(args, "threads", 0) or 0)
    score_min = float(getattr(args, "score_min", 0) or 0.45)
    detector, warning = make_detector(getattr(args, "detector", None) or "nanodet", score_min=score_min,
                                      classes=("person",), threads=threads)
    frames = load_frames(media_file(getattr(args, "file", None) or "vtest.avi"))
    detector.detect(frames[0][1])  # warm-up: the frozen graph optimizes itself on its first calls
    detector.detect(frames[0][1])
    s, ms = score(detector.detect, frames)
    out = {"bench": "detect", "detector": detector.name, "score_min": score_min, "input": "416x416",
           "torch_threads": torch.get_num_threads(), "ms_p50": round(float(np.percentile(ms, 50)), 1),
           "ms_p95": round(float(np.percentile(ms, 95)), 1), "target_ms": 60, **s.to_json()}
    if warning:
        out["warning"] = warning
    print(json.dumps(out))
    return out


def run(args) -> dict:
    return run_detect_bench(args)
