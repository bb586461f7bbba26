"""Turn decoder/network exceptions into one-line messages naming the problem and the fix."""

from __future__ import annotations

import os
from pathlib import Path

from vstream.errors import SourceError
from vstream.urls import mask_url


def check_file(path: str) -> None:
    """Fail fast, with a precise reason, on paths FFmpeg would only call 'invalid data'."""
    p = Path(path)
    if not p.exists():
        raise SourceError(f"file not found: {path} — check the path (the source 'testsrc' gives a test pattern)")
    if p.is_dir():
        raise SourceError(f"{path} is a directory, not a video file — give the path of a video file inside it")
    if not os.access(p, os.R_OK):
        raise SourceError(f"cannot read {path}: permission denied — fix its permissions or run as a user who can read it")
    if p.stat().st_size == 0:
        raise SourceError(f"{path} is empty (0 bytes) — it is not a video; re-copy or re-record it")


def check_host(url: str, timeout_s: float) -> None:
    """Resolve the URL's host first: FFmpeg reports a DNS failure as a bare I/O error.
    getaddrinfo has no timeout of its own, so it runs on a worker thread bounded by ours."""
    import concurrent.futures
    import socket
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname
    if not host:
        raise SourceError(f"{mask_url(url)} has no host name — write it as scheme://host[:port]/path")
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        pool.submit(socket.getaddrinfo, host, None).result(timeout=timeout_s)
    except concurrent.futures.TimeoutError:
        raise SourceError(f"{mask_url(url)}: looking up host {host} took over {timeout_s:g} s — check DNS or use an IP address") from None
    except OSError:
        raise SourceError(f"{mask_url(url)}: host name {host} does not resolve — check the host in the URL") from None
    finally:
        pool.shutdown(wait=False)


def _network_hint(kind: str) -> str:
    if kind == "rtsp":
        return "check host, port, path and credentials, that the camera is on, or try --transport udp"
    return "check the URL, that the server is up and reachable from this machine"


# PyAV raises one FFmpegError subclass per FFmpeg error code; FFmpeg turns an HTTP or RTSP reply's
# status into that code (AVERROR_HTTP_UNAUTHORIZED ...). Matched by class name so this module
# needs no PyAV import (the OpenCV backend raises plain OSErrors).
_BY_CLASS = (
    ("HTTPNotFoundError", "the server has no stream at this path (404) — check the path in the URL"),
    ("HTTPUnauthorizedError", "access denied (401) — check the user name and password in the URL"),
    ("HTTPForbiddenError", "access denied (403) — check the user name and password in the URL"),
)


def _said(exc: BaseException) -> str:
    """What FFmpeg or the OS said, without the URL: str(FFmpegError) ends with the URL, whose
    port (e.g. 40123) once read as a '401' status and reported a silent server as 'access denied'."""
    said = getattr(exc, "strerror", None)
    if not said and exc.args and isinstance(exc.args[0], str):
        said = exc.args[0]
    return mask_url(str(said or type(exc).__name__)).strip()


def _class_names(exc: BaseException) -> set[str]:
    return {c.__name__ for c in type(exc).__mro__}


def _timed_out(exc: BaseException, names: set[str], kind: str, timeout_s: float, elapsed_s: float) -> bool:
    """PyAV's open timeout makes FFmpeg stop with AVERROR_EXIT (ExitError, 'Immediate exit
    requested'); a socket timeout is ETIMEDOUT. FFmpeg's RTSP demuxer alone rewrites the interrupted
    read of the server's reply into AVERROR_INVALIDDATA; that interrupt fires only once timeout_s has
    passed (PyAV's clock starts after ours), so elapsed >= timeout_s is a necessary witness, and load
    only lengthens elapsed: a silent camera is never misread. No slack (the old 0.9x) so a server
    that answers non-RTSP within the timeout keeps its own message."""
    if "ExitError" in names or isinstance(exc, TimeoutError):
        return True
    return kind == "rtsp" and "InvalidDataError" in names and elapsed_s >= timeout_s


def explain_open_error(exc: BaseException, kind: str, target: str, timeout_s: float,
                       elapsed_s: float = 0.0) -> SourceError:
    """Map an exception raised while opening a source to a SourceError, by what the server or
    FFmpeg said (the error class / errno), never by digits that happen to be in the URL."""
    where, text, names = mask_url(target), _said(exc), _class_names(exc)
    if kind == "file":
        if "InvalidDataError" in names or "EOFError" in names:
            return SourceError(f"{where} is not a video FFmpeg can read (corrupt, truncated or another file type) — check the file")
        return SourceError(f"cannot open {where}: {text} — check the file")
    for name, why in _BY_CLASS:
        if name in names:
            return SourceError(f"{where}: {why}")
    if "HTTPError" in names or "HTTPClientError" in names:  # other 4xx / 5xx: FFmpeg's text names it
        return SourceError(f"{where}: the server answered with an error ({text}) — {_network_hint(kind)}")
    if isinstance(exc, ConnectionRefusedError):
        return SourceError(f"{where}: connection refused — nothing is listening there; {_network_hint(kind)}")
    if _timed_out(exc, names, kind, timeout_s, elapsed_s):
        return SourceError(f"{where}: no answer within {timeout_s:g} s — {_network_hint(kind)} (or raise --open-timeout)")
    if "InvalidDataError" in names:
        return SourceError(f"{where}: got no video stream FFmpeg understands — {_network_hint(kind)}")
    return SourceError(f"cannot open {where}: {text} — {_network_hint(kind)}")
