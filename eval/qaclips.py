"""Generated clips for the QA development set (`gen:NAME` in a set file).

Each clip is a script with known ground truth: timed on-screen text, sentences spoken by
espeak-ng at known times (muxed as AAC beside the H.264 video), people walking in and out,
coloured shapes moving, scene cuts. Clips are deterministic and written into a cache folder
(never into the repo): `build("signs")` returns the path, regenerating only when the script or
this generator changes (the file name carries a hash of both).

People are cut out of ../shared/media/vtest.avi (real pedestrians, masked against the clip's
median background) when that file is present; otherwise a drawn figure stands in. Their times
and positions are the same either way, so the ground truth does not change.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from eval.synthvideo import SceneScript, Segment, ShapeEvent, TextEvent
from vstream.errors import MissingDependencyError, VStreamError

GENERATOR_VERSION = 1  # bump when rendering changes: every cached clip is rebuilt
SHARED_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"
AUDIO_RATE = 22050  # espeak-ng writes 22.05 kHz mono; AAC encodes it as is
AAC_FRAME = 1024  # samples per AAC frame


@dataclass(frozen=True)
class SpeechEvent:
    text: str
    t_start: float  # the first sample of the sentence lands here
    voice: str = "en-us"
    wpm: int = 130  # Whisper tiny.en transcribed 130 wpm espeak-ng speech with ~0.3 s word times


@dataclass(frozen=True)
class PersonEvent:
    """A person walking in a straight line from xy0 (at t_start) to xy1 (at t_end); feet at y."""

    t_start: float
    t_end: float
    xy0: tuple[float, float]  # feet position, fractions of (w, h)
    xy1: tuple[float, float]
    sprite: int = 0  # which cut-out (0..len(SPRITES)-1)
    height: float = 0.38  # fraction of the frame height


@dataclass(frozen=True)
class ClipSpec:
    name: str
    duration: float
    fps: float = 10.0
    size: tuple[int, int] = (640, 360)
    segments: tuple[Segment, ...] = ()
    texts: tuple[TextEvent, ...] = ()
    shapes: tuple[ShapeEvent, ...] = ()
    people: tuple[PersonEvent, ...] = ()
    speech: tuple[SpeechEvent, ...] = ()
    scene_background: bool = False  # people clips: vtest.avi's empty scene as the backdrop

    def key(self) -> str:
        blob = json.dumps([GENERATOR_VERSION, asdict(self)], sort_keys=True, default=str)
        return hashlib.sha1(blob.encode()).hexdigest()[:12]


# ---- the clips the development set uses ---------------------------------------------------------------
GREY, TEAL, BROWN, NAVY = (120, 120, 125), (40, 110, 120), (120, 85, 60), (35, 45, 90)
RED, BLUE, YELLOW, GREEN = (220, 30, 30), (40, 70, 230), (250, 220, 40), (40, 190, 60)

CLIPS: dict[str, ClipSpec] = {
    # 60 s of a lobby screen: five signs at known times, two cuts (28 s, 42 s).
    "signs": ClipSpec(
        "signs", 60.0,
        segments=(Segment(0, 28, TEAL, seed=11), Segment(28, 42, BROWN, seed=12), Segment(42, 60, NAVY, seed=13)),
        texts=(TextEvent("FIRE DRILL AT 14:30", 5, 13, (0.06, 0.55), 1.5),
               TextEvent("ROOM 214", 18, 26, (0.25, 0.55), 2.0),
               TextEvent("www.harbortickets.com", 31, 39, (0.04, 0.55), 1.15),
               TextEvent("EXIT", 45, 53, (0.38, 0.55), 2.4),
               TextEvent("WET FLOOR", 55, 60, (0.22, 0.55), 2.0)),
        shapes=(ShapeEvent("circle", YELLOW, 20, 27, (0.1, 0.2), (0.9, 0.2), 0.07),),
    ),
    # 60 s of a quiet corridor with announcements spoken at known times; one sign at the end.
    "speech": ClipSpec(
        "speech", 60.0,
        segments=(Segment(0, 60, GREY, seed=21),),
        texts=(TextEvent("QUIET PLEASE", 50, 58, (0.15, 0.55), 2.0),),
        speech=(SpeechEvent("The delivery truck is waiting at dock seven.", 4),
                SpeechEvent("The meeting has moved to room twelve.", 16),
                SpeechEvent("Reminder, the fire alarm test starts at three thirty.", 28),
                SpeechEvent("Lunch today is in the blue cafeteria.", 42)),
    ),
    # 60 s on vtest.avi's empty campus path: three people walk through, a red box and a blue ball move.
    "people": ClipSpec(
        "people", 60.0, scene_background=True,
        segments=(Segment(0, 60, GREY, seed=31),),
        people=(PersonEvent(5, 21, (-0.05, 0.62), (1.05, 0.58), sprite=0),
                PersonEvent(11, 29, (1.05, 0.70), (-0.05, 0.66), sprite=1),
                PersonEvent(36, 50, (-0.05, 0.60), (1.05, 0.64), sprite=2)),
        shapes=(ShapeEvent("square", RED, 22, 32, (0.9, 0.25), (0.1, 0.25), 0.06),
                ShapeEvent("circle", BLUE, 40, 46, (0.2, 0.15), (0.8, 0.15), 0.06)),
    ),
    # 12 s, for the end-to-end test: two signs, nothing spoken.
    "mini": ClipSpec(
        "mini", 12.0, size=(480, 270),
        segments=(Segment(0, 12, TEAL, seed=41),),
        texts=(TextEvent("GATE 7", 2, 6, (0.25, 0.55), 2.0), TextEvent("EXIT", 8, 11.5, (0.35, 0.55), 2.4)),
    ),
}


def cache_dir() -> Path:
    """$VSTREAM_QA_CACHE, else $XDG_CACHE_HOME/vstream/qaclips, else ~/.cache/vstream/qaclips."""
    if env := os.environ.get("VSTREAM_QA_CACHE"):
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "vstream" / "qaclips"


def build(name: str, cache: Path | None = None) -> Path:
    """The clip's path, generated into the cache on first use (atomic: a temp file, then rename)."""
    spec = CLIPS.get(name)
    if spec is None:
        raise VStreamError(f"unknown generated clip gen:{name}; known: {', '.join(sorted(CLIPS))}")
    cache = cache or cache_dir()
    mode = ("-real" if _vtest().is_file() else "-drawn") if spec.people or spec.scene_background else ""
    path = cache / f"{name}-{spec.key()}{mode}.mp4"
    if path.is_file():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.mp4")
    write_clip(spec, tmp)
    tmp.replace(path)
    return path


def write_clip(spec: ClipSpec, path: Path) -> Path:
    import av

    audio = synth_audio(spec)
    script = SceneScript(spec.duration, spec.fps, spec.size, list(spec.segments), list(spec.texts), list(spec.shapes))
    painter = PeoplePainter(spec)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=Fraction(spec.fps).limit_denominator(1001))
        vs.width, vs.height = spec.size
        vs.pix_fmt = "yuv420p"
        vs.options = {"crf": "20", "preset": "veryfast"}
        aus = _audio_stream(out) if audio is not None else None
        a_pos = 0
        cache: dict = {}
        for i in range(int(round(spec.duration * spec.fps))):
            t = i / spec.fps
            img = painter.paint(script, t, i, cache)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            frame.pts = i
            out.mux(vs.encode(frame))
            if aus is not None:  # keep audio packets interleaved with video, time-ordered
                a_pos = _mux_audio(out, aus, audio, a_pos, int((t + 1 / spec.fps) * AUDIO_RATE))
        out.mux(vs.encode(None))
        if aus is not None:
            _mux_audio(out, aus, audio, a_pos, len(audio))
            out.mux(aus.encode(None))
    return path


# ---- speech ---------------------------------------------------------------------------------------------
def synth_audio(spec: ClipSpec) -> np.ndarray | None:
    """[n] float32 mono at AUDIO_RATE for the whole clip: silence with each sentence placed at its time."""
    if not spec.speech:
        return None
    track = np.zeros(int(spec.duration * AUDIO_RATE), np.float32)
    for s in spec.speech:
        pcm = speak(s)
        a = int(s.t_start * AUDIO_RATE)
        if a + len(pcm) > len(track):
            raise VStreamError(f"gen:{spec.name}: the sentence at {s.t_start} s runs past the clip's end")
        track[a:a + len(pcm)] += pcm
    return track


def speak(s: SpeechEvent) -> np.ndarray:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise MissingDependencyError("generated speech clips need espeak-ng; install it: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory() as d:
        wav = Path(d) / "s.wav"
        subprocess.run([exe, "-v", s.voice, "-s", str(s.wpm), "-w", str(wav), s.text], check=True,
                       capture_output=True, timeout=60)
        with wave.open(str(wav)) as w:
            assert w.getframerate() == AUDIO_RATE and w.getnchannels() == 1 and w.getsampwidth() == 2
            pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    return pcm.astype(np.float32) / 32768.0


def speech_spans(spec: ClipSpec) -> list[tuple[str, float, float]]:
    """(sentence, t_start, t_end) as synthesized (for ground truth and the README)."""
    return [(s.text, s.t_start, s.t_start + len(speak(s)) / AUDIO_RATE) for s in spec.speech]


def _audio_stream(out):
    st = out.add_stream("aac", rate=AUDIO_RATE)
    st.layout = "mono"
    return st


def _mux_audio(out, st, audio: np.ndarray, start: int, stop: int) -> int:
    """Encode whole AAC frames of `audio` from sample `start` up to `stop`; returns the new start."""
    import av

    stop = min(stop, len(audio))
    while start + AAC_FRAME <= stop or (stop == len(audio) and start < stop):
        chunk = audio[start:start + AAC_FRAME]
        frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
        frame.sample_rate, frame.pts = AUDIO_RATE, start
        out.mux(st.encode(frame))
        start += len(chunk)
    return start


# ---- people ---------------------------------------------------------------------------------------------
# Cut-outs of real pedestrians in vtest.avi: (stream time s, x0, y0, x1, y1) in its 768x576 frame,
# boxes read off frames at those times (see eval/qa/README.md).
VTEST_SPRITES = ((45.0, 552, 236, 600, 340), (45.0, 300, 200, 342, 294), (60.0, 1208 - 768, 296, 1272 - 768, 420))


def _vtest() -> Path:
    return SHARED_MEDIA / "vtest.avi"


@dataclass
class PeoplePainter:
    spec: ClipSpec
    sprites: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (RGB, alpha [h, w] float)
    backdrop: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not (self.spec.people or self.spec.scene_background):
            return
        real = _vtest().is_file()
        bg, frames = _vtest_background() if real else (None, {})
        if self.spec.scene_background and bg is not None:
            import cv2

            self.backdrop = cv2.resize(bg, self.spec.size, interpolation=cv2.INTER_AREA)
        self.sprites = [_cutout(bg, frames[b[0]], b[1:]) if real else _drawn(k) for k, b in enumerate(VTEST_SPRITES)]

    def paint(self, script: SceneScript, t: float, index: int, cache: dict) -> np.ndarray:
        img = script.render(t, index, cache)
        if self.backdrop is not None:
            img = _overlay_texts_shapes(script, self.backdrop.copy(), t)
        for p in self.spec.people:
            if p.t_start <= t < p.t_end:
                self._paste(img, p, (t - p.t_start) / (p.t_end - p.t_start))
        return img

    def _paste(self, img: np.ndarray, p: PersonEvent, a: float) -> None:
        import cv2

        rgb, alpha = self.sprites[p.sprite % len(self.sprites)]
        h_img, w_img = img.shape[:2]
        h = int(p.height * h_img)
        w = max(1, int(rgb.shape[1] * h / rgb.shape[0]))
        rgb, alpha = cv2.resize(rgb, (w, h)), cv2.resize(alpha, (w, h))
        fx = p.xy0[0] + a * (p.xy1[0] - p.xy0[0])
        fy = p.xy0[1] + a * (p.xy1[1] - p.xy0[1])
        x0, y0 = int(fx * w_img) - w // 2, int(fy * h_img) - h
        _blend(img, rgb, alpha, x0, y0)


def _overlay_texts_shapes(script: SceneScript, img: np.ndarray, t: float) -> np.ndarray:
    """The script's shapes and texts over a given backdrop (render() draws them over its own)."""
    plain = SceneScript(script.duration, script.fps, script.size, [], script.texts, script.shapes)
    drawn = plain.render(t)
    empty = SceneScript(script.duration, script.fps, script.size).render(t)
    mask = np.any(drawn != empty, axis=2)
    img[mask] = drawn[mask]
    return img


def _blend(img: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, x0: int, y0: int) -> None:
    h_img, w_img = img.shape[:2]
    h, w = alpha.shape
    ax0, ay0 = max(0, -x0), max(0, -y0)
    bx0, by0 = max(0, x0), max(0, y0)
    bx1, by1 = min(w_img, x0 + w), min(h_img, y0 + h)
    if bx1 <= bx0 or by1 <= by0:
        return
    a = alpha[ay0:ay0 + by1 - by0, ax0:ax0 + bx1 - bx0, None]
    src = rgb[ay0:ay0 + by1 - by0, ax0:ax0 + bx1 - bx0].astype(np.float32)
    dst = img[by0:by1, bx0:bx1].astype(np.float32)
    img[by0:by1, bx0:bx1] = (a * src + (1 - a) * dst).astype(np.uint8)


def _vtest_background() -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """vtest.avi's empty scene (per-pixel median of 41 frames 2 s apart: each spot is empty most
    of the time) and the frames the sprites are cut from."""
    import av

    want = {b[0] for b in VTEST_SPRITES}
    samples, frames = [], {}
    with av.open(str(_vtest())) as c:
        s = c.streams.video[0]
        for f in c.decode(s):
            t = float(f.pts * s.time_base)
            k = round(t * 10)
            if k % 20 == 0 or t in want:
                img = f.to_ndarray(format="rgb24")
                if k % 20 == 0:
                    samples.append(img)
                if k / 10 in want:
                    frames[k / 10] = img
    return np.median(np.stack(samples), axis=0).astype(np.uint8), frames


def _cutout(bg: np.ndarray, frame: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A person's pixels: where the frame differs from the empty scene by > 30 levels, cleaned
    with a morphological close and feathered by a 3x3 blur."""
    import cv2

    x0, y0, x1, y1 = box
    crop, empty = frame[y0:y1, x0:x1], bg[y0:y1, x0:x1]
    diff = np.abs(crop.astype(np.int16) - empty.astype(np.int16)).max(axis=2) > 30
    mask = cv2.morphologyEx(diff.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    return crop.copy(), cv2.blur(mask.astype(np.float32), (3, 3))


def _drawn(k: int) -> tuple[np.ndarray, np.ndarray]:
    """A simple standing figure (head, torso, legs) when vtest.avi is not available."""
    import cv2

    shirt = [(200, 40, 40), (40, 40, 60), (60, 90, 160)][k % 3]
    img = np.zeros((120, 40, 3), np.uint8)
    alpha = np.zeros((120, 40), np.float32)
    for target, colour in ((img, None), (alpha, 1.0)):
        c = (shirt if colour is None else colour)
        cv2.circle(target, (20, 12), 10, (225, 190, 160) if colour is None else 1.0, -1)
        cv2.rectangle(target, (8, 24), (32, 70), c, -1)
        cv2.rectangle(target, (10, 70), (18, 118), (40, 40, 80) if colour is None else 1.0, -1)
        cv2.rectangle(target, (22, 70), (30, 118), (40, 40, 80) if colour is None else 1.0, -1)
    return img, alpha


def main() -> None:  # python -m eval.qaclips [NAME ...]: build clips, print their paths and speech times
    import sys

    for name in sys.argv[1:] or sorted(CLIPS):
        print(name, build(name))
        for text, a, b in speech_spans(CLIPS[name]):
            print(f"  {a:6.2f}-{b:6.2f}  {text}")


if __name__ == "__main__":
    main()
