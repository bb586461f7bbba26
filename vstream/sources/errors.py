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


def explain_open_error(exc: BaseException, kind: str, target: str, timeout_s: float,
                       elapsed_s: float = 0.0) -> SourceError:
    """Map an exception raised while opening a source to a SourceError. FFmpeg reports a timed-out
    RTSP handshake as 'invalid data', so the elapsed time decides whether it was a timeout."""
    where = mask_url(target)
    text = mask_url(str(exc)).strip() or type(exc).__name__
    low = text.lower()
    if kind == "file":
        if "invalid data" in low or "end of file" in low:
            return SourceError(f"{where} is not a video FFmpeg can read (corrupt, truncated or another file type) — check the file")
        return SourceError(f"cannot open {where}: {text} — check the file")
    if "404" in low or "not found" in low:
        return SourceError(f"{where}: the server has no stream at this path (404) — check the path in the URL")
    if "401" in low or "unauthorized" in low or "403" in low or "forbidden" in low:
        return SourceError(f"{where}: access denied (401/403) — check the user name and password in the URL")
    if "refused" in low:
        return SourceError(f"{where}: connection refused — nothing is listening there; {_network_hint(kind)}")
    if "immediate exit" in low or "timed out" in low or "timeout" in low or elapsed_s >= 0.9 * timeout_s:
        return SourceError(f"{where}: no answer within {timeout_s:g} s — {_network_hint(kind)} (or raise --open-timeout)")
    if "name or service" in low or "resolve" in low or "no address" in low or "nodename" in low:
        return SourceError(f"{where}: host name does not resolve — check the host in the URL")
    if "invalid data" in low:
        return SourceError(f"{where}: got no video stream FFmpeg understands — {_network_hint(kind)}")
    return SourceError(f"cannot open {where}: {text} — {_network_hint(kind)}")
