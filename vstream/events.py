"""In-process event bus: publishers never block; each subscriber has a bounded queue whose drops
are counted. This is the seam a Kafka topic would replace for multi-process deployments."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator

from vstream.types import Event


class Subscription:
    def __init__(self, bus: EventBus, maxsize: int):
        self._bus = bus
        self._items: deque[Event] = deque()
        self._maxsize = maxsize
        self._cond = threading.Condition()
        self.dropped = 0
        self.closed = False

    def _push(self, event: Event) -> None:
        with self._cond:
            if len(self._items) >= self._maxsize:
                self._items.popleft()  # a slow reader loses the oldest events, never blocks ingest
                self.dropped += 1
            self._items.append(event)
            self._cond.notify()

    def get(self, timeout: float | None = None) -> Event | None:
        with self._cond:
            if not self._items and not self.closed:
                self._cond.wait(timeout)
            return self._items.popleft() if self._items else None

    def drain(self) -> list[Event]:
        with self._cond:
            items = list(self._items)
            self._items.clear()
            return items

    def __iter__(self) -> Iterator[Event]:
        while not self.closed:
            event = self.get(timeout=0.5)
            if event is not None:
                yield event

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()
        self._bus._unsubscribe(self)


class EventBus:
    def __init__(self, history: int = 1000):
        self._subs: list[Subscription] = []
        self._lock = threading.Lock()
        self.history: deque[Event] = deque(maxlen=history)  # recent events for late joiners (UI)

    def publish(self, event: Event) -> None:
        if not event.wall:
            object.__setattr__(event, "wall", time.time())
        with self._lock:
            self.history.append(event)
            subs = list(self._subs)
        for sub in subs:
            sub._push(event)

    def recent(self) -> list[Event]:
        """A copy of the recent history (safe while publishers append)."""
        with self._lock:
            return list(self.history)

    def subscribe(self, maxsize: int = 1024, replay: bool = False) -> Subscription:
        sub = Subscription(self, maxsize)
        with self._lock:
            if replay:
                for event in self.history:
                    sub._push(event)
            self._subs.append(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)
