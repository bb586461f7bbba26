"""Differential token drop (TimeChat-Online) and scene-cut detection.

A patch token is dropped when its cosine similarity to the same patch of the last kept frame
exceeds tau. The reference is kept per patch: position p holds the token last kept at p, so a
dropped patch is always within tau of what memory already has, and slow drift is caught once
it accumulates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class DropResult:
    kept: torch.Tensor  # [N] bool
    kept_ratio: float
    patch_similarity: float  # mean cosine to the same patch of the previous frame (cut signal)
    scene_change: bool
    spike: bool  # kept ratio jumped above its moving average


class TokenDropper:
    def __init__(self, tau: float, enabled: bool = True, cut_patch_sim: float = 0.3,
                 cut_hist: float = 0.35, spike_jump: float = 0.3, cut_kept: float = 0.8):
        self.tau = tau
        self.enabled = enabled
        self.cut_patch_sim = cut_patch_sim
        self.cut_hist = cut_hist
        self.spike_jump = spike_jump
        self.cut_kept = cut_kept
        self._ref: torch.Tensor | None = None  # [N, D] normalized: last kept token per patch
        self._prev: torch.Tensor | None = None  # [N, D] normalized: previous frame's tokens
        self._prev_hist: np.ndarray | None = None
        self._ema = 0.0  # moving average of the kept ratio (alpha 0.2: ~5 frames, 2.5 s at 2 fps)

    def reset(self) -> None:
        self._ref = self._prev = self._prev_hist = None
        self._ema = 0.0

    def __call__(self, tokens: torch.Tensor, hist: np.ndarray | None) -> DropResult:
        t = F.normalize(tokens.float(), dim=-1)
        n = t.shape[0]
        if self._ref is None or self._ref.shape != t.shape:  # first frame, or the grid changed
            return self._keep_all(t, hist, scene_change=self._ref is not None, sim=0.0)
        sim_prev = float((t * self._prev).sum(-1).mean())
        changed = (t * self._ref).sum(-1) <= self.tau
        ratio = float(changed.float().mean())
        # A cut changes the colours (histogram) and the structure: either the patches no longer
        # resemble the previous frame's, or nearly all of them changed at once. A pan keeps
        # colours (bikes.mp4: hist <= 0.27); a lighting change keeps structure.
        cut = self._hist_distance(hist) > self.cut_hist and (sim_prev < self.cut_patch_sim or ratio >= self.cut_kept)
        if cut:
            return self._keep_all(t, hist, scene_change=True, sim=sim_prev)
        kept = changed if self.enabled else torch.ones(n, dtype=torch.bool)
        self._ref[kept] = t[kept]
        ratio = float(kept.float().mean())
        spike = ratio - self._ema >= self.spike_jump
        self._ema = 0.8 * self._ema + 0.2 * ratio
        self._prev, self._prev_hist = t, hist
        return DropResult(kept, ratio, sim_prev, False, spike)

    def _keep_all(self, t: torch.Tensor, hist, scene_change: bool, sim: float) -> DropResult:
        self._ref, self._prev, self._prev_hist = t.clone(), t, hist
        self._ema = 1.0 if not scene_change else self._ema
        return DropResult(torch.ones(t.shape[0], dtype=torch.bool), 1.0, sim, scene_change, False)

    def _hist_distance(self, hist: np.ndarray | None) -> float:
        if hist is None or self._prev_hist is None:
            return 1.0  # no colour evidence: let the patch similarity decide alone
        import cv2

        return float(cv2.compareHist(self._prev_hist, hist, cv2.HISTCMP_BHATTACHARYYA))


def colour_histogram(image: np.ndarray) -> np.ndarray:
    """16x16 hue/saturation histogram, L2-normalized (the classic cut-detection signal)."""
    import cv2

    small = cv2.resize(image, (160, 90), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    h = cv2.calcHist([hsv], [0, 1], None, [16, 16], [0, 180, 0, 256])
    return cv2.normalize(h, None).flatten()
