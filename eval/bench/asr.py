"""`vstream bench asr`: word error rate and real-time factor of the speech sense on espeak-ng
sentences with known text.

Goals (tiny.en, clean TTS): WER <= 0.15 after plain-text normalization (lowercase, punctuation
dropped, numbers as words so "7" and "seven" or "3.30" and "three thirty" both count), and
RTF = ASR seconds / speech seconds <= 0.3. The audio goes through the whole sense: a WAV file →
AudioTap (16 kHz) → VAD → faster-whisper, in step mode (`finish_until`), so nothing is dropped.
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
from pathlib import Path

import numpy as np

from vstream.errors import VStreamError
from vstream.senses.audio import RATE
from vstream.senses.speech import SpeechConfig, SpeechSense

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
    cfg = SpeechConfig(model=getattr(args, "asr_model", None) or "tiny.en", beam_size=getattr(args, "asr_beam", None) or 1,
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
    ap.add_argument("--asr-model", default="tiny.en")
    ap.add_argument("--asr-beam", type=int, default=1)
    ap.add_argument("--asr-threads", type=int, default=2)
    ap.add_argument("--wpm", type=int, default=130)
    ap.add_argument("--live-s", type=float, default=20.0, help="seconds played at 1x for the lag figure (0: skip)")
    print(json.dumps(run_asr_bench(ap.parse_args())))
