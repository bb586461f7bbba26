"""Question → memory entries: FAISS top-k over text and visual vectors, always mixed with the
recent window (recency alone is a strong baseline — SimpleStream's last-4-frames), filtered by
the time a question names. Each hit carries its [t_start, t_end] for citation."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from retrieval.timeparse import TimeWindow, parse_time_window
from vstream.types import MemoryEntry


@dataclass(frozen=True)
class Hit:
    entry: MemoryEntry
    score: float
    why: str  # text | visual | recent | time


@dataclass
class RetrievalConfig:
    k: int = 8
    recent: int = 4  # always include the last N entries (SimpleStream)
    min_text_score: float = 0.2


class Retriever:
    """Works on any memory view with `entries()`, `text_index`, `visual_index` and `embedder`."""

    def __init__(self, memory, cfg: RetrievalConfig | None = None):
        self.memory = memory
        self.cfg = cfg or RetrievalConfig()
        self._cache_key = None
        self._by_id: dict[int, MemoryEntry] = {}
        self._starts: list[float] = []

    def _lookup(self, entries: list[MemoryEntry]) -> dict[int, MemoryEntry]:
        """id → entry and the sorted start times, rebuilt only when memory changed (a dict over
        100k entries costs ~10 ms: more than the FAISS search)."""
        key = (id(entries), len(entries), entries[-1].id if entries else None, entries[-1].t_end if entries else None)
        if key != self._cache_key:
            self._by_id = {e.id: e for e in entries}
            self._starts = [e.t_start for e in entries]
            self._cache_key = key
        return self._by_id

    def search(self, question: str, now: float | None = None, k: int | None = None,
               image_embedding: np.ndarray | None = None) -> tuple[list[Hit], TimeWindow | None]:
        entries = self.memory.entries()
        if not entries:
            return [], None
        by_id = self._lookup(entries)
        now = entries[-1].t_end if now is None else now
        window = parse_time_window(question, now)
        k = k or self.cfg.k
        scored: dict[int, Hit] = {}

        def offer(eid: int, score: float, why: str) -> None:
            e = by_id.get(eid)
            if e is None or e.t_start > now or (window and (e.t_end < window.t_start or e.t_start > window.t_end)):
                return
            if eid not in scored or scored[eid].score < score:
                scored[eid] = Hit(e, score, why)

        qvec = self.memory.embedder.embed([question])[0]
        for eid, s in self.memory.text_index.search(qvec, 4 * k):
            if s >= self.cfg.min_text_score:
                offer(eid, s, "text")
        if image_embedding is not None:
            for eid, s in self.memory.visual_index.search(image_embedding, 4 * k):
                offer(eid, s, "visual")
        ranked = sorted(scored.values(), key=lambda h: -h.score)[:k]
        ranked += self._window_or_recent(entries, now, window, {h.entry.id for h in ranked})
        return sorted(ranked, key=lambda h: h.entry.t_start), window

    def _window_or_recent(self, entries, now, window, taken) -> list[Hit]:
        """The entries at the named time (or, without one, the latest) — even if their text
        did not match: a question about a moment must see that moment."""
        upto = bisect.bisect_right(self._starts, now)
        if window is not None:
            # entries are sorted by start; long merged entries may start well before the window
            lo = bisect.bisect_left(self._starts, window.t_start - 3600.0)
            inside = [e for e in entries[lo:upto] if e.t_end >= window.t_start and e.t_start <= window.t_end]
            if window.point is not None:
                inside.sort(key=lambda e: abs(e.t_mid - window.point))
            else:
                inside = inside[-self.cfg.recent:]
            return [Hit(e, 0.0, "time") for e in inside[: self.cfg.recent] if e.id not in taken]
        return [Hit(e, 0.0, "recent") for e in entries[max(0, upto - self.cfg.recent):upto] if e.id not in taken]
