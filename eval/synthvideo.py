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
