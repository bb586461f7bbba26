"""`vstream eval synth`: a synthetic ground-truth suite in StreamingBench's format.

Four kinds of video, in turn (at least one of each), so the suite measures every route of the answer router:
  signs   timed on-screen text, circles appearing and moving (counted), scene cuts, real clips
          from ../shared/media spliced in when present
  people  real pedestrians cut out of ../shared/media/vtest.avi walking over its empty scene
          (eval.qaclips): how many in view now, how many so far, tell me when a person appears
  speech  espeak-ng sentences at known times (skipped when espeak-ng is missing): what was said,
          when it was said, the latest announcement
  actions things doing things over vtest.avi's empty scene (episodes, below): balls and squares
          crossing, stopping, bouncing, appearing and leaving, two balls meeting, a real
          pedestrian cut-out walking; which way did it go, what did it do after it stopped
Questions are real-time (now), backward (earlier, so far) and proactive (tell me when), each
task asked in several natural phrasings. Every report gives each task's chance level (1/4 for
the four options). Every time is a whole second, so HH:MM:SS time stamps are exact.
Deterministic for a given size and seed."""

from __future__ import annotations

import json
import math
import random
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from eval.qaclips import ClipSpec, PersonEvent, SpeechEvent, speech_spans, write_clip
from eval.synthvideo import SceneScript, Segment, ShapeEvent, TextEvent

TEXT_POOL = ["EXIT", "OPEN", "SALE", "TAXI", "HOTEL", "CAFE", "BANK", "GATE 7", "BUS 42", "POLICE", "MUSEUM", "TICKETS",
             "PARKING", "CLOSED", "PHARMACY", "STATION", "LIBRARY", "MARKET"]
COLOURS = [(40, 80, 160), (160, 70, 40), (40, 140, 70), (120, 60, 140), (150, 140, 40), (60, 130, 140)]
SIZES = {"tiny": (2, 30), "small": (3, 60), "full": (9, 150)}  # videos (at least one per kind), seconds each
KINDS = ("signs", "people", "speech", "actions")
SHARED_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"


def hms(t: float) -> str:
    t = int(round(t))
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"


@dataclass
class SynthVideo:
    name: str
    script: SceneScript
    texts: list[tuple[str, int, int]]
    cuts: list[int]
    circles: list[int]  # appearance times
    real_clip: tuple[str, int, int] | None  # (file, t_start, t_end) spliced in


def make_video(i: int, duration: int, rng: random.Random) -> SynthVideo:
    n_seg = max(2, duration // 25)
    bounds = sorted(rng.sample(range(12, duration - 8), n_seg - 1))
    starts = [0] + bounds
    segs = [Segment(a, b, COLOURS[(i + k) % len(COLOURS)], seed=100 * i + k) for k, (a, b) in enumerate(zip(starts, bounds + [duration]))]
    texts, t, pool = [], 3, rng.sample(TEXT_POOL, len(TEXT_POOL))
    while t + 5 < duration and pool:
        dur = rng.randint(4, 6)
        texts.append((pool.pop(), t, t + dur))
        t += dur + rng.randint(4, 8)
    circles = sorted(rng.sample(range(4, duration - 6), max(1, duration // 30)))
    shapes = [ShapeEvent("circle", (250, 230, 40), c, c + 5, (0.1, rng.uniform(0.15, 0.35)), (0.9, rng.uniform(0.15, 0.35)), 0.07)
              for c in circles]
    real = None
    clips = [p for p in ("bikes.mp4", "cityCC0.mpg", "cockatoo.mp4") if (SHARED_MEDIA / p).exists()]
    if clips and len(segs) >= 3:  # replace the last segment's first 5 s with a real clip
        last = segs[-1]
        real = (clips[i % len(clips)], last.t_start, min(last.t_end, last.t_start + 5))
    script = SceneScript(duration=duration, fps=10, size=(480, 270), segments=segs,
                         texts=[TextEvent(w, a, b, xy=(rng.uniform(0.05, 0.45), rng.uniform(0.5, 0.85))) for w, a, b in texts],
                         shapes=shapes)
    return SynthVideo(f"synth_{i:02d}", script, texts, [s.t_start for s in segs[1:]], circles, real)


def _real_frames(path: Path, size: tuple[int, int], n: int) -> list[np.ndarray]:
    import av
    import cv2

    out = []
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            out.append(cv2.resize(f.to_ndarray(format="rgb24"), size, interpolation=cv2.INTER_AREA))
            if len(out) >= n:
                break
    return out


def write_video(v: SynthVideo, path: Path) -> None:
    from eval.synthvideo import write_video as encode

    frames = v.script.frames()
    if v.real_clip is None:
        encode(path, frames, v.script.fps)
        return
    name, a, b = v.real_clip
    fps = v.script.fps
    real = _real_frames(SHARED_MEDIA / name, v.script.size, int((b - a) * fps))

    def spliced():
        for k, img in enumerate(frames):
            j = k - int(a * fps)
            yield real[j] if 0 <= j < len(real) else img

    encode(path, spliced(), fps)


def _options(correct: str, distractors: list[str], rng: random.Random) -> tuple[list[str], str]:
    opts = [correct] + rng.sample(distractors, 3)
    rng.shuffle(opts)
    letter = "ABCD"[opts.index(correct)]
    return [f"{'ABCD'[k]}. {o}" for k, o in enumerate(opts)], letter


# Several natural phrasings per task (picked at random per question): a router tuned to one
# wording would show here. {at}: a m:ss time.
PHRASES = {
    "Text Recognition": ["What text is on the screen right now?", "What does the sign on screen say?",
                         "Which word is written in the picture at the moment?", "Read me the text that is showing now."],
    "Text Recall": ["Which text was shown on screen at {at}?", "What did the writing on screen say at {at}?",
                    "At {at}, which word was displayed?"],
    "Scene Counting": ["How many scene changes have happened so far?", "How many times has the shot cut so far?",
                       "Up to now, how many scene cuts were there?"],
    "Shape Counting": ["How many yellow circles have appeared so far?", "How many times has a yellow circle shown up so far?",
                       "Count the yellow circles that have appeared up to now."],
    "People Now": ["How many people are in view right now?", "How many people can you see at the moment?",
                   "Right now, how many persons are in the frame?"],
    "People So Far": ["How many different people have appeared so far?", "How many people have walked through so far?",
                      "Up to now, how many distinct people have you seen?"],
    "Speech Content": ["What was said at {at}?", "What did the announcement at {at} say?", "At {at}, what did the voice say?"],
    "Speech Latest": ["What was the most recent announcement?", "What did the speaker say last?",
                      "What is the latest thing that was said?"],
    "Speech Time": ["When was {quote} said?", "At what time did someone say {quote}?", "When did the voice mention {quote}?"],
}


def _ask(task: str, rng: random.Random, **kw) -> str:
    return rng.choice(PHRASES[task]).format(**kw)


def _mmss(t: int) -> str:
    return f"{t // 60}:{t % 60:02d}"


def _count_options(n: int, rng: random.Random) -> tuple[list[str], str]:
    return _options(str(n), [str(x) for x in range(max(0, n - 3), n + 4) if x != n], rng)


def questions_for(v: SynthVideo, rng: random.Random) -> list[dict]:
    qs: list[dict] = []
    others = [w for w in TEXT_POOL if w not in {t for t, _, _ in v.texts}]
    duration = int(v.script.duration)
    for word, a, b in v.texts:
        t = rng.randint(a + 1, b - 1)
        opts, ans = _options(word, others + ["No text is shown"], rng)
        qs.append(_mc("Text Recognition", "real-time", _ask("Text Recognition", rng), t, opts, ans))
    for word, a, b in v.texts[1::2]:
        t = min(duration - 1, b + rng.randint(15, 30))
        opts, ans = _options(word, others, rng)
        qs.append(_mc("Text Recall", "backward", _ask("Text Recall", rng, at=_mmss(a + 1)), t, opts, ans))
    for t in (duration // 2, duration - 1):
        opts, ans = _count_options(sum(1 for c in v.cuts if c <= t), rng)
        qs.append(_mc("Scene Counting", "backward", _ask("Scene Counting", rng), t, opts, ans))
        opts, ans = _count_options(sum(1 for c in v.circles if c <= t), rng)
        qs.append(_mc("Shape Counting", "backward", _ask("Shape Counting", rng), t, opts, ans))
    for word, a, _ in v.texts[2::3]:
        qs.append(_proactive(f"When the text '{word}' appears on screen, output \"{word}\".", a, word, rng))
    return sorted(qs, key=lambda q: q["time_stamp"])


def _proactive(instruction: str, due: int, output: str, rng: random.Random) -> dict:
    return {"task_type": "Proactive Output", "question": instruction, "time_stamp": hms(max(0, due - rng.randint(3, 8))),
            "ground_truth_time_stamp": hms(due), "ground_truth_output": output, "required_ability": "proactive"}


# ---- people -------------------------------------------------------------------------------------------
def people_spec(i: int, duration: int, rng: random.Random) -> ClipSpec:
    """Walkers crossing vtest.avi's empty path (real pedestrian cut-outs), one at a time or two
    together; each takes 8-12 s to cross, so a question at a whole second has an exact count."""
    people, t = [], 3
    while t + 10 < duration:
        walk = min(rng.randint(8, 12), duration - t)
        left = rng.random() < 0.5
        xy0, xy1 = ((-0.05, 0.62), (1.05, 0.6)) if left else ((1.05, 0.68), (-0.05, 0.66))
        people.append(PersonEvent(t, t + walk, xy0, xy1, sprite=len(people) % 3))
        t += walk + rng.randint(2, 6) if rng.random() < 0.7 else rng.randint(4, walk - 3)  # mostly one at a time
    return ClipSpec(f"synth_{i:02d}", float(duration), size=(480, 270), scene_background=True,
                    segments=(Segment(0, duration, (120, 120, 125), seed=300 + i),), people=tuple(people))


def people_questions(spec: ClipSpec, rng: random.Random) -> list[dict]:
    """In view now (sampled mid-walk and between walks, never within 1.5 s of an edge crossing),
    how many so far, and a proactive 'tell me when a person appears'."""
    qs, duration = [], int(spec.duration)
    edges = sorted({e for p in spec.people for e in (p.t_start, p.t_end)})
    for t in range(5, duration, 5):
        if any(abs(t - e) < 1.5 for e in edges) or any(abs(t - (p.t_start + 1)) < 1 for p in spec.people):
            continue
        now = sum(1 for p in spec.people if p.t_start + 1 <= t < p.t_end - 1)
        opts, ans = _count_options(now, rng)
        qs.append(_mc("People Now", "real-time", _ask("People Now", rng), t, opts, ans))
    for t in (duration // 2, duration - 1):
        seen = sum(1 for p in spec.people if p.t_start + 2 <= t)
        if any(0 <= t - p.t_start < 2 for p in spec.people):
            continue  # someone is just stepping in: not an exact count
        opts, ans = _count_options(seen, rng)
        qs.append(_mc("People So Far", "backward", _ask("People So Far", rng), t, opts, ans))
    gaps = [p for k, p in enumerate(spec.people) if k == 0 or spec.people[k - 1].t_end + 2 < p.t_start]
    for p in gaps[:1]:  # a person appearing on an empty path; the first foot crosses the edge at ~1 s
        qs.append(_proactive("Tell me when a person appears.", int(p.t_start) + 1, "person", rng))
    return sorted(qs, key=lambda q: q["time_stamp"])


# ---- speech -------------------------------------------------------------------------------------------
SENTENCES = [("The delivery truck is waiting at dock seven.", "dock seven"), ("The meeting has moved to room twelve.", "room twelve"),
             ("Lunch today is in the blue cafeteria.", "blue cafeteria"), ("The library closes at nine tonight.", "library"),
             ("Please move your car from the north gate.", "north gate"), ("The train to the airport is delayed.", "airport")]


def have_speech() -> bool:
    return shutil.which("espeak-ng") is not None


def speech_spec(i: int, duration: int, rng: random.Random) -> ClipSpec:
    picked = rng.sample(SENTENCES, max(2, min(4, duration // 12)))
    step = duration // (len(picked) + 1)
    speech = tuple(SpeechEvent(text, 2 + k * step) for k, (text, _) in enumerate(picked))
    return ClipSpec(f"synth_{i:02d}", float(duration), size=(480, 270), segments=(Segment(0, duration, (60, 70, 90), seed=500 + i),),
                    speech=speech)


def speech_questions(spec: ClipSpec, spans: list[tuple[str, float, float]], rng: random.Random) -> list[dict]:
    qs, duration = [], int(spec.duration)
    topic = dict(SENTENCES)
    said = [(text, int(a), int(math.ceil(b))) for text, a, b in spans]
    for text, a, b in said:
        t = min(duration - 1, b + rng.randint(2, 6))
        opts, ans = _options(text, [s for s, _ in SENTENCES if s != text], rng)
        qs.append(_mc("Speech Content", "backward", _ask("Speech Content", rng, at=_mmss(a + 1)), t, opts, ans))
        wrong = [_mmss(x) for x in range(a % 5, duration, 5) if abs(x - a) >= 5]  # other whole seconds, 5 s apart
        opts, ans = _options(_mmss(a), wrong, rng)
        qs.append(_mc("Speech Time", "backward", _ask("Speech Time", rng, quote=f"'{topic[text]}'"), t, opts, ans))
    text, a, b = said[-1]
    opts, ans = _options(text, [s for s, _ in SENTENCES if s != text], rng)
    qs.append(_mc("Speech Latest", "backward", _ask("Speech Latest", rng), min(duration - 1, b + 3), opts, ans))
    return sorted(qs, key=lambda q: q["time_stamp"])


# ---- actions ------------------------------------------------------------------------------------------
# One thing doing one thing at a time, over vtest.avi's empty scene (a still real backdrop, so
# only the actors move): episodes follow each other with 2 s gaps (nothing links two of them).
# Each question is asked at a whole second once what it asks about is over, or mid-action for
# "right now". A task always offers the same four outcomes, shuffled: chance is 1/4.
ACTION_COLOURS = {"red": (220, 30, 30), "blue": (40, 70, 230), "yellow": (250, 220, 40), "green": (40, 190, 60),
                  "purple": (150, 50, 200), "orange": (245, 130, 20), "pink": (240, 80, 170), "cyan": (30, 200, 220)}
ACTION_SIZE = (480, 270)
R = 0.07  # radius / half side, fraction of h (19 px)
RX = R * ACTION_SIZE[1] / ACTION_SIZE[0]  # the same as a fraction of w (0.039)
OFF_L, OFF_R, OFF_T, OFF_B = -RX - 0.02, 1 + RX + 0.02, -R - 0.02, 1 + R + 0.02  # centre just out of view
ACTION_OPTIONS = {
    "Action Direction": ("From left to right", "From right to left", "Upwards", "Downwards"),
    "Person Direction": ("From left to right", "From right to left", "Towards the camera", "Away from the camera"),
    "Action After Stop": ("It went back the way it came", "It carried on in the same direction", "It vanished on the spot",
                          "It stayed where it stopped"),
    "Action Bounce": ("It bounced off the far side and came back", "It went straight across and out of view",
                      "It stopped in the middle", "It disappeared halfway across"),
    "Action Exit": ("It moved out of view to the left", "It moved out of view to the right", "It disappeared where it was",
                    "It is still there"),
    "Action Meeting": ("They passed each other", "They stopped side by side", "They bounced back apart",
                       "They both disappeared"),
}
PHRASES.update({
    "Action Direction": ["Which way did the {it} go?", "In which direction did the {it} move?", "Where was the {it} heading?",
                         "Did the {it} go left, right, up or down?"],
    "Action Direction Now": ["Which way is the {it} moving right now?", "Where is the {it} heading at the moment?",
                             "Right now, in which direction is the {it} going?"],
    "Person Direction": ["Which way did the person walk?", "In which direction did the person go?",
                         "Was the person walking to the left or to the right?"],
    "Person Direction Now": ["Which way is the person walking right now?", "Where is the person heading at the moment?"],
    "Action After Stop": ["What did the {it} do after it stopped?", "The {it} stopped for a moment. What happened next?",
                          "After the {it} paused, what did it do?"],
    "Action Bounce": ["What did the {it} do?", "What happened to the {it} as it went across?", "Describe what the {it} did."],
    "Action Exit": ["Did the {it} leave the scene? How?", "Where did the {it} go?", "What happened to the {it} that appeared?"],
    "Action Meeting": ["What did the {it} do when they met?", "What happened when the {it} reached each other?",
                       "The {it} came towards each other. Then what?"],
})


@dataclass(frozen=True)
class ActionEpisode:
    task: str
    outcome: str  # the right option, one of ACTION_OPTIONS[task]
    subject: str  # "red ball", "red and blue balls", "person"
    t_start: int
    t_end: int  # the scene is empty again from here
    ask_at: int  # the question about the whole action
    now_at: int | None = None  # a "right now" question mid-action (direction tasks)
    shapes: tuple[ShapeEvent, ...] = ()
    people: tuple[PersonEvent, ...] = ()

    def to_json(self) -> dict:
        return asdict(self)


def _noun(kind: str) -> str:
    return "ball" if kind == "circle" else "square"


def _sides(rng: random.Random) -> tuple[str, float, float]:
    """(side it comes from, x it enters at, x of the far side's exit)."""
    return ("left", OFF_L, OFF_R) if rng.random() < 0.5 else ("right", OFF_R, OFF_L)


def _cross(t0: int, colours: list[str], rng: random.Random) -> ActionEpisode:
    """Straight across the frame in 4 s (135 px/s sideways, 80 px/s up or down), in and out of view."""
    way, col, kind = rng.choice(ACTION_OPTIONS["Action Direction"]), colours.pop(), rng.choice(("circle", "square"))
    if way in ("From left to right", "From right to left"):
        y = round(rng.uniform(0.2, 0.5), 2)
        a, b = ((OFF_L, y), (OFF_R, y)) if way == "From left to right" else ((OFF_R, y), (OFF_L, y))
    else:
        x = round(rng.uniform(0.25, 0.75), 2)
        a, b = ((x, OFF_B), (x, OFF_T)) if way == "Upwards" else ((x, OFF_T), (x, OFF_B))
    shape = ShapeEvent(kind, ACTION_COLOURS[col], t0, t0 + 4, a, b, R)
    return ActionEpisode("Action Direction", way, f"{col} {_noun(kind)}", t0, t0 + 4, t0 + 5 + rng.randint(0, 1), t0 + 2, (shape,))


def _after_stop(t0: int, colours: list[str], rng: random.Random) -> ActionEpisode:
    """In from one side to the middle (2 s), still for 2 s, then back, on, gone, or still there."""
    out, col = rng.choice(ACTION_OPTIONS["Action After Stop"]), colours.pop()
    side, x_in, x_far = _sides(rng)
    y = round(rng.uniform(0.2, 0.5), 2)
    mid = ((t0 + 2, 0.5, y),)
    end = {"It went back the way it came": (t0 + 6, (x_in, y), mid + ((t0 + 4, 0.5, y),)),
           "It carried on in the same direction": (t0 + 6, (x_far, y), mid + ((t0 + 4, 0.5, y),)),
           "It vanished on the spot": (t0 + 4, (0.5, y), mid),
           "It stayed where it stopped": (t0 + 8, (0.5, y), mid)}[out]
    shape = ShapeEvent("square", ACTION_COLOURS[col], t0, end[0], (x_in, y), end[1], R, via=end[2])
    return ActionEpisode("Action After Stop", out, f"{col} square", t0, t0 + 8, t0 + 7, None, (shape,))


def _bounce(t0: int, colours: list[str], rng: random.Random) -> ActionEpisode:
    """A ball across: it touches the far side at 2.5 s and comes back, or goes straight out, or
    stops / vanishes in the middle at 1.5 s."""
    out, col = rng.choice(ACTION_OPTIONS["Action Bounce"]), colours.pop()
    side, x_in, x_far = _sides(rng)
    y = round(rng.uniform(0.2, 0.5), 2)
    edge = 1 - RX if side == "left" else RX
    end = {"It bounced off the far side and came back": (t0 + 5, (x_in, y), ((t0 + 2.5, edge, y),)),
           "It went straight across and out of view": (t0 + 3, (x_far, y), ()),
           "It stopped in the middle": (t0 + 7, (0.5, y), ((t0 + 1.5, 0.5, y),)),
           "It disappeared halfway across": (t0 + 1.5, (0.5, y), ())}[out]
    shape = ShapeEvent("circle", ACTION_COLOURS[col], t0, end[0], (x_in, y), end[1], R, via=end[2])
    return ActionEpisode("Action Bounce", out, f"{col} ball", t0, t0 + 7, t0 + 6, None, (shape,))


def _exit(t0: int, colours: list[str], rng: random.Random) -> ActionEpisode:
    """A square appears in place, stays 2 s, then moves out left / right (2 s), vanishes, or stays."""
    out, col = rng.choice(ACTION_OPTIONS["Action Exit"]), colours.pop()
    x, y = round(rng.uniform(0.35, 0.65), 2), round(rng.uniform(0.2, 0.5), 2)
    still = ((t0 + 2, x, y),)
    end = {"It moved out of view to the left": (t0 + 4, (OFF_L, y), still),
           "It moved out of view to the right": (t0 + 4, (OFF_R, y), still),
           "It disappeared where it was": (t0 + 2, (x, y), ()),
           "It is still there": (t0 + 6, (x, y), ())}[out]
    shape = ShapeEvent("square", ACTION_COLOURS[col], t0, end[0], (x, y), end[1], R, via=end[2])
    return ActionEpisode("Action Exit", out, f"{col} square", t0, t0 + 6, t0 + 5, None, (shape,))


def _meeting(t0: int, colours: list[str], rng: random.Random) -> ActionEpisode:
    """Two balls from opposite sides touch in the middle at 2.5 s, then pass, stop, bounce back or vanish."""
    out, c1, c2 = rng.choice(ACTION_OPTIONS["Action Meeting"]), colours.pop(), colours.pop()
    y = round(rng.uniform(0.25, 0.5), 2)
    shapes = []
    for col, x_in, x_far, touch, dy in ((c1, OFF_L, OFF_R, 0.5 - RX, -0.03), (c2, OFF_R, OFF_L, 0.5 + RX, 0.03)):
        meet = ((t0 + 2.5, touch, y + dy),)
        end = {"They passed each other": (t0 + 5, (x_far, y + dy), ()),
               "They stopped side by side": (t0 + 7, (touch, y + dy), meet),
               "They bounced back apart": (t0 + 5, (x_in, y + dy), meet),
               "They both disappeared": (t0 + 2.5, (touch, y + dy), ())}[out]
        shapes.append(ShapeEvent("circle", ACTION_COLOURS[col], t0, end[0], (x_in, y + dy), end[1], R, via=end[2]))
    return ActionEpisode("Action Meeting", out, f"{c1} and {c2} balls", t0, t0 + 7, t0 + 6, None, tuple(shapes))


def _person(t0: int, colours: list[str], rng: random.Random) -> ActionEpisode:
    """A real pedestrian cut-out (eval.qaclips) walking across the path in 8 s."""
    way = rng.choice(ACTION_OPTIONS["Person Direction"][:2])
    xy0, xy1 = ((-0.05, 0.62), (1.05, 0.6)) if way == "From left to right" else ((1.05, 0.68), (-0.05, 0.66))
    walker = PersonEvent(t0, t0 + 8, xy0, xy1, sprite=rng.randrange(3))
    return ActionEpisode("Person Direction", way, "person", t0, t0 + 8, t0 + 9, t0 + 4, people=(walker,))


EPISODES = (_cross, _after_stop, _bounce, _exit, _meeting, _person)


def actions_spec(i: int, duration: int, rng: random.Random) -> tuple[ClipSpec, list[ActionEpisode]]:
    """Episodes of every kind in a shuffled order, back to back with 2 s gaps, each actor in a
    colour of its own, until the clip (or the colours) run out."""
    builders = rng.sample(EPISODES, len(EPISODES))
    colours = rng.sample(list(ACTION_COLOURS), len(ACTION_COLOURS))
    episodes: list[ActionEpisode] = []
    t = 2
    while len(colours) >= 2:
        ep = builders[len(episodes) % len(builders)](t, colours, rng)
        if ep.t_end > duration or ep.ask_at > duration - 1:
            break
        episodes.append(ep)
        t = ep.t_end + 2
    return actions_clip(f"synth_{i:02d}", duration, episodes), episodes


def actions_clip(name: str, duration: float, episodes: list[ActionEpisode]) -> ClipSpec:
    """The clip that plays the episodes (eval.qaclips.write_clip writes it)."""
    return ClipSpec(name, float(duration), size=ACTION_SIZE, scene_background=True,
                    segments=(Segment(0, duration, (120, 120, 125), seed=700),),
                    shapes=tuple(s for e in episodes for s in e.shapes), people=tuple(p for e in episodes for p in e.people))


def _all_options(correct: str, choices: tuple[str, ...], rng: random.Random) -> tuple[list[str], str]:
    opts = rng.sample(list(choices), len(choices))
    return [f"{'ABCD'[k]}. {o}" for k, o in enumerate(opts)], "ABCD"[opts.index(correct)]


def action_questions(episodes: list[ActionEpisode], rng: random.Random) -> list[dict]:
    qs = []
    for e in episodes:
        opts, ans = _all_options(e.outcome, ACTION_OPTIONS[e.task], rng)
        qs.append(_mc(e.task, "backward", _ask(e.task, rng, it=e.subject), e.ask_at, opts, ans))
        if e.now_at is not None:
            opts, ans = _all_options(e.outcome, ACTION_OPTIONS[e.task], rng)
            qs.append(_mc(e.task, "real-time", _ask(e.task + " Now", rng, it=e.subject), e.now_at, opts, ans))
    return sorted(qs, key=lambda q: q["time_stamp"])


def _mc(task: str, ability: str, question: str, t: int, options: list[str], answer: str) -> dict:
    return {"task_type": task, "question": question, "time_stamp": hms(t), "options": options, "answer": answer,
            "required_ability": ability}


def build_suite(out: str | Path, size: str = "small", seed: int = 0, kinds: tuple[str, ...] = KINDS) -> dict:
    """Write videos, questions.json (StreamingBench's format) and truth.json. Video i is of kind
    kinds[i % len(kinds)]; speech videos are left out when espeak-ng is missing."""
    out = Path(out)
    (out / "videos").mkdir(parents=True, exist_ok=True)
    n, duration = SIZES[size]
    rng = random.Random(seed)
    usable = tuple(k for k in kinds if k != "speech" or have_speech()) or ("signs",)
    n = max(n, len(usable))  # every kind asked about at least once, whatever the size
    entries, truth = [], []
    for i in range(n):
        kind = usable[i % len(usable)]
        qs, facts = _build_video(kind, i, duration, rng, out / "videos" / f"synth_{i:02d}.mp4")
        entries.append({"time": f"[0:00:00 - {hms(duration)}]", "video_categories": f"synthetic {kind}",
                        "video_path": f"./videos/synth_{i:02d}.mp4", "questions": qs})
        truth.append({"video": f"synth_{i:02d}", "kind": kind, **facts})
    (out / "questions.json").write_text(json.dumps(entries, indent=1))
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    return {"out": str(out), "videos": n, "questions": sum(len(e["questions"]) for e in entries),
            "kinds": list(usable), "questions_file": str(out / "questions.json")}


def _build_video(kind: str, i: int, duration: int, rng: random.Random, path: Path) -> tuple[list[dict], dict]:
    if kind == "people":
        spec = people_spec(i, duration, rng)
        write_clip(spec, path)
        return people_questions(spec, rng), {"people": [[p.t_start, p.t_end] for p in spec.people]}
    if kind == "actions":
        spec, episodes = actions_spec(i, duration, rng)
        write_clip(spec, path)
        return action_questions(episodes, rng), {"episodes": [e.to_json() for e in episodes]}
    if kind == "speech":
        spec = speech_spec(i, duration, rng)
        write_clip(spec, path)
        spans = speech_spans(spec)
        return speech_questions(spec, spans, rng), {"speech": spans}
    v = make_video(i, duration, rng)
    write_video(v, path)
    return questions_for(v, rng), {"texts": v.texts, "cuts": v.cuts, "circles": v.circles, "real_clip": v.real_clip}
