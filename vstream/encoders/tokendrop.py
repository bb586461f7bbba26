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


# A cut out of footage that changes everywhere anyway: see TokenDropper._is_cut for the numbers.
BUSY_CUT_SIM = 0.12
BUSY_CUT_HIST = 0.7


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
        self._busy = 0.0  # the same of the changed ratio (what changes with token drop off too)

    def reset(self) -> None:
        self._ref = self._prev = self._prev_hist = None
        self._ema = self._busy = 0.0

    def __call__(self, tokens: torch.Tensor, hist: np.ndarray | None) -> DropResult:
        t = F.normalize(tokens.float(), dim=-1)
        n = t.shape[0]
        if self._ref is None or self._ref.shape != t.shape:  # first frame, or the grid changed
            return self._keep_all(t, hist, scene_change=self._ref is not None, sim=0.0)
        sim_prev = float((t * self._prev).sum(-1).mean())
        changed = (t * self._ref).sum(-1) <= self.tau
        ratio = float(changed.float().mean())
        if self._is_cut(self._hist_distance(hist), sim_prev, ratio):
            return self._keep_all(t, hist, scene_change=True, sim=sim_prev)
        kept = changed if self.enabled else torch.ones(n, dtype=torch.bool)
        self._ref[kept] = t[kept]
        ratio = float(kept.float().mean())
        spike = ratio - self._ema >= self.spike_jump
        self._ema = 0.8 * self._ema + 0.2 * ratio
        self._busy = 0.8 * self._busy + 0.2 * float(changed.float().mean())
        self._prev, self._prev_hist = t, hist
        return DropResult(kept, ratio, sim_prev, False, spike)

    def _is_cut(self, hist_d: float | None, sim: float, ratio: float) -> bool:
        """A cut changes the colours (histogram) and the structure: either the patches no longer
        resemble the previous frame's, or nearly all of them changed at once. A pan keeps colours
        (bikes.mp4: hist <= 0.27); a lighting change keeps structure.

        Footage that already changed nearly every patch frame after frame (hand-held, traffic
        close to the lens: changed-ratio average >= cut_kept) says nothing by changing them all
        again, and a fast move there leaves patches half-alike: there a cut needs patches
        unrelated to the previous frame's (< BUSY_CUT_SIM) or an outright change of colours
        (> BUSY_CUT_HIST). Measured at 2 fps: true cuts out of such footage (bikes.mp4, the
        explainer's B-roll) patch similarity -0.01..0.09, hist 0.45..0.96; a cockatoo pulling
        back from the lens and a car passing close 0.16..0.23, hist 0.35..0.57."""
        if hist_d is not None and hist_d <= self.cut_hist:
            return False
        if self._busy >= self.cut_kept:
            return sim < BUSY_CUT_SIM or (hist_d is not None and hist_d > BUSY_CUT_HIST)
        return sim < self.cut_patch_sim or ratio >= self.cut_kept

    def _keep_all(self, t: torch.Tensor, hist, scene_change: bool, sim: float) -> DropResult:
        self._ref, self._prev, self._prev_hist = t.clone(), t, hist
        if not scene_change:  # the first frame: no history, assume busy until frames say
            self._ema = self._busy = 1.0
        return DropResult(torch.ones(t.shape[0], dtype=torch.bool), 1.0, sim, scene_change, False)

    def _hist_distance(self, hist: np.ndarray | None) -> float | None:
        if hist is None or self._prev_hist is None:
            return None  # no colour evidence: let the patch similarity decide alone
        import cv2

        return float(cv2.compareHist(self._prev_hist, hist, cv2.HISTCMP_BHATTACHARYYA))


def colour_histogram(image: np.ndarray) -> np.ndarray:
    """16x16 hue/saturation histogram, L2-normalized (the classic cut-detection signal)."""
    import cv2

    small = cv2.resize(image, (160, 90), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    h = cv2.calcHist([hsv], [0, 1], None, [16, 16], [0, 180, 0, 256])
    return cv2.normalize(h, None).flatten()
