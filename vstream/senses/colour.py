"""Colour, motion and the look of the picture — cheap senses from pixels and the kept-token mask.

- `colour_name(pixels)`: the dominant colour of a region by hue histogram (saturated pixels), or
  black / white / grey when little is saturated.
- `MotionSense`: connected regions of changed patches (differential token drop already marks
  them) that the detector has no class for — a ball, a shape, a cart — followed frame to frame,
  each a MOTION row with its colour, shape and direction.
- `LookSense`: how the picture looks (dark or bright, dominant colours), a LOOK row per shot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import cv2
import numpy as np

from memory.records import Box, Evidence, EvidenceKind, LookData, MotionData
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
    v = float(np.median(hsv[:, 2]))
    return "black" if v < 50 else "white" if v > 150 else "grey"


def box_colour(image: np.ndarray, box: Box) -> str:
    """A box's colour; for a person the upper body (what "what is she wearing" asks about)."""
    h, w = image.shape[:2]
    x0, x1 = box.x0 + 0.2 * (box.x1 - box.x0), box.x1 - 0.2 * (box.x1 - box.x0)
    if box.label == "person":
        y0, y1 = box.y0 + 0.2 * (box.y1 - box.y0), box.y0 + 0.55 * (box.y1 - box.y0)
    else:
        y0, y1 = box.y0 + 0.2 * (box.y1 - box.y0), box.y1 - 0.2 * (box.y1 - box.y0)
    crop = image[int(y0 * h):max(int(y1 * h), int(y0 * h) + 1), int(x0 * w):max(int(x1 * w), int(x0 * w) + 1)]
    return distinctive_colour(crop, image) or colour_name(crop)


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


class MotionSense:
    """Changed-patch regions of a fixed camera, followed as moving things. Not run on cuts or
    when most of the frame changed (the camera moved: everything would be 'moving')."""

    MAX_CHANGED = 0.4  # above this share of changed patches the camera itself moved
    MIN_PATCHES = 2
    LINK = 0.2  # a region within this (frame fraction) of a followed thing's last place is that thing
    LOST_S = 1.5

    def __init__(self):
        self.blobs: list[_Blob] = []

    def update(self, enc: EncodedFrame, image: np.ndarray, duration: float,
               people: list[Box] = ()) -> list[Evidence]:
        if enc.scene_change or enc.kept_ratio > self.MAX_CHANGED or enc.kept_ratio == 0.0:
            self.blobs = [] if enc.scene_change else self.blobs
            return []
        regions = [r for r in self._regions(enc) if not any(_overlaps(r, p) for p in people)]
        rows = [self._follow(r, enc.frame_ts, duration, image) for r in regions]
        self.blobs = [b for b in self.blobs if enc.frame_ts - b.t_last <= self.LOST_S]
        # a region that neither moved nor has a colour of its own is a change in place (a sign
        # appearing, lighting): not a moving thing
        return [r for r in rows if r is not None and (r.data.direction or r.data.colour)]

    def _regions(self, enc: EncodedFrame) -> list[Box]:
        gh, gw = enc.grid
        mask = enc.kept.numpy().reshape(gh, gw).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        out = []
        for i in range(1, n):
            x, y, w, h, area = stats[i]
            if area >= self.MIN_PATCHES:
                out.append(Box(x / gw, y / gh, (x + w) / gw, (y + h) / gh))
        return out

    def _follow(self, r: Box, ts: float, duration: float, image: np.ndarray) -> Evidence | None:
        c = ((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2)
        near = [b for b in self.blobs if abs(b.last[0] - c[0]) + abs(b.last[1] - c[1]) <= self.LINK]
        blob = min(near, key=lambda b: abs(b.last[0] - c[0]) + abs(b.last[1] - c[1])) if near else None
        if blob is None:
            blob = _Blob(r, c, c, ts)
            self.blobs.append(blob)
        blob.box, blob.last, blob.t_last = r, c, ts
        colour, shape = _colour_and_shape(image, r)
        if colour:
            blob.colours[colour] = blob.colours.get(colour, 0) + 1
        if shape:
            blob.shapes[shape] = blob.shapes.get(shape, 0) + 1
        return self._evidence(blob, ts, duration)

    def _evidence(self, b: _Blob, ts: float, duration: float) -> Evidence | None:
        colour = max(b.colours, key=b.colours.get) if b.colours else ""
        shape = max(b.shapes, key=b.shapes.get) if b.shapes else ""
        dx, dy = b.last[0] - b.first[0], b.last[1] - b.first[1]
        direction = ""
        if max(abs(dx), abs(dy)) >= 0.1:
            direction = ("left to right" if dx > 0 else "right to left") if abs(dx) >= abs(dy) else \
                ("downwards" if dy > 0 else "upwards")
        thing = f"a {colour + ' ' if colour else ''}{shape or 'thing'}"
        moving = f"moving {direction}" if direction else "moving"
        content = f"{thing} {moving} ({where(*b.last)} of the frame)"
        data = MotionData(b.box, colour, shape, direction)
        if b.evidence is None:
            b.evidence = Evidence(EvidenceKind.MOTION, ts, ts + duration, content, data, 0.5)
        else:
            b.evidence.t_end, b.evidence.content, b.evidence.data = ts + duration, content, data
        return b.evidence


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
        # so only a clearly dark picture is called dark.
        dark = luma < 60
        tone = "dark (night, or an unlit place)" if dark else "bright (daylight or well lit)" if luma > 120 else "moderately lit"
        colour = colour_name(small)
        content = f"the picture is {tone}; mostly {colour}"
        self.current = Evidence(EvidenceKind.LOOK, enc.frame_ts, enc.frame_ts + duration, content,
                                LookData(round(luma, 1), (colour,), dark), 0.6)
        return [self.current]
