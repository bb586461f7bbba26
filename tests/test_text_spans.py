"""On-screen text spans and scene cuts over moving footage: every patch changes every frame, so
'the first change under the text box' says nothing; spans must still be right to the sampling
period (0.5 s at 2 fps), and a fast move must not count as a cut."""

from __future__ import annotations

import numpy as np
import pytest

from eval.synthvideo import put_text, write_video
from vstream.config import Config, EncoderConfig, SourceConfig
from vstream.ingest import Ingest

SIZE = (480, 270)
FPS = 10


def _texture(seed: int, colour, scale: int = 3) -> np.ndarray:
    """A smooth random texture `scale` times the frame, around a colour (real CNN features)."""
    import cv2

    w, h = SIZE
    rng = np.random.default_rng(seed)
    noise = cv2.resize(rng.uniform(-70, 70, (h * scale // 24, w * scale // 24, 3)).astype(np.float32),
                       (w * scale, h * scale), interpolation=cv2.INTER_CUBIC)
    return np.clip(np.array(colour, np.float32) + noise, 0, 255).astype(np.uint8)


def _pan(tex: np.ndarray, t: float, speed: float = 60.0) -> np.ndarray:
    """The frame-sized window of `tex` at time t: a steady diagonal pan (hand-held B-roll)."""
    w, h = SIZE
    x = int(speed * t) % (tex.shape[1] - w)
    y = int(0.4 * speed * t) % (tex.shape[0] - h)
    return tex[y:y + h, x:x + w].copy()


def _caption(img: np.ndarray, text: str, xy=(0.08, 0.85)) -> None:
    w, h = SIZE
    put_text(img, text, (int(xy[0] * w), int(xy[1] * h)), scale=1.3, color=(0, 0, 0), thickness=8)
    put_text(img, text, (int(xy[0] * w), int(xy[1] * h)), scale=1.3, color=(255, 255, 255), thickness=3)


def _run(path, **enc):
    ing = Ingest(Config(source=SourceConfig(source=str(path), speed="max", fps=2), encoder=EncoderConfig(**enc)))
    frames = []
    ing.sink = lambda frame, e, rows, events: frames.append(e)
    ing.run()
    return frames


def _spans(frames):
    from vstream.senses.text import TextTracker

    tracker, spans = TextTracker(), {}
    for e in frames:
        spans.update({id(ev): ev for ev in tracker.update(e)})
    return {s.content.replace(" ", ""): (s.t_start, s.t_end) for s in spans.values()}  # 'PARTTWO' is read too


@pytest.fixture(scope="module")
def moving(tmp_path_factory):
    """12 s of panning footage; a cut to other footage at 5.5 s with "PART TWO" on it from the cut
    to 9.0 s; "GATE 12" over the first shot from 3.5 s, lasting into the second until 11.0 s.
    OCR runs every 2 s (0, 2, 4, the cut at 5.5, 7.5, 9.5, 11.5): no line comes or goes on a run."""
    a, b = _texture(1, (60, 110, 150)), _texture(2, (150, 90, 50))

    def frame(i: int) -> np.ndarray:
        t = i / FPS
        img = _pan(a if t < 5.5 else b, t)
        if 5.5 <= t < 9.0:
            _caption(img, "PART TWO", (0.08, 0.35))
        if 3.5 <= t < 11.0:
            _caption(img, "GATE 12", (0.45, 0.85))
        return img

    return write_video(tmp_path_factory.mktemp("spans") / "moving.mp4", (frame(i) for i in range(12 * FPS)), FPS)


def test_text_over_moving_footage_is_dated_to_the_sampling_period(moving):
    frames = _run(moving)
    assert all(e.kept_ratio > 0.8 for e in frames[1:] if not e.scene_change)  # every patch moves
    assert [e.frame_ts for e in frames if e.scene_change] == [5.5]
    spans = _spans(frames)
    # the first change under the box says "just after the previous run": (4.5, 8.0), (2.5, 10.0)
    assert spans["PARTTWO"] == pytest.approx((5.5, 9.0), abs=0.5)
    assert spans["GATE12"] == pytest.approx((3.5, 11.0), abs=0.5)
    assert spans["PARTTWO"][0] >= 5.5  # never before the cut it came with


@pytest.fixture(scope="module")
def whip(tmp_path_factory):
    """10 s of panning footage with a large red panel sweeping across the lens for one second at
    3 s and 7 s (a car passing close), and a fast jump of the camera at 5 s; one real cut at 8.5 s."""
    import cv2

    a, b = _texture(3, (90, 120, 90)), _texture(4, (40, 60, 160))
    w, h = SIZE

    def frame(i: int) -> np.ndarray:
        t = i / FPS
        img = _pan(a, t + (2.0 if t >= 5.0 else 0.0)) if t < 8.5 else _pan(b, t)
        for t0 in (3.0, 7.0):
            if t0 <= t < t0 + 1.0:
                x = int(-0.6 * w + 2.2 * w * (t - t0))
                cv2.rectangle(img, (x, int(0.1 * h)), (x + int(0.6 * w), h), (200, 40, 30), -1)
        return img

    return write_video(tmp_path_factory.mktemp("cuts") / "whip.mp4", (frame(i) for i in range(10 * FPS)), FPS)


def test_fast_moves_and_passing_objects_are_not_cuts(whip):
    frames = _run(whip, ocr=False)
    assert [e.frame_ts for e in frames if e.scene_change] == [8.5]


def _ocr_frame(ts: float, text: str, **kw):
    import torch

    from vstream.types import EncodedFrame

    return EncodedFrame(frame_ts=ts, frame_index=int(ts * 2), tokens=torch.zeros(1, 1), grid=(1, 1),
                        kept=torch.ones(1, dtype=torch.bool), embedding=np.zeros(1, np.float32), text=text,
                        ocr_ran=True, text_since=ts, **kw)


def test_a_line_read_with_other_spacing_stays_one_row_and_other_digits_are_a_new_line():
    from vstream.senses.text import TextTracker

    tracker, rows = TextTracker(), {}
    for ts, text in ((0.0, "© 2026 Harbor Lane"), (2.0, "©2026 Harbor Lane"), (4.0, "© 2026 HARBOR LANE"),
                     (6.0, "GATE 5"), (8.0, "GATE 6")):
        rows.update({id(ev): ev for ev in tracker.update(_ocr_frame(ts, text, text_onsets={text: ts}))})
    spans = sorted((ev.content, ev.t_start, ev.t_end) for ev in rows.values())
    assert spans == [("GATE 5", 6.0, 8.0), ("GATE 6", 8.0, 8.0), ("© 2026 Harbor Lane", 0.0, 6.0)]
