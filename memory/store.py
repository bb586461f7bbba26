"""The session folder: SQLite (WAL) for entries, text spans, events and metadata; blob segment
files for payloads; FAISS index files beside them (retrieval/). One writer (ingest), many
readers (serve / ask) at once — WAL lets readers see every committed transaction live."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import numpy as np

from memory.blobs import BlobRef, BlobStore
from vstream.errors import VStreamError
from vstream.types import Event, EventKind, MemoryEntry, TextSpan

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY, level INTEGER NOT NULL, kind TEXT NOT NULL,
    t_start REAL NOT NULL, t_end REAL NOT NULL, text TEXT NOT NULL DEFAULT '', labels TEXT NOT NULL DEFAULT '',
    payload_ref TEXT NOT NULL DEFAULT '', nbytes INTEGER NOT NULL, merges INTEGER NOT NULL DEFAULT 0,
    scene_change INTEGER NOT NULL DEFAULT 0, kept_ratio REAL NOT NULL DEFAULT 1.0,
    embedding BLOB NOT NULL, text_embedding BLOB
);
CREATE INDEX IF NOT EXISTS entries_time ON entries (t_start);
CREATE TABLE IF NOT EXISTS texts (
    id INTEGER PRIMARY KEY, entry_id INTEGER NOT NULL, text TEXT NOT NULL, t_start REAL NOT NULL, t_end REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS texts_entry ON texts (entry_id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}', wall REAL NOT NULL DEFAULT 0
);
"""

_ENTRY_COLS = "id, level, t_start, t_end, embedding, text, payload_ref, nbytes, kind, merges, labels, scene_change, kept_ratio"


def _row_entry(row) -> MemoryEntry:
    (id_, level, t0, t1, emb, text, ref, nbytes, kind, merges, labels, cut, kept) = row
    return MemoryEntry(id_, level, t0, t1, np.frombuffer(emb, np.float32).copy(), text, ref, nbytes, kind, merges,
                       labels, bool(cut), kept)


class SessionStore:
    DB = "session.sqlite"

    def __init__(self, folder: str | Path, create: bool = True, readonly: bool = False):
        self.folder = Path(folder)
        if not self.folder.exists():
            if not create or readonly:
                raise VStreamError(f"no session at {self.folder} — run `vstream ingest SOURCE --session {self.folder}` first")
            self.folder.mkdir(parents=True)
        elif not self.folder.is_dir():
            raise VStreamError(f"{self.folder} is a file, not a session folder — pass a folder path to --session")
        db = self.folder / self.DB
        if readonly and not db.exists():
            raise VStreamError(f"{self.folder} is not a vstream session (no {self.DB}) — check the --session path")
        self.readonly = readonly
        self._lock = threading.RLock()
        self.conn = sqlite3.connect(str(db), check_same_thread=False, timeout=30, isolation_level=None)
        self.conn.execute("PRAGMA busy_timeout=30000")
        if not readonly:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a commit survives a process crash
            self.conn.executescript(SCHEMA)
        self.blobs = BlobStore(self.folder / "blobs", readonly=readonly)
        self._in_tx = False

    # ---- transactions ------------------------------------------------------------------------------
    def begin(self) -> None:
        with self._lock:
            if not self._in_tx:
                self.conn.execute("BEGIN")
                self._in_tx = True

    def commit(self) -> None:
        with self._lock:
            if self._in_tx:
                self.blobs.sync()  # payloads reach the disk before the rows that point at them
                self.conn.execute("COMMIT")
                self._in_tx = False

    def rollback(self) -> None:
        with self._lock:
            if self._in_tx:
                self.conn.execute("ROLLBACK")
                self._in_tx = False

    # ---- meta -------------------------------------------------------------------------------------
    def set_meta(self, key: str, value) -> None:
        with self._lock:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def get_meta(self, key: str, default=None):
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # ---- entries ----------------------------------------------------------------------------------
    def insert_entry(self, e: MemoryEntry, text_embedding: np.ndarray | None) -> int:
        with self._lock:
            cur = self.conn.execute(
                "INSERT INTO entries (level, kind, t_start, t_end, text, labels, payload_ref, nbytes, merges, scene_change, kept_ratio, embedding, text_embedding)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (e.level, e.kind, e.t_start, e.t_end, e.text, e.labels, e.payload_ref, e.nbytes, e.merges,
                 int(e.scene_change), e.kept_ratio, np.asarray(e.embedding, np.float32).tobytes(),
                 None if text_embedding is None else np.asarray(text_embedding, np.float32).tobytes()))
            return int(cur.lastrowid)

    def update_entry(self, e: MemoryEntry, text_embedding: np.ndarray | None = None, keep_text_embedding: bool = True) -> None:
        with self._lock:
            sets = "level=?, kind=?, t_start=?, t_end=?, text=?, labels=?, payload_ref=?, nbytes=?, merges=?, scene_change=?, kept_ratio=?, embedding=?"
            args = [e.level, e.kind, e.t_start, e.t_end, e.text, e.labels, e.payload_ref, e.nbytes, e.merges,
                    int(e.scene_change), e.kept_ratio, np.asarray(e.embedding, np.float32).tobytes()]
            if not keep_text_embedding:
                sets += ", text_embedding=?"
                args.append(None if text_embedding is None else np.asarray(text_embedding, np.float32).tobytes())
            self.conn.execute(f"UPDATE entries SET {sets} WHERE id=?", (*args, e.id))

    def delete_entry(self, entry_id: int) -> None:
        with self._lock:
            self.conn.execute("DELETE FROM entries WHERE id=?", (entry_id,))

    def entries(self, level: int | None = None) -> list[MemoryEntry]:
        q = f"SELECT {_ENTRY_COLS} FROM entries"
        rows = self.conn.execute(q + (" WHERE level=? ORDER BY t_start" if level is not None else " ORDER BY t_start"),
                                 (() if level is None else (level,))).fetchall()
        return [_row_entry(r) for r in rows]

    def entries_by_id(self, ids: list[int]) -> dict[int, MemoryEntry]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT {_ENTRY_COLS} FROM entries WHERE id IN ({marks})", ids).fetchall()
        return {r[0]: _row_entry(r) for r in rows}

    def text_embeddings(self) -> tuple[np.ndarray, np.ndarray]:
        rows = self.conn.execute("SELECT id, text_embedding FROM entries WHERE text_embedding IS NOT NULL").fetchall()
        ids = np.array([r[0] for r in rows], np.int64)
        vecs = np.stack([np.frombuffer(r[1], np.float32) for r in rows]) if rows else np.zeros((0, 0), np.float32)
        return ids, vecs

    def visual_embeddings(self) -> tuple[np.ndarray, np.ndarray]:
        rows = self.conn.execute("SELECT id, embedding FROM entries").fetchall()
        ids = np.array([r[0] for r in rows], np.int64)
        vecs = np.stack([np.frombuffer(r[1], np.float32) for r in rows]) if rows else np.zeros((0, 0), np.float32)
        return ids, vecs

    def payload_refs(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT payload_ref FROM entries WHERE payload_ref != ''")]

    def read_payload(self, ref: str) -> bytes | None:
        return self.blobs.get(BlobRef.parse(ref)) if ref else None

    # ---- text spans ---------------------------------------------------------------------------------
    def insert_text(self, t: TextSpan) -> int:
        with self._lock:
            cur = self.conn.execute("INSERT INTO texts (entry_id, text, t_start, t_end) VALUES (?,?,?,?)",
                                    (t.entry_id, t.text, t.t_start, t.t_end))
            return int(cur.lastrowid)

    def update_text(self, t: TextSpan) -> None:
        with self._lock:
            self.conn.execute("UPDATE texts SET entry_id=?, text=?, t_start=?, t_end=? WHERE id=?",
                              (t.entry_id, t.text, t.t_start, t.t_end, t.id))

    def delete_text(self, text_id: int) -> None:
        with self._lock:
            self.conn.execute("DELETE FROM texts WHERE id=?", (text_id,))

    def texts(self, entry_id: int | None = None) -> list[TextSpan]:
        q = "SELECT id, entry_id, text, t_start, t_end FROM texts"
        rows = self.conn.execute(q + (" WHERE entry_id=? ORDER BY t_start" if entry_id is not None else " ORDER BY t_start"),
                                 (() if entry_id is None else (entry_id,))).fetchall()
        return [TextSpan(*r) for r in rows]

    def repoint_texts(self, old_ids: list[int], new_id: int) -> None:
        with self._lock:
            marks = ",".join("?" * len(old_ids))
            self.conn.execute(f"UPDATE texts SET entry_id=? WHERE entry_id IN ({marks})", (new_id, *old_ids))

    # ---- events ---------------------------------------------------------------------------------------
    def add_event(self, e: Event) -> None:
        with self._lock:
            self.conn.execute("INSERT INTO events (ts, kind, message, payload, wall) VALUES (?,?,?,?,?)",
                              (e.ts, e.kind.value, e.message, json.dumps(e.payload), e.wall))

    def events(self, kind: EventKind | None = None, after_id: int = 0) -> list[tuple[int, Event]]:
        q = "SELECT id, ts, kind, message, payload, wall FROM events WHERE id > ?"
        args: tuple = (after_id,)
        if kind is not None:
            q += " AND kind = ?"
            args += (kind.value,)
        rows = self.conn.execute(q + " ORDER BY id", args).fetchall()
        return [(r[0], Event(EventKind(r[2]), r[1], r[3], json.loads(r[4]), r[5])) for r in rows]

    def close(self) -> None:
        with self._lock:
            if self._in_tx:
                self.commit()
            self.blobs.close()
            self.conn.close()
