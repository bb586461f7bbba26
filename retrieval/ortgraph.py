"""Torch models run by ONNX Runtime on the CPU: exported once to an .onnx file, then served by
an `onnxruntime` session (already a dependency: rapidocr runs on it).

Why: on this 2-core box torch's own CPU kernels lose badly whenever another process wants a core
(its OpenMP workers spin). Measured here, same inputs, a soak running beside (load ~2.7):
MobileNetV2 tower at 288x224 — frozen TorchScript, 2 threads 93–267 ms, ONNX Runtime 11–12 ms;
NanoDet-m at 416x416 — frozen TorchScript 657–891 ms (2 threads) / 115 ms (1 thread), ONNX
Runtime 58–74 ms. Outputs agree to ~1e-5 (tests/test_ortgraph.py).

Export needs the `onnx` package (a dependency); it happens on first use and is cached under
$VSTREAM_MODELS/onnx, else <venv>/share/vstream/onnx, else ~/.cache/vstream/onnx, keyed by a
hash of the weights, written to a temporary file and renamed (two processes exporting at once is
harmless). Without `onnx` or onnxruntime, callers keep their TorchScript path
(`VSTREAM_ORT=0` forces that).

One OrtGraph per exported file and process (`load` caches them). A session with one thread
starts no thread at all (checked: /proc/self/task unchanged), so a fork server (vstream/zygote.py)
sets VSTREAM_ORT_THREADS=1, builds and runs its sessions before it forks, and every camera ingest
shares their weights and pre-packed kernels copy-on-write (each child building its own took its
USS from ~250 to ~400 MB). Elsewhere a session gets min(2, cores) threads. Workers do not spin
(`allow_spinning 0`): with spinning on, two workers steal the core another stage or camera needs
(the tower took 22–43 ms with spinning, 11–12 without, under the same load)."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
OPSET = 17


def enabled() -> bool:
    """ONNX Runtime can serve exported models here (the runtime is importable, not switched off)."""
    if os.environ.get("VSTREAM_ORT", "1") == "0":
        return False
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def cache_dirs() -> list[Path]:
    root = os.environ.get("VSTREAM_MODELS")
    if root:
        return [Path(root) / "onnx"]
    return [Path(sys.prefix) / "share" / "vstream" / "onnx", Path.home() / ".cache" / "vstream" / "onnx"]


def weights_key(*paths: Path) -> str:
    """A short hash of the weight files' bytes: a changed model never reuses an old export."""
    h = hashlib.sha1()
    for p in paths:
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:12]


@dataclass
class Export:
    """What to export: a module builder (called only when no cached file exists), an example
    input, the input/output names and the axes that may vary (batch, height, width, length)."""

    name: str  # file stem, including the weights key
    build: Callable[[], tuple[object, tuple]]  # () -> (torch module, example inputs)
    inputs: list[str]
    outputs: list[str]
    dynamic_axes: dict[str, dict[int, str]] = field(default_factory=dict)


_EXPORT_LOCK = threading.Lock()


def exported(spec: Export) -> Path | None:
    """The cached .onnx file for `spec`, exporting it first if needed; None when it cannot be
    made here (no `onnx` package, no writable folder, an export error — logged)."""
    for folder in cache_dirs():
        path = folder / f"{spec.name}.onnx"
        if path.exists():
            return path
    with _EXPORT_LOCK:
        for folder in cache_dirs():
            try:
                return _export(spec, folder)
            except OSError as e:
                log.info("onnx export to %s failed (%s); trying the next folder", folder, e)
            except Exception as e:  # noqa: BLE001 - any exporter failure: the caller keeps TorchScript
                log.warning("onnx export of %s failed (%s: %s); using TorchScript", spec.name, type(e).__name__, e)
                return None
    return None


def _export(spec: Export, folder: Path) -> Path:
    import importlib.util
    import warnings

    import torch

    path = folder / f"{spec.name}.onnx"
    if path.exists():
        return path
    if importlib.util.find_spec("onnx") is None:
        raise RuntimeError("the 'onnx' package is not installed (pip install onnx)")
    folder.mkdir(parents=True, exist_ok=True)
    module, example = spec.build()
    fd, tmp = tempfile.mkstemp(suffix=".onnx.tmp", dir=folder)
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes it 0600: other users of the same install read it too
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about constants: intended
            torch.onnx.export(module, example, tmp, dynamo=False, input_names=spec.inputs, output_names=spec.outputs,
                              dynamic_axes=spec.dynamic_axes or None, opset_version=OPSET)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    log.info("exported %s for ONNX Runtime (%d KB)", path, path.stat().st_size // 1024)
    return path


def threads() -> int:
    """Intra-op threads for new sessions: $VSTREAM_ORT_THREADS (a fork server sets 1), else min(2, cores)."""
    raw = os.environ.get("VSTREAM_ORT_THREADS", "")
    try:
        return max(1, int(raw)) if raw else min(2, os.cpu_count() or 1)
    except ValueError:
        return min(2, os.cpu_count() or 1)


class OrtGraph:
    """One exported model: call it with numpy arrays by input name, get its outputs in order.
    The session is built on the first call and is safe to call from several threads (ONNX
    Runtime's `run` is)."""

    def __init__(self, path: Path, n_threads: int | None = None):
        self.path = path
        self.threads = n_threads or threads()
        self._session = None
        self._lock = threading.Lock()

    def session(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                so = ort.SessionOptions()
                so.intra_op_num_threads = self.threads
                so.inter_op_num_threads = 1
                so.add_session_config_entry("session.intra_op.allow_spinning", "0")
                so.log_severity_level = 3  # errors only: no "unused initializer" chatter
                self._session = ort.InferenceSession(str(self.path), so, providers=["CPUExecutionProvider"])
            return self._session

    def __call__(self, **feeds: np.ndarray) -> list[np.ndarray]:
        return self.session().run(None, feeds)


_GRAPHS: dict[Path, OrtGraph] = {}


def load(spec: Export) -> OrtGraph | None:
    """The process's OrtGraph for `spec`, or None where ONNX Runtime cannot serve it (callers use torch)."""
    if not enabled():
        return None
    path = exported(spec)
    if path is None:
        return None
    with _EXPORT_LOCK:
        return _GRAPHS.setdefault(path, OrtGraph(path))
