"""Wiring: a config + a session folder → a ready Ingest (encoder + hierarchical memory)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time

from memory.hierarchy import HierarchicalMemory
from retrieval.embedder import default_embedder
from vstream.config import Config
from vstream.encoders.factory import make_encoder
from vstream.events import EventBus
from vstream.ingest import Ingest
from vstream.urls import mask_url


def config_json(cfg: Config) -> dict:
    d = json.loads(json.dumps(dataclasses.asdict(cfg), default=lambda o: getattr(o, "value", str(o))))
    d["source"]["source"] = mask_url(d["source"]["source"])
    return d


def start_ingest(ingest: Ingest, created: bool):
    """Open the source; if that fails, close the memory and remove a session folder this run
    created and left empty (a mistyped URL should not leave debris). Existing sessions are
    never touched."""
    try:
        return ingest.start()
    except BaseException:
        mem = ingest.memory
        folder = mem.store.folder
        empty = not mem.entries()
        mem.close()
        if created and empty:
            shutil.rmtree(folder, ignore_errors=True)
        raise


def open_ingest(cfg: Config, session: str, bus: EventBus | None = None) -> Ingest:
    encoder = make_encoder(cfg.encoder)
    memory = HierarchicalMemory(session, cfg.memory, default_embedder(), encoder.embedding_dim, cfg.source.source_id
                                if cfg.source.source_id != "default" else "")
    store = memory.store
    store.set_meta("config", config_json(cfg))
    store.set_meta("source", mask_url(cfg.source.source))
    store.set_meta("backend", cfg.encoder.backend.value)
    store.set_meta("started_wall", time.time())
    store.set_meta("closed_cleanly", False)
    return Ingest(cfg, bus, encoder, memory=memory)
