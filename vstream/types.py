"""Core types. Timestamps are float seconds from stream start; `wall` is time.time()."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np

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


@dataclass(frozen=True)
class EncodedFrame:
    """One frame after the vision encoder, token drop and (maybe) OCR."""

    frame_ts: float
    frame_index: int
    tokens: torch.Tensor  # [N, D] float32 patch tokens (all N; `kept` says which survive)
    grid: tuple[int, int]  # (h, w), N = h * w
    kept: torch.Tensor  # [N] bool: survived differential token drop
    embedding: np.ndarray  # [E] float32, L2-normalized: the frame's retrieval vector
    labels: tuple[tuple[str, float], ...] = ()  # top classifier labels with probabilities (lite)
    text: str = ""  # OCR text, one line per detected text box ("" when OCR did not run)
    ocr_ran: bool = False
    text_since: float | None = None  # earliest change since the previous OCR: when `text` may have appeared
    text_onsets: dict[str, float] = field(default_factory=dict)  # new line → first change under its box
    text_ends: dict[str, float] = field(default_factory=dict)  # vanished line → first change under its old box
    cache_hit: bool = False  # features reused from the previous frame (vision tower skipped)
    scene_change: bool = False  # a cut: every token kept, drop reference reset
    kept_ratio: float = 1.0
    drop_spike: bool = False  # kept ratio jumped above its moving average (not a cut)
    patch_similarity: float = 0.0  # mean cosine of each patch to the same patch one frame earlier

    @property
    def kept_tokens(self) -> torch.Tensor:
        return self.tokens[self.kept]


@dataclass
class MemoryEntry:
    """One unit of memory: a frame (working), a clip (short-term) or an event (long-term)."""

    id: int
    level: int  # 0 working, 1 short-term, 2 long-term
    t_start: float
    t_end: float
    embedding: np.ndarray  # [E] float32 L2-normalized visual embedding
    text: str  # labels + OCR text, for display and text retrieval
    payload_ref: str  # where the compressed tokens/KV live ("" when none)
    nbytes: int  # bytes this entry counts against the memory budget
    kind: str = "frame"  # frame | clip | event
    merges: int = 0  # how many entries were merged into this one
    labels: str = ""  # top classifier labels, "label:p, …"
    scene_change: bool = False  # this entry starts at a cut
    kept_ratio: float = 1.0

    @property
    def t_mid(self) -> float:
        return 0.5 * (self.t_start + self.t_end)

    def span(self) -> Span:
        return Span(self.t_start, self.t_end, (self.id,))


@dataclass
class TextSpan:
    """A line of on-screen text and when it was on screen (kept across merges: exact citations)."""

    id: int
    entry_id: int
    text: str
    t_start: float
    t_end: float
