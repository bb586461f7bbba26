"""One running assistant (or a loaded session) behind the UI and the HTTP API. The logic lives
in vstream/; this only switches sources and adapts the Assistant's typed results for the two
surfaces."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from vstream.answer.compose import fmt_time
from vstream.assistant import Assistant, AssistantStats, TimelineItem
from vstream.config import Config
from vstream.demo import SAMPLE
from vstream.errors import VStreamError
from vstream.types import Answer, Event, EventKind

__all__ = ["SAMPLE", "Controller"]


class Controller:
    def __init__(self, cfg: Config, session_root: str | Path | None = None):
        self.cfg = cfg
        self.session_root = Path(session_root) if session_root else None
        self.assistant: Assistant | None = None
        self.loaded = False  # the assistant holds a saved session (questions only)
        self._lock = threading.Lock()
        self.api_errors = 0

    # ---- sources -----------------------------------------------------------------------------------
    def start(self, source: str) -> str:
        source = (source or "").strip()
        if not source:
            raise VStreamError("give a source: an RTSP/HTTP URL, a file path, a webcam index, testsrc, or use the sample")
        with self._lock:
            session = None
            if self.session_root is not None:
                session = self.session_root / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
            cfg = dataclasses.replace(self.cfg, source=dataclasses.replace(self.cfg.source, source=source))
            a = Assistant(cfg, session=session)
            info = a.open()  # a bad source fails here, and the running one keeps running
            self._stop_locked()
            a.start_thread()
            self.assistant, self.loaded = a, False
        return f"{a.source}: {info.width}x{info.height}, {info.kind}"

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self.assistant is not None:
            self.assistant.stop()
            self.assistant = None

    def load(self, folder: str) -> str:
        with self._lock:
            a = Assistant(self.cfg)
            n = a.load(folder)
            self._stop_locked()
            self.assistant, self.loaded = a, True
        return f"loaded {folder}: {n} entries"

    @property
    def session(self) -> Path | None:
        return self.assistant.session if self.assistant is not None else None

    # ---- questions ---------------------------------------------------------------------------------
    def ask(self, question: str) -> Iterator[str | Answer]:
        if self.assistant is None:
            raise VStreamError("nothing is running: start a source (or load a session) first")
        yield from self.assistant.ask(question)

    # ---- watches and events ---------------------------------------------------------------------------
    def watch(self, text: str) -> str:
        if self.assistant is None or self.loaded:
            raise VStreamError("start a source before adding a watch")
        w = self.assistant.watch(text)
        return f"watch {w.id}: {w.kind.value} {w.target!r}".strip()

    def unwatch(self, watch_id: int) -> bool:
        return self.assistant is not None and self.assistant.unwatch(watch_id)

    def watches(self) -> list[dict]:
        return [w.to_json() for w in self.assistant.watches()] if self.assistant else []

    def alerts(self, limit: int = 50) -> list[Event]:
        if self.assistant is None:
            return []
        return self.assistant.history((EventKind.WATCH, EventKind.PROACTIVE, EventKind.SOURCE, EventKind.WARNING), limit)

    def subscribe(self):
        if self.assistant is None:
            raise VStreamError("nothing is running: start a source first")
        return self.assistant.events()

    # ---- views ---------------------------------------------------------------------------------------
    def stats(self) -> AssistantStats | None:
        return self.assistant.stats() if self.assistant is not None else None

    @property
    def state(self) -> str:
        if self.assistant is None:
            return "idle"
        return "loaded session" if self.loaded else self.assistant.state

    def timeline(self) -> list[TimelineItem]:
        return self.assistant.timeline() if self.assistant is not None else []

    def latest_frame(self):
        return self.assistant.latest_frame() if self.assistant else None

    def frame_at(self, t: float):
        return self.assistant.frame_at(t) if self.assistant else None

    @staticmethod
    def cite_label(c) -> str:
        return f"{fmt_time(c.t_start)}–{fmt_time(c.t_end)}"
