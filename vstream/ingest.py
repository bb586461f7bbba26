"""The ingest pipeline: FrameStream → Encoder → (memory writer) with events and counters.

It is what `vstream ingest` runs as its own OS process, and what the Assistant runs on a thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vstream.config import Config
from vstream.encoders.base import Encoder, make_encoder
from vstream.events import EventBus
from vstream.metrics import LatencyWindow, rounded
from vstream.stream import FrameStream
from vstream.types import EncodedFrame, Event, EventKind, Frame

log = logging.getLogger(__name__)

Sink = Callable[[Frame, EncodedFrame], None]


@dataclass
class IngestReport:
    source: str
    frames_sampled: int
    frames_encoded: int
    frames_dropped: int
    encoder_cache_hits: int
    tokens_total: int
    tokens_kept: int
    token_drop_ratio: float
    scene_changes: int
    ocr_runs: int
    wall_s: float
    stream_s: float
    realtime_factor: float  # stream seconds per wall second
    lag_p95_s: float | None
    encode_p95_s: float | None
    reconnects: int
    extra: dict = field(default_factory=dict)  # memory fields, filled by the memory writer

    def to_json(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "extra"}
        d.update(self.extra)
        return d


class Ingest:
    def __init__(self, cfg: Config, bus: EventBus | None = None, encoder: Encoder | None = None,
                 sink: Sink | None = None, memory=None):
        self.cfg = cfg
        self.bus = bus or EventBus()
        self.encoder = encoder or make_encoder(cfg.encoder)
        self.sink = sink
        self.memory = memory  # HierarchicalMemory, or None (encode only)
        self.kv = self._kv_prefiller()
        self.stream = FrameStream(cfg.source, self.bus)
        self.encode_latency = LatencyWindow()
        self.last: EncodedFrame | None = None
        self._stop = threading.Event()
        self._t0 = 0.0

    def start(self):
        self._t0 = time.monotonic()
        return self.stream.start()

    def stop(self) -> None:
        self._stop.set()
        self.stream.stop()

    def run(self, deadline: float | None = None, on_frame: Callable[[EncodedFrame], None] | None = None) -> IngestReport:
        """Consume the stream until it ends, stop() is called, or monotonic `deadline` passes."""
        source_events = self.bus.subscribe()
        if not self._t0:
            self.start()
        try:
            for frame in self.stream.frames(deadline=deadline):
                if self._stop.is_set():
                    break
                self._persist(source_events)
                enc = self.step(frame)
                if on_frame is not None:
                    on_frame(enc)
        finally:
            self._persist(source_events)
            source_events.close()
            self.stream.stop()
            if self.memory is not None:
                self.memory.store.commit()
                self.memory.save_indexes()
        return self.report()

    def step(self, frame: Frame) -> EncodedFrame:
        t0 = time.perf_counter()
        enc = self.encoder.encode([frame])[0]
        self.encode_latency.add(time.perf_counter() - t0)
        self.last = enc
        self._publish_signals(enc)
        if self.memory is not None:
            block = self.kv.add_visual(enc.kept_tokens, enc.grid, enc.kept.nonzero().flatten(), enc.frame_ts,
                                       enc.frame_ts) if self.kv is not None and enc.kept.any() else None
            self.memory.add(enc, block)
        if self.sink is not None:
            self.sink(frame, enc)
        log.debug("t=%.2f kept=%.2f cache=%s cut=%s ocr=%r", enc.frame_ts, enc.kept_ratio, enc.cache_hit, enc.scene_change, enc.text)
        return enc

    def _kv_prefiller(self):
        """hf backend: kept visual tokens are prefilled into the LM as KV blocks (ReKV), each
        frame attending to the last 8 frames' blocks (the working window), so the cost per
        frame stays bounded on an unbounded stream."""
        vlm = getattr(self.encoder, "vlm", None)
        if vlm is None or self.memory is None or not self.cfg.memory.store_kv:
            return None
        from vstream.kv import KVPrefiller

        return KVPrefiller(vlm, window=8)

    def _persist(self, sub) -> None:
        """Source-state and warning events (published by the reader thread) go to the session."""
        for event in sub.drain():
            if self.memory is not None and event.kind in (EventKind.SOURCE, EventKind.WARNING):
                self.memory.record_event(event)

    def _publish(self, event: Event) -> None:
        self.bus.publish(event)
        if self.memory is not None:
            self.memory.record_event(event)

    def _publish_signals(self, enc: EncodedFrame) -> None:
        if enc.scene_change:
            self._publish(Event(EventKind.SCENE_CHANGE, enc.frame_ts, f"scene change at {enc.frame_ts:.1f} s",
                                   {"patch_similarity": round(enc.patch_similarity, 3)}))
        elif enc.drop_spike:
            self._publish(Event(EventKind.DROP_SPIKE, enc.frame_ts, f"kept tokens jumped to {enc.kept_ratio:.0%} at {enc.frame_ts:.1f} s",
                                   {"kept_ratio": round(enc.kept_ratio, 3)}))

    def report(self) -> IngestReport:
        report = self._report()
        if self.memory is not None:
            m = self.memory
            report.extra = {"memory_entries": len(m.entries()), "memory_bytes": m.total_bytes,
                            "memory_peak_bytes": m.peak_bytes, "memory_budget_bytes": m.cfg.budget_bytes,
                            "merges": m.merges, "levels": m.level_report(), "session": str(m.store.folder)}
        return report

    def _report(self) -> IngestReport:
        s, e = self.stream.stats, self.encoder.stats
        wall = time.monotonic() - self._t0 if self._t0 else 0.0
        stream_s = (self.last.frame_ts + 1.0 / self.cfg.source.fps) if self.last is not None else 0.0
        return IngestReport(
            source=self.stream.masked_source, frames_sampled=s.sampled, frames_encoded=e.frames_encoded,
            frames_dropped=s.dropped, encoder_cache_hits=e.cache_hits, tokens_total=e.tokens_total,
            tokens_kept=e.tokens_kept, token_drop_ratio=round(e.token_drop_ratio, 4), scene_changes=e.scene_changes,
            ocr_runs=e.ocr_runs, wall_s=round(wall, 3), stream_s=round(stream_s, 3),
            realtime_factor=round(stream_s / wall, 3) if wall > 0 else 0.0,
            lag_p95_s=rounded(s.lag.percentile(95)), encode_p95_s=rounded(self.encode_latency.percentile(95)),
            reconnects=s.reconnects,
        )
