"""FAISS wrapper: inner product over L2-normalized vectors (= cosine), ids are entry ids.

IndexIDMap2(IndexFlatIP): exact, supports remove by id (merges and evictions remove entries);
bench memory measures search p50 at 100k entries. Saved atomically (write to .tmp, rename) so a
crash never leaves a half-written index; the session checks it against SQLite on open."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from vstream.errors import require


class VectorIndex:
    def __init__(self, dim: int):
        faiss = require("faiss", "faiss-cpu", "Retrieval")
        self.dim = dim
        self._faiss = faiss
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids, vectors: np.ndarray) -> None:
        v = np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
        if v.shape[1] != self.dim:
            raise ValueError(f"vector dim {v.shape[1]} != index dim {self.dim}")
        with self._lock:
            self._index.add_with_ids(v, np.ascontiguousarray(np.atleast_1d(ids), dtype=np.int64))

    def remove(self, ids) -> int:
        ids = np.ascontiguousarray(np.atleast_1d(ids), dtype=np.int64)
        with self._lock:
            return int(self._index.remove_ids(self._faiss.IDSelectorBatch(ids)))

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if len(self) == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(np.atleast_2d(query), dtype=np.float32)
        with self._lock:
            scores, ids = self._index.search(q, min(k, len(self)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def ids(self) -> np.ndarray:
        with self._lock:
            n = self._index.ntotal
            return self._faiss.vector_to_array(self._index.id_map)[:n].astype(np.int64) if n else np.zeros(0, np.int64)

    def save(self, path: Path) -> None:
        tmp = Path(str(path) + ".tmp")
        with self._lock:
            self._faiss.write_index(self._index, str(tmp))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, dim: int) -> VectorIndex | None:
        """The saved index, or None if missing/unreadable/wrong dim (the caller rebuilds)."""
        idx = cls(dim)
        try:
            loaded = idx._faiss.read_index(str(path))
        except Exception:  # missing, truncated or foreign file: rebuild from SQLite
            return None
        if loaded.d != dim:
            return None
        idx._index = loaded
        return idx
