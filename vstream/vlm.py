"""Transformers VLMs behind one small interface: the vision tower for the encoder, and the
language model's embedding / forward with explicit positions for KV-block prefill and answers.

Families: SmolVLM / SmolVLM2 / Idefics3 (1-D RoPE) and Qwen2-VL / Qwen2.5-VL (3-D M-RoPE).
Frames are preprocessed here with numpy (the transformers *video* processors need torchvision,
which cannot be installed beside torch 2.13 CPU)."""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np
import torch

from vstream.errors import MissingDependencyError, VStreamError
from vstream.logs import quiet_libraries

_IDEFICS = {"idefics3", "smolvlm"}
_QWEN = {"qwen2_vl", "qwen2_5_vl"}


class VLM(ABC):
    """Verbs: image_tokens (vision tower + projector), embed (text ids → embeddings),
    positions (RoPE position ids for a chunk), forward (LM over embeddings with a cache)."""

    def __init__(self, model, tokenizer, device: torch.device):
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.dtype = next(model.parameters()).dtype

    # ---- vision --------------------------------------------------------------------------------
    @abstractmethod
    def image_tokens(self, images: list[np.ndarray]) -> list[tuple[torch.Tensor, tuple[int, int]]]:
        """RGB frames → per frame (tokens [N, D_text] in the LM's embedding space, grid (h, w))."""

    # ---- language model ------------------------------------------------------------------------
    @property
    @abstractmethod
    def lm(self):
        """The decoder stack (LlamaModel / Qwen2VLTextModel)."""

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        return self.lm.embed_tokens(ids.to(self.device))

    @abstractmethod
    def positions(self, start: int, n: int, grid: tuple[int, int] | None = None,
                  index: torch.Tensor | None = None) -> tuple[torch.Tensor, int]:
        """Position ids for a chunk of n tokens starting at `start` (a visual chunk passes its
        grid and the flat indices of its kept tokens); returns (ids, next free position)."""

    def forward(self, embeds: torch.Tensor, position_ids: torch.Tensor, cache, mask: torch.Tensor) -> torch.Tensor:
        """embeds [1, L, D]; mask [1, 1, L, past+L] additive float; returns logits [1, L, V]."""
        out = self.lm(inputs_embeds=embeds.to(self.dtype), position_ids=position_ids, past_key_values=cache,
                      attention_mask=mask.to(self.dtype), use_cache=True)
        return self.model.lm_head(out.last_hidden_state).float()

    @property
    def num_layers(self) -> int:
        return len(self.lm.layers)


class Idefics3VLM(VLM):
    def __init__(self, model, tokenizer, device, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)):
        super().__init__(model, tokenizer, device)
        vc = model.config.vision_config
        self.size = vc.image_size
        self.grid_side = vc.image_size // vc.patch_size // model.config.scale_factor
        self.mean = np.array(mean, np.float32)
        self.std = np.array(std, np.float32)

    @property
    def lm(self):
        return self.model.model.text_model

    def image_tokens(self, images):
        import cv2

        batch = np.stack([cv2.resize(im, (self.size, self.size), interpolation=cv2.INTER_AREA) for im in images])
        x = (batch.astype(np.float32) / 255.0 - self.mean) / self.std
        pv = torch.from_numpy(x).permute(0, 3, 1, 2)[:, None].to(self.device, self.dtype)  # [B, 1, 3, S, S]
        feats = self.model.model.get_image_features(pixel_values=pv).pooler_output
        g = self.grid_side
        return [(f.float(), (g, g)) for f in feats]

    def positions(self, start, n, grid=None, index=None):
        return torch.arange(start, start + n, device=self.device)[None], start + n


class QwenVLM(VLM):
    """Qwen2-VL / Qwen2.5-VL. Visual tokens get 3-D M-RoPE ids (t, h, w) = start + (0, row, col)
    as get_rope_index gives an image; text gets (p, p, p). Each chunk starts past the largest
    position so far, which is what makes chunked prefill exact (ENVIRONMENT.md: 4e-3 → 2e-7)."""

    def __init__(self, model, tokenizer, device, mean=(0.48145466, 0.4578275, 0.40821073),
                 std=(0.26862954, 0.26130258, 0.27577711), short_side: int = 448):
        super().__init__(model, tokenizer, device)
        vc = model.config.vision_config
        self.patch = vc.patch_size
        self.merge = vc.spatial_merge_size
        self.temporal = vc.temporal_patch_size
        self.short_side = short_side
        self.mean = np.array(mean, np.float32)
        self.std = np.array(std, np.float32)

    @property
    def lm(self):
        return self.model.model.language_model

    def _patchify(self, image: np.ndarray) -> tuple[torch.Tensor, int, int]:
        """The Qwen2-VL image processor's layout, in numpy: [gh*gw, C*T*P*P] in merge-window order."""
        import cv2

        unit = self.patch * self.merge
        h, w = image.shape[:2]
        scale = self.short_side / min(h, w)
        H, W = max(unit, round(h * scale / unit) * unit), max(unit, round(w * scale / unit) * unit)
        x = (cv2.resize(image, (W, H), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0 - self.mean) / self.std
        x = np.tile(x.transpose(2, 0, 1)[None], (self.temporal, 1, 1, 1))  # [T, C, H, W]
        gh, gw, m, p = H // self.patch, W // self.patch, self.merge, self.patch
        x = x.reshape(1, self.temporal, 3, gh // m, m, p, gw // m, m, p).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
        return torch.from_numpy(x.reshape(gh * gw, 3 * self.temporal * p * p).copy()), gh, gw

    def image_tokens(self, images):
        out = []
        for im in images:
            pv, gh, gw = self._patchify(im)
            thw = torch.tensor([[1, gh, gw]], device=self.device)
            feats = self.model.model.get_image_features(pixel_values=pv.to(self.device, self.dtype), image_grid_thw=thw).pooler_output
            out.append((feats[0].float(), (gh // self.merge, gw // self.merge)))
        return out

    def positions(self, start, n, grid=None, index=None):
        if grid is None:
            ids = torch.arange(start, start + n, device=self.device)
            return ids.view(1, 1, -1).expand(3, 1, -1), start + n
        h, w = grid
        flat = index if index is not None else torch.arange(h * w)
        rows, cols = (flat // w).to(self.device), (flat % w).to(self.device)
        ids = torch.stack([torch.zeros_like(rows), rows, cols]) + start  # [3, n]
        return ids[:, None, :], start + max(h, w)


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("TRANSFORMERS_OFFLINE") == "1"


def _norm_stats(path: str) -> dict:
    """image_mean/std from a local preprocessor_config.json when there is one."""
    cfg = Path(path) / "preprocessor_config.json"
    if cfg.exists():
        d = json.loads(cfg.read_text())
        if "image_mean" in d and "image_std" in d:
            return {"mean": tuple(d["image_mean"]), "std": tuple(d["image_std"])}
    return {}


def load_vlm(model_id: str, device: torch.device, dtype: torch.dtype | None = None) -> VLM:
    """Load a supported VLM with the real from_pretrained code, or say how to get it."""
    quiet_libraries()
    import transformers
    from transformers import AutoConfig, AutoTokenizer

    local = Path(model_id).is_dir()
    kw = {"local_files_only": local or _offline()}
    try:
        config = AutoConfig.from_pretrained(model_id, **kw)
    except (OSError, ValueError) as e:
        raise MissingDependencyError(
            f"model '{model_id}' is not available here ({type(e).__name__}): on a machine with network run "
            f"`hf download {model_id} --local-dir DIR` and pass --model DIR — or use the offline backend: --backend lite"
        ) from None
    mt = config.model_type
    if mt not in _IDEFICS | _QWEN:
        raise VStreamError(f"model type '{mt}' of {model_id} is not supported; use a SmolVLM/SmolVLM2/Idefics3 or Qwen2-VL/Qwen2.5-VL model")
    dtype = dtype or (torch.bfloat16 if device.type == "cuda" else torch.float32)
    cls = {"idefics3": "Idefics3ForConditionalGeneration", "smolvlm": "SmolVLMForConditionalGeneration",
           "qwen2_vl": "Qwen2VLForConditionalGeneration", "qwen2_5_vl": "Qwen2_5_VLForConditionalGeneration"}[mt]
    try:
        model = getattr(transformers, cls).from_pretrained(model_id, dtype=dtype, **kw).to(device).eval()
        tokenizer = AutoTokenizer.from_pretrained(model_id, **kw)
    except OSError as e:
        raise MissingDependencyError(f"weights of '{model_id}' are missing or incomplete ({e}); download them again, or use --backend lite") from None
    stats = _norm_stats(model_id) if local else {}
    return (Idefics3VLM if mt in _IDEFICS else QwenVLM)(model, tokenizer, device, **stats)
