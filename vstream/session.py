"""Wiring: a config + a session folder → a ready Ingest (encoder + hierarchical memory), and
what a re-run into an existing session means.

A session records its source. Ingesting into a session that already holds memory:
  resume  the same file again: frames before the last committed time are skipped (nothing is
          stored twice); the default for the same file
  append  a new epoch on a continued clock: stream time starts at the last committed time, so
          no two epochs share timestamps; needed for another source, the default for the same
          live source (a camera's clock restarts at 0 on every run)
Each run is listed in the meta key "epochs"."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
import weakref
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from memory.hierarchy import HierarchicalMemory
from retrieval.embedder import default_embedder
from vstream.config import Config
from vstream.encoders.factory import make_encoder
from vstream.errors import VStreamError
from vstream.events import EventBus
from vstream.ingest import Ingest
from vstream.senses.audio import AudioClock
from vstream.sources import SourceSpec, parse_source
from vstream.urls import mask_url


class Mode(str, Enum):
    AUTO = "auto"  # new session: from 0; same file: resume; same live source: append; another: error
    RESUME = "resume"
    APPEND = "append"


@dataclass(frozen=True)
class Epoch:
    """One ingest run into a session (stored as JSON in meta "epochs")."""

    mode: str  # new | resume | append
    source: str  # masked
    source_key: str
    offset_s: float  # added to the source's own times (append)
    skip_before_s: float  # frames before this stream time were stored already (resume)
    started_wall: float


_EPOCHS: weakref.WeakKeyDictionary[Ingest, Epoch] = weakref.WeakKeyDictionary()  # recorded once the source opens


def config_json(cfg: Config) -> dict:
    d = json.loads(json.dumps(dataclasses.asdict(cfg), default=lambda o: getattr(o, "value", str(o))))
    d["source"]["source"] = mask_url(d["source"]["source"])
    return d


def source_key(spec: SourceSpec) -> str:
    """What makes two runs 'the same source': a file's resolved path, else the masked URL."""
    return str(Path(spec.target).resolve()) if spec.kind == "file" else spec.masked


def _key_of(masked: str) -> str:
    """Sessions written before source_key existed: derive it from the stored source."""
    try:
        return source_key(parse_source(masked))
    except VStreamError:
        return masked


def start_ingest(ingest: Ingest, created: bool):
    """Open the source; if that fails, close the memory and remove a session folder this run
    created and left empty (a mistyped URL should not leave debris). Existing sessions are
    never touched. On success the run's epoch is recorded."""
    try:
        info = ingest.start()
    except BaseException:
        mem = ingest.memory
        empty = not mem.entries()
        folder = mem.store.folder
        mem.close()
        if created and empty:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    epoch = _EPOCHS.pop(ingest, None)
    if epoch is not None:
        store = ingest.memory.store
        store.set_meta("epochs", [*store.get_meta("epochs", []), dataclasses.asdict(epoch)])
    return info


def open_ingest(cfg: Config, session: str, bus: EventBus | None = None, mode: Mode | str = Mode.AUTO) -> Ingest:
    """Ingest into `session` (see the module doc for `mode`). Raises VStreamError with one line
    for a bad source, a folder that is not a session, a session held by another writer, a
    read-only folder, or another source without append; none of them leaves a folder behind."""
    spec = parse_source(cfg.source.source)  # a malformed source fails before any folder exists
    folder = Path(session)
    created = not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))
    encoder = make_encoder(cfg.encoder)
    try:
        memory = HierarchicalMemory(session, cfg.memory, default_embedder(), encoder.embedding_dim,
                                    cfg.source.source_id if cfg.source.source_id != "default" else "")
    except BaseException:
        _discard(folder, created)
        raise
    try:
        epoch = plan_epoch(memory, spec, Mode(mode), cfg.source.fps)
        _record_meta(memory, cfg, spec)
        ingest = Ingest(cfg, bus, encoder, memory=memory)
    except BaseException:
        memory.store.close()  # not memory.close(): this run changed nothing, closed_cleanly stays as it was
        _discard(folder, created)
        raise
    _apply(ingest, epoch)
    _EPOCHS[ingest] = epoch
    return ingest


def _discard(folder: Path, created: bool) -> None:
    """A run that failed before storing anything removes the folder it created."""
    if created and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


def plan_epoch(memory: HierarchicalMemory, spec: SourceSpec, mode: Mode, fps: float) -> Epoch:
    key, last = source_key(spec), memory.last_time()
    store = memory.store
    previous = store.get_meta("source_key") or _key_of(store.get_meta("source") or "")
    if not memory.entries() and not memory.evidence():
        return Epoch("new", spec.masked, key, 0.0, 0.0, time.time())
    same = previous == key
    if not same and mode is not Mode.APPEND:
        raise VStreamError(f"session {store.folder} holds {store.get_meta('source')}; to add {spec.masked} on a "
                           "continued clock pass --append (or use a new --session folder)")
    if mode is Mode.APPEND or (mode is Mode.AUTO and spec.live):
        return Epoch("append", spec.masked, key, last, last, time.time())
    if spec.live:
        raise VStreamError(f"--resume needs a file: a live source's clock restarts at 0; pass --append for {spec.masked}")
    return Epoch("resume", spec.masked, key, 0.0, last, time.time())


def _record_meta(memory: HierarchicalMemory, cfg: Config, spec: SourceSpec) -> None:
    store = memory.store
    store.set_meta("config", config_json(cfg))
    store.set_meta("source", spec.masked)
    store.set_meta("source_key", source_key(spec))
    store.set_meta("backend", cfg.encoder.backend.value)
    store.set_meta("started_wall", time.time())
    store.set_meta("closed_cleanly", False)


def _apply(ingest: Ingest, epoch: Epoch) -> None:
    """Resume: the memory refuses frames/rows before skip_before_s and the stream stops
    delivering them (the encoder never sees them). Append: stream time starts at offset_s.
    The audio clock takes the same offset and skips the same stored part (speech rows would
    otherwise land before the floor and be refused)."""
    ingest.memory.floor = epoch.skip_before_s
    ingest.speech.clock = AudioClock(epoch.offset_s, epoch.skip_before_s)
    stream = ingest.stream
    if epoch.offset_s:
        # FrameStream has no public setter yet: its offset is what continues the clock across
        # reconnects and loops, so setting it before start() continues it across runs too.
        stream._ts_offset = epoch.offset_s
    elif epoch.skip_before_s:
        frames, floor = stream.frames, epoch.skip_before_s

        def after(deadline: float | None = None):
            for frame in frames(deadline=deadline):
                if frame.ts >= floor - 1e-6:
                    yield frame

        stream.frames = after
