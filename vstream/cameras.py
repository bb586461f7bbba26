"""Many cameras: one ingest per camera, each in its own OS process (or Ray actor), each writing
its own session folder; the server only reads those sessions (SessionReader, SQLite WAL).

Shared contract between the local process runner and the Ray runner (vstream/cluster.py):
- a `CameraSpec` says what to watch and where the session lives;
- the ingest side writes a heartbeat file `<session>/ingest.status.json` (atomic rename, about
  once a second) with its `CameraHeartbeat`; a runner judges liveness from it (a process that is
  alive but has not beaten for `hung_after_s` is hung and restarted);
- a runner reports `CameraStatus` per camera and restarts failed ingests with capped backoff.
Sessions are on storage every node can reach (a shared folder): a restarted ingest, wherever
it runs, continues its session (append mode for live sources, resume for files).
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from pathlib import Path

import tomllib

from vstream.errors import ConfigError, VStreamError
from vstream.zygote import Zygote, child_env

log = logging.getLogger(__name__)

HEARTBEAT = "ingest.status.json"


class CameraState(str, Enum):
    STARTING = "starting"      # process launched, no heartbeat yet
    RUNNING = "running"        # heartbeats arrive
    DEGRADED = "degraded"      # running below its asked rate or with senses skipped (see `policy`)
    RESTARTING = "restarting"  # crashed or hung; waiting out the backoff
    ENDED = "ended"            # a file source reached its end
    FAILED = "failed"          # gave up (bad source: a user mistake, not retried)
    STOPPED = "stopped"


@dataclass(frozen=True)
class CameraSpec:
    name: str                  # [a-z0-9_-]{1,32}; shown in citations ("door @ 10:02:03")
    source: str                # anything `vstream ingest` takes
    session: Path              # this camera's session folder
    fps: float = 2.0
    options: tuple[str, ...] = ()  # extra `vstream ingest` options, e.g. ("--no-asr",)


@dataclass(frozen=True)
class CameraHeartbeat:
    name: str
    pid: int
    node: str                  # host name (Ray: node id) the ingest runs on
    wall: float                # time.time() of this beat
    stream_t: float            # stream seconds ingested so far
    fps_asked: float
    fps_effective: float       # frames encoded per second of stream over the last window
    lag_p95_s: float           # capture → stored, last window
    level: int = 0             # degradation level reached (0 = none)
    policy: str = ""           # what that level means, e.g. "fps 1.0, ocr off"
    state: str = "running"     # running | ended

    def write(self, folder: Path) -> None:
        tmp = Path(folder) / (HEARTBEAT + ".tmp")
        tmp.write_text(json.dumps(asdict(self)))
        os.replace(tmp, Path(folder) / HEARTBEAT)  # readers never see half a file

    @staticmethod
    def read(folder: Path) -> CameraHeartbeat | None:
        try:
            return CameraHeartbeat(**json.loads((Path(folder) / HEARTBEAT).read_text()))
        except (OSError, ValueError, TypeError):
            return None


@dataclass(frozen=True)
class CameraStatus:
    name: str
    state: CameraState
    restarts: int = 0
    since: float = field(default_factory=time.time)
    last_error: str = ""
    beat: CameraHeartbeat | None = None

    def to_json(self) -> dict:
        out = {"name": self.name, "state": self.state.value, "restarts": self.restarts,
               "since": self.since, "last_error": self.last_error}
        if self.beat is not None:
            out.update(node=self.beat.node, pid=self.beat.pid, stream_t=self.beat.stream_t,
                       fps_asked=self.beat.fps_asked, fps_effective=self.beat.fps_effective,
                       lag_p95_s=self.beat.lag_p95_s, degradation=self.beat.policy)
        return out


class CameraRunner(ABC):
    """Runs one ingest per camera and keeps it running. Implementations: `ProcessRunner` (local
    OS processes, this module) and `RayRunner` (Ray actors, vstream/cluster.py)."""

    @abstractmethod
    def start(self, specs: list[CameraSpec]) -> None: ...

    @abstractmethod
    def status(self) -> list[CameraStatus]: ...

    @abstractmethod
    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop every ingest so that each session is closed cleanly (SIGTERM, then kill after timeout)."""


def ingest_args(spec: CameraSpec) -> list[str]:
    """`vstream` arguments for a camera: `ingest` at 1x into the camera's session, beating into
    `<session>/ingest.status.json` (--heartbeat NAME). The session mode is automatic: a live
    source appends on a continued clock, a file resumes."""
    return ["ingest", spec.source, "--session", str(spec.session), "--fps", str(spec.fps), "--speed", "realtime",
            "--heartbeat", spec.name, *spec.options]


def ingest_command(spec: CameraSpec, python: str | None = None) -> list[str]:
    """The one command line both runners launch for a camera (the fork server runs the same
    arguments in a forked child)."""
    return [python or sys.executable, "-m", "vstream", *ingest_args(spec)]


# ---- camera lists: --camera name=source and cameras.toml ---------------------------------------
NAME_RE = re.compile(r"[a-z0-9_-]{1,32}")
_TOML_KEYS = {"name", "source", "fps", "options"}


def check_name(name: str) -> str:
    if not NAME_RE.fullmatch(name):
        raise ConfigError(f"camera name {name!r} is not valid; use 1-32 of a-z 0-9 _ - (e.g. door, yard_2)")
    return name


def parse_camera_arg(text: str) -> tuple[str, str]:
    """`--camera door=rtsp://…` → ("door", "rtsp://…")."""
    name, sep, source = text.partition("=")
    if not sep or not source:
        raise ConfigError(f"--camera {text!r} must be NAME=SOURCE, e.g. door=rtsp://10.0.0.5/stream")
    return check_name(name.strip()), source.strip()


def load_cameras_toml(path: str | Path) -> list[dict]:
    """`[[camera]] name=…, source=…, fps=…, options=[…]` → plain dicts (checked)."""
    try:
        data = tomllib.loads(Path(path).read_text())
    except OSError as e:
        raise ConfigError(f"cannot read camera config {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"camera config {path} is not valid TOML: {e}") from None
    cams = data.get("camera", [])
    if not isinstance(cams, list) or not all(isinstance(c, dict) for c in cams):
        raise ConfigError(f"camera config {path}: use [[camera]] tables with name and source")
    for c in cams:
        unknown = set(c) - _TOML_KEYS
        if unknown or "name" not in c or "source" not in c:
            raise ConfigError(f"camera config {path}: each [[camera]] needs name and source and may have fps, "
                              f"options (got {', '.join(sorted(c))})")
    return cams


def camera_specs(args_cameras: list[str], config: str | None, root: Path, fps: float = 2.0) -> list[CameraSpec]:
    """Specs from cameras.toml then --camera flags; session folder <root>/<name>. Names must be
    unique (one line, exit 2)."""
    raw = load_cameras_toml(config) if config else []
    raw += [dict(zip(("name", "source"), parse_camera_arg(text))) for text in args_cameras]
    specs, seen = [], set()
    for c in raw:
        name = check_name(str(c["name"]))
        if name in seen:
            raise ConfigError(f"camera name {name!r} is given twice; each camera needs its own name")
        seen.add(name)
        opts = c.get("options", [])
        if not isinstance(opts, list) or not all(isinstance(o, str) for o in opts):
            raise ConfigError(f"camera {name}: options must be a list of strings, e.g. [\"--no-asr\"]")
        specs.append(CameraSpec(name, str(c["source"]), Path(root) / name, float(c.get("fps", fps)), tuple(opts)))
    return specs


# ---- the ingest side: heartbeats ---------------------------------------------------------------
class HeartbeatThread:
    """Writes `beat()` into the session about once a second; `beat()` returning None skips a beat
    (the ingest says it is stuck: the runner will see the silence and restart it)."""

    def __init__(self, folder: Path, beat: Callable[[], CameraHeartbeat | None], period_s: float = 1.0):
        self.folder, self.beat, self.period_s = Path(folder), beat, period_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vstream-heartbeat", daemon=True)

    def start(self) -> HeartbeatThread:
        self._thread.start()
        return self

    def stop(self, final: CameraHeartbeat | None = None) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)
        if final is not None:
            final.write(self.folder)

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            try:
                beat = self.beat()
                if beat is not None:
                    beat.write(self.folder)
            except Exception as e:  # a full disk must not kill the ingest; the runner sees the silence
                log.warning("heartbeat not written: %s", e)


# ---- the local runner: one OS process per camera ---------------------------------------------
EXIT_USER_ERROR = 2  # `vstream ingest` exit code for a user mistake (bad source …): not retried
LAUNCHERS = ("fork", "spawn")
LAUNCHER_ENV = "VSTREAM_CAMERA_LAUNCHER"


def default_launcher() -> str:
    """fork (vstream/zygote.py: models loaded once and shared copy-on-write, restarts in
    seconds) on Linux, which has what it needs (fork, pidfd, PR_SET_PDEATHSIG); spawn elsewhere."""
    return "fork" if sys.platform.startswith("linux") and hasattr(os, "pidfd_open") else "spawn"


def check_launcher(name: str) -> str:
    if name not in LAUNCHERS:
        raise ConfigError(f"camera launcher {name!r} is not valid; use fork or spawn ({LAUNCHER_ENV})")
    return name


@dataclass(frozen=True)
class Backoff:
    """Restart delays: initial, doubled per consecutive failure, capped; a process that ran
    healthy for `reset_after_s` starts the sequence again."""

    initial_s: float = 1.0
    max_s: float = 30.0
    reset_after_s: float = 60.0

    def delay(self, failures: int) -> float:
        return min(self.max_s, self.initial_s * 2 ** max(0, failures - 1))


class _Camera:
    """The runner's mutable view of one camera (only the supervisor thread writes it)."""

    def __init__(self, spec: CameraSpec):
        self.spec = spec
        self.proc: subprocess.Popen | None = None
        self.stderr = None  # a temporary file holding this launch's stderr
        self.launched = 0.0  # monotonic
        self.next_start = 0.0  # monotonic; when proc is None and state is RESTARTING/STARTING
        self.failures = 0  # consecutive, for the backoff
        self.status = CameraStatus(spec.name, CameraState.STARTING)


def _last_line(f) -> str:
    if f is None:
        return ""
    try:
        f.seek(0)
        lines = [ln.strip() for ln in f.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    except (OSError, ValueError):
        return ""
    line = lines[-1] if lines else ""
    return line.removeprefix("vstream: error: ")[:500]


class ProcessRunner(CameraRunner):
    """One `vstream ingest` OS process per camera, kept running by a supervisor thread:
    - exit 0 → ENDED (a file reached its end); exit 2 → FAILED with the process's one-line error,
      not retried (a bad source is a user mistake); any other exit or signal → RESTARTING;
    - alive but no heartbeat for `hung_after_s` (or none `startup_s` after launch) → hung: killed
      and restarted;
    - restarts wait Backoff delays (1 s, 2 s, 4 s … 30 s; reset after a healthy minute).
    launcher "fork" (the default on Linux; $VSTREAM_CAMERA_LAUNCHER overrides) forks each ingest
    from a fork server that loaded the models once (vstream/zygote.py): ~230 MB USS per added
    camera instead of ~550, back ~5 s after a kill -9 instead of 15-50 s (eval/bench/cameras.py);
    "spawn" starts `python -m vstream ingest` afresh each time.
    All launches happen on the supervisor thread: PR_SET_PDEATHSIG fires when the *thread* that
    forked the child ends, and that thread lives until stop()."""

    def __init__(self, hung_after_s: float = 15.0, backoff: Backoff | None = None, startup_s: float = 90.0,
                 python: str | None = None, env: dict[str, str] | None = None, poll_s: float = 0.5,
                 launcher: str | None = None):
        self.hung_after_s, self.startup_s, self.poll_s = hung_after_s, startup_s, poll_s
        self.backoff = backoff or Backoff()
        self.python, self.env = python, env
        self.launcher = check_launcher(launcher or os.environ.get(LAUNCHER_ENV) or default_launcher())
        self.zygote: Zygote | None = None  # launcher "fork": the fork server (restarted if it dies)
        self.zygote_starts = 0
        self._zygote_deaths = 0  # consecutive deaths before ready: 3 switch this runner to spawning
        self._cams: dict[str, _Camera] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- CameraRunner -------------------------------------------------------------------------
    def start(self, specs: list[CameraSpec]) -> None:
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise ConfigError("camera names must be unique")
        with self._lock:
            self._cams = {s.name: _Camera(s) for s in specs}
        for s in specs:
            Path(s.session).parent.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._supervise, name="vstream-cameras", daemon=True)
        self._thread.start()

    def status(self) -> list[CameraStatus]:
        with self._lock:
            return [c.status for c in self._cams.values()]

    def zygote_pid(self) -> int | None:
        """The fork server's process (launcher "fork"), None before it started."""
        z = self.zygote
        return z.proc.pid if z is not None and z.proc is not None and not z.dead else None

    def pids(self) -> dict[str, int]:
        """The live ingest process of each camera (benchmarks, tests)."""
        with self._lock:
            return {n: c.proc.pid for n, c in self._cams.items() if c.proc is not None}

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM every ingest (each closes its session cleanly), wait up to `timeout_s` in all,
        then SIGKILL what is left."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        cams = list(self._cams.values())
        for c in cams:
            if c.proc is not None and c.proc.poll() is None:
                c.proc.terminate()
        deadline = time.monotonic() + timeout_s
        for c in cams:
            self._reap(c, deadline)
        if self.zygote is not None:
            self.zygote.stop()

    # ---- supervisor thread ---------------------------------------------------------------------
    def _supervise(self) -> None:
        while not self._stopping.is_set():
            for cam in list(self._cams.values()):
                try:
                    self._check(cam)
                except Exception:  # one camera's trouble must never stop the others' supervision
                    log.exception("camera %s: supervisor error", cam.spec.name)
            self._stopping.wait(self.poll_s)

    def _check(self, cam: _Camera) -> None:
        state = cam.status.state
        if state in (CameraState.FAILED, CameraState.ENDED, CameraState.STOPPED):
            return
        if cam.proc is None:
            if time.monotonic() >= cam.next_start:
                self._launch(cam)
            return
        rc = cam.proc.poll()
        if rc is not None:
            self._exited(cam, rc)
            return
        self._watch(cam)

    def _launch(self, cam: _Camera) -> None:
        zygote = self._zygote() if self.launcher == "fork" else None
        if self.launcher == "fork" and zygote is None:
            return  # the fork server is still loading: the next poll tries again
        restarts = cam.status.restarts + (1 if cam.status.state is CameraState.RESTARTING else 0)
        cam.stderr = tempfile.TemporaryFile()
        try:
            cam.proc = zygote.fork(ingest_args(cam.spec), cam.stderr) if zygote else self._spawn(cam)
        except VStreamError as e:  # the fork server died under us: the next poll starts a new one
            log.warning("camera %s: %s; trying again", cam.spec.name, e)
            cam.stderr = _close(cam.stderr)
            return
        cam.launched = time.monotonic()
        self._set(cam, CameraState.STARTING, restarts=restarts, beat=None)
        log.info("camera %s: ingest started (pid %d, %s)", cam.spec.name, cam.proc.pid, self.launcher)

    def _spawn(self, cam: _Camera) -> subprocess.Popen:
        env = child_env({**os.environ, **(self.env or {})})  # it ends with the server (zygote.die_with_parent)
        return subprocess.Popen(ingest_command(cam.spec, self.python), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=cam.stderr, env=env,
                                start_new_session=True)  # a terminal's Ctrl-C reaches the server, not each camera

    def _zygote(self) -> Zygote | None:
        """The ready fork server, or None while it loads. Started on first use and again after it
        died (its children got SIGTERM and come back through the usual restart). One that fails
        to load, or takes longer than `startup_s`, switches this runner to spawning."""
        z = self.zygote
        if z is not None and z.dead and not z.error:
            self._zygote_deaths = 0 if z.ready_s is not None else self._zygote_deaths + 1
            z.stop(0.0)  # reaps it
            z = None
        if z is None and self._zygote_deaths < 3:
            self.zygote = z = Zygote(self.python, self.env).start()
            self.zygote_starts += 1
            log.info("camera fork server started (pid %d)", z.proc.pid)
        if z is not None and z.ready:
            return z
        if z is None or z.error or time.monotonic() - z.started > self.startup_s:
            log.warning("camera fork server unusable (%s); launching ingests as new processes",
                        z.error if z is not None and z.error else
                        f"not ready after {self.startup_s:.0f} s" if z is not None else "died 3 times while loading")
            if z is not None:
                z.stop(0.0)
            self.launcher = "spawn"
            return None
        return None

    def _exited(self, cam: _Camera, rc: int) -> None:
        line = _last_line(cam.stderr)
        cam.proc, cam.stderr = None, _close(cam.stderr)
        if rc == 0:
            self._set(cam, CameraState.ENDED)
        elif rc == EXIT_USER_ERROR:
            self._set(cam, CameraState.FAILED, last_error=line or "ingest refused its arguments (exit 2)")
        else:
            why = f"killed by signal {-rc}" if rc < 0 else f"exit {rc}"
            self._restart_later(cam, f"{why}: {line}" if line else why)

    def _watch(self, cam: _Camera) -> None:
        """Alive: take its beat (only this launch's: a beat from the previous pid is stale)."""
        beat = CameraHeartbeat.read(cam.spec.session)
        now = time.monotonic()
        if beat is not None and beat.pid == cam.proc.pid:
            if time.time() - beat.wall > self.hung_after_s:
                return self._kill_hung(cam, f"hung: no heartbeat for {time.time() - beat.wall:.0f} s")
            if now - cam.launched >= self.backoff.reset_after_s:
                cam.failures = 0  # a healthy minute: the next failure starts the backoff at 1 s again
            state = CameraState.DEGRADED if beat.level > 0 else CameraState.RUNNING
            return self._set(cam, state, beat=beat)
        if now - cam.launched > self.startup_s:
            self._kill_hung(cam, f"hung: no heartbeat {self.startup_s:.0f} s after start")

    def _kill_hung(self, cam: _Camera, why: str) -> None:
        log.warning("camera %s: %s; restarting", cam.spec.name, why)
        cam.proc.kill()
        cam.proc.wait(5.0)
        cam.proc, cam.stderr = None, _close(cam.stderr)
        self._restart_later(cam, why)

    def _restart_later(self, cam: _Camera, why: str) -> None:
        cam.failures += 1
        delay = self.backoff.delay(cam.failures)
        cam.next_start = time.monotonic() + delay
        log.warning("camera %s: %s; restart in %.0f s", cam.spec.name, why, delay)
        self._set(cam, CameraState.RESTARTING, last_error=why)

    def _set(self, cam: _Camera, state: CameraState, **changes) -> None:
        old = cam.status
        since = old.since if state is old.state else time.time()
        with self._lock:
            cam.status = replace(old, state=state, since=since, **changes)

    def _reap(self, cam: _Camera, deadline: float) -> None:
        if cam.proc is not None:
            try:
                cam.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("camera %s: no clean exit in time; killing", cam.spec.name)
                cam.proc.kill()
                cam.proc.wait(5.0)
        cam.proc, cam.stderr = None, _close(cam.stderr)
        if cam.status.state not in (CameraState.FAILED, CameraState.ENDED):
            self._set(cam, CameraState.STOPPED)


def _close(f) -> None:
    if f is not None:
        f.close()
    return None
