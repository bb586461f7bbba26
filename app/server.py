"""`vstream serve`: the Gradio UI and the HTTP API on one server, on 127.0.0.1 by default.

Safe defaults:
- loopback only unless --host says otherwise; never share=True;
- --auth user:pass (or VSTREAM_AUTH) puts HTTP Basic auth on everything but /healthz (API clients
  may send the password as a Bearer token, which is what the OpenAI client does with api_key);
  10 wrong passwords from one address within 60 s lock that address out (429) for the rest of
  the minute;
- remote clients open local files only under --media-dir (VSTREAM_MEDIA_DIR, several joined by
  the path separator) or files uploaded to this server, and saved sessions only under
  --sessions; source kinds by --allow-source (VSTREAM_ALLOW_SOURCE; default
  local,rtsp,testsrc,webcam,push: http(s) is opt-in, see app/security.py). The --source given on
  the command line is the operator's and is not checked;
- uploads limited in size and type; Gradio only ever reads files that were uploaded to it;
- an answer gets --answer-timeout seconds (VSTREAM_ANSWER_TIMEOUT_S, default 30);
- without --sessions, every session of this run lives in one temporary folder,
  <tmp>/vstream-serve-<pid>-*, removed when the server exits; folders left by a killed server
  are removed at the next start."""

from __future__ import annotations

import logging
import math
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from fastapi import Request
from fastapi.responses import JSONResponse

from app.api import ANSWER_TIMEOUT_S, add_routes
from app.controller import SAMPLE, Controller
from app.security import (
    BasicAuth,
    FailureLimiter,
    FileDataGuard,
    GuardedController,
    SourcePolicy,
    parse_allow_source,
)
from app.ui import build_ui
from vstream.cameras import CameraRunner, CameraSpec, CameraStatus, ProcessRunner
from vstream.config import Config
from vstream.errors import ConfigError
from vstream.multicam import CameraSet

log = logging.getLogger(__name__)
TEMP_PREFIX = "vstream-serve-"


def parse_auth(text: str | None) -> tuple[str, str] | None:
    text = text if text is not None else os.environ.get("VSTREAM_AUTH")
    if not text:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise ConfigError("--auth must be user:password (or set VSTREAM_AUTH=user:password)")
    return user, password


def parse_media_dirs(dirs: list[str] | str | None) -> tuple[Path, ...]:
    if dirs is None:
        dirs = [d for d in os.environ.get("VSTREAM_MEDIA_DIR", "").split(os.pathsep) if d]
    elif isinstance(dirs, str):
        dirs = [dirs]
    out = []
    for d in dirs:
        p = Path(d).expanduser()
        if not p.is_dir():
            raise ConfigError(f"--media-dir {d} is not a folder; give a folder holding the videos clients may open")
        out.append(p.resolve())
    return tuple(out)


def parse_answer_timeout(value: float | None) -> float:
    value = value if value is not None else float(os.environ.get("VSTREAM_ANSWER_TIMEOUT_S", ANSWER_TIMEOUT_S))
    if not 0 < value <= 3600:
        raise ConfigError(f"--answer-timeout {value} is out of range; use seconds in (0, 3600], e.g. 30")
    return value


def _upload_dir() -> Path:
    from gradio.utils import get_upload_folder

    path = Path(get_upload_folder())
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def _add_auth(app, auth: tuple[str, str], limiter: FailureLimiter) -> None:
    checker = BasicAuth(*auth)

    @app.middleware("http")
    async def require_auth(request: Request, call_next):
        if request.url.path == "/healthz":
            return await call_next(request)
        client = request.client.host if request.client else "?"
        wait = limiter.retry_after(client)
        if wait is not None:
            return JSONResponse({"error": {"message": f"too many failed logins from {client}; retry in {math.ceil(wait)} s",
                                           "type": "rate_limited"}}, status_code=429,
                                headers={"Retry-After": str(math.ceil(wait))})
        given = request.headers.get("authorization")
        if checker.check(given):
            return await call_next(request)
        if given:  # a wrong guess; a request with no credentials at all is a browser's first visit
            limiter.fail(client)
        return JSONResponse({"error": {"message": "authentication required", "type": "unauthorized"}}, status_code=401,
                            headers={"WWW-Authenticate": 'Basic realm="vstream"'})


@dataclass
class Cameras:
    """The cameras a server watches: each camera's ingest runs in its own OS process (the
    runner), writing its own session folder, which the server only reads (SessionReader).
    Found on the FastAPI app as `app.state.cameras` (None without --camera/--config)."""

    runner: CameraRunner
    sessions: dict[str, Path]  # camera name → its session folder
    readers: CameraSet | None = None

    def status(self) -> list[CameraStatus]:
        return self.runner.status()

    def open_set(self) -> CameraSet:
        """The read side: every camera's session, live, answered across cameras."""
        if self.readers is None:
            self.readers = CameraSet(self.sessions, self.status)
            self.readers.start()
        return self.readers

    def stop(self) -> None:
        if self.readers is not None:
            self.readers.stop()
        self.runner.stop(timeout_s=30.0)  # SIGTERM to each ingest (closes its session), kill after 30 s


def start_cameras(specs: list[CameraSpec], root: Path, ray_address: str | None = None) -> Cameras:
    """One ingest process per camera, sessions at <root>/<name> (continued on the next start:
    live sources append on a continued clock, files resume). With `ray_address`, each ingest
    runs in a Ray actor on the cluster instead (root must be storage every node sees)."""
    specs = [replace(s, session=root / s.name) for s in specs]
    runner = ProcessRunner() if ray_address is None else _ray_runner(ray_address)
    runner.start(specs)
    log.info("cameras: %s", ", ".join(s.name for s in specs))
    return Cameras(runner, {s.name: s.session for s in specs})


def _ray_runner(address: str) -> CameraRunner:
    from vstream.cluster import (  # Ray is an optional extra (vstream[cluster])
        ActorOptions,
        RayRunner,
    )

    offline = tuple((k, os.environ[k]) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE") if k in os.environ)
    return RayRunner(None if address == "local" else address, opts=ActorOptions(env=offline))


def build_app(controller: Controller, auth: tuple[str, str] | None = None, max_upload_mb: int = 500,
              policy: SourcePolicy | None = None, session_roots=(), answer_timeout_s: float = ANSWER_TIMEOUT_S,
              limiter: FailureLimiter | None = None, cameras: Cameras | None = None):
    """The FastAPI app: API routes, the Gradio UI at /, and the guards. Remote clients reach the
    controller only through GuardedController (the default policy allows no local folder but the
    upload folder and the bundled sample)."""
    import gradio as gr
    from fastapi import FastAPI

    upload_dir = _upload_dir()
    if policy is None:
        policy = SourcePolicy(media_roots=(upload_dir,), extra_files=(SAMPLE,))
    guarded = GuardedController(controller, policy, session_roots, controller.cfg.source)
    app = FastAPI(title="vstream", docs_url=None, redoc_url=None)
    app.state.cameras = cameras
    app.add_middleware(FileDataGuard, upload_dir=upload_dir, max_body=max(64, max_upload_mb) * 1024 * 1024)
    if auth is not None:  # added last, so it runs first
        _add_auth(app, auth, limiter or FailureLimiter())
    cam_set = cameras.open_set() if cameras is not None else None
    add_routes(app, guarded, answer_timeout_s, cam_set)
    ui = build_ui(guarded, max_upload_mb, cam_set)
    return gr.mount_gradio_app(app, ui, path="/", max_file_size=f"{max_upload_mb}mb", footer_links=[])


def temp_session_root() -> Path:
    """A fresh <tmp>/vstream-serve-<pid>-XXXX; first removes those whose server process is gone."""
    tmp = Path(tempfile.gettempdir())
    for old in tmp.glob(f"{TEMP_PREFIX}*"):
        m = re.match(rf"{TEMP_PREFIX}(\d+)-", old.name)
        if m and old.is_dir() and not _alive(int(m.group(1))):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to clean
        return True
    return True


def _exit_on_sigterm() -> None:
    """uvicorn shuts down on SIGTERM, then re-raises the signal to the handler that was there
    before it: the default one kills the process before `finally` could remove temp sessions."""
    import signal

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)  # SIGINT: uvicorn re-raises it as KeyboardInterrupt


def serve(cfg: Config, source: str | None, host: str, port: int, auth: str | None, session_root: str | None,
          max_upload_mb: int = 500, media_dirs: list[str] | None = None, allow_source: str | None = None,
          answer_timeout_s: float | None = None, cameras: list[CameraSpec] | None = None,
          ray_address: str | None = None) -> None:
    """Serve the UI and API; with `cameras`, also start one ingest process per camera (their
    sessions under the sessions folder) and stop them all on exit, SIGTERM and SIGINT included,
    so every session is closed cleanly."""
    import uvicorn

    credentials = parse_auth(auth)
    if host not in ("127.0.0.1", "localhost", "::1") and credentials is None:
        log.warning("serving on %s without --auth: anyone who can reach this port can watch and ask", host)
    allow = parse_allow_source(allow_source if allow_source is not None else os.environ.get("VSTREAM_ALLOW_SOURCE"))
    roots = parse_media_dirs(media_dirs)
    timeout_s = parse_answer_timeout(answer_timeout_s)
    _exit_on_sigterm()  # from here on, SIGTERM runs the `finally` below
    temp_root = None if session_root else temp_session_root()
    controller = fleet = None
    try:
        sessions = Path(session_root).expanduser() if session_root else temp_root
        sessions.mkdir(parents=True, exist_ok=True)
        policy = SourcePolicy(allow=allow, media_roots=roots + (_upload_dir(),), extra_files=(SAMPLE,),
                              server_host=host, server_port=port)
        controller = Controller(cfg, sessions)
        if source:
            controller.start(source)
        if cameras:
            fleet = start_cameras(cameras, sessions, ray_address)
        app = build_app(controller, credentials, max_upload_mb, policy, (sessions,), timeout_s, cameras=fleet)
        print(f"vstream: serving on http://{host}:{port}  (UI at /, API at /v1, metrics at /metrics)", flush=True)
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        if fleet is not None:
            fleet.stop()
        if controller is not None:
            controller.stop()
        if temp_root is not None:
            shutil.rmtree(temp_root, ignore_errors=True)
