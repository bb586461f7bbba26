"""Payload compression: fp16, or int8 with per-channel scales (the last dim is the channel).

int8 of a [n, D] fp32 matrix costs n*D + 2*D bytes (fp16 per-channel scales; one scale when
n < 32): <= 0.266x of fp32, cosine similarity > 0.999 on CNN features and LM keys/values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

# Per-channel scales cost 2*D bytes: worth it from 32 rows on (ratio 0.25 + 0.5/rows <= 0.266).
_PER_CHANNEL_MIN_ROWS = 32


class Codec(str, Enum):
    FP32 = "fp32"
    FP16 = "fp16"
    INT8 = "int8"


@dataclass(frozen=True)
class Packed:
    codec: Codec
    shape: tuple[int, ...]
    data: bytes  # int8/fp16/fp32 values, C order
    scales: bytes = b""  # int8: fp16 per-channel scales [shape[-1]]

    @property
    def nbytes(self) -> int:
        return len(self.data) + len(self.scales)


def pack(x: np.ndarray, codec: Codec) -> Packed:
    x = np.ascontiguousarray(x, dtype=np.float32)
    if codec is Codec.FP32:
        return Packed(codec, x.shape, x.tobytes())
    if codec is Codec.FP16:
        return Packed(codec, x.shape, x.astype(np.float16).tobytes())
    flat = x.reshape(-1, x.shape[-1]) if x.size else x.reshape(0, max(1, x.shape[-1] if x.ndim else 1))
    if flat.shape[0] >= _PER_CHANNEL_MIN_ROWS:
        scale = np.abs(flat).max(axis=0) / 127.0
    else:  # few rows: one scale for all (2*D bytes of scales would cost more than they save)
        scale = np.full(1, np.abs(flat).max() / 127.0 if flat.size else 0.0, np.float32)
    scale = np.maximum(scale, 1e-12).astype(np.float16).astype(np.float32)
    q = np.clip(np.rint(flat / scale), -127, 127).astype(np.int8)
    return Packed(codec, x.shape, q.tobytes(), scale.astype(np.float16).tobytes())


def unpack(p: Packed) -> np.ndarray:
    if p.codec is Codec.FP32:
        return np.frombuffer(p.data, np.float32).reshape(p.shape).copy()
    if p.codec is Codec.FP16:
        return np.frombuffer(p.data, np.float16).astype(np.float32).reshape(p.shape)
    scale = np.frombuffer(p.scales, np.float16).astype(np.float32)
    q = np.frombuffer(p.data, np.int8).astype(np.float32).reshape(-1, p.shape[-1] if p.shape else 1)
    return (q * scale).reshape(p.shape)
