"""The Encoder ABC. Backends implement `_features` (the vision tower on a batch of images); the
base class owns what every backend shares: the encoder cache, differential token drop, scene
cuts and OCR, in that order, with counters."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np
import torch

from vstream.config import EncoderConfig
from vstream.encoders.cache import FrameCache
from vstream.encoders.ocr import GatedReader, OcrPolicy, RegionTimer
from vstream.encoders.tokendrop import TokenDropper, colour_histogram
from vstream.types import EncodedFrame, Frame, Label


@dataclass(frozen=True)
class Features:
    """What a vision tower gives for one image."""

    tokens: torch.Tensor  # [N, D]
    grid: tuple[int, int]
    embedding: np.ndarray  # [E] L2-normalized
    labels: tuple[Label, ...] = ()


@dataclass
class EncoderStats:
    frames_encoded: int = 0
    cache_hits: int = 0
    tokens_total: int = 0
    tokens_kept: int = 0
    scene_changes: int = 0
    ocr_runs: int = 0
    ocr_full_runs: int = 0  # runs that read the whole frame (first frame, cut, periodic refresh)
    ocr_pixels: int = 0  # pixels given to the OCR engine, all runs
    ocr_frame_pixels: int = 0  # pixels of the frames OCR ran on (what reading them whole would cost)
    ocr_checks: int = 0  # crop reads that dated a line coming or going over moving footage
    tower_s: float = 0.0  # seconds in the vision tower
    drop_s: float = 0.0  # token drop, cut detection and the region record
    ocr_s: float = 0.0
    kept_ratios: list[float] = field(default_factory=list)  # per frame, for reports (bounded by caller)

    @property
    def token_drop_ratio(self) -> float:
        return 1.0 - self.tokens_kept / self.tokens_total if self.tokens_total else 0.0


class Encoder(ABC):
    """Verbs: `encode(frames) -> list[EncodedFrame]` (stateful: frames in stream order);
    `reset()` forgets the previous frame (a new stream)."""

    name = "encoder"

    def __init__(self, cfg: EncoderConfig):
        self.cfg = cfg
        self.cache: FrameCache[Features] = FrameCache(cfg.cache_mad, cfg.cache)
        self.dropper = TokenDropper(cfg.tau, cfg.drop, cfg.cut_patch_sim, cfg.cut_hist, cfg.spike_jump, cfg.cut_kept)
        self.ocr = OcrPolicy(cfg.ocr_min_interval_s, cfg.ocr_max_interval_s, cfg.ocr_change_ratio) if cfg.ocr else None
        self.regions = RegionTimer()
        self.reader = GatedReader()
        self.stats = EncoderStats()

    @abstractmethod
    def _features(self, images: list[np.ndarray]) -> list[Features]:
        """Run the vision tower on RGB images (a batch)."""

    @property
    @abstractmethod
    def embedding_dim(self) -> int:
        """Size of EncodedFrame.embedding."""

    def warm(self) -> None:  # noqa: B027 - optional hook: most encoders build nothing lazily
        """Build what the first frame would (a fork server calls this before it forks)."""

    def tighten_ocr(self, interval_s: float) -> None:
        """OCR at least this often while frames change (a text watch wants prompt alerts)."""
        if self.ocr is not None:
            self.ocr.min_interval = min(self.ocr.min_interval, interval_s)

    def reset(self) -> None:
        self.cache = FrameCache(self.cfg.cache_mad, self.cfg.cache)
        self.dropper.reset()
        self.regions = RegionTimer()
        self.reader.reset()

    def encode(self, frames: list[Frame]) -> list[EncodedFrame]:
        looked = [self.cache.lookup(f.image) for f in frames]
        # Cache decisions are made against the previous frame *in order*; within one batch a
        # frame equal to its predecessor in the batch is computed anyway (batches are small).
        misses = [i for i, (hit, _) in enumerate(looked) if hit is None]
        t0 = time.perf_counter()
        computed = dict(zip(misses, self._features([frames[i].image for i in misses]))) if misses else {}
        self.stats.tower_s += time.perf_counter() - t0
        out = []
        for i, frame in enumerate(frames):
            hit, thumb = looked[i]
            feats = hit if hit is not None else computed[i]
            self.cache.store(thumb, feats)
            out.append(self._finish(frame, feats, cache_hit=hit is not None))
        return out

    def _finish(self, frame: Frame, feats: Features, cache_hit: bool) -> EncodedFrame:
        t0 = time.perf_counter()
        hist = colour_histogram(frame.image)
        drop = self.dropper(feats.tokens, hist)
        if self.ocr is not None:  # what OCR will date lines by (nothing to date without OCR)
            self.regions.record(frame.ts, drop.kept, feats.grid, frame.image)
        self.stats.drop_s += time.perf_counter() - t0
        text, since, ran, onsets, ends, boxes = self._maybe_ocr(frame, drop.kept_ratio, drop.scene_change)
        s = self.stats
        s.frames_encoded += 1
        s.cache_hits += int(cache_hit)
        s.scene_changes += int(drop.scene_change)
        s.tokens_total += int(drop.kept.numel())
        s.tokens_kept += int(drop.kept.sum())
        return EncodedFrame(
            frame_ts=frame.ts, frame_index=frame.index, tokens=feats.tokens, grid=feats.grid, kept=drop.kept,
            embedding=feats.embedding, labels=feats.labels, text=text, ocr_ran=ran, text_since=since,
            text_onsets=onsets, text_ends=ends, text_boxes=boxes,
            cache_hit=cache_hit, scene_change=drop.scene_change, kept_ratio=drop.kept_ratio, drop_spike=drop.spike,
            patch_similarity=drop.patch_similarity,
        )

    def _maybe_ocr(self, frame: Frame, kept_ratio: float, scene_change: bool):
        """(text, since, ran, onsets of new lines, ends of vanished lines, where each line was read)."""
        if self.ocr is None:
            return "", None, False, {}, {}, {}
        run, since = self.ocr.should_run(frame.ts, kept_ratio, scene_change)
        if not run:
            return "", None, False, {}, {}, {}
        t0 = time.perf_counter()
        # Only where patches changed since the last run; a cut or the first frame reads it all.
        read = self.reader.read(frame.image, self.regions.changed(), full=scene_change, ts=frame.ts)
        lines = read.lines
        checks = self.regions.checks
        onsets, ends = self.regions.resolve(lines, since, self.reader.shows)
        s = self.stats
        s.ocr_s += time.perf_counter() - t0
        s.ocr_runs += 1
        s.ocr_full_runs += int(read.full)
        s.ocr_pixels += read.pixels
        s.ocr_frame_pixels += frame.image.shape[0] * frame.image.shape[1]
        s.ocr_checks += self.regions.checks - checks
        boxes = {line.text: line.box for line in lines}
        return "\n".join(line.text for line in lines), since, True, onsets, ends, boxes


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)
