"""The seeing sense: detector + ByteTrack tracker + zones → evidence rows and zone events.

Per frame the sense writes one OBJECTS row (counts by class, boxes, per-zone counts), touches
one TRACK row per confirmed track (created once, then the same object updated while the track
is seen: first-seen .. last-seen in stream seconds) and emits ZONE enter/leave events.
The detector runs only on frames that changed (Frigate's trick): on a static frame the last
boxes are reused but the tracker and the track times still advance.
"""

from __future__ import annotations

import warnings
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from memory.records import (
    Box,
    Event,
    EventKind,
    Evidence,
    EvidenceKind,
    Label,
    ObjectsData,
    TrackData,
)
from vstream.errors import ConfigError, require
from vstream.senses.detect import DEFAULT_CLASSES, DETECTORS, Detector, make_detector, timed_detect
from vstream.senses.fusion import AnimalHold, frame_filling, fuse

# ---- zones ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Zone:
    """A named polygon in frame fractions; an object is in it when its box's bottom-centre
    (where it stands) is inside."""

    name: str
    points: tuple[tuple[float, float], ...]

    def contains(self, x: float, y: float) -> bool:
        """Even-odd ray casting: a horizontal ray from (x, y) crosses the border an odd number of times."""
        inside = False
        pts = self.points
        for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
        return inside


def parse_zone(text: str) -> Zone:
    """`door:0.1,0.2,0.4,0.2,0.4,0.9,0.1,0.9` → Zone("door", 4 points). One-line ConfigError otherwise."""
    name, sep, coords = text.partition(":")
    hint = "write --zone NAME:x1,y1,x2,y2,x3,y3[,...] with at least 3 points as frame fractions 0..1"
    if not sep or not name.strip():
        raise ConfigError(f"zone {text!r} has no name; {hint}")
    try:
        values = [float(v) for v in coords.split(",")]
    except ValueError:
        raise ConfigError(f"zone {text!r} has a coordinate that is not a number; {hint}") from None
    if len(values) < 6 or len(values) % 2:
        raise ConfigError(f"zone {text!r} needs an even number of coordinates (>= 6); {hint}")
    if not all(0.0 <= v <= 1.0 for v in values):
        raise ConfigError(f"zone {text!r} has a coordinate outside 0..1; {hint}")
    return Zone(name.strip(), tuple(zip(values[::2], values[1::2])))


# ---- config and results -----------------------------------------------------------------------------


@dataclass
class ObjectsConfig:
    """Object detection, tracking and zones (issue #13)."""

    detector: str = "auto"  # auto | none | nanodet | hog (auto: nanodet when installed, else none + warning)
    score_min: float = 0.45  # NanoDet class score; 0.45: person recall 0.94, precision 0.98 on vtest.avi labels
    iou: float = 0.5  # NMS overlap
    classes: tuple[str, ...] = DEFAULT_CLASSES
    zones: tuple[str, ...] = ()  # "name:x1,y1,x2,y2,..." (frame fractions)
    fps: float = 2.0  # frames per second the sense sees (sets the tracker's lost buffer)
    track_lost_s: float = 3.0  # a track unseen this long ends (ByteTrack's lost buffer)
    # ByteTrack joins a track and a box when IoU x score >= 1 - track_match. Its default 0.8 is
    # for 30 fps: at 2 fps a walker moves half a box width between frames (IoU ~0.33, score ~0.8
    # → 0.27) and a new track, whose filter has no velocity yet, lost its walker on the next
    # frame: the QA people clip's woman, seen on every frame 6-20 s, became 1-frame pieces.
    # 0.95 still needs the boxes to overlap; the assignment picks the best pair.
    track_match: float = 0.95
    # Matching boxes grown by this many of their own widths/heights on every side (buffered IoU,
    # Yang et al. 2023, C-BIoU): ByteTrack confirms a new track only if its next box overlaps
    # the first one well (IoU x score >= 0.3, fixed in supervision), and a new track's filter
    # has no speed yet, so a walker moving ~1 box width per frame at 2 fps was never confirmed
    # (vtest.avi: the three people in view at 0 s got no track). Only the matching uses them.
    track_buffer: float = 0.5
    # A new track that starts where a track of the same class went missing (its last box moved
    # on at its speed, within this many box sizes) continues it: same id, same first-seen.
    stitch_dist: float = 2.0
    confirm_frames: int = 2  # a track becomes evidence after this many consecutive hits
    zone_frames: int = 2  # hysteresis: in/out must hold this many frames before it flips
    threads: int = 0  # torch threads for the detector (0: leave torch's setting)
    # Boxes reused on unchanged frames go stale when an object leaves in too few patches to
    # count as a change (a person stepping off the frame's edge stayed "in view" 5 s in the QA
    # people clip): with boxes to reuse, the detector runs again after this many seconds.
    refresh_s: float = 1.0

    def __post_init__(self) -> None:
        if self.detector not in DETECTORS:
            raise ConfigError(f"--detector {self.detector!r} is not valid; use one of: {', '.join(DETECTORS)}")
        if not 0.0 < self.score_min < 1.0:
            raise ConfigError(f"detector score_min {self.score_min} is out of range; use (0, 1), e.g. 0.45")
        if not 0.0 < self.fps <= 120 or not 0.0 < self.track_lost_s <= 600:
            raise ConfigError("objects fps must be in (0, 120] and track_lost_s in (0, 600]")
        if not 0.0 < self.refresh_s <= 600:
            raise ConfigError(f"objects refresh_s {self.refresh_s} is out of range; use (0, 600] seconds, e.g. 1.0")
        if not 0.0 < self.track_match < 1.0 or not 0.0 <= self.stitch_dist <= 10.0 or not 0.0 <= self.track_buffer <= 5.0:
            raise ConfigError("objects track_match must be in (0, 1), stitch_dist in [0, 10] box sizes, "
                              "track_buffer in [0, 5] box sizes")
        if not 1 <= self.confirm_frames <= 30 or not 1 <= self.zone_frames <= 30:
            raise ConfigError("confirm_frames and zone_frames must be 1..30")
        self.zone_list = tuple(parse_zone(z) for z in self.zones)
        if len({z.name for z in self.zone_list}) != len(self.zone_list):
            raise ConfigError("two --zone options share a name; give each zone its own name")


@dataclass(frozen=True)
class ObjectsStats:
    frames: int = 0
    detector_runs: int = 0
    reused_frames: int = 0  # unchanged frames: last boxes reused, detector not run
    detect_ms_total: float = 0.0
    last_detect_ms: float = 0.0
    tracks: int = 0  # confirmed tracks so far

    @property
    def detect_ms_mean(self) -> float:
        return self.detect_ms_total / self.detector_runs if self.detector_runs else 0.0


@dataclass(frozen=True)
class ObjectsUpdate:
    frame: Evidence | None  # OBJECTS row for this frame (None with --detector none)
    tracks: list[Evidence] = field(default_factory=list)  # TRACK rows created or updated now
    events: list[Event] = field(default_factory=list)  # ZONE enter/leave
    stats: ObjectsStats = ObjectsStats()


# ---- per-track state ------------------------------------------------------------------------------------


@dataclass
class _ZoneState:
    inside: bool = False
    streak: int = 0  # frames in a row that disagree with `inside`
    streak_ts: float = 0.0  # when that streak began: the event's time


@dataclass
class _Track:
    track_id: int
    first_seen: float
    last_seen: float
    labels: Counter = field(default_factory=Counter)
    zones_ever: list[str] = field(default_factory=list)
    zone_state: dict[str, _ZoneState] = field(default_factory=dict)
    evidence: Evidence | None = None
    last_box: Box | None = None
    first_box: Box | None = None
    velocity: tuple[float, float] = (0.0, 0.0)  # of the box centre, frame fractions per second

    def see(self, ts: float, box: Box) -> None:
        """A sighting: the time, the box and (from the last sighting) a smoothed velocity."""
        if self.last_box is not None and ts > self.last_seen:
            (x0, y0), (x1, y1), dt = _centre(self.last_box), _centre(box), ts - self.last_seen
            v = ((x1 - x0) / dt, (y1 - y0) / dt)
            self.velocity = (0.5 * (self.velocity[0] + v[0]), 0.5 * (self.velocity[1] + v[1]))
        self.last_seen, self.last_box = ts, box
        self.first_box = self.first_box or box

    def reach(self, ts: float, box: Box) -> float:
        """How far `box` is from where this track's last box would be at `ts`, in box sizes
        (widths across, heights up and down: the same for any frame shape); inf for another
        class or a box of a very different size."""
        last = self.last_box
        if last is None or box.label != self.label:
            return float("inf")
        w, h = max(last.x1 - last.x0, 1e-6), max(last.y1 - last.y0, 1e-6)
        if not 0.6 <= (box.y1 - box.y0) / h <= 1.6:
            return float("inf")
        (cx, cy), (bx, by), dt = _centre(last), _centre(box), ts - self.last_seen
        return float(np.hypot((cx + self.velocity[0] * dt - bx) / w, (cy + self.velocity[1] * dt - by) / h))

    @property
    def label(self) -> str:
        return self.labels.most_common(1)[0][0]


def _centre(b: Box) -> tuple[float, float]:
    return 0.5 * (b.x0 + b.x1), 0.5 * (b.y0 + b.y1)


class ObjectSense:
    """`process(ts, frame, changed) -> ObjectsUpdate`; not thread-safe (one ingest thread), but
    `prefetch` may start the detector early on a worker of its own (see there)."""

    def __init__(self, cfg: ObjectsConfig, detector: Detector | None = None):
        self.cfg = cfg
        self.warning = ""
        if detector is None:
            detector, self.warning = make_detector(cfg.detector, cfg.score_min, cfg.iou, cfg.classes, cfg.threads)
        self.detector = detector
        self.enabled = detector.name != "none"
        self.tracker = self._new_tracker() if self.enabled else None
        self.tracks: dict[int, _Track] = {}
        self.alias: dict[int, int] = {}  # tracker id → id of the earlier track it continues (stitched)
        self.last_boxes: list[Box] | None = None
        self.last_run = 0.0  # stream time of the last detector run
        self.stats = ObjectsStats()
        # Times of the last confirm_frames frames: a track confirmed now was first seen at the oldest.
        self.recent_ts: deque[float] = deque(maxlen=cfg.confirm_frames)
        self.animal = AnimalHold()  # the classifier's animal reading, held a few seconds (fusion.py)
        self._changed_last = True  # did the last processed frame change (predicts the next one)
        self._pending: tuple[float, Future] | None = None  # a prefetched detection: (ts, future)
        self._worker: ThreadPoolExecutor | None = None

    def _new_tracker(self):
        sv = require("supervision", "supervision==0.30.9", "Object tracking")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # ByteTrack moves to `trackers` in 0.31
            return sv.ByteTrack(
                track_activation_threshold=max(0.05, self.cfg.score_min - 0.1),  # new tracks need >= score_min
                lost_track_buffer=max(1, round(self.cfg.track_lost_s * self.cfg.fps)),
                minimum_matching_threshold=self.cfg.track_match,
                frame_rate=30,  # with 30 the buffer above is in frames, unscaled
                minimum_consecutive_frames=self.cfg.confirm_frames)

    def process(self, ts: float, image: np.ndarray, changed: bool, labels: tuple[Label, ...] = ()) -> ObjectsUpdate:
        """`labels`: the image classifier's top labels for this frame (EncodedFrame.labels): a
        lone frame-filling 'person' the classifier calls an animal is relabelled (fusion.py)."""
        if not self.enabled:
            self.stats = replace(self.stats, frames=self.stats.frames + 1)
            return ObjectsUpdate(frame=None, stats=self.stats)
        self.recent_ts.append(ts)
        boxes = self._boxes(ts, image, changed, labels, self.animal.update(ts, labels))
        boxes = self._stitch(ts, self._track(boxes))
        events, touched = self._update_tracks(ts, [b for b in boxes if b.track_id is not None])
        events += self._expire(ts)
        frame = self._frame_evidence(ts, boxes)
        return ObjectsUpdate(frame=frame, tracks=touched, events=events, stats=self.stats)

    # -- detection (skipped on unchanged frames) --

    def prefetch(self, ts: float, image: np.ndarray) -> None:
        """Start detecting frame `ts` on a worker thread while the caller encodes the same frame:
        ONNX Runtime releases the GIL, so the detector fills the core the encoder's one-thread
        stages (OCR, token drop, Python) leave idle. Only when the last frame changed — change
        runs in stretches, and on a static scene the detector should not run at all. `process`
        for the same ts takes the result (a fresh detection, never worse than reused boxes)."""
        if not self.enabled or not self._changed_last or self._pending is not None:
            return
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="vstream-detect")
        self._pending = (ts, self._worker.submit(timed_detect, self.detector, image))

    def close(self) -> None:
        if self._worker is not None:
            self._worker.shutdown(wait=True, cancel_futures=True)
            self._worker = None

    def _detection(self, ts: float, image: np.ndarray, needed: bool) -> tuple[list[Box], float] | None:
        """The prefetched detection of frame `ts` if there is one, else a detection now if
        `needed`, else None (reuse the last boxes)."""
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] == ts:
            return pending[1].result()
        return timed_detect(self.detector, image) if needed else None

    def _boxes(self, ts: float, image: np.ndarray, changed: bool, labels: tuple[Label, ...],
               seen: tuple[str, float]) -> list[Box]:
        s = self.stats
        stale = bool(self.last_boxes) and ts - self.last_run >= self.cfg.refresh_s
        self._changed_last = changed
        detected = self._detection(ts, image, changed or self.last_boxes is None or stale)
        if detected is not None:
            boxes, ms = detected
            self.last_run = ts
            self.last_boxes = fuse(boxes, labels, seen=seen)
            self.stats = replace(s, frames=s.frames + 1, detector_runs=s.detector_runs + 1,
                                 detect_ms_total=s.detect_ms_total + ms, last_detect_ms=ms)
        else:
            self.stats = replace(s, frames=s.frames + 1, reused_frames=s.reused_frames + 1)
        return self.last_boxes

    def _track(self, boxes: list[Box]) -> list[Box]:
        """The detections, each with its confirmed track's id (None while unconfirmed)."""
        sv = require("supervision", "supervision==0.30.9", "Object tracking")
        g = self.cfg.track_buffer
        det = sv.Detections(
            xyxy=np.array([[b.x0 - g * (b.x1 - b.x0), b.y0 - g * (b.y1 - b.y0),
                            b.x1 + g * (b.x1 - b.x0), b.y1 + g * (b.y1 - b.y0)] for b in boxes], np.float32).reshape(-1, 4),
            confidence=np.array([b.score for b in boxes], np.float32),
            class_id=np.arange(len(boxes), dtype=int))  # index back into `boxes` (ByteTrack is class-blind)
        out = self.tracker.update_with_detections(det)
        ids = {int(i): int(t) for i, t in zip(out.class_id, out.tracker_id)}
        return [replace(b, track_id=ids.get(i)) for i, b in enumerate(boxes)]

    def _stitch(self, ts: float, boxes: list[Box]) -> list[Box]:
        """Tracker ids → track ids. The tracker matches by box overlap only, so a walker it loses
        (missed for a few frames behind a lamp post, or a box that jumps) comes back as a new
        track: a new id that starts within track_lost_s of a same-class track going missing, near
        where that track would be by now, is that track (it keeps its id and first-seen time).
        Two walkers crossing stay two: a track seen in this frame is never a candidate."""
        ids = [None if b.track_id is None else self.alias.get(b.track_id, b.track_id) for b in boxes]
        taken = {i for i in ids if i is not None}
        for k, b in enumerate(boxes):
            if b.track_id is None or b.track_id in self.alias or b.track_id in self.tracks:
                continue
            gone = [tr for tr in self.tracks.values() if tr.track_id not in taken and tr.last_seen < ts]
            near = min(gone, key=lambda tr: tr.reach(ts, b), default=None)
            if near is not None and near.reach(ts, b) <= self.cfg.stitch_dist:
                self.alias[b.track_id] = ids[k] = near.track_id
                taken.add(near.track_id)
        # an old id the tracker found again while its stitched successor holds it: the successor keeps it
        seen: set[int] = set()
        for k in sorted(range(len(boxes)), key=lambda k: boxes[k].track_id not in self.alias):
            if ids[k] in seen:
                ids[k] = None
            elif ids[k] is not None:
                seen.add(ids[k])
        return [replace(b, track_id=i) for b, i in zip(boxes, ids)]

    # -- tracks and zones --

    def _update_tracks(self, ts: float, tracked: list[Box]) -> tuple[list[Event], list[Evidence]]:
        events, touched = [], []
        for box in tracked:
            tr = self.tracks.get(box.track_id)
            if tr is None:
                tr = self.tracks[box.track_id] = _Track(box.track_id, first_seen=self._first_seen(box), last_seen=ts)
                self.stats = replace(self.stats, tracks=self.stats.tracks + 1)
            tr.see(ts, box)
            tr.labels[box.label] += 1
            events += self._zones(ts, tr, box)
            touched.append(self._track_evidence(tr, box))
        return events, touched

    def _first_seen(self, box: Box) -> float:
        """A new track was first seen confirm_frames frames back, or, for a frame-filling animal
        the classifier had already named surely (whole-frame labels speak for a box that fills
        the frame, not for a small one), when the classifier first did (AnimalHold.since)."""
        first = self.recent_ts[0]
        since = self.animal.since(box.label)
        if since is not None and frame_filling(box):
            first = min(first, since)
        return first

    def _zones(self, ts: float, tr: _Track, box: Box) -> list[Event]:
        foot = (0.5 * (box.x0 + box.x1), box.y1)  # bottom-centre: where the object stands
        events = []
        for zone in self.cfg.zone_list:
            st = tr.zone_state.setdefault(zone.name, _ZoneState())
            if zone.contains(*foot) == st.inside:
                st.streak = 0
                continue
            st.streak, st.streak_ts = st.streak + 1, ts if st.streak == 0 else st.streak_ts
            if st.streak >= self.cfg.zone_frames:  # held long enough: a real crossing, not jitter
                st.inside, st.streak = not st.inside, 0
                events.append(self._zone_event(zone.name, tr, st.inside, st.streak_ts))
                if st.inside and zone.name not in tr.zones_ever:
                    tr.zones_ever.append(zone.name)
        return events

    def _zone_event(self, zone: str, tr: _Track, entered: bool, ts: float) -> Event:
        verb = "entered" if entered else "left"
        return Event(EventKind.ZONE, ts, f"{tr.label} #{tr.track_id} {verb} {zone}",
                     {"zone": zone, "track_id": tr.track_id, "label": tr.label, "action": "enter" if entered else "leave"})

    def _expire(self, ts: float) -> list[Event]:
        """Tracks unseen for track_lost_s end; one still inside a zone leaves it at its last sighting."""
        events = []
        for tid in [t for t, tr in self.tracks.items() if ts - tr.last_seen > self.cfg.track_lost_s]:
            tr = self.tracks.pop(tid)
            self.alias = {k: v for k, v in self.alias.items() if v != tid}
            events += [self._zone_event(z, tr, False, tr.last_seen) for z, st in tr.zone_state.items() if st.inside]
        return events

    def _track_evidence(self, tr: _Track, box: Box) -> Evidence:
        data = TrackData(track_id=tr.track_id, label=tr.label, zones=tuple(tr.zones_ever), last_box=box,
                         first_box=tr.first_box)
        content = f"{tr.label} #{tr.track_id}" + (f" (in {', '.join(tr.zones_ever)})" if tr.zones_ever else "")
        if tr.evidence is None:
            tr.evidence = Evidence(EvidenceKind.TRACK, tr.first_seen, tr.last_seen, content, data, confidence=box.score)
        else:  # the same row, updated: its store id (if any) stays
            ev = tr.evidence
            ev.t_end, ev.content, ev.data = tr.last_seen, content, data
            ev.confidence = max(ev.confidence, box.score)
        return tr.evidence

    # -- the per-frame row --

    def _frame_evidence(self, ts: float, boxes: list[Box]) -> Evidence:
        counts = tuple(sorted(Counter(b.label for b in boxes).items()))
        zones = tuple((z.name, self._zone_counts(z.name, ts)) for z in self.cfg.zone_list)
        data = ObjectsData(counts=counts, boxes=tuple(boxes), zones=zones)
        conf = float(np.mean([b.score for b in boxes])) if boxes else 1.0
        return Evidence(EvidenceKind.OBJECTS, ts, ts, describe(counts, zones), data, confidence=conf)

    def _zone_counts(self, zone: str, ts: float) -> tuple[tuple[str, int], ...]:
        """Tracks seen in this frame and inside the zone (after hysteresis), by class."""
        c = Counter(tr.label for tr in self.tracks.values()
                    if tr.last_seen == ts and tr.zone_state.get(zone) and tr.zone_state[zone].inside)
        return tuple(sorted(c.items()))


def plural(label: str, n: int) -> str:
    if n == 1:
        return label
    return label + ("es" if label.endswith(("s", "sh", "ch", "x")) else "s")


def describe(counts, zones=()) -> str:
    """("car", 1), ("person", 3) → "3 persons, 1 car in view" (largest count first)."""
    if not counts:
        text = "no objects in view"
    else:
        parts = [f"{n} {plural(k, n)}" for k, n in sorted(counts, key=lambda kv: (-kv[1], kv[0]))]
        text = ", ".join(parts) + " in view"
    for name, c in zones:
        if c:
            text += f"; in {name}: " + ", ".join(f"{n} {plural(k, n)}" for k, n in c)
    return text

