"""One running assistant (or a loaded session) behind the UI and the HTTP API. The logic lives
in vstream/; this only switches sources and adapts the Assistant's typed results for the two
surfaces: answers, alerts, the transcript (captions, WebVTT) and what the detector sees (boxes
drawn on frames, counts by class over time)."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memory.records import Box, Evidence, EvidenceKind, ObjectsData
from vstream.answer.compose import fmt_time
from vstream.assistant import Assistant, AssistantStats, TimelineItem
from vstream.config import Config
from vstream.demo import SAMPLE
from vstream.errors import VStreamError
from vstream.types import Answer, Event, EventKind

__all__ = ["SAMPLE", "Controller", "CountPoint", "ShownFrame", "draw_boxes", "count_series", "webvtt"]

# A caption stays under the video until this long after its segment ended: Whisper finishes a
# segment ~1-3 s after the voice stops (VAD pause + decode), which leaves 5+ s to read it.
CAPTION_S = 8.0
CAPTION_SEGMENTS = 2  # the latest two segments: the one just finished and the one before
# An OBJECTS row is "in view now" while its end is this close to the stream time (the sense
# sees 2 fps; 3 s covers a busy encoder falling a few frames behind).
CURRENT_S = 3.0
# An OBJECTS row spans frames with equal counts but keeps only its latest frame's boxes: they
# are drawn on a frame only when detected within this of it (people walk ~0.7 m/s: boxes from
# 2 s away would be off by a body width).
BOX_NEAR_S = 0.3
MAX_PLOT_ROWS = 400  # count plot: the latest 400 OBJECTS rows (800 points per class at most)


class Controller:
    def __init__(self, cfg: Config, session_root: str | Path | None = None):
        self.cfg = cfg
        self.session_root = Path(session_root) if session_root else None
        self.assistant: Assistant | None = None
        self.loaded = False  # the assistant holds a saved session (questions only)
        self._lock = threading.Lock()
        self.api_errors = 0

    # ---- sources -----------------------------------------------------------------------------------
    def start(self, source: str) -> str:
        source = (source or "").strip()
        if not source:
            raise VStreamError("give a source: an RTSP/HTTP URL, a file path, a webcam index, testsrc, or use the sample")
        with self._lock:
            session = None
            if self.session_root is not None:
                session = self.session_root / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
            cfg = dataclasses.replace(self.cfg, source=dataclasses.replace(self.cfg.source, source=source))
            a = Assistant(cfg, session=session)
            info = a.open()  # a bad source fails here, and the running one keeps running
            self._stop_locked()
            a.start_thread()
            self.assistant, self.loaded = a, False
        return f"{a.source}: {info.width}x{info.height}, {info.kind}"

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self.assistant is not None:
            self.assistant.stop()
            self.assistant = None

    def load(self, folder: str) -> str:
        with self._lock:
            a = Assistant(self.cfg)
            n = a.load(folder)
            self._stop_locked()
            self.assistant, self.loaded = a, True
        return f"loaded {folder}: {n} entries"

    @property
    def session(self) -> Path | None:
        return self.assistant.session if self.assistant is not None else None

    # ---- questions ---------------------------------------------------------------------------------
    def ask(self, question: str, previous: str | None = None) -> Iterator[str | Answer]:
        """`previous`: the user's question before this one in the chat (follow-ups: "who said that?")."""
        if self.assistant is None:
            raise VStreamError("nothing is running: start a source (or load a session) first")
        yield from self.assistant.ask(question, previous=previous)

    # ---- watches and events ---------------------------------------------------------------------------
    def watch(self, text: str) -> str:
        if self.assistant is None or self.loaded:
            raise VStreamError("start a source before adding a watch")
        w = self.assistant.watch(text)
        return f"watch {w.id}: {w.kind.value} {w.target!r}".strip()

    def unwatch(self, watch_id: int) -> bool:
        return self.assistant is not None and self.assistant.unwatch(watch_id)

    def watches(self) -> list[dict]:
        return [w.to_json() for w in self.assistant.watches()] if self.assistant else []

    def alerts(self, limit: int = 50) -> list[Event]:
        if self.assistant is None:
            return []
        return self.assistant.history((EventKind.WATCH, EventKind.PROACTIVE, EventKind.SOURCE, EventKind.WARNING), limit)

    def subscribe(self):
        if self.assistant is None:
            raise VStreamError("nothing is running: start a source first")
        return self.assistant.events()

    # ---- views ---------------------------------------------------------------------------------------
    def stats(self) -> AssistantStats | None:
        return self.assistant.stats() if self.assistant is not None else None

    @property
    def state(self) -> str:
        if self.assistant is None:
            return "idle"
        return "loaded session" if self.loaded else self.assistant.state

    def timeline(self) -> list[TimelineItem]:
        return self.assistant.timeline() if self.assistant is not None else []

    def latest_frame(self):
        return self.assistant.latest_frame() if self.assistant else None

    def frame_at(self, t: float):
        return self.assistant.frame_at(t) if self.assistant else None

    def shown_frame(self, t: float) -> ShownFrame | None:
        """The stored thumbnail nearest t, its own time and the boxes seen then."""
        path = self.frame_at(t)
        if not path:
            return None
        path = Path(path)
        ts = int(path.stem) / 1000  # ThumbnailStore names each JPEG by its stream ms
        row, boxes_t = _boxes_near(self.evidence(EvidenceKind.OBJECTS), ts, 1.0 / self.cfg.source.fps)
        return ShownFrame(path, ts, row.data.boxes if row else (), boxes_t)

    def live_view(self, boxes: bool = True) -> np.ndarray | None:
        """The latest frame, with the current detections drawn on it when `boxes`."""
        frame = self.latest_frame()
        if frame is None or not boxes:
            return frame
        now = self.objects_now()
        return draw_boxes(frame, now.boxes) if now is not None else frame

    # ---- hearing -------------------------------------------------------------------------------------
    def evidence(self, kind: EvidenceKind) -> list[Evidence]:
        return self.assistant.evidence(kind) if self.assistant is not None else []

    def transcript(self) -> list[Evidence]:
        """Every transcript segment of the session, in time order."""
        return sorted(self.evidence(EvidenceKind.SPEECH), key=lambda e: (e.t_start, e.t_end))

    def transcript_vtt(self) -> str:
        if self.assistant is None:
            raise VStreamError("nothing is running: start a source (or load a session) first")
        return webvtt(self.transcript())

    def captions(self) -> list[Event]:
        """The latest transcript segments while they are recent (live sources only)."""
        s = self.stats()
        if s is None:
            return []
        recent = self._history((EventKind.SPEECH,), CAPTION_SEGMENTS)
        return [e for e in recent if float(e.payload.get("t_end", e.ts)) >= s.stream_s - CAPTION_S]

    def _history(self, kinds: tuple[EventKind, ...], limit: int) -> list[Event]:
        # Assistant.history iterates the bus's deque while ingest may append to it, which
        # CPython reports as RuntimeError; a retry sees a settled deque.
        for _ in range(3):
            try:
                return self.assistant.history(kinds, limit)
            except RuntimeError:
                time.sleep(0.001)
        return []

    # ---- seeing --------------------------------------------------------------------------------------
    def objects_now(self) -> ObjectsData | None:
        """What the detector sees in the latest frame (None: no detections recently or no detector)."""
        s = self.stats()
        rows = self.evidence(EvidenceKind.OBJECTS)
        if s is None or not rows:
            return None
        row = max(rows, key=lambda e: e.t_end)
        return row.data if row.t_end >= s.stream_s - CURRENT_S else None

    def objects_in_view(self) -> dict[str, int]:
        """Count now of every class seen this session (0 when out of view: a metric series
        should drop to 0, not vanish)."""
        seen = {label: 0 for r in self.evidence(EvidenceKind.OBJECTS) for label, _ in r.data.counts}
        now = self.objects_now()
        return seen | dict(now.counts if now is not None else ())

    def counts_text(self) -> str:
        """"person 2, car 1" (largest first), "" when nothing is detected now."""
        now = self.objects_now()
        if now is None or not now.counts:
            return ""
        return ", ".join(f"{label} {n}" for label, n in sorted(now.counts, key=lambda kv: (-kv[1], kv[0])))

    def count_series(self) -> list[CountPoint]:
        return count_series(self.evidence(EvidenceKind.OBJECTS))

    @staticmethod
    def cite_label(c) -> str:
        return f"{fmt_time(c.t_start)}–{fmt_time(c.t_end)}"


# ---- adapters (pure) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountPoint:
    """One point of the per-class count plot."""

    t: float
    label: str
    count: int


@dataclass(frozen=True)
class ShownFrame:
    """A stored frame shown for a cited time: its own stream time (within half a sampling period
    of the one asked for) and the boxes of the OBJECTS row nearest it. A row keeps only its
    latest boxes, so `boxes_t` says when they were seen (None: no detections near)."""

    path: Path
    t: float
    boxes: tuple[Box, ...]
    boxes_t: float | None


def _boxes_near(rows: Sequence[Evidence], t: float, period: float) -> tuple[Evidence | None, float | None]:
    """The OBJECTS row whose boxes were detected nearest t (within BOX_NEAR_S), and when. A row's
    end is its last frame's time + one sampling period."""
    best, best_t, gap = None, None, BOX_NEAR_S
    for row in rows:
        seen = max(row.t_start, row.t_end - period)
        if abs(seen - t) <= gap:
            best, best_t, gap = row, seen, abs(seen - t)
    return best, best_t


# RGB colours (Tableau 10): one per class, chosen by a stable hash of its name.
_PALETTE = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
            (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))


def box_colour(label: str) -> tuple[int, int, int]:
    return _PALETTE[sum(label.encode()) % len(_PALETTE)]


def draw_boxes(image: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
    """A copy of the [H, W, 3] RGB image with each box (frame fractions) outlined in its class
    colour and labelled "person #3 0.87"."""
    import cv2

    out = np.ascontiguousarray(image).copy()
    h, w = out.shape[:2]
    thick = max(1, round(w / 320))  # 1 px on the 320 px thumbnails, 2 px from 640 px
    for b in boxes:
        p0 = (int(round(b.x0 * (w - 1))), int(round(b.y0 * (h - 1))))
        p1 = (int(round(b.x1 * (w - 1))), int(round(b.y1 * (h - 1))))
        colour = box_colour(b.label)
        cv2.rectangle(out, p0, p1, colour, thick)
        tag = b.label + (f" #{b.track_id}" if b.track_id is not None else "") + f" {b.score:.2f}"
        cv2.putText(out, tag, (p0[0] + 2, max(10, p0[1] - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.3 * thick, colour, 1, cv2.LINE_AA)
    return out


def count_series(rows: Sequence[Evidence], max_rows: int = MAX_PLOT_ROWS) -> list[CountPoint]:
    """Counts by class over time from OBJECTS rows: each row (constant counts over its span) gives
    a point at its start and its end for every class seen, 0 where the class is absent."""
    rows = sorted(rows, key=lambda e: e.t_start)[-max_rows:]
    classes = sorted({label for r in rows for label, _ in r.data.counts})
    out = []
    for r in rows:
        counts = dict(r.data.counts)
        for t in (r.t_start, max(r.t_end, r.t_start)):
            out += [CountPoint(round(t, 2), c, counts.get(c, 0)) for c in classes]
    return out


def vtt_time(t: float) -> str:
    """Seconds → WebVTT's HH:MM:SS.mmm."""
    ms = int(round(max(0.0, t) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def vtt_text(text: str) -> str:
    """Cue text: one line (a blank line would end the cue), &, < and > escaped (so "-->" and
    markup cannot appear)."""
    one_line = " ".join(text.split())
    return one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(rows: Sequence[Evidence]) -> str:
    """A WebVTT document with one cue per transcript segment (ids 1..n, times in stream seconds)."""
    cues = []
    for i, e in enumerate(rows, 1):
        end = max(e.t_end, e.t_start + 0.001)  # a cue must end after it starts
        cues.append(f"{i}\n{vtt_time(e.t_start)} --> {vtt_time(end)}\n{vtt_text(e.content) or '…'}\n")
    return "WEBVTT\n\n" + "\n".join(cues)
