"""The responder: its own thread and its own bounded job queue. It answers questions from
memory (streamed, with citations), runs the watches' VLM polls, makes proactive remarks, and
answers "should I speak at time t?". Ingest never waits for it."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from memory.records import Evidence
from vstream.answer.compose import fmt_time
from vstream.answer.engine import AnswerEngine
from vstream.answer.query import check_question
from vstream.errors import VStreamError
from vstream.events import EventBus
from vstream.types import Answer, EncodedFrame, Event, EventKind
from vstream.watches import Watch, WatchKind, WatchSet, poll_alert

log = logging.getLogger(__name__)
_DONE = object()


@dataclass
class ResponderConfig:
    max_pending: int = 8  # questions waiting; more → "busy" (bounded, never an unbounded backlog)
    proactive: bool = True
    proactive_min_gap_s: float = 10.0  # stream seconds between proactive remarks
    poll_interval_s: float = 2.0  # hf: wall seconds between yes/no VLM polls per watch


@dataclass
class _Job:
    question: str
    now: float | None
    options: list[str] | None
    out: queue.Queue  # str pieces, then an Answer, then _DONE (or an exception)
    t_submit: float
    previous: str | None = None  # the question before it in the conversation (follow-ups)


class Responder:
    def __init__(self, engine: AnswerEngine, bus: EventBus | None = None, cfg: ResponderConfig | None = None,
                 poller=None):
        self.engine = engine
        self.bus = bus or EventBus()
        self.cfg = cfg or ResponderConfig()
        self.watches = WatchSet()
        self.poller = poller  # callable(question) -> bool, for POLL watches (hf)
        self._jobs: queue.Queue[_Job] = queue.Queue(maxsize=self.cfg.max_pending)
        self._remarks: deque[Event] = deque(maxlen=256)  # unspoken alerts/remarks for should_speak
        self._remarks_lock = threading.Lock()
        self._last_remark = -1e9
        self._last_poll = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="vstream-responder", daemon=True)
        self.answered = 0
        self.busy = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    # ---- questions -----------------------------------------------------------------------------------
    def ask(self, question: str, now: float | None = None, options: list[str] | None = None,
            previous: str | None = None) -> Iterator[str | Answer]:
        """Stream the answer's text pieces, then the final Answer (with citations). `previous`: the
        question asked before it in the same conversation ("who said that?" is about it)."""
        job = _Job(check_question(question), now, options, queue.Queue(), time.monotonic(), previous)
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            raise VStreamError(f"the responder is busy ({self.cfg.max_pending} questions waiting); ask again in a moment") from None
        return self._drain(job)

    @staticmethod
    def _drain(job: _Job) -> Iterator[str | Answer]:
        while True:
            item = job.out.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def answer_now(self, question: str, now: float | None = None, options: list[str] | None = None) -> Answer:
        """Blocking convenience: the final Answer only."""
        final = None
        for item in self.ask(question, now, options):
            if isinstance(item, Answer):
                final = item
        return final

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = self._jobs.get(timeout=0.2)
            except queue.Empty:
                self._poll_watches()
                continue
            self.busy = True
            try:
                self._run(job)
            except Exception as e:  # report to the asker; the responder keeps running
                log.exception("answering failed")
                job.out.put(e if isinstance(e, VStreamError) else VStreamError(f"answering failed: {e}"))
            finally:
                job.out.put(_DONE)
                self.busy = False

    def _run(self, job: _Job) -> None:
        for item in self.engine.stream(job.question, job.now, job.options or (), job.t_submit, job.previous):
            job.out.put(item)
        self.answered += 1

    # ---- when to speak -----------------------------------------------------------------------------
    def add_watch(self, w: Watch) -> Watch:
        return self.watches.add(w)

    def on_entry(self, enc: EncodedFrame | None, rows: list[Evidence] = (), events: list[Event] = ()) -> list[Event]:
        """Called by ingest after each new memory entry and evidence (cheap; never blocks)."""
        events = self.watches.check(enc, rows, events)
        if enc is not None and enc.scene_change and self.cfg.proactive and \
                enc.frame_ts - self._last_remark >= self.cfg.proactive_min_gap_s:
            self._last_remark = enc.frame_ts
            events.append(Event(EventKind.PROACTIVE, enc.frame_ts, f"New scene at {fmt_time(enc.frame_ts)}.",
                                {"reason": "scene_change"}))
        for e in events:
            self.bus.publish(e)
            with self._remarks_lock:
                self._remarks.append(e)
        return events

    def should_speak(self, t: float) -> Event | None:
        """The earliest unspoken alert or remark at or before stream time t (then it is spoken)."""
        with self._remarks_lock:
            for e in list(self._remarks):
                if e.ts <= t or e.payload.get("detected_at", e.ts) <= t:
                    self._remarks.remove(e)
                    return e
        return None

    def _poll_watches(self) -> None:
        """hf: free-text watches asked to the VLM as yes/no, at most every poll_interval_s."""
        polls = [w for w in self.watches.list() if w.kind is WatchKind.POLL]
        if not polls or self.poller is None or time.monotonic() - self._last_poll < self.cfg.poll_interval_s:
            return
        self._last_poll = time.monotonic()
        if not self.engine.view.entries():
            return
        now = self.engine.latest()
        for w in polls:
            if w.observe(self.poller(w.target), now):
                e = poll_alert(w, now)
                self.bus.publish(e)
                with self._remarks_lock:
                    self._remarks.append(e)
