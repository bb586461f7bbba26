"""A read-only view of a session folder, safe while an ingest process writes it (SQLite WAL).
`refresh()` picks up new commits; the FAISS indexes are loaded and checked against SQLite, and
rebuilt in memory when they lag (the writer saves them every few seconds)."""

from __future__ import annotations

from pathlib import Path

from memory.indexes import SessionIndexes
from memory.payload import Payload
from memory.records import LEVEL_NAMES, Event, EventKind, Evidence, EvidenceKind, MemoryEntry
from memory.store import SessionStore
from retrieval.embedder import TextEmbedder, default_embedder


class SessionReader:
    def __init__(self, folder: str | Path, embedder: TextEmbedder | None = None):
        self.store = SessionStore(folder, create=False, readonly=True)
        self.embedder = embedder or default_embedder()
        self._version = None
        self._entries: list[MemoryEntry] = []
        self._evidence: list[Evidence] = []
        self.refresh()

    def refresh(self) -> bool:
        """Reload if the database changed since the last call; True if it did."""
        conn = self.store.conn
        version = (conn.execute("PRAGMA data_version").fetchone()[0],
                   conn.execute("SELECT COALESCE(MAX(id), 0), COUNT(*) FROM entries").fetchone(),
                   conn.execute("SELECT COALESCE(MAX(id), 0), COUNT(*), COALESCE(SUM(t_end), 0) FROM evidence").fetchone())
        if version == self._version:
            return False
        self._version = version
        self._entries = self.store.entries()
        self._evidence = self.store.evidence()
        vdim = self.store.get_meta("visual_dim", 0) or (self._entries[0].embedding.size if self._entries else 1)
        idx = SessionIndexes.open(self.store, vdim, self.store.get_meta("text_dim", self.embedder.dim))
        self.visual_index, self.evidence_index = idx.visual, idx.evidence
        return True

    def entries(self) -> list[MemoryEntry]:
        return self._entries

    def evidence(self, kind: EvidenceKind | None = None) -> list[Evidence]:
        return [ev for ev in self._evidence if kind is None or ev.kind is kind]

    def events(self, kind: EventKind | None = None) -> list[Event]:
        return [e for _, e in self.store.events(kind)]

    def payload(self, e: MemoryEntry) -> Payload | None:
        blob = self.store.read_payload(e.payload_ref)
        return Payload.decode(blob) if blob else None

    def level_report(self) -> dict:
        out = {name: {"entries": 0, "bytes": 0} for name in LEVEL_NAMES.values()}
        for e in self._entries:
            out[LEVEL_NAMES[e.level]]["entries"] += 1
            out[LEVEL_NAMES[e.level]]["bytes"] += e.nbytes
        return out

    @property
    def total_bytes(self) -> int:
        return sum(e.nbytes for e in self._entries) + sum(ev.nbytes + 4 * self.embedder.dim for ev in self._evidence)

    def close(self) -> None:
        self.store.close()
