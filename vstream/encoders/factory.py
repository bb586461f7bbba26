"""Encoder backends by name (kept apart from the ABC so base.py does not import its subclasses)."""

from __future__ import annotations

from vstream.config import Backend, EncoderConfig
from vstream.encoders.base import Encoder
from vstream.encoders.hf import HFEncoder
from vstream.encoders.lite import LiteEncoder


def make_encoder(cfg: EncoderConfig) -> Encoder:
    return HFEncoder(cfg) if cfg.backend is Backend.HF else LiteEncoder(cfg)
