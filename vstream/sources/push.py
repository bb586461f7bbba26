"""A push source: frames handed in by the application (the browser's webcam streamed by the UI).
`push:NAME` in --source picks the registered feed NAME. Bounded, drop-oldest, counted."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator

import numpy as np

from vstream.errors import SourceError
from vstream.sources.base import FrameSource, RawFrame
from vstream.types import StreamInfo

_FEEDS: dict[str, PushFeed] = {}
_LOCK = threading.Lock()


class PushFeed:
    def __init__(self, name: str, maxsize: int = 8):
        self.name = name
        self._items: deque[tuple[float, np.ndarray]] = deque(maxlen=maxsize)
        self._cond = threading.Condition()
        self._t0: float | None = None
        self.closed = False
        self.pushed = 0
        self.dropped = 0

    def push(self, image: np.ndarray) -> None:
        with self._cond:
            now = time.monotonic()
            self._t0 = now if self._t0 is None else self._t0
            if len(self._items) == self._items.maxlen:
                self.dropped += 1
            self._items.append((now - self._t0, np.ascontiguousarray(image[..., :3])))
            self.pushed += 1
            self._cond.notify_all()

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
