"""Every user mistake gets one clear line, exit code 2; no traceback, no hang."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from eval.synthvideo import numbered_clip, numbered_frame, write_video
from tests.conftest import cli_json, free_port, run_cli
from vstream.config import SourceConfig
from vstream.errors import SourceError
from vstream.stream import FrameStream

# A no-hang guard, not a speed claim: the CLI's whole run, Python's start included, takes 3-5 s on
# a quiet 2-core machine (importing torch is 2.1 s of it) and 11-16 s beside CPU burners (measured).
NO_HANG_S = 40.0


def assert_clean_error(args, *needles, max_s=NO_HANG_S):
    proc, elapsed = run_cli(*args)
    err = proc.stderr.strip()
    assert proc.returncode == 2, (proc.returncode, proc.stdout, err)
    assert elapsed < max_s
    assert "Traceback" not in err and err.count("\n") == 0, err  # exactly one line
    assert err.startswith("vstream: error: ")
    for needle in needles:
        assert needle in err, err
    return err


def test_missing_file(tmp_path):
    assert_clean_error(["probe", str(tmp_path / "nope.mp4")], "file not found", "check the path")


def test_directory(tmp_path):
    assert_clean_error(["probe", str(tmp_path)], "is a directory", "give the path of a video file")


def test_zero_byte_file(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    assert_clean_error(["probe", str(tmp_path / "empty.mp4")], "empty (0 bytes)")


def test_text_file_is_not_a_video(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello, this is not a video\n" * 100)
    assert_clean_error(["probe", str(p)], "not a video")


def test_random_bytes_are_not_a_video(tmp_path):
    p = tmp_path / "noise.mp4"
    p.write_bytes(bytes(range(256)) * 400)
    assert_clean_error(["probe", str(p)], "not a video")


def test_truncated_file_without_index(tmp_path):
    # A plain mp4 keeps its index (moov) at the end: cut it off and nothing is readable.
    clip = numbered_clip(tmp_path / "full.mp4", 60, 10)
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    assert_clean_error(["probe", str(cut), "--speed", "max"], "not a video FFmpeg can read", "truncated")


def test_file_damaged_midway_yields_frames_before_then_warning(tmp_path):
    # MPEG-TS has no index: damage in the middle leaves the frames before it readable.
    clip = write_video(tmp_path / "clip.ts", (numbered_frame(i) for i in range(100)), 10, codec="libx264")
    data = bytearray(clip.read_bytes())
    mid = len(data) // 2
    data[mid: mid + len(data) // 4] = bytes(len(data) // 4)  # a quarter of the file zeroed
    bad = tmp_path / "damaged.ts"
    bad.write_bytes(bytes(data))
    proc, elapsed = run_cli("probe", str(bad), "--speed", "max", "--fps", "10", "--json", "--seconds", "30")
    assert proc.returncode == 0 and elapsed < NO_HANG_S
    out = json.loads(proc.stdout)
    assert 30 <= out["frames_sampled"] < 100  # the first part came through
    assert "damaged" in proc.stderr and "Traceback" not in proc.stderr


def test_unsupported_scheme():
    assert_clean_error(["probe", "ftp://user:hunter2@cam.local/x"], "unsupported source scheme", "ftp://***@")


def test_connection_refused_masks_credentials():
    port = free_port()  # nothing listens here
    err = assert_clean_error(["probe", f"rtsp://admin:hunter2@127.0.0.1:{port}/stream"], "connection refused")
    assert "hunter2" not in err and "rtsp://***@127.0.0.1" in err


def test_unresolvable_host():
    assert_clean_error(["probe", "rtsp://camera.invalid/stream"], "does not resolve")


class FakeServer:
    """A TCP server on 127.0.0.1 that accepts connections and answers every request with `reply`
    (b"": never answers — a frozen camera). It records when the first client connected and when
    the client hung up, so a test can time the client's open timeout from the server's side,
    independent of how long the CLI's Python start takes on a loaded machine."""

    def __init__(self, reply: bytes = b"", port: int = 0):
        self.reply, self.connected_at, self.closed_at = reply, [], []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            self.connected_at.append(time.monotonic())
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            while data := conn.recv(4096):
                if self.reply and data.strip():
                    conn.sendall(self.reply)
            self.closed_at.append(time.monotonic())

    def close(self):
        self.sock.close()


def server_on_port_with(digits: str) -> FakeServer:
    """A silent server on a free port whose number contains `digits` (e.g. 40123 holds '401')."""
    for port in range(int(digits) * 100, int(digits) * 100 + 100):
        try:
            return FakeServer(port=port)
        except OSError:
            continue
    pytest.skip(f"no free port {digits}xx on 127.0.0.1")


@pytest.mark.parametrize("scheme", ["rtsp", "http"])
def test_silent_server_times_out(scheme):
    """A host that accepts the connection and never answers (a frozen camera). The CLI's total
    time includes Python's start (torch imports: 3-5 s quiet, ~16 s beside two CPU burners on 2
    cores), so the timeout itself is timed from the server: connect -> the client hangs up."""
    srv = FakeServer()
    try:
        assert_clean_error(["probe", f"{scheme}://127.0.0.1:{srv.port}/live", "--open-timeout", "2"],
                           "no answer within 2 s", "--open-timeout")
        # PyAV's clock starts just before the connect, so the server sees a hair under 2 s
        held = srv.closed_at[0] - srv.connected_at[0]  # the CLI has exited: its socket is closed
        assert len(srv.connected_at) == 1 and 2.0 - 0.5 <= held < 2.0 + 4.0, (srv.connected_at, srv.closed_at)
    finally:
        srv.close()


@pytest.mark.parametrize("scheme,digits", [("http", "401"), ("http", "403"), ("rtsp", "401"), ("rtsp", "404")])
def test_silent_server_on_a_port_that_looks_like_a_status(scheme, digits):
    """Regression: FFmpeg's error text ends with the URL, and a port such as 40123 read as a
    '401' reply: a silent server was reported as 'access denied'. The class decides now."""
    srv = server_on_port_with(digits)
    try:
        with pytest.raises(SourceError, match="no answer within 1 s"):
            FrameStream(SourceConfig(source=f"{scheme}://127.0.0.1:{srv.port}/live", open_timeout_s=1, reconnect=False)).start()
    finally:
        srv.close()


_STATUS = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 500: "Oops"}


@pytest.mark.parametrize("scheme", ["rtsp", "http"])
@pytest.mark.parametrize("status,needle", [(401, "access denied (401)"), (403, "access denied (403)"),
                                           (404, "no stream at this path (404)"), (500, "answered with an error")])
def test_server_status_is_reported(scheme, status, needle):
    """What the server said decides the message: FFmpeg turns an HTTP/RTSP status into its own
    error code (PyAV: HTTPUnauthorizedError ...); answered at once, so no timing is involved."""
    proto = "RTSP/1.0" if scheme == "rtsp" else "HTTP/1.1"
    srv = FakeServer(f"{proto} {status} {_STATUS[status]}\r\nCSeq: 1\r\nContent-Length: 0\r\n\r\n".encode())
    url = f"{scheme}://admin:hunter2@127.0.0.1:{srv.port}/live"
    try:
        with pytest.raises(SourceError) as err:
            FrameStream(SourceConfig(source=url, open_timeout_s=20, reconnect=False)).start()
    finally:
        srv.close()
    msg = str(err.value)
    assert needle in msg and "hunter2" not in msg and "no answer" not in msg, msg


def test_missing_webcam_index():
    assert_clean_error(["probe", "7"], "no webcam", "testsrc")


def test_missing_webcam_device():
    assert_clean_error(["probe", "/dev/video9"], "no webcam at /dev/video9")


@pytest.mark.parametrize("args,needle", [
    (["--fps", "0"], "--fps 0.0 is out of range"),
    (["--fps", "1000"], "--fps 1000.0 is out of range"),
    (["--queue-size", "0"], "--queue-size 0 is out of range"),
    (["--speed", "warp"], "--speed='warp' is not valid; use one of: realtime, max"),
    (["--drop-policy", "random"], "use one of: drop-oldest, keep-latest"),
    (["--transport", "sctp"], "use one of: tcp, udp"),
    (["--open-timeout", "-1"], "--open-timeout -1.0 s is out of range"),
])
def test_absurd_config(clip10, args, needle):
    assert_clean_error(["probe", str(clip10), *args], needle)


def test_bad_log_level(clip10):
    assert_clean_error(["--log-level", "loud", "probe", str(clip10)], "--log-level 'loud' is not valid")


def test_failed_ingest_leaves_no_empty_session_and_keeps_existing_ones(tmp_path, clip10):
    proc, _ = run_cli("ingest", str(tmp_path / "missing.mp4"), "--session", str(tmp_path / "new"))
    assert proc.returncode == 2 and not (tmp_path / "new").exists()
    ok, _ = run_cli("ingest", str(clip10), "--session", str(tmp_path / "kept"), "--speed", "max")
    assert ok.returncode == 0
    before = (tmp_path / "kept" / "session.sqlite").stat().st_size
    proc, _ = run_cli("ingest", "rtsp://127.0.0.1:9/nothing", "--session", str(tmp_path / "kept"))
    assert proc.returncode == 2 and (tmp_path / "kept" / "session.sqlite").stat().st_size >= before
    info = cli_json("memory", "inspect", "--session", str(tmp_path / "kept"), "--json")
    assert info["memory_entries"] == 10  # nothing already stored is lost
