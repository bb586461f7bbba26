"""The degradation policy's warm-up: start-up lag (models loading, the first OCR/detector runs)
does not degrade a camera; the same lag after the warm-up does."""

import pytest

from vstream.degrade import DegradeConfig, DegradePolicy


def run(policy: DegradePolicy, t0: float, t1: float, lag: float) -> list[int]:
    levels, t = [], t0
    while t < t1:
        policy.observe(t, lag)
        levels.append(policy.level)
        t += 0.5
    return levels


def test_startup_lag_inside_warmup_is_not_judged():
    p = DegradePolicy(2.0, DegradeConfig(warmup_s=10.0))
    assert set(run(p, 0.0, 9.99, 5.0)) == {0}  # 5 s lag for the first 10 s: still the asked rate
    assert set(run(p, 10.0, 20.0, 0.1)) == {0}  # then healthy: never degraded


def test_lag_after_warmup_degrades():
    p = DegradePolicy(2.0, DegradeConfig(warmup_s=10.0))
    run(p, 0.0, 10.0, 0.1)
    assert max(run(p, 10.0, 30.0, 5.0)) >= 2  # sustained 5 s lag after warm-up steps down the ladder


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_camera_ingest_degrades_after_warmup_and_records_each_step_once(tmp_path):
    """A real `vstream ingest --heartbeat` with an unreachable lag target: it steps down the
    ladder only after the 10 s warm-up, and each step is one warning event in the session."""
    import sqlite3
    import subprocess
    import sys

    from tests.conftest import REPO

    session = tmp_path / "s"
    subprocess.run([sys.executable, "-m", "vstream", "ingest", "testsrc", "--session", str(session), "--heartbeat", "cam",
                    "--lag-target", "0.001", "--seconds", "25", "--no-asr", "--json"], cwd=REPO, check=True,
                   capture_output=True, timeout=360)
    db = sqlite3.connect(f"file:{session / 'session.sqlite'}?mode=ro", uri=True)
    steps = db.execute("SELECT ts, message FROM events WHERE kind='warning' AND message LIKE 'degradation level%'").fetchall()
    assert steps, "never degraded"
    assert len({m for _, m in steps}) == len(steps), steps  # each level change stored once
    assert min(t for t, _ in steps) >= 10.0 - 1e-6, steps  # nothing judged inside the warm-up
