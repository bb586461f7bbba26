"""Encoder cache (STC's idea): a frame nearly identical to the previous one reuses its features
instead of running the vision tower. The test is a 32x32 grey thumbnail's mean absolute
difference: ~0.1 ms per frame, against 35 ms for MobileNetV2 or ~1 s for a SmolVLM tower here."""

from __future__ import annotations

from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")


def thumbnail(image: np.ndarray) -> np.ndarray:
    import cv2

    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)


class FrameCache(Generic[T]):
    """Holds the previous frame's thumbnail and features."""

    def __init__(self, max_mad: float, enabled: bool = True):
        self.max_mad = max_mad
        self.enabled = enabled
        self._thumb: np.ndarray | None = None
        self._value: T | None = None
        self.hits = 0
        self.misses = 0

    def lookup(self, image: np.ndarray) -> tuple[T | None, np.ndarray]:
        """(cached features or None, this frame's thumbnail)."""
        thumb = thumbnail(image)
        if (self.enabled and self._thumb is not None and self._thumb.shape == thumb.shape
                and float(np.abs(thumb - self._thumb).mean()) < self.max_mad):
            self.hits += 1
            return self._value, thumb
        self.misses += 1
        return None, thumb

    def store(self, thumb: np.ndarray, value: T) -> None:
        self._thumb, self._value = thumb, value
