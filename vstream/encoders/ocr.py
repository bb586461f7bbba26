"""OCR with rapidocr (PP-OCR ONNX models inside the wheel), run on scene changes and when the
picture changed, at a bounded rate in stream time."""

from __future__ import annotations

import logging
import threading
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
            })
        return _ENGINE


@dataclass(frozen=True)
class TextLine:
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the frame


def read_text(image: np.ndarray, min_score: float = 0.6) -> list[TextLine]:
    """Text lines in an RGB frame with their boxes, top-to-bottom then left-to-right."""
    result = ocr_engine()(np.ascontiguousarray(image[..., ::-1]))  # the engine expects BGR
    if result.txts is None:
        return []
    h, w = image.shape[:2]
    items = []
    for text, score, box in zip(result.txts, result.scores, result.boxes):
        # Single characters are almost always texture misread as a letter (vtest.avi: 'A').
        if score >= min_score and sum(c.isalnum() for c in text) >= 2:
            pts = np.asarray(box, np.float32)
            (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
            items.append((round(float(y0) / 16), float(x0), TextLine(text.strip(), (x0 / w, y0 / h, x1 / w, y1 / h))))
    return [line for _, _, line in sorted(items, key=lambda t: (t[0], t[1]))]


class RegionTimer:
    """Dates text changes by where they happened: the kept-token masks of the frames since the
    previous OCR run say when the patches under a text box changed, so a sign that appears while
    people walk elsewhere is dated to its own patches, not to the first motion anywhere."""

    def __init__(self):
        self._masks: list[tuple[float, np.ndarray]] = []  # (ts, [gh, gw] bool) since the last run
        self._previous: dict[str, tuple[float, float, float, float]] = {}

    def record(self, ts: float, kept, grid: tuple[int, int]) -> None:
        self._masks.append((ts, kept.reshape(grid).numpy()))

    def _first_change(self, box, fallback: float) -> float:
        for ts, m in self._masks:
            gh, gw = m.shape
            r0, r1 = max(0, int(box[1] * gh) - 1), min(gh, int(np.ceil(box[3] * gh)) + 1)
            c0, c1 = max(0, int(box[0] * gw) - 1), min(gw, int(np.ceil(box[2] * gw)) + 1)
            if m[r0:r1, c0:c1].any():
                return ts
        return fallback

    def resolve(self, lines: list[TextLine], fallback: float) -> tuple[dict[str, float], dict[str, float]]:
        """(onset of each new line, end of each line that vanished), then start a new interval."""
        now = {line.text: line.box for line in lines}
        onsets = {t: self._first_change(b, fallback) for t, b in now.items() if t not in self._previous}
        ends = {t: self._first_change(b, fallback) for t, b in self._previous.items() if t not in now}
        self._previous, self._masks = now, []
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
