"""The memory writer: owns a session folder, applies the level policy (memory/policy.py) after
every added frame, stores payloads, entries and evidence, keeps the FAISS indexes and collects
garbage in the blob segments. Ingest writes here; the responder reads through the same object
on another thread (one lock).

Merges take the union of adjacent spans, so entries keep covering the stream. Evidence rows keep
their own times through merges (only their entry id is repointed), so citations stay exact."""

from __future__ import annotations

import bisect
import logging
import re
import threading
import time
from collections import Counter, OrderedDict
from pathlib import Path

import numpy as np

from memory.blobs import BlobRef, segment_size_for
from memory.config import MemoryConfig
from memory.indexes import SessionIndexes
from memory.merge import merge_labels, merge_tokens, merged_embedding, summarize_tokens
from memory.payload import Payload
from memory.policy import Action, Step, Usage, joins_last_event, next_step
from memory.quant import Codec
from memory.records import (
    LEVEL_NAMES,
    LONG,
    SHORT,
    WORKING,
    Event,
    EventKind,
    Evidence,
    EvidenceKind,
    FrameRecord,
    MemoryEntry,
)
from memory.store import SessionStore
from retrieval.common import VStreamError
from retrieval.embedder import TextEmbedder

log = logging.getLogger(__name__)

# Evicted when nothing else can shrink, oldest (by end) first, a tier at a time: per-frame
# classifier labels, detections and looks are re-derivable summaries; then moving things,
# tracks and cuts; last what answers quote (text, speech, captions). Every kind is in a tier, so
# the budget holds for any stream length: with only the first tier droppable, a 1-hour soak at a
# 2 MB budget held 7.7 MB (tracks and motion rows of a busy street accumulate for ever).
DROP_TIERS = ((EvidenceKind.LABEL, EvidenceKind.OBJECTS, EvidenceKind.LOOK),
              (EvidenceKind.MOTION, EvidenceKind.TRACK, EvidenceKind.SCENE),
              (EvidenceKind.CAPTION, EvidenceKind.TEXT, EvidenceKind.SPEECH))
assert {k for tier in DROP_TIERS for k in tier} == set(EvidenceKind), "every evidence kind needs a drop tier"


# Stream times and track numbers in our own senses' lines ("person #27", "stopped (00:05.5–00:09.0)")
# carry no meaning a question's words could match (a question's time scope is filtered apart), but
# they make every update of a line a new text to embed: on vtest.avi 220 of 220 embeddings were
# distinct, ~20 ms each. Embedded without them, the same line reuses its vector.
_OWN_TIMES = re.compile(r"\s*\(?\b\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:\s*[–-]\s*\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?\)?|\s*#\d+")


def embed_key(ev: Evidence) -> str:
    """What to embed for `ev`: its content, without stream times and track numbers for the lines
    our senses write (TRACK, MOTION); text read or heard (OCR, speech) is embedded as it is."""
    if ev.kind in (EvidenceKind.TRACK, EvidenceKind.MOTION):
        return _OWN_TIMES.sub("", ev.content).strip() or ev.content
    return ev.content


class HierarchicalMemory:
    """Owns a session folder for writing. `add_frame(rec)` after each encoded frame,
    `put_evidence(rows)` whenever a sense has new or changed rows."""

    def __init__(self, folder: str | Path, cfg: MemoryConfig, embedder: TextEmbedder, visual_dim: int, camera: str = ""):
        self.cfg = cfg
        self.store = SessionStore(folder, segment_max=segment_size_for(cfg.budget_bytes),
                                  wal_limit=max(256 * 1024, min(4 * 2**20, cfg.budget_bytes // 4)))
        self.embedder = embedder
        self.visual_dim = visual_dim
        self.camera = camera
        self.levels: dict[int, list[MemoryEntry]] = {WORKING: [], SHORT: [], LONG: []}
        self.bytes = {WORKING: 0, SHORT: 0, LONG: 0}
        self._evidence: list[Evidence] = []  # sorted by t_start
        self._evidence_bytes: dict[int, int] = {}
        self._content: dict[int, str] = {}  # evidence id → content last embedded
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # content → embedding (LRU)
        self.merges = 0
        self.peak_bytes = 0
        self._last_save = time.monotonic()
        self.live: dict[int, int] = {}  # blob segment → live payload bytes (garbage collection)
        self._doomed: set[int] = set()  # segments with nothing live, unlinked once that is committed
        self._compacted_at = 0  # the active segment when compact() last ran
        self.steps: Counter[Action] = Counter()  # policy steps applied, by action
        self.steps_relief: Counter[Action] = Counter()  # ... of them taken while over the budget
        self.floor = 0.0  # frames and new evidence before this stream time are already stored (resume)
        self.lock = threading.RLock()
        try:
            self._open_existing()
        except BaseException:
            self.store.close()  # releases the writer lock
            raise

    # ---- opening / crash recovery ----------------------------------------------------------------
    def _open_existing(self) -> None:
        s = self.store
        dim = s.get_meta("visual_dim")
        if dim is not None and dim != self.visual_dim:
            raise VStreamError(f"session {s.folder} was made with {dim}-d embeddings (another backend); use a new --session folder")
        s.set_meta("visual_dim", self.visual_dim)
        s.set_meta("text_dim", self.embedder.dim)
        for e in s.entries():
            if e.payload_ref and s.read_payload(e.payload_ref) is None:
                log.warning("entry %d: payload failed its checksum (torn write); kept without payload", e.id)
                e.payload_ref = ""
                s.update_entry(e)
            self.levels[e.level].append(e)
            self.bytes[e.level] += e.nbytes
            self._count_live(e.payload_ref, +1)
        for ev in s.evidence():
            self._evidence.append(ev)
            self._evidence_bytes[ev.id] = ev.nbytes + 4 * self.embedder.dim
            self._content[ev.id] = ev.content
        idx = SessionIndexes.open(s, self.visual_dim, self.embedder.dim)
        self.visual_index, self.evidence_index, self.rebuilt = idx.visual, idx.evidence, idx.rebuilt
        self._indexes = idx

    # ---- adding ------------------------------------------------------------------------------------
    def add_frame(self, rec: FrameRecord, evidence: list[Evidence] = ()) -> MemoryEntry | None:
        """One transaction: the frame's entry, then its evidence rows (new ones point at the
        entry), then maintenance."""
        if rec.ts < self.floor - 1e-6:
            return None  # resumed session: this frame is stored already
        with self.lock:
            entry = self._transaction(lambda: self._insert_frame(rec, evidence), rec.ts)
        if time.monotonic() - self._last_save >= self.cfg.index_save_s:
            self.save_indexes()
        if self.store.blobs.active != self._compacted_at:
            self.compact()  # a segment was closed: keep closed segments at least half live
        return entry

    def put_evidence(self, rows: list[Evidence], now: float | None = None) -> None:
        """Insert new rows (id 0) and store changes to known ones; one transaction."""
        rows = [ev for ev in rows if ev.id or ev.t_start >= self.floor - 1e-6]
        if not rows:
            return
        with self.lock:
            self._transaction(lambda: [self._put(ev) for ev in rows], now)

    def _transaction(self, work, now: float | None):
        s = self.store
        s.begin()
        try:
            out = work()
            if now is not None:
                self._maintain(now)
            s.commit()
        except BaseException:
            s.rollback()
            raise
        self._unlink_doomed()
        self.peak_bytes = max(self.peak_bytes, self.total_bytes)
        return out

    def _unlink_doomed(self) -> None:
        """Unlink segments freed by the transaction just committed. Never before the commit: a
        crash between would roll the rows back to payloads whose file is gone."""
        for seg in sorted(self._doomed):
            if self.live.get(seg, 0) <= 0 and seg != self.store.blobs.active:
                self.store.blobs.unlink(seg)
                self.live.pop(seg, None)
        self._doomed.clear()

    def last_time(self) -> float:
        """The end of the latest stored entry or evidence row (0.0 for an empty session)."""
        with self.lock:
            entries = max((e.t_end for level in self.levels.values() for e in level), default=0.0)
            return max(entries, max((ev.t_end for ev in self._evidence), default=0.0))

    def _insert_frame(self, rec: FrameRecord, evidence) -> MemoryEntry:
        payload = Payload({"tokens": rec.tokens, **rec.extra_arrays}, {"index": rec.token_index, **rec.extra_ints}, rec.grid)
        if not self.cfg.store_kv:
            payload = _tokens_only(payload)
        e = MemoryEntry(0, WORKING, rec.ts, rec.ts + rec.duration, rec.embedding, "", 0, "frame", 0, rec.labels,
                        rec.scene_change, rec.kept_ratio, self.camera)
        self._write(e, payload, Codec.FP16, new=True)
        self.levels[WORKING].append(e)
        for ev in evidence:
            ev.entry_id = ev.entry_id or e.id
            self._put(ev)
        return e

    def _put(self, ev: Evidence) -> None:
        ev.content = ev.content[: self.cfg.max_text_chars]
        if not ev.camera:
            ev.camera = self.camera
        if ev.id and ev.id not in self._evidence_bytes:
            return  # evicted for the budget while its sense still updates it: stays gone
        if not ev.entry_id:
            ev.entry_id = self._entry_at(ev.t_start)
        changed = self._content.get(ev.id) != ev.content
        vec = self._vector(embed_key(ev)) if changed else None
        if ev.id == 0:
            ev.id = self.store.insert_evidence(ev, vec)
            bisect.insort(self._evidence, ev, key=lambda x: (x.t_start, x.id))
        else:
            self.store.update_evidence(ev, vec)
        if changed:
            self.evidence_index.remove([ev.id])
            self.evidence_index.add([ev.id], vec[None])
            self._content[ev.id] = ev.content
        self._evidence_bytes[ev.id] = ev.nbytes + 4 * self.embedder.dim

    def _entry_at(self, t: float) -> int:
        """The entry covering stream time t (the latest one when t is past them all)."""
        best = 0
        for level in (WORKING, SHORT, LONG):
            for e in self.levels[level]:
                if e.t_start <= t + 1e-6:
                    if e.t_end >= t or not best:
                        best = e.id
        return best

    def _vector(self, text: str) -> np.ndarray:
        """The text's embedding, from a 512-entry LRU (evidence repeats: counts, track lines)."""
        vec = self._vectors.get(text)
        if vec is None:
            vec = self.embedder.embed([text])[0]
            self._vectors[text] = vec
            if len(self._vectors) > 512:
                self._vectors.popitem(last=False)
        return vec

    def _write(self, e: MemoryEntry, payload: Payload | None, codec: Codec, new: bool) -> None:
        """Store the payload, size the entry, upsert its row and visual vector."""
        blob = payload.encode(codec) if payload is not None else b""
        if not new:
            self._release(e.payload_ref)
        e.payload_ref = str(self.store.blobs.put(blob)) if blob else ""
        self._count_live(e.payload_ref, +1)
        old = 0 if new else e.nbytes
        e.nbytes = len(blob) + 4 * self.visual_dim + 16 * len(e.labels)
        if new:
            e.id = self.store.insert_entry(e)
        else:
            self.store.update_entry(e)
            self.visual_index.remove([e.id])
        self.visual_index.add([e.id], e.embedding[None])
        self.bytes[e.level] += e.nbytes - old

    def _payload(self, e: MemoryEntry) -> Payload | None:
        blob = self.store.read_payload(e.payload_ref)
        return Payload.decode(blob) if blob else None

    # ---- policy ------------------------------------------------------------------------------------
    @property
    def evidence_bytes(self) -> int:
        return sum(self._evidence_bytes.values())

    @property
    def total_bytes(self) -> int:
        return sum(self.bytes.values()) + self.evidence_bytes

    def _usage(self) -> Usage:
        return Usage(dict(self.bytes), self.evidence_bytes, len(self._evidence))

    def _maintain(self, now: float) -> None:
        while True:
            usage = self._usage()
            step = next_step(self.levels, usage, now, self.cfg)
            if step is None:
                return
            self.steps[step.action] += 1
            if usage.total > self.cfg.budget_bytes and not self._routine(usage, now):
                self.steps_relief[step.action] += 1
            self._apply(step)

    def _routine(self, usage: Usage, now: float) -> bool:
        """Whether one of the policy's age/share rules (next_step's first three) applies, i.e.
        the step is not budget relief. Only for the step counters."""
        work, short, cfg = self.levels[WORKING], self.levels[SHORT], self.cfg
        return bool((work and work[0].t_end < now - cfg.working_s) or (short and short[0].t_end < now - cfg.short_s)
                    or (usage.level_bytes[SHORT] > cfg.short_share * cfg.budget_bytes and len(short) >= 2))

    def _apply(self, step: Step) -> None:
        if step.action is Action.DEMOTE:
            self._demote(self.levels[WORKING][step.index])
        elif step.action is Action.FOLD:
            self._fold(self.levels[SHORT][step.index])
        elif step.action is Action.MERGE:
            self._merge_pair(step.level, step.index)
        else:
            self._drop_evidence()

    def _demote(self, e: MemoryEntry) -> None:
        """Working frame → short-term clip: int8, KV kept (if any)."""
        self.levels[WORKING].remove(e)
        self.bytes[WORKING] -= e.nbytes
        payload = self._payload(e)
        e.level, e.kind = SHORT, "clip"
        self.bytes[SHORT] += e.nbytes
        self._write(e, payload, Codec.INT8, new=False)
        self.levels[SHORT].append(e)

    def _fold(self, c: MemoryEntry) -> None:
        """Short-term clip → long-term: joins the latest event, or starts a new one."""
        self.levels[SHORT].remove(c)
        self.bytes[SHORT] -= c.nbytes
        last = self.levels[LONG][-1] if self.levels[LONG] else None
        if joins_last_event(c, last, self.cfg):
            self._retire(c)
            self._combine(last, c, LONG)
            return
        payload = self._payload(c)
        c.level, c.kind = LONG, "event"
        if payload is not None:
            payload = summarize_tokens(_tokens_only(payload), self.cfg.event_tokens)
        self.bytes[LONG] += c.nbytes
        self._write(c, payload, Codec.INT8, new=False)
        self.levels[LONG].append(c)

    def _merge_pair(self, level: int, i: int) -> None:
        a, b = self.levels[level][i], self.levels[level][i + 1]
        self.levels[level].remove(b)
        self.bytes[level] -= b.nbytes
        self._retire(b)
        self._combine(a, b, level)

    def _drop_evidence(self) -> None:
        """Evict the rows of the lowest tier that has any, those that ended first (a tenth of
        them, at least one): rows still growing (a track in view) end last and go last."""
        rows = next(r for tier in DROP_TIERS if (r := [ev for ev in self._evidence if ev.kind in tier]))
        gone = sorted(rows, key=lambda ev: ev.t_end)[: max(1, len(rows) // 10)]
        ids = [ev.id for ev in gone]
        self.store.delete_evidence(ids)
        self.evidence_index.remove(ids)
        for ev in gone:
            self._evidence_bytes.pop(ev.id, None)
            self._content.pop(ev.id, None)
        dropped = set(ids)
        self._evidence = [ev for ev in self._evidence if ev.id not in dropped]

    def _retire(self, e: MemoryEntry) -> None:
        """Delete an entry that was merged into another (its payload is read before release)."""
        self.store.delete_entry(e.id)
        self.visual_index.remove([e.id])

    def _count_live(self, ref: str, sign: int) -> None:
        if ref:
            r = BlobRef.parse(ref)
            self.live[r.segment] = self.live.get(r.segment, 0) + sign * r.length

    def _release(self, ref: str) -> None:
        """A payload is no longer referenced; unlink its segment once nothing there is live."""
        if not ref:
            return
        self._count_live(ref, -1)
        seg = BlobRef.parse(ref).segment
        if self.live.get(seg, 0) <= 0:
            self._doomed.add(seg)

    def compact(self, min_live_ratio: float = 0.5) -> int:
        """Rewrite the live payloads of closed segments less than half live (long-lived events
        pin old segments otherwise) into the active one, then unlink them: closed segments stay
        within 2x the live payload bytes. Runs when a segment closes. Returns segments freed."""
        blobs = self.store.blobs
        with self.lock:
            sparse = {seg for seg in blobs.segments()
                      if seg != blobs.active and self.live.get(seg, 0) < min_live_ratio * blobs.segment_size(seg)}
            moving = [e for e in self.entries() if e.payload_ref and BlobRef.parse(e.payload_ref).segment in sparse]
            if moving:
                self.store.begin()
                for e in moving:
                    blob = self.store.read_payload(e.payload_ref)
                    self._count_live(e.payload_ref, -1)
                    e.payload_ref = str(blobs.put(blob)) if blob else ""
                    self._count_live(e.payload_ref, +1)
                    self.store.update_entry(e)
                self.store.commit()  # the rows point at the copies before the old files go
            for seg in sparse:
                blobs.unlink(seg)
                self.live.pop(seg, None)
            self._compacted_at = blobs.active
        return len(sparse)

    def _combine(self, a: MemoryEntry, b: MemoryEntry, level: int) -> None:
        """Merge b (later) into a, in place: union span, weighted embedding and labels, merged
        tokens; b's evidence now points at a."""
        wa, wb = a.merges + 1, b.merges + 1
        pa, pb = self._payload(a), self._payload(b)
        if pa is not None and pb is not None:
            merged = merge_tokens(_tokens_only(pa), _tokens_only(pb))
        else:
            merged = pa or pb
        if merged is not None and level == LONG:
            merged = summarize_tokens(merged, self.cfg.event_tokens)
        a.t_start, a.t_end = min(a.t_start, b.t_start), max(a.t_end, b.t_end)
        a.embedding = merged_embedding(a.embedding, wa, b.embedding, wb)
        a.labels = merge_labels(a.labels, b.labels, wa, wb)
        a.merges += b.merges + 1
        a.kept_ratio = (wa * a.kept_ratio + wb * b.kept_ratio) / (wa + wb)
        self.store.repoint_evidence([b.id], a.id)
        for ev in self._evidence:
            if ev.entry_id == b.id:
                ev.entry_id = a.id
        self._write(a, merged, Codec.INT8, new=False)
        self._release(b.payload_ref)
        self.merges += 1

    # ---- persistence -------------------------------------------------------------------------------
    def record_event(self, event: Event) -> None:
        with self.lock:
            self.store.add_event(event)

    def save_indexes(self) -> None:
        with self.lock:
            self.store.commit()
            self._indexes.visual, self._indexes.evidence = self.visual_index, self.evidence_index
            self._indexes.save(self.store.folder)
        self._last_save = time.monotonic()

    def close(self) -> None:
        with self.lock:
            self.save_indexes()
            self.store.set_meta("closed_cleanly", True)
            self.store.close()

    # ---- reading (the MemoryView protocol of retrieval) ---------------------------------------------
    def entries(self) -> list[MemoryEntry]:
        with self.lock:
            return sorted(self.levels[WORKING] + self.levels[SHORT] + self.levels[LONG], key=lambda e: e.t_start)

    def evidence(self, kind: EvidenceKind | None = None) -> list[Evidence]:
        with self.lock:
            return [ev for ev in self._evidence if kind is None or ev.kind is kind]

    def events(self, kind: EventKind | None = None) -> list[Event]:
        with self.lock:
            return [e for _, e in self.store.events(kind)]

    def payload(self, e: MemoryEntry) -> Payload | None:
        with self.lock:
            return self._payload(e)

    def level_report(self) -> dict:
        return {LEVEL_NAMES[lv]: {"entries": len(self.levels[lv]), "bytes": self.bytes[lv]} for lv in (WORKING, SHORT, LONG)}


def _tokens_only(p: Payload) -> Payload:
    """Merged clips keep tokens, not KV: concatenated KV would not shrink, and the tokens can be
    prefilled again when a merged clip is retrieved."""
    return Payload({k: v for k, v in p.arrays.items() if k == "tokens"},
                   {k: v for k, v in p.ints.items() if k == "index"}, p.grid)
