"""The synthetic suite's action task: every episode kind with every outcome is rendered into one
clip, decoded, and the actors are found again in the pixels (by colour against the empty scene):
their centres at known times match the script, and what they did — read off the decoded track
by simple rules written here, not by the generator — is the answer the questions give."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from eval.loaders import load_streamingbench
from eval.qaclips import write_clip
from eval.synth import (
    ACTION_OPTIONS,
    ACTION_SIZE,
    EPISODES,
    ActionEpisode,
    action_questions,
    actions_clip,
    build_suite,
)

FPS = 10
W, H = ACTION_SIZE


def _every_outcome() -> list[ActionEpisode]:
    """One episode per (task, outcome), found by trying seeds, laid out back to back (2 s gaps)."""
    picks: dict[tuple[str, str], tuple] = {}
    for build in EPISODES:
        for seed in range(200):
            ep = build(0, ["red", "blue"], random.Random(seed))
            picks.setdefault((ep.task, ep.outcome), (build, seed))
    episodes, t = [], 2
    for build, seed in picks.values():
        ep = build(t, ["red", "blue"], random.Random(seed))
        episodes.append(ep)
        t = ep.t_end + 2
    return episodes


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    episodes = _every_outcome()
    duration = episodes[-1].t_end + 2
    path = write_clip(actions_clip("all", duration, episodes), tmp_path_factory.mktemp("act") / "all.mp4")
    import av
    import cv2

    with av.open(str(path)) as c:  # at half size (~100 kB a frame): centres stay sub-pixel exact
        frames = [cv2.resize(f.to_ndarray(format="rgb24"), (W // 2, H // 2), interpolation=cv2.INTER_AREA)
                  for f in c.decode(video=0)]
    return episodes, frames


def _track(frames, colour, t0: float, t1: float) -> list[tuple[float, tuple[float, float] | None]]:
    """(t, centre in frame fractions or None) of the pixels of this colour that are not the empty
    scene (frame 0 holds nothing: the first episode starts at 2 s)."""
    empty = frames[0].astype(np.int16)
    out = []
    for i in range(max(0, int(t0 * FPS)), min(len(frames), int(t1 * FPS))):
        f = frames[i].astype(np.int16)
        mask = (np.abs(f - np.array(colour)).max(axis=2) < 60) & (np.abs(f - empty).max(axis=2) > 40)
        ys, xs = np.nonzero(mask)  # pixel centres at half size: (k + 0.5) * 2 in full-size pixels
        out.append((i / FPS, ((xs.mean() + 0.5) * 2 / W, (ys.mean() + 0.5) * 2 / H) if len(xs) >= 8 else None))
    return out


def _person_track(frames, t0: float, t1: float):
    empty = frames[0].astype(np.int16)
    out = []
    for i in range(int(t0 * FPS), int(t1 * FPS)):
        ys, xs = np.nonzero(np.abs(frames[i].astype(np.int16) - empty).max(axis=2) > 40)
        out.append((i / FPS, (xs.mean() * 2 / W, ys.mean() * 2 / H) if len(xs) >= 25 else None))
    return out


def _seen(track):
    return [(t, c) for t, c in track if c is not None]


def _way(a, b) -> str:
    dx, dy = b[0] - a[0], b[1] - a[1]
    if abs(dx) >= abs(dy):
        return "From left to right" if dx > 0 else "From right to left"
    return "Downwards" if dy > 0 else "Upwards"


def _moves(seen) -> list[float]:
    """Per-frame x steps (frame fractions)."""
    return [b[1][0] - a[1][0] for a, b in zip(seen, seen[1:])]


def _still_span(seen) -> tuple[float, float] | None:
    """The first run of >= 1 s where the centre moved < 2 px per frame."""
    run = []
    for a, b in zip(seen, seen[1:]):
        if abs(b[1][0] - a[1][0]) * W < 2 and abs(b[1][1] - a[1][1]) * H < 2:
            run.append(b[0])
            if run[-1] - run[0] >= 1.0:
                continue
        elif run and run[-1] - run[0] >= 1.0:
            return run[0], run[-1]
        else:
            run = []
    return (run[0], run[-1]) if run and run[-1] - run[0] >= 1.0 else None


def _near_edge(x: float) -> bool:
    return x < 0.1 or x > 0.9


def read_action(ep: ActionEpisode, frames) -> str:
    """What the decoded pixels show the actor(s) did, in the task's option wording."""
    if ep.task == "Person Direction":
        seen = _seen(_person_track(frames, ep.t_start, ep.t_end + 0.5))
        return _way(seen[0][1], seen[-1][1])
    tracks = [_seen(_track(frames, s.color, ep.t_start, ep.ask_at + 0.05)) for s in ep.shapes]
    seen = tracks[0]
    at_ask = seen[-1][0] >= ep.ask_at - 0.1  # still in view when the question is asked
    if ep.task == "Action Direction":
        return _way(seen[0][1], seen[-1][1])
    if ep.task == "Action Meeting":
        left = min(tracks, key=lambda tr: tr[0][1][0])  # the one that came from the left
        if at_ask:
            return "They stopped side by side"
        if not _near_edge(left[-1][1][0]):
            return "They both disappeared"
        return "They passed each other" if left[-1][1][0] > 0.5 else "They bounced back apart"
    moves = [m for m in _moves(seen) if abs(m) * W >= 2]
    reversed_ = any(a * b < 0 for a, b in zip(moves, moves[1:]))
    if ep.task == "Action Bounce":
        if at_ask:
            return "It stopped in the middle"
        if not _near_edge(seen[-1][1][0]):
            return "It disappeared halfway across"
        turn = max(seen, key=lambda s: abs(s[1][0] - seen[0][1][0]))[1][0]
        assert not reversed_ or _near_edge(turn)  # a bounce turns at the far side
        return "It bounced off the far side and came back" if reversed_ else "It went straight across and out of view"
    still = _still_span(seen)
    assert still is not None, f"{ep.subject} never stood still"
    after = [m for (t, _), m in zip(seen[1:], _moves(seen)) if t > still[1] and abs(m) * W >= 2]
    if ep.task == "Action Exit":
        assert still[0] - seen[0][0] < 0.2  # it appeared in place: still from its first frame
        if at_ask:
            return "It is still there"
        if not after:
            return "It disappeared where it was"
        return "It moved out of view to the left" if after[0] < 0 else "It moved out of view to the right"
    # Action After Stop
    if at_ask:
        return "It stayed where it stopped"
    if not after:
        return "It vanished on the spot"
    before = [m for (t, _), m in zip(seen[1:], _moves(seen)) if t <= still[0] and abs(m) * W >= 2]
    return "It went back the way it came" if after[0] * before[0] < 0 else "It carried on in the same direction"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_every_action_outcome_is_in_the_clip(clip):
    episodes, frames = clip
    assert {(e.task, e.outcome) for e in episodes} == {(t, o) for t, opts in ACTION_OPTIONS.items() for o in opts
                                                        if t != "Person Direction" or "camera" not in o}
    for ep in episodes:
        assert read_action(ep, frames) == ep.outcome, (ep.task, ep.subject, ep.t_start)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_shape_centres_at_known_times(clip):
    """Where a shape is wholly in view, its decoded centre is the script's within 2 px."""
    episodes, frames = clip
    checked = 0
    for ep in episodes:
        for s in ep.shapes:
            for t, c in _track(frames, s.color, s.t_start, s.t_end):
                x, y = s.centre(t)
                inside = 0.06 < x < 0.94 and 0.1 < y < 0.9
                overlap = any(o is not s and o.t_start <= t < o.t_end and abs(o.centre(t)[0] - x) < 0.1 for o in ep.shapes)
                if inside and not overlap:
                    assert c is not None and abs(c[0] - x) * W <= 2 and abs(c[1] - y) * H <= 2, (ep.task, t, c, (x, y))
                    checked += 1
    assert checked > 300


def test_questions_answer_with_the_outcome():
    """Each question's letter points at the episode's outcome among the task's four options."""
    rng = random.Random(3)
    episodes = [build(2, ["red", "blue"], random.Random(k)) for k, build in enumerate(EPISODES)]
    for q in action_questions(episodes, rng):
        ep = next(e for e in episodes if e.task == q["task_type"])  # one episode per task here
        assert ep.subject in q["question"] or "person" in q["question"]
        opts = {o[0]: o[3:] for o in q["options"]}
        assert len(opts) == 4 and set(opts.values()) == set(ACTION_OPTIONS[ep.task])
        assert opts[q["answer"]] == ep.outcome
        t = int(q["time_stamp"][-2:])
        assert t == (ep.ask_at if q["required_ability"] == "backward" else ep.now_at)
        if q["required_ability"] == "real-time":  # asked mid-action: the actor is in view and moving
            assert ep.t_start < t < ep.t_end


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_suite_has_the_action_task_with_its_chance(tmp_path):
    built = build_suite(tmp_path, "tiny", kinds=("signs", "people", "actions"))
    assert built["videos"] == 3 and "actions" in built["kinds"]  # at least one video per kind
    qs = [q for q in load_streamingbench(tmp_path / "questions.json") if q.task in ACTION_OPTIONS]
    assert len(qs) >= 3 and all(len(q.options) == 4 for q in qs)  # chance 1/4, as the runner reports it
    truth = json.loads((tmp_path / "truth.json").read_text())
    episodes = next(v["episodes"] for v in truth if v["kind"] == "actions")
    assert episodes and all(e["outcome"] in ACTION_OPTIONS[e["task"]] for e in episodes)
    assert all(0 < e["ask_at"] < 30 for e in episodes)
