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

from vstream.answer.answerers import Answerer
from vstream.answer.facts import ContextBuilder, fmt_time
from vstream.errors import VStreamError
from vstream.events import EventBus
from vstream.types import Answer, EncodedFrame, Event, EventKind
from vstream.watches import Watch, WatchKind, WatchSet

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


class Responder:
    def __init__(self, memory, answerer: Answerer, bus: EventBus | None = None, cfg: ResponderConfig | None = None,
                 poller=None):
        self.memory = memory
        self.answerer = answerer
        self.bus = bus or EventBus()
        self.cfg = cfg or ResponderConfig()
        self.context = ContextBuilder(memory)
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
    def ask(self, question: str, now: float | None = None, options: list[str] | None = None) -> Iterator[str | Answer]:
        """Stream the answer's text pieces, then the final Answer (with citations)."""
        if not question or not question.strip():
            raise VStreamError("empty question")
        job = _Job(question.strip(), now, options, queue.Queue(), time.monotonic())
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
        ctx = self.context.build(job.question, job.now, job.options)
        ttft, parts = None, []
        for piece in self.answerer.answer(ctx):
            if ttft is None:
                ttft = time.monotonic() - job.t_submit
            parts.append(piece)
            job.out.put(piece)
        latency = time.monotonic() - job.t_submit
        job.out.put(Answer("".join(parts).strip(), ctx.citations, latency, ttft if ttft is not None else latency))
        self.answered += 1

    # ---- when to speak -----------------------------------------------------------------------------
    def add_watch(self, w: Watch) -> Watch:
        return self.watches.add(w)

    def on_entry(self, enc: EncodedFrame) -> list[Event]:
        """Called by ingest after each new memory entry (cheap; never blocks)."""
        events = self.watches.check(enc)
        if enc.scene_change and self.cfg.proactive and enc.frame_ts - self._last_remark >= self.cfg.proactive_min_gap_s:
            self._last_remark = enc.frame_ts
            what = ", ".join(name for name, _ in enc.labels[:2]) or "a new scene"
            events.append(Event(EventKind.PROACTIVE, enc.frame_ts, f"New scene at {fmt_time(enc.frame_ts)}: {what}.",
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
        entries = self.memory.entries()
        if not entries:
            return
        now = entries[-1].t_end
        for w in polls:
            if self.poller(w.target) and now - w._last_fire >= w.cooldown_s and w._armed:
                w._armed, w._last_fire = False, now
                w.fired += 1
                e = Event(EventKind.WATCH, now, f"{w.target}: yes at {fmt_time(now)}", {"watch_id": w.id, "kind": "poll", "target": w.target})
                self.bus.publish(e)
                with self._remarks_lock:
                    self._remarks.append(e)
            else:
                w._armed = True
