"""`vstream eval synth`: a synthetic ground-truth suite in StreamingBench's format.

Videos with known events — timed on-screen text, circles appearing and moving (counted), scene
cuts, real clips from ../shared/media spliced in when present — and questions of three kinds:
real-time (what is on screen now), backward (what was shown earlier, how many so far) and
proactive (tell me when X appears). Every time is a whole second, so HH:MM:SS time stamps are
exact. Deterministic for a given size and seed."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.synthvideo import SceneScript, Segment, ShapeEvent, TextEvent

TEXT_POOL = ["EXIT", "OPEN", "SALE", "TAXI", "HOTEL", "CAFE", "BANK", "GATE 7", "BUS 42", "POLICE", "MUSEUM", "TICKETS",
             "PARKING", "CLOSED", "PHARMACY", "STATION", "LIBRARY", "MARKET"]
COLOURS = [(40, 80, 160), (160, 70, 40), (40, 140, 70), (120, 60, 140), (150, 140, 40), (60, 130, 140)]
SIZES = {"small": (3, 60), "full": (10, 150)}  # videos, seconds each
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


def questions_for(v: SynthVideo, rng: random.Random) -> list[dict]:
    qs: list[dict] = []
    others = [w for w in TEXT_POOL if w not in {t for t, _, _ in v.texts}]
    duration = int(v.script.duration)
    for word, a, b in v.texts:
        t = rng.randint(a + 1, b - 1)
        opts, ans = _options(word, others + ["No text is shown"], rng)
        qs.append(_mc("Text Recognition", "real-time", "What text is on the screen right now?", t, opts, ans))
    for word, a, b in v.texts[1::2]:
        t = min(duration - 1, b + rng.randint(15, 30))
        opts, ans = _options(word, others, rng)
        at = a + 1
        qs.append(_mc("Text Recall", "backward", f"Which text was shown on screen at {at // 60}:{at % 60:02d}?", t, opts, ans))
    for t in (duration // 2, duration - 1):
        n = sum(1 for c in v.cuts if c <= t)
        opts, ans = _options(str(n), [str(x) for x in range(max(0, n - 3), n + 4) if x != n], rng)
        qs.append(_mc("Scene Counting", "backward", "How many scene changes have happened so far?", t, opts, ans))
        n = sum(1 for c in v.circles if c <= t)
        opts, ans = _options(str(n), [str(x) for x in range(max(0, n - 3), n + 4) if x != n], rng)
        qs.append(_mc("Shape Counting", "backward", "How many yellow circles have appeared so far?", t, opts, ans))
    for word, a, _ in v.texts[2::3]:
        qs.append({"task_type": "Proactive Output", "question": f"When the text '{word}' appears on screen, output \"{word}\".",
                   "time_stamp": hms(max(0, a - rng.randint(3, 8))), "ground_truth_time_stamp": hms(a),
                   "ground_truth_output": word, "required_ability": "proactive"})
    return sorted(qs, key=lambda q: q["time_stamp"])


def _mc(task: str, ability: str, question: str, t: int, options: list[str], answer: str) -> dict:
    return {"task_type": task, "question": question, "time_stamp": hms(t), "options": options, "answer": answer,
            "required_ability": ability}


def build_suite(out: str | Path, size: str = "small", seed: int = 0) -> dict:
    out = Path(out)
    (out / "videos").mkdir(parents=True, exist_ok=True)
    n, duration = SIZES[size]
    rng = random.Random(seed)
    entries, truth = [], []
    for i in range(n):
        v = make_video(i, duration, rng)
        write_video(v, out / "videos" / f"{v.name}.mp4")
        entries.append({"time": f"[0:00:00 - {hms(duration)}]", "video_categories": "synthetic",
                        "video_path": f"./videos/{v.name}.mp4", "questions": questions_for(v, rng)})
        truth.append({"video": v.name, "texts": v.texts, "cuts": v.cuts, "circles": v.circles, "real_clip": v.real_clip})
    (out / "questions.json").write_text(json.dumps(entries, indent=1))
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    return {"out": str(out), "videos": n, "questions": sum(len(e["questions"]) for e in entries),
            "questions_file": str(out / "questions.json")}
