"""User-facing errors: one line naming the problem and the fix. The CLI prints them, exit 2."""

from __future__ import annotations


class VStreamError(Exception):
    """A problem the user can fix (bad source, bad config, missing weights).

    The message is one line: what is wrong, then what to do. Never a traceback.
    """

    exit_code = 2


class SourceError(VStreamError):
    """The source cannot be opened or read."""


class ConfigError(VStreamError):
    """A configuration value is out of range or inconsistent."""


class MissingDependencyError(VStreamError):
    """An optional package or model weights are not installed."""


def require(module: str, package: str, purpose: str):
    """Import an optional heavy dependency, or raise a message naming what to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingDependencyError(
            f"{purpose} needs the Python package '{package}' ({e}); install it: pip install {package}"
        ) from None
