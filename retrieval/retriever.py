"""Question → what memory holds about it: FAISS top-k over evidence text (MiniLM) and visual
vectors, always mixed with the recent window (recency alone is a strong baseline —
SimpleStream's last-4-frames), filtered by the time a question names. Each hit carries its
[t_start, t_end] for citation.

The retriever reads any `MemoryView` (declared here, implemented by memory's live writer and its
read-only reader): retrieval sits below memory and never imports it."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from retrieval.embedder import TextEmbedder
from retrieval.index import VectorIndex
from retrieval.timeparse import TimeWindow, parse_time_window


class Timed(Protocol):
    id: int
    t_start: float
    t_end: float


class EvidenceLike(Timed, Protocol):
    content: str
    entry_id: int


class MemoryView(Protocol):
    """What retrieval needs of a memory: time-sorted entries and evidence, their indexes."""

    embedder: TextEmbedder
    visual_index: VectorIndex
    evidence_index: VectorIndex

    def entries(self) -> Sequence[Timed]: ...

    def evidence(self) -> Sequence[EvidenceLike]: ...


@dataclass(frozen=True)
class Hit:
    entry: Timed
    score: float
    why: str  # text | visual | recent | time


@dataclass(frozen=True)
class EvidenceHit:
    evidence: EvidenceLike
    score: float  # cosine of the query to the evidence content


@dataclass
class RetrievalConfig:
    k: int = 8
    recent: int = 4  # always include the last N entries (SimpleStream)
    min_text_score: float = 0.2


def in_window(item: Timed, now: float, window: TimeWindow | None) -> bool:
    """Seen by `now` and overlapping the window (when one is named)."""
    if item.t_start > now:
        return False
    return window is None or (item.t_end >= window.t_start and item.t_start <= window.t_end)


class _ById:
    """id → row, rebuilt only when the rows changed (their count, the newest id among the last
    64, the last end time): a dict over 100k rows costs ~10 ms, more than the FAISS search. One
    per kind of row (entries, evidence); entries also keep their sorted start times for bisect."""

    def __init__(self):
        self.key = None
        self.rows: dict[int, Timed] = {}
        self.starts: list[float] = []

    def get(self, rows: Sequence[Timed]) -> dict[int, Timed]:
        key = (len(rows), max((r.id for r in rows[-64:]), default=0), rows[-1].t_end if rows else 0.0)
        if key != self.key:
            self.rows, self.starts, self.key = {r.id: r for r in rows}, [r.t_start for r in rows], key
        return self.rows


class Retriever:
    def __init__(self, memory: MemoryView, cfg: RetrievalConfig | None = None):
        self.memory = memory
        self.cfg = cfg or RetrievalConfig()
        self._entries = _ById()
        self._evidence = _ById()

    def embed(self, text: str) -> np.ndarray:
        return self.memory.embedder.embed([text])[0]

    def search_evidence(self, query: str | np.ndarray, now: float, window: TimeWindow | None = None,
                        k: int = 32) -> list[EvidenceHit]:
        """The evidence rows most similar to the query, seen by `now`, inside the window."""
        qvec = self.embed(query) if isinstance(query, str) else query
        rows = self._evidence.get(self.memory.evidence())
        out = []
        for eid, score in self.memory.evidence_index.search(qvec, 4 * k):
            ev = rows.get(eid)
            if ev is not None and in_window(ev, now, window):
                out.append(EvidenceHit(ev, score))
        return out[:k]

    def search(self, question: str, now: float | None = None, k: int | None = None,
               image_embedding: np.ndarray | None = None) -> tuple[list[Hit], TimeWindow | None]:
        """Entries for a question: those whose evidence matches it, visually similar ones, and
        the moment it names (or the latest)."""
        entries = self.memory.entries()
        if not entries:
            return [], None
        by_id = self._entries.get(entries)
        now = entries[-1].t_end if now is None else now
        window = parse_time_window(question, now)
        k = k or self.cfg.k
        scored: dict[int, Hit] = {}

        def offer(eid: int, score: float, why: str) -> None:
            e = by_id.get(eid)
            if e is not None and in_window(e, now, window) and (eid not in scored or scored[eid].score < score):
                scored[eid] = Hit(e, score, why)

        for h in self.search_evidence(question, now, window, 4 * k):
            if h.score >= self.cfg.min_text_score:
                offer(h.evidence.entry_id, h.score, "text")
        if image_embedding is not None:
            for eid, s in self.memory.visual_index.search(image_embedding, 4 * k):
                offer(eid, s, "visual")
        ranked = sorted(scored.values(), key=lambda h: -h.score)[:k]
        ranked += self.at_time(entries, now, window, {h.entry.id for h in ranked})
        return sorted(ranked, key=lambda h: h.entry.t_start), window

    def at_time(self, entries: Sequence[Timed], now: float, window: TimeWindow | None, taken=frozenset()) -> list[Hit]:
        """The entries at the named time (or, without one, the latest) — even if nothing in
        them matched: a question about a moment must see that moment."""
        self._entries.get(entries)
        upto = bisect.bisect_right(self._entries.starts, now)
        if window is not None:
            # entries are sorted by start; long merged entries may start well before the window
            lo = bisect.bisect_left(self._entries.starts, window.t_start - 3600.0)
            inside = [e for e in entries[lo:upto] if e.t_end >= window.t_start and e.t_start <= window.t_end]
            if window.point is not None:
                inside.sort(key=lambda e: abs(0.5 * (e.t_start + e.t_end) - window.point))
            else:
                inside = inside[-self.cfg.recent:]
            return [Hit(e, 0.0, "time") for e in inside[: self.cfg.recent] if e.id not in taken]
        return [Hit(e, 0.0, "recent") for e in entries[max(0, upto - self.cfg.recent):upto] if e.id not in taken]
