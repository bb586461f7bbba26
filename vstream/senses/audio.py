"""Audio beside video: a source's audio track as 16 kHz mono float32 chunks on stream time.

Design: `AudioTap` opens its OWN PyAV connection to the source (files, RTSP, HTTP/HLS) and reads
both streams of it, rather than demuxing audio in the video reader. Why:
- the video path (vstream.sources / vstream.stream) stays untouched and cannot be slowed or
  broken by audio: a bad audio track only ever stops this tap (one warning, video goes on);
- step mode needs audio "up to t" on demand, independent of how far the video reader ran.
Stream time is made the same way as `Frame.ts` (PyAVSource): for files, container time (PTS minus
the container's start, `container_zero`), so audio that starts before the video keeps its place;
for live sources, seconds since the first decoded VIDEO frame of the connection, so the tap
decodes video only until that first frame and then skips video packets (audio before it,
negative stream time, is dropped). For files the two connections see identical PTS, so the
clocks agree exactly; for a live camera both connections start within one round trip of each
other (a shared RTSP pipeline serves both), well inside the ±1 s the speech evidence needs.
Non-live sources are paced by the video clock: the tap never decodes past the watermark the
ingest reports (`advance(t)`), so a file played at 1x (or stepped in evaluation) never hears
the future. Live sources run free (they arrive at 1x).
A looped file (--loop) is heard on every pass: each pass continues stream time exactly as
FrameStream continues the video (last frame + one frame period). A session epoch's `AudioClock`
moves the whole clock (append: offset_s) and drops audio already stored (resume: skip_before_s).
`PushAudio` is the same interface for a push source (the browser's microphone, see
vstream.sources.push): chunks stamped on the feed's clock, the one its video frames use.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from vstream.config import SourceConfig
from vstream.errors import require
from vstream.queues import BoundedQueue, QueuePolicy
from vstream.sources import SourceSpec, parse_source
from vstream.sources.push import feed
from vstream.sources.pyav import container_zero
from vstream.urls import mask_url

log = logging.getLogger(__name__)

RATE = 16000  # what Whisper and Silero VAD take
CHUNK_S = 0.1  # queue granularity: ~10 items per second, small enough for prompt VAD
_MAX_BAD_IN_ROW = 20  # undecodable audio packets in a row before the track is given up
_MAX_HOLD_S = 5.0  # audio held while waiting for the first video frame, at most
_LOW_LATENCY = {"fflags": "nobuffer", "flags": "low_delay"}  # same as the video reader, minus probe limits:
# an audio track is found by probing; probesize=32768 can miss it on a camera that starts with video.


@dataclass(frozen=True)
class AudioChunk:
    t: float  # stream seconds of samples[0] (the clock of Frame.ts)
    samples: np.ndarray  # [N] float32, 16 kHz mono, in [-1, 1]
    wall: float = 0.0  # time.time() when it was queued (live lag)

    @property
    def end(self) -> float:
        return self.t + len(self.samples) / RATE


@dataclass
class AudioStats:
    decoded_s: float = 0.0  # audio seconds put on the queue
    bad_packets: int = 0
    reconnects: int = 0
    passes: int = 1  # --loop: passes over the file heard so far


@dataclass(frozen=True)
class AudioClock:
    """Where a run's audio sits on the session clock (vstream.session epochs)."""

    offset_s: float = 0.0  # added to the source's own times (append: the continued clock)
    skip_before_s: float = 0.0  # audio before this stream time is stored already (resume)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.offset_s) and math.isfinite(self.skip_before_s)):
            raise ValueError(f"audio clock must be finite, got {self}")


class AudioInput(ABC):
    """One source's audio → a bounded queue of AudioChunks on stream time.

    Verbs: `open()` (False when there is no usable audio: no error), `start()`, `advance(t)` (the
    video clock's watermark; only non-live inputs wait for it), `stop()` (closes the queue).
    Fields the speech sense reads: `queue`, `live`, `covered`, `stats`, `warning`.
    """

    live: bool = True

    def __init__(self, queue_s: float, policy: QueuePolicy, clock: AudioClock):
        self.queue: BoundedQueue[AudioChunk] = BoundedQueue(max(1, math.ceil(queue_s / CHUNK_S)), policy)
        self.clock = clock
        self.stats = AudioStats()
        self.warning: str | None = None  # the one warning, when the track turned out unusable
        self.covered = -math.inf  # stream time up to which all audio has been queued (or there is none)

    @abstractmethod
    def open(self) -> bool: ...

    @abstractmethod
    def start(self) -> None: ...

    def advance(self, t: float) -> None:  # noqa: B027 - a default, not a missing verb
        """The video clock reached stream time t (live inputs run free: nothing to do)."""

    @abstractmethod
    def stop(self) -> None: ...

    def _unstored(self, chunk: AudioChunk) -> AudioChunk | None:
        """The part of a chunk at or after skip_before_s (resume: the rest is stored already)."""
        skip = self.clock.skip_before_s
        if chunk.t >= skip:
            return chunk
        self.covered = max(self.covered, min(chunk.end, skip))
        if chunk.end <= skip:
            return None
        n = int(round((skip - chunk.t) * RATE))
        return AudioChunk(chunk.t + n / RATE, chunk.samples[n:], chunk.wall)


def open_audio(cfg: SourceConfig, queue_s: float = 30.0, clock: AudioClock | None = None) -> AudioInput:
    """The audio input for a source: a push feed's microphone, else a PyAV tap of the source."""
    clock = clock or AudioClock()
    spec = parse_source(cfg.source)
    if spec.kind == "push":
        return PushAudio(spec.target, queue_s, clock)
    return AudioTap(cfg, queue_s, clock)


class AudioTap(AudioInput):
    """One source's audio → bounded queue of AudioChunks, on a reader thread.

    Verbs: `open()` (False when there is no usable audio track: no error), `start()`,
    `advance(t)` (video clock watermark, non-live only), `stop()`. The queue is closed at the end.
    """

    def __init__(self, cfg: SourceConfig, queue_s: float = 30.0, clock: AudioClock | None = None):
        self.cfg = cfg
        self.spec: SourceSpec = parse_source(cfg.source)
        self.live = self.spec.live
        # Live: drop the oldest audio when ASR falls behind (freshness); files: nothing is lost.
        super().__init__(queue_s, QueuePolicy.DROP_OLDEST if self.live else QueuePolicy.BLOCK, clock or AudioClock())
        self._container = None
        self._cond = threading.Condition()
        self._watermark = math.inf if self.live else 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._offset = self.clock.offset_s  # stream time added: the epoch's, plus reconnects and loop passes
        self._last_t = 0.0
        self._pass_s = 0.0  # stream seconds one pass over a file lasts (--loop), set by each pass

    # ---- public ---------------------------------------------------------------------------------
    def open(self) -> bool:
        """Connect and find the audio track. False (and no error) when there is none; a source
        the video reader can open but this tap cannot is also just "no audio" here."""
        if self.spec.kind not in ("file", "rtsp", "http"):
            return False  # webcams (V4L2), testsrc, push: no audio track to tap
        try:
            self._container = self._connect()
        except Exception as e:  # the video reader reports source problems; audio stays quiet
            log.info("audio: cannot open %s (%s); video only", self.spec.masked, mask_url(e))
            return False
        if not self._container.streams.audio:
            self._close()
            return False
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="vstream-audio", daemon=True)
        self._thread.start()

    def advance(self, t: float) -> None:
        """The video clock reached stream time t: audio up to t may be decoded (non-live)."""
        with self._cond:
            if t > self._watermark:
                self._watermark = t
                self._cond.notify_all()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        self.queue.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.cfg.read_timeout_s + 1.0)
        self._close()

    @property
    def ended(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    # ---- connection -------------------------------------------------------------------------------
    def _connect(self):
        av = require("av", "av", "Audio decoding")
        timeout = (self.cfg.open_timeout_s, self.cfg.read_timeout_s)
        if self.spec.kind == "rtsp":
            opts = {"rtsp_transport": self.cfg.transport.value, **_LOW_LATENCY}
            return av.open(self.spec.target, options=opts, timeout=timeout)
        if self.spec.kind == "http":
            opts = {"rw_timeout": str(int(self.cfg.read_timeout_s * 1e6))}
            return av.open(self.spec.target, options=opts, timeout=timeout)
        return av.open(self.spec.target, timeout=timeout)

    def _close(self) -> None:
        if self._container is not None:
            try:
                self._container.close()
            except Exception:  # a dead network connection can raise on close; nothing to save
                pass
            self._container = None

    # ---- reader thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                wall_end = self._pump()
                self._close()
                if self.warning or self._stop.is_set():
                    break
                if not self.live:
                    if not (self.cfg.loop and self._next_pass()):
                        break
                elif not (self.cfg.reconnect and self._reconnect(wall_end)):
                    break
        except Exception as e:  # never take ingest down: say it once, go video-only
            self._warn(f"audio reader failed ({mask_url(e)})")
        finally:
            self.covered = math.inf
            self.queue.close()

    def _reconnect(self, wall_end: float) -> bool:
        """Live source ended: reconnect with capped backoff; stream time continues by the wall
        clock gap (as FrameStream does for video)."""
        delay = self.cfg.backoff_initial_s
        while not self._stop.wait(delay):
            try:
                self._container = self._connect()
            except Exception:
                delay = min(delay * 2, self.cfg.backoff_max_s)
                continue
            self.stats.reconnects += 1
            self._offset = self._last_t + max(time.time() - wall_end, 1e-3)
            return bool(self._container.streams.audio)
        return False

    def _next_pass(self) -> bool:
        """--loop: the file again, stream time continuing as the video's does (FrameStream:
        the next pass starts one frame period after the last frame)."""
        if self._pass_s <= 0:
            return False  # nothing was read: looping would spin
        self._offset += self._pass_s
        self._container = self._connect()
        self.stats.passes += 1
        return True

    def _pump(self) -> float:
        """Read one connection to its end; returns the wall time it ended."""
        zero = None if self.live else container_zero(self._container)
        reader = _TrackReader(self._container, self._offset, zero, measure=self.cfg.loop and not self.live)
        try:
            for chunk in reader.chunks(self._stop):
                self._emit(chunk)
        except _Unusable as e:
            self._warn(str(e))
        except Exception as e:
            if not self.live:
                self._warn(f"audio unreadable from {self._last_t:.2f} s ({mask_url(e)})")
        self.stats.bad_packets += reader.bad_packets
        self._pass_s = reader.pass_s()
        return time.time()

    def _emit(self, chunk: AudioChunk) -> None:
        """Queue a chunk, holding (and splitting) it at the video-clock watermark."""
        chunk = self._unstored(chunk)
        while chunk is not None and len(chunk.samples) and not self._stop.is_set():
            with self._cond:
                while self._watermark <= chunk.t and not self._stop.is_set():
                    self.covered = max(self.covered, self._watermark)  # nothing before chunk.t
                    self._cond.wait(0.5)
                wm = self._watermark
            n = len(chunk.samples) if wm >= chunk.end else max(1, int((wm - chunk.t) * RATE))
            head = AudioChunk(chunk.t, chunk.samples[:n], time.time())
            self.queue.put(head, stop=self._stop)
            self.stats.decoded_s += n / RATE
            self._last_t = self.covered = head.end
            chunk = AudioChunk(head.end, chunk.samples[n:])

    def _warn(self, what: str) -> None:
        if self.warning is None:  # one warning per source, however often it fails
            self.warning = f"{self.spec.masked}: {what}; continuing video-only"
            log.warning("%s", self.warning)


class _Unusable(Exception):
    """The audio track cannot be decoded (unsupported codec or damaged throughout)."""


class _TrackReader:
    """Decode one connection's audio into ~0.1 s chunks on stream time (`zero`: the container's
    start for files; None: the first video frame = 0, for live sources)."""

    def __init__(self, container, offset: float, zero: float | None = None, measure: bool = False):
        self.container = container
        self.offset = offset
        self.audio = container.streams.audio[0]
        # the first video frame is read only when it defines the zero (live); files skip video
        self.video = container.streams.video[0] if container.streams.video and zero is None else None
        # --loop on a file: video packets are demuxed (not decoded) to learn where its last frame is
        self.measured = container.streams.video[0] if container.streams.video and measure and zero is not None else None
        self.video_end: float | None = None  # stream time of the last video frame (measured)
        self.t0: float | None = zero if zero is not None else (None if self.video is not None else 0.0)
        self.bad_packets = 0
        self._bad_in_row = 0
        self._next_t: float | None = None  # stream time of the next resampled sample
        self._held: list[tuple[float, np.ndarray]] = []  # audio decoded before t0 was known
        self._resampler = None

    def chunks(self, stop: threading.Event):
        av = require("av", "av", "Audio decoding")
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        streams = [self.audio] + [v for v in (self.video, self.measured) if v is not None]
        pending: list[AudioChunk] = []
        for packet in self.container.demux(*streams):
            if stop.is_set():
                return
            for piece in self._decode(packet):
                if pending and abs(piece.t - pending[-1].end) > 1e-3:  # a gap: keep chunks contiguous
                    yield from self._flush(pending)
                    pending = []
                pending.append(piece)
                if pending[-1].end - pending[0].t >= CHUNK_S:
                    yield from self._flush(pending)
                    pending = []
        yield from self._flush(pending)

    def _flush(self, pending: list[AudioChunk]):
        if not pending:
            return
        samples, t = np.concatenate([p.samples for p in pending]), pending[0].t
        if t + len(samples) / RATE <= 0:
            return
        if t < 0:  # before the first video frame: not on the stream's clock
            samples, t = samples[int(round(-t * RATE)):], 0.0
        yield AudioChunk(t + self.offset, samples)

    def _decode(self, packet) -> list[AudioChunk]:
        """Stream-time pieces from one packet (none until the first video frame set t0)."""
        if self.measured is not None and packet.stream.type == "video":
            if packet.pts is not None:
                t = float(packet.pts * packet.time_base) - self.t0
                self.video_end = t if self.video_end is None else max(self.video_end, t)
            return []
        if packet.stream.type == "video":
            self._find_t0(packet)
            return self._release()
        try:
            frames = packet.decode()
            self._bad_in_row = 0
        except Exception as e:  # damaged packet: skip; a track that never decodes is given up
            self.bad_packets += 1
            self._bad_in_row += 1
            if self._bad_in_row >= _MAX_BAD_IN_ROW:
                raise _Unusable(f"audio track undecodable ({self._bad_in_row} bad packets in a row: {e})") from None
            return []
        for frame in frames:
            if frame.time is not None:
                self._held += [(float(frame.time), x) for x in self._resample(frame)]
        if self.t0 is None and self._held and self._held[-1][0] - self._held[0][0] > _MAX_HOLD_S:
            self.t0 = self._held[0][0]  # no video frame decodes: audio keeps its own clock
        return self._release()

    def pass_s(self) -> float:
        """How long one pass lasts on the stream clock: as FrameStream loops the video, up to the
        last frame plus one frame period (the rate PyAVSource reports); a file without video
        (or not measured) by its audio."""
        rate = float(self.measured.average_rate or self.measured.guessed_rate or 0) if self.measured is not None else 0.0
        if self.video_end is not None and rate > 0:
            return self.video_end + 1.0 / rate
        return self._next_t or 0.0

    def _find_t0(self, packet) -> None:
        if self.t0 is not None:
            return
        try:
            for frame in packet.decode():
                if frame.time is not None:  # as PyAVSource: t0 = first decoded frame's time
                    self.t0 = float(frame.time)
                    return
        except Exception:  # damaged video: the video reader reports it; keep looking
            pass

    def _resample(self, frame) -> list[np.ndarray]:
        return [out.to_ndarray().reshape(-1).astype(np.float32, copy=False) for out in self._resampler.resample(frame)]

    def _release(self) -> list[AudioChunk]:
        """Held pieces → stream time (needs t0). A running sample clock gives each piece its
        start; it re-anchors to the frame's PTS when they disagree by more than 50 ms plus the
        piece (lost packets, a live gap), so the resampler's few-sample delay never accumulates."""
        if self.t0 is None:
            return []
        out = []
        for t_frame, x in self._held:
            t = t_frame - self.t0
            if self._next_t is None or abs(t - self._next_t) > 0.05 + len(x) / RATE:
                self._next_t = t
            out.append(AudioChunk(self._next_t, x))
            self._next_t += len(x) / RATE
        self._held = []
        return out


class PushAudio(AudioInput):
    """A push feed's microphone (the UI's webcam tab) → AudioChunks. The feed resamples to
    16 kHz mono and stamps each chunk on its own clock, the one its pushed frames use; here
    chunks are split to CHUNK_S and queued, dropping the oldest when ASR falls behind (live).
    Audio pushed before `open()` or after `stop()` is not heard (the feed counts it)."""

    live = True

    def __init__(self, name: str, queue_s: float = 30.0, clock: AudioClock | None = None):
        super().__init__(queue_s, QueuePolicy.DROP_OLDEST, clock or AudioClock())
        self.feed = feed(name)

    def open(self) -> bool:
        """Always True: a browser may allow its microphone later than its camera (or never)."""
        self.feed.listen_audio(self._put, RATE)
        return True

    def start(self) -> None:
        pass  # the feed calls in on the UI's thread: no thread of our own

    def stop(self) -> None:
        self.feed.listen_audio(None, RATE)
        self.covered = math.inf
        self.queue.close()

    def _put(self, t: float, samples: np.ndarray) -> None:
        """One pushed chunk (16 kHz mono, starting at feed time t) → CHUNK_S pieces on stream time."""
        step = int(CHUNK_S * RATE)
        wall = time.time()
        for i in range(0, len(samples), step):
            chunk = self._unstored(AudioChunk(t + self.clock.offset_s + i / RATE, samples[i:i + step], wall))
            if chunk is not None and len(chunk.samples):
                self.queue.put(chunk)
                self.stats.decoded_s += len(chunk.samples) / RATE
                self.covered = max(self.covered, chunk.end)
