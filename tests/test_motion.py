"""What moving things did: the motion sense's path summary (moves, stops, how a thing came in and
went) on frames drawn here with known paths, its rows surviving a save, and answers built from it —
routed from "what did X do" questions and matched to options by what they say happened, in order."""

from __future__ import annotations

import numpy as np
import pytest

from memory.records import (
    Box,
    Evidence,
    EvidenceKind,
    MotionData,
    MotionSegment,
    ObjectsData,
    TrackData,
    data_from_json,
    data_to_json,
)
from vstream.senses.colour import MotionSense

W, H, FPS = 320, 180, 2.0
RED, CYAN, YELLOW = (220, 30, 30), (30, 200, 220), (250, 220, 40)


def _backdrop() -> np.ndarray:
    rng = np.random.default_rng(3)
    base = rng.integers(90, 140, (H // 10, W // 10, 1), dtype=np.uint8).repeat(10, 0).repeat(10, 1)
    img = np.repeat(base, 3, axis=2)  # grey blocks: a textured street
    img[int(0.8 * H):, :W // 2] = (60, 140, 70)  # a green verge and a blue shopfront: colours of its own
    img[int(0.8 * H):, W // 2:] = (50, 80, 160)
    return img


def _draw(img: np.ndarray, x: float, y: float, rgb, r: float = 0.06) -> None:
    cx, cy, rr = int(x * W), int(y * H), int(r * H)
    x0, x1, y0, y1 = max(0, cx - rr), min(W, cx + rr), max(0, cy - rr), min(H, cy + rr)
    if x1 > x0 and y1 > y0:
        img[y0:y1, x0:x1] = rgb


def _run(paths: dict[tuple, callable], t_end: float) -> list[Evidence]:
    """Frames at 2 fps: each colour drawn where its path says (None: not in view); the rows the
    sense gave, latest version of each."""
    sense, bg, rows = MotionSense(), _backdrop(), {}
    for k in range(int(t_end * FPS) + 1):
        t = k / FPS
        img = bg.copy()
        for rgb, path in paths.items():
            p = path(t)
            if p is not None:
                _draw(img, *p, rgb)
        for ev in sense.observe(t, img, 1 / FPS):
            rows[id(ev)] = ev
    return sorted(rows.values(), key=lambda e: e.t_start)


def _lerp(t, t0, t1, a, b):
    u = min(1.0, max(0.0, (t - t0) / (t1 - t0)))
    return a + u * (b - a)


def test_a_stop_and_a_turn_are_kept_not_netted_out():
    """In from the left edge (1-3 s), still (3-5 s), back out over the left edge (5-7 s): net
    movement is nothing, the path says it all."""
    def path(t):
        if t < 1 or t > 7:
            return None
        x = _lerp(t, 1, 3, -0.02, 0.5) if t <= 3 else 0.5 if t <= 5 else _lerp(t, 5, 7, 0.5, -0.1)
        return (x, 0.4)

    rows = _run({RED: path}, 10)
    assert len(rows) == 1, [r.content for r in rows]
    d = rows[0].data
    assert [s.direction for s in d.segments] == ["left to right", "still", "right to left"], d.segments
    assert 2.5 <= d.segments[1].t0 <= 3.5 and 4.5 <= d.segments[1].t1 <= 5.5
    assert (d.colour, d.entered, d.exited) == ("red", "left edge", "left edge")
    assert "then stopped" in rows[0].content and "left the frame at the left edge" in rows[0].content


def test_appearing_and_vanishing_in_place_and_still_there():
    """A square appears mid-frame at 1 s and vanishes there at 4 s; another appears at 6 s and is
    still there at the end."""
    rows = _run({RED: lambda t: (0.3, 0.4) if 1 <= t < 4 else None,
                 CYAN: lambda t: (0.7, 0.6) if t >= 6 else None}, 9)
    by = {r.data.colour: r.data for r in rows}
    assert (by["red"].entered, by["red"].exited) == ("in place", "in place"), by["red"]
    assert [s.direction for s in by["red"].segments] == ["still"]
    assert (by["cyan"].entered, by["cyan"].exited) == ("in place", ""), by["cyan"]


def test_things_of_another_colour_are_not_linked_across_episodes():
    """A red square leaves at the right edge; a yellow one appears right where it was, just after:
    a new thing, not the red one turning yellow."""
    rows = _run({RED: lambda t: (_lerp(t, 0.5, 3, 0.4, 1.1), 0.5) if 0.5 <= t <= 3 else None,
                 YELLOW: lambda t: (0.9, 0.5) if 3.5 <= t <= 6 else None}, 8)
    colours = [r.data.colour for r in rows]
    assert colours.count("red") == 1 and colours.count("yellow") == 1, [r.content for r in rows]
    yellow = next(r.data for r in rows if r.data.colour == "yellow")
    assert yellow.entered == "in place" and [s.direction for s in yellow.segments] == ["still"]


def test_a_fast_ball_is_followed_across_and_back():
    """Edge to edge in 2.5 s (0.43 of the frame a second: more than a linking radius between two
    frames at 2 fps) and back: one thing whose path turned, not a string of new ones."""
    def path(t):
        if t < 1 or t > 6:
            return None
        return (_lerp(t, 1, 3.5, -0.03, 0.97) if t <= 3.5 else _lerp(t, 3.5, 6, 0.97, -0.08), 0.3)

    rows = _run({YELLOW: path}, 8)
    assert len(rows) == 1, [r.content for r in rows]
    d = rows[0].data
    assert [s.direction for s in d.segments] == ["left to right", "right to left"], d.segments
    assert (d.entered, d.exited) == ("left edge", "left edge")


def test_motion_data_round_trips_and_old_rows_still_load():
    d = MotionData(Box(0.1, 0.2, 0.3, 0.4), "red", "square", "left to right",
                   (MotionSegment(1.0, 2.0, "left to right"), MotionSegment(2.0, 3.0, "still")), "left edge", "in place")
    assert data_from_json(EvidenceKind.MOTION, data_to_json(d)) == d
    old = '{"box":null,"colour":"blue","shape":"circle","direction":"upwards"}'  # saved before paths existed
    assert data_from_json(EvidenceKind.MOTION, old) == MotionData(None, "blue", "circle", "upwards")


# ---- answers ------------------------------------------------------------------------------------------


def _motion(t0, t1, colour, shape, segs, entered="left edge", exited="", content=None):
    from vstream.senses.colour import path_text

    segments = tuple(MotionSegment(a, b, d) for a, b, d in segs)
    text = content or f"a {colour} {shape} {path_text(segments, entered, exited)}"
    net = next((s.direction for s in segments if s.direction != "still"), "")
    return Evidence(EvidenceKind.MOTION, t0, t1, text, MotionData(None, colour, shape, net, segments, entered, exited))


def _rows():
    """60 s of a fixed camera: a green box that turned back (2-9 s); a purple disc that kept going
    after a stop (12-19 s); a white box that vanished on the spot (22-26 s); two balls, orange and
    blue, that stopped against each other (30-38 s, still there); a person walking right to left
    40-50 s, seen by the detector in 3 frames only (tracked)."""
    rows = [_motion(2, 9, "green", "square", [(2, 4, "left to right"), (4, 6, "still"), (6, 8.5, "right to left")],
                    "left edge", "left edge"),
            _motion(12, 19, "purple", "circle", [(12, 14, "right to left"), (14, 16, "still"), (16, 18.5, "right to left")],
                    "right edge", "left edge"),
            _motion(22, 26, "white", "square", [(22, 24, "downwards"), (24, 25.5, "still")], "top edge", "in place"),
            _motion(30, 38, "orange", "circle", [(30, 32.5, "left to right"), (32.5, 38, "still")]),
            _motion(30, 38, "blue", "circle", [(30, 32.5, "right to left"), (32.5, 38, "still")], "right edge")]
    for t, x in ((41.0, 0.8), (45.0, 0.5), (49.5, 0.2)):
        box = Box(x, 0.5, x + 0.08, 0.9, "person", 0.8, 7)
        rows.append(Evidence(EvidenceKind.OBJECTS, t, t + 0.5, "1 person in view", ObjectsData((("person", 1),), (box,))))
    rows.append(Evidence(EvidenceKind.TRACK, 41.0, 50.0, "person #7", TrackData(7, "person", (), Box(0.2, 0.5, 0.28, 0.9))))
    rows.append(_motion(52, 56, "pink", "square", [(52, 54, "left to right"), (54, 55.5, "still")], "left edge", "in place"))
    return rows


class _View:
    """A memory view over a list of rows, with the MiniLM index answers search."""

    def __init__(self, rows):
        from retrieval.embedder import default_embedder
        from retrieval.index import VectorIndex

        for i, ev in enumerate(rows):
            ev.id = i + 1
        self.rows = sorted(rows, key=lambda e: (e.t_start, e.id))
        self.embedder = default_embedder()
        self.evidence_index, self.visual_index = VectorIndex(self.embedder.dim), VectorIndex(1)
        self.evidence_index.add([ev.id for ev in rows], self.embedder.embed([ev.content for ev in rows]))

    def evidence(self, kind=None):
        return [ev for ev in self.rows if kind is None or ev.kind is kind]

    def entries(self):
        return []


@pytest.fixture(scope="module")
def engine():
    from vstream.answer.engine import AnswerEngine

    return AnswerEngine(_View(_rows()))


@pytest.mark.parametrize("question,now,expect", [
    ("what did the green box do?", 12.0, ["green square", "then stopped", "right to left", "left the frame"]),
    ("where did the purple ball go?", 21.0, ["purple circle", "left the frame at the left edge"]),
    ("did the white square leave?", 28.0, ["white square", "vanished where it was"]),
    ("what happened to the orange and blue balls?", 37.0, ["orange circle", "blue circle", "still in view"]),
    ("and then what did it do, the green one?", 12.0, ["green square"]),
])
def test_what_did_it_do_questions_reach_the_path(engine, question, now, expect):
    text = engine.answer(question, now=now).text
    for part in expect:
        assert part in text, (part, text)
    assert "haven't seen" not in text, text


@pytest.mark.parametrize("question,now,options,right", [
    ("what did the green box do?", 12.0,
     ["A. it kept going the same direction", "B. it went back the way it came", "C. it vanished", "D. it's still there"], 1),
    ("after the purple disc paused, then what?", 21.0,
     ["A) turned around", "B) carried on the same way", "C) stayed where it stopped", "D) disappeared on the spot"], 1),
    ("did the white square leave the picture?", 28.0,
     ["A. yes, it went out of view at the bottom", "B. no, it is still there", "C. it disappeared where it was",
      "D. it came back up"], 2),
    ("what did the orange and blue balls do when they touched?", 37.0,
     ["A. passed each other", "B. bounced back", "C. both vanished", "D. stopped side by side"], 3),
    ("what did the pink square do once it had stopped?", 58.0,
     ["A. kept going", "B. went back", "C. vanished on the spot", "D. it's still there where it stopped"], 2),
    ("which way did the green square move first?", 12.0,  # order: "left to right" is not "right to left"
     ["A. right to left", "B. left to right", "C. upwards", "D. downwards"], 1),
])
def test_options_are_matched_by_what_happened(engine, question, now, options, right):
    assert engine.context(question, now, options).composed.choice == right


@pytest.mark.parametrize("question,now,options,right", [
    ("which way is the man walking right now?", 50.0,
     ["A. to the right", "B. to the left", "C. towards the camera", "D. away from the camera"], 1),
    ("was he walking to the left or to the right?", 51.0,  # an either-or, not a yes/no
     ["A. to the right", "B. to the left", "C. towards the camera", "D. away from the camera"], 1),
    ("in which direction did the pedestrian go?", 52.0,
     ["A. left to right", "B. right to left", "C. up", "D. down"], 1),
])
def test_person_direction_from_the_track_not_two_recent_frames(engine, question, now, options, right):
    """Only one detection in the last 6 s before 50 s: the track's whole life says right to left."""
    ctx = engine.context(question, now, options)
    assert ctx.composed.choice == right, ctx.composed.text
    assert "right to left" in ctx.composed.text


def test_direction_when_the_detector_did_not_follow_them():
    """No detections at all: the unrecognised moving thing (no drawn shape) gives the way, said as
    such; the pink square that went the other way is not taken for the woman."""
    from vstream.answer.engine import AnswerEngine

    engine = AnswerEngine(_View([_motion(52, 56, "pink", "square", [(52, 56, "left to right")]),
                                 _motion(60, 66, "grey", "", [(60, 66, "right to left")], "right edge", "left edge")]))
    ctx = engine.context("which way did the woman go?", 67.0, ["A. to the left", "B. to the right", "C. up", "D. down"])
    assert ctx.composed.choice == 0 and "did not follow" in ctx.composed.text, ctx.composed.text
