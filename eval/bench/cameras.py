"""`vstream bench cameras --n 1,2,4,8 --seconds S`: N cameras, each its own `vstream ingest`
process under ProcessRunner (the same runner `serve --camera` uses), measured for S seconds once
every camera beats.

Source: `testsrc` 320x240 at 10 fps (a live test pattern) by default; `--source FILE` loops a
file at 1x as a live camera (every camera its own copy of the stream).

Per camera: effective fps, lag p95 (capture → stored, last 10 s), degradation level, restarts,
and the process's memory: RSS (what `ps` shows; shared libraries and pages counted in every
process), PSS (shared pages split among the processes sharing them) and USS (pages only this
process holds: what one more camera really costs). With the fork launcher (the default on Linux;
VSTREAM_CAMERA_LAUNCHER=spawn|fork picks one) the fork server that holds the shared models is
measured too ("zygote") and counted in every total. Totals: CPU cores used (CPU seconds / wall
seconds), the sums, and "per additional camera" = (USS sum(N) - USS sum(1)) / (N-1) when 1 is among
the counts. Restart: after the window cam0's ingest is killed (-9); restart_beat_s is the time until
its new process beats, restart_frames_s until it stores frames again (issue 16: within 10 s).

Issue 16's goal: <= 400 MB per additional camera."""

from __future__ import annotations

import os
import signal
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from vstream.cameras import CameraSpec, CameraState, ProcessRunner
from vstream.errors import VStreamError

TESTSRC = "testsrc:size=320x240:rate=10"
MB = 1024 * 1024
ZYGOTE = "zygote"


def run(args) -> dict:
    counts = [int(x) for x in str(args.n).split(",") if x.strip()]
    source = getattr(args, "source", None) or TESTSRC
    runs = [run_cameras(n, source, args.seconds, args.fps) for n in counts]
    out = {"source": source, "seconds": args.seconds, "fps_asked": args.fps, "cpu_cores": psutil.cpu_count(),
           "runs": runs}
    base = next((r for r in runs if r["n"] == 1), None)
    for r in runs:
        if base is not None and r["n"] > 1:
            r["uss_mb_per_additional_camera"] = round((r["uss_mb_total"] - base["uss_mb_total"]) / (r["n"] - 1), 1)
            r["pss_mb_per_additional_camera"] = round((r["pss_mb_total"] - base["pss_mb_total"]) / (r["n"] - 1), 1)
    return out


def _specs(n: int, source: str, root: Path, fps: float) -> list[CameraSpec]:
    opts = ("--loop",) if Path(source).is_file() else ()
    return [CameraSpec(f"cam{i}", source, root / f"cam{i}", fps, opts) for i in range(n)]


def run_cameras(n: int, source: str, seconds: float, fps: float = 2.0) -> dict:
    with tempfile.TemporaryDirectory(prefix="vstream-bench-cameras-") as tmp:
        runner = ProcessRunner()
        t0 = time.monotonic()
        runner.start(_specs(n, source, Path(tmp), fps))
        try:
            startup_s = _wait_beating(runner, timeout_s=240.0) - t0
            samples = _measure(runner, seconds)
            restart = _restart_after_kill(runner, "cam0")
        finally:
            runner.stop()
        return {**_summary(n, runner, samples, startup_s), **restart}


def _wait_beating(runner: ProcessRunner, timeout_s: float) -> float:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        states = [s for s in runner.status()]
        if any(s.state in (CameraState.FAILED, CameraState.ENDED) for s in states):
            raise VStreamError(f"a camera stopped: {[s.to_json() for s in states]}")
        if all(s.beat is not None for s in states):
            return time.monotonic()
        time.sleep(0.5)
    raise VStreamError(f"cameras did not all start within {timeout_s:.0f} s")


def _restart_after_kill(runner: ProcessRunner, name: str, timeout_s: float = 180.0) -> dict:
    """kill -9 one camera's ingest; seconds until its new process beats (restart_beat_s) and until
    it stores frames past the last beat's stream time on the continued clock (restart_frames_s).
    Includes the runner's 1 s backoff and its 0.5 s poll."""
    before = _status(runner, name).beat
    os.kill(runner.pids()[name], signal.SIGKILL)
    t_kill, beat_s = time.monotonic(), None
    while time.monotonic() - t_kill < timeout_s:
        b = _status(runner, name).beat
        if b is not None and b.pid != before.pid:
            beat_s = beat_s or time.monotonic() - t_kill
            if b.stream_t > before.stream_t:
                return {"restart_beat_s": round(beat_s, 1), "restart_frames_s": round(time.monotonic() - t_kill, 1)}
        time.sleep(0.1)
    return {"restart_beat_s": beat_s and round(beat_s, 1), "restart_frames_s": None}


def _status(runner: ProcessRunner, name: str):
    return next(s for s in runner.status() if s.name == name)


def _measure(runner: ProcessRunner, seconds: float) -> dict:
    """CPU over the window; memory sampled every ~5 s (max kept: smaps reads are not free). The
    fork server (launcher fork) is measured beside the cameras: it holds the shared models."""
    procs = {name: psutil.Process(pid) for name, pid in runner.pids().items()}
    if runner.zygote_pid() is not None:
        procs[ZYGOTE] = psutil.Process(runner.zygote_pid())
    cpu0 = {name: _cpu(p) for name, p in procs.items()}
    mem: dict[str, dict[str, int]] = {name: {"rss": 0, "pss": 0, "uss": 0} for name in procs}
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        for name, p in procs.items():
            _max_mem(mem[name], p)
        time.sleep(min(5.0, max(0.1, seconds - (time.monotonic() - t0))))
    wall = time.monotonic() - t0
    cpu = {name: _cpu(p) - cpu0[name] for name, p in procs.items()}
    return {"mem": mem, "cpu": cpu, "wall": wall, "status": {s.name: s for s in runner.status()}}


def _cpu(p: psutil.Process) -> float:
    try:
        t = p.cpu_times()
        return t.user + t.system
    except psutil.Error:
        return 0.0


def _max_mem(acc: dict[str, int], p: psutil.Process) -> None:
    try:
        m = p.memory_full_info()
    except psutil.Error:
        return
    for key in acc:
        acc[key] = max(acc[key], getattr(m, key))


def _summary(n: int, runner: ProcessRunner, s: dict, startup_s: float) -> dict:
    cams = []
    for name, st in s["status"].items():
        b, m = st.beat, s["mem"].get(name, {"rss": 0, "pss": 0, "uss": 0})
        cams.append({"name": name, "state": st.state.value, "restarts": st.restarts,
                     "fps_effective": b.fps_effective if b else None, "lag_p95_s": b.lag_p95_s if b else None,
                     "level": b.level if b else None, "policy": b.policy if b else None,
                     **_mb(m), "cpu_cores": round(s["cpu"].get(name, 0.0) / s["wall"], 2)})
    lags = [c["lag_p95_s"] for c in cams if c["lag_p95_s"] is not None]
    zygote = s["mem"].get(ZYGOTE)
    procs = cams + ([_mb(zygote)] if zygote else [])
    return {"n": n, "launcher": runner.launcher, "startup_s": round(startup_s, 1), "wall_s": round(s["wall"], 1),
            "cameras": cams, "zygote": _mb(zygote) if zygote else None,
            "lag_p95_s_max": max(lags) if lags else None,
            "lag_p95_s_median": round(statistics.median(lags), 3) if lags else None,
            "cpu_cores_total": round(sum(s["cpu"].values()) / s["wall"], 2),
            **{f"{k}_mb_total": round(sum(p[f"{k}_mb"] for p in procs), 1) for k in ("rss", "pss", "uss")}}


def _mb(m: dict[str, int]) -> dict[str, float]:
    return {f"{k}_mb": round(m[k] / MB, 1) for k in ("rss", "pss", "uss")}
