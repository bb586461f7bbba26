"""Encoder backends by name (kept apart from the ABC so base.py does not import its subclasses)."""

from __future__ import annotations

from vstream.config import Backend, EncoderConfig
from vstream.encoders.base import Encoder
from vstream.encoders.hf import HFEncoder
from vstream.encoders.lite import LiteEncoder

# Encoders built ahead by a fork server (vstream/zygote.py) before it forks camera ingests: the
# child takes the one matching its config (unused, so in the state a fresh one would have) and
# shares its weights copy-on-write instead of loading them again.
_PREBUILT: list[tuple[EncoderConfig, Encoder]] = []


def prebuild_encoder(cfg: EncoderConfig) -> None:
    """Build an encoder now for a later `make_encoder(cfg)` in this process or a forked child."""
    enc = _build(cfg)
    enc.warm()
    _PREBUILT.append((cfg, enc))


def make_encoder(cfg: EncoderConfig) -> Encoder:
    for i, (built_for, enc) in enumerate(_PREBUILT):
        if built_for == cfg:  # == not hash: "lite" (the CLI's string) equals Backend.LITE
            del _PREBUILT[i]  # an encoder holds per-stream state: hand each one out once
            return enc
    return _build(cfg)


def _build(cfg: EncoderConfig) -> Encoder:
    return HFEncoder(cfg) if cfg.backend is Backend.HF else LiteEncoder(cfg)
