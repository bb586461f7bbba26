"""The Assistant facade: one object that watches a source, remembers, answers and alerts.

    a = Assistant(Config()); a.start("rtsp://cam/stream")
    for piece in a.ask("what text is on screen?"): ...   # str pieces, then the final Answer
    a.watch('tell me when the text "EXIT" shows up'); for e in a.events(): ...
    a.stop()
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from vstream.config import Backend, Config
from vstream.errors import VStreamError
from vstream.events import EventBus, Subscription
from vstream.ingest import IngestReport
from vstream.responder import Responder, ResponderConfig
from vstream.types import Answer, StreamInfo
from vstream.watches import Watch, WatchKind, parse_watch

log = logging.getLogger(__name__)

# With a text watch, OCR runs on every changed frame (at 2 fps: 0.5 s apart) so alerts come
# within 1.5 s of the text appearing; without one, every 2 s is enough for memory.
WATCH_OCR_INTERVAL_S = 0.5


def make_answerer(name: str, ingest=None, memory=None):
    from vstream.answer.answerers import SmolLMAnswerer, TemplateAnswerer, VLMAnswerer

    if name == "smollm2":
        return SmolLMAnswerer()
    if name == "vlm":
        vlm = getattr(ingest.encoder, "vlm", None) if ingest is not None else None
        if vlm is None:
            from vstream.errors import VStreamError

            raise VStreamError("the vlm answerer needs the hf backend: --backend hf --model ID")
        return VLMAnswerer(vlm, memory)
    return TemplateAnswerer()


class Assistant:
    def __init__(self, config: Config | None = None, session: str | Path | None = None, answerer: str | None = None,
                 responder: ResponderConfig | None = None):
        self.cfg = config or Config()
        self.session = Path(session) if session else Path(tempfile.mkdtemp(prefix="vstream-session-"))
        self.answerer_name = answerer or ("vlm" if self.cfg.encoder.backend is Backend.HF else "template")
        self.responder_cfg = responder
        self.bus = EventBus()
        self.ingest = None
        self.responder: Responder | None = None
        self.report: IngestReport | None = None
        self.thumbs = None
        self.error: Exception | None = None
        self._thread: threading.Thread | None = None
        self._ended = threading.Event()

    # ---- lifecycle ---------------------------------------------------------------------------------
    def start(self, source: str | None = None) -> StreamInfo:
        from vstream.session import open_ingest, start_ingest

        if source is not None:
            self.cfg.source.source = source
        created = not self.session.exists() or not any(self.session.iterdir())
        from vstream.thumbs import ThumbnailStore

        self.ingest = open_ingest(self.cfg, str(self.session), self.bus)
        self.thumbs = ThumbnailStore(self.session / "thumbs")
        self.ingest.sink = lambda frame, enc: self.thumbs.add(frame.ts, frame.image)
        info = start_ingest(self.ingest, created)  # source errors raise here, before any thread starts
        answerer = make_answerer(self.answerer_name, self.ingest, self.ingest.memory)
        poller = self._vlm_poller() if self.answerer_name == "vlm" else None
        self.responder = Responder(self.ingest.memory, answerer, self.bus, self.responder_cfg, poller)
        self.responder.start()
        self._thread = threading.Thread(target=self._run_ingest, name="vstream-ingest", daemon=True)
        self._thread.start()
        return info

    def _run_ingest(self) -> None:
        try:
            self.report = self.ingest.run(on_frame=self.responder.on_entry)
        except Exception as e:  # surfaced by wait()/stats(); the source already published "ended"
            log.warning("ingest stopped: %s", e)
            self.error = e
        finally:
            self._ended.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the source ends (files at the end, live sources when stopped)."""
        return self._ended.wait(timeout)

    def stop(self) -> None:
        if self.ingest is not None:
            self.ingest.stop()
        if self._thread is not None:
            self._thread.join(timeout=15)
        if self.responder is not None:
            self.responder.stop()
        if self.ingest is not None and self.ingest.memory is not None:
            self.ingest.memory.close()
            self.ingest.memory = None

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- asking and watching ---------------------------------------------------------------------------
    def ask(self, question: str, now: float | None = None, options: list[str] | None = None) -> Iterator[str | Answer]:
        return self.responder.ask(question, now, options)

    def answer(self, question: str, now: float | None = None, options: list[str] | None = None) -> Answer:
        return self.responder.answer_now(question, now, options)

    def watch(self, condition: str | Watch) -> Watch:
        """A watch from words or a Watch. With the hf backend, a condition the parser cannot
        map to text/scene/label becomes a free-text yes/no poll of the VLM (bounded rate)."""
        if isinstance(condition, str):
            try:
                w = parse_watch(condition)
            except VStreamError:
                if self.answerer_name != "vlm":
                    raise
                w = Watch(WatchKind.POLL, condition.strip(), description=condition.strip())
        else:
            w = condition
        if w.kind is WatchKind.TEXT and self.ingest.encoder.ocr is not None:
            self.ingest.encoder.ocr.min_interval = min(self.ingest.encoder.ocr.min_interval, WATCH_OCR_INTERVAL_S)
        if w.kind is WatchKind.SIMILAR and w.embedding is None and self.ingest.last is not None:
            w.embedding = self.ingest.last.embedding  # "a frame like this one": the current frame
        return self.responder.add_watch(w)

    def unwatch(self, watch_id: int) -> bool:
        return self.responder.watches.remove(watch_id)

    def events(self, replay: bool = False) -> Subscription:
        return self.bus.subscribe(replay=replay)

    def should_speak(self, t: float):
        return self.responder.should_speak(t)

    @property
    def now(self) -> float:
        last = self.ingest.last if self.ingest is not None else None
        return last.frame_ts if last is not None else 0.0

    def stats(self) -> dict:
        ing = self.ingest
        s = ing.stream.stats
        e = ing.encoder.stats
        mem = ing.memory
        return {
            "source": ing.stream.masked_source, "state": ing.stream.state.value, "stream_s": round(self.now, 2),
            "frames_decoded": s.decoded, "frames_sampled": s.sampled, "frames_dropped": s.dropped,
            "frames_encoded": e.frames_encoded, "lag_p95_s": s.lag.percentile(95), "token_drop_ratio": round(e.token_drop_ratio, 4),
            "encoder_cache_hits": e.cache_hits, "memory_bytes": mem.total_bytes if mem else 0,
            "memory_entries": len(mem.entries()) if mem else 0, "reconnects": s.reconnects,
            "answered": self.responder.answered if self.responder else 0, "watches": len(self.responder.watches.list()) if self.responder else 0,
            "wall": time.time(),
        }

    def _vlm_poller(self):
        from vstream.answer.facts import ContextBuilder

        def poll(condition: str) -> bool:
            ctx = ContextBuilder(self.ingest.memory).build(f"Is this true now: {condition}? Answer yes or no.")
            text = "".join(make_answerer("vlm", self.ingest, self.ingest.memory).answer(ctx)).strip().lower()
            return text.startswith("yes")

        return poll
