"""Core types. Timestamps are float seconds from stream start; `wall` is time.time()."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np


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


class EventKind(str, Enum):
    SOURCE = "source"
    SCENE_CHANGE = "scene_change"
    DROP_SPIKE = "drop_spike"
    WATCH = "watch"
    PROACTIVE = "proactive"
    WARNING = "warning"


@dataclass(frozen=True)
class Event:
    kind: EventKind
    ts: float  # stream time the event refers to
    message: str
    payload: dict[str, Any] = field(default_factory=dict)  # JSON-able extras (ids, scores)
    wall: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "ts": round(self.ts, 3),
            "message": self.message,
            "payload": self.payload,
            "wall": self.wall,
        }


@dataclass(frozen=True)
class Span:
    t_start: float
    t_end: float
    entry_ids: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "t_start": round(self.t_start, 3),
            "t_end": round(self.t_end, 3),
            "entry_ids": list(self.entry_ids),
        }


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
