"""Write videos with known content (PyAV encodes H.264 in-process; no ffmpeg binary needed).

Each frame can carry a machine-readable frame number: a 16-bit barcode in the top rows (blocks
of 8x8+ pixels survive H.264 at crf 18 exactly), so tests check exact indices and timestamps.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

BARCODE_BITS = 16
BARCODE_ROWS = 16


def draw_barcode(img: np.ndarray, value: int) -> None:
    """Burn `value` as 16 black/white blocks across the top rows (MSB first)."""
    w = img.shape[1]
    block = w // BARCODE_BITS
    for bit in range(BARCODE_BITS):
        on = (value >> (BARCODE_BITS - 1 - bit)) & 1
        img[:BARCODE_ROWS, bit * block:(bit + 1) * block] = 255 if on else 0


def read_barcode(img: np.ndarray) -> int:
    """Inverse of draw_barcode; samples each block's centre (robust to codec ringing at edges)."""
    w = img.shape[1]
    block = w // BARCODE_BITS
    value = 0
    for bit in range(BARCODE_BITS):
        x0, x1 = bit * block + block // 4, (bit + 1) * block - block // 4
        patch = img[BARCODE_ROWS // 4: 3 * BARCODE_ROWS // 4, x0:x1]
        value = (value << 1) | int(patch.mean() > 127)
    return value


def put_text(img: np.ndarray, text: str, org: tuple[int, int], scale: float = 1.5,
             color=(255, 255, 255), thickness: int = 3) -> None:
    import cv2

    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thickness, cv2.LINE_AA)


def numbered_frame(index: int, size: tuple[int, int] = (320, 240), background=(40, 60, 90)) -> np.ndarray:
    """A plain frame with the barcode and the number written large (for human eyes and OCR)."""
    w, h = size
    img = np.empty((h, w, 3), np.uint8)
    img[:] = background
    draw_barcode(img, index)
    put_text(img, str(index), (w // 8, h * 2 // 3), scale=h / 120)
    return img


def write_video(path: str | Path, frames: Iterable[np.ndarray], fps: float,
                codec: str = "libx264", crf: int = 18) -> Path:
    """Encode RGB frames at a constant frame rate; frame i gets pts i (time i/fps)."""
    import av

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(path), "w") as out:
        stream = None
        for i, img in enumerate(frames):
            if stream is None:
                stream = out.add_stream(codec, rate=rate)
                stream.height, stream.width = img.shape[:2]
                stream.pix_fmt = "yuv420p"
                if codec == "libx264":
                    stream.options = {"crf": str(crf), "preset": "veryfast", "tune": "zerolatency"}
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        if stream is None:
            raise ValueError("no frames to write")
        out.mux(stream.encode(None))
    return path


def numbered_clip(path: str | Path, n: int, fps: float, size: tuple[int, int] = (320, 240)) -> Path:
    return write_video(path, (numbered_frame(i, size) for i in range(n)), fps)


# ---- scripted scenes with known content (tests, the synthetic suite) ----------------------------
from dataclasses import dataclass, field  # noqa: E402


@dataclass(frozen=True)
class TextEvent:
    text: str
    t_start: float
    t_end: float
    xy: tuple[float, float] = (0.1, 0.55)  # bottom-left of the text, as fractions of (w, h)
    scale: float = 1.6


@dataclass(frozen=True)
class ShapeEvent:
    kind: str  # circle | square
    color: tuple[int, int, int]
    t_start: float
    t_end: float
    xy0: tuple[float, float]  # centre at t_start, fractions of (w, h)
    xy1: tuple[float, float]  # centre at t_end (moves linearly)
    size: float = 0.08  # radius / half side, fraction of h
    via: tuple[tuple[float, float, float], ...] = ()  # (t, x, y) keyframes between t_start and t_end

    def centre(self, t: float) -> tuple[float, float]:
        """Centre at time t (frame fractions): piecewise linear through (t_start, xy0), the `via`
        keyframes and (t_end, xy1); two keyframes at one place make the shape stand still."""
        keys = [(self.t_start, *self.xy0), *self.via, (self.t_end, *self.xy1)]
        for (ta, xa, ya), (tb, xb, yb) in zip(keys, keys[1:]):
            if t < tb or tb == keys[-1][0]:
                a = min(1.0, max(0.0, (t - ta) / max(tb - ta, 1e-9)))
                return xa + a * (xb - xa), ya + a * (yb - ya)
        return self.xy1


@dataclass(frozen=True)
class Segment:
    """A shot: scene cuts happen exactly at segment boundaries."""

    t_start: float
    t_end: float
    color: tuple[int, int, int]
    seed: int = 0


@dataclass
class SceneScript:
    duration: float
    fps: float = 10.0
    size: tuple[int, int] = (480, 270)
    segments: list[Segment] = field(default_factory=list)
    texts: list[TextEvent] = field(default_factory=list)
    shapes: list[ShapeEvent] = field(default_factory=list)
    barcode: bool = False

    def _background(self, seg: Segment) -> np.ndarray:
        """Smooth random texture around the segment's colour (real CNN features, distinct
        colour histograms per shot)."""
        import cv2

        w, h = self.size
        rng = np.random.default_rng(seg.seed)
        noise = cv2.resize(rng.uniform(-60, 60, (h // 30 + 2, w // 30 + 2, 3)).astype(np.float32), (w, h),
                           interpolation=cv2.INTER_CUBIC)
        return np.clip(np.array(seg.color, np.float32) + noise, 0, 255).astype(np.uint8)

    def render(self, t: float, index: int = 0, _cache: dict | None = None) -> np.ndarray:
        import cv2

        seg = next((s for s in self.segments if s.t_start <= t < s.t_end), None)
        w, h = self.size
        if seg is None:
            img = np.full((h, w, 3), 30, np.uint8)
        else:
            key = (seg.t_start, seg.seed)
            if _cache is not None and key in _cache:
                img = _cache[key].copy()
            else:
                img = self._background(seg)
                if _cache is not None:
                    _cache[key] = img.copy()
        for s in self.shapes:
            if s.t_start <= t < s.t_end:
                fx, fy = s.centre(t)
                cx, cy = int(fx * w), int(fy * h)
                r = int(s.size * h)
                if s.kind == "circle":
                    cv2.circle(img, (cx, cy), r, s.color, -1, cv2.LINE_AA)
                else:
                    cv2.rectangle(img, (cx - r, cy - r), (cx + r, cy + r), s.color, -1)
        for e in self.texts:
            if e.t_start <= t < e.t_end:
                org = (int(e.xy[0] * w), int(e.xy[1] * h))
                put_text(img, e.text, org, scale=e.scale * h / 270, color=(0, 0, 0), thickness=max(2, int(8 * h / 270)))
                put_text(img, e.text, org, scale=e.scale * h / 270, color=(255, 255, 255), thickness=max(1, int(3 * h / 270)))
        if self.barcode:
            draw_barcode(img, index)
        return img

    def frames(self):
        cache: dict = {}
        n = int(round(self.duration * self.fps))
        for i in range(n):
            yield self.render(i / self.fps, i, cache)

    def write(self, path: str | Path) -> Path:
        return write_video(path, self.frames(), self.fps)

    @property
    def cut_times(self) -> list[float]:
        return [s.t_start for s in sorted(self.segments, key=lambda s: s.t_start)[1:]]
