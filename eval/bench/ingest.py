"""`vstream bench ingest`: our decode+sample throughput vs bare PyAV decoding of the same file.

Target: ratio >= 0.9 (the wrapper — sampling, RGB conversion of sampled frames, queue, stats —
adds less than 10% to decoding, which it cannot avoid: every frame must be decoded)."""

from __future__ import annotations

import av

from eval.bench.common import interleaved, media_file
from vstream.config import SourceConfig
from vstream.stream import FrameStream


def bare_decode(path: str) -> int:
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def vstream_decode(path: str, fps: float) -> tuple[int, int]:
    stream = FrameStream(SourceConfig(source=path, speed="max", fps=fps))
    stream.start()
    sampled = sum(1 for _ in stream)
    return stream.stats.decoded, sampled


def run(args) -> dict:
    path = str(media_file(args.file))
    res = interleaved({"bare": lambda: bare_decode(path), "vstream": lambda: vstream_decode(path, args.fps)}, args.repeats)
    (t_bare, n_bare), (t_ours, (n_ours, sampled)) = res["bare"], res["vstream"]
    ratio = t_bare / t_ours
    return {
        "bench": "ingest",
        "file": path,
        "fps": args.fps,
        "repeats": args.repeats,
        "frames_decoded": n_ours,
        "frames_decoded_bare": n_bare,
        "frames_sampled": sampled,
        "bare_pyav_fps": round(n_bare / t_bare, 1),
        "vstream_fps": round(n_ours / t_ours, 1),
        "throughput_ratio": round(ratio, 3),
        "target_ratio": 0.9,
        "meets_target": ratio >= 0.9,
    }
