"""Small measurement helpers shared by the CLI, benchmarks and /metrics."""

from __future__ import annotations

import threading
from collections import deque

import numpy as np


class LatencyWindow:
    """The last `size` samples of a latency, for p50/p95 without unbounded growth."""

    def __init__(self, size: int = 4096):
        self._values: deque[float] = deque(maxlen=size)
        self._lock = threading.Lock()
        self.count = 0
        self.total = 0.0

    def add(self, value: float) -> None:
        with self._lock:
            self._values.append(value)
            self.count += 1
            self.total += value

    def percentile(self, q: float) -> float | None:
        with self._lock:
            if not self._values:
                return None
            return float(np.percentile(np.fromiter(self._values, float), q))

    def values(self) -> list[float]:
        with self._lock:
            return list(self._values)


def rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)
