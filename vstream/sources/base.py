"""The FrameSource ABC: one connection to one input.

Verbs: `open()` connects and returns StreamInfo (raises SourceError with a one-line fix);
`frames()` yields RawFrames in presentation order until EOF (returns) or a read failure
(raises SourceError); `close()` releases everything. Reconnection, pacing, sampling and queueing
live above this, in `vstream.stream`, so every source gets them the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from vstream.types import StreamInfo


@dataclass(frozen=True)
class RawFrame:
    """A decoded frame not yet converted to RGB: the sampler decides first (conversion is the
    costly part — 2 of 25 frames are converted at 2 fps)."""

    ts: float  # seconds since this connection's first frame, from PTS
    to_rgb: Callable[[], np.ndarray]  # -> [H, W, 3] uint8 RGB


class FrameSource(ABC):
    kind: str = ""
    live: bool = False

    @abstractmethod
    def open(self) -> StreamInfo:
        """Connect/open; raise SourceError naming the problem and the fix."""

    @abstractmethod
    def frames(self) -> Iterator[RawFrame]:
        """Yield frames until EOF; raise SourceError on a read failure."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection; safe to call twice."""

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
