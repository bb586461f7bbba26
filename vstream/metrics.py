"""Small measurement helpers shared by the CLI, benchmarks and /metrics."""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

# Prometheus histogram bucket bounds (seconds): from a 5 ms encode to a 10 s answer.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class LatencyWindow:
    """The last `size` samples of a latency, for p50/p95 without unbounded growth, plus
    cumulative histogram counts since start (for Prometheus)."""

    def __init__(self, size: int = 4096):
        self._values: deque[float] = deque(maxlen=size)
        self._lock = threading.Lock()
        self.count = 0
        self.total = 0.0
        self._bucket_counts = [0] * len(BUCKETS)

    def add(self, value: float) -> None:
        with self._lock:
            self._values.append(value)
            self.count += 1
            self.total += value
            for i, bound in enumerate(BUCKETS):
                if value <= bound:
                    self._bucket_counts[i] += 1

    def buckets(self) -> list[tuple[str, int]]:
        """Cumulative (le, count) pairs ending with +Inf, as Prometheus expects."""
        with self._lock:
            return [(str(b), c) for b, c in zip(BUCKETS, self._bucket_counts)] + [("+Inf", self.count)]

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
