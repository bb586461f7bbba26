"""A push source: frames handed in by the application (the browser's webcam streamed by the UI).
`push:NAME` in --source picks the registered feed NAME. Bounded, drop-oldest, counted.

A feed also carries the browser's microphone (`push_audio`): chunks of any rate and channel
count are resampled (PyAV's resampler, filtered, stateful across chunks) to the rate its
listener asked for, mono, and stamped on the feed's clock, the one pushed frames get: seconds
since the first thing pushed, arrival time. A chunk arrives when its last sample was recorded,
so it starts `len/rate` before it arrived; consecutive chunks continue a running sample clock
(no jitter between them), re-anchored when arrival shows a hole or the clock running ahead (the
microphone paused, or the browser's clock drifted). A sender that numbers its samples (the UI's
recorder: `first_sample`) gets a sample-exact clock instead: sample 0 is placed once, by arrival,
and every chunk by its index, so late or bunched delivery from a busy server moves nothing and a
lost chunk leaves its hole. The listener (vstream.senses.audio.PushAudio)
owns the bounded queue; audio pushed while nobody listens is counted in `audio_unheard`."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

import numpy as np

from vstream.errors import SourceError, require
from vstream.sources.base import FrameSource, RawFrame
from vstream.types import StreamInfo

_FEEDS: dict[str, PushFeed] = {}
_LOCK = threading.Lock()
# The running sample clock follows arrival again when a chunk starts this much later than the
# clock expects (the microphone paused: a real hole), or when the clock is this much ahead of
# arrival (the browser's rate is off). Chunks arriving in a burst after a network stall are up to
# a few seconds "early" by arrival and keep the clock: their samples really are contiguous.
_HOLE_S = 0.5
_AHEAD_S = 3.0
# A counted recording (the sender numbers its samples): chunks are placed by the count; the
# running clock only absorbs the resampler's few-sample delay (16 samples at 48 kHz → 16 kHz).
_COUNTED_S = 0.02
# Sample 0's place is kept unless a chunk would end more than this after it arrived (an earlier
# chunk, the first, was delayed): delivery jitter on a loaded server, not a clock fault.
_LATE_S = 0.25

AudioListener = Callable[[float, np.ndarray], None]  # (feed time of samples[0], [N] float32 mono)


def to_float(data: np.ndarray) -> np.ndarray:
    """Gradio's microphone gives int16 [N] or [N, C] (any int width); → float32 in [-1, 1]."""
    x = np.asarray(data)
    if np.issubdtype(x.dtype, np.integer):
        return x.astype(np.float32) / float(np.iinfo(x.dtype).max + 1)
    return x.astype(np.float32, copy=False)


class _Resampler:
    """Any rate and channel count → float32 mono at `rate` (one PyAV resampler per input format,
    so its filter state carries across chunks: no clicks at chunk edges)."""

    def __init__(self, rate: int):
        self.rate = rate
        self._key: int | None = None  # the input rate the resampler was made for
        self._resampler = None

    def __call__(self, x: np.ndarray, rate: int) -> np.ndarray:
        """x: [N] or [N, C] float32 at `rate` → [M] float32 mono at self.rate. Channels are
        averaged here (FFmpeg's downmix would scale stereo by 1/sqrt(2) instead)."""
        av = require("av", "av", "Microphone audio")
        if x.ndim == 2:
            x = x.mean(axis=1)
        if self._key != rate:
            self._key = rate
            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=self.rate)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x, np.float32).reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        return np.concatenate(out).astype(np.float32, copy=False) if out else np.zeros(0, np.float32)


class PushFeed:
    def __init__(self, name: str, maxsize: int = 8):
        self.name = name
        self._items: deque[tuple[float, np.ndarray]] = deque(maxlen=maxsize)
        self._cond = threading.Condition()
        self._t0: float | None = None
        self.closed = False
        self.pushed = 0
        self.dropped = 0
        self.audio_pushed_s = 0.0  # microphone seconds handed in
        self.audio_unheard = 0  # microphone chunks pushed while no listener was attached
        self._listener: AudioListener | None = None
        self._resample: _Resampler | None = None
        self._audio_next: float | None = None  # feed time the next microphone sample is due
        self._mic_zero: float | None = None  # counted recording: feed time of its sample 0
        self._mic_rate = 0
        self._mic_next_index = 0  # counted recording: the index the next chunk should start at

    def _now(self, back_s: float = 0.0) -> float:
        """Feed time now (the first push, frame or audio, started the clock `back_s` ago)."""
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now - back_s
        return now - self._t0

    def push(self, image: np.ndarray) -> None:
        with self._cond:
            ts = self._now()
            if len(self._items) == self._items.maxlen:
                self.dropped += 1
            self._items.append((ts, np.ascontiguousarray(image[..., :3])))
            self.pushed += 1
            self._cond.notify_all()

    def listen_audio(self, listener: AudioListener | None, rate: int) -> None:
        """Hand pushed microphone audio, as float32 mono at `rate`, to `listener` (None: stop)."""
        with self._cond:
            self._listener = listener
            self._resample = _Resampler(rate) if listener is not None else None
            self._audio_next = self._mic_zero = None

    def push_audio(self, rate: int, data: np.ndarray, first_sample: int | None = None) -> None:
        """One microphone chunk just recorded: (sample rate, [N] or [N, C] samples). `first_sample`:
        the chunk's index in the recording when the sender counts samples (the UI's recorder
        does): the clock then follows the count, however late or bunched the chunks arrive."""
        x = to_float(data)
        if rate <= 0 or len(x) == 0:
            return
        dur = len(x) / rate
        with self._cond:
            recorded = dur if first_sample is None else (first_sample + len(x)) / rate  # seconds recorded by now
            arrived = self._now(back_s=recorded)
            self.audio_pushed_s += dur
            if self._listener is None:
                self.audio_unheard += 1
                return
            start = arrived - dur if first_sample is None else self._counted(arrived, first_sample, len(x), rate)
            # under the lock: chunks reach the listener in order (it only queues: no waiting)
            mono = self._resample(x, rate)
            self._listener(self._stamp(start, len(mono) / self._resample.rate, first_sample is not None), mono)

    def _counted(self, arrived: float, first: int, n: int, rate: int) -> float:
        """Feed time of sample `first` of a counted recording: its sample 0 sits at `_mic_zero`,
        set by the first chunk (arrival minus what was recorded by then) and moved earlier only
        when a chunk would end after it arrived (the first one was delayed more). A count that
        goes back (a new recording) or a new rate starts over."""
        if self._mic_zero is None or first < self._mic_next_index or rate != self._mic_rate:
            self._mic_zero, self._mic_rate = arrived - (first + n) / rate, rate
        self._mic_zero = min(self._mic_zero, arrived - (first + n) / rate + _LATE_S)
        self._mic_next_index = first + n
        return self._mic_zero + first / rate

    def _stamp(self, start: float, dur: float, counted: bool = False) -> float:
        """Feed time of a chunk's first sample (`start`: as arrival or the sample count says;
        `dur`: the seconds it gives the listener): the running sample clock, so consecutive
        chunks are contiguous, unless `start` shows a hole or the clock ran ahead (_HOLE_S,
        _AHEAD_S; a counted start is exact, so only the resampler's few samples are tolerated)."""
        low, high = (-_COUNTED_S, _COUNTED_S) if counted else (-_AHEAD_S, _HOLE_S)
        if self._audio_next is None or not low <= start - self._audio_next <= high:
            self._audio_next = start  # may be < 0 (a frame started the clock mid-chunk): cut by the listener
        t, self._audio_next = self._audio_next, self._audio_next + dur
        return t

    def pop(self, timeout: float) -> tuple[float, np.ndarray] | None:
        with self._cond:
            if not self._items and not self.closed:
                self._cond.wait(timeout)
            return self._items.popleft() if self._items else None

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


def feed(name: str) -> PushFeed:
    with _LOCK:
        if name not in _FEEDS or _FEEDS[name].closed:
            _FEEDS[name] = PushFeed(name)
        return _FEEDS[name]


class PushSource(FrameSource):
    kind = "push"
    live = True

    def __init__(self, spec, cfg):
        self.spec, self.cfg = spec, cfg
        self.feed = feed(spec.target)

    def open(self) -> StreamInfo:
        first = self.feed.pop(self.cfg.open_timeout_s)
        if first is None:
            raise SourceError(f"no frames arrived on push feed '{self.spec.target}' within {self.cfg.open_timeout_s:g} s — allow the camera in the browser")
        self._first = first
        h, w = self._fit(first[1]).shape[:2]
        return StreamInfo("push", w, h, 0.0, None, True, "rgb")

    def frames(self) -> Iterator[RawFrame]:
        item = self._first
        while item is not None:
            ts, img = item
            yield RawFrame(ts, lambda img=img: self._fit(img))
            item = self.feed.pop(self.cfg.read_timeout_s)
            if self.feed.closed:
                return

    def _fit(self, img: np.ndarray) -> np.ndarray:
        """Browser cameras send up to 1920 px: downscale to max_width like the other sources."""
        h, w = img.shape[:2]
        if w <= self.cfg.max_width:
            return img
        import cv2

        return cv2.resize(img, (self.cfg.max_width, int(round(h * self.cfg.max_width / w / 2)) * 2), interpolation=cv2.INTER_AREA)

    def close(self) -> None:
        pass
