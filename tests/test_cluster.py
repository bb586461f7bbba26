"""Cameras on Ray (vstream/cluster.py): a local two-node cluster on loopback runs two `testsrc`
cameras; killing the worker node moves its camera to the head, where the ingest continues the
same session on a continued clock with nothing lost; stop() closes both sessions cleanly."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest

from memory.store import SessionStore
from vstream.cameras import CameraSpec, CameraState
from vstream.errors import MissingDependencyError

HAVE_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(not HAVE_RAY, reason="ray is not installed (pip install 'vstream[cluster]')")

OFFLINE = (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("HF_HUB_DISABLE_TELEMETRY", "1"))
# The lightest real ingest: a small live test pattern, no OCR/ASR/detector (startup ~13 s, ~580 MB).
LIGHT = ("--no-ocr", "--no-asr", "--detector", "none")
SOURCE = "testsrc:size=320x180:rate=10"
UP = (CameraState.RUNNING, CameraState.DEGRADED)  # degraded = beating at a lower rate (a loaded box)


def test_missing_ray_names_the_extra(monkeypatch):
    from vstream.cluster import import_ray

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'vstream\[cluster\]'"):
        import_ray()


@pytest.fixture(scope="module")
def cluster():
    """Head (2 CPUs) + one worker node (1 CPU), both on 127.0.0.1 only. `ray start` cannot make
    this on Linux: a worker joining 127.0.0.1 rewrites it to the machine's address unless
    RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0, which the CLI then refuses for worker nodes. Ray's own
    test helper (ray.cluster_utils.Cluster) starts both nodes from this process instead, and its
    remove_node() SIGKILLs one node's processes: a node loss. Health checks every 0.5 s x 3 make
    the loss visible in ~2 s instead of ~30 s (the default is 3 s x 10?)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # keep every Ray service on loopback
        mp.setenv("RAY_AUTH_MODE", "disabled")
        mp.setenv("RAY_USAGE_STATS_ENABLED", "0")
        temp = tempfile.mkdtemp(prefix="vsray", dir="/tmp")  # short: Unix socket paths max 107 chars
        mp.setenv("RAY_TMPDIR", temp)  # all of Ray's files (sessions, address file) here, not /tmp/ray
        import ray
        from ray._private import ray_constants
        from ray.cluster_utils import Cluster

        mp.setattr(ray_constants, "ENABLE_RAY_CLUSTER", False)  # in case ray was imported before the env
        head_args = dict(num_cpus=2, node_ip_address="127.0.0.1", include_dashboard=False,
                         _system_config={"health_check_period_ms": 500, "health_check_failure_threshold": 3,
                                         "health_check_initial_delay_ms": 0})
        c = Cluster(initialize_head=True, head_node_args=head_args)
        try:
            worker = c.add_node(num_cpus=1, node_ip_address="127.0.0.1")
            yield c, worker
        finally:
            ray.shutdown()
            c.shutdown()
            shutil.rmtree(temp, ignore_errors=True)


def _entries(session: Path) -> list:
    store = SessionStore(session, create=False, readonly=True)
    try:
        return store.entries()
    finally:
        store.close()


def _meta(session: Path, key: str):
    store = SessionStore(session, create=False, readonly=True)
    try:
        return store.get_meta(key)
    finally:
        store.close()


def _last_t(session: Path) -> float:
    try:
        return max((e.t_end for e in _entries(session)), default=0.0)
    except Exception:  # not created yet
        return 0.0


def _wait(pred, timeout_s: float, what: str, runner=None):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        got = pred()
        if got:
            return got
        time.sleep(0.5)
    states = [s.to_json() for s in runner.status()] if runner is not None else ""
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}; {states}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purpose
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


@needs_ray
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_node_loss_moves_camera_and_session_continues(cluster, tmp_path):
    from vstream.cluster import ActorOptions, RayRunner

    c, worker = cluster
    specs = [CameraSpec(n, SOURCE, tmp_path / "sessions" / n, fps=2.0, options=LIGHT) for n in ("door", "yard")]
    sess = {s.name: s.session for s in specs}
    runner = RayRunner(c.address, opts=ActorOptions(env=OFFLINE, startup_s=240.0))
    try:
        runner.start(specs)

        def running():
            st = {s.name: s for s in runner.status()}
            return all(s.state in UP and s.beat is not None for s in st.values()) and st

        st = _wait(running, 240, "both cameras running", runner)
        place = runner.placements()
        assert {p.node_id for p in place.values()} == {c.head_node.node_id, worker.node_id}, place  # SPREAD
        moved = next(n for n, p in place.items() if p.node_id == worker.node_id)
        stayed = next(n for n in place if n != moved)
        # both sessions grow (read from the shared folder, as the server does)
        t0 = {n: _last_t(sess[n]) for n in sess}
        _wait(lambda: all(_last_t(sess[n]) >= t0[n] + 2.0 for n in sess), 60, "both sessions growing", runner)

        old_pid = st[moved].beat.pid
        before = _entries(sess[moved])
        t_before = max(e.t_end for e in before)
        stayed_before = _last_t(sess[stayed])
        killed = time.monotonic()
        c.remove_node(worker, allow_graceful=False)  # node loss: every process of the node SIGKILLed
        # its ingest child dies with the actor (PR_SET_PDEATHSIG): nothing keeps writing from the lost node
        _wait(lambda: not _pid_alive(old_pid), 20, f"old ingest pid {old_pid} to die with its actor")

        placed = []  # when the restarted actor first answered from the head

        def moved_running():
            s = {x.name: x for x in runner.status()}[moved]
            assert s.state is not CameraState.FAILED, s.to_json()  # gave up: fail now, not at the timeout
            p = runner.placements().get(moved)
            if not placed and p is not None and p.node_id == c.head_node.node_id:
                placed.append(time.monotonic() - killed)
            ok = (p is not None and p.node_id == c.head_node.node_id and s.state in UP
                  and s.beat is not None and s.beat.pid != old_pid)
            return ok and (s, p)

        s, p = _wait(moved_running, 240, f"{moved} running again on the head", runner)
        restart_s = time.monotonic() - killed
        print(f"\nnode lost -> {moved}'s actor up on the head after {placed[0]:.1f} s, its ingest beating "
              f"after {restart_s:.1f} s (restarts {s.restarts}, last error: {s.last_error!r})")
        assert s.restarts >= 1 and s.beat.node == p.node, s
        _wait(lambda: _last_t(sess[moved]) >= t_before + 3.0, 60, f"{moved}'s session growing after the move", runner)

        after = _entries(sess[moved])
        ids = {e.id for e in after}
        assert all(e.id in ids for e in before), "entries committed before the node loss were lost"
        epochs = _meta(sess[moved], "epochs")
        assert [e["mode"] for e in epochs] == ["new", "append"], epochs
        offset = epochs[1]["offset_s"]
        assert offset >= t_before - 1e-6  # the clock continues from the last committed time
        new = [e for e in after if e.t_start >= offset - 1e-6]
        assert all(e.t_end <= offset + 1e-6 or e.t_start >= offset - 1e-6 for e in after), "epochs overlap in time"
        assert new and min(e.t_start for e in new) <= offset + 2.0, "stream time jumped instead of continuing"
        assert _last_t(sess[stayed]) > stayed_before  # the other camera never stopped
    finally:
        runner.stop(timeout_s=20.0)
    assert {s.name: s.state for s in runner.status()} == {"door": CameraState.STOPPED, "yard": CameraState.STOPPED}
    for n, folder in sess.items():
        assert _meta(folder, "closed_cleanly") is True, f"{n}'s session was not closed cleanly"
