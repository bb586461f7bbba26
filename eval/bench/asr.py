"""`vstream bench asr`: word error rate and real-time factor of the speech sense on espeak-ng
sentences with known text.

Goals (tiny.en, clean TTS): WER <= 0.15 after plain-text normalization (lowercase, punctuation
dropped, numbers as words so "7" and "seven" or "3.30" and "three thirty" both count), and
RTF = ASR seconds / speech seconds <= 0.3. The audio goes through the whole sense: a WAV file →
AudioTap (16 kHz) → VAD → faster-whisper, in step mode (`finish_until`), so nothing is dropped.
`ingest_lag`: the cost of hearing to the video path, in the same run: one clip (moving frames +
the same sentences as AAC) played at 1x through the Assistant twice, ASR off then on; ingest
lag p95 of each and their ratio (goal: hearing leaves the video path live, ratio near 1).
Needs Debian's espeak-ng (apt-get install -y espeak-ng).
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
import time
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np

from eval.synthvideo import numbered_frame
from vstream.assistant import Assistant
from vstream.config import Config, SensesConfig, SourceConfig
from vstream.errors import VStreamError
from vstream.senses.audio import RATE
from vstream.senses.speech import DEFAULT_MODEL, SpeechConfig, SpeechSense

SENTENCES = (
    "the delivery truck will arrive at dock seven",
    "the fire alarm test is at three thirty",
    "please move the red car out of the loading zone",
    "the meeting starts in room twelve at nine",
    "a package was left by the front door",
    "turn off the lights in the warehouse tonight",
    "two people entered the building after midnight",
    "the forklift battery needs to be charged",
    "security will check the parking lot every hour",
    "the elevator on the third floor is out of order",
    "keep the emergency exit clear at all times",
    "the camera near the gate stopped recording",
)
GAP_S = 2.0  # silence between sentences (and before the first): a pause VAD cuts at

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """0..999 as words (what a camera assistant hears: rooms, docks, times)."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    rest = n % 100
    return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number_words(rest))


def normalize(text: str) -> list[str]:
    """Lowercase words; digits spelled out; "3.30"/"3:30" → "three thirty"; punctuation gone."""
    text = re.sub(r"(\d+)[.:](\d\d)\b", r"\1 \2", text.lower())
    text = re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " " if int(m.group()) < 1000 else m.group(), text)
    return re.findall(r"[a-z0-9']+", text.replace("'", ""))


def word_errors(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance over words (substitutions + deletions + insertions)."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def espeak(text: str, wpm: int) -> np.ndarray:
    """[N] float32 speech at 16 kHz, leading/trailing silence trimmed."""
    if shutil.which("espeak-ng") is None:
        raise VStreamError("bench asr needs espeak-ng to make its test speech; install it: apt-get install -y espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(wpm), "-w", str(path), text], check=True, capture_output=True)
        with wave.open(str(path)) as w:
            rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768.0
    x = np.interp(np.arange(int(len(pcm) * RATE / rate)) * rate / RATE, np.arange(len(pcm)), pcm).astype(np.float32)
    loud = np.flatnonzero(np.abs(x) > 0.01)
    return x[loud[0]:loud[-1] + 1]


def write_track(path: Path, sentences: tuple[str, ...], wpm: int) -> list[tuple[float, float]]:
    """A 16 kHz mono WAV: GAP_S silence, sentence, GAP_S silence, …; returns each sentence's span."""
    parts, spans, t = [], [], GAP_S
    for text in sentences:
        voice = espeak(text, wpm)
        parts += [np.zeros(int(GAP_S * RATE), np.float32), voice]
        spans.append((t, t + len(voice) / RATE))
        t += len(voice) / RATE + GAP_S
    parts.append(np.zeros(int(GAP_S * RATE), np.float32))
    pcm = (np.clip(np.concatenate(parts), -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return spans


def run_asr_bench(args) -> dict:
    """args: an argparse namespace; optional attributes asr_model, asr_beam, asr_threads, wpm, live_s."""
    cfg = SpeechConfig(model=getattr(args, "asr_model", None) or DEFAULT_MODEL,
                       beam_size=getattr(args, "asr_beam", None) or SpeechConfig.beam_size,
                       threads=getattr(args, "asr_threads", None) or 2)
    wpm = getattr(args, "wpm", None) or 130
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        spans = write_track(wav, SENTENCES, wpm)
        sense = SpeechSense(cfg)
        t0 = time.perf_counter()
        if not sense.start(str(wav)):
            raise VStreamError(f"bench asr: {wav} has no audio track (this is a bug)")
        rows = sense.finish_until(math.inf)
        wall = time.perf_counter() - t0
        sense.stop()
        out = _report(cfg, wpm, spans, rows, sense, wall)
        live_s = getattr(args, "live_s", 20.0)
        if live_s:
            out["live"] = live_lag(cfg, wav, live_s)
        lag_s = getattr(args, "lag_s", 24.0)
        if lag_s:
            out["ingest_lag"] = ingest_lag(Path(tmp), wav, lag_s, cfg.model)
    return out


def write_clip(path: Path, wav: Path, seconds: float, fps: int = 10, size: tuple[int, int] = (640, 360)) -> Path:
    """An mp4 of the first `seconds` of the WAV as AAC beside H.264 frames that change every
    frame (a counter and barcode), so the encoder works on each sampled frame as on a camera."""
    import av

    with wave.open(str(wav)) as w:
        pcm = np.frombuffer(w.readframes(int(seconds * RATE)), np.int16)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        aus = out.add_stream("aac", rate=RATE, layout="mono")
        packets = []
        for i in range(int(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(numbered_frame(i, size), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            packets += vs.encode(frame)
        packets += vs.encode(None)
        n = 1024  # AAC frame size
        for i in range(0, len(pcm) - n + 1, n):
            frame = av.AudioFrame.from_ndarray(pcm[i:i + n].reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = RATE, i, Fraction(1, RATE)
            packets += aus.encode(frame)
        packets += aus.encode(None)
        packets.sort(key=lambda p: float(p.dts * p.time_base) if p.dts is not None else 0.0)
        for p in packets:
            out.mux(p)
    return path


def ingest_lag(folder: Path, wav: Path, seconds: float, model: str) -> dict:
    """The same clip with speech at 1x through the Assistant (2 fps, lite encoder), ASR off and
    on: frame decode → consumed lag p95 (AssistantStats.lag_p95_s) and the ratio on/off."""
    clip = write_clip(folder / "lag.mp4", wav, seconds)
    out = {"clip_s": seconds}
    for name, asr in (("asr_off", False), ("asr_on", True)):
        cfg = Config(source=SourceConfig(source=str(clip), speed="realtime", fps=2), senses=SensesConfig(asr=asr, asr_model=model))
        a = Assistant(cfg, session=folder / f"lag-{name}")
        a.start()
        a.wait(seconds + 30)
        stats = a.stats()
        a.stop()
        rep = a.ingest_report().to_json()
        out[name] = {"lag_p95_s": _r(stats.lag_p95_s), "frames_sampled": stats.frames_sampled, "frames_dropped": stats.frames_dropped,
                     "speech_segments": rep.get("speech_segments"), "asr_rtf": rep.get("asr_rtf")}
    off, on = out["asr_off"]["lag_p95_s"], out["asr_on"]["lag_p95_s"]
    out["lag_p95_ratio_on_off"] = round(on / off, 2) if on is not None and off else None
    return out


def live_lag(cfg: SpeechConfig, wav: Path, seconds: float) -> dict:
    """Play the file at 1x as ingest would (poll(upto=video clock) every 0.1 s) for `seconds`:
    how long after a sentence's last audio arrives its row is ready (watch goal: < 2 s)."""
    sense = SpeechSense(cfg)
    sense.start(str(wav))
    time.sleep(1.0)  # the model loads before the clock starts, as it would before a camera's first words
    t0 = time.monotonic()
    while (t := time.monotonic() - t0) < seconds:
        sense.poll(upto=t)
        time.sleep(0.1)
    sense.stop()
    lag = sense.stats.lag
    return {"played_s": seconds, "segments": lag.count, "lag_p50_s": _r(lag.percentile(50)), "lag_max_s": _r(lag.percentile(100)),
            "lag_goal_s": 2.0}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _report(cfg: SpeechConfig, wpm: int, spans, rows, sense: SpeechSense, wall: float) -> dict:
    ref = [w for s in SENTENCES for w in normalize(s)]
    hyp = [w for e in rows for w in normalize(e.content)]
    errors = word_errors(ref, hyp)
    per = []
    for text, (a, b) in zip(SENTENCES, spans):
        said = " ".join(e.content for e in rows if a - 1.0 <= 0.5 * (e.t_start + e.t_end) <= b + 1.0)
        per.append({"said": text, "heard": said, "errors": word_errors(normalize(text), normalize(said)),
                    "t": [round(a, 2), round(b, 2)]})
    s = sense.stats
    return {
        "bench": "asr", "model": cfg.model, "beam_size": cfg.beam_size, "threads": cfg.threads, "wpm": wpm,
        "sentences": len(SENTENCES), "ref_words": len(ref), "word_errors": errors,
        "wer": round(errors / len(ref), 4), "wer_goal": 0.15,
        "audio_s": round(s.audio_s, 2), "speech_s": round(s.speech_s, 2), "asr_s": round(s.asr_s, 3),
        "rtf": round(s.rtf, 4), "rtf_goal": 0.3, "segments": s.segments, "wall_s_incl_load": round(wall, 2),
        "per_sentence": per,
    }


if __name__ == "__main__":
    import argparse
    import json

    ap = argparse.ArgumentParser()
    ap.add_argument("--asr-model", default=DEFAULT_MODEL)
    ap.add_argument("--asr-beam", type=int, default=SpeechConfig.beam_size)
    ap.add_argument("--asr-threads", type=int, default=2)
    ap.add_argument("--wpm", type=int, default=130)
    ap.add_argument("--live-s", type=float, default=20.0, help="seconds played at 1x for the lag figure (0: skip)")
    ap.add_argument("--lag-s", type=float, default=24.0, help="clip seconds played at 1x, ASR off and on, for ingest lag (0: skip)")
    print(json.dumps(run_asr_bench(ap.parse_args())))
