"""stdlib logging set-up for the CLI: one format, credentials masked everywhere."""

from __future__ import annotations

import logging
import os

from retrieval.common import ConfigError, quiet_libraries
from vstream.urls import install_log_masking

__all__ = ["quiet_libraries", "setup_logging"]

_LEVELS = ("debug", "info", "warning", "error")


def setup_logging(level: str = "warning") -> None:
    level = (level or os.environ.get("VSTREAM_LOG_LEVEL") or "warning").lower()
    if level not in _LEVELS:
        raise ConfigError(f"--log-level {level!r} is not valid; use one of: {', '.join(_LEVELS)}")
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level.upper())
    for noisy in ("httpx", "urllib3", "matplotlib", "PIL", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    install_log_masking()
    quiet_libraries()
    # FFmpeg's log stays off (PyAV's default, level None). Forwarding it to Python deadlocks:
    # a decoder thread's log call waits for the GIL while the reader thread, holding the GIL,
    # frees the codec and waits for that decoder thread (seen here as a hung `probe` on RTSP).
