"""The `hf` encoder backend: a transformers VLM's vision tower + projector. Its patch tokens are
already in the language model's embedding space, so the kept ones can be prefilled into the LM as
KV blocks (vstream.kv). Embedding: mean of the tokens, L2-normalized (image-to-image retrieval)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from vstream.config import EncoderConfig
from vstream.encoders.base import Encoder, Features, resolve_device
from vstream.vlm import VLM, load_vlm


class HFEncoder(Encoder):
    name = "hf"

    def __init__(self, cfg: EncoderConfig, vlm: VLM | None = None):
        super().__init__(cfg)
        self.vlm = vlm or load_vlm(cfg.model, resolve_device(cfg.device))
        self._dim = self.vlm.lm.embed_tokens.embedding_dim

    @property
    def embedding_dim(self) -> int:
        return self._dim

    @torch.inference_mode()
    def _features(self, images: list[np.ndarray]) -> list[Features]:
        out = []
        for tokens, grid in self.vlm.image_tokens(images):
            emb = F.normalize(tokens.mean(0), dim=0).cpu().numpy().astype(np.float32)
            out.append(Features(tokens.cpu(), grid, emb))
        return out
