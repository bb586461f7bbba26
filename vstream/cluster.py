"""Cameras on a Ray cluster (`vstream serve --ray ADDRESS`): one Ray actor per camera.

Each actor runs the camera's `vstream ingest` (the same `ingest_command` as local cameras) as a
child process on the actor's node and supervises it with a one-camera `ProcessRunner` (backoff,
hung detection, SIGTERM-on-parent-death). Ray places the actors (SPREAD over the nodes) and
restarts an actor whose node died on another node (`max_restarts=-1`): the new ingest continues
the same session.

Decision: sessions live on storage every node sees (NFS/CephFS/… mounted at the same path; in
tests, one local folder). The server reads them with `memory.reader.SessionReader`, exactly as
for local cameras. Reading through the actors was rejected: the session must outlive its node
anyway (the camera continues on it elsewhere), readers would die with the node, and every
refresh would copy rows over the network instead of reading SQLite's WAL in place.

Continuing after a node loss relies on: the session writer lock is an flock(2) that the kernel
drops when the dead node's ingest is gone; a live source reopened in a session appends on a
continued clock (a file resumes after its last committed time). If the old ingest still holds
the lock (it is closing, or a partitioned node has not noticed yet), the new one is refused and
retried with backoff until the lock is free.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field, replace

from vstream.cameras import (
    Backoff,
    CameraRunner,
    CameraSpec,
    CameraState,
    CameraStatus,
    ProcessRunner,
)
from vstream.errors import ConfigError, MissingDependencyError, VStreamError

log = logging.getLogger(__name__)

INSTALL = "pip install 'vstream[cluster]'"
NAMESPACE = "vstream"
# `vstream ingest` refuses a session whose writer lock is held with this text (exit 2, which a
# ProcessRunner treats as a user mistake). On a cluster it is transient: the previous node's
# ingest is still closing, so the actor retries it.
LOCK_HELD = "is being written by another process"


def import_ray():
    """Ray is an optional extra; one line naming what to install when it is missing."""
    try:
        import ray
    except ImportError as e:
        raise MissingDependencyError(f"--ray needs the Python package 'ray' ({e}); install it: {INSTALL}") from None
    return ray


@dataclass(frozen=True)
class Placement:
    """Where a camera's actor runs now."""

    name: str
    node_id: str  # Ray node id (hex)
    host: str  # host name of that node
    ip: str  # the node's address as Ray knows it
    pid: int  # the actor's worker process on that node
    incarnation: str  # new on every actor (re)start: a change means Ray restarted or moved it

    @property
    def node(self) -> str:
        return f"{self.host}/{self.node_id[:12]}"


@dataclass(frozen=True)
class ActorOptions:
    """What each camera actor passes to its one-camera ProcessRunner."""

    hung_after_s: float = 15.0
    startup_s: float = 90.0
    backoff: Backoff = field(default_factory=Backoff)
    env: tuple[tuple[str, str], ...] = ()  # extra environment for the ingest (HF_HUB_OFFLINE …)
    poll_s: float = 0.5


class CameraActor:
    """One camera on one Ray node (made a Ray actor by RayRunner; plain class so it imports
    without ray). Its ingest child dies with it: ProcessRunner sets PR_SET_PDEATHSIG (SIGTERM,
    so the session still closes cleanly) and starts children from its supervisor thread."""

    def __init__(self, spec: CameraSpec, opts: ActorOptions):
        ray = import_ray()
        ctx = ray.get_runtime_context()
        self.place = Placement(spec.name, ctx.get_node_id(), socket.gethostname(), ray.util.get_node_ip_address(),
                               os.getpid(), uuid.uuid4().hex[:12])
        self.spec, self.opts = spec, opts
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._earlier_restarts = 0  # restarts of runners replaced after a lock refusal
        self._runner = self._launch()
        threading.Thread(target=self._retry_lock_refusals, name="vstream-lock-retry", daemon=True).start()
        log.info("camera %s: actor up on %s (pid %d)", spec.name, self.place.node, os.getpid())

    def _launch(self) -> ProcessRunner:
        runner = ProcessRunner(hung_after_s=self.opts.hung_after_s, backoff=self.opts.backoff,
                               startup_s=self.opts.startup_s, env=dict(self.opts.env), poll_s=self.opts.poll_s)
        runner.start([self.spec])
        return runner

    def _retry_lock_refusals(self) -> None:
        """A refused start because the session's lock is still held is retried with backoff."""
        failures = 0
        while not self._stopping.wait(self.opts.poll_s):
            st = self._runner.status()[0]
            if st.state is not CameraState.FAILED or LOCK_HELD not in st.last_error:
                continue
            failures += 1
            if self._stopping.wait(self.opts.backoff.delay(failures)):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                old, self._runner = self._runner, self._launch()
                self._earlier_restarts += st.restarts + 1
            old.stop(0.0)

    def status(self) -> tuple[Placement, CameraStatus]:
        with self._lock:
            st = self._runner.status()[0]
            return self.place, replace(st, restarts=st.restarts + self._earlier_restarts)

    def stop(self, timeout_s: float = 10.0) -> tuple[Placement, CameraStatus]:
        """SIGTERM to the ingest (its session closes cleanly), SIGKILL after `timeout_s`."""
        with self._lock:
            self._stopping.set()
        self._runner.stop(timeout_s)
        return self.status()


class _Remote:
    """The runner's view of one camera's actor (touched only under RayRunner's lock)."""

    def __init__(self, spec: CameraSpec, actor):
        self.spec, self.actor = spec, actor
        self.pending = None  # the status call in flight (one at most: an actor being moved piles none up)
        self.place: Placement | None = None
        self.moves = 0  # actor restarts by Ray (node lost, worker crashed)
        self.status = CameraStatus(spec.name, CameraState.STARTING)


class RayRunner(CameraRunner):
    """Each camera's ingest as a Ray actor: `max_restarts=-1` (a lost node's cameras restart on
    another node), SPREAD placement, `num_cpus` reserved per camera. `address`: what
    `ray.init` takes ("auto", "host:6379", "ray://…"); None starts a local Ray (tests, one box)."""

    def __init__(self, address: str | None, num_cpus: float = 1.0, opts: ActorOptions | None = None,
                 status_timeout_s: float = 2.0, local_cpus: int = 2, namespace: str = NAMESPACE):
        self.ray = import_ray()
        self.num_cpus, self.opts, self.status_timeout_s = num_cpus, opts or ActorOptions(), status_timeout_s
        self.namespace = namespace
        self._cams: dict[str, _Remote] = {}
        self._lock = threading.Lock()
        self._stopped = False  # after stop(): status() gives the final states without asking dead actors
        self._owns_ray = not self.ray.is_initialized()
        if self._owns_ray:
            self._connect(address, local_cpus)

    def _connect(self, address: str | None, local_cpus: int) -> None:
        kwargs = {"num_cpus": local_cpus, "include_dashboard": False} if address is None else {}
        t0 = time.monotonic()
        try:
            self.ray.init(address=address, namespace=self.namespace, log_to_driver=False, **kwargs)
        except (ConnectionError, RuntimeError, ValueError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise VStreamError(f"cannot join the Ray cluster at {address}: {first} — start it with "
                               "`ray start --head` or check --ray") from None
        log.info("ray: joined %s in %.1f s", address or "a local cluster", time.monotonic() - t0)

    # ---- CameraRunner ---------------------------------------------------------------------------
    def start(self, specs: list[CameraSpec]) -> None:
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise ConfigError("camera names must be unique")
        for s in specs:
            s.session.parent.mkdir(parents=True, exist_ok=True)  # the shared folder, seen by every node
        actor_class = self.ray.remote(CameraActor)
        with self._lock:
            for s in specs:
                self._cams[s.name] = _Remote(s, self._create(actor_class, s))

    def _create(self, actor_class, spec: CameraSpec):
        try:
            return actor_class.options(name=f"camera:{spec.name}", max_restarts=-1, max_task_retries=-1,
                                       num_cpus=self.num_cpus, scheduling_strategy="SPREAD").remote(spec, self.opts)
        except ValueError as e:  # the name is taken in this namespace
            raise ConfigError(f"camera {spec.name!r} already runs on this Ray cluster ({e}); "
                              "stop the other `vstream serve` or rename the camera") from None

    def status(self) -> list[CameraStatus]:
        with self._lock:
            cams = list(self._cams.values())
            if self._stopped or not cams:
                return [c.status for c in cams]
            for c in cams:
                if c.pending is None:
                    c.pending = c.actor.status.remote()
            pending = [c.pending for c in cams]
            ready, _ = self.ray.wait(pending, num_returns=len(pending), timeout=self.status_timeout_s)
            done = set(ready)
            for c in cams:
                if c.pending in done:
                    self._take(c)
                else:
                    self._unanswered(c)
            return [c.status for c in cams]

    def _take(self, c: _Remote) -> None:
        ref, c.pending = c.pending, None
        try:
            place, st = self.ray.get(ref)
        except self.ray.exceptions.ActorUnavailableError:  # being restarted: not an answer yet
            return self._unanswered(c)
        except self.ray.exceptions.RayActorError as e:  # gone for good (restarts are unlimited: killed)
            c.status = replace(c.status, state=CameraState.FAILED, last_error=f"Ray actor died: {_first_line(e)}")
            return
        if c.place is not None and place.incarnation != c.place.incarnation:
            c.moves += 1
            log.warning("camera %s: actor restarted on %s (was %s)", c.spec.name, place.node, c.place.node)
        c.place = place
        beat = replace(st.beat, node=place.node) if st.beat is not None else None
        c.status = replace(st, restarts=st.restarts + c.moves, beat=beat)

    def _unanswered(self, c: _Remote) -> None:
        """No answer in time: its node is lost and Ray is restarting the actor elsewhere."""
        if c.status.state is not CameraState.RESTARTING:
            where = f" on {c.place.node}" if c.place else ""
            c.status = replace(c.status, state=CameraState.RESTARTING, since=time.time(),
                               last_error=f"its Ray actor{where} does not answer (node lost? being moved)")

    def placements(self) -> dict[str, Placement]:
        """Where each camera ran at the last status() that reached it."""
        with self._lock:
            return {n: c.place for n, c in self._cams.items() if c.place is not None}

    def stop(self, timeout_s: float = 10.0) -> None:
        """Each actor SIGTERMs its ingest (sessions closed cleanly) and waits up to `timeout_s`;
        then the actors are killed without restart."""
        with self._lock:
            cams = list(self._cams.values())
            refs = {c.actor.stop.remote(timeout_s): c for c in cams}
            ready, _ = self.ray.wait(list(refs), num_returns=len(refs), timeout=timeout_s + 10.0)
            for ref in ready:
                c = refs[ref]
                try:
                    c.place, st = self.ray.get(ref)
                    c.status = replace(st, restarts=st.restarts + c.moves)
                except self.ray.exceptions.RayError as e:
                    log.warning("camera %s: stop failed: %s", c.spec.name, _first_line(e))
            for c in cams:
                self.ray.kill(c.actor, no_restart=True)
                if c.status.state not in (CameraState.ENDED, CameraState.FAILED):
                    c.status = replace(c.status, state=CameraState.STOPPED, since=time.time())
            self._stopped = True
        if self._owns_ray:
            self.ray.shutdown()


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:300] if text else type(e).__name__


__all__ = ["ActorOptions", "CameraActor", "Placement", "RayRunner", "import_ray"]
