"""A bounded queue with a named drop policy and counted drops (never grows without bound)."""

from __future__ import annotations

import threading
from collections import deque
from enum import Enum
from typing import Generic, TypeVar

from vstream.config import DropPolicy

T = TypeVar("T")


class QueuePolicy(str, Enum):
    DROP_OLDEST = DropPolicy.DROP_OLDEST.value
    KEEP_LATEST = DropPolicy.KEEP_LATEST.value
    BLOCK = "block"  # producer waits for room: --speed max on files, where nothing may be lost


class Closed(Exception):
    """get() on a queue that is closed and empty."""


class BoundedQueue(Generic[T]):
    def __init__(self, maxsize: int, policy: QueuePolicy):
        if maxsize < 1:
            raise ValueError("maxsize must be >= 1")
        self.maxsize = maxsize
        self.policy = QueuePolicy(policy)
        self._items: deque[T] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self.dropped = 0
        self.put_count = 0

    def put(self, item: T, stop: threading.Event | None = None) -> None:
        with self._cond:
            if self.policy is QueuePolicy.BLOCK:
                while len(self._items) >= self.maxsize and not self._closed:
                    if stop is not None and stop.is_set():
                        return
                    self._cond.wait(0.1)
            elif len(self._items) >= self.maxsize:
                self._items.popleft()
                self.dropped += 1
            self._items.append(item)
            self.put_count += 1
            self._cond.notify_all()

    def get(self, timeout: float | None = None) -> T | None:
        """Next item; None on timeout; raises Closed once closed and drained."""
        with self._cond:
            if not self._items:
                if self._closed:
                    raise Closed
                self._cond.wait(timeout)
                if not self._items:
                    if self._closed:
                        raise Closed
                    return None
            if self.policy is QueuePolicy.KEEP_LATEST and len(self._items) > 1:
                self.dropped += len(self._items) - 1  # freshness first: stale frames are skipped
                item = self._items.pop()
                self._items.clear()
            else:
                item = self._items.popleft()
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        return len(self._items)
