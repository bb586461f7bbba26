"""FAISS wrapper: inner product over L2-normalized vectors (= cosine), ids are entry ids.

Small indexes are exhaustive: IndexIDMap2 over a flat fp16 scalar-quantized store (scores within
~1e-3 of fp32, half the bytes of IndexFlatIP per query). From `ivf_at` vectors on, the index is
rebuilt as IVF (k-means cells, fp16 codes) and a query visits `nprobe` of `nlist` cells: at 100k
x 384 the exhaustive search costs 9-12 ms here, IVF ~1 ms (bench memory) — the MiniLM query
embedding (7-12 ms) is then most of a retrieval. Both support remove by id (merges and
evictions remove entries). Saved atomically (.tmp + rename); the session checks the ids
against SQLite on open and rebuilds on any mismatch."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from retrieval.common import require

IVF_AT = 50_000
NLIST = 256
NPROBE = 32


class VectorIndex:
    def __init__(self, dim: int, ivf_at: int = IVF_AT):
        faiss = require("faiss", "faiss-cpu", "Retrieval")
        self.dim = dim
        self.ivf_at = ivf_at
        self._faiss = faiss
        self._index = self._flat()
        self._ivf = False
        self._lock = threading.Lock()

    def _flat(self):
        f = self._faiss
        return f.IndexIDMap2(f.IndexScalarQuantizer(self.dim, f.ScalarQuantizer.QT_fp16, f.METRIC_INNER_PRODUCT))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids, vectors: np.ndarray) -> None:
        v = np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
        if v.shape[1] != self.dim:
            raise ValueError(f"vector dim {v.shape[1]} != index dim {self.dim}")
        with self._lock:
            self._index.add_with_ids(v, np.ascontiguousarray(np.atleast_1d(ids), dtype=np.int64))
            if not self._ivf and self._index.ntotal >= self.ivf_at:
                self._to_ivf()

    def _to_ivf(self) -> None:
        """Re-index everything as IVF, trained on the vectors held now."""
        f = self._faiss
        ids = self._ids_locked()
        vecs = np.vstack([self._index.reconstruct(int(i)) for i in ids]).astype(np.float32)
        quantizer = f.IndexFlatIP(self.dim)
        ivf = f.IndexIVFScalarQuantizer(quantizer, self.dim, NLIST, f.ScalarQuantizer.QT_fp16, f.METRIC_INNER_PRODUCT)
        ivf.train(vecs)
        ivf.nprobe = NPROBE
        ivf.set_direct_map_type(f.DirectMap.Hashtable)  # arbitrary ids: remove_ids and reconstruct
        ivf.add_with_ids(vecs, ids)
        self._quantizer = quantizer  # the IVF index does not own it: keep it alive
        self._index, self._ivf = ivf, True

    def remove(self, ids) -> int:
        ids = np.ascontiguousarray(np.atleast_1d(ids), dtype=np.int64)
        with self._lock:
            # IVF's hashtable direct map only takes an IDSelectorArray
            sel = self._faiss.IDSelectorArray(ids) if self._ivf else self._faiss.IDSelectorBatch(ids)
            return int(self._index.remove_ids(sel))

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if len(self) == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(np.atleast_2d(query), dtype=np.float32)
        with self._lock:
            scores, ids = self._index.search(q, min(k, len(self)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def _ids_locked(self) -> np.ndarray:
        f, idx = self._faiss, self._index
        if idx.ntotal == 0:
            return np.zeros(0, np.int64)
        if not self._ivf:
            return f.vector_to_array(idx.id_map)[: idx.ntotal].astype(np.int64)
        inv = idx.invlists
        parts = [f.rev_swig_ptr(inv.get_ids(c), inv.list_size(c)).copy() for c in range(inv.nlist) if inv.list_size(c)]
        return np.concatenate(parts).astype(np.int64)

    def ids(self) -> np.ndarray:
        with self._lock:
            return self._ids_locked()

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
        if isinstance(loaded, idx._faiss.IndexIVF):
            loaded.nprobe = NPROBE
            loaded.set_direct_map_type(idx._faiss.DirectMap.Hashtable)
            idx._ivf = True
        idx._index = loaded
        return idx
