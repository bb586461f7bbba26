"""Colour, motion and the look of the picture — cheap senses from pixels and the kept-token mask.

- `colour_name(pixels)`: the dominant colour of a region by hue histogram (saturated pixels), or
  black / white / grey when little is saturated.
- `MotionSense`: foreground regions against a running background (a fixed camera) that the
  detector has no class for — a ball, a shape, a cart — followed frame to frame, each a MOTION
  row with its colour, shape and path (moves, stops, where it came in and went out).
- `LookSense`: how the picture looks (dark or bright, dominant colours), a LOOK row per shot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import cv2
import numpy as np

from memory.records import Box, Evidence, EvidenceKind, LookData, MotionData, MotionSegment
from vstream.types import EncodedFrame

# Hue bins (OpenCV hue 0..180) → names. Red wraps around 0.
_HUES = ((0, 10, "red"), (10, 22, "orange"), (22, 34, "yellow"), (34, 85, "green"), (85, 100, "cyan"),
         (100, 130, "blue"), (130, 150, "purple"), (150, 170, "pink"), (170, 181, "red"))
SAT_MIN, VAL_MIN = 80, 60  # a pixel counts as coloured above these (0..255)
COLOURED_SHARE = 0.2  # a region is named by hue when this share of its pixels is coloured


def _hue_name(h: float) -> str:
    return next(name for lo, hi, name in _HUES if lo <= h < hi)


def colour_name(rgb: np.ndarray) -> str:
    """Dominant colour of an RGB region [h, w, 3] uint8."""
    if rgb.size == 0:
        return ""
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2HSV).reshape(-1, 3).astype(np.int32)
    coloured = hsv[(hsv[:, 1] >= SAT_MIN) & (hsv[:, 2] >= VAL_MIN)]
    if len(coloured) >= COLOURED_SHARE * len(hsv):
        hist: dict[str, int] = {}
        for lo, hi, name in _HUES:
            hist[name] = hist.get(name, 0) + int(((coloured[:, 0] >= lo) & (coloured[:, 0] < hi)).sum())
        return max(hist, key=hist.get)
    # White by its bright part, not the median: a white bird's box mixes in its dark beak (median
    # V 34-85), while light asphalt has a median of 156-189 but no part near full brightness.
    # The 90th percentile named 11 of 11 hand-checked white/grey patches (median > 150: 7).
    v, p90 = float(np.median(hsv[:, 2])), float(np.percentile(hsv[:, 2], 90))
    return "white" if p90 >= 205 else "black" if v < 50 else "grey"


CLOSE_UP_ASPECT = 1.6


def box_colour(image: np.ndarray, box: Box) -> str:
    """A box's colour; for a person the upper body (what "what is she wearing" asks about)."""
    h, w = image.shape[:2]
    x0, x1 = box.x0 + 0.2 * (box.x1 - box.x0), box.x1 - 0.2 * (box.x1 - box.x0)
    if box.label == "person":
        # a standing person's box is 2.5-3.5x as tall as wide (vtest.avi); a head-and-shoulders close-up
        # about 1x (carphone: 0.2-0.55 of it is his face, orange; 0.6-0.95 his dark jacket)
        close_up = (box.y1 - box.y0) * h < CLOSE_UP_ASPECT * (box.x1 - box.x0) * w
        a, b = (0.6, 0.95) if close_up else (0.2, 0.55)
        y0, y1 = box.y0 + a * (box.y1 - box.y0), box.y0 + b * (box.y1 - box.y0)
    else:
        y0, y1 = box.y0 + 0.2 * (box.y1 - box.y0), box.y1 - 0.2 * (box.y1 - box.y0)
    crop = image[int(y0 * h):max(int(y1 * h), int(y0 * h) + 1), int(x0 * w):max(int(x1 * w), int(x0 * w) + 1)]
    return distinctive_colour(crop, image) or colour_name(crop)


# A text line's box is tight around its letters: grown by this share of its height above and below, it
# takes in the band or card behind them, which is most of what is named ("the orange banner").
TEXT_PAD = 0.3


def text_colour(image: np.ndarray, box: Box) -> str:
    """The colour of the band, card or sign a line is printed on: its box, grown a little, named by its
    dominant colour (the letters are a minority of its pixels)."""
    h, w = image.shape[:2]
    pad = TEXT_PAD * (box.y1 - box.y0)
    y0, y1 = max(0.0, box.y0 - pad), min(1.0, box.y1 + pad)
    crop = image[int(y0 * h):max(int(y1 * h), int(y0 * h) + 1), int(box.x0 * w):max(int(box.x1 * w), int(box.x0 * w) + 1)]
    if crop.size == 0:
        return ""
    # each pixel named, the most common name wins: a white label box with red letters over grass is white
    # (colour_name would call it green: any 20 % of saturated pixels names a hue)
    hsv = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2HSV).reshape(-1, 3).astype(np.int32)
    coloured = (hsv[:, 1] >= SAT_MIN) & (hsv[:, 2] >= VAL_MIN)
    votes = {name: int((coloured & (hsv[:, 0] >= lo) & (hsv[:, 0] < hi)).sum()) for lo, hi, name in _HUES if name != "red"}
    votes["red"] = int((coloured & ((hsv[:, 0] < 10) | (hsv[:, 0] >= 170))).sum())
    plain = hsv[~coloured, 2]
    votes.update(white=int((plain >= 200).sum()), black=int((plain < 50).sum()),
                 grey=int(((plain >= 50) & (plain < 200)).sum()))
    return max(votes, key=votes.get)


# What a box stands on, from the ground around its bottom edge (its feet, a car's wheels). In
# vtest.avi (hand-sampled 10x10 patches) grass is hue 32-39 at saturation 94-231; the paths and the
# road are saturation 0-32, whatever their hue. A share of the strip, not its median: legs and
# shadows cover part of it.
GRASS_HUE, GRASS_SAT, PAVED_SAT = (28, 90), 60, 45
GROUND_SHARE = 0.5  # of the strip's pixels, for either name
FEET_CUT = 0.97  # a box whose bottom is this low is cut by the frame: its feet are not in view


def ground_under(image: np.ndarray, box: Box) -> str:
    """"grass", "paved" (road, path, pavement) or "" for what is around the box's bottom edge:
    a strip from 3 % of its height above the edge to 8 % below, half a width wider each side."""
    if box.y1 >= FEET_CUT:
        return ""
    h, w = image.shape[:2]
    bh, bw = box.y1 - box.y0, box.x1 - box.x0
    y0, y1 = int((box.y1 - 0.03 * bh) * h), int(min(1.0, box.y1 + 0.08 * bh) * h) + 1
    x0, x1 = int(max(0.0, box.x0 - 0.5 * bw) * w), int(min(1.0, box.x1 + 0.5 * bw) * w) + 1
    strip = image[y0:y1, x0:x1]
    if strip.size == 0:
        return ""
    hsv = cv2.cvtColor(np.ascontiguousarray(strip), cv2.COLOR_RGB2HSV).reshape(-1, 3).astype(np.int32)
    green = (hsv[:, 0] >= GRASS_HUE[0]) & (hsv[:, 0] < GRASS_HUE[1]) & (hsv[:, 1] >= GRASS_SAT) & (hsv[:, 2] >= 40)
    paved = (hsv[:, 1] < PAVED_SAT) & (hsv[:, 2] >= 40)
    if green.mean() >= GROUND_SHARE:
        return "grass"
    return "paved" if paved.mean() >= GROUND_SHARE else ""


def distinctive_colour(crop: np.ndarray, image: np.ndarray, margin: float = 0.1) -> str:
    """The hue clearly more present in the crop than in the whole frame (a red jacket on a grey
    street), or "" when none stands out."""
    if crop.size == 0:
        return ""
    here = _hue_hist(crop)
    there = _frame_hue_hist(image)
    k = int(np.argmax(here - there))
    return _hue_name(k * 10 + 5) if here[k] - there[k] >= margin and here[k] >= 0.15 else ""


def _hue_hist(rgb: np.ndarray) -> np.ndarray:
    """Share of all pixels that are coloured, per 10-degree hue bin (18 bins)."""
    return _hist_of(cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2HSV).reshape(-1, 3))


def _hist_of(hsv: np.ndarray) -> np.ndarray:
    ok = (hsv[:, 1] >= SAT_MIN) & (hsv[:, 2] >= VAL_MIN)
    return np.histogram(hsv[ok, 0], np.arange(0, 190, 10))[0] / max(1, len(hsv))


class _PerFrame:
    """The last frame's whole-frame HSV (quarter size), kept while the same array is asked about:
    every box and moving region of a frame compares itself with it (vtest.avi: ~8 boxes and a
    few regions a frame each converted the whole frame again)."""

    def __init__(self):
        self.image: np.ndarray | None = None  # held, so its id cannot be reused while cached
        self.hsv: np.ndarray | None = None
        self.hist: np.ndarray | None = None

    def small_hsv(self, image: np.ndarray) -> np.ndarray:
        if self.image is not image:
            self.image, self.hist = image, None
            self.hsv = cv2.cvtColor(np.ascontiguousarray(image[::4, ::4]), cv2.COLOR_RGB2HSV).reshape(-1, 3)
        return self.hsv

    def hue_hist(self, image: np.ndarray) -> np.ndarray:
        hsv = self.small_hsv(image)
        if self.hist is None:
            self.hist = _hist_of(hsv)
        return self.hist


_FRAME = threading.local()


def _per_frame() -> _PerFrame:
    if not hasattr(_FRAME, "cache"):
        _FRAME.cache = _PerFrame()
    return _FRAME.cache


def _frame_hue_hist(image: np.ndarray) -> np.ndarray:
    return _per_frame().hue_hist(image)


def where(x: float, y: float) -> str:
    """'top left', 'centre', … for a point in frame fractions."""
    row = "top" if y < 0.33 else "bottom" if y > 0.67 else ""
    col = "left" if x < 0.33 else "right" if x > 0.67 else ""
    return f"{row} {col}".strip() or "centre"


# ---- moving things -----------------------------------------------------------------------------------


@dataclass
class _Blob:
    box: Box  # frame fractions
    first: tuple[float, float]  # first centroid
    last: tuple[float, float]
    t_last: float
    evidence: Evidence | None = None
    colours: dict[str, int] = field(default_factory=dict)
    shapes: dict[str, int] = field(default_factory=dict)
    path: list[tuple[float, float, float]] = field(default_factory=list)  # (t, cx, cy) per sighting
    entered: str = ""
    exited: str = ""
    matched: bool = False  # seen in the current frame

    @property
    def colour(self) -> str:
        return max(self.colours, key=self.colours.get) if self.colours else ""


class MotionSense:
    """Moving things of a fixed camera that the detector has no class for — a ball, a shape, a
    cart — found as foreground against a running background of the picture (so a thing that
    stops is still seen, and one that vanishes is gone), followed frame to frame, each a MOTION
    row with its colour, shape and path (moves and stops, where it came in and went out). Not run
    on cuts or when the camera itself moved (most of the frame changed)."""

    MAX_CHANGED = 0.4  # above this share of changed patches (or of foreground) the camera itself moved
    WIDTH = 160  # foreground is found at this width (a 38 px ball in 480 px: ~13 px, ~130 px of area)
    DIFF = 30  # a pixel is foreground when a channel differs this much (0..255) from the background
    MIN_AREA = 0.0008  # share of the frame a region needs (noise and compression specks are smaller)
    BG_RATE, FG_RATE = 0.1, 0.01  # background update per frame where empty / under a thing (stopped things
    # fade into the background after ~50 s at 2 fps, moving ones never do)
    LINK = 0.3  # a region within this (frame fraction, |dx|+|dy|) of a followed thing's last or next place,
    # of its colour, may be that thing: a ball crossing the frame in 2.5 s moves 0.21 a frame at 2 fps,
    # and its speed predicts its next place only while it does not turn
    LOST_S = 1.2  # a thing unseen this long is gone (one missed frame at 2 fps is forgiven)
    EDGE = 0.03  # a box this close to a side touches it

    def __init__(self):
        self.blobs: list[_Blob] = []
        self.bg: np.ndarray | None = None  # [h, w, 3] float32 running background at WIDTH

    def update(self, enc: EncodedFrame, image: np.ndarray, duration: float,
               people: list[Box] = ()) -> list[Evidence]:
        moved = enc.scene_change or enc.kept_ratio > self.MAX_CHANGED
        return self.observe(enc.frame_ts, image, duration, people, moved)

    def observe(self, ts: float, image: np.ndarray, duration: float, people: list[Box] = (),
                moved: bool = False) -> list[Evidence]:
        """One frame: foreground regions not covered by a detected person, followed as things."""
        small = self._small(image)
        if moved or self.bg is None or self.bg.shape != small.shape:
            self.bg, self.blobs = small, []  # a new picture: everything in it is background
            return []
        fg = self._foreground(small)
        if fg.mean() > self.MAX_CHANGED:  # the light or the camera changed, not a thing
            self.bg, self.blobs = small, []
            return []
        regions = [r for r in _regions_of(fg, self.MIN_AREA) if not any(_overlaps(r, p) for p in people)]
        rows = self._follow_all(regions, ts, duration, image)
        rows += self._end_lost(ts)
        return [r for r in rows if _a_thing(r.data)]

    def _small(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        size = (self.WIDTH, max(1, round(self.WIDTH * h / w)))
        return cv2.resize(np.ascontiguousarray(image), size, interpolation=cv2.INTER_AREA).astype(np.float32)

    def _foreground(self, small: np.ndarray) -> np.ndarray:
        fg = (np.abs(small - self.bg).max(axis=2) > self.DIFF).astype(np.uint8)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        rate = np.where(fg[..., None] > 0, self.FG_RATE, self.BG_RATE).astype(np.float32)
        self.bg += rate * (small - self.bg)
        return fg

    def _follow_all(self, regions: list[Box], ts: float, duration: float, image: np.ndarray) -> list[Evidence]:
        """Each region to the nearest followed thing of the same colour (one each); a thing left
        over whose last place is inside a taken region has met another thing (their regions merged)."""
        for b in self.blobs:
            b.matched = False
        seen = [(r, *_colour_and_shape(image, r)) for r in regions]
        taken: list[tuple[Box, _Blob]] = []
        for r, colour, shape in sorted(seen, key=lambda x: -(x[0].x1 - x[0].x0) * (x[0].y1 - x[0].y0)):
            blob = self._link(r, colour)
            taken.append((r, self._see(blob, r, colour, shape, ts)))
        for b in self.blobs:
            if not b.matched and ts - b.t_last <= self.LOST_S:
                v = _velocity(b.path)
                ahead = (b.last[0] + v[0], b.last[1] + v[1])  # where it would be now
                inside = next((r for r, o in taken if o.colour != b.colour and (_contains(r, b.last, 0.05) or
                                                                     _contains(r, ahead, 0.05))), None)
                if inside is not None:
                    self._see(b, inside, "", "", ts)
        return [self._evidence(b, ts, duration) for b in self.blobs if b.matched]

    def _link(self, r: Box, colour: str) -> _Blob | None:
        c = _centre(r)
        near = [b for b in self.blobs if not b.matched and _reach(b, c) <= self.LINK
                and (not colour or not b.colour or b.colour == colour)]
        return min(near, key=lambda b: _reach(b, c)) if near else None

    def _see(self, blob: _Blob | None, r: Box, colour: str, shape: str, ts: float) -> _Blob:
        c = _centre(r)
        if blob is None:
            blob = _Blob(r, c, c, ts, entered=self._side(r) or "in place")
            self.blobs.append(blob)
        blob.box, blob.last, blob.t_last, blob.matched = r, c, ts, True
        blob.path.append((ts, *c))
        if len(blob.path) == 2 and blob.entered == "in place":  # first seen already inside: came in fast?
            v = _velocity(blob.path)
            x0, y0 = blob.path[0][1] - c[0], blob.path[0][2] - c[1]  # the first box, one step back
            blob.entered = self._side(Box(r.x0 + x0, r.y0 + y0, r.x1 + x0, r.y1 + y0), (-v[0], -v[1])) or "in place"
        if colour:
            blob.colours[colour] = blob.colours.get(colour, 0) + 1
        if shape:
            blob.shapes[shape] = blob.shapes.get(shape, 0) + 1
        return blob

    def _end_lost(self, ts: float) -> list[Evidence]:
        """Things unseen for LOST_S are gone: over the side they were heading to, or in place.
        Their rows are handed on once more, with how they went."""
        out, keep = [], []
        for b in self.blobs:
            if ts - b.t_last <= self.LOST_S:
                keep.append(b)
                continue
            b.exited = self._side(b.box, _velocity(b.path)) or "in place"
            if b.evidence is not None:
                self._describe(b, b.evidence.t_end)
                out.append(b.evidence)
        self.blobs = keep
        return out

    def _side(self, r: Box, v: tuple[float, float] = (0.0, 0.0)) -> str:
        """The frame side a box touches (or would cross on its next step at velocity v per step)."""
        x0, x1, y0, y1 = r.x0 + v[0], r.x1 + v[0], r.y0 + v[1], r.y1 + v[1]
        for hit, name in ((x0 <= self.EDGE, "left"), (x1 >= 1 - self.EDGE, "right"), (y0 <= self.EDGE, "top"),
                          (y1 >= 1 - self.EDGE, "bottom")):
            if hit:
                return f"{name} edge"
        return ""

    def _evidence(self, b: _Blob, ts: float, duration: float) -> Evidence:
        if b.evidence is None:
            b.evidence = Evidence(EvidenceKind.MOTION, ts, ts + duration, "", MotionData(), 0.5)
        self._describe(b, ts + duration)
        return b.evidence

    def _describe(self, b: _Blob, t_end: float) -> None:
        colour = b.colour
        shape = max(b.shapes, key=b.shapes.get) if b.shapes else ""
        dx, dy = b.last[0] - b.first[0], b.last[1] - b.first[1]
        direction = _way(dx, dy) if max(abs(dx), abs(dy)) >= 0.1 else ""
        segments = path_segments(b.path)
        thing = f"{colour + ' ' if colour else ''}{shape or 'thing'}"
        thing = ("an " if thing[0] in "aeiou" else "a ") + thing
        content = f"{thing} {path_text(segments, b.entered, b.exited) or 'moving'} ({where(*b.last)} of the frame)"
        b.evidence.t_end, b.evidence.content = t_end, content
        b.evidence.data = MotionData(b.box, colour, shape, direction, segments, b.entered, b.exited)


# ---- a followed thing's path in words ---------------------------------------------------------------

STILL_STEP = 0.03  # a centre moving less than this (frame fraction) between sightings is standing still
MIN_RUN_S = 0.9  # shorter runs of one way (or of standing) between others are jitter


def _way(dx: float, dy: float) -> str:
    if abs(dx) >= abs(dy):
        return "left to right" if dx > 0 else "right to left"
    return "downwards" if dy > 0 else "upwards"


def path_segments(path: list[tuple[float, float, float]]) -> tuple[MotionSegment, ...]:
    """Sightings (t, x, y) → runs of one way or of standing still, short jitter folded into
    its neighbours. A thing still for two sightings (1 s at 2 fps) has stopped."""
    steps = []
    for (t0, x0, y0), (t1, x1, y1) in zip(path, path[1:]):
        dx, dy = x1 - x0, y1 - y0
        steps.append([t0, t1, "still" if max(abs(dx), abs(dy)) < STILL_STEP else _way(dx, dy)])
    runs = _runs(steps)
    while len(runs) > 1:
        short = [k for k, r in enumerate(runs) if r[1] - r[0] < MIN_RUN_S]
        if not short:
            break
        k = min(short, key=lambda i: runs[i][1] - runs[i][0])
        other = k - 1 if k > 0 else k + 1
        runs[other][0], runs[other][1] = min(runs[other][0], runs[k][0]), max(runs[other][1], runs[k][1])
        del runs[k]
        runs = _runs(runs)
    return tuple(MotionSegment(round(a, 2), round(b, 2), d) for a, b, d in runs)


def _runs(steps: list[list]) -> list[list]:
    out: list[list] = []
    for t0, t1, d in steps:
        if out and out[-1][2] == d:
            out[-1][1] = t1
        else:
            out.append([t0, t1, d])
    return out


def _mmss(t: float) -> str:
    m, s = divmod(max(0.0, t), 60)
    return f"{int(m):02d}:{s:04.1f}"


def path_text(segments: tuple[MotionSegment, ...], entered: str = "", exited: str = "") -> str:
    """"came in at the left edge, moving left to right (00:02.0–00:04.0), then stopped (…), then
    moving right to left (…); left the frame at the left edge"."""
    steps = [("stopped" if s.direction == "still" else f"moving {s.direction}") + f" ({_mmss(s.t0)}–{_mmss(s.t1)})"
             for s in segments]
    text = ", then ".join(steps)
    if entered.endswith("edge"):
        text = f"came in at the {entered}" + (f", {text}" if text else "")
    elif entered == "in place":
        text = "appeared" + (f", {text}" if text else "")
    if exited.endswith("edge"):
        text += f"; left the frame at the {exited}"
    elif exited == "in place":
        text += "; vanished where it was"
    return text


def _centre(r: Box) -> tuple[float, float]:
    return (r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2


def _dist(a: tuple[float, float], b: tuple[float, float]) -> float:
    return abs(a[0] - b[0]) + abs(a[1] - b[1])


def _a_thing(d: MotionData) -> bool:
    """A row worth keeping: something that moved, or a coloured shape that appeared (a square put
    down). A change in place with no shape — a sign or a screen lighting up, a shadow — is not."""
    moved = bool(d.direction) or any(s.direction != "still" for s in d.segments)
    return moved or bool(d.colour and d.shape)


def _reach(b: _Blob, c: tuple[float, float]) -> float:
    """How far c is from where the thing was, or from where it would be at its last speed."""
    v = _velocity(b.path)
    return min(_dist(b.last, c), _dist((b.last[0] + v[0], b.last[1] + v[1]), c))


def _contains(r: Box, p: tuple[float, float], pad: float) -> bool:
    return r.x0 - pad <= p[0] <= r.x1 + pad and r.y0 - pad <= p[1] <= r.y1 + pad


def _velocity(path: list[tuple[float, float, float]]) -> tuple[float, float]:
    """The last step's displacement (frame fractions per sighting)."""
    if len(path) < 2:
        return 0.0, 0.0
    return path[-1][1] - path[-2][1], path[-1][2] - path[-2][2]


def _regions_of(fg: np.ndarray, min_area: float) -> list[Box]:
    """Connected foreground regions [h, w] uint8 → boxes in frame fractions."""
    h, w = fg.shape
    n, _, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if area >= min_area * h * w:
            out.append(Box(x / w, y / h, (x + bw) / w, (y + bh) / h))
    return out


def _overlaps(a: Box, b: Box) -> bool:
    ix = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    iy = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    area = (a.x1 - a.x0) * (a.y1 - a.y0)
    return area > 0 and ix * iy / area > 0.3


def _colour_and_shape(image: np.ndarray, r: Box) -> tuple[str, str]:
    """The region's distinctive colour — the hue most over-represented in it compared with the
    whole frame (a yellow ball on a busy blue-green background is yellow) — and whether the
    pixels of that hue fill their box like a disc (~0.79) or a square (~1.0)."""
    h, w = image.shape[:2]
    crop = image[int(r.y0 * h):int(r.y1 * h), int(r.x0 * w):int(r.x1 * w)]
    if crop.size == 0:
        return "", ""
    hsv = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2HSV)
    ok = (hsv[..., 1] >= SAT_MIN) & (hsv[..., 2] >= VAL_MIN)
    if ok.sum() < 20:
        return "", ""
    whole = _per_frame().small_hsv(image)
    whole = whole[(whole[:, 1] >= SAT_MIN) & (whole[:, 2] >= VAL_MIN)]
    bins = np.arange(0, 190, 10)
    here = np.histogram(hsv[..., 0][ok], bins)[0] / ok.size
    there = np.histogram(whole[:, 0], bins)[0] / max(1, len(whole))
    k = int(np.argmax(here - there))
    if here[k] - there[k] < 0.05:
        return "", ""
    mask = ok & (hsv[..., 0] >= bins[k]) & (hsv[..., 0] < bins[k + 1])
    name = _hue_name(float(np.median(hsv[..., 0][mask])))
    ys, xs = np.nonzero(mask)
    fill = mask.sum() / max(1, (np.ptp(ys) + 1) * (np.ptp(xs) + 1))
    aspect = (np.ptp(xs) + 1) / max(1, np.ptp(ys) + 1)
    shape = "circle" if 0.62 <= fill <= 0.86 else ("square" if 0.75 <= aspect <= 1.33 else "rectangle") if fill > 0.86 else ""
    return name, shape


# ---- the look of the picture ------------------------------------------------------------------------

# Small lights: pixels well above their 5x5 neighbourhood (morphological top-hat on the 1/4-size
# picture) and bright themselves. Measured share: cityCC0.mpg (towers at night, lit windows)
# 0.13-0.24 in both shots; daylight and indoor clips 0.00-0.065 (vtest.avi 0.04, bikes.mp4 <=
# 0.063, carphone 0.065, cockatoo 0.008, text on plain backgrounds 0.046). Night also needs
# dark pixels around the lights (grey < 70: city 0.21-0.65; a bright, busy texture has few).
_SPOT_KERNEL = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
NIGHT_SPOTS, NIGHT_DARK = 0.10, 0.15


def night_lit(grey: np.ndarray) -> bool:
    """A picture lit by many small lights in the dark — a city or street at night — from its
    (downscaled) grey image: its mean luma can be that of a grey day, but not this pattern."""
    spots = (cv2.morphologyEx(grey, cv2.MORPH_TOPHAT, _SPOT_KERNEL) > 50) & (grey > 150)
    return float(spots.mean()) >= NIGHT_SPOTS and float((grey < 70).mean()) >= NIGHT_DARK


class LookSense:
    """A LOOK row per shot (and every `every_s`): brightness and the main colours."""

    def __init__(self, every_s: float = 10.0):
        self.every_s = every_s
        self.current: Evidence | None = None

    def update(self, enc: EncodedFrame, image: np.ndarray, duration: float) -> list[Evidence]:
        cur = self.current
        if cur is not None and not enc.scene_change and enc.frame_ts - cur.t_start < self.every_s:
            cur.t_end = enc.frame_ts + duration
            return [cur]
        small = np.ascontiguousarray(image[::4, ::4])
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        luma = float(grey.mean())
        # Brightness alone: a lit night city (luma 110 here) and a shaded street by day (66) overlap,
        # so a clearly dark picture is dark, and so is one lit by many small lights (night_lit).
        lights = night_lit(grey)
        dark = luma < 60 or lights
        tone = ("dark (night, or an unlit place)" if luma < 60 else
                "night-lit (many small lights — lit windows, lamps — in a dark picture)" if lights else
                "bright (daylight or well lit)" if luma > 120 else "moderately lit")
        colour = colour_name(small)
        content = f"the picture is {tone}; mostly {colour}"
        self.current = Evidence(EvidenceKind.LOOK, enc.frame_ts, enc.frame_ts + duration, content,
                                LookData(round(luma, 1), (colour,), dark), 0.6)
        return [self.current]
