"""Memory's own record types. Memory knows nothing of frames, encoders or models: the senses
(vstream/) turn what they perceive into these records, memory stores, merges and indexes them.

Evidence is the unit answers are built from: one perception result with its own time span,
typed content and confidence, pointing at the memory entry it came from. Evidence keeps its own
times when entries merge (only `entry_id` is repointed), so citations stay exact.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

WORKING, SHORT, LONG = 0, 1, 2
LEVEL_NAMES = {WORKING: "working", SHORT: "short_term", LONG: "long_term"}


class EventKind(str, Enum):
    SOURCE = "source"
    SCENE_CHANGE = "scene_change"
    DROP_SPIKE = "drop_spike"
    WATCH = "watch"
    PROACTIVE = "proactive"
    WARNING = "warning"
    SPEECH = "speech"  # a transcript segment (live captions)
    ZONE = "zone"  # an object entered / left a named zone


@dataclass(frozen=True)
class Event:
    kind: EventKind
    ts: float  # stream time the event refers to
    message: str
    payload: dict[str, Any] = field(default_factory=dict)  # JSON-able extras (ids, scores)
    wall: float = 0.0
    camera: str = ""

    def to_json(self) -> dict[str, Any]:
        out = {"kind": self.kind.value, "ts": round(self.ts, 3), "message": self.message,
               "payload": self.payload, "wall": self.wall}
        if self.camera:
            out["camera"] = self.camera
        return out


@dataclass(frozen=True)
class Span:
    """A cited stretch of stream time (and the memory entries / evidence behind it)."""

    t_start: float
    t_end: float
    entry_ids: tuple[int, ...] = ()
    camera: str = ""

    def to_json(self) -> dict[str, Any]:
        out = {"t_start": round(self.t_start, 3), "t_end": round(self.t_end, 3), "entry_ids": list(self.entry_ids)}
        if self.camera:
            out["camera"] = self.camera
        return out


@dataclass(frozen=True)
class Label:
    """An image-classifier label with its probability."""

    name: str
    p: float


# ---- evidence ----------------------------------------------------------------------------------------


class EvidenceKind(str, Enum):
    TEXT = "text"  # on-screen text (OCR): one line while it stays on screen
    SPEECH = "speech"  # a transcript segment (ASR)
    OBJECTS = "objects"  # detections in one frame: counts by class and boxes
    TRACK = "track"  # one tracked object: first seen .. last seen
    SCENE = "scene"  # a scene cut
    LABEL = "label"  # image-classifier labels of a frame (low trust: ImageNet classes)
    CAPTION = "caption"  # a VLM caption of a keyframe (hf backend)
    MOTION = "motion"  # something moving that the detector has no class for (a ball, a shape), with colour
    LOOK = "look"  # how the picture looks: bright or dark, dominant colours


@dataclass(frozen=True)
class Box:
    """A detection box in frame fractions (0..1), so it survives any resize."""

    x0: float
    y0: float
    x1: float
    y1: float
    label: str = ""
    score: float = 0.0
    track_id: int | None = None
    colour: str = ""  # dominant colour name of the box (a person's: their upper body)
    ground: str = ""  # what it stands on, seen around its bottom edge: "grass", "paved" or "" (unknown)


@dataclass(frozen=True)
class Word:
    text: str
    t_start: float
    t_end: float
    p: float = 1.0


@dataclass(frozen=True)
class TextData:
    box: Box | None = None  # where the line was read (None when unknown)


@dataclass(frozen=True)
class SpeechData:
    words: tuple[Word, ...] = ()
    language: str = "en"
    pitch_hz: float = 0.0  # the voice's median pitch (0: unknown); "what did she say?" picks by it


@dataclass(frozen=True)
class ObjectsData:
    counts: tuple[tuple[str, int], ...] = ()  # class → how many in view, sorted by class
    boxes: tuple[Box, ...] = ()
    zones: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = ()  # zone → class counts

    def count(self, label: str) -> int:
        return dict(self.counts).get(label, 0)


@dataclass(frozen=True)
class TrackData:
    track_id: int
    label: str
    zones: tuple[str, ...] = ()  # zones this track was ever in
    last_box: Box | None = None
    first_box: Box | None = None  # where it was first seen: with last_box, which way it went


@dataclass(frozen=True)
class SceneData:
    patch_similarity: float = 0.0


@dataclass(frozen=True)
class LabelData:
    labels: tuple[Label, ...] = ()


@dataclass(frozen=True)
class CaptionData:
    model: str = ""


@dataclass(frozen=True)
class MotionSegment:
    """One stretch of a moving thing's path: which way it went, or "still"."""

    t0: float
    t1: float
    direction: str  # "left to right", "right to left", "upwards", "downwards" or "still"


@dataclass(frozen=True)
class MotionData:
    box: Box | None = None  # where it was last seen
    colour: str = ""
    shape: str = ""  # circle | square | rectangle | ""
    direction: str = ""  # "left to right", "downwards", … ("" when it barely moved)
    segments: tuple[MotionSegment, ...] = ()  # its path in order: moves and stops
    entered: str = ""  # "left edge" … "bottom edge", "in place" (appeared there), "" (unknown)
    exited: str = ""  # the same for how it went; "" while it is still in view


@dataclass(frozen=True)
class LookData:
    brightness: float = 0.0  # mean luma 0..255
    colours: tuple[str, ...] = ()
    dark: bool = False  # mostly dark pixels (night, or unlit)


EvidenceData = TextData | SpeechData | ObjectsData | TrackData | SceneData | LabelData | CaptionData | MotionData | LookData

_DATA_TYPES: dict[EvidenceKind, type] = {
    EvidenceKind.TEXT: TextData, EvidenceKind.SPEECH: SpeechData, EvidenceKind.OBJECTS: ObjectsData,
    EvidenceKind.TRACK: TrackData, EvidenceKind.SCENE: SceneData, EvidenceKind.LABEL: LabelData,
    EvidenceKind.CAPTION: CaptionData, EvidenceKind.MOTION: MotionData, EvidenceKind.LOOK: LookData,
}


@dataclass
class Evidence:
    """One perception result: what (content, typed data), when (its own span), how sure."""

    kind: EvidenceKind
    t_start: float
    t_end: float
    content: str  # the sentence or line answers quote, and what is embedded for retrieval
    data: EvidenceData | None = None
    confidence: float = 1.0
    entry_id: int = 0  # the memory entry it came from (repointed on merges)
    camera: str = ""
    id: int = 0  # assigned by the store

    def __post_init__(self) -> None:
        if self.data is None:
            self.data = _DATA_TYPES[self.kind]()

    def span(self) -> Span:
        return Span(self.t_start, max(self.t_end, self.t_start), (self.entry_id,) if self.entry_id else (), self.camera)

    @property
    def nbytes(self) -> int:
        """What a row costs against the memory budget: its text, its data and a fixed overhead."""
        return 48 + len(self.content.encode()) + len(data_to_json(self.data))


def data_to_json(data: EvidenceData | None) -> str:
    return json.dumps(dataclasses.asdict(data) if data is not None else {}, separators=(",", ":"))


def data_from_json(kind: EvidenceKind, text: str) -> EvidenceData:
    """Typed payload back from its JSON column (the kind says which dataclass)."""
    return _build(_DATA_TYPES[kind], json.loads(text or "{}"))


def _build(cls: type, d: dict):
    kw = {}
    for f in dataclasses.fields(cls):
        if f.name not in d:
            continue
        kw[f.name] = _value(f.name, d[f.name])
    return cls(**kw)


def _value(name: str, v):
    if name == "colours":
        return tuple(v)
    if name == "segments":
        return tuple(MotionSegment(**x) for x in v)
    if name in ("box", "last_box", "first_box"):
        return None if v is None else Box(**v)
    if name == "boxes":
        return tuple(Box(**b) for b in v)
    if name == "words":
        return tuple(Word(**w) for w in v)
    if name == "labels":
        return tuple(Label(**x) for x in v)
    if name == "counts":
        return tuple((str(a), int(b)) for a, b in v)
    if name == "zones" and v and isinstance(v[0], list) and len(v[0]) == 2 and isinstance(v[0][1], list):
        return tuple((str(z), tuple((str(a), int(b)) for a, b in c)) for z, c in v)
    if name == "zones":
        return tuple(v)
    return v


# ---- entries -------------------------------------------------------------------------------------------


@dataclass
class MemoryEntry:
    """One unit of memory: a frame (working), a clip (short-term) or an event (long-term)."""

    id: int
    level: int  # 0 working, 1 short-term, 2 long-term
    t_start: float
    t_end: float
    embedding: np.ndarray  # [E] float32 L2-normalized visual embedding
    payload_ref: str  # where the compressed tokens/KV live ("" when none)
    nbytes: int  # bytes this entry counts against the memory budget
    kind: str = "frame"  # frame | clip | event
    merges: int = 0  # how many entries were merged into this one
    labels: tuple[Label, ...] = ()  # top classifier labels (weighted mean over merged frames)
    scene_change: bool = False  # this entry starts at a cut
    kept_ratio: float = 1.0
    camera: str = ""

    @property
    def t_mid(self) -> float:
        return 0.5 * (self.t_start + self.t_end)

    def span(self) -> Span:
        return Span(self.t_start, self.t_end, (self.id,), self.camera)


@dataclass(frozen=True)
class FrameRecord:
    """What ingest hands memory for one encoded frame: no frame, no encoder types."""

    ts: float
    duration: float  # 1 / sampling fps
    embedding: np.ndarray  # [E] float32 L2-normalized
    tokens: np.ndarray  # [K, D] float32: the kept patch tokens
    token_index: np.ndarray  # [K] int32: their grid positions
    grid: tuple[int, int]
    labels: tuple[Label, ...] = ()
    scene_change: bool = False
    kept_ratio: float = 1.0
    # Opaque arrays kept beside the tokens while the entry is working/short-term (the hf
    # backend's KV block, serialized by its own type); merged entries drop them.
    extra_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    extra_ints: dict[str, np.ndarray] = field(default_factory=dict)
