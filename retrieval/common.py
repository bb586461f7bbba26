"""What every layer shares, kept at the bottom so no layer imports upward for it: the
user-facing error types (one line naming the problem and the fix; the CLI prints them, exit 2)
and the quieting of model libraries' progress bars and advisory warnings."""

from __future__ import annotations

import importlib
import os


class VStreamError(Exception):
    """A problem the user can fix (bad source, bad config, missing weights).

    The message is one line: what is wrong, then what to do. Never a traceback.
    """

    exit_code = 2


class ConfigError(VStreamError):
    """A configuration value is out of range or inconsistent."""


class MissingDependencyError(VStreamError):
    """An optional package or model weights are not installed."""


def require(module: str, package: str, purpose: str):
    """Import an optional heavy dependency, or raise a message naming what to install."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingDependencyError(
            f"{purpose} needs the Python package '{package}' ({e}); install it: pip install {package}"
        ) from None


def quiet_libraries() -> None:
    """No progress bars or advisory warnings from the model libraries in our output."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
