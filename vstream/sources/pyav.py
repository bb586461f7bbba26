"""PyAV (FFmpeg) source for files, RTSP, HTTP/HLS and the lavfi test pattern."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from vstream.config import SourceConfig
from vstream.errors import SourceError, require
from vstream.sources.base import FrameSource, RawFrame
from vstream.sources.errors import check_file, check_host, explain_open_error
from vstream.types import StreamInfo
from vstream.urls import mask_url

log = logging.getLogger(__name__)

# Measured here: these cut RTSP time-to-first-frame from ~1.3 s to 0.36 s (ENVIRONMENT.md).
_LOW_LATENCY = {"fflags": "nobuffer", "flags": "low_delay", "probesize": "32768", "analyzeduration": "0"}
# A file whose packets keep failing to decode is damaged beyond use; stop after this many in a row.
_MAX_BAD_PACKETS = 50


_I420 = ("yuv420p", "yuvj420p")
# FFmpeg renders text files as "video" (ANSI art via the tty demuxer); no camera produces these.
_TEXT_FORMATS = {"tty", "bin", "xbin", "idf", "adf", "srt", "ass", "webvtt", "subviewer", "microdvd"}


def container_zero(container) -> float:
    """The zero of a file's stream time: the container's start (its earliest stream's first PTS,
    FFmpeg's `start_time` in microseconds), so Frame.ts is container time. A file whose video
    starts 2 s after its audio gives its first frame ts 2.0 — benchmark questions are timed on
    the container, and audio (vstream.senses.audio) uses this same zero."""
    start = container.start_time
    return start / 1e6 if start is not None else 0.0


def _i420_to_rgb(frame):
    """OpenCV's SIMD I420→RGB: 0.43 ms vs swscale's 0.81 ms for 768x576 here; this is most of
    what ingest adds on top of decoding (bench ingest)."""
    import cv2

    return cv2.cvtColor(frame.to_ndarray(), cv2.COLOR_YUV2RGB_I420)


class PyAVSource(FrameSource):
    def __init__(self, spec, cfg: SourceConfig):
        self.spec = spec
        self.cfg = cfg
        self.kind = spec.kind
        self.live = spec.live
        self._container = None
        self._stream = None
        self._out_size: tuple[int, int] | None = None  # (w, h) when downscaling at decode
        self.decode_errors = 0
        self.damage: list[str] = []  # first few damage descriptions, for the warning
        self._nominal_fps = 0.0

    def _open_args(self) -> tuple[str, dict]:
        cfg = self.cfg
        timeout = (cfg.open_timeout_s, cfg.read_timeout_s)
        if self.kind == "testsrc":
            graph = self.spec.target if cfg.speed.value == "max" else self.spec.target + ",realtime"
            return graph, {"format": "lavfi"}
        if self.kind == "rtsp":
            opts = {"rtsp_transport": cfg.transport.value, **_LOW_LATENCY}
            return self.spec.target, {"options": opts, "timeout": timeout}
        if self.kind == "http":
            return self.spec.target, {"options": {"rw_timeout": str(int(cfg.read_timeout_s * 1e6))}, "timeout": timeout}
        return self.spec.target, {"timeout": timeout}

    def open(self) -> StreamInfo:
        av = require("av", "av", "Video decoding")
        if self.kind == "file":
            check_file(self.spec.target)
        elif self.kind in ("rtsp", "http"):
            check_host(self.spec.target, self.cfg.open_timeout_s)
        target, kwargs = self._open_args()
        t0 = time.monotonic()
        try:
            self._container = av.open(target, **kwargs)
        except Exception as e:  # PyAV raises many FFmpegError subclasses and OSErrors
            elapsed = time.monotonic() - t0
            raise explain_open_error(e, self.kind, self.spec.target, self.cfg.open_timeout_s, elapsed) from None
        if not self._container.streams.video or self._container.format.name in _TEXT_FORMATS:
            self.close()
            what = "is not a video (no video stream: audio only or another file type)"
            raise SourceError(f"{self.spec.masked} {what} — give a video file or stream")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"  # frame+slice threads: ~1.6x decode speed on 2 cores
        return self._info()

    def _info(self) -> StreamInfo:
        s, ctx = self._stream, self._stream.codec_context
        fps = float(s.average_rate or s.guessed_rate or 0.0)
        self._nominal_fps = fps
        duration = None
        if not self.live:
            if s.duration is not None and s.time_base is not None:
                duration = float(s.duration * s.time_base)
            elif self._container.duration:
                duration = self._container.duration / 1e6
        w, h = int(ctx.width or 0), int(ctx.height or 0)
        if w > self.cfg.max_width:
            scale = self.cfg.max_width / w
            self._out_size = (self.cfg.max_width, int(round(h * scale / 2) * 2))
            w, h = self._out_size
        return StreamInfo(self.kind, w, h, fps, duration, self.live, ctx.name or "")

    def frames(self) -> Iterator[RawFrame]:
        if self._container is None:
            raise RuntimeError("open() first")
        # Files: container time; live sources: seconds since the first frame of the connection
        # (a camera's PTS origin is arbitrary, and FrameStream offsets each reconnection).
        t0: float | None = None if self.live else container_zero(self._container)
        prev: float | None = None
        bad_in_row = 0
        for packet in self._demux():
            try:
                decoded = packet.decode()
                bad_in_row = 0
            except Exception as e:  # a damaged packet: skip it, keep the stream going
                self._damage(f"undecodable packet ({mask_url(e)})")
                bad_in_row += 1
                if bad_in_row >= _MAX_BAD_PACKETS:
                    raise SourceError(f"{self.spec.masked}: {bad_in_row} damaged packets in a row — the rest is unreadable") from None
                continue
            for frame in decoded:
                t = frame.time
                if t is None:
                    continue
                t0 = t if t0 is None else t0
                self._check_gap(prev, t, frame)
                prev = t
                yield RawFrame(ts=max(0.0, t - t0), to_rgb=self._converter(frame))

    def _check_gap(self, prev: float | None, t: float, frame) -> None:
        """FFmpeg conceals damaged data instead of failing: a jump in a file's PTS (more than 3
        frame periods, at least 0.5 s) or a frame flagged corrupt is how damage shows."""
        if frame.is_corrupt:
            self._damage(f"corrupt frame at {t:.2f} s")
        if self.live or prev is None or self._nominal_fps <= 0:
            return
        if t - prev > max(3.0 / self._nominal_fps, 0.5):
            self._damage(f"{t - prev:.2f} s missing after {prev:.2f} s")

    def _damage(self, what: str) -> None:
        self.decode_errors += 1
        if len(self.damage) < 5:  # enough to say where; a badly damaged file would flood the log
            self.damage.append(what)

    def _demux(self):
        try:
            yield from self._container.demux(self._stream)
        except Exception as e:
            if self.kind == "file":
                self._damage(f"unreadable from here on ({mask_url(e)})")
                return
            raise SourceError(f"{self.spec.masked}: read failed ({mask_url(e)})") from None

    def _converter(self, frame):
        size = self._out_size
        if size is not None:
            return lambda: frame.to_ndarray(format="rgb24", width=size[0], height=size[1])
        if frame.format.name in _I420 and frame.width % 2 == 0 and frame.height % 2 == 0:
            return lambda: _i420_to_rgb(frame)
        return lambda: frame.to_ndarray(format="rgb24")

    def close(self) -> None:
        if self._container is not None:
            try:
                self._container.close()
            except Exception:  # closing a dead network connection can raise; nothing to save
                pass
            self._container = None
