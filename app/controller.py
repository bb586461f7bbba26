"""One running assistant (or a loaded session) behind the UI and the HTTP API. The logic lives
in vstream/; this only switches sources and adapts results for the two surfaces."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from vstream.answer.facts import fmt_time
from vstream.assistant import Assistant
from vstream.config import Config
from vstream.errors import VStreamError
from vstream.metrics import LatencyWindow
from vstream.types import Answer, Event, EventKind

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "sample.mp4"


class Controller:
    def __init__(self, cfg: Config, session_root: str | Path | None = None):
        self.cfg = cfg
        self.session_root = Path(session_root) if session_root else None
        self.assistant: Assistant | None = None
        self.reader = None  # a loaded (saved) session: questions only
        self._lock = threading.Lock()
        self.answer_latency = LatencyWindow()
        self.ttft = LatencyWindow()
        self.api_errors = 0

    # ---- sources -----------------------------------------------------------------------------------
    def start(self, source: str) -> str:
        source = (source or "").strip()
        if not source:
            raise VStreamError("give a source: an RTSP/HTTP URL, a file path, a webcam index, testsrc, or use the sample")
        with self._lock:
            self._stop_locked()
            session = None
            if self.session_root is not None:
                session = self.session_root / time.strftime("%Y%m%d-%H%M%S")
            cfg = dataclasses.replace(self.cfg, source=dataclasses.replace(self.cfg.source, source=source))
            a = Assistant(cfg, session=session)
            info = a.start()
            self.assistant, self.reader = a, None
        return f"{a.ingest.stream.masked_source}: {info.width}x{info.height}, {info.kind}"

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self.assistant is not None:
            self.assistant.stop()
            self.assistant = None

    def load(self, folder: str) -> str:
        from memory.reader import SessionReader

        with self._lock:
            self._stop_locked()
            self.reader = SessionReader(folder)
        return f"loaded {folder}: {len(self.reader.entries())} entries"

    @property
    def session(self) -> Path | None:
        if self.assistant is not None:
            return self.assistant.session
        return self.reader.store.folder if self.reader is not None else None

    # ---- questions ---------------------------------------------------------------------------------
    def ask(self, question: str) -> Iterator[str | Answer]:
        if self.assistant is not None:
            for item in self.assistant.ask(question):
                if isinstance(item, Answer):
                    self.answer_latency.add(item.latency_s)
                    self.ttft.add(item.ttft_s)
                yield item
            return
        if self.reader is not None:
            from vstream.ask import ask_session

            pieces: list[str] = []
            answer = ask_session(str(self.reader.store.folder), question, on_piece=pieces.append)
            yield from pieces
            yield answer
            return
        raise VStreamError("nothing is running: start a source (or load a session) first")

    # ---- watches and events ---------------------------------------------------------------------------
    def watch(self, text: str) -> str:
        if self.assistant is None:
            raise VStreamError("start a source before adding a watch")
        w = self.assistant.watch(text)
        return f"watch {w.id}: {w.kind.value} {w.target!r}".strip()

    def unwatch(self, watch_id: int) -> bool:
        return self.assistant is not None and self.assistant.unwatch(watch_id)

    def watches(self) -> list[dict]:
        return [w.to_json() for w in self.assistant.responder.watches.list()] if self.assistant else []

    def alerts(self, limit: int = 50) -> list[Event]:
        if self.assistant is None:
            return []
        keep = (EventKind.WATCH, EventKind.PROACTIVE, EventKind.SOURCE, EventKind.WARNING)
        return [e for e in self.assistant.bus.history if e.kind in keep][-limit:]

    def subscribe(self):
        if self.assistant is None:
            raise VStreamError("nothing is running: start a source first")
        return self.assistant.events()

    # ---- views ---------------------------------------------------------------------------------------
    def stats(self) -> dict:
        if self.assistant is None:
            return {"state": "idle" if self.reader is None else "loaded session"}
        return self.assistant.stats()

    def timeline(self) -> list[dict]:
        mem = self.assistant.ingest.memory if self.assistant and self.assistant.ingest.memory else self.reader
        if mem is None:
            return []
        names = {0: "working", 1: "short-term", 2: "long-term"}
        return [{"t": round(e.t_mid, 2), "level": names[e.level], "duration": round(e.t_end - e.t_start, 2)} for e in mem.entries()]

    def latest_frame(self):
        return self.assistant.thumbs.latest if self.assistant and self.assistant.thumbs else None

    def frame_at(self, t: float):
        if self.assistant is not None and self.assistant.thumbs is not None:
            return self.assistant.thumbs.nearest(t)
        if self.reader is not None:
            from vstream.thumbs import ThumbnailStore

            return ThumbnailStore(self.reader.store.folder / "thumbs").nearest(t)
        return None

    @staticmethod
    def cite_label(c) -> str:
        return f"{fmt_time(c.t_start)}–{fmt_time(c.t_end)}"
