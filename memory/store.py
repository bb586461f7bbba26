"""The session folder: SQLite (WAL) for entries, evidence, events and metadata; blob segment
files for payloads; FAISS index files beside them. One writer (ingest), many readers (serve /
ask) at once — WAL lets readers see every committed transaction live.

Every column is typed: labels and evidence payloads are JSON of typed dataclasses
(memory.records), read back into those dataclasses — never strings parsed by hand."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
import urllib.parse
from pathlib import Path

import numpy as np

from memory.blobs import SEGMENT_MAX, BlobRef, BlobStore
from memory.records import (
    Event,
    EventKind,
    Evidence,
    EvidenceKind,
    Label,
    MemoryEntry,
    data_from_json,
    data_to_json,
)
from retrieval.common import VStreamError

log = logging.getLogger(__name__)

WAL_LIMIT = 4 * 1024 * 1024  # bytes of write-ahead log before a checkpoint (SQLite's default)
FORMAT = 2  # session format: 2 = typed evidence rows (format 1 kept text in entry strings)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY, level INTEGER NOT NULL, kind TEXT NOT NULL,
    t_start REAL NOT NULL, t_end REAL NOT NULL, labels TEXT NOT NULL DEFAULT '[]',
    payload_ref TEXT NOT NULL DEFAULT '', nbytes INTEGER NOT NULL, merges INTEGER NOT NULL DEFAULT 0,
    scene_change INTEGER NOT NULL DEFAULT 0, kept_ratio REAL NOT NULL DEFAULT 1.0,
    camera TEXT NOT NULL DEFAULT '', embedding BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_time ON entries (t_start);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, t_start REAL NOT NULL, t_end REAL NOT NULL,
    content TEXT NOT NULL, data TEXT NOT NULL DEFAULT '{}', confidence REAL NOT NULL DEFAULT 1.0,
    entry_id INTEGER NOT NULL DEFAULT 0, camera TEXT NOT NULL DEFAULT '', embedding BLOB
);
CREATE INDEX IF NOT EXISTS evidence_time ON evidence (t_start);
CREATE INDEX IF NOT EXISTS evidence_entry ON evidence (entry_id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}', wall REAL NOT NULL DEFAULT 0, camera TEXT NOT NULL DEFAULT ''
);
"""

_ENTRY_COLS = "id, level, t_start, t_end, embedding, payload_ref, nbytes, kind, merges, labels, scene_change, kept_ratio, camera"
_EVIDENCE_COLS = "id, kind, t_start, t_end, content, data, confidence, entry_id, camera"


def labels_json(labels: tuple[Label, ...]) -> str:
    return json.dumps([[lb.name, round(lb.p, 4)] for lb in labels])


def labels_from_json(text: str) -> tuple[Label, ...]:
    return tuple(Label(str(n), float(p)) for n, p in json.loads(text or "[]"))


def _row_entry(row) -> MemoryEntry:
    (id_, level, t0, t1, emb, ref, nbytes, kind, merges, labels, cut, kept, camera) = row
    return MemoryEntry(id_, level, t0, t1, np.frombuffer(emb, np.float32).copy(), ref, nbytes, kind, merges,
                       labels_from_json(labels), bool(cut), kept, camera)


def _row_evidence(row) -> Evidence:
    (id_, kind, t0, t1, content, data, conf, entry_id, camera) = row
    k = EvidenceKind(kind)
    return Evidence(k, t0, t1, content, data_from_json(k, data), conf, entry_id, camera, id_)


def _vec(v: np.ndarray | None) -> bytes | None:
    return None if v is None else np.asarray(v, np.float32).tobytes()


def _stack(rows) -> tuple[np.ndarray, np.ndarray]:
    ids = np.array([r[0] for r in rows], np.int64)
    vecs = np.stack([np.frombuffer(r[1], np.float32) for r in rows]) if rows else np.zeros((0, 0), np.float32)
    return ids, vecs


# What a session folder may hold; a folder holding anything else (and no database) is not ours.
SESSION_NAMES = frozenset({"session.sqlite", "session.sqlite-wal", "session.sqlite-shm", "session.sqlite-journal",
                           "blobs", "visual.faiss", "evidence.faiss", "thumbs", "writer.lock"})
LOCK_FILE = "writer.lock"


def sqlite_uri(db: Path, writable: bool) -> str:
    """A read-only SQLite URI. `immutable=1` when the folder cannot be written: SQLite then needs
    no -shm/-wal files (a read-only mount, a copied archive) — it also ignores a -wal file, so a
    crashed writer's last commits there are not seen (SessionStore warns about that)."""
    path = urllib.parse.quote(str(Path(db).absolute()))
    return f"file:{path}?mode=ro" + ("" if writable else "&immutable=1")


def folder_writable(folder: Path) -> bool:
    """access(2) says no on a read-only filesystem even for root (permission bits do not stop root)."""
    return os.access(folder, os.W_OK)


def check_is_session(folder: Path) -> None:
    """Refuse a non-empty folder that is not a session: --session pointed at the wrong folder
    must never get a database and blobs written among someone's files."""
    if (folder / SessionStore.DB).exists():
        return
    foreign = sorted(p.name for p in folder.iterdir() if p.name not in SESSION_NAMES)
    if foreign:
        shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
        raise VStreamError(f"{folder} is not a vstream session (it holds {shown}) — pass a new or empty folder to --session")


class WriterLock:
    """One writer per session: an flock(2) on `writer.lock`, held for the writer's life and
    released by the kernel when the process dies (kill -9 included), so a stale lock never
    blocks. The holder writes its PID there so a refused writer can say who holds it."""

    def __init__(self, folder: Path):
        self.path = folder / LOCK_FILE
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._holder()
            os.close(self.fd)
            raise VStreamError(f"session {folder} is being written by another process (PID {holder}) — stop it first, "
                               "or ingest into another --session folder (readers such as `vstream ask` work meanwhile)") from None
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())

    def _holder(self) -> str:
        for _ in range(10):  # the holder writes its PID right after locking: wait for it briefly
            text = self.path.read_text().strip()
            if text:
                return text
            time.sleep(0.05)
        return "unknown"

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class SessionStore:
    DB = "session.sqlite"

    def __init__(self, folder: str | Path, create: bool = True, readonly: bool = False,
                 segment_max: int = SEGMENT_MAX, wal_limit: int = WAL_LIMIT):
        self.folder = Path(folder)
        self.readonly = readonly
        self._lock = threading.RLock()
        self._writer: WriterLock | None = None
        self._in_tx = False
        if readonly:
            self._open_reader(create)
        else:
            self._open_writer(create, wal_limit)
        self.blobs = BlobStore(self.folder / "blobs", readonly=readonly, segment_max=segment_max)

    def _open_reader(self, create: bool) -> None:
        if not self.folder.exists():
            raise VStreamError(f"no session at {self.folder} — run `vstream ingest SOURCE --session {self.folder}` first")
        if not self.folder.is_dir():
            raise VStreamError(f"{self.folder} is a file, not a session folder — pass a folder path to --session")
        db = self.folder / self.DB
        if not db.exists():
            raise VStreamError(f"{self.folder} is not a vstream session (no {self.DB}) — check the --session path")
        writable = folder_writable(self.folder)
        wal = self.folder / (self.DB + "-wal")
        if not writable and wal.exists() and wal.stat().st_size:
            log.warning("%s is read-only and holds an unmerged write-ahead log (a writer did not close): "
                        "its last commits are not visible", self.folder)
        self.conn = sqlite3.connect(sqlite_uri(db, writable), uri=True, check_same_thread=False, timeout=30,
                                    isolation_level=None)
        self.conn.execute("PRAGMA busy_timeout=30000")

    def _open_writer(self, create: bool, wal_limit: int) -> None:
        f = self.folder
        if f.exists() and not f.is_dir():
            raise VStreamError(f"{f} is a file, not a session folder — pass a folder path to --session")
        if not f.exists():
            if not create:
                raise VStreamError(f"no session at {f} — run `vstream ingest SOURCE --session {f}` first")
            try:
                f.mkdir(parents=True)
            except OSError as e:
                raise VStreamError(f"cannot create session folder {f}: {e.strerror} — pick a writable --session path") from None
        check_is_session(f)
        if not folder_writable(f):
            raise VStreamError(f"session {f} is read-only — `vstream ask` and `vstream memory` can read it; "
                               "ingest into a writable --session folder")
        self._writer = WriterLock(f)
        try:
            self._connect_writer(wal_limit)
        except BaseException:
            self._writer.release()
            raise

    def _connect_writer(self, wal_limit: int) -> None:
        self.conn = sqlite3.connect(str(self.folder / self.DB), check_same_thread=False, timeout=30, isolation_level=None)
        self.conn.execute("PRAGMA busy_timeout=30000")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a commit survives a process crash
        # The WAL is checkpointed every wal_limit bytes and truncated back to that size, so it
        # stays a small fixed part of disk use (default 1000 pages = 4 MB would be 4x a 1 MB budget).
        self.conn.execute(f"PRAGMA wal_autocheckpoint={max(16, wal_limit // 4096)}")
        self.conn.execute(f"PRAGMA journal_size_limit={wal_limit}")
        self._check_format()
        self.conn.executescript(SCHEMA)
        self.set_meta("format", FORMAT)

    def _check_format(self) -> None:
        has_meta = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone()
        fmt = self.get_meta("format", 1) if has_meta else FORMAT
        has_entries = has_meta and self.conn.execute("SELECT 1 FROM sqlite_master WHERE name='entries'").fetchone()
        if has_entries and fmt != FORMAT:
            raise VStreamError(f"session {self.folder} was written by an older vstream (format {fmt}); "
                               "ingest into a new --session folder")

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
    def _entry_values(self, e: MemoryEntry) -> tuple:
        return (e.level, e.kind, e.t_start, e.t_end, labels_json(e.labels), e.payload_ref, e.nbytes, e.merges,
                int(e.scene_change), e.kept_ratio, e.camera, _vec(e.embedding))

    def insert_entry(self, e: MemoryEntry) -> int:
        with self._lock:
            cur = self.conn.execute(
                "INSERT INTO entries (level, kind, t_start, t_end, labels, payload_ref, nbytes, merges, scene_change,"
                " kept_ratio, camera, embedding) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", self._entry_values(e))
            return int(cur.lastrowid)

    def update_entry(self, e: MemoryEntry) -> None:
        with self._lock:
            self.conn.execute(
                "UPDATE entries SET level=?, kind=?, t_start=?, t_end=?, labels=?, payload_ref=?, nbytes=?, merges=?,"
                " scene_change=?, kept_ratio=?, camera=?, embedding=? WHERE id=?", (*self._entry_values(e), e.id))

    def delete_entry(self, entry_id: int) -> None:
        with self._lock:
            self.conn.execute("DELETE FROM entries WHERE id=?", (entry_id,))

    def entries(self, level: int | None = None) -> list[MemoryEntry]:
        q = f"SELECT {_ENTRY_COLS} FROM entries"
        rows = self.conn.execute(q + (" WHERE level=? ORDER BY t_start" if level is not None else " ORDER BY t_start"),
                                 (() if level is None else (level,))).fetchall()
        return [_row_entry(r) for r in rows]

    def visual_embeddings(self) -> tuple[np.ndarray, np.ndarray]:
        return _stack(self.conn.execute("SELECT id, embedding FROM entries").fetchall())

    def read_payload(self, ref: str) -> bytes | None:
        return self.blobs.get(BlobRef.parse(ref)) if ref else None

    # ---- evidence ----------------------------------------------------------------------------------
    def insert_evidence(self, ev: Evidence, embedding: np.ndarray | None) -> int:
        with self._lock:
            cur = self.conn.execute(
                "INSERT INTO evidence (kind, t_start, t_end, content, data, confidence, entry_id, camera, embedding)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (ev.kind.value, ev.t_start, ev.t_end, ev.content, data_to_json(ev.data), ev.confidence, ev.entry_id,
                 ev.camera, _vec(embedding)))
            return int(cur.lastrowid)

    def update_evidence(self, ev: Evidence, embedding: np.ndarray | None = None) -> None:
        """Times, content, data; the embedding only when given (content changed)."""
        with self._lock:
            sets, args = "t_start=?, t_end=?, content=?, data=?, confidence=?, entry_id=?", [
                ev.t_start, ev.t_end, ev.content, data_to_json(ev.data), ev.confidence, ev.entry_id]
            if embedding is not None:
                sets += ", embedding=?"
                args.append(_vec(embedding))
            self.conn.execute(f"UPDATE evidence SET {sets} WHERE id=?", (*args, ev.id))

    def delete_evidence(self, ids: list[int]) -> None:
        with self._lock:
            self.conn.executemany("DELETE FROM evidence WHERE id=?", [(i,) for i in ids])

    def evidence(self, kind: EvidenceKind | None = None) -> list[Evidence]:
        q = f"SELECT {_EVIDENCE_COLS} FROM evidence" + (" WHERE kind=?" if kind else "") + " ORDER BY t_start, id"
        return [_row_evidence(r) for r in self.conn.execute(q, (kind.value,) if kind else ()).fetchall()]

    def evidence_embeddings(self) -> tuple[np.ndarray, np.ndarray]:
        return _stack(self.conn.execute("SELECT id, embedding FROM evidence WHERE embedding IS NOT NULL").fetchall())

    def repoint_evidence(self, old_ids: list[int], new_id: int) -> None:
        with self._lock:
            marks = ",".join("?" * len(old_ids))
            self.conn.execute(f"UPDATE evidence SET entry_id=? WHERE entry_id IN ({marks})", (new_id, *old_ids))

    # ---- events ---------------------------------------------------------------------------------------
    def add_event(self, e: Event) -> None:
        with self._lock:
            self.conn.execute("INSERT INTO events (ts, kind, message, payload, wall, camera) VALUES (?,?,?,?,?,?)",
                              (e.ts, e.kind.value, e.message, json.dumps(e.payload), e.wall, e.camera))

    def events(self, kind: EventKind | None = None, after_id: int = 0) -> list[tuple[int, Event]]:
        q = "SELECT id, ts, kind, message, payload, wall, camera FROM events WHERE id > ?"
        args: tuple = (after_id,)
        if kind is not None:
            q += " AND kind = ?"
            args += (kind.value,)
        rows = self.conn.execute(q + " ORDER BY id", args).fetchall()
        return [(r[0], Event(EventKind(r[2]), r[1], r[3], json.loads(r[4]), r[5], r[6])) for r in rows]

    def close(self) -> None:
        with self._lock:
            if self._in_tx:
                self.commit()
            self.blobs.close()
            self.conn.close()
            if self._writer is not None:
                self._writer.release()  # after the last commit: the next writer sees everything
