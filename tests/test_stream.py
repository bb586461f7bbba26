"""Timestamps, sampling, pacing and queues on synthetic clips with known frame numbers."""

from __future__ import annotations

import threading
import time

import pytest

from eval.synthvideo import numbered_clip, read_barcode
from vstream.config import SourceConfig
from vstream.queues import BoundedQueue, Closed, QueuePolicy
from vstream.stream import FpsSampler, FrameStream


def read_all(path, **kw):
    stream = FrameStream(SourceConfig(source=str(path), **kw))
    info = stream.start()
    frames = list(stream)
    return stream, info, frames


def test_max_speed_exact_counts_and_timestamps(clip10):
    stream, info, frames = read_all(clip10, speed="max", fps=10)
    assert (info.width, info.height, info.fps, info.live) == (320, 240, 10.0, False)
    assert info.duration_s == pytest.approx(5.0)
    assert stream.stats.decoded == 50 and stream.stats.sampled == 50 and stream.stats.dropped == 0
    assert [read_barcode(f.image) for f in frames] == list(range(50))
    assert [f.index for f in frames] == list(range(50))
    assert [f.ts for f in frames] == pytest.approx([i / 10 for i in range(50)], abs=1e-6)
    assert frames[0].image.shape == (240, 320, 3) and frames[0].image.dtype.name == "uint8"


@pytest.mark.parametrize("fixture,fps,expected", [
    ("clip10", 2.0, list(range(0, 50, 5))),
    # 25 fps → 2 fps: ticks at k*0.5 s; the first frame at or after 0.5 s is frame 13 (0.52 s).
    ("clip25", 2.0, [0, 13, 25, 38, 50, 63, 75, 88]),
    ("clip10", 3.0, [0, 4, 7, 10, 14, 17, 20, 24, 27, 30, 34, 37, 40, 44, 47]),
])
def test_sampling_to_target_fps_gives_expected_indices(request, fixture, fps, expected):
    stream, _, frames = read_all(request.getfixturevalue(fixture), speed="max", fps=fps)
    assert [read_barcode(f.image) for f in frames] == expected
    assert [f.index for f in frames] == expected
    assert stream.stats.sampled == len(expected)
    ts = [f.ts for f in frames]
    assert ts == sorted(ts) and len(set(ts)) == len(ts)


def test_realtime_paces_file_at_1x(clip10):
    t0 = time.monotonic()
    stream, _, frames = read_all(clip10, speed="realtime", fps=2)
    elapsed = time.monotonic() - t0
    # 10 sampled frames, the last at 4.5 s of stream time: delivered at ~4.5 s of wall time.
    assert len(frames) == 10
    assert 4.2 <= elapsed <= 5.5
    start = frames[0].wall
    for f in frames:  # each frame decoded within 0.25 s of its presentation time
        assert abs((f.wall - start) - f.ts) < 0.25


def test_slow_consumer_drops_oldest_and_counts(media):
    clip = numbered_clip(media / "slow.mp4", 40, 10)
    stream = FrameStream(SourceConfig(source=str(clip), speed="realtime", fps=10, queue_size=2))
    stream.start()
    got = []
    for f in stream:
        got.append(read_barcode(f.image))
        time.sleep(0.3)  # 3x slower than the frames arrive
    s = stream.stats
    assert s.sampled == 40 and s.dropped > 10
    assert s.sampled == len(got) + s.dropped  # every frame is either delivered or counted as dropped
    assert got == sorted(got) and got[-1] == 39  # drop-oldest keeps the tail


def test_keep_latest_delivers_newest():
    q: BoundedQueue[int] = BoundedQueue(4, QueuePolicy.KEEP_LATEST)
    for i in range(3):
        q.put(i)
    assert q.get(0) == 2 and q.dropped == 2
    q.put(7)
    q.close()
    assert q.get(0) == 7
    with pytest.raises(Closed):
        q.get(0)


def test_drop_oldest_queue_bounds_and_counts():
    q: BoundedQueue[int] = BoundedQueue(3, QueuePolicy.DROP_OLDEST)
    for i in range(10):
        q.put(i)
    assert len(q) == 3 and q.dropped == 7
    assert [q.get(0), q.get(0), q.get(0)] == [7, 8, 9]


def test_block_policy_waits_instead_of_dropping():
    q: BoundedQueue[int] = BoundedQueue(1, QueuePolicy.BLOCK)
    q.put(0)
    done = threading.Event()
    threading.Thread(target=lambda: (q.put(1), done.set()), daemon=True).start()
    assert not done.wait(0.3)  # producer is held, nothing dropped
    assert q.get(0) == 0
    assert done.wait(2) and q.get(0) == 1 and q.dropped == 0


def test_fps_sampler_handles_rounding_and_gaps():
    s = FpsSampler(2.0)
    accepted = [t for t in (0.0, 0.1, 0.49999999, 0.6, 3.2, 3.4, 3.5) if s.accept(t)]
    assert accepted == [0.0, 0.49999999, 3.2, 3.5]


def test_testsrc_is_live_and_paced():
    stream = FrameStream(SourceConfig(source="testsrc:size=320x180:rate=10", fps=5))
    info = stream.start()
    t0 = time.monotonic()
    frames = []
    for f in stream:
        frames.append(f)
        if len(frames) == 6:
            break
    stream.stop()
    assert info.live and info.kind == "testsrc" and (info.width, info.height) == (320, 180)
    assert frames[0].image.shape == (180, 320, 3)
    assert [f.ts for f in frames] == pytest.approx([i * 0.2 for i in range(6)], abs=1e-6)
    assert time.monotonic() - t0 >= 0.8  # the lavfi `realtime` filter paces it like a camera
