"""The hierarchical memory: working → short-term → long-term, under a byte budget, persisted.

Policy (DESIGN.md §6), applied after every added frame:
  level 0 working     last `working_s` of frames, full detail (fp16 kept tokens, KV blocks)
  level 1 short-term  clips, int8; over its share → merge the most similar adjacent pair
  level 2 long-term   events split at scene cuts (and every `event_max_s`), a few summary tokens +
                      text; over its share → merge the adjacent pair of lowest penalty
                      (dissimilarity + merge count - age, after StreamForest)
Total bytes (payloads + embeddings + text) never exceed the budget: the loop below runs until
they fit, whatever the stream length. Merges take the union of adjacent spans, so the entries
keep covering the stream. On-screen text lines are kept as TextSpans with their own times,
repointed (never lost) when their entry merges, so text citations stay exact.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import numpy as np

from memory.blobs import BlobRef
from memory.merge import merge_labels, merge_text, merge_tokens, merged_embedding, summarize_tokens
from memory.payload import Payload
from memory.quant import Codec
from memory.store import SessionStore
from retrieval.embedder import TextEmbedder
from retrieval.index import VectorIndex
from vstream.config import MemoryConfig
from vstream.types import EncodedFrame, Event, MemoryEntry, TextSpan

log = logging.getLogger(__name__)

WORKING, SHORT, LONG = 0, 1, 2
LEVEL_NAMES = {WORKING: "working", SHORT: "short_term", LONG: "long_term"}
_TEXT_SPAN_BYTES = 32  # row overhead counted per text span, plus its characters


def format_labels(labels) -> str:
    return ", ".join(f"{name}:{p:.2f}" for name, p in labels)


def entry_text(labels: str, ocr: str) -> str:
    """The searchable text of an entry: what the classifier saw, then what was written."""
    names = ", ".join(item.rpartition(":")[0] for item in labels.split(", ") if item)
    parts = ([f"scene: {names}"] if names else []) + ([f"text: {line}" for line in ocr.splitlines()] if ocr else [])
    return "\n".join(parts)


class TextTracker:
    """Turns OCR results into TextSpans: a line starts when the patches under it first changed
    (`text_onsets`; else the first change anywhere since the previous run, `text_since`) and
    ends likewise when an OCR run no longer sees it."""

    def __init__(self):
        self.active: dict[str, TextSpan] = {}

    # below this share of changed tokens a frame shows what the previous one showed
    UNCHANGED = 0.02

    def update(self, enc: EncodedFrame, entry_id: int) -> tuple[list[TextSpan], list[TextSpan]]:
        """(new spans, spans whose end moved). Between OCR runs, a frame where nothing changed
        still shows the active lines, so their spans extend to it; after a change, they wait
        for the next OCR run to say whether the text is still there."""
        if not enc.ocr_ran:
            if enc.kept_ratio >= self.UNCHANGED or not self.active:
                return [], []
            for span in self.active.values():
                span.t_end = enc.frame_ts
            return [], list(self.active.values())
        lines = set(enc.text.splitlines())
        since = enc.text_since if enc.text_since is not None else enc.frame_ts
        moved = []
        for line, span in list(self.active.items()):
            if line in lines:
                span.t_end = enc.frame_ts
            else:  # gone since the change under its box (or, without one, any change)
                span.t_end = max(span.t_start, enc.text_ends.get(line, since))
                del self.active[line]
            moved.append(span)
        new = []
        for line in sorted(lines - set(self.active)):
            span = TextSpan(0, entry_id, line, enc.text_onsets.get(line, since), enc.frame_ts)
            self.active[line] = span
            new.append(span)
        return new, moved


class HierarchicalMemory:
    """Owns a session folder for writing. `add(enc)` after each encoded frame."""

    def __init__(self, folder: str | Path, cfg: MemoryConfig, embedder: TextEmbedder, visual_dim: int,
                 fps: float = 2.0):
        self.cfg = cfg
        self.store = SessionStore(folder)
        self.embedder = embedder
        self.visual_dim = visual_dim
        self.frame_s = 1.0 / fps
        self.levels: dict[int, list[MemoryEntry]] = {WORKING: [], SHORT: [], LONG: []}
        self.bytes = {WORKING: 0, SHORT: 0, LONG: 0}
        self.text_bytes = 0
        self.text_tracker = TextTracker()
        self.visual_index = VectorIndex(visual_dim)
        self.text_index = VectorIndex(embedder.dim)
        self.merges = 0
        self.peak_bytes = 0
        self._last_save = time.monotonic()
        self._text_cache: tuple[str, np.ndarray] | None = None
        self.live: dict[int, int] = {}  # blob segment → live payload bytes (garbage collection)
        # Ingest writes, the responder reads (entries, texts, events, indexes) on another thread.
        self.lock = threading.RLock()
        self._open_existing()

    # ---- opening / crash recovery ----------------------------------------------------------------
    def _open_existing(self) -> None:
        s = self.store
        dim = s.get_meta("visual_dim")
        if dim is not None and dim != self.visual_dim:
            from vstream.errors import VStreamError

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
        self.text_bytes = sum(len(t.text) + _TEXT_SPAN_BYTES for t in s.texts())
        self._load_indexes()

    def _index_paths(self) -> tuple[Path, Path]:
        return self.store.folder / "visual.faiss", self.store.folder / "text.faiss"

    def _load_indexes(self) -> None:
        """Load the saved FAISS files; rebuild from SQLite when they disagree with it (after a
        crash the index lags the database by up to index_save_s)."""
        vpath, tpath = self._index_paths()
        vids, vvecs = self.store.visual_embeddings()
        tids, tvecs = self.store.text_embeddings()
        self.rebuilt = []
        for name, path, dim, ids, vecs in (("visual", vpath, self.visual_dim, vids, vvecs),
                                            ("text", tpath, self.embedder.dim, tids, tvecs)):
            idx = VectorIndex.load(path, dim) if path.exists() else None
            if idx is None or set(idx.ids().tolist()) != set(ids.tolist()):
                idx = VectorIndex(dim)
                if len(ids):
                    idx.add(ids, vecs)
                if path.exists() or len(ids):
                    self.rebuilt.append(name)
            setattr(self, f"{name}_index", idx)

    # ---- adding ------------------------------------------------------------------------------------
    def add(self, enc: EncodedFrame, kv=None) -> MemoryEntry:
        with self.lock:
            return self._add(enc, kv)

    def _add(self, enc: EncodedFrame, kv) -> MemoryEntry:
        s = self.store
        s.begin()
        try:
            entry = self._insert_frame(enc, kv)
            self._maintain(enc.frame_ts)
            s.commit()
        except BaseException:
            s.rollback()
            raise
        if time.monotonic() - self._last_save >= self.cfg.index_save_s:
            self.save_indexes()
            self.compact()
        self.peak_bytes = max(self.peak_bytes, self.total_bytes)
        return entry

    def _insert_frame(self, enc: EncodedFrame, kv) -> MemoryEntry:
        idx = enc.kept.nonzero().flatten().numpy().astype(np.int32)
        payload = Payload({"tokens": enc.tokens[enc.kept].numpy()}, {"index": idx}, enc.grid)
        if kv is not None and self.cfg.store_kv:
            payload.ints["kv_next"] = np.array([kv.next_position], np.int32)
            for layer, (k, v) in enumerate(zip(kv.keys, kv.values)):
                payload.arrays[f"kv.k{layer}"] = k.float().numpy()
                payload.arrays[f"kv.v{layer}"] = v.float().numpy()
        labels = format_labels(enc.labels)
        text = entry_text(labels, enc.text)[: self.cfg.max_text_chars]
        e = MemoryEntry(0, WORKING, enc.frame_ts, enc.frame_ts + self.frame_s, enc.embedding, text, "", 0,
                        "frame", 0, labels, enc.scene_change, enc.kept_ratio)
        self._write(e, payload, Codec.FP16, new=True)
        new, moved = self.text_tracker.update(enc, e.id)
        for span in new:
            span.id = self.store.insert_text(span)
            self.text_bytes += len(span.text) + _TEXT_SPAN_BYTES
        for span in moved:
            self.store.update_text(span)
        self.levels[WORKING].append(e)
        return e

    def _text_vector(self, text: str) -> np.ndarray | None:
        if not text:
            return None
        if self._text_cache is None or self._text_cache[0] != text:
            self._text_cache = (text, self.embedder.embed([text])[0])
        return self._text_cache[1]

    def _write(self, e: MemoryEntry, payload: Payload | None, codec: Codec, new: bool) -> None:
        """Store the payload, size the entry, upsert its row and index vectors."""
        blob = payload.encode(codec) if payload is not None else b""
        if not new:
            self._release(e.payload_ref)
        e.payload_ref = str(self.store.blobs.put(blob)) if blob else ""
        self._count_live(e.payload_ref, +1)
        tvec = self._text_vector(e.text)
        old = 0 if new else e.nbytes
        e.nbytes = len(blob) + 4 * self.visual_dim + (4 * self.embedder.dim if tvec is not None else 0) + len(e.text.encode())
        if new:
            e.id = self.store.insert_entry(e, tvec)
        else:
            self.store.update_entry(e, tvec, keep_text_embedding=False)
            self.visual_index.remove([e.id])
            self.text_index.remove([e.id])
        self.visual_index.add([e.id], e.embedding[None])
        if tvec is not None:
            self.text_index.add([e.id], tvec[None])
        self.bytes[e.level] += e.nbytes - old

    def _payload(self, e: MemoryEntry) -> Payload | None:
        blob = self.store.read_payload(e.payload_ref)
        return Payload.decode(blob) if blob else None

    # ---- policy ------------------------------------------------------------------------------------
    @property
    def total_bytes(self) -> int:
        return sum(self.bytes.values()) + self.text_bytes

    def _maintain(self, now: float) -> None:
        cfg, budget = self.cfg, self.cfg.budget_bytes
        while self.levels[WORKING] and self.levels[WORKING][0].t_end < now - cfg.working_s:
            self._demote(self.levels[WORKING][0])
        while self.levels[SHORT] and self.levels[SHORT][0].t_end < now - cfg.short_s:
            self._fold(self.levels[SHORT][0])
        while self.bytes[SHORT] > cfg.short_share * budget and len(self.levels[SHORT]) >= 2:
            self._merge_short()
        while self.total_bytes > budget and self._relieve():
            pass

    def _relieve(self) -> bool:
        """One step that frees bytes, cheapest information loss first."""
        if len(self.levels[LONG]) >= 2:
            self._merge_long()
        elif len(self.levels[SHORT]) >= 2:
            self._merge_short()
        elif self.levels[SHORT]:
            self._fold(self.levels[SHORT][0])
        elif len(self.levels[WORKING]) >= 2:
            self._demote(self.levels[WORKING][0])
        else:
            return False
        return True

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
        """Short-term clip → long-term: joins the latest event unless a cut or event_max_s
        separates them."""
        self.levels[SHORT].remove(c)
        self.bytes[SHORT] -= c.nbytes
        last = self.levels[LONG][-1] if self.levels[LONG] else None
        if last is not None and not c.scene_change and c.t_end - last.t_start <= self.cfg.event_max_s:
            self._retire(c)
            self._combine(last, c, LONG)
            return
        payload = self._payload(c)
        c.level, c.kind = LONG, "event"
        if payload is not None:
            payload = summarize_tokens(Payload({"tokens": payload.arrays["tokens"]} if "tokens" in payload.arrays else {},
                                               {"index": payload.ints.get("index", np.zeros(0, np.int32))}, payload.grid),
                                       self.cfg.event_tokens)
        self.bytes[LONG] += c.nbytes
        self._write(c, payload, Codec.INT8, new=False)
        self.levels[LONG].append(c)

    def _merge_short(self) -> None:
        entries = self.levels[SHORT]
        pairs = [(i, float(entries[i].embedding @ entries[i + 1].embedding)) for i in range(len(entries) - 1)]
        # Prefer pairs inside one shot; across a cut only when nothing else is left.
        within = [p for p in pairs if not entries[p[0] + 1].scene_change] or pairs
        i = max(within, key=lambda p: p[1])[0]
        self._merge_pair(SHORT, i)

    def _merge_long(self) -> None:
        entries = self.levels[LONG]
        t_old, t_new = entries[0].t_mid, entries[-1].t_mid
        span = max(t_new - t_old, 1e-9)

        def penalty(i: int) -> float:
            a, b = entries[i], entries[i + 1]
            dissimilar = 1.0 - float(a.embedding @ b.embedding)
            recency = ((a.t_mid + b.t_mid) / 2 - t_old) / span  # 0 oldest … 1 newest
            return dissimilar + 0.1 * np.log1p(a.merges + b.merges) + 0.3 * recency

        i = min(range(len(entries) - 1), key=penalty)
        self._merge_pair(LONG, i)

    def _merge_pair(self, level: int, i: int) -> None:
        a, b = self.levels[level][i], self.levels[level][i + 1]
        self.levels[level].remove(b)
        self.bytes[level] -= b.nbytes
        self._retire(b)
        self._combine(a, b, level)

    def _retire(self, e: MemoryEntry) -> None:
        """Delete an entry that was merged into another (its payload is read before release)."""
        self.store.delete_entry(e.id)
        self._drop_vectors(e)

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
        if self.live.get(seg, 0) <= 0 and seg != self.store.blobs.active:
            self.store.blobs.unlink(seg)
            self.live.pop(seg, None)

    def compact(self, min_live_ratio: float = 0.25) -> int:
        """Rewrite the live payloads of mostly-dead segments (long-lived events pin old
        segments otherwise) so disk use tracks memory use. Returns segments freed."""
        blobs, freed = self.store.blobs, 0
        for seg in blobs.segments():
            size = blobs.segment_size(seg)
            if seg == blobs.active or size == 0 or self.live.get(seg, 0) / size >= min_live_ratio:
                continue
            self.store.begin()
            for e in self.entries():
                if e.payload_ref and BlobRef.parse(e.payload_ref).segment == seg:
                    blob = self.store.read_payload(e.payload_ref)
                    self._count_live(e.payload_ref, -1)
                    e.payload_ref = str(blobs.put(blob)) if blob else ""
                    self._count_live(e.payload_ref, +1)
                    self.store.update_entry(e)
            self.store.commit()
            blobs.unlink(seg)
            self.live.pop(seg, None)
            freed += 1
        return freed

    def _drop_vectors(self, e: MemoryEntry) -> None:
        self.visual_index.remove([e.id])
        self.text_index.remove([e.id])

    def _combine(self, a: MemoryEntry, b: MemoryEntry, level: int) -> None:
        """Merge b (later) into a, in place: union span, weighted embedding, merged tokens/text."""
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
        ocr = merge_text(_ocr_lines(a.text), _ocr_lines(b.text), self.cfg.max_text_chars)
        a.text = entry_text(a.labels, ocr)[: self.cfg.max_text_chars]
        a.merges += b.merges + 1
        a.kept_ratio = (wa * a.kept_ratio + wb * b.kept_ratio) / (wa + wb)
        self.store.repoint_texts([b.id], a.id)
        self._write(a, merged, Codec.INT8, new=False)
        self._release(b.payload_ref)
        self.merges += 1

    # ---- persistence -------------------------------------------------------------------------------
    def record_event(self, event: Event) -> None:
        with self.lock:
            self.store.add_event(event)

    def save_indexes(self) -> None:
        vpath, tpath = self._index_paths()
        self.visual_index.save(vpath)
        self.text_index.save(tpath)
        self._last_save = time.monotonic()

    def close(self) -> None:
        self.store.commit()
        self.save_indexes()
        self.store.set_meta("closed_cleanly", True)
        self.store.close()

    # ---- reporting ---------------------------------------------------------------------------------
    def entries(self) -> list[MemoryEntry]:
        with self.lock:
            return sorted(self.levels[WORKING] + self.levels[SHORT] + self.levels[LONG], key=lambda e: e.t_start)

    def texts(self) -> list[TextSpan]:
        with self.lock:
            return self.store.texts()

    def events(self, kind=None) -> list[Event]:
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
    return Payload({k: v for k, v in p.arrays.items() if k == "tokens"}, dict(p.ints), p.grid)


def _ocr_lines(text: str) -> str:
    return "\n".join(line[6:] for line in text.splitlines() if line.startswith("text: "))
