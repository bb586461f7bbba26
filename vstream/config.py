"""Nested, validated configuration. Every out-of-range value fails with a one-line fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from vstream.errors import ConfigError


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


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


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
        _check(0 < self.fps <= 120, f"--fps {self.fps} is out of range; use a rate in (0, 120], e.g. --fps 2")
        _check(1 <= self.queue_size <= 4096, f"--queue-size {self.queue_size} is out of range; use 1..4096")
        _check(0.1 <= self.open_timeout_s <= 300, f"--open-timeout {self.open_timeout_s} s is out of range; use 0.1..300")
        _check(0.1 <= self.read_timeout_s <= 300, f"--read-timeout {self.read_timeout_s} s is out of range; use 0.1..300")
        _check(self.max_retries is None or self.max_retries >= 0, "--max-retries must be >= 0 (omit it to retry forever)")
        _check(0 < self.backoff_initial_s <= self.backoff_max_s <= 3600,
               "backoff must satisfy 0 < initial <= max <= 3600 s")
        _check(64 <= self.max_width <= 8192, f"max_width {self.max_width} is out of range; use 64..8192")


@dataclass
class Config:
    """Top-level configuration; sections are added as subsystems land."""

    source: SourceConfig = field(default_factory=SourceConfig)
