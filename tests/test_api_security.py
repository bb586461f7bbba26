"""`vstream serve` under attack (issue #14, items 6–11): each test is the exploit, run against a
real server on 127.0.0.1, and asserts the server refuses it while the legitimate path works.
In-process tests (FastAPI + a fake controller) cover the answer deadline and the rate limiter's
clock, where a real answer engine cannot be made slow on purpose."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from eval.synthvideo import SceneScript, Segment, TextEvent
from tests.conftest import REPO, free_port

SECRET = b"vstream-secret-" + bytes(range(256)) * 20


class Server:
    """`python -m vstream serve` with the security settings passed through the environment
    (VSTREAM_MEDIA_DIR, VSTREAM_ALLOW_SOURCE, ...), its Gradio cache and temp folder in `home`."""

    def __init__(self, home: Path, clip: Path | None, auth: str | None = None, env: dict | None = None, args=()):
        self.home, self.port = home, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.gradio_tmp, self.tmp = home / "gradio", home / "tmp"
        self.gradio_tmp.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "vstream", "serve", "--port", str(self.port), "--loop", *args]
        if clip is not None:
            cmd += ["--source", str(clip)]
        if auth:
            cmd += ["--auth", auth]
        full_env = {**os.environ, "GRADIO_TEMP_DIR": str(self.gradio_tmp), "TMPDIR": str(self.tmp), **(env or {})}
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def health(self) -> dict:
        return httpx.get(self.url + "/healthz", timeout=5).json()

    def wait_stream(self, at_least_s: float, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.proc.stdout.read()}")
            try:
                h = self.health()
                if (h.get("stream_s") or 0) >= at_least_s:
                    return h
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError("server did not reach the stream time in time")

    def call(self, api: str, *data, auth=None) -> tuple[str, object]:
        """A Gradio endpoint through its HTTP API: ('complete' | 'error' | 'http <status>', payload)."""
        r = httpx.post(f"{self.url}/gradio_api/call/{api}", json={"data": list(data)}, auth=auth, timeout=30)
        if r.status_code != 200:
            return f"http {r.status_code}", r.json()
        event = r.json()["event_id"]
        kind = None
        with httpx.stream("GET", f"{self.url}/gradio_api/call/{api}/{event}", auth=auth, timeout=60) as s:
            for line in s.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind in ("complete", "error"):
                    return kind, json.loads(line[6:])
        raise AssertionError(f"no result from {api}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sec")


@pytest.fixture(scope="module")
def clip(home) -> Path:
    """20 s at 10 fps: WELCOME from 2 to 8 s, a cut at 10 s."""
    script = SceneScript(duration=20, fps=10, segments=[Segment(0, 10, (40, 80, 160), 1), Segment(10, 20, (170, 60, 40), 2)],
                         texts=[TextEvent("WELCOME", 2.0, 8.0)])
    return script.write(home / "clip.mp4")


@pytest.fixture(scope="module")
def media_dir(home, clip) -> Path:
    """The one folder clients may open files from: a copy of the clip and a PNG."""
    import av

    d = home / "media"
    d.mkdir()
    (d / "clip.mp4").write_bytes(clip.read_bytes())
    with av.open(str(d / "still.png"), "w", format="image2") as c:  # a real PNG, named like a video
        s = c.add_stream("png", rate=1)
        s.width, s.height, s.pix_fmt = 64, 48, "rgb24"
        for pkt in s.encode(__import__("av").VideoFrame.from_ndarray(np.full((48, 64, 3), 200, np.uint8), format="rgb24")):
            c.mux(pkt)
    (d / "still.png").rename(d / "still.mp4")
    return d


@pytest.fixture(scope="module")
def secrets(home, clip) -> dict[str, Path]:
    """Files outside every allowed folder: a video (a real one, so only the policy refuses it),
    a PNG, and bytes we can look for in Gradio's cache."""
    d = home / "private"
    d.mkdir()
    (d / "private.mp4").write_bytes(SECRET)
    (d / "private.png").write_bytes(SECRET)
    (d / "real.mp4").write_bytes(clip.read_bytes())
    session = d / "session"
    session.mkdir()
    return {"video": d / "private.mp4", "image": d / "private.png", "real": d / "real.mp4", "session": session}


@pytest.fixture(scope="module")
def server(home, clip, media_dir):
    s = Server(home / "srv", clip, env={"VSTREAM_MEDIA_DIR": str(media_dir)})
    try:
        s.wait_stream(1.0)
        yield s
    finally:
        s.stop()


def _cache_holds(folder: Path, data: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.stat().st_size == len(data) and p.read_bytes() == data]


# ---- 6: Gradio FileData paths ------------------------------------------------------------------------


@pytest.mark.parametrize("api,kind", [("start_upload", "video"), ("webcam_frame", "image")])
def test_filedata_path_outside_uploads_is_never_read(server, secrets, api, kind):
    """The exploit: hand Gradio a FileData whose path is any file on the machine; Gradio copied it
    into its cache, where GET /gradio_api/file=… served it byte-identical."""
    path = str(secrets[kind])
    file_data = {"path": path, "meta": {"_type": "gradio.FileData"}, "orig_name": Path(path).name}
    result, payload = server.call(api, file_data)
    assert result == "http 403", (result, payload)
    assert "uploaded" in payload["error"]["message"]
    assert _cache_holds(server.gradio_tmp, SECRET) == []
    assert httpx.get(f"{server.url}/gradio_api/file={path}").status_code in (403, 404)


def test_uploaded_file_still_starts(server, clip):
    """What the upload tab does: POST the file, then hand its cache path to start_upload."""
    with open(clip, "rb") as f:
        r = httpx.post(server.url + "/gradio_api/upload", files={"files": ("mine.mp4", f, "video/mp4")}, timeout=60)
    assert r.status_code == 200, r.text
    uploaded = r.json()[0]
    assert Path(uploaded).resolve().is_relative_to(server.gradio_tmp.resolve())
    result, payload = server.call("start_upload", {"path": uploaded, "meta": {"_type": "gradio.FileData"}, "orig_name": "mine.mp4"})
    assert result == "complete" and "⚠" not in payload[0] and "480x270" in payload[0], payload
    server.wait_stream(1.0)


# ---- 7: /start and /load -----------------------------------------------------------------------------


def _start_message(server, source: str) -> str:
    result, payload = server.call("start", source)
    assert result == "complete", payload
    return payload[0]


def _still_running(server, before: dict) -> None:
    time.sleep(1.5)
    after = server.health()
    assert after["state"] == "connected" and after["stream_s"] > before["stream_s"], (before, after)


def test_start_says_the_same_for_missing_and_forbidden_paths(server, secrets, media_dir):
    """Before: 'file not found' for one, 'not a video' for another: a remote disk probe."""
    before = server.wait_stream(1.0)
    paths = ["/etc/hostname", "/no/such/file.mp4", str(secrets["real"]), str(media_dir / "missing.mp4"),
             str(media_dir / ".." / "private" / "real.mp4")]
    messages = {_start_message(server, p).replace(p, "PATH") for p in paths}
    assert len(messages) == 1, messages
    assert "media folders" in messages.pop()
    _still_running(server, before)


def test_start_refuses_urls_to_itself_and_http_by_default(server):
    """Before: the server fetched its own /metrics (and any URL) and stopped what was running."""
    before = server.wait_stream(1.0)
    for src in (f"http://127.0.0.1:{server.port}/metrics", "https://example.com/x.m3u8"):
        msg = _start_message(server, src)
        assert "⚠" in msg and "not allowed" in msg and "--allow-source" in msg, msg
    for src in (f"rtsp://127.0.0.1:{server.port}/metrics", f"rtsp://localhost:{server.port}/x", "rtsp://169.254.169.254/latest"):
        msg = _start_message(server, src)
        assert "⚠" in msg and "not allowed" in msg, (src, msg)
    _still_running(server, before)


def test_start_refuses_a_png_and_keeps_the_running_source(server, media_dir):
    before = server.wait_stream(1.0)
    msg = _start_message(server, str(media_dir / "still.mp4"))
    assert "⚠" in msg and "still image" in msg, msg
    _still_running(server, before)


def test_load_only_opens_sessions_under_the_sessions_folder(server, secrets):
    outside = _load(server, str(secrets["session"]))
    missing = _load(server, "/no/such/session")
    assert outside.replace(str(secrets["session"]), "P") == missing.replace("/no/such/session", "P")
    assert "⚠" in outside and "sessions folder" in outside
    assert server.health()["state"] == "connected"


def _load(server, folder: str) -> str:
    result, payload = server.call("load", folder)
    assert result == "complete", payload
    return payload[0]


def test_start_a_file_in_the_media_dir_then_load_this_runs_session(server, media_dir):
    """The allowed paths still work (last in this module: they replace the running source)."""
    msg = _start_message(server, str(media_dir / "clip.mp4"))
    assert "⚠" not in msg and "480x270" in msg, msg
    server.wait_stream(1.0)
    result, payload = server.call("save")
    folder = payload[0].split("`")[1]
    assert Path(folder).parent.name.startswith("vstream-serve-") and Path(folder).is_relative_to(server.tmp)
    loaded = _load(server, folder)
    assert loaded.startswith("loaded"), loaded


# ---- 8, 9: chat bodies -------------------------------------------------------------------------------

MALFORMED = [
    (json.dumps({"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}).encode(), "messages[0].content[0].text"),
    (b'{"messages": [{"role": "user", "content": "caf\xe9"}]}', "not UTF-8"),
    (b"[" * 100_000, "nested too deeply"),
    (json.dumps({"messages": "hello"}).encode(), "'messages' must be a non-empty list"),
    (json.dumps({"messages": [None]}).encode(), "messages[0]"),
    (json.dumps({"messages": [{"role": 5, "content": "x"}]}).encode(), "messages[0].role"),
    (json.dumps({"messages": [{"role": "user", "content": 5}]}).encode(), "messages[0].content"),
    (json.dumps({"messages": [{"role": "user", "content": [5]}]}).encode(), "messages[0].content[0]"),
    (json.dumps({"messages": [{"role": "user", "content": [{"type": "video"}]}]}).encode(), "messages[0].content[0]"),
    (json.dumps({"model": 5, "messages": [{"role": "user", "content": "x"}]}).encode(), "model"),
    (json.dumps({"messages": [{"role": "user", "content": "x"}], "stream": 1}).encode(), "'stream' must be true or false"),
    (json.dumps([{"role": "user", "content": "x"}]).encode(), "must be a JSON object"),
    (json.dumps({"messages": [{"role": "user", "content": "q" * 2001}]}).encode(), "at most 2000"),
]


@pytest.mark.parametrize("body,needle", MALFORMED, ids=[m[1][:30] for m in MALFORMED])
def test_malformed_chat_bodies_get_4xx_json(server, body, needle):
    r = httpx.post(server.url + "/v1/chat/completions", content=body, headers={"content-type": "application/json"}, timeout=30)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert needle in r.json()["error"]["message"]


def test_a_2000_character_question_is_accepted(server):
    q = ("what text was shown? " * 100)[:2000]
    r = httpx.post(server.url + "/v1/chat/completions", json={"messages": [{"role": "user", "content": q}]}, timeout=60)
    assert r.status_code == 200, r.text[:300]


def test_ui_questions_have_the_same_limit(server):
    result, payload = server.call("respond", "q" * 2001, [])
    assert result == "complete" and "at most 2000" in json.dumps(payload[0][-1]["content"]), payload


def test_openapi_publishes_the_chat_models(server):
    spec = httpx.get(server.url + "/openapi.json").json()
    op = spec["paths"]["/v1/chat/completions"]["post"]
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(body["properties"]) >= {"model", "messages", "stream"} and body["required"] == ["messages"]
    assert "ChatCompletion" in op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert {"400", "409", "413", "504"} <= set(op["responses"])


@pytest.mark.timeout(420)
def test_schemathesis_fuzz_chat_never_5xx(server):
    """Positive and negative bodies generated from /openapi.json; every answer must be < 500.
    Bounded: 30 examples per mode, loopback only, each call under the answer deadline."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, Phase, given, settings

    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    op = schema["/v1/chat/completions"]["POST"]
    seen: list[int] = []
    for mode in (schemathesis.GenerationMode.NEGATIVE, schemathesis.GenerationMode.POSITIVE):

        @settings(max_examples=30, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy(generation_mode=mode))
        def run(case):
            r = case.call(base_url=server.url, timeout=45)
            seen.append(r.status_code)
            assert r.status_code < 500, (case.body, r.status_code, r.text[:300])

        run()
    assert any(400 <= s < 500 for s in seen), seen  # negative bodies were refused (4xx), none crashed
    # a well-formed body still answers (random "positive" bodies may all be refused on content,
    # e.g. blank or over-long questions, so the 200 is checked with a known-good one)
    import httpx

    ok = httpx.post(server.url + "/v1/chat/completions", timeout=45,
                    json={"model": "vstream", "messages": [{"role": "user", "content": "what do you see?"}]})
    assert ok.status_code == 200, ok.text[:300]


# ---- 9: the answer deadline (in-process: a controller whose answers we can make slow) -------------


class SlowController:
    """Yields one piece, then takes `delay_s` before the Answer."""

    def __init__(self, delay_s: float):
        self.delay_s = delay_s

    def ask(self, question, previous=None):
        from vstream.types import Answer

        yield "thinking"
        time.sleep(self.delay_s)
        yield Answer(text="done", citations=[], latency_s=self.delay_s, ttft_s=0.0)

    state = "connected"

    def stats(self):
        return None


def _app(controller, timeout_s: float):
    from fastapi import FastAPI

    from app.api import add_routes

    app = FastAPI()
    add_routes(app, controller, answer_timeout_s=timeout_s)
    return app


def _answer_fields() -> set[str]:
    import dataclasses

    from vstream.types import Answer

    return {f.name for f in dataclasses.fields(Answer)}


def test_slow_answer_hits_the_deadline_and_the_loop_stays_free():
    need = {"text", "citations", "latency_s", "ttft_s"}
    if not need <= _answer_fields():
        pytest.skip(f"vstream.types.Answer has no {need - _answer_fields()}")
    app = _app(SlowController(delay_s=3.0), timeout_s=0.5)
    body = {"messages": [{"role": "user", "content": "anything?"}]}

    async def go():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            t0 = time.monotonic()
            chat = asyncio.create_task(client.post("/v1/chat/completions", json=body))
            await asyncio.sleep(0.1)
            health = await client.get("/healthz")  # answered while the slow answer is in flight
            health_s = time.monotonic() - t0
            r = await chat
            took = time.monotonic() - t0
            stream = await client.post("/v1/chat/completions", json={**body, "stream": True})
            return health, health_s, r, took, stream

    health, health_s, r, took, stream = asyncio.run(go())
    assert health.status_code == 200 and health_s < 0.45
    assert r.status_code == 504 and "longer than 0.5 s" in r.json()["error"]["message"] and 0.45 < took < 2.0
    assert r.headers["x-should-retry"] == "false"
    lines = [ln for ln in stream.text.splitlines() if ln.startswith("data: ")]
    assert '"thinking"' in lines[1] and "longer than 0.5 s" in lines[-2] and lines[-1] == "data: [DONE]"


def test_fast_answer_is_unchanged_by_the_deadline():
    if not {"text", "citations", "latency_s", "ttft_s"} <= _answer_fields():
        pytest.skip("vstream.types.Answer changed shape")
    from fastapi.testclient import TestClient

    r = TestClient(_app(SlowController(delay_s=0.0), timeout_s=5)).post(
        "/v1/chat/completions", json={"messages": [{"role": "user", "content": "anything?"}]})
    assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] == "done"
    assert r.json()["usage"]["completion_tokens"] == 1


# ---- 10: auth ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def auth_server(home, clip):
    s = Server(home / "auth", clip, auth="admin:s3cret")
    try:
        s.wait_stream(0.5)
        yield s
    finally:
        s.stop()


def _basic(scheme: str, user: str, password: str) -> dict:
    return {"authorization": f"{scheme} " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_basic_scheme_in_any_case(auth_server):
    for scheme in ("Basic", "basic", "BASIC", "bAsIc"):
        r = httpx.get(auth_server.url + "/metrics", headers=_basic(scheme, "admin", "s3cret"))
        assert r.status_code == 200, scheme
    assert httpx.get(auth_server.url + "/metrics", headers={"authorization": "bearer s3cret"}).status_code == 200
    assert httpx.get(auth_server.url + "/metrics", headers={"authorization": "Basic !!!notbase64"}).status_code == 401


def test_failed_logins_are_rate_limited_per_client(auth_server):
    """Before: 200 wrong passwords in 2.5 s, none slowed down. Now the 11th failure within 60 s
    (counting the one test_basic_scheme_in_any_case made, when it ran first) gets 429."""
    url = auth_server.url + "/metrics"
    codes = [httpx.get(url, headers=_basic("Basic", "admin", f"guess{i}")).status_code for i in range(12)]
    first = codes.index(429) if 429 in codes else None
    assert first is not None and 9 <= first <= 10 and set(codes[first:]) == {429}, codes
    r = httpx.get(url, headers=_basic("Basic", "admin", "guess"))
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 60
    assert "too many failed logins" in r.json()["error"]["message"]
    # locked out even with the right password until the window passes; liveness stays open
    assert httpx.get(url, headers=_basic("Basic", "admin", "s3cret")).status_code == 429
    assert httpx.get(auth_server.url + "/healthz").status_code == 200


def test_failure_limiter_window():
    from app.security import FailureLimiter

    now = [0.0]
    lim = FailureLimiter(max_failures=3, window_s=60, max_clients=2, clock=lambda: now[0])
    for t in (0, 10, 20):
        now[0] = t
        assert lim.retry_after("a") is None
        lim.fail("a")
    now[0] = 30
    assert lim.retry_after("a") == pytest.approx(30) and lim.retry_after("b") is None
    now[0] = 60.5  # the failure at 0 left the window
    assert lim.retry_after("a") is None
    lim.fail("b")
    lim.fail("c")  # 3 clients > max_clients: the least recent ("a") is forgotten
    assert "a" not in lim._fails and len(lim._fails) == 2


# ---- policy and options --------------------------------------------------------------------------------


def test_allow_source_parsing():
    from app.security import DEFAULT_ALLOW, parse_allow_source
    from vstream.errors import ConfigError

    assert parse_allow_source(None) == DEFAULT_ALLOW and "http" not in DEFAULT_ALLOW
    assert parse_allow_source("+http") == DEFAULT_ALLOW | {"http"}
    assert parse_allow_source("rtsp,https") == {"rtsp", "http"}
    assert parse_allow_source("all") >= {"local", "rtsp", "http", "testsrc", "webcam", "push"}
    with pytest.raises(ConfigError, match="unknown source class 'ftp'"):
        parse_allow_source("local,ftp")


def test_symlink_out_of_the_media_dir_is_refused(tmp_path):
    from app.security import SourcePolicy
    from vstream.errors import SourceError

    media, outside = tmp_path / "media", tmp_path / "outside"
    media.mkdir()
    outside.mkdir()
    (outside / "v.mp4").write_bytes(b"x" * 100)
    (media / "link.mp4").symlink_to(outside / "v.mp4")
    (media / "ok.mp4").write_bytes(b"x" * 100)
    policy = SourcePolicy(media_roots=(media,))
    assert policy.check(str(media / "ok.mp4")).target == str((media / "ok.mp4").resolve())
    with pytest.raises(SourceError, match="no such video"):
        policy.check(str(media / "link.mp4"))
    with pytest.raises(SourceError, match="not allowed"):
        SourcePolicy(allow=frozenset({"local"})).check("testsrc")


# ---- 11: temporary sessions ----------------------------------------------------------------------------


@pytest.mark.timeout(180)
def test_temporary_sessions_live_in_one_folder_removed_at_exit(home, clip):
    stale = home / "tmpsess" / "tmp" / "vstream-serve-999999999-old"  # a killed server's folder (no such pid)
    stale.mkdir(parents=True)
    s = Server(home / "tmpsess", clip)
    try:
        s.wait_stream(0.5)
        roots = list(s.tmp.glob("vstream-*"))
        assert len(roots) == 1 and roots[0].name.startswith(f"vstream-serve-{s.proc.pid}-"), roots
        assert [p.parent for p in roots[0].iterdir()] == [roots[0]]  # this run's session inside it
    finally:
        s.stop()
    assert list(s.tmp.glob("vstream-*")) == []
