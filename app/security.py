"""What a remote client may make this server read, open or fetch, and who may ask at all.

- `SourcePolicy`: which sources `/start` accepts. Local files only under the --media-dir folders
  (plus this server's upload folder and the bundled sample); URL schemes by `--allow-source`;
  never this server's own address and port, never link-local addresses (cloud metadata). A path
  that is missing and one that is forbidden get the same message, so nothing probes the disk.
- `GuardedController`: the controller the UI and API see. It applies the policy, checks the
  source by reading one frame from it *before* the running one is stopped, and only opens saved
  sessions under the sessions folder.
- `FileDataGuard`: ASGI middleware. Gradio copies any `{"path": ...}` a client sends into its
  cache (then serves it under /gradio_api/file=) and only checks where the path is after
  `launch()`, which a mounted app never calls. The guard refuses every client-sent path outside
  the upload folder before Gradio sees it.
- `BasicAuth` + `FailureLimiter`: Basic (any case of the scheme) or Bearer credentials, and at
  most `max_failures` wrong ones per client address per window, then 429 with Retry-After.

Default `--allow-source local,rtsp,testsrc,webcam,push`: http(s) is opt-in, because an HTTP
fetch can act on any web service the server can reach (internal admin pages, cloud metadata,
this server's own API), while RTSP only speaks RTSP to a camera port."""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import json
import socket
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from vstream.errors import ConfigError, SourceError, VStreamError
from vstream.urls import mask_url

# ---- source policy -------------------------------------------------------------------------------

SOURCE_CLASSES = ("local", "rtsp", "http", "testsrc", "webcam", "push")
DEFAULT_ALLOW = frozenset({"local", "rtsp", "testsrc", "webcam", "push"})
_ALIASES = {"file": "local", "files": "local", "rtsps": "rtsp", "https": "http", "camera": "webcam", "browser": "push"}
_DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}
# FFmpeg opens a still image as a one-frame "video" through these demuxers; no camera sends one.
_IMAGE_FORMATS = {"image2", "gif", "apng", "webp", "ico", "tiff", "svg"}


def parse_allow_source(text: str | None) -> frozenset[str]:
    """`local,rtsp,http,testsrc,webcam,push` or `all`; `+http` adds to the default."""
    if not text:
        return DEFAULT_ALLOW
    text = text.strip().lower()
    if text == "all":
        return frozenset(SOURCE_CLASSES)
    base, names = (set(DEFAULT_ALLOW), text[1:]) if text.startswith("+") else (set(), text)
    for name in filter(None, (n.strip() for n in names.split(","))):
        name = _ALIASES.get(name, name)
        if name not in SOURCE_CLASSES:
            raise ConfigError(f"--allow-source: unknown source class {name!r}; use some of {', '.join(SOURCE_CLASSES)} (or all)")
        base.add(name)
    return frozenset(base)


def resolve_under(path: str | Path, roots) -> Path | None:
    """The real path (symlinks resolved) if it lies inside one of `roots`, else None."""
    try:
        real = Path(path).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):  # symlink loops, NUL bytes
        return None
    for root in roots:
        root = Path(root).resolve()
        if real == root or root in real.parents:
            return real
    return None


def _local_addresses(bind_host: str | None) -> set[ipaddress._BaseAddress]:
    addrs = {ipaddress.ip_address(a) for a in ("127.0.0.1", "::1", "0.0.0.0", "::")}
    names = [socket.gethostname()] + ([bind_host] if bind_host else [])
    for name in names:
        try:
            addrs |= {ipaddress.ip_address(i[4][0].split("%")[0]) for i in socket.getaddrinfo(name, None)}
        except (OSError, ValueError):
            pass
    try:  # every interface's address (psutil ships with the test extras; optional here)
        import psutil

        for infos in psutil.net_if_addrs().values():
            for i in infos:
                if i.family in (socket.AF_INET, socket.AF_INET6):
                    addrs.add(ipaddress.ip_address(i.address.split("%")[0]))
    except (ImportError, ValueError, OSError):
        pass
    return addrs


@dataclass(frozen=True)
class SourcePolicy:
    allow: frozenset[str] = DEFAULT_ALLOW
    media_roots: tuple[Path, ...] = ()  # --media-dir folders and the upload folder
    extra_files: tuple[Path, ...] = ()  # single files always allowed (the bundled sample)
    server_host: str | None = None
    server_port: int | None = None
    resolve_timeout_s: float = 5.0
    _local: set = field(default_factory=set, compare=False, repr=False)

    def check(self, text: str):
        """The parsed SourceSpec if this source may be opened; SourceError otherwise."""
        from vstream.sources.factory import parse_source

        spec = parse_source(text)
        kind = "local" if spec.kind == "file" else spec.kind
        if kind not in self.allow:
            raise SourceError(f"{spec.masked}: {spec.kind} sources are not allowed on this server (--allow-source)")
        if kind == "local":
            return self._check_file(spec)
        if kind in ("rtsp", "http"):
            self._check_url(spec.target)
        return spec

    def _check_file(self, spec):
        from vstream.sources.factory import SourceSpec

        real = resolve_under(spec.target, self.media_roots)
        if real is None and any(resolve_under(spec.target, [f]) for f in self.extra_files):
            real = Path(spec.target).resolve()
        if real is None or not real.is_file():  # one message for missing and forbidden
            raise SourceError(f"{spec.target}: no such video in this server's media folders — upload the file, "
                              "or restart the server with --media-dir FOLDER")
        return SourceSpec("file", str(real), live=False, text=spec.text)

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        try:
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
        except ValueError:
            raise SourceError(f"{mask_url(url)}: bad port in the URL") from None
        for ip in self._resolve(url, parts.hostname):
            own = self.server_port is not None and port == self.server_port and ip in self._locals()
            if own or ip.is_link_local or ip.is_unspecified or ip.is_multicast:
                raise SourceError(f"{mask_url(url)}: this address is not allowed as a source")

    def _resolve(self, url: str, host: str | None) -> list:
        from vstream.sources.errors import check_host

        check_host(url, self.resolve_timeout_s)  # a clear message for no host / DNS failure / timeout
        return [ipaddress.ip_address(i[4][0].split("%")[0]) for i in socket.getaddrinfo(host, None)]

    def _locals(self) -> set:
        if not self._local:
            self._local.update(_local_addresses(self.server_host))
        return self._local


def probe_source(spec, cfg) -> None:
    """Open the source and read one frame; SourceError if it is not a readable video. Bounded by
    the open and read timeouts (5 s + 5 s by default). Browser pushes have nothing to read yet."""
    if spec.kind == "push":
        return
    if spec.kind in ("file", "http"):
        _refuse_still_image(spec, cfg)
    from vstream.sources.factory import make_source

    src = make_source(spec, cfg)
    try:
        src.open()
        first = next(iter(src.frames()), None)
    finally:
        src.close()
    if first is None:
        raise SourceError(f"{spec.masked}: no video frame could be read — give a video file or stream")


def _refuse_still_image(spec, cfg) -> None:
    import av

    try:
        with av.open(spec.target, timeout=(cfg.open_timeout_s, cfg.read_timeout_s)) as c:
            fmt = c.format.name
    except Exception:  # the real open reports it with a precise message
        return
    if set(fmt.split(",")) & _IMAGE_FORMATS or fmt.endswith("_pipe"):
        raise SourceError(f"{spec.masked} is a still image ({fmt}), not a video — give a video file or stream")


class GuardedController:
    """The controller as remote clients see it: `start` and `load` checked, everything else passed
    through unchanged. Probing before delegating means a bad source never stops a running one."""

    def __init__(self, inner, policy: SourcePolicy, session_roots, source_cfg):
        self._inner = inner
        self.policy = policy
        self.session_roots = tuple(Path(r) for r in session_roots)
        self._source_cfg = source_cfg
        self._start_lock = threading.Lock()  # one probe at a time: each can take 10 s

    def start(self, source: str) -> str:
        with self._start_lock:
            spec = self.policy.check((source or "").strip() or "")
            probe_source(spec, self._source_cfg)
            return self._inner.start(spec.target if spec.kind == "file" else source)

    def load(self, folder: str) -> str:
        real = resolve_under(folder or "", self.session_roots) if (folder or "").strip() else None
        if real is None or not real.is_dir():  # one message for missing and forbidden
            raise VStreamError(f"{folder}: no saved session there in this server's sessions folder (--sessions)")
        return self._inner.load(str(real))

    def ask(self, question: str, previous: str | None = None):
        """The UI's questions get the API's length limit (the API checks it before this)."""
        from app.schemas import MAX_QUESTION_CHARS

        if len(question or "") > MAX_QUESTION_CHARS:
            raise VStreamError(f"the question is {len(question)} characters long; ask in at most {MAX_QUESTION_CHARS}")
        return self._inner.ask(question, (previous or "")[:MAX_QUESTION_CHARS] or None)

    def __getattr__(self, name):
        return getattr(self._inner, name)


# ---- Gradio FileData paths -----------------------------------------------------------------------


class FileDataGuard:
    """Refuse any JSON request to /gradio_api/ carrying a `"path"` outside `upload_dir`. Uploads
    themselves (multipart to /gradio_api/upload) pass; what they store is under upload_dir."""

    def __init__(self, app, upload_dir: str | Path, max_body: int = 64 * 1024 * 1024):
        self.app = app
        self.upload_dir = Path(upload_dir).resolve()
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope.get("method") != "POST" or not path.startswith("/gradio_api/") or path.startswith("/gradio_api/upload"):
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body += msg.get("body", b"")
            more = msg.get("more_body", False)
            if len(body) > self.max_body:
                return await _send_json(send, 413, "request body too large")
        bad = self._bad_path(body)
        if bad is not None:
            return await _send_json(send, 403, bad)
        await self.app(scope, _replay(body, receive), send)

    def _bad_path(self, body: bytes) -> str | None:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return None if not body.strip() else "the request body is not valid JSON"
        stack = [data]
        while stack:  # iterative: a deeply nested body cannot exhaust the stack here
            item = stack.pop()
            if isinstance(item, dict):
                p = item.get("path")
                if isinstance(p, str) and resolve_under(p, [self.upload_dir]) is None:
                    return "files must be uploaded to this server first; other paths are not accepted"
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        return None


def _replay(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send_json(send, status: int, message: str, headers: dict | None = None) -> None:
    data = json.dumps({"error": {"message": message, "type": "forbidden" if status == 403 else "invalid_request_error"}}).encode()
    hdrs = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    hdrs += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": data})


# ---- authentication ------------------------------------------------------------------------------


class BasicAuth:
    """`Authorization: Basic base64(user:pass)` (scheme in any case, RFC 7235) or `Bearer pass`
    (what the OpenAI client sends as api_key). Constant-time comparisons."""

    def __init__(self, user: str, password: str):
        self._pair = f"{user}:{password}".encode()
        self._password = password.encode()

    def check(self, header: str | None) -> bool:
        scheme, _, cred = (header or "").strip().partition(" ")
        cred = cred.strip().encode("utf-8", "replace")
        if scheme.lower() == "basic":
            try:
                given = base64.b64decode(cred, validate=True)
            except (binascii.Error, ValueError):
                return False
            return hmac.compare_digest(given, self._pair)
        if scheme.lower() == "bearer":
            return hmac.compare_digest(cred, self._password)
        return False


class FailureLimiter:
    """At most `max_failures` failed logins per client address within `window_s`; then the
    address is refused (429) until its oldest failure leaves the window. 10 per 60 s lets a
    person mistype but holds a guesser to 14,400 tries a day instead of ~80 a second.
    Remembers at most `max_clients` addresses (the least recently failing are forgotten)."""

    def __init__(self, max_failures: int = 10, window_s: float = 60.0, max_clients: int = 10_000, clock=time.monotonic):
        self.max_failures, self.window_s, self.max_clients = max_failures, window_s, max_clients
        self._clock = clock
        self._fails: OrderedDict[str, deque] = OrderedDict()
        self._lock = threading.Lock()
        self.refused = 0  # requests answered 429

    def retry_after(self, client: str) -> float | None:
        """Seconds to wait if this client is locked out now, else None."""
        with self._lock:
            q = self._fails.get(client)
            if q is None:
                return None
            now = self._clock()
            while q and now - q[0] >= self.window_s:
                q.popleft()
            if len(q) < self.max_failures:
                return None
            self.refused += 1
            return self.window_s - (now - q[0])

    def fail(self, client: str) -> None:
        with self._lock:
            q = self._fails.pop(client, None) or deque(maxlen=self.max_failures)
            q.append(self._clock())
            self._fails[client] = q  # most recent last
            while len(self._fails) > self.max_clients:
                self._fails.popitem(last=False)
