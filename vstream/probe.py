"""`vstream probe`: open a source, read it for a while, report what arrived and how fast."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from vstream.config import SourceConfig
from vstream.metrics import rounded
from vstream.stream import FrameStream


@dataclass
class ProbeReport:
    source: str  # credentials masked
    kind: str
    width: int
    height: int
    fps: float
    codec: str
    live: bool
    duration_s: float | None
    frames_decoded: int
    frames_sampled: int
    frames_dropped: int
    decode_errors: int
    first_frame_s: float | None
    lag_p95_s: float | None
    reconnects: int
    wall_s: float

    def to_json(self) -> dict:
        return asdict(self)

    def to_text(self) -> str:
        lines = [f"{k:>15}: {v}" for k, v in self.to_json().items()]
        return "\n".join(lines)


def probe(cfg: SourceConfig, seconds: float) -> ProbeReport:
    """Read `seconds` of wall time (or to the end of a file); never longer than that plus the
    read timeout, whatever the source does."""
    stream = FrameStream(cfg)
    t0 = time.monotonic()
    info = stream.start()
    try:
        for _ in stream.frames(deadline=t0 + seconds):
            pass
    finally:
        stream.stop()
    s = stream.stats
    return ProbeReport(
        source=stream.masked_source, kind=info.kind, width=info.width, height=info.height,
        fps=rounded(info.fps, 3), codec=info.codec, live=info.live, duration_s=rounded(info.duration_s, 3),
        frames_decoded=s.decoded, frames_sampled=s.sampled, frames_dropped=s.dropped,
        decode_errors=s.decode_errors, first_frame_s=rounded(s.first_frame_s),
        lag_p95_s=rounded(s.lag.percentile(95)), reconnects=s.reconnects,
        wall_s=rounded(time.monotonic() - t0, 3),
    )
