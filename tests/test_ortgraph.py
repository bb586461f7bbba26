"""ONNX Runtime serving of our torch models (retrieval/ortgraph.py): the lite encoder's tower
gives the eager model's numbers at every input size and batch, exports are cached and reused,
and a model that cannot be exported falls back to TorchScript instead of failing."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from retrieval import ortgraph
from vstream.config import EncoderConfig
from vstream.encoders.lite import LiteEncoder, _Tower


@pytest.fixture
def models(tmp_path, monkeypatch):
    monkeypatch.setenv("VSTREAM_MODELS", str(tmp_path / "models"))
    monkeypatch.delenv("VSTREAM_ORT", raising=False)
    return tmp_path / "models" / "onnx"


@pytest.mark.parametrize("shape", [(1, 3, 224, 288), (2, 3, 256, 320), (1, 3, 320, 224)])
def test_tower_on_onnxruntime_equals_eager(models, shape):
    enc = LiteEncoder(EncoderConfig())
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(sum(shape)))
    with torch.inference_mode():
        got = enc._tower(x)
        want = _Tower(enc.model).eval()(x)
    assert list(models.glob("mobilenet_v2-tower13-*.onnx")), "the tower was not served by ONNX Runtime"
    for g, w in zip(got, want):
        assert g.shape == w.shape
        assert float((g - w).abs().max()) < 1e-3 * max(1.0, float(w.abs().max()))


def test_export_is_cached_and_reused(models):
    builds = []

    def build():
        builds.append(1)
        return torch.nn.Linear(3, 2).eval(), (torch.zeros(1, 3),)

    spec = ortgraph.Export("linear-test", build, ["x"], ["y"], {"x": {0: "batch"}})
    g1 = ortgraph.load(spec)
    g2 = ortgraph.load(spec)
    assert g1 is not None and g2 is not None and g1.path == g2.path == models / "linear-test.onnx"
    assert builds == [1], "the second load exported again"
    assert g2(x=np.ones((4, 3), np.float32))[0].shape == (4, 2)


def test_unexportable_model_falls_back_with_a_log_line(models, caplog):
    class Bad(torch.nn.Module):
        def forward(self, x):
            return torch.tensor([float(x.sum())]).numpy()  # leaves torch: not exportable

    spec = ortgraph.Export("bad-test", lambda: (Bad(), (torch.zeros(2),)), ["x"], ["y"])
    with caplog.at_level(logging.WARNING, logger="retrieval.ortgraph"):
        assert ortgraph.load(spec) is None
    assert "using TorchScript" in caplog.text
    assert not list(models.glob("*.tmp")), "a failed export left a temporary file"


def test_switched_off_uses_torchscript(models, monkeypatch):
    monkeypatch.setenv("VSTREAM_ORT", "0")
    enc = LiteEncoder(EncoderConfig())
    x = torch.randn(1, 3, 224, 288)
    with torch.inference_mode():
        enc._tower(x)
    assert isinstance(enc._frozen, torch.jit.ScriptModule)
    assert not models.exists() or not list(models.iterdir())


def test_minilm_on_onnxruntime_equals_torch(models):
    """Same vectors in a padded batch of different lengths and one by one."""
    from retrieval.embedder import MiniLMEmbedder

    texts = ["person", "FIRE DRILL AT 14:30", "a red car came in at the left edge and stopped near the door",
             "what time is the fire drill?"]
    ort, plain = MiniLMEmbedder(), MiniLMEmbedder()
    plain._ort = True  # the torch path
    got = ort.embed(texts)
    assert isinstance(ort._ort, ortgraph.OrtGraph), "MiniLM was not served by ONNX Runtime"
    assert float(np.abs(got - plain.embed(texts)).max()) < 1e-5
    assert float(np.abs(got[2] - ort.embed([texts[2]])[0]).max()) < 1e-5


def test_one_thread_session_starts_no_thread_and_runs_after_fork(models, monkeypatch):
    """What the fork server relies on: with VSTREAM_ORT_THREADS=1 building and running a session
    adds no thread to the process, and a forked child runs the parent's session to the same
    numbers (a lost thread pool would hang it: the parent waits at most 30 s)."""
    import os
    import select

    monkeypatch.setenv("VSTREAM_ORT_THREADS", "1")
    spec = ortgraph.Export("fork-test", lambda: (torch.nn.Linear(64, 8).eval(), (torch.zeros(1, 64),)), ["x"], ["y"],
                           {"x": {0: "batch"}})
    tasks = len(os.listdir("/proc/self/task"))
    g = ortgraph.load(spec)
    x = np.random.default_rng(0).random((256, 64), np.float32)
    want = g(x=x)[0]
    assert g.threads == 1 and len(os.listdir("/proc/self/task")) == tasks
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run the inherited session, report the largest difference
        try:
            os.write(w, repr(float(np.abs(g(x=x)[0] - want).max())).encode())
        finally:
            os._exit(0)
    os.close(w)
    ready, _, _ = select.select([r], [], [], 30.0)
    assert ready, "the forked child hung running the parent's session"
    assert float(os.read(r, 100).decode()) == 0.0
    os.waitpid(pid, 0)
