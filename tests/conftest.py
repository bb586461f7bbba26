"""Shared fixtures: media made in the test (PyAV encodes H.264), real servers on 127.0.0.1."""

from __future__ import annotations

import os

# Never reach a model hub or send telemetry from tests (must be set before transformers/gradio import).
for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "OPENCV_LOG_LEVEL": "ERROR"}.items():
    os.environ.setdefault(_k, _v)

import json  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from eval.synthvideo import numbered_clip, numbered_frame  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_MEDIA = REPO.parent / "shared" / "media"
VSTREAM = [sys.executable, "-m", "vstream"]


def need(condition: bool, why: str) -> None:
    """Skip locally when a system dependency is missing; in CI (CI=true) that is a failure,
    because .ci/run installs it."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI must provide it: see .ci/run)")
    pytest.skip(why)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.monotonic()
    proc = subprocess.run([*VSTREAM, *args], capture_output=True, text=True, timeout=timeout, cwd=REPO)
    return proc, time.monotonic() - t0


def cli_json(*args: str, timeout: float = 120) -> dict:
    proc, _ = run_cli(*args, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def clip10(media) -> Path:
    """5 s at 10 fps, 320x240, frame number burned in (barcode + digits)."""
    return numbered_clip(media / "n10.mp4", 50, 10)


@pytest.fixture(scope="session")
def clip25(media) -> Path:
    """4 s at 25 fps."""
    return numbered_clip(media / "n25.mp4", 100, 25)


@pytest.fixture(scope="session")
def shared_media() -> Path:
    if not SHARED_MEDIA.is_dir():
        pytest.skip(f"real clips folder {SHARED_MEDIA} is absent (a fresh clone has no ../shared)")
    return SHARED_MEDIA


# ---- RTSP --------------------------------------------------------------------------------------
SYSTEM_PY = "/usr/bin/python3"


def _gst_available() -> bool:
    if not os.path.exists(SYSTEM_PY):
        return False
    probe = subprocess.run([SYSTEM_PY, "-c", "import gi; gi.require_version('GstRtspServer', '1.0'); "
                            "from gi.repository import GstRtspServer"], capture_output=True)
    return probe.returncode == 0


class RtspServer:
    """tests/rtsp_server.py as a subprocess: a real GStreamer RTSP server looping raw frames."""

    def __init__(self, raw: Path, size: tuple[int, int], fps: int, user: str = "", password: str = ""):
        self.raw, self.size, self.fps = raw, size, fps
        self.user, self.password = user, password
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        cred = f"{self.user}:{self.password}@" if self.user else ""
        return f"rtsp://{cred}127.0.0.1:{self.port}/cam"

    def start(self) -> RtspServer:
        cmd = [SYSTEM_PY, str(REPO / "tests" / "rtsp_server.py"), "--port", str(self.port), "--file", str(self.raw),
               "--size", f"{self.size[0]}x{self.size[1]}", "--fps", str(self.fps)]
        if self.user:
            cmd += ["--user", self.user, "--password", self.password]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("READY"), f"RTSP server did not start: {line!r} {self.proc.stderr.read()}"
        return self

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None


@pytest.fixture(scope="session")
def rtsp_raw(media) -> Path:
    """100 numbered frames (10 s at 10 fps) as raw RGB, for the server to loop."""
    path = media / "loop.rgb"
    with open(path, "wb") as f:
        for i in range(100):
            f.write(numbered_frame(i, (320, 240)).tobytes())
    return path


@pytest.fixture
def rtsp_server(rtsp_raw):
    need(_gst_available(), "Debian GStreamer RTSP server (python3-gi, gir1.2-gst-rtsp-server-1.0) not installed")
    servers: list[RtspServer] = []

    def make(**kw) -> RtspServer:
        server = RtspServer(rtsp_raw, (320, 240), 10, **kw).start()
        servers.append(server)
        return server

    yield make
    for s in servers:
        s.kill()
