"""A read-only view of a session folder, safe while an ingest process writes it (SQLite WAL).
`refresh()` picks up new commits; the FAISS indexes are loaded and checked against SQLite, and
rebuilt in memory when they lag (the writer saves them every few seconds)."""

from __future__ import annotations

from pathlib import Path

from memory.hierarchy import LEVEL_NAMES
from memory.store import SessionStore
from retrieval.embedder import TextEmbedder, default_embedder
from retrieval.index import VectorIndex
from vstream.types import MemoryEntry, TextSpan


class SessionReader:
    def __init__(self, folder: str | Path, embedder: TextEmbedder | None = None):
        self.store = SessionStore(folder, create=False, readonly=True)
        self.embedder = embedder or default_embedder()
        self._version = None
        self._entries: list[MemoryEntry] = []
        self.visual_index: VectorIndex | None = None
        self.text_index: VectorIndex | None = None
        self.refresh()

    def refresh(self) -> bool:
        """Reload if the database changed since the last call; True if it did."""
        version = (self.store.conn.execute("PRAGMA data_version").fetchone()[0],
                   self.store.conn.execute("SELECT COALESCE(MAX(id), 0), COUNT(*) FROM entries").fetchone())
        if version == self._version:
            return False
        self._version = version
        self._entries = self.store.entries()
        self.visual_index = self._index("visual.faiss", self.store.get_meta("visual_dim", 0), self.store.visual_embeddings())
        self.text_index = self._index("text.faiss", self.store.get_meta("text_dim", self.embedder.dim), self.store.text_embeddings())
        return True

    def _index(self, name: str, dim: int, ids_vecs) -> VectorIndex:
        ids, vecs = ids_vecs
        dim = dim or (vecs.shape[1] if len(ids) else 1)
        path = self.store.folder / name
        idx = VectorIndex.load(path, dim) if path.exists() else None
        if idx is None or set(idx.ids().tolist()) != set(ids.tolist()):
            idx = VectorIndex(dim)
            if len(ids):
                idx.add(ids, vecs)
        return idx

    def entries(self) -> list[MemoryEntry]:
        return self._entries

    def texts(self) -> list[TextSpan]:
        return self.store.texts()

    def events(self, kind=None):
        return [e for _, e in self.store.events(kind)]

    def payload(self, e: MemoryEntry):
        from memory.payload import Payload

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
        return sum(e.nbytes for e in self._entries) + sum(len(t.text) + 32 for t in self.texts())

    def close(self) -> None:
        self.store.close()
