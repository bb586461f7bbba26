"""Questions, watches and views across several cameras, each its own session folder written by
its own ingest process (vstream/cameras.py). This side only reads: one `SessionReader` per
camera (SQLite WAL; `refresh()` picks up new commits) and one `AnswerEngine` over it.

    cams = CameraSet({"door": Path("s/door"), "yard": Path("s/yard")}, runner.status)
    cams.answer("which camera saw a person after 10:00?")   # Answer; citations are CameraSpans
    cams.watch("tell me when a person appears", camera="door"); cams.poll()  # alerts on cams.bus

Rules:
- a camera named in the question ("…in the yard?", "…the door camera…") selects it, else an
  explicit `camera=`; otherwise every camera is asked;
- clock times in a question ("after 10:00", "at 9:30 pm") are times of day when the camera's
  session knows its wall clock (a live source, or a file played at 1x), else stream times;
- merge: cameras whose answers cite evidence are kept, most recent evidence first (earliest
  first for "first" questions); when none cites anything the answer says so for all N;
- citations name the camera and its time of day ("door @ 10:02:03–10:02:05"), or its stream time
  when the wall clock is unknown.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from memory.reader import SessionReader
from memory.records import Event, EventKind, Evidence, EvidenceKind, ObjectsData, Span
from memory.store import SessionStore
from vstream.answer.answerers import Answerer
from vstream.answer.compose import fmt_time
from vstream.answer.engine import AnswerEngine
from vstream.answer.query import analyze, check_question, plural
from vstream.cameras import CameraHeartbeat, CameraState, CameraStatus
from vstream.errors import VStreamError
from vstream.events import EventBus
from vstream.types import Answer
from vstream.watches import Watch, WatchKind, WatchSet, parse_watch, text_matches

# A heartbeat older than this means the ingest process is not beating (crashed, hung, stopped).
STALE_BEAT_S = 5.0
# An OBJECTS row is "in view now" while its end is this close to the camera's latest time.
CURRENT_S = 3.0
# Stored events forwarded to the camera event stream (alerts are made here, not stored).
FORWARDED = (EventKind.SOURCE, EventKind.WARNING, EventKind.ZONE, EventKind.SCENE_CHANGE)


# ---- time of day ---------------------------------------------------------------------------------------


def clock_text(wall: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall))


@dataclass(frozen=True)
class WallClock:
    """Stream time ↔ wall time of one session, from its epochs (meta "epochs": each run's start
    stream time and `started_wall`). Valid only when stream time runs at 1x: a live source or a
    file played at realtime (a file read at max speed has no time of day). Accuracy: the epoch
    is stamped before the models load, so wall times read ~1 s early on a warm machine."""

    anchors: tuple[tuple[float, float], ...] = ()  # (stream t, wall) at each epoch's first frame

    @staticmethod
    def of(store: SessionStore) -> WallClock:
        cfg = store.get_meta("config") or {}
        if (cfg.get("source") or {}).get("speed", "realtime") == "max" and not _live(store.get_meta("source") or ""):
            return WallClock()
        anchors = []
        for ep in store.get_meta("epochs") or []:
            s0 = ep["offset_s"] if ep["mode"] == "append" else ep["skip_before_s"] if ep["mode"] == "resume" else 0.0
            skipped = ep["skip_before_s"] if ep["mode"] == "resume" else 0.0  # a resumed file replays that much at 1x
            anchors.append((float(s0), float(ep["started_wall"]) + skipped))
        return WallClock(tuple(sorted(anchors)))

    @property
    def known(self) -> bool:
        return bool(self.anchors)

    def wall(self, t: float) -> float | None:
        if not self.anchors:
            return None
        s0, w0 = next((a for a in reversed(self.anchors) if a[0] <= t + 1e-6), self.anchors[0])
        return w0 + (t - s0)

    def stream(self, wall: float) -> float | None:
        """The stream time shown at `wall` (clamped to the session's start)."""
        if not self.anchors:
            return None
        s0, w0 = next((a for a in reversed(self.anchors) if a[1] <= wall), self.anchors[0])
        return max(0.0, s0 + (wall - w0))


def _live(source: str) -> bool:
    from vstream.sources import parse_source

    try:
        return parse_source(source).live
    except VStreamError:
        return False


_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap])\.?m\.?(?![a-z])|\b(\d{1,2}):(\d{2})(?::(\d{2}))?\b", re.I)


def _day_time(m: re.Match) -> tuple[int, int, int] | None:
    """(h, m, s) of a clock match; None for "9" without a colon or am/pm (not a clock)."""
    if m.group(4):
        h = int(m.group(1)) % 12 + (12 if m.group(4).lower() == "p" else 0)
        return h, int(m.group(2) or 0), int(m.group(3) or 0)
    return int(m.group(5)), int(m.group(6)), int(m.group(7) or 0)


def wall_of_day(hms: tuple[int, int, int], latest_wall: float, first_wall: float) -> float:
    """The wall time of h:m:s on the day of the camera's latest frame — or the day before when
    that is still after the latest frame but the day before falls inside the session (a question
    at 00:30 about "after 22:00" means last night)."""
    lt = time.localtime(latest_wall)
    day = time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, hms[0], hms[1], hms[2], 0, 0, -1))
    if day > latest_wall and day - 86400 >= first_wall:
        day -= 86400
    return day


def stream_clock(t: float) -> str:
    """Seconds → h:mm:ss, the form retrieval.timeparse reads as a stream time."""
    t = int(max(0.0, t))
    return f"{t // 3600}:{t % 3600 // 60:02d}:{t % 60:02d}"


def question_in_stream_time(question: str, clock: WallClock, now: float) -> str:
    """Times of day → this camera's stream times ("after 10:00" → "after 0:02:13"), from 0 (a time
    before the session is its start); unchanged when the camera has no wall clock (they are stream times then)."""
    if not clock.known:
        return question
    latest, first = clock.wall(now), clock.anchors[0][1]

    def repl(m: re.Match) -> str:
        hms = _day_time(m)
        if hms is None or hms[0] > 23 or hms[1] > 59 or hms[2] > 59:
            return m.group(0)
        return stream_clock(clock.stream(wall_of_day(hms, latest, first)))  # past `now`: an empty window

    return _CLOCK.sub(repl, question)


_STREAM_TIME = re.compile(r"(?<![\d:.])(?:(\d+):)?(\d{2}):(\d{2}\.\d)(?![\d])")


def text_in_wall_time(text: str, clock: WallClock) -> str:
    """The answer's stream times (fmt_time's mm:ss.s) as times of day, outside quoted text."""
    if not clock.known:
        return text

    def repl(m: re.Match) -> str:
        t = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
        return clock_text(clock.wall(t))

    parts = re.split(r"(“[^”]*”)", text)  # odd parts are quotes: what was read or said stays as it was
    return "".join(p if i % 2 else _STREAM_TIME.sub(repl, p) for i, p in enumerate(parts))


# ---- typed results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CameraSpan(Span):
    """A citation on one camera: its stream span and, when known, its time of day."""

    wall_start: float | None = None
    wall_end: float | None = None

    @property
    def label(self) -> str:
        if self.wall_start is not None:
            a, b = clock_text(self.wall_start), clock_text(self.wall_end)
        else:
            a, b = fmt_time(self.t_start), fmt_time(self.t_end)
        return f"{self.camera} @ {a}" + (f"–{b}" if b != a else "")

    def to_json(self) -> dict:
        out = super().to_json() | {"camera": self.camera, "label": self.label}
        if self.wall_start is not None:
            out.update(wall_start=round(self.wall_start, 3), wall_end=round(self.wall_end, 3))
        return out


@dataclass(frozen=True)
class CameraInfo:
    """What /v1/cameras and the grid show of one camera."""

    name: str
    state: str
    fps_asked: float | None
    fps_effective: float | None
    lag_p95_s: float | None
    degradation: str
    level: int
    restarts: int
    last_error: str
    stream_s: float
    entries: int
    node: str
    wall: float | None  # the last heartbeat's time

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class CameraWatch:
    id: int
    camera: str
    watch: Watch

    def to_json(self) -> dict:
        return self.watch.to_json() | {"id": self.id, "camera": self.camera}


@dataclass(frozen=True)
class CameraAnswer:
    camera: str
    answer: Answer
    latest: float  # the latest cited stream time (ordering)
    first: float  # the earliest cited stream time

    @property
    def cited(self) -> bool:
        return bool(self.answer.citations)


# ---- one camera ----------------------------------------------------------------------------------------


class Camera:
    """One camera's session, read live. Opened lazily: an ingest that is still starting has no
    session yet. Every read goes under `lock` (the API answers on worker threads)."""

    def __init__(self, name: str, folder: Path, answerer: Answerer | None = None):
        self.name, self.folder, self.answerer = name, Path(folder), answerer
        self.lock = threading.RLock()
        self.reader: SessionReader | None = None
        self.engine: AnswerEngine | None = None
        self.clock = WallClock()
        self.watches = WatchSet()
        self._seen_evidence = 0  # the last evidence / event id the watches have looked at
        self._seen_event = 0

    def open(self) -> bool:
        """True once the session is readable (refreshed)."""
        with self.lock:
            if self.reader is None:
                if not (self.folder / SessionStore.DB).exists():
                    return False
                try:
                    self.reader = SessionReader(self.folder)
                except VStreamError:
                    return False  # the writer is creating it right now; next time
                self.engine = AnswerEngine(self.reader, self.answerer)
                self._seen_evidence = max((ev.id for ev in self.reader.evidence()), default=0)
                self._seen_event = self._max_event_id()
            else:
                self.reader.refresh()
            self.clock = WallClock.of(self.reader.store)
            return True

    def _max_event_id(self) -> int:
        row = self.reader.store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()
        return int(row[0])

    @property
    def now(self) -> float:
        return self.engine.latest() if self.engine is not None else 0.0

    def answer(self, question: str) -> CameraAnswer:
        with self.lock:
            if not self.open():
                return CameraAnswer(self.name, Answer("no session yet: its ingest is starting.", [], 0.0, 0.0), 0.0, 0.0)
            now = self.now
            a = self.engine.answer(question_in_stream_time(question, self.clock, now), now)
            spans = [self.span(c) for c in a.citations]
            text = text_in_wall_time(a.text, self.clock)
        return CameraAnswer(self.name, Answer(text, spans, a.latency_s, a.ttft_s),
                            max((s.t_end for s in spans), default=0.0), min((s.t_start for s in spans), default=0.0))

    def span(self, s: Span) -> CameraSpan:
        return CameraSpan(s.t_start, s.t_end, s.entry_ids, self.name, self.clock.wall(s.t_start), self.clock.wall(s.t_end))

    def new_items(self) -> tuple[list[Evidence], list[Event]]:
        """Evidence rows and stored events committed since the last call."""
        with self.lock:
            if not self.open():
                return [], []
            rows = [ev for ev in self.reader.evidence() if ev.id > self._seen_evidence]
            events = self.reader.store.events(None, self._seen_event)
            self._seen_evidence = max([self._seen_evidence] + [ev.id for ev in rows])
            self._seen_event = max([self._seen_event] + [i for i, _ in events])
        return sorted(rows, key=lambda ev: (ev.t_start, ev.id)), [e for _, e in events]

    def objects_now(self) -> ObjectsData | None:
        with self.lock:
            if self.reader is None:
                return None
            rows = self.reader.evidence(EvidenceKind.OBJECTS)
            row = max(rows, key=lambda e: e.t_end, default=None)
            return row.data if row is not None and row.t_end >= self.now - CURRENT_S else None

    def latest_thumbnail(self) -> tuple[Path, float] | None:
        """The newest stored thumbnail (<session>/thumbs/<stream ms>.jpg) and its stream time."""
        best = None
        try:
            with os.scandir(self.folder / "thumbs") as it:
                for entry in it:
                    if entry.name.endswith(".jpg") and entry.name[:-4].isdigit() and (best is None or entry.name > best):
                        best = entry.name  # zero-padded: the largest name is the latest time
        except OSError:
            return None
        return (self.folder / "thumbs" / best, int(best[:-4]) / 1000) if best else None

    def close(self) -> None:
        with self.lock:
            if self.reader is not None:
                self.reader.close()
                self.reader = self.engine = None


# ---- watches on rows read back from a session ----------------------------------------------------------

# An ingest process has the frames; the server only sees stored rows. These kinds can be judged
# from rows: objects (OBJECTS rows), speech (SPEECH rows), zones (ZONE events) by WatchSet itself,
# text (TEXT rows: one per line read) and scene cuts (SCENE rows) here.
ROW_KINDS = (WatchKind.OBJECT, WatchKind.SPEECH, WatchKind.ZONE, WatchKind.TEXT, WatchKind.SCENE)


def row_alerts(w: Watch, rows: list[Evidence]) -> list[Event]:
    """TEXT and SCENE watches fed from stored rows (one check per row)."""
    out = []
    for ev in rows:
        if w.kind is WatchKind.TEXT and ev.kind is EvidenceKind.TEXT:
            hit, what = text_matches(w.target, ev.content) >= w.threshold, f"text “{ev.content}” appeared"
        elif w.kind is WatchKind.SCENE and ev.kind is EvidenceKind.SCENE:
            hit, what = True, "the scene changed"
        else:
            continue
        if w.observe(hit, ev.t_start):
            out.append(Event(EventKind.WATCH, ev.t_start, f"{what} at {fmt_time(ev.t_start)}",
                             {"watch_id": w.id, "kind": w.kind.value, "target": w.target, "onset": round(ev.t_start, 3),
                              "detected_at": round(ev.t_end, 3), "match": ev.content}))
    return out


def named_in(question: str, names: list[str]) -> list[str]:
    """Cameras the question names ("in the yard", "door camera", "front-door"), in camera order."""
    low = question.lower()
    return [n for n in names if re.search(rf"(?<![a-z0-9]){_name_pattern(n)}s?(?![a-z0-9])", low)]


def _name_pattern(name: str) -> str:
    return "[-_ ]".join(re.escape(p) for p in re.split(r"[-_]", name.lower()))


def without_cameras(question: str, names: list[str]) -> str:
    """The question with "in the yard" / "on the door camera" / "camera 2" removed, so the camera's
    name is not taken for something to look for."""
    q = question
    for n in names:
        pat = _name_pattern(n)
        q = re.sub(rf"\s*\b(?:(?:in|at|on|from|by|of|to)\s+)?(?:the\s+)?(?:{pat})s?(?:\s+(?:camera|cam))?(?![a-z0-9])",
                   "", q, flags=re.I)
    return re.sub(r"\s+([?.!,])", r"\1", q).strip() or question


# ---- the set -------------------------------------------------------------------------------------------


class CameraSet:
    """Every camera's session, read live; questions, watches, states and alerts across them.
    `status` is the runner's (ProcessRunner.status); without one, states come from the heartbeat
    files. `start()` runs the watch/event poller on a thread (`poll()` is one round of it)."""

    def __init__(self, folders: dict[str, Path], status: Callable[[], list[CameraStatus]] | None = None,
                 answerer: Answerer | None = None, poll_s: float = 0.5):
        if not folders:
            raise VStreamError("no cameras: give at least one --camera NAME=SOURCE")
        self.cameras = {name: Camera(name, Path(folder), answerer) for name, folder in folders.items()}
        self._status = status
        self.bus = EventBus()
        self.poll_s = poll_s
        self._watch_ids = itertools.count(1)
        self._watches: dict[int, CameraWatch] = {}
        self._states: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.answered = 0

    @property
    def names(self) -> list[str]:
        return list(self.cameras)

    def camera(self, name: str) -> Camera:
        if name not in self.cameras:
            raise VStreamError(f"no camera named {name!r}; cameras: {', '.join(self.cameras)}")
        return self.cameras[name]

    # ---- questions -------------------------------------------------------------------------------------
    def select(self, question: str, camera: str | None = None) -> tuple[list[str], str]:
        """(cameras to ask, the question to ask them): an explicit camera, else those the question
        names, else all."""
        if camera:
            return [self.camera(camera).name], question
        named = named_in(question, self.names)
        return (named, without_cameras(question, named)) if named else (self.names, question)

    def ask(self, question: str, camera: str | None = None) -> Iterator[str | Answer]:
        """Text pieces (one per camera line), then the merged Answer."""
        t0 = time.monotonic()
        names, asked = self.select(check_question(question), camera)
        answers = [self.cameras[n].answer(asked) for n in names]
        lines = merge_lines(answers, asked)
        ttft = time.monotonic() - t0
        for i, line in enumerate(lines):
            yield ("\n" if i else "") + line
        cited = [c for a in order(answers, asked) if a.cited for c in a.answer.citations]
        self.answered += 1
        yield Answer("\n".join(lines), cited, time.monotonic() - t0, ttft)

    def answer(self, question: str, camera: str | None = None) -> Answer:
        final = None
        for item in self.ask(question, camera):
            if isinstance(item, Answer):
                final = item
        return final

    # ---- states ----------------------------------------------------------------------------------------
    def statuses(self) -> list[CameraStatus]:
        if self._status is not None:
            by_name = {s.name: s for s in self._status()}
            return [by_name.get(n) or CameraStatus(n, CameraState.STARTING) for n in self.names]
        return [status_from_beat(n, c.folder) for n, c in self.cameras.items()]

    def infos(self) -> list[CameraInfo]:
        out = []
        for st in self.statuses():
            cam = self.cameras[st.name]
            with cam.lock:
                cam.open()
                entries = len(cam.reader.entries()) if cam.reader is not None else 0
                now = cam.now
            b = st.beat
            out.append(CameraInfo(st.name, st.state.value, b.fps_asked if b else None, b.fps_effective if b else None,
                                  b.lag_p95_s if b else None, b.policy if b else "", b.level if b else 0, st.restarts,
                                  st.last_error, round(b.stream_t if b else now, 2), entries, b.node if b else "",
                                  b.wall if b else None))
        return out

    def objects_in_view(self, name: str) -> dict[str, int]:
        """Count now of every class this camera has seen (0 when out of view)."""
        cam = self.camera(name)
        with cam.lock:
            rows = cam.reader.evidence(EvidenceKind.OBJECTS) if cam.reader is not None else []
            seen = {label: 0 for r in rows for label, _ in r.data.counts}
        now = cam.objects_now()
        return seen | dict(now.counts if now is not None else ())

    def latest_thumbnail(self, name: str) -> tuple[Path, float] | None:
        return self.camera(name).latest_thumbnail()

    # ---- watches and events ----------------------------------------------------------------------------
    def watch(self, text: str, camera: str | None = None) -> list[CameraWatch]:
        """One watch per selected camera (named in the text, or `camera`, else all)."""
        names = [self.camera(camera).name] if camera else (named_in(text, self.names) or self.names)
        probe = parse_watch(without_cameras(text, names) if not camera else text)
        if probe.kind not in ROW_KINDS:
            raise VStreamError(f"a {probe.kind.value} watch needs the camera's frames; on cameras watch for text, "
                               "speech, objects, zones or scene changes (e.g. tell me when a person appears)")
        out = []
        for n in names:
            w = self.cameras[n].watches.add(dataclasses.replace(probe))
            cw = CameraWatch(next(self._watch_ids), n, w)
            with self._lock:
                self._watches[cw.id] = cw
            out.append(cw)
        return out

    def unwatch(self, watch_id: int) -> bool:
        with self._lock:
            cw = self._watches.pop(watch_id, None)
        return cw is not None and self.cameras[cw.camera].watches.remove(cw.watch.id)

    def watches(self) -> list[CameraWatch]:
        with self._lock:
            return list(self._watches.values())

    def alerts(self, limit: int = 50) -> list[Event]:
        kinds = (EventKind.WATCH, EventKind.SOURCE, EventKind.WARNING)
        return [e for e in self.bus.recent() if e.kind in kinds][-limit:]

    def poll(self) -> list[Event]:
        """One round: new rows and stored events of every camera → alerts and forwarded events
        (camera-tagged) on `bus`; camera state changes too. Returns what it published."""
        out = self._state_changes()
        for cam in self.cameras.values():
            rows, events = cam.new_items()
            made = [e for e in events if e.kind in FORWARDED]
            made += cam.watches.check(None, rows, events) + [a for w in cam.watches.list() for a in row_alerts(w, rows)]
            out += [self._tag(cam, e) for e in sorted(made, key=lambda e: e.ts)]
        for e in out:
            self.bus.publish(e)
        return out

    def _tag(self, cam: Camera, e: Event) -> Event:
        payload = dict(e.payload, camera=cam.name)
        if e.kind is EventKind.WATCH:
            gid = self._global_id(cam.name, e.payload.get("watch_id"))
            payload["watch_id"] = gid if gid is not None else e.payload.get("watch_id")
        return dataclasses.replace(e, camera=cam.name, payload=payload, wall=cam.clock.wall(e.ts) or e.wall or time.time(),
                                   message=f"{cam.name}: {text_in_wall_time(e.message, cam.clock)}")

    def _global_id(self, camera: str, local_id) -> int | None:
        return next((cw.id for cw in self.watches() if cw.camera == camera and cw.watch.id == local_id), None)

    def _state_changes(self) -> list[Event]:
        out = []
        for st in self.statuses():
            if self._states.get(st.name) != st.state.value:
                self._states[st.name] = st.state.value
                msg = f"{st.name}: {st.state.value}" + (f" ({st.last_error})" if st.last_error else "")
                out.append(Event(EventKind.SOURCE, st.beat.stream_t if st.beat else 0.0, msg,
                                 {"state": st.state.value, "restarts": st.restarts, "camera": st.name},
                                 time.time(), st.name))
        return out

    def start(self) -> None:
        """Run `poll()` every `poll_s` on a thread (idempotent: the UI and the server may both ask)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="vstream-cameras", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.poll()
            except Exception as e:  # a session mid-write must not kill the poller; next round retries
                import logging

                logging.getLogger(__name__).warning("camera poll: %s", e)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for cam in self.cameras.values():
            cam.close()


def status_from_beat(name: str, folder: Path, now: float | None = None) -> CameraStatus:
    """A camera's state from its heartbeat file alone (no runner in this process)."""
    beat = CameraHeartbeat.read(folder)
    now = time.time() if now is None else now
    if beat is None:
        return CameraStatus(name, CameraState.STARTING if not (Path(folder) / SessionStore.DB).exists() else CameraState.STOPPED)
    if beat.state == "ended":
        state = CameraState.ENDED
    elif now - beat.wall > STALE_BEAT_S:
        state = CameraState.STOPPED
    else:
        state = CameraState.DEGRADED if beat.level > 0 else CameraState.RUNNING
    return CameraStatus(name, state, since=beat.wall, beat=beat)


# ---- merging answers -----------------------------------------------------------------------------------

_FIRST = re.compile(r"\b(first|earliest|initially|begin|began|start|started)\b")
_NEGATIVE = re.compile(r"^(no\b|no,|i haven't|i have not|i don't|i do not|i can't|i cannot|none|nothing)", re.I)


def positive(a: CameraAnswer) -> bool:
    return a.cited and not _NEGATIVE.match(a.answer.text.strip())


def order(answers: list[CameraAnswer], question: str) -> list[CameraAnswer]:
    """Positive cited answers first, then other cited ones, then the rest; within each, the most
    recent evidence first ("first" questions: the earliest first)."""
    first = bool(_FIRST.search(question.lower()))
    return sorted(answers, key=lambda a: (not positive(a), not a.cited, a.first if first else -a.latest))


def merge_lines(answers: list[CameraAnswer], question: str) -> list[str]:
    """One line per camera that cites evidence, then which cameras had nothing; or, when none
    did, "None of the N cameras saw …" and each camera's own words."""
    if len(answers) == 1:
        return [f"{answers[0].camera}: {answers[0].answer.text}"]
    ranked = order(answers, question)
    hits = [a for a in ranked if a.cited]
    if hits:
        lines = [f"{a.camera}: {a.answer.text}" for a in hits]
        missed = [a.camera for a in ranked if not a.cited]
        return lines + ([f"Nothing on {', '.join(missed)}."] if missed else [])
    names = ", ".join(a.camera for a in answers)
    head = f"None of the {len(answers)} cameras ({names}) saw {what_asked(question)}."
    return [head] + [f"{a.camera}: {a.answer.text}" for a in answers]


def what_asked(question: str) -> str:
    q = analyze(question, 0.0)
    if q.quoted:
        return f"“{q.quoted}”"
    if q.object_class:
        return f"any {plural(q.object_class, 2)}"
    return f"anything about “{q.target}”" if q.target else "that"
