"""Test media with known speech: espeak-ng sentences placed at known times, muxed as AAC beside a
simple H.264 video (PyAV), so speech tests check transcripts and times against ground truth."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

AUDIO_RATE = 44100  # a camera-like rate, so the 16 kHz resampler is exercised


def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


@dataclass(frozen=True)
class Placed:
    """One sentence in a clip: where it starts and ends in container seconds."""

    text: str
    t_start: float
    t_end: float


def espeak(text: str, rate: int = AUDIO_RATE, wpm: int = 130, voice: str = "en-us") -> np.ndarray:
    """[N] float32 mono speech at `rate` (espeak-ng writes 22050 Hz s16; linear resampling is
    plenty for a test signal)."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "s.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(wav), text], check=True, capture_output=True)
        with wave.open(str(wav)) as w:
            src_rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768.0
    n = int(len(pcm) * rate / src_rate)
    return np.interp(np.arange(n) * src_rate / rate, np.arange(len(pcm)), pcm).astype(np.float32)


def _trim(x: np.ndarray, thresh: float = 0.01) -> tuple[np.ndarray, int]:
    """Drop espeak's leading/trailing silence so placed times are where the voice is."""
    loud = np.flatnonzero(np.abs(x) > thresh)
    if len(loud) == 0:
        return x, 0
    return x[loud[0]:loud[-1] + 1], int(loud[0])


def speech_track(duration: float, phrases: list[tuple[float, str]], rate: int = AUDIO_RATE) -> tuple[np.ndarray, list[Placed]]:
    """[N] float32 track of `duration` s with each phrase's voice starting at its time."""
    track = np.zeros(int(duration * rate), np.float32)
    placed = []
    for t, text in phrases:
        voice, _ = _trim(espeak(text, rate))
        i = int(t * rate)
        track[i:i + len(voice)] = voice[: len(track) - i]
        placed.append(Placed(text, t, t + len(voice) / rate))
    return track, placed


def make_clip(path: Path, duration: float, phrases: list[tuple[float, str]] = (), *, audio: bool = True,
              video_start: float = 0.0, garbage_audio: bool = False, fps: int = 10,
              size: tuple[int, int] = (160, 120)) -> list[Placed]:
    """Write an mp4: H.264 video whose first PTS is `video_start` s, plus (when `audio`) an AAC
    stereo track starting at 0 holding the phrases. `garbage_audio` replaces every AAC payload
    with random bytes (a valid stream header, undecodable packets)."""
    import av

    track, placed = speech_track(duration, list(phrases))
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "tune": "zerolatency"})
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        vs.time_base = Fraction(1, fps)
        aus = None
        if audio:
            aus = out.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
        packets = _video_packets(vs, duration - video_start, fps, size, int(round(video_start * fps)))
        if aus is not None:
            packets += _audio_packets(aus, track, garbage_audio)
        packets.sort(key=lambda p: float(p.dts * p.time_base) if p.dts is not None else 0.0)
        for p in packets:
            out.mux(p)
    return placed


def _video_packets(vs, seconds: float, fps: int, size: tuple[int, int], pts0: int) -> list:
    import av

    packets = []
    for i in range(int(round(seconds * fps))):
        img = np.full((size[1], size[0], 3), (i * 7) % 256, np.uint8)
        img[:, (i * 3) % size[0]] = 255
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts = pts0 + i
        frame.time_base = vs.time_base
        packets += vs.encode(frame)
    return packets + list(vs.encode(None))


def _audio_packets(aus, track: np.ndarray, garbage: bool) -> list:
    import av

    rng = np.random.default_rng(0)
    packets, n = [], 1024  # AAC frame size
    for i in range(0, len(track), n):
        chunk = np.zeros(n, np.float32)
        seg = track[i:i + n]
        chunk[: len(seg)] = seg
        frame = av.AudioFrame.from_ndarray(np.stack([chunk, chunk]), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = AUDIO_RATE, i, Fraction(1, AUDIO_RATE)
        packets += aus.encode(frame)
    packets += list(aus.encode(None))
    if not garbage:
        return packets
    bad = []
    for p in packets:
        q = av.Packet(rng.integers(0, 256, p.size, dtype=np.uint8).tobytes())
        q.pts, q.dts, q.time_base, q.stream = p.pts, p.dts, p.time_base, p.stream
        bad.append(q)
    return bad
