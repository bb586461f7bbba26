"""Real RTSP (GStreamer server) and HTTP/HLS (http.server) sources: read, reconnect, errors."""

from __future__ import annotations

import functools
import http.server
import threading
import time

import pytest

from eval.synthvideo import numbered_clip, read_barcode
from tests.conftest import cli_json, run_cli
from vstream.config import SourceConfig
from vstream.stream import FrameStream
from vstream.types import EventKind


def take(stream: FrameStream, n: int, limit_s: float = 20.0):
    frames, t0 = [], time.monotonic()
    for f in stream:
        frames.append(f)
        if len(frames) >= n or time.monotonic() - t0 > limit_s:
            break
    return frames


def consecutive_barcodes_step(frames, step: int, slack: int = 0) -> bool:
    """Sampled at 2 fps from a 10 fps loop of 100 frames, numbers advance by 5 (mod 100)."""
    codes = [read_barcode(f.image) for f in frames]
    return all(abs((b - a) % 100 - step) <= slack for a, b in zip(codes, codes[1:]))


NO_HANG_S = 40.0  # a clean error must come well before this, even on a loaded 2-core machine


@pytest.mark.rtsp
@pytest.mark.parametrize("reader", ["pyav", "opencv"])
def test_rtsp_reads_live_frames(rtsp_server, reader):
    server = rtsp_server()
    stream = FrameStream(SourceConfig(source=server.url, fps=2, reader=reader))
    info = stream.start()
    frames = take(stream, 8)
    stream.stop()
    assert info.live and (info.width, info.height) == (320, 240)
    assert len(frames) == 8
    # OpenCV's CAP_PROP_POS_MSEC repeats the first timestamp, shifting its ticks by one frame.
    assert consecutive_barcodes_step(frames, 5, slack=0 if reader == "pyav" else 1)
    gaps = [b.ts - a.ts for a, b in zip(frames, frames[1:])]
    assert all(0.45 <= g <= 0.55 for g in gaps), gaps


@pytest.mark.rtsp
def test_rtsp_udp_transport(rtsp_server):
    server = rtsp_server()
    stream = FrameStream(SourceConfig(source=server.url, fps=2, transport="udp"))
    stream.start()
    frames = take(stream, 4)
    stream.stop()
    assert len(frames) == 4 and consecutive_barcodes_step(frames, 5)


@pytest.mark.rtsp
def test_rtsp_server_killed_and_restarted_reconnects(rtsp_server):
    server = rtsp_server()
    stream = FrameStream(SourceConfig(source=server.url, fps=2, read_timeout_s=2, backoff_initial_s=0.3, backoff_max_s=1))
    events = stream.bus.subscribe()
    stream.start()
    before = take(stream, 4)
    server.kill()
    time.sleep(2.0)  # the camera is gone for a while
    server.start()
    after = take(stream, 6, limit_s=30)
    stream.stop()
    assert len(before) == 4 and len(after) == 6
    ts = [f.ts for f in before + after]
    assert ts == sorted(ts) and len(set(ts)) == len(ts)  # monotonic across the outage
    assert after[0].ts - before[-1].ts >= 2.0  # stream time kept tracking real time
    assert stream.stats.reconnects == 1
    assert consecutive_barcodes_step(after[1:], 5)
    states = [e.payload["state"] for e in events.drain() if e.kind is EventKind.SOURCE]
    assert states[:3] == ["connected", "reconnecting", "connected"]


@pytest.mark.rtsp
def test_rtsp_wrong_path_is_404(rtsp_server):
    server = rtsp_server()
    proc, elapsed = run_cli("probe", server.url.replace("/cam", "/nope"))
    assert proc.returncode == 2 and elapsed < NO_HANG_S  # answered, not hung (CLI start is 3-16 s under load)
    assert "no stream at this path (404)" in proc.stderr


@pytest.mark.rtsp
def test_rtsp_auth_and_probe_json_masks_credentials(rtsp_server):
    server = rtsp_server(user="admin", password="s3cret")
    out = cli_json("probe", server.url, "--seconds", "4", "--json")
    assert out["source"] == f"rtsp://***@127.0.0.1:{server.port}/cam"
    assert out["kind"] == "rtsp" and out["width"] == 320 and out["height"] == 240 and out["fps"] == 10.0
    assert out["frames_sampled"] >= 3 and out["frames_decoded"] >= 10 and out["reconnects"] == 0
    assert 0 < out["first_frame_s"] < 5 and out["lag_p95_s"] is not None
    wrong = server.url.replace("s3cret", "wrong")
    proc, _ = run_cli("probe", wrong)
    assert proc.returncode == 2 and "access denied" in proc.stderr and "wrong" not in proc.stderr


# ---- HTTP / HLS ----------------------------------------------------------------------------------
@pytest.fixture
def http_dir(tmp_path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def make_hls(folder, n: int, fps: int):
    import av

    from eval.synthvideo import numbered_frame

    with av.open(str(folder / "live.m3u8"), "w", format="hls", options={"hls_time": "1", "hls_list_size": "0", "hls_playlist_type": "vod"}) as out:
        s = out.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = 320, 240, "yuv420p"
        s.options = {"g": str(fps), "preset": "veryfast"}
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(numbered_frame(i), format="rgb24")
            frame.pts = i
            out.mux(s.encode(frame))
        out.mux(s.encode(None))


def test_http_progressive_file(http_dir):
    folder, base = http_dir
    numbered_clip(folder / "clip.mp4", 30, 10)
    out = cli_json("probe", f"{base}/clip.mp4", "--speed", "max", "--json", "--seconds", "20")
    assert out["kind"] == "http" and out["frames_decoded"] == 30 and out["frames_sampled"] == 6


def test_hls_playlist(http_dir):
    folder, base = http_dir
    make_hls(folder, 40, 10)
    stream = FrameStream(SourceConfig(source=f"{base}/live.m3u8", fps=2, reconnect=False))
    info = stream.start()
    frames = list(stream)
    assert info.kind == "http" and info.live
    assert [read_barcode(f.image) for f in frames] == list(range(0, 40, 5))


def test_http_404(http_dir):
    _, base = http_dir
    proc, elapsed = run_cli("probe", f"{base}/missing.m3u8")
    assert proc.returncode == 2 and elapsed < NO_HANG_S and "404" in proc.stderr


def test_testsrc_probe_json():
    out = cli_json("probe", "testsrc", "--seconds", "1.5", "--json")
    assert out["source"] == "testsrc" and out["kind"] == "testsrc" and out["width"] == 640
    assert 2 <= out["frames_sampled"] <= 4 and out["frames_dropped"] == 0
    assert isinstance(out["fps"], float) and isinstance(out["frames_sampled"], int) and isinstance(out["live"], bool)
