"""Memory views for evaluation: the same ContextBuilder reads our hierarchical memory, a time
window of it (the leaderboard's 60 s context), or a baseline's frames (last N, uniform K)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.index import VectorIndex
from vstream.types import EncodedFrame, Event, EventKind, MemoryEntry, TextSpan


class WindowedView:
    """Only what happened in the last `seconds` before `now` (StreamingBench leaderboard: 60 s)."""

    def __init__(self, memory, seconds: float, now: float):
        self.memory, self.lo, self.now = memory, now - seconds, now
        self.embedder = memory.embedder
        self.text_index, self.visual_index = memory.text_index, memory.visual_index

    def entries(self):
        return [e for e in self.memory.entries() if e.t_end >= self.lo]

    def texts(self):
        return [t for t in self.memory.texts() if t.t_end >= self.lo]

    def events(self, kind=None):
        return [e for e in self.memory.events(kind) if e.ts >= self.lo]


@dataclass
class FrameRecord:
    """What a baseline keeps of one sampled frame: no memory hierarchy, no merging."""

    ts: float
    period: float
    embedding: np.ndarray
    labels: str
    ocr: str
    ocr_ran: bool
    scene_change: bool


class FrameLog:
    def __init__(self):
        self.records: list[FrameRecord] = []

    def add(self, enc: EncodedFrame, period: float, labels: str) -> None:
        self.records.append(FrameRecord(enc.frame_ts, period, enc.embedding, labels, enc.text, enc.ocr_ran, enc.scene_change))

    def last(self, n: int, now: float) -> list[FrameRecord]:
        past = [r for r in self.records if r.ts <= now]
        return past[-n:]

    def uniform(self, k: int, now: float, since: float = 0.0) -> list[FrameRecord]:
        past = [r for r in self.records if since <= r.ts <= now]
        if len(past) <= k:
            return past
        idx = np.linspace(0, len(past) - 1, k).round().astype(int)
        return [past[i] for i in idx]


class FramesView:
    """A memory view over a handful of baseline frames. Text lines are dated to the frames the
    baseline saw them on (it has no OCR tracking between its frames)."""

    def __init__(self, frames: list[FrameRecord], embedder):
        from memory.hierarchy import entry_text

        self.embedder = embedder
        self._entries = [MemoryEntry(i + 1, 0, r.ts, r.ts + r.period, r.embedding, entry_text(r.labels, r.ocr), "", 0,
                                     labels=r.labels, scene_change=r.scene_change) for i, r in enumerate(frames)]
        self._texts = [TextSpan(0, i + 1, line, r.ts, r.ts + r.period) for i, r in enumerate(frames) for line in r.ocr.splitlines()]
        self._events = [Event(EventKind.SCENE_CHANGE, r.ts, "scene change") for r in frames if r.scene_change]
        self.visual_index = VectorIndex(frames[0].embedding.shape[0] if frames else 1)
        self.text_index = VectorIndex(embedder.dim)
        if frames:
            self.visual_index.add([e.id for e in self._entries], np.stack([e.embedding for e in self._entries]))
            texts = [e.text for e in self._entries]
            self.text_index.add([e.id for e in self._entries], embedder.embed(texts))

    def entries(self):
        return self._entries

    def texts(self):
        return self._texts

    def events(self, kind=None):
        return [e for e in self._events if kind is None or e.kind is kind]
