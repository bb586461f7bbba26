"""User-facing errors: one line naming the problem and the fix. The CLI prints them, exit 2.
The base types live in the bottom layer (retrieval.common) so memory and retrieval raise the
same errors without importing upward."""

from __future__ import annotations

from retrieval.common import ConfigError, MissingDependencyError, VStreamError, require

__all__ = ["ConfigError", "MissingDependencyError", "SourceError", "VStreamError", "require"]


class SourceError(VStreamError):
    """The source cannot be opened or read."""
