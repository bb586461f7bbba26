"""Core types. Timestamps are float seconds from stream start; `wall` is time.time()."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np

from memory.records import Event, EventKind, Label, MemoryEntry, Span

__all__ = ["Answer", "EncodedFrame", "Event", "EventKind", "Frame", "Label", "MemoryEntry", "SourceState", "Span",
           "StreamInfo"]

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Frame:
    index: int  # index among decoded frames of this source (0-based, across reconnects)
    ts: float  # seconds from stream start, from PTS, monotonic
    wall: float  # time.time() when the frame became available (decoded; paced files: released at 1x)
    image: np.ndarray  # [H, W, 3] uint8 RGB
    source_id: str = "default"


@dataclass(frozen=True)
class StreamInfo:
    """What a source reports once open."""

    kind: str  # file | rtsp | http | webcam | testsrc
    width: int
    height: int
    fps: float  # nominal frame rate (0.0 when unknown)
    duration_s: float | None  # None for live sources
    live: bool
    codec: str = ""


class SourceState(str, Enum):
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    ENDED = "ended"


@dataclass(frozen=True)
class Answer:
    text: str
    citations: list[Span]
    latency_s: float
    ttft_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "citations": [c.to_json() for c in self.citations],
            "latency_s": round(self.latency_s, 4),
            "ttft_s": round(self.ttft_s, 4),
        }


@dataclass(frozen=True)
class EncodedFrame:
    """One frame after the vision encoder, token drop and (maybe) OCR."""

    frame_ts: float
    frame_index: int
    tokens: torch.Tensor  # [N, D] float32 patch tokens (all N; `kept` says which survive)
    grid: tuple[int, int]  # (h, w), N = h * w
    kept: torch.Tensor  # [N] bool: survived differential token drop
    embedding: np.ndarray  # [E] float32, L2-normalized: the frame's retrieval vector
    labels: tuple[Label, ...] = ()  # top classifier labels with probabilities (lite)
    text: str = ""  # OCR text, one line per detected text box ("" when OCR did not run)
    ocr_ran: bool = False
    text_since: float | None = None  # earliest change since the previous OCR: when `text` may have appeared
    text_onsets: dict[str, float] = field(default_factory=dict)  # new line → first change under its box
    text_ends: dict[str, float] = field(default_factory=dict)  # vanished line → first change under its old box
    text_boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)  # line → where read
    cache_hit: bool = False  # features reused from the previous frame (vision tower skipped)
    scene_change: bool = False  # a cut: every token kept, drop reference reset
    kept_ratio: float = 1.0
    drop_spike: bool = False  # kept ratio jumped above its moving average (not a cut)
    patch_similarity: float = 0.0  # mean cosine of each patch to the same patch one frame earlier

    @property
    def kept_tokens(self) -> torch.Tensor:
        return self.tokens[self.kept]
