"""`vstream serve` for real: the Gradio UI driven in headless Chromium (Playwright), and the
HTTP API through the official openai client, /metrics, /v1/events, auth and bad requests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from eval.synthvideo import SceneScript, Segment, TextEvent
from tests.conftest import REPO, free_port, need

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


class Server:
    def __init__(self, clip, auth: str | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "vstream", "serve", "--port", str(self.port), "--loop"]
        if clip is not None:
            cmd += ["--source", str(clip)]
        if auth:
            cmd += ["--auth", auth]
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def wait_stream(self, at_least_s: float, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.proc.stdout.read()}")
            try:
                h = httpx.get(self.url + "/healthz", timeout=2).json()
                if (h.get("stream_s") or 0) >= at_least_s:
                    return h
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError("server did not reach the stream time in time")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """20 s, played in a loop at 1x: WELCOME from 2 to 8 s, a cut at 10 s."""
    script = SceneScript(duration=20, fps=10, segments=[Segment(0, 10, (40, 80, 160), 1), Segment(10, 20, (170, 60, 40), 2)],
                         texts=[TextEvent("WELCOME", 2.0, 8.0)])
    return script.write(tmp_path_factory.mktemp("ui") / "ui.mp4")


@pytest.fixture(scope="module")
def server(clip):
    s = Server(clip)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def auth_server(clip):
    s = Server(clip, auth="admin:s3cret")
    yield s
    s.stop()


@pytest.mark.browser
def test_browser_ask_cite_frame_and_watch(server, tmp_path):
    need(os.path.exists(CHROMIUM), "Debian chromium not installed")
    from playwright.sync_api import expect, sync_playwright

    server.wait_stream(9.0)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)  # Playwright makes a fresh profile itself
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(server.url, wait_until="domcontentloaded")
        page.locator("#question textarea").fill("what text was shown?")
        page.locator("#ask").click()
        chat = page.locator("#chat")
        expect(chat).to_contain_text("WELCOME", timeout=30_000)
        expect(chat).to_contain_text("[00:0", timeout=10_000)
        text = chat.inner_text()
        start = re.search(r"\[(\d\d):(\d\d\.\d)–", text)
        assert start and abs(int(start.group(1)) * 60 + float(start.group(2)) - 2.0) <= 1.0, text
        first = page.locator("#citations label").first
        cited = re.match(r"\s*(\d\d):(\d\d\.\d)–", first.inner_text())
        assert cited, first.inner_text()
        first.click()
        expect(page.locator("#cited-frame img")).to_have_count(1, timeout=15_000)
        assert page.locator("#cited-frame img").get_attribute("src")
        # The frame shown is the one at the cited time: the UI writes the frame's own time beside it.
        expect(page.locator("#cited-time")).to_contain_text("t = ", timeout=15_000)
        shown = re.search(r"t = (\d+\.\d+) s", page.locator("#cited-time").inner_text())
        assert shown and abs(float(shown.group(1)) - (int(cited.group(1)) * 60 + float(cited.group(2)))) <= 0.5, shown
        page.locator("#watch-text textarea").fill('tell me when the text "WELCOME" shows up')
        page.locator("#watch-add").click()
        expect(page.locator("#watch-msg")).to_contain_text("watch 1", timeout=10_000)
        expect(page.locator("#alerts")).to_contain_text("WELCOME", timeout=45_000)  # the loop shows it again at 22 s
        expect(page.locator("#status")).to_contain_text("connected")
        shot = tmp_path / "ui.png"
        page.screenshot(path=str(shot), full_page=True)
        (REPO / "runs").mkdir(exist_ok=True)
        shutil.copy(shot, REPO / "runs" / "ui-test-screenshot.png")
        browser.close()
    assert shot.stat().st_size > 10_000


@pytest.mark.browser
def test_browser_webcam_streams_to_the_server(tmp_path):
    """Chromium's synthetic camera (--use-fake-device-for-media-stream) stands in for a webcam:
    the page streams it to the server, which watches it as a live source."""
    need(os.path.exists(CHROMIUM), "Debian chromium not installed")
    from playwright.sync_api import expect, sync_playwright

    s = Server(None)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(s.url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
            page = browser.new_context(permissions=["camera"]).new_page()
            page.goto(s.url)
            page.get_by_role("tab", name="Webcam").click()
            page.get_by_text("Click to Access Webcam").click()
            page.locator("#webcam button[aria-label='capture photo']").click()  # starts streaming
            time.sleep(1.0)
            page.locator("#cam-start").click()
            expect(page.locator("#source-msg")).to_contain_text("push:browser", timeout=20_000)
            deadline = time.monotonic() + 60
            health = {}
            while time.monotonic() < deadline:
                health = httpx.get(s.url + "/healthz").json()
                if (health.get("stream_s") or 0) >= 2.0:
                    break
                time.sleep(1)
            assert health["state"] == "connected" and health["stream_s"] >= 2.0
            expect(page.locator("#status")).to_contain_text("push:browser", timeout=10_000)
            browser.close()
    finally:
        s.stop()


def test_openai_client_streaming_and_not(server):
    from openai import OpenAI

    server.wait_stream(9.0)
    client = OpenAI(base_url=server.url + "/v1", api_key="unused")
    r = client.chat.completions.create(model="vstream", messages=[{"role": "user", "content": "when did the sign say WELCOME?"}])
    assert "WELCOME" in r.choices[0].message.content and r.choices[0].finish_reason == "stop"
    extra = r.model_extra
    assert abs(extra["citations"][0]["t_start"] - 2.0) <= 1.0 and extra["ttft_s"] < 1.0
    pieces = []
    for chunk in client.chat.completions.create(model="vstream", stream=True,
                                                messages=[{"role": "system", "content": "be brief"},
                                                          {"role": "user", "content": "how many scene changes so far?"}]):
        pieces.append(chunk.choices[0].delta.content or "")
    text = "".join(pieces)
    assert re.match(r"\d+ scene change", text) and len(pieces) > 3


def test_metrics_parse(server):
    from prometheus_client.parser import text_string_to_metric_families

    server.wait_stream(3.0)
    fams = {f.name: f for f in text_string_to_metric_families(httpx.get(server.url + "/metrics").text)}
    for name in ("vstream_frames_sampled", "vstream_frames_dropped", "vstream_queue_depth", "vstream_memory_bytes",
                 "vstream_encode_seconds", "vstream_ingest_lag_seconds", "vstream_answer_ttft_seconds"):
        assert name in fams, name
    assert fams["vstream_frames_sampled"].samples[0].value > 0
    encode = {s.labels.get("le"): s.value for s in fams["vstream_encode_seconds"].samples if s.name.endswith("_bucket")}
    assert encode["+Inf"] >= encode["0.5"] > 0


def test_events_stream(server):
    server.wait_stream(1.0)
    got = []
    with httpx.stream("GET", server.url + "/v1/events", timeout=30) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        t0 = time.monotonic()
        for line in r.iter_lines():
            if line.startswith("data: "):
                got.append(json.loads(line[6:]))
            if any(e["kind"] == "scene_change" for e in got) or time.monotonic() - t0 > 25:
                break
    assert any(e["kind"] == "scene_change" for e in got)


@pytest.mark.parametrize("body,status,needle", [
    (b"not json", 400, "not valid JSON"),
    (b"{}", 400, "'messages' must be a non-empty list"),
    (json.dumps({"messages": [{"role": "system", "content": "x"}]}).encode(), 400, "no message with role 'user'"),
    (json.dumps({"messages": [{"role": "user", "content": "hi"}], "stream": "yes"}).encode(), 400, "'stream' must be true or false"),
    (json.dumps({"messages": [{"role": "user", "content": ""}]}).encode(), 400, "no text content"),
])
def test_bad_requests_get_4xx_json(server, body, status, needle):
    r = httpx.post(server.url + "/v1/chat/completions", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status and needle in r.json()["error"]["message"]


def test_auth(auth_server):
    from openai import AuthenticationError, OpenAI

    auth_server.wait_stream(3.0)
    assert httpx.get(auth_server.url + "/healthz").status_code == 200  # liveness stays open
    assert httpx.get(auth_server.url + "/").status_code == 401
    assert httpx.get(auth_server.url + "/metrics", auth=("admin", "wrong")).status_code == 401
    assert httpx.get(auth_server.url + "/metrics", auth=("admin", "s3cret")).status_code == 200
    with pytest.raises(AuthenticationError):
        OpenAI(base_url=auth_server.url + "/v1", api_key="nope").chat.completions.create(
            model="v", messages=[{"role": "user", "content": "hi"}])
    ok = OpenAI(base_url=auth_server.url + "/v1", api_key="s3cret").chat.completions.create(
        model="v", messages=[{"role": "user", "content": "what is on screen now?"}])
    assert ok.choices[0].message.content


def test_serve_bad_auth():
    proc = subprocess.run([sys.executable, "-m", "vstream", "serve", "--auth", "nocolon"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 2 and "--auth must be user:password" in proc.stderr


def test_binds_loopback_by_default(server):
    import psutil

    server.wait_stream(1.0)
    listening = [c.laddr for c in psutil.Process(server.proc.pid).net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN]
    assert listening and all(a.ip == "127.0.0.1" for a in listening) and any(a.port == server.port for a in listening)
