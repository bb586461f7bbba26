"""Memory views for evaluation: the same answer engine reads our hierarchical memory, a time
window of it (the leaderboard's 60 s context), or a baseline's frames (last N, uniform K).
Each implements retrieval's MemoryView protocol (entries, evidence, indexes, embedder)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memory.records import Event, EventKind, Evidence, EvidenceKind, Label, LabelData, MemoryEntry
from retrieval.index import VectorIndex
from vstream.senses.frame import LABEL_MIN_P
from vstream.types import EncodedFrame


class WindowedView:
    """Only what happened in the last `seconds` before `now` (StreamingBench leaderboard: 60 s):
    entries and evidence that start inside the window (clipped strictly, not merely ending in it)."""

    def __init__(self, memory, seconds: float, now: float):
        self.memory, self.lo, self.now = memory, now - seconds, now
        self.embedder = memory.embedder
        self.evidence_index, self.visual_index = memory.evidence_index, memory.visual_index

    def entries(self):
        return [e for e in self.memory.entries() if e.t_start >= self.lo]

    def evidence(self, kind: EvidenceKind | None = None):
        return [ev for ev in self.memory.evidence(kind) if ev.t_start >= self.lo]

    def events(self, kind=None):
        return [e for e in self.memory.events(kind) if e.ts >= self.lo]

    def payload(self, e):
        return self.memory.payload(e)


@dataclass
class LoggedFrame:
    """What a baseline keeps of one sampled frame: no memory hierarchy, no merging, no tracker."""

    ts: float
    period: float
    embedding: np.ndarray
    labels: tuple[Label, ...]
    ocr: str  # the lines OCR read on THIS frame ("" when OCR did not run on it: no text then)
    scene_change: bool
    nbytes: int = 0  # what the baseline holds for it: all patch tokens (no drop), embedding, text


def logged_frame(enc: EncodedFrame, period: float) -> LoggedFrame:
    """A baseline's record of an encoded frame: only what was read on that frame itself (never
    ours' on-screen text tracker, which carries lines over from earlier OCR runs)."""
    text = enc.text if enc.ocr_ran else ""
    nbytes = enc.tokens.numel() * enc.tokens.element_size() + enc.embedding.nbytes + len(text.encode())
    return LoggedFrame(enc.frame_ts, period, enc.embedding, enc.labels, text, enc.scene_change, nbytes)


class FrameLog:
    """Every sampled frame, for the baselines to pick from (last N / uniform K), with the ingest
    seconds a baseline would spend on them (encoder + OCR, not our memory writes)."""

    def __init__(self, period: float):
        self.period = period
        self.records: list[LoggedFrame] = []
        self.cost_s = 0.0

    def add(self, enc: EncodedFrame, cost_s: float = 0.0) -> None:
        self.records.append(logged_frame(enc, self.period))
        self.cost_s += cost_s

    def last(self, n: int, now: float) -> list[LoggedFrame]:
        past = [r for r in self.records if r.ts <= now]
        return past[-n:]

    def uniform(self, k: int, now: float, since: float = 0.0) -> list[LoggedFrame]:
        past = self.between(since, now)
        if len(past) <= k:
            return past
        idx = np.linspace(0, len(past) - 1, k).round().astype(int)
        return [past[i] for i in idx]

    def between(self, since: float, now: float) -> list[LoggedFrame]:
        return [r for r in self.records if since <= r.ts <= now]


class FramesView:
    """A memory view over a handful of baseline frames: each frame's text lines, confident
    labels and cut become evidence dated to that frame (the baseline tracks nothing between
    its frames)."""

    def __init__(self, frames: list[LoggedFrame], embedder):
        self.embedder = embedder
        self._entries = [MemoryEntry(i + 1, 0, r.ts, r.ts + r.period, r.embedding, "", 0, labels=r.labels,
                                     scene_change=r.scene_change) for i, r in enumerate(frames)]
        self._evidence = [ev for i, r in enumerate(frames) for ev in _frame_evidence(i + 1, r)]
        for n, ev in enumerate(self._evidence, 1):
            ev.id = n
        self._events = [Event(EventKind.SCENE_CHANGE, r.ts, "scene change") for r in frames if r.scene_change]
        self.visual_index = VectorIndex(frames[0].embedding.shape[0] if frames else 1)
        self.evidence_index = VectorIndex(embedder.dim)
        if frames:
            self.visual_index.add([e.id for e in self._entries], np.stack([e.embedding for e in self._entries]))
        if self._evidence:
            self.evidence_index.add([ev.id for ev in self._evidence], embedder.embed([ev.content for ev in self._evidence]))

    def entries(self):
        return self._entries

    def evidence(self, kind: EvidenceKind | None = None):
        return [ev for ev in self._evidence if kind is None or ev.kind is kind]

    def events(self, kind=None):
        return [e for e in self._events if kind is None or e.kind is kind]

    def payload(self, e):
        return None


def _frame_evidence(entry_id: int, r: LoggedFrame) -> list[Evidence]:
    t0, t1 = r.ts, r.ts + r.period
    rows = [Evidence(EvidenceKind.TEXT, t0, t1, line, entry_id=entry_id) for line in r.ocr.splitlines() if line]
    sure = tuple(lb for lb in r.labels if lb.p >= LABEL_MIN_P)
    if sure:
        rows.append(Evidence(EvidenceKind.LABEL, t0, t1, "looks like: " + ", ".join(lb.name for lb in sure),
                             LabelData(sure), max(lb.p for lb in sure), entry_id))
    if r.scene_change:
        rows.append(Evidence(EvidenceKind.SCENE, t0, t0, "scene change", entry_id=entry_id))
    return rows
