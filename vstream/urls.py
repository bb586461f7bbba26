"""Credential masking: no password ever reaches a log line, error or JSON output."""

from __future__ import annotations

import logging
import re

# scheme://user:pass@host → scheme://***@host. Matches inside free text too (PyAV error strings).
_CRED = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<cred>[^/@\s]+)@")


def mask_url(text: str) -> str:
    """Replace the user-info part of every URL in `text` with ***."""
    return _CRED.sub(lambda m: f"{m.group('scheme')}***@", str(text))


class MaskingFilter(logging.Filter):
    """Logging filter that masks credentials in every record (message and args)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_url(record.getMessage())
        record.args = None
        return True


def install_log_masking() -> None:
    """Attach the masking filter to every handler of the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
