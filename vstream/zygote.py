"""A fork server ("zygote") for camera ingests: one process imports torch and the ingest stack and
loads the shared models once; each camera's `vstream ingest` is a fork of it. The children share
the loaded weights copy-on-write and start in about a second instead of ~15-50 s.

Measured with `vstream bench cameras --n 1,2,4 --seconds 40` (testsrc, 2 fps, 2-core box, load 6-9):
a spawned ingest holds ~550 MB USS (torch 140, MiniLM + transformers 140, NanoDet graph + frozen
95, OCR, MobileNet); a forked one ~235 MB USS beside a ~115 MB-USS zygote, so each added camera
costs ~230 MB USS / ~240 MB PSS instead of ~550 / ~600 (one camera alone costs ~150 MB PSS more).
A killed ingest beats again ~3 s later and stores frames again after ~5-6 s (spawned: see bench).

What the zygote loads before it forks (`preload`), and why only that:
- the `vstream` console script (app.cli and everything it imports), through its entry point as
  vstream/__main__.py does, so this module does not import the app layer above it;
- MiniLM (retrieval.embedder.default_embedder), the MobileNet encoder for the default config
  (encoders.factory.prebuild_encoder) and NanoDet's graph, traced and frozen (senses.nanodet);
- rapidocr / onnxruntime / faster_whisper are imported only: ONNX Runtime sessions and
  CTranslate2 models start thread pools, so each child creates its own.
Fork safety: a fork copies only the forking thread, so no thread pool may exist in the zygote.
Torch runs with one intra-op thread while loading (libgomp starts no worker for one thread; its
pool is not fork-safe), and each child restores the default. The only other threads are
OpenBLAS servers (numpy, cv2, scipy), which OpenBLAS itself shuts down around fork
(pthread_atfork). `preload` checks that no Python thread but the main one is running.

Protocol, over a unix SOCK_SEQPACKET pair (one message per send, JSON):
  client → zygote  {"argv": [...]} with the child's stderr file descriptor attached (SCM_RIGHTS)
  zygote → client  {"ready": seconds} once, or {"error": "..."} and exit;
                   {"pid": N} per fork, in request order; {"exit": N, "rc": code} when one ends.
The child: own session (setsid), PR_SET_PDEATHSIG SIGTERM (the zygote's death stops it; the
server's death stops the zygote the same way), default signal handlers, stdio on /dev/null and
the given stderr, then `main(argv)` and `os._exit(code)`: exit codes (2 user mistake, 143 SIGTERM)
mean what they mean for a spawned `vstream ingest`.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import queue
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable

from vstream.errors import VStreamError

log = logging.getLogger(__name__)

MAX_MSG = 1 << 16
LOST_RC = 143  # a child whose zygote died: its exit status is unknown; pdeathsig sent it SIGTERM


# ---- the zygote process ---------------------------------------------------------------------------
def _entry_main() -> Callable[[list[str]], int]:
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="vstream")
    return script.load()


def preload() -> dict[str, float]:
    """Import and load what every default camera ingest needs; seconds per step."""
    steps: dict[str, float] = {}
    # ONNX Runtime sessions built here are run by every forked camera (shared copy-on-write); with
    # one thread a session starts no thread pool, which a fork would lose (retrieval/ortgraph.py)
    os.environ["VSTREAM_ORT_THREADS"] = "1"

    def step(name: str, fn: Callable[[], object]) -> None:
        t0 = time.monotonic()
        fn()
        steps[name] = round(time.monotonic() - t0, 2)

    step("cli", _entry_main)
    step("minilm", _minilm)
    step("encoder", _encoder)
    step("nanodet", _nanodet)
    step("imports", _imports)
    if threading.active_count() != 1:  # a fork would copy none of them, and any lock they hold
        raise VStreamError(f"zygote: threads running after preload: {[t.name for t in threading.enumerate()]}")
    return steps


def _minilm() -> None:
    from retrieval.embedder import default_embedder

    default_embedder().embed(["warm up"])  # builds its ONNX Runtime session before the fork


def _encoder() -> None:
    from vstream.config import EncoderConfig
    from vstream.encoders.factory import prebuild_encoder

    prebuild_encoder(EncoderConfig())  # what `vstream ingest` builds with its default options


def _nanodet() -> None:
    from vstream.errors import MissingDependencyError
    from vstream.senses import nanodet

    try:
        nanodet.preload()
    except MissingDependencyError as e:  # --detector auto falls back to none in the child, as spawned
        log.info("zygote: no detector to preload (%s)", e)


def _imports() -> None:
    import importlib.util

    for name in ("onnxruntime", "rapidocr", "faster_whisper"):
        if importlib.util.find_spec(name) is not None:
            __import__(name)


def serve(fd: int) -> None:
    """The zygote's main loop on the control socket `fd` (ends when the client closes it)."""
    sock = socket.socket(fileno=fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us by closing the socket
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    t0 = time.monotonic()
    try:
        steps = preload()
        main = _entry_main()
    except Exception as e:  # noqa: BLE001 - any preload failure: the client falls back to spawning
        _send(sock, {"error": f"{type(e).__name__}: {e}"[:500]})
        return
    gc.collect()
    gc.freeze()  # the collector never writes to the zygote's objects: fewer copied pages per child
    _send(sock, {"ready": round(time.monotonic() - t0, 2), "steps": steps})
    _loop(sock, main, threads)


def _loop(sock: socket.socket, main: Callable, threads: int) -> None:
    while True:
        _reap(sock)
        if not select.select([sock], [], [], 0.2)[0]:
            continue
        msg, fds, _, _ = socket.recv_fds(sock, MAX_MSG, 4)
        if not msg:
            return  # the client is gone: our children get SIGTERM from their pdeathsig as we exit
        argv = json.loads(msg)["argv"]
        pid = os.fork()
        if pid == 0:
            _child(sock, argv, fds, main, threads)
        for f in fds:
            os.close(f)
        _send(sock, {"pid": pid})


def _reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(sock, {"exit": pid, "rc": os.waitstatus_to_exitcode(status)})


def _send(sock: socket.socket, obj: dict, fds: list[int] | None = None) -> None:
    data = json.dumps(obj).encode()
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.send(data)


# ---- the forked child -----------------------------------------------------------------------------
def _child(sock: socket.socket, argv: list[str], fds: list[int], main: Callable, threads: int) -> None:
    """Never returns: becomes `vstream <argv>` and exits with its code."""
    code = 1
    try:
        zygote = os.getppid()
        sock.close()
        os.setsid()  # own session and process group, as the spawn launcher's start_new_session
        _set_pdeathsig()
        if os.getppid() != zygote:  # the zygote died before prctl took effect
            os._exit(LOST_RC)
        _reset_signals()
        _stdio(fds[0] if fds else None)
        _fresh_state(threads)
        sys.argv = ["vstream", *argv]
        code = _run(main, argv)
    finally:
        _finish()
        os._exit(code)


def _set_pdeathsig() -> None:
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


# The child of a server (a spawned ingest, the zygote) asks for SIGTERM at its parent's death itself, first thing:
# a preexec_fn would run Python in the forked child, and a fork of a threaded parent can hang there for good
# (CPython clears the other threads' thread-locals in the child: a PyAV reformatter held in one frees its slice
# threads and waits on a condition variable no thread will signal — seen in CI). Without preexec_fn, subprocess
# runs no Python between fork and exec.
PARENT_ENV = "VSTREAM_DIE_WITH_PARENT"


def child_env(env: dict[str, str]) -> dict[str, str]:
    """`env` for a child that must end when this process does (Linux; elsewhere unchanged)."""
    return {**env, PARENT_ENV: str(os.getpid())} if sys.platform.startswith("linux") else env


def die_with_parent() -> None:
    """Called first in a child started with `child_env`: SIGTERM when the parent dies (PR_SET_PDEATHSIG); a
    parent already gone before that (the child was reparented) ends it now."""
    parent = os.environ.pop(PARENT_ENV, "")
    if not parent or not sys.platform.startswith("linux"):
        return
    _set_pdeathsig()
    if os.getppid() != int(parent):
        os.kill(os.getpid(), signal.SIGTERM)


def _reset_signals() -> None:
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in any Python process


def _stdio(stderr_fd: int | None) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.dup2(stderr_fd if stderr_fd is not None else null, 2)
    os.close(null)
    if stderr_fd is not None:
        os.close(stderr_fd)


def _fresh_state(threads: int) -> None:
    """What a freshly started process would have: torch's thread count, a new numpy seed
    (Python's `random` reseeds itself after fork), the collector for new objects."""
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    np.random.seed()
    gc.enable()


def _run(main: Callable[[list[str]], int], argv: list[str]) -> int:
    try:
        return int(main(argv) or 0)
    except SystemExit as e:  # argparse: 2 for bad arguments, 0 for --help
        if e.code is None or isinstance(e.code, int):
            return int(e.code or 0)
        print(e.code, file=sys.stderr)
        return 1
    except BaseException:  # noqa: BLE001 - as an uncaught exception in a spawned process: traceback, 1
        traceback.print_exc()
        return 1


def _finish() -> None:
    """What interpreter exit would do for the child's own work: wait for its non-daemon threads,
    flush logs and stdio. (Not the zygote's atexit handlers: they are not the child's.)"""
    try:
        for t in threading.enumerate():
            if t is not threading.current_thread() and not t.daemon:
                t.join(timeout=10.0)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - exiting anyway
        pass


# ---- the client (the camera runner's side) -------------------------------------------------------
class ForkedProcess:
    """A Popen-like handle on a zygote's child: pid, poll, wait, terminate, kill. Signals go
    through a pidfd (never to a recycled pid); the exit status comes from the zygote, or is
    LOST_RC when the zygote died first (the pidfd still tells when the child is gone)."""

    def __init__(self, zygote: Zygote, pid: int, argv: list[str]):
        self.zygote, self.pid, self.args = zygote, pid, argv
        self.returncode: int | None = None
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # already gone and reaped: the zygote's exit message has the code
            self._pidfd = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.exit_code(self.pid, self._gone())
            if self.returncode is not None and self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.args, timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self._pidfd is not None and self.returncode is None:
            try:
                signal.pidfd_send_signal(self._pidfd, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def _gone(self) -> bool:
        return self._pidfd is None or bool(select.select([self._pidfd], [], [], 0)[0])


class Zygote:
    """The client: starts `python -m vstream.zygote` (from the caller's thread: its
    PR_SET_PDEATHSIG is tied to that thread), forks ingests from it, hears their exits.
    States: starting → ready → dead (exited, killed or closed); failed when preload failed."""

    def __init__(self, python: str | None = None, env: dict[str, str] | None = None):
        self.python, self.env = python or sys.executable, env
        self.proc: subprocess.Popen | None = None
        self.error = ""
        self.started = 0.0  # monotonic
        self.ready_s: float | None = None
        self._ready = threading.Event()
        self._dead = threading.Event()
        self._pids: queue.Queue[int] = queue.Queue()
        self._exits: dict[int, int] = {}
        self._lock = threading.Lock()  # _exits (the reader thread writes it)
        self._send_lock = threading.Lock()  # one request in flight: replies come in request order
        self._sock: socket.socket | None = None

    def start(self) -> Zygote:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = child_env({**os.environ, **(self.env or {})})
        self.proc = subprocess.Popen([self.python, "-m", "vstream.zygote", str(theirs.fileno())],
                                     pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, env=env, start_new_session=True)
        theirs.close()
        self._sock, self.started = ours, time.monotonic()
        threading.Thread(target=self._read, name="vstream-zygote", daemon=True).start()
        return self

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and not self._dead.is_set()

    @property
    def dead(self) -> bool:
        return self._dead.is_set()

    def fork(self, argv: list[str], stderr, timeout_s: float = 10.0) -> ForkedProcess:
        """A child running `vstream <argv>` with `stderr` (a file) as its stderr."""
        if not self.ready:
            raise VStreamError("zygote is not ready")
        with self._send_lock:
            try:
                socket.send_fds(self._sock, [json.dumps({"argv": argv}).encode()], [stderr.fileno()])
                pid = self._pids.get(timeout=timeout_s)
            except OSError as e:
                raise VStreamError(f"zygote is gone ({e.strerror})") from None
            except queue.Empty:  # a late pid would answer the next request: this zygote is done
                self.proc.kill()
                raise VStreamError(f"zygote did not fork within {timeout_s:.0f} s") from None
        if pid < 0:
            raise VStreamError("zygote died while forking")
        return ForkedProcess(self, pid, argv)

    def exit_code(self, pid: int, gone: bool) -> int | None:
        """The child's exit status if known; LOST_RC when the zygote died and the child is gone."""
        with self._lock:
            if pid in self._exits:
                return self._exits[pid]
        return LOST_RC if gone and self._dead.is_set() else None

    def stop(self, timeout_s: float = 5.0) -> None:
        """Close the socket (the zygote exits); kill it if it does not."""
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5.0)

    def _read(self) -> None:
        try:
            while True:
                data = self._sock.recv(MAX_MSG)
                if not data:
                    break
                self._take(json.loads(data))
        except (OSError, ValueError) as e:
            log.warning("zygote connection lost: %s", e)
        finally:
            self._dead.set()
            self._pids.put(-1)  # a fork() waiting for a pid wakes up
            self._sock.close()

    def _take(self, msg: dict) -> None:
        if "pid" in msg:
            with self._lock:
                self._exits.pop(msg["pid"], None)  # a recycled pid: its old exit is not this child's
            self._pids.put(msg["pid"])
        elif "exit" in msg:
            with self._lock:
                self._exits[msg["exit"]] = msg["rc"]
        elif "ready" in msg:
            self.ready_s = msg["ready"]
            log.info("zygote ready in %.1f s (%s)", msg["ready"], msg.get("steps"))
            self._ready.set()
        elif "error" in msg:
            self.error = msg["error"]
            log.warning("zygote failed to preload: %s", self.error)


if __name__ == "__main__":
    die_with_parent()
    serve(int(sys.argv[1]))
    sys.stdout.flush()
    os._exit(0)  # not the atexit handlers of everything preload imported
