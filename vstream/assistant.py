"""The Assistant facade: one object that watches a source, remembers, answers and alerts. It is
the only API the surfaces (UI, HTTP API, CLI, evaluation) use; its results are small typed
values (Answer, Watch, Event, AssistantStats, TimelineItem).

    a = Assistant(Config()); a.start("rtsp://cam/stream")
    for piece in a.ask("what text is on screen?"): ...   # str pieces, then the final Answer
    a.watch('tell me when the text "EXIT" shows up'); for e in a.events(): ...
    a.stop()

Step mode (evaluation, replays): `open(source)` then `step_until(t)` feeds the pipeline exactly
up to stream time t, on the caller's thread.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from memory.reader import SessionReader
from memory.records import LEVEL_NAMES, Evidence, EvidenceKind
from vstream.answer.answerers import make_answerer
from vstream.answer.engine import AnswerEngine
from vstream.config import Backend, Config
from vstream.errors import VStreamError
from vstream.events import EventBus, Subscription
from vstream.ingest import Ingest, IngestReport
from vstream.metrics import LatencyWindow
from vstream.responder import Responder, ResponderConfig
from vstream.session import open_ingest, start_ingest
from vstream.thumbs import ThumbnailStore
from vstream.types import Answer, EncodedFrame, Event, EventKind, Frame, StreamInfo
from vstream.watches import Watch, WatchKind, parse_watch

log = logging.getLogger(__name__)

# With a text watch, OCR runs on every changed frame (at 2 fps: 0.5 s apart) so alerts come
# within 1.5 s of the text appearing; without one, every 2 s is enough for memory.
WATCH_OCR_INTERVAL_S = 0.5


@dataclass(frozen=True)
class AssistantStats:
    source: str
    state: str
    stream_s: float
    frames_decoded: int
    frames_sampled: int
    frames_dropped: int
    frames_encoded: int
    queue_depth: int
    lag_p95_s: float | None
    token_drop_ratio: float
    encoder_cache_hits: int
    memory_bytes: int
    memory_budget_bytes: int
    memory_entries: int
    reconnects: int
    answered: int
    watches: int
    wall: float

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TimelineItem:
    t: float  # middle of the entry
    level: str  # working | short_term | long_term
    duration: float


class Assistant:
    def __init__(self, config: Config | None = None, session: str | Path | None = None, answerer: str | None = None,
                 responder: ResponderConfig | None = None):
        self.cfg = config or Config()
        self.session = Path(session) if session else Path(tempfile.mkdtemp(prefix="vstream-session-"))
        self.answerer_name = answerer or ("vlm" if self.cfg.encoder.backend is Backend.HF else "template")
        self.responder_cfg = responder
        self.bus = EventBus()
        self.answer_latency = LatencyWindow()
        self.ttft = LatencyWindow()
        self.report: IngestReport | None = None
        self.error: Exception | None = None
        self._ingest: Ingest | None = None
        self._responder: Responder | None = None
        self._thumbs: ThumbnailStore | None = None
        self._sinks: list[Callable[[Frame, EncodedFrame], None]] = []
        self._thread: threading.Thread | None = None
        self._ended = threading.Event()
        self._frames: Iterator[Frame] | None = None
        self._reader: SessionReader | None = None  # a loaded session (questions only)
        self._pending: Frame | None = None

    # ---- lifecycle ---------------------------------------------------------------------------------
    def open(self, source: str | None = None) -> StreamInfo:
        """Open the source and load the models; no ingest thread (step mode)."""
        if source is not None:
            self.cfg.source.source = source
        created = not self.session.exists() or not any(self.session.iterdir())
        self._ingest = open_ingest(self.cfg, str(self.session), self.bus)
        self._thumbs = ThumbnailStore(self.session / "thumbs")
        self._ingest.sink = self._sink
        info = start_ingest(self._ingest, created)  # source errors raise here, before any thread starts
        vlm = getattr(self._ingest.encoder, "vlm", None)
        engine = AnswerEngine(self._ingest.memory, make_answerer(self.answerer_name, vlm))
        poller = self._vlm_poller(engine) if self.answerer_name == "vlm" else None
        self._responder = Responder(engine, self.bus, self.responder_cfg, poller)
        self._responder.start()
        return info

    def load(self, folder: str | Path) -> int:
        """Open a saved (or live, written by another process) session for questions only.
        Returns the number of memory entries it holds."""
        reader = SessionReader(folder)
        self.session = Path(folder)
        self._reader = reader
        thumbs = self.session / "thumbs"
        self._thumbs = ThumbnailStore(thumbs) if thumbs.is_dir() else None  # read-only sessions: none made
        engine = AnswerEngine(reader, make_answerer("template" if self.answerer_name == "vlm" else self.answerer_name))
        self._responder = Responder(engine, self.bus, self.responder_cfg)
        self._responder.start()
        return len(reader.entries())

    def start(self, source: str | None = None) -> StreamInfo:
        """Open the source and run ingest on its own thread until the source ends or stop()."""
        info = self.open(source)
        self.start_thread()
        return info

    def start_thread(self) -> None:
        """Run ingest of the opened source on its own thread (after open())."""
        self._thread = threading.Thread(target=self._run_ingest, name="vstream-ingest", daemon=True)
        self._thread.start()

    def step_until(self, t: float) -> float:
        """Ingest every frame with ts <= t, nothing later (a frame past t waits for the next
        call). Returns the stream time reached; at the source's end it stops there."""
        if self._frames is None:
            self._frames = self._ingest.stream.frames()
        while True:
            frame = self._pending or next(self._frames, None)
            self._pending = None
            if frame is None:
                self._ended.set()
                break
            if frame.ts > t + 1e-6:
                self._pending = frame
                break
            self._ingest.step(frame)
        heard = self._ingest.finish_hearing(t)
        if heard:
            self._responder.on_entry(None, heard, [])
        return self.now

    def _sink(self, frame: Frame, enc: EncodedFrame, rows: list[Evidence], events: list[Event]) -> None:
        self._thumbs.add(frame.ts, frame.image)
        self._responder.on_entry(enc, rows, events)
        for sink in self._sinks:
            sink(frame, enc)

    def add_sink(self, fn: Callable[[Frame, EncodedFrame], None]) -> None:
        """Also call fn(frame, encoded) for every frame ingested (evaluation baselines)."""
        self._sinks.append(fn)

    def _run_ingest(self) -> None:
        try:
            self.report = self._ingest.run()
            if self._ingest.heard_at_end:
                self._responder.on_entry(None, self._ingest.heard_at_end, [])
        except Exception as e:  # surfaced by wait()/stats(); the source already published "ended"
            log.warning("ingest stopped: %s", e)
            self.error = e
        finally:
            self._ended.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the source ends (files at the end, live sources when stopped)."""
        return self._ended.wait(timeout)

    def stop(self) -> None:
        if self._ingest is not None:
            self._ingest.stop()
        if self._thread is not None:
            self._thread.join(timeout=15)
        if self._responder is not None:
            self._responder.stop()
        if self._ingest is not None and self._ingest.memory is not None:
            if self.report is None:
                self.report = self._ingest.report()
            self._ingest.close()
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- asking and watching ---------------------------------------------------------------------------
    def ask(self, question: str, now: float | None = None, options: list[str] | None = None,
            previous: str | None = None) -> Iterator[str | Answer]:
        """Text pieces as they come, then the final Answer. `previous`: the question asked before it in
        the same conversation, for follow-ups ("who said that?")."""
        if self._responder is None:
            raise VStreamError("nothing is running: start a source (or load a session) first")
        if self._reader is not None:
            self._reader.refresh()
        for item in self._responder.ask(question, now, options, previous):
            if isinstance(item, Answer):
                self.answer_latency.add(item.latency_s)
                self.ttft.add(item.ttft_s)
            yield item

    def answer(self, question: str, now: float | None = None, options: list[str] | None = None,
               previous: str | None = None) -> Answer:
        final = None
        for item in self.ask(question, now, options, previous):
            if isinstance(item, Answer):
                final = item
        return final

    def watch(self, condition: str | Watch) -> Watch:
        """A watch from words or a Watch. With the hf backend, a condition the parser cannot
        map becomes a free-text yes/no poll of the VLM (bounded rate)."""
        if isinstance(condition, str):
            try:
                w = parse_watch(condition)
            except VStreamError:
                if self.answerer_name != "vlm":
                    raise
                w = Watch(WatchKind.POLL, condition.strip(), description=condition.strip())
        else:
            w = condition
        if self._ingest is None:
            raise VStreamError("watches need a running source: start one first")
        if w.kind is WatchKind.TEXT:
            self._ingest.encoder.tighten_ocr(WATCH_OCR_INTERVAL_S)
        if w.kind is WatchKind.SIMILAR and w.embedding is None and self._ingest.last is not None:
            w.embedding = self._ingest.last.embedding  # "a frame like this one": the current frame
        return self._responder.add_watch(w)

    def unwatch(self, watch_id: int) -> bool:
        return self._responder.watches.remove(watch_id)

    def watches(self) -> list[Watch]:
        return self._responder.watches.list() if self._responder else []

    def events(self, replay: bool = False) -> Subscription:
        return self.bus.subscribe(replay=replay)

    def history(self, kinds: tuple[EventKind, ...] | None = None, limit: int = 50) -> list[Event]:
        """Recent events (alerts, remarks, source states), oldest first."""
        return [e for e in self.bus.recent() if kinds is None or e.kind in kinds][-limit:]

    def should_speak(self, t: float) -> Event | None:
        return self._responder.should_speak(t)

    # ---- views -----------------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        last = self._ingest.last if self._ingest is not None else None
        return last.frame_ts if last is not None else 0.0

    @property
    def memory(self):
        """The memory as a read-only MemoryView (entries, evidence, events, indexes): the live
        one, or a loaded session's."""
        if self._ingest is not None and self._ingest.memory is not None:
            return self._ingest.memory
        if self._reader is not None:
            self._reader.refresh()
        return self._reader

    @property
    def answerer(self):
        """The answerer every answer goes through (evaluation reuses it over other views)."""
        return self._responder.engine.answerer

    @property
    def source(self) -> str:
        """The source, credentials masked."""
        return self._ingest.stream.masked_source if self._ingest else ""

    @property
    def state(self) -> str:
        return self._ingest.stream.state.value if self._ingest else "idle"

    @property
    def visible_text(self) -> list[str]:
        return self._ingest.visible_text if self._ingest else []

    def evidence(self, kind: EvidenceKind | None = None) -> list[Evidence]:
        mem = self.memory
        return mem.evidence(kind) if mem is not None else []

    def timeline(self) -> list[TimelineItem]:
        mem = self.memory
        entries = mem.entries() if mem is not None else []
        return [TimelineItem(round(e.t_mid, 2), LEVEL_NAMES[e.level], round(e.t_end - e.t_start, 2)) for e in entries]

    def latest_frame(self) -> np.ndarray | None:
        return self._thumbs.latest if self._thumbs else None

    def frame_at(self, t: float) -> np.ndarray | None:
        return self._thumbs.nearest(t) if self._thumbs else None

    def stats(self) -> AssistantStats | None:
        """Counters of the running pipeline (None for a loaded session)."""
        ing = self._ingest
        if ing is None:
            return None
        s, e, mem = ing.stream.stats, ing.encoder.stats, ing.memory
        return AssistantStats(
            source=ing.stream.masked_source, state=ing.stream.state.value, stream_s=round(self.now, 2),
            frames_decoded=s.decoded, frames_sampled=s.sampled, frames_dropped=s.dropped,
            frames_encoded=e.frames_encoded, queue_depth=len(ing.stream.queue), lag_p95_s=s.lag.percentile(95),
            token_drop_ratio=round(e.token_drop_ratio, 4), encoder_cache_hits=e.cache_hits,
            memory_bytes=mem.total_bytes if mem else 0, memory_budget_bytes=self.cfg.memory.budget_bytes,
            memory_entries=len(mem.entries()) if mem else 0, reconnects=s.reconnects,
            answered=self._responder.answered if self._responder else 0, watches=len(self.watches()), wall=time.time())

    def latency_windows(self) -> dict[str, LatencyWindow]:
        """Rolling windows for metrics: ingest lag, encode time, answer latency and TTFT."""
        ing = self._ingest
        return {"ingest_lag_seconds": ing.stream.stats.lag, "encode_seconds": ing.encode_latency,
                "answer_seconds": self.answer_latency, "answer_ttft_seconds": self.ttft}

    def ingest_report(self) -> IngestReport:
        return self.report if self.report is not None else self._ingest.report()

    def _vlm_poller(self, engine: AnswerEngine):
        def poll(condition: str) -> bool:
            ctx = engine.context(f"Is this true now: {condition}? Answer yes or no.")
            text = "".join(engine.answerer.answer(ctx)).strip().lower()
            return text.startswith("yes")

        return poll
