"""Helpers shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from vstream.errors import VStreamError

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "sample.mp4"
SHARED_MEDIA = REPO.parent / "shared" / "media"


def media_file(name: str | None) -> Path:
    """A benchmark input: an explicit path, a name in ../shared/media, or the bundled sample."""
    if not name:
        return SAMPLE
    p = Path(name)
    if p.exists():
        return p
    if (SHARED_MEDIA / name).exists():
        return SHARED_MEDIA / name
    raise VStreamError(f"benchmark input {name} not found (looked in . and {SHARED_MEDIA}) — pass --file PATH")


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def interleaved(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, tuple[float, object]]:
    """Run each function `repeats` times, alternating, so drift in machine load hits all of
    them alike; report each one's best (minimum) time — the least noisy estimate of what the
    code itself costs on a shared 2-core machine — and its last result."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    last: dict[str, object] = {}
    for _ in range(max(1, repeats)):
        for name, fn in fns.items():
            dt, last[name] = timed(fn)
            times[name].append(dt)
    return {k: (min(v), last[k]) for k, v in times.items()}
