"""The session's two FAISS indexes (visual vectors of entries, text vectors of evidence), saved
beside the SQLite file. One rule for writer and readers: load the saved file, and rebuild from
SQLite when its ids disagree with the database (after a crash the file lags the database by up
to `index_save_s`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memory.store import SessionStore
from retrieval.index import VectorIndex

VISUAL_FILE, EVIDENCE_FILE = "visual.faiss", "evidence.faiss"


def load_or_rebuild(path: Path, dim: int, ids: np.ndarray, vecs: np.ndarray) -> tuple[VectorIndex, bool]:
    """(index, rebuilt?)."""
    idx = VectorIndex.load(path, dim) if path.exists() else None
    if idx is not None and set(idx.ids().tolist()) == set(ids.tolist()):
        return idx, False
    idx = VectorIndex(dim)
    if len(ids):
        idx.add(ids, vecs)
    return idx, bool(path.exists() or len(ids))


@dataclass
class SessionIndexes:
    visual: VectorIndex
    evidence: VectorIndex
    rebuilt: list[str]

    @staticmethod
    def open(store: SessionStore, visual_dim: int, text_dim: int) -> SessionIndexes:
        folder = store.folder
        visual, rv = load_or_rebuild(folder / VISUAL_FILE, visual_dim, *store.visual_embeddings())
        evidence, re_ = load_or_rebuild(folder / EVIDENCE_FILE, text_dim, *store.evidence_embeddings())
        return SessionIndexes(visual, evidence, [n for n, r in (("visual", rv), ("evidence", re_)) if r])

    def save(self, folder: Path) -> None:
        self.visual.save(folder / VISUAL_FILE)
        self.evidence.save(folder / EVIDENCE_FILE)
