"""OCR with rapidocr (PP-OCR ONNX models inside the wheel), run on scene changes and when the
picture changed, at a bounded rate in stream time, and only where it changed: the kept-token
masks since the previous run say which patches changed; those regions (padded, grown to cover
text already found there) are cropped and read, and lines elsewhere stay as they were.

Measured on this 2-core CPU (loaded, load average ~11): a full 768x576 frame costs 0.5-0.9 s,
nearly all of it text *detection* (vtest.avi has no text: detection found nothing); a 70x240
crop around one line 0.16 s (detection 0.05 s, recognition 0.10 s). So "detect on the whole
downscaled frame, recognise changed boxes" would keep the dominant cost; cropping removes it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vstream.errors import require

log = logging.getLogger(__name__)

_ENGINE = None
_ENGINE_LOCK = threading.Lock()


def ocr_engine():
    """One engine per process (loading takes ~1 s). limit_type=max with 640: the default
    (min side scaled *up* to 736) made a 640x360 frame cost 1.0 s instead of 0.25 s here."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            rapidocr = require("rapidocr", "rapidocr onnxruntime", "OCR")
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
            _ENGINE = rapidocr.RapidOCR(params={
                "Det.limit_side_len": 640, "Det.limit_type": "max",
                "Global.use_cls": False,  # video text is upright; the angle classifier costs ~30%
                "Global.log_level": "error",
                # One thread: onnxruntime's pool spins while waiting; on 2 shared cores (decode,
                # tower, detector, ASR beside it) 2 threads took 0.89 s a frame, 1 thread 0.49 s.
                "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            })
        return _ENGINE


@dataclass(frozen=True)
class TextLine:
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the frame


def read_text(image: np.ndarray, min_score: float = 0.6,
              region: tuple[int, int, int, int] | None = None) -> list[TextLine]:
    """Text lines in an RGB frame with their boxes (fractions of the whole frame),
    top-to-bottom then left-to-right. `region` (x0, y0, x1, y1 in pixels): read only that crop."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = region if region is not None else (0, 0, w, h)
    crop = stretch_contrast(image[y0:y1, x0:x1])
    result = ocr_engine()(np.ascontiguousarray(crop[:, :, ::-1]))  # the engine expects BGR
    if result.txts is None:
        return []
    items = []
    for text, score, box in zip(result.txts, result.scores, result.boxes):
        # Single characters are almost always texture misread as a letter (vtest.avi: 'A').
        if score >= min_score and sum(c.isalnum() for c in text) >= 2:
            pts = np.asarray(box, np.float32) + (x0, y0)
            (bx0, by0), (bx1, by1) = pts.min(0), pts.max(0)
            items.append(TextLine(text.strip(), (float(bx0) / w, float(by0) / h, float(bx1) / w, float(by1) / h)))
    return sort_lines(items, h)


def stretch_contrast(image: np.ndarray, low_pct: float = 1.0, high_pct: float = 99.0) -> np.ndarray:
    """The crop's 1st..99th percentile stretched to 0..255 (monotonic: it only adds contrast).
    PP-OCR's text detector misses low-contrast text: on hazy footage (bikes.mp4, black level
    ~40, whites ~200) a clear 40 px "TAXI" was found on 1 of 4 frames as shot, 2 of 4
    stretched. Percentiles over every 4th pixel: ~1 ms on a 640x272 frame."""
    lo, hi = np.percentile(image[::4, ::4], (low_pct, high_pct))
    if hi - lo < 16 or (lo <= 8 and hi >= 247):  # flat, or already full range: leave it
        return image
    lut = np.clip((np.arange(256, dtype=np.float32) - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)
    return lut[image]


def sort_lines(lines: list[TextLine], height: int) -> list[TextLine]:
    """Reading order: rows of 16 px, then left to right."""
    return sorted(lines, key=lambda ln: (round(ln.box[1] * height / 16), ln.box[0]))


Region = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, end-exclusive


@dataclass(frozen=True)
class OcrRead:
    """One gated OCR run: every visible line (read now or still valid), what was read."""

    lines: list[TextLine]
    regions: tuple[Region, ...]  # the crops read (one covering the frame on a full read)
    pixels: int  # pixels given to the OCR engine (a widened crop counts twice)
    full: bool


def _overlap(a: Region | tuple[float, ...], b: Region | tuple[float, ...]) -> bool:
    """Two boxes (pixels, or frame fractions) overlap."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _union(a: Region, b: Region) -> Region:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _area(r: Region) -> int:
    return (r[2] - r[0]) * (r[3] - r[1])


def _coverage(regions: list[Region], w: int, h: int) -> float:
    """Share of the frame under any region (overlaps counted once)."""
    mask = np.zeros((h, w), bool)
    for x0, y0, x1, y1 in regions:
        mask[y0:y1, x0:x1] = True
    return float(mask.mean())


def _merge(regions: list[Region], extra: list[Region]) -> list[Region]:
    """Regions grown over every `extra` box they touch (a crop that cut through a line would
    read half of it as a new line), and overlapping regions merged where their bounding box
    costs no more than the two apart (an L-shaped pair stays two crops), until stable."""
    out = list(regions)
    while True:  # each pass grows a region or removes one: it ends
        for i, r in enumerate(out):
            hit = next((e for e in extra if _overlap(r, e) and _union(r, e) != r), None)
            if hit is not None:
                out[i] = _union(r, hit)
                break
            j = next((j for j in range(i + 1, len(out))
                      if _overlap(r, out[j]) and _area(_union(r, out[j])) <= _area(r) + _area(out[j])), None)
            if j is not None:
                out[i] = _union(r, out.pop(j))
                break
        else:
            return out


class GatedReader:
    """Reads text where the picture changed and keeps the lines elsewhere.

    `read(image, changed, full)`: `changed` is the union of the kept-token masks since the last
    run ([gh, gw] bool over the encoder's patch grid; None: unknown). Connected changed patches
    give boxes grown by `pad_cells`; each region grows over the boxes of lines already
    found that it touches (text that scrolls or updates is read whole), crops are padded by
    `pad_px`, and a line touching a crop's side is read again from a full-width band. Lines
    whose boxes no crop touches stay: nothing changed under them. A full read happens on
    request (a cut), when nothing changed, when the crops would cover `full_above` of the frame
    anyway, and at least every `refresh_s` of stream time (a change too slight for token drop,
    in a scene that never stops moving elsewhere, still gets read)."""

    # pad_cells 0 / pad_px 12 / full_above 0.75, measured on vtest.avi (people walking everywhere,
    # 40 OCR runs): padding by a whole patch made 36 runs full-frame (96% of the pixels read);
    # these 11-20 (67-74%); OCR seconds 21.2 → 10.8 (encoder alone, load ~5), 32.3 → 27.7 with
    # every sense on (load ~7). Lines cut by a crop are caught by the widening.
    def __init__(self, pad_cells: int = 0, pad_px: int = 12, full_above: float = 0.75, min_side: int = 32,
                 refresh_s: float = 10.0):  # 30 s left gen:council's timer box at "2:00" 20 s after it read "1:00"
        self.pad_cells, self.pad_px, self.full_above, self.min_side = pad_cells, pad_px, full_above, min_side
        self.refresh_s = refresh_s
        self.lines: list[TextLine] = []
        self._last_full: float | None = None

    def reset(self) -> None:
        self.lines, self._last_full = [], None

    def read(self, image: np.ndarray, changed: np.ndarray | None, full: bool = False, ts: float = 0.0) -> OcrRead:
        h, w = image.shape[:2]
        full = full or self._last_full is None or ts - self._last_full >= self.refresh_s
        regions = [] if full or changed is None or not changed.any() else self._regions(changed, w, h)
        if not regions or _coverage(regions, w, h) >= self.full_above:
            self.lines, self._last_full = read_text(image), ts
            return OcrRead(self.lines, ((0, 0, w, h),), w * h, True)
        found, pixels, done = [], 0, []
        for r in regions:
            lines, r, px = self._read_region(image, r)
            found += lines
            pixels += px
            done.append(r)
        kept = [ln for ln in self.lines if not any(_overlap(self._px(ln, w, h), r) for r in done)]
        self.lines = sort_lines(kept + self._unique(found, w, h), h)
        return OcrRead(self.lines, tuple(done), pixels, False)

    def _regions(self, changed: np.ndarray, w: int, h: int) -> list[Region]:
        import cv2

        gh, gw = changed.shape
        n, _, stats, _ = cv2.connectedComponentsWithStats(changed.astype(np.uint8), connectivity=8)
        p = self.pad_cells
        regions = []
        for c0, r0, cw, ch, _area in stats[1:n]:  # label 0 is the unchanged background
            box = (int((c0 - p) * w / gw) - self.pad_px, int((r0 - p) * h / gh) - self.pad_px,
                   int(np.ceil((c0 + cw + p) * w / gw)) + self.pad_px, int(np.ceil((r0 + ch + p) * h / gh)) + self.pad_px)
            regions.append(self._clip(box, w, h))
        return _merge(regions, [self._px(ln, w, h) for ln in self.lines])

    def _unique(self, lines: list[TextLine], w: int, h: int) -> list[TextLine]:
        """One line read from two overlapping crops counts once."""
        out: list[TextLine] = []
        for ln in lines:
            if not any(o.text == ln.text and _overlap(self._px(o, w, h), self._px(ln, w, h)) for o in out):
                out.append(ln)
        return out

    def _read_region(self, image: np.ndarray, r: Region) -> tuple[list[TextLine], Region, int]:
        """Lines in a crop; a line touching a crop side that is not the frame's edge may go on
        beyond it, so the crop widens to the frame's width (over the lines it then touches)."""
        h, w = image.shape[:2]
        lines = read_text(image, region=r)
        pixels = _area(r)
        cut = [ln for ln in lines if (r[0] > 0 and ln.box[0] * w <= r[0] + 2) or (r[2] < w and ln.box[2] * w >= r[2] - 2)]
        if not cut:
            return lines, r, pixels
        band = _merge([(0, r[1], w, r[3])], [self._px(ln, w, h) for ln in self.lines])[0]
        return read_text(image, region=band), band, pixels + _area(band)

    def shows(self, image: np.ndarray, box: tuple[float, float, float, float], text: str) -> bool:
        """Whether `text` reads in `box` (fractions) of this frame: one crop read, the box padded
        by pad_px and half its height (the detector needs margin around the line)."""
        h, w = image.shape[:2]
        x0, y0, x1, y1 = self._px(TextLine(text, box), w, h)
        pad = self.pad_px + (y1 - y0) // 2
        region = self._clip((x0 - pad, y0 - pad, x1 + pad, y1 + pad), w, h)
        return any(same_line(ln.text, text) for ln in read_text(image, region=region))

    def _clip(self, r: Region, w: int, h: int) -> Region:
        """Inside the frame and at least min_side wide and high (the detector needs context)."""
        x0, y0, x1, y1 = r
        if x1 - x0 < self.min_side:
            x0, x1 = (x0 + x1 - self.min_side) // 2, (x0 + x1 + self.min_side) // 2
        if y1 - y0 < self.min_side:
            y0, y1 = (y0 + y1 - self.min_side) // 2, (y0 + y1 + self.min_side) // 2
        return max(0, x0), max(0, y0), min(w, x1), min(h, y1)

    def _px(self, line: TextLine, w: int, h: int) -> Region:
        x0, y0, x1, y1 = line.box
        return int(x0 * w), int(y0 * h), int(np.ceil(x1 * w)), int(np.ceil(y1 * h))


def same_line(a: str, b: str) -> bool:
    """Two reads of one line: equal but for spaces and case (frame to frame the engine reads
    rolling credits as '© 2026' or '©2026'). Nothing looser: 'GATE 5' and 'GATE 6' differ."""
    return "".join(a.lower().split()) == "".join(b.lower().split())


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the frame
Shows = Callable[[np.ndarray, Box, str], bool]  # (frame, box, line): is the line readable there?


@dataclass(frozen=True)
class _Seen:
    """A frame since the previous OCR run: its kept-token mask and (recent frames only) its image."""

    ts: float
    mask: np.ndarray  # [gh, gw] bool
    image: np.ndarray | None


class RegionTimer:
    """Dates text changes by where and when they happened. The kept-token masks of the frames
    since the previous OCR run say when the patches under a text box changed, so a sign that
    appears while people walk elsewhere is dated to its own patches, not to the first motion
    anywhere. On a static background that one change is the onset (or end).

    Over moving footage (hand-held B-roll, traffic behind a caption) the patches under the box
    change in every frame, so the first change is just the frame after the previous run (up to
    `ocr_min_interval_s` early; the explainer clip: 'Part 2' at 46.5 s for 48). Then the
    changed frames are asked, by reading the box alone, whether the line is there: a binary
    search for the first frame that shows a new line (or no longer shows a vanished one). The
    answer is exact to the sampling period. Only where the footage around the box moved too (on a
    still background the first change is already right), and at most `max_checks` crop reads a
    run. Measured (this 2-core box, loaded): a read 25 ms where the line is absent, 60 ms where
    present; the explainer clip (120 s, 19 lines) spends 48 reads (<= 4 a run, ~2 a line end),
    OCR 9.8 → 12.4 s (best of two); vtest.avi (no text) and a frame counter ticking in place on a
    still background none. Frames are held for this only while OCR is pending, `keep_images` at
    most (older changes: the first change)."""

    def __init__(self, keep_images: int = 12, max_checks: int = 4):
        self.keep_images = keep_images  # 6 s at 2 fps: three times the 2 s between OCR runs
        self.max_checks = max_checks  # crop reads a run may spend (~0.2 s); the explainer needs <= 4
        self._budget = max_checks
        self._seen: list[_Seen] = []  # since the last run
        self._previous: dict[str, Box] = {}
        self.checks = 0  # crop reads spent dating lines

    def record(self, ts: float, kept, grid: tuple[int, int], image: np.ndarray | None = None) -> None:
        self._seen.append(_Seen(ts, kept.reshape(grid).numpy(), image))
        old = len(self._seen) - self.keep_images - 1
        if old >= 0 and self._seen[old].image is not None:
            self._seen[old] = _Seen(self._seen[old].ts, self._seen[old].mask, None)

    def changed(self) -> np.ndarray | None:
        """Patches that changed in any frame since the last run ([gh, gw] bool); None when no
        frame was recorded or the grid changed shape (a source change: read everything)."""
        shapes = {s.mask.shape for s in self._seen}
        if len(shapes) != 1:
            return None
        return np.logical_or.reduce([s.mask for s in self._seen])

    @staticmethod
    def _cells(box: Box, shape: tuple[int, int], grow: int) -> tuple[slice, slice]:
        """The patch rows and columns under a box, grown by `grow` cells each side."""
        gh, gw = shape
        r0, r1 = max(0, int(box[1] * gh) - grow), min(gh, int(np.ceil(box[3] * gh)) + grow)
        c0, c1 = max(0, int(box[0] * gw) - grow), min(gw, int(np.ceil(box[2] * gw)) + grow)
        return slice(r0, r1), slice(c0, c1)

    def _changes(self, box: Box) -> list[_Seen]:
        """The frames since the last run whose patches under the box (one cell around) changed."""
        return [s for s in self._seen if s.mask[self._cells(box, s.mask.shape, 1)].any()]

    def _moving_around(self, box: Box, changes: list[_Seen]) -> bool:
        """Whether the footage around the box changed too (a ring two cells wide): then a change
        under the box may be the footage's, not the text's. Around a clock or a sign on a still
        background only the text changes, and its first change is its time (no reads spent)."""
        for s in changes:
            ring = s.mask[self._cells(box, s.mask.shape, 3)].copy()
            ring[self._cells(box, s.mask.shape, 1)] = False
            if ring.any():
                return True
        return False

    def _first(self, box: Box, text: str, fallback: float, shows: Shows | None, present: bool) -> float:
        """When the line came (present=True: the first change that shows it) or went (the first
        change that no longer shows it). The newest frame is the run's own: already known."""
        changes = self._changes(box)
        if not changes:
            return fallback
        if shows is None or len(changes) == 1 or not self._moving_around(box, changes):
            return changes[0].ts
        newest = self._seen[-1].ts

        def settled(s: _Seen) -> bool:  # the line is as the run found it (there, or gone)
            if s.ts == newest:
                return True
            if s.image is None or self._budget <= 0:  # can't look: the earliest, as the masks say
                return True
            self._budget -= 1
            self.checks += 1
            return shows(s.image, box, text) == present

        lo, hi = 0, len(changes) - 1  # changes[hi] settled (the run's frame, or assumed)
        if not settled(changes[hi]):
            return changes[0].ts  # the run's read and the check disagree: keep the mask's answer
        while lo < hi:
            mid = (lo + hi) // 2
            if settled(changes[mid]):
                hi = mid
            else:
                lo = mid + 1
        return changes[lo].ts

    def resolve(self, lines: list[TextLine], fallback: float,
                shows: Shows | None = None) -> tuple[dict[str, float], dict[str, float]]:
        """(onset of each new line, end of each line that vanished), then start a new interval.
        `shows` (None: masks alone) checks a held frame for a line."""
        now = {line.text: line.box for line in lines}
        new = [t for t in now if t not in self._previous]
        gone = [t for t in self._previous if t not in now]
        reread = {t for t in new if any(same_line(t, g) for g in gone)}  # one line read differently
        reread |= {g for g in gone if any(same_line(g, t) for t in new)}
        # A line replaced by another in its place (a clock, a score, a departure board) changes
        # whenever its box does: dated by the first change, no reads spent on every tick.
        ticking = {t for t in new if any(_overlap(now[t], self._previous[g]) for g in gone)}
        ticking |= {g for g in gone if any(_overlap(self._previous[g], now[t]) for t in new)}
        self._budget = self.max_checks

        def first(t: str, box: Box, present: bool) -> float:
            return self._first(box, t, fallback, None if t in ticking else shows, present)

        onsets = {t: first(t, now[t], True) for t in new if t not in reread}
        ends = {t: first(t, self._previous[t], False) for t in gone if t not in reread}
        self._previous, self._seen = now, []
        return onsets, ends


class OcrPolicy:
    """Decides when to OCR: the first frame, a scene cut, a pending change once `min_interval` of
    stream time has passed since the last run, or `max_interval` without a run at all. The
    first change since the last run is remembered, so new text is dated to when it appeared,
    not to when OCR got round to it."""

    def __init__(self, min_interval: float, max_interval: float, change_ratio: float):
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.change_ratio = change_ratio
        self._last: float | None = None
        self._pending_since: float | None = None

    def should_run(self, ts: float, kept_ratio: float, scene_change: bool) -> tuple[bool, float | None]:
        """(run OCR now?, when the change being read first showed)."""
        if kept_ratio >= self.change_ratio and self._pending_since is None:
            self._pending_since = ts
        due = self._last is None or scene_change
        if not due and self._pending_since is not None:
            due = ts - self._last >= self.min_interval
        if not due and ts - self._last >= self.max_interval:
            due = True  # a slow change under the drop threshold still gets read now and then
        if not due:
            return False, None
        since = ts if (scene_change or self._pending_since is None) else self._pending_since
        self._last, self._pending_since = ts, None
        return True, since
