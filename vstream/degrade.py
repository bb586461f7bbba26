"""Degradation policy for a camera's ingest on a box too small for every camera at full rate:
step down a declared ladder so lag stays bounded instead of growing, step back up when it is low.

Lag is capture → stored (a frame's wall clock at decode to the moment its memory row is
written), judged as the p95 over the last `window_s` seconds. The ladder, from the asked rate
`fps` (2 by default):

  level 0  fps 2     every sense on (the asked configuration)
  level 1  fps 1     half the frames
  level 2  fps 0.5   a quarter of the frames
  level 3  fps 0.5   + OCR off
  level 4  fps 0.5   + OCR and the object detector off (motion and colour still run)
  level 5  fps 0.5   + OCR, detector and speech recognition off

Rates first: a frame costs the same whatever its content, so halving the rate halves the load and
keeps every sense's coverage of what is seen; then the senses in order of cost per frame on this
CPU (OCR ~0.75 s per 640x360 read, the detector ~0.1 s per changed frame, ASR a core of its own
while someone speaks). Speech recognition, once shed, stays off until the ingest restarts (its
audio clock cannot be rejoined mid-stream).

Hysteresis: step down when the window's p95 exceeds `target_lag_s` (default 1.0 s) and the last
change is at least `settle_s` old with `min_samples` lags seen since it (a new level must have
had time to show its effect; the window is cleared at every change); step up only after the p95
has stayed below `recover_ratio * target_lag_s` for `up_after_s` (30 s) without a break.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from memory.config import check


@dataclass(frozen=True)
class Level:
    """One rung: the sampling rate and which senses run."""

    fps: float
    ocr: bool = True
    detector: bool = True
    asr: bool = True

    def describe(self) -> str:
        off = [name for name, on in (("ocr", self.ocr), ("detector", self.detector), ("asr", self.asr)) if not on]
        return f"fps {self.fps:g}" + (f", {' '.join(off)} off" if off else "")


def ladder(fps: float) -> tuple[Level, ...]:
    """The declared ladder from the asked rate (see the module doc)."""
    low = fps / 4
    return (Level(fps), Level(fps / 2), Level(low), Level(low, ocr=False),
            Level(low, ocr=False, detector=False), Level(low, ocr=False, detector=False, asr=False))


@dataclass(frozen=True)
class DegradeConfig:
    target_lag_s: float = 1.0
    window_s: float = 10.0  # lags older than this are forgotten
    settle_s: float = 4.0  # a change is judged no sooner than this after the previous one
    min_samples: int = 3  # ... and on at least this many lags measured since it
    up_after_s: float = 30.0  # low lag this long (no break) before stepping back up
    recover_ratio: float = 0.5  # "low" = p95 below this share of the target
    # Lags in the first warmup_s after the first frame are not judged: they carry one-off costs
    # (the tower's trace-and-freeze, the first detector and OCR runs, frames queued while models
    # loaded) — measured 2-5 s of lag at start on a quiet box — and would degrade every camera
    # at start, 30 s per rung to climb back. `vstream ingest --heartbeat` uses 10 s.
    warmup_s: float = 0.0

    def __post_init__(self):
        check(0 < self.target_lag_s <= 60, f"--lag-target {self.target_lag_s} is out of range; use seconds in (0, 60], e.g. 1")
        check(self.window_s > 0 and self.settle_s >= 0 and self.up_after_s > 0, "degradation windows must be positive")
        check(0 < self.recover_ratio < 1, "recover_ratio must be in (0, 1)")
        check(self.warmup_s >= 0, "warmup_s must be >= 0")


class LagWindow:
    """Lags with their wall times over the last `span_s` seconds (time-bounded, unlike
    metrics.LatencyWindow which is count-bounded)."""

    def __init__(self, span_s: float):
        self.span_s = span_s
        self._items: deque[tuple[float, float]] = deque()

    def add(self, now: float, lag: float) -> None:
        self._items.append((now, lag))
        self._trim(now)

    def p95(self, now: float) -> float | None:
        self._trim(now)
        # "lower": an observed lag, never interpolated towards the max, so one slow frame (a full
        # OCR read) among 10-20 does not count as a lagging window; two do.
        return float(np.percentile([lag for _, lag in self._items], 95, method="lower")) if self._items else None

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        self._items.clear()

    def _trim(self, now: float) -> None:
        while self._items and self._items[0][0] < now - self.span_s:
            self._items.popleft()


class DegradePolicy:
    """`observe(now, lag) -> Level | None` (the new level when it changes); pure: the caller
    supplies the clock, so tests drive it with synthetic lag sequences."""

    def __init__(self, fps: float, cfg: DegradeConfig | None = None, rungs: tuple[Level, ...] | None = None):
        self.cfg = cfg or DegradeConfig()
        self.rungs = rungs or ladder(fps)
        self.level = 0
        self.window = LagWindow(self.cfg.window_s)
        self._changed_at: float | None = None
        self._low_since: float | None = None
        self._first: float | None = None

    @property
    def current(self) -> Level:
        return self.rungs[self.level]

    def observe(self, now: float, lag: float) -> Level | None:
        self._first = now if self._first is None else self._first
        if now - self._first < self.cfg.warmup_s:
            return None
        if self._changed_at is None:
            self._changed_at = now
        self.window.add(now, lag)
        p95 = self.window.p95(now)
        settled = now - self._changed_at >= self.cfg.settle_s and len(self.window) >= self.cfg.min_samples
        if p95 > self.cfg.target_lag_s:
            self._low_since = None
            return self._move(now, +1) if settled else None
        if p95 >= self.cfg.recover_ratio * self.cfg.target_lag_s:
            self._low_since = None
            return None
        self._low_since = now if self._low_since is None else self._low_since
        return self._move(now, -1) if now - self._low_since >= self.cfg.up_after_s else None

    def p95(self, now: float) -> float | None:
        return self.window.p95(now)

    def _move(self, now: float, step: int) -> Level | None:
        level = min(max(self.level + step, 0), len(self.rungs) - 1)
        if level == self.level:
            return None
        self.level, self._changed_at, self._low_since = level, now, None
        self.window.clear()
        return self.current
