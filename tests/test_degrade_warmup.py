"""The degradation policy's warm-up: start-up lag (models loading, the first OCR/detector runs)
does not degrade a camera; the same lag after the warm-up does."""

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
