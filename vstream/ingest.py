"""The ingest pipeline: FrameStream → Encoder → (memory writer) with events and counters.

It is what `vstream ingest` runs as its own OS process, and what the Assistant runs on a thread.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from memory.hierarchy import HierarchicalMemory
from memory.records import Box, Evidence, EvidenceKind, FrameRecord, ObjectsData, TextData
from vstream.cameras import CameraHeartbeat
from vstream.config import Config
from vstream.degrade import DegradePolicy, LagWindow, Level
from vstream.encoders.base import Encoder
from vstream.encoders.factory import make_encoder
from vstream.errors import VStreamError
from vstream.events import EventBus
from vstream.kv import KVBlock, KVPrefiller
from vstream.metrics import LatencyWindow, rounded
from vstream.senses.colour import LookSense, MotionSense, box_colour, ground_under, text_colour
from vstream.senses.frame import FrameSenses, ObjectRows
from vstream.senses.objects import ObjectSense, ObjectsUpdate
from vstream.senses.speech import SpeechConfig, SpeechSense
from vstream.stream import FpsSampler, FrameStream
from vstream.types import EncodedFrame, Event, EventKind, Frame

log = logging.getLogger(__name__)

# A frame whose kept-token share is at least this changed somewhere: the detector runs on it.
CHANGED_RATIO = 0.02

# A step (encode + senses + store) running longer than this is stuck: heartbeats stop, so a camera
# runner restarts the process (its hung_after_s, 15 s, is judged on beats). One frame takes
# ~0.7 s alone on this CPU, ~3 s with four cameras on two cores.
STUCK_S = 10.0
BEAT_WINDOW_S = 10.0  # heartbeat lag p95 and effective fps are over this many wall seconds

# Called after each frame with what it produced: (frame, encoded, evidence rows, events).
Sink = Callable[[Frame, EncodedFrame, list[Evidence], list[Event]], None]


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


def colour_boxes(upd: ObjectsUpdate, image: np.ndarray) -> list[Box]:
    """Name each detection's colour (a person's: upper body) and what it stands on, in the frame
    row and its track."""
    if upd.frame is None or not isinstance(upd.frame.data, ObjectsData):
        return []
    boxes = [replace(b, colour=box_colour(image, b), ground=ground_under(image, b)) for b in upd.frame.data.boxes]
    upd.frame.data = replace(upd.frame.data, boxes=tuple(boxes))
    by_track = {b.track_id: b for b in boxes if b.track_id is not None}
    for tr in upd.tracks:
        box = by_track.get(tr.data.track_id)
        if box is not None:
            tr.data = replace(tr.data, last_box=box)
    return boxes


def colour_text(rows: list[Evidence], image: np.ndarray) -> None:
    """Name the colour behind each new on-screen line, in the frame that first read it ("what does the
    orange banner say?"); a line keeps the colour it was first read on."""
    for ev in rows:
        if ev.kind is EvidenceKind.TEXT and isinstance(ev.data, TextData) and ev.data.box is not None \
                and not ev.data.box.colour:
            ev.data = replace(ev.data, box=replace(ev.data.box, colour=text_colour(image, ev.data.box)))


def frame_record(enc: EncodedFrame, duration: float, block: KVBlock | None = None) -> FrameRecord:
    """Memory's record of an encoded frame: kept tokens and their grid positions, embedding,
    labels, cut and kept ratio, and (hf) the frame's KV block serialized by its own type."""
    arrays, ints = block.to_arrays() if block is not None else ({}, {})
    index = enc.kept.nonzero().flatten().numpy().astype(np.int32)
    return FrameRecord(enc.frame_ts, duration, enc.embedding, enc.kept_tokens.numpy(), index, enc.grid, enc.labels,
                       enc.scene_change, enc.kept_ratio, arrays, ints)


class Ingest:
    def __init__(self, cfg: Config, bus: EventBus | None = None, encoder: Encoder | None = None,
                 sink: Sink | None = None, memory=None):
        self.cfg = cfg
        self.bus = bus or EventBus()
        self.encoder = encoder or make_encoder(cfg.encoder)
        self.sink = sink
        self.memory: HierarchicalMemory | None = memory  # None: encode only
        self.kv = self._kv_prefiller()
        self.period = 1.0 / cfg.source.fps
        self.senses = FrameSenses()
        self.objects = ObjectSense(replace(cfg.senses.objects, fps=cfg.source.fps))
        self.object_rows = ObjectRows()
        self.motion = MotionSense()
        self.look = LookSense()
        self.speech = SpeechSense(SpeechConfig(enabled=cfg.senses.asr, model=cfg.senses.asr_model))
        self.hearing = False  # the source has an audio track being transcribed
        self.heard_at_end: list[Evidence] = []  # speech finished after the last frame (file sources)
        self.stream = FrameStream(cfg.source, self.bus)
        self.encode_latency = LatencyWindow()
        self.last: EncodedFrame | None = None
        self._stop = threading.Event()
        self._t0 = 0.0
        # Degradation (cameras): None = always the asked configuration; see vstream/degrade.py.
        self.degrade: DegradePolicy | None = None
        self.level = Level(cfg.source.fps)
        self._gate = FpsSampler(cfg.source.fps)  # the current level's rate, on stream time
        self._ocr = getattr(self.encoder, "ocr", None)  # restored when OCR comes back on
        self.frames_skipped = 0  # sampled frames not encoded because of a lower level's rate
        self.stored_lag = LatencyWindow()  # capture → stored, seconds
        self._recent = LagWindow(BEAT_WINDOW_S)  # (wall, lag) of stored frames, for heartbeats
        self._beat_lock = threading.Lock()
        self._busy_since: float | None = None

    def start(self):
        self._t0 = time.monotonic()
        info = self.stream.start()
        for warning in (self.objects.warning, self._start_hearing()):
            if warning:
                log.warning("%s", warning)
                self._publish(Event(EventKind.WARNING, 0.0, warning))
        return info

    def _start_hearing(self) -> str:
        """Speech recognition on the source's audio track; a missing package or model only
        costs hearing (one warning), never the video."""
        try:
            self.hearing = self.speech.start(self.cfg.source)
        except VStreamError as e:
            return f"speech recognition is off: {e}"
        return self.speech.warning or ""

    def stop(self) -> None:
        self._stop.set()
        self.stream.stop()
        self.speech.stop()

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
                if not self._gate.accept(frame.ts):
                    self.frames_skipped += 1
                    continue
                self._busy_since = time.monotonic()
                enc = self.step(frame)
                self._busy_since = None
                self._stored(frame)
                if on_frame is not None:
                    on_frame(enc)
        finally:
            self._persist(source_events)
            source_events.close()
            self.stream.stop()
            if self.last is not None and not self._stop.is_set():
                self.heard_at_end = self.finish_hearing(self.last.frame_ts + self.period)
            if self.memory is not None:
                self.memory.save_indexes()
        return self.report()

    def request_stop(self) -> None:
        """stop() from a signal handler: on a thread of its own, since the handler runs on the
        main thread, which may hold the locks stop() takes (the frame queue's)."""
        threading.Thread(target=self.stop, name="vstream-stop", daemon=True).start()

    def close(self) -> None:
        """Close the memory (indexes saved, session marked closed cleanly)."""
        self.objects.close()
        if self.memory is not None:
            self.memory.close()
            self.memory = None

    def step(self, frame: Frame) -> EncodedFrame:
        t0 = time.perf_counter()
        if self.level.detector:
            self.objects.prefetch(frame.ts, frame.image)  # detects beside the encoder (objects.py)
        enc = self.encoder.encode([frame])[0]
        self.encode_latency.add(time.perf_counter() - t0)
        self.last = enc
        events = self._publish_signals(enc)
        rows = self.senses.update(enc, self.period) + self._see(frame, enc, events)
        colour_text(rows, frame.image)
        heard = self.speech.poll(upto=frame.ts) if self.hearing else []
        fresh = _first_hearings(heard)
        self._publish_captions(fresh)
        if self.memory is not None:
            self.memory.add_frame(self._record(enc), rows + heard)
        if self.sink is not None:
            self.sink(frame, enc, rows + fresh, events)
        log.debug("t=%.2f kept=%.2f cache=%s cut=%s ocr=%r", enc.frame_ts, enc.kept_ratio, enc.cache_hit, enc.scene_change, enc.text)
        return enc

    def _see(self, frame: Frame, enc: EncodedFrame, events: list[Event]) -> list[Evidence]:
        """Detections and tracks; the detector runs only when the frame changed (a cut, or
        patches past token dropping), otherwise the last boxes are reused (Frigate's rule).
        A degradation level with the detector off skips objects (no stale boxes, no tracks)."""
        changed = enc.scene_change or enc.kept_ratio >= CHANGED_RATIO
        if self.level.detector:
            upd = self.objects.process(frame.ts, frame.image, changed, enc.labels)
        else:
            upd = ObjectsUpdate(frame=None, stats=self.objects.stats)
        for e in upd.events:
            self._publish(e)
        events += upd.events
        boxes = colour_boxes(upd, frame.image)
        rows = self.object_rows.update(upd.frame, self.period) + upd.tracks
        rows += self.motion.update(enc, frame.image, self.period, boxes)
        return rows + self.look.update(enc, frame.image, self.period)

    # ---- degradation and heartbeats (a camera's ingest process) ---------------------------------
    def _stored(self, frame: Frame) -> None:
        """A frame's row is written: its capture → stored lag feeds the heartbeat and the policy."""
        now, lag = time.monotonic(), time.time() - frame.wall
        self.stored_lag.add(lag)
        with self._beat_lock:
            self._recent.add(now, lag)
        new = self.degrade.observe(now, lag) if self.degrade is not None else None
        if new is not None:
            self.apply_level(new, frame.ts, self.degrade.level)

    def apply_level(self, level: Level, ts: float = 0.0, number: int = 0) -> None:
        """Run at `level` from the next frame: its rate (stream-time gate; memory rows then span
        the longer period), OCR and detector on or off; speech recognition, once off, stays off."""
        self.level, self.period = level, 1.0 / level.fps
        self._gate = FpsSampler(level.fps)
        if hasattr(self.encoder, "ocr"):
            self.encoder.ocr = self._ocr if level.ocr else None
        if not level.asr and self.hearing:
            self.speech.stop()
            self.hearing = False
        # on the bus only: _persist stores WARNING events from the bus (_publish stored it twice)
        self.bus.publish(Event(EventKind.WARNING, ts, f"degradation level {number}: {level.describe()}",
                            {"degradation_level": number, "policy": level.describe(), "fps": level.fps}))

    def heartbeat(self, name: str, state: str = "running") -> CameraHeartbeat | None:
        """This ingest's beat now; None while a step is stuck (no beat: the runner restarts it)."""
        now = time.monotonic()
        busy = self._busy_since
        if state == "running" and busy is not None and now - busy > STUCK_S:
            return None
        with self._beat_lock:
            p95, n = self._recent.p95(now), len(self._recent)
        span = min(BEAT_WINDOW_S, now - self._t0) if self._t0 else 0.0
        return CameraHeartbeat(
            name=name, pid=os.getpid(), node=socket.gethostname(), wall=time.time(),
            stream_t=round(self.last.frame_ts, 3) if self.last is not None else 0.0,
            fps_asked=self.cfg.source.fps, fps_effective=round(n / span, 3) if span > 0 else 0.0,
            lag_p95_s=round(p95, 3) if p95 is not None else 0.0,
            level=self.degrade.level if self.degrade is not None else 0,
            policy=self.level.describe() if self.degrade is not None and self.degrade.level else "", state=state)

    def finish_hearing(self, t: float) -> list[Evidence]:
        """Step mode: speech that ended by stream time t, transcribed and stored (none after t)."""
        if not self.hearing:
            return []
        rows = self.speech.finish_until(t)
        fresh = _first_hearings(rows)
        self._publish_captions(fresh)
        if self.memory is not None:
            self.memory.put_evidence(rows, None)
        return fresh

    def _publish_captions(self, rows: list[Evidence]) -> None:
        """Live captions: each transcript segment as a speech event (not stored: the rows are)."""
        for ev in rows:
            self.bus.publish(Event(EventKind.SPEECH, ev.t_start, ev.content,
                                   {"t_end": round(ev.t_end, 3), "confidence": round(ev.confidence, 3)}))

    def _record(self, enc: EncodedFrame) -> FrameRecord:
        """What memory keeps of an encoded frame (+ its KV block, hf backend)."""
        block = None
        if self.kv is not None and enc.kept.any():
            block = self.kv.add_visual(enc.kept_tokens, enc.grid, enc.kept.nonzero().flatten(), enc.frame_ts, enc.frame_ts)
        return frame_record(enc, self.period, block)

    @property
    def visible_text(self) -> list[str]:
        """On-screen lines as of the last OCR run."""
        return self.senses.text.visible()

    def _kv_prefiller(self):
        """hf backend: kept visual tokens are prefilled into the LM as KV blocks (ReKV), each
        frame attending to the last 8 frames' blocks (the working window), so the cost per
        frame stays bounded on an unbounded stream."""
        vlm = getattr(self.encoder, "vlm", None)
        if vlm is None or self.memory is None or not self.cfg.memory.store_kv:
            return None
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

    def _publish_signals(self, enc: EncodedFrame) -> list[Event]:
        events = []
        if enc.scene_change:
            events.append(Event(EventKind.SCENE_CHANGE, enc.frame_ts, f"scene change at {enc.frame_ts:.1f} s",
                                {"patch_similarity": round(enc.patch_similarity, 3)}))
        elif enc.drop_spike:
            events.append(Event(EventKind.DROP_SPIKE, enc.frame_ts, f"kept tokens jumped to {enc.kept_ratio:.0%} at {enc.frame_ts:.1f} s",
                                {"kept_ratio": round(enc.kept_ratio, 3)}))
        for e in events:
            self._publish(e)
        return events

    def report(self) -> IngestReport:
        report = self._report()
        if self.memory is not None:
            m = self.memory
            report.extra = {"memory_entries": len(m.entries()), "memory_bytes": m.total_bytes,
                            "memory_peak_bytes": m.peak_bytes, "memory_budget_bytes": m.cfg.budget_bytes,
                            "merges": m.merges, "levels": m.level_report(), "session": str(m.store.folder)}
        sp, ob = self.speech.stats, self.objects.stats
        report.extra.update({"speech_s": round(sp.speech_s, 2), "speech_segments": sp.segments,
                             "asr_rtf": round(sp.rtf, 3) if sp.speech_s else None, "detector_runs": ob.detector_runs,
                             "detector_ms_mean": round(ob.detect_ms_mean, 1), "tracks": ob.tracks})
        if self.degrade is not None:
            report.extra.update({"frames_skipped": self.frames_skipped, "degradation_level": self.degrade.level,
                                 "stored_lag_p95_s": rounded(self.stored_lag.percentile(95))})
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


def _first_hearings(heard: list[Evidence]) -> list[Evidence]:
    """The speech rows heard for the first time. A row stored already (it has an id) came back revised
    (speech.revisions): memory takes the new words; captions, watches and the responder do not see it
    again — a caption would repeat the sentence, an alert would carry its first-hearing time."""
    return [ev for ev in heard if not ev.id]
