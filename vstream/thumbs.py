"""Small JPEG thumbnails of sampled frames, so a UI can show the frame behind a cited time.

Bounded: the last `recent` frames are all kept (10 min at 2 fps), older ones are thinned to one
per `thin_s` seconds, at most `older` of them (8 h at one per 10 s). Not counted in the memory
budget (they are for people, not for the model); about 10 KB each at 320 px."""

from __future__ import annotations

import bisect
import threading
from collections import deque
from pathlib import Path

import numpy as np


class ThumbnailStore:
    def __init__(self, folder: str | Path, width: int = 320, recent: int = 1200, thin_s: float = 10.0, older: int = 2880):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.width, self.recent_max, self.thin_s, self.older_max = width, recent, thin_s, older
        self._recent: deque[float] = deque()
        self._older: deque[float] = deque()
        self._lock = threading.Lock()
        self.latest: np.ndarray | None = None
        self.latest_ts: float | None = None
        for p in sorted(self.folder.glob("*.jpg"), key=lambda p: int(p.stem)):
            self._recent.append(int(p.stem) / 1000)  # reopened session: thumbnails already there

    def _path(self, ts: float) -> Path:
        return self.folder / f"{int(round(ts * 1000)):012d}.jpg"

    def add(self, ts: float, image: np.ndarray) -> None:
        import cv2

        h, w = image.shape[:2]
        small = cv2.resize(image, (self.width, max(1, int(h * self.width / w))), interpolation=cv2.INTER_AREA)
        self.latest, self.latest_ts = small, ts
        ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
        if not ok:
            return
        self._path(ts).write_bytes(jpg.tobytes())
        with self._lock:
            self._recent.append(ts)
            while len(self._recent) > self.recent_max:
                old = self._recent.popleft()
                if not self._older or old - self._older[-1] >= self.thin_s:
                    self._older.append(old)
                else:
                    self._path(old).unlink(missing_ok=True)
            while len(self._older) > self.older_max:
                self._path(self._older.popleft()).unlink(missing_ok=True)

    def nearest(self, t: float) -> Path | None:
        with self._lock:
            times = list(self._older) + list(self._recent)
        if not times:
            return None
        i = bisect.bisect_left(times, t)
        best = min((times[j] for j in (i - 1, i) if 0 <= j < len(times)), key=lambda x: abs(x - t))
        return self._path(best)

    def __len__(self) -> int:
        return len(self._recent) + len(self._older)
