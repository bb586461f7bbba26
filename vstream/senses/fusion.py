"""Detector × classifier: a close-up animal filling the frame is a 'person' to NanoDet at a low
score (cockatoo.mp4: one person box over 37-98% of the frame, score 0.47-0.62) while the ImageNet
classifier's top labels are parrots. One huge person box on a frame whose top labels put at least
`min_p` on animal classes is that animal: relabelled to its COCO class (bird, dog, cat), or dropped
when COCO has no class for it."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from functools import lru_cache

from memory.records import Box, Label

# ImageNet-1k class indices (the order of vstream/data/imagenet_classes.txt): 0-397 are animals.
_GROUPS = (("bird", ((7, 25), (80, 101), (127, 147))), ("dog", ((151, 269),)), ("cat", ((281, 286),)))
_ANIMALS = (0, 398)


@lru_cache(maxsize=1)
def _index() -> dict[str, int]:
    from vstream.encoders.mobilenet import imagenet_labels

    out: dict[str, int] = {}
    for i, name in enumerate(imagenet_labels()):
        out.setdefault(name, i)
    return out


def animal(labels: tuple[Label, ...] | list[Label]) -> tuple[str, float]:
    """(COCO class of the most probable animal group or "animal", summed animal probability)
    over the classifier's top labels; ("", 0.0) when none is an animal."""
    idx, by_group, total = _index(), {}, 0.0
    for lab in labels:
        i = idx.get(lab.name, -1)
        if not _ANIMALS[0] <= i < _ANIMALS[1]:
            continue
        total += lab.p
        group = next((g for g, spans in _GROUPS if any(a <= i < b for a, b in spans)), "animal")
        by_group[group] = by_group.get(group, 0.0) + lab.p
    return (max(by_group, key=by_group.get), total) if by_group else ("", 0.0)


# COCO animal classes NanoDet gives a frame-filling close-up (cockatoo.mp4: person, dog, cat).
_SUBJECTS = ("person", "bird", "cat", "dog", "horse", "sheep", "cow", "bear", "teddy bear")


# A box filling at least this share of the frame is a close-up the whole-frame classifier speaks for.
FRAME_FILLING = 0.33


def frame_filling(b: Box, min_area: float = FRAME_FILLING) -> bool:
    return (b.x1 - b.x0) * (b.y1 - b.y0) >= min_area


def fuse(boxes: list[Box], labels, min_area: float = FRAME_FILLING, min_p: float = 0.15,
         seen: tuple[str, float] | None = None) -> list[Box]:
    """The boxes, with a lone frame-filling 'person' (or animal) relabelled to the animal the
    classifier sees (or dropped when COCO has no class for it). Several such boxes, or a smaller
    one, are left as they are. `seen`: the animal reading to use (AnimalHold's), else `labels`'."""
    big = [b for b in boxes if b.label in _SUBJECTS and frame_filling(b, min_area)]
    people = [b for b in boxes if b.label == "person"]
    if len(big) != 1 or (big[0].label == "person" and len(people) != 1):
        return boxes
    kind, p = seen if seen is not None else animal(labels)
    if p < min_p or kind == big[0].label or (kind == "animal" and big[0].label != "person"):
        return boxes  # an animal box the classifier can't name in COCO (a horse: 'sorrel') stays
    if kind == "animal":
        return [b for b in boxes if b is not big[0]]
    return [replace(b, label=kind) if b is big[0] else b for b in boxes]


class AnimalHold:
    """The strongest animal reading of the last `hold_s` stream seconds. The classifier wavers
    frame to frame on a close-up (cockatoo.mp4: bird p 0.72, 0.56, then 0.02-0.14 on the frames
    NanoDet calls a person) while the subject stays; holding the reading 5 s relabels those
    frames. A cut to a real person within 5 s of an animal close-up is the risk this takes.

    It also dates the animal: the detector may box a close-up only seconds after the classifier
    names it (cockatoo.mp4: 'sulphur-crested cockatoo' p 0.66 at 0.5 s, NanoDet's first box at
    3.5 s), so `since(kind)` is the first frame of the current episode whose own reading named
    that animal with p >= sure_p; the episode lasts while the held reading stays >= min_p and
    names the same animal (a change of animal, or a gap of hold_s without one, starts over)."""

    def __init__(self, hold_s: float = 5.0, min_p: float = 0.15, sure_p: float = 0.5):
        self.hold_s, self.min_p, self.sure_p = hold_s, min_p, sure_p
        self.recent: deque[tuple[float, str, float]] = deque()
        self.start: tuple[str, float] | None = None  # (animal, first sure sighting) of this episode

    def update(self, ts: float, labels) -> tuple[str, float]:
        now_kind, now_p = animal(labels)
        self.recent.append((ts, now_kind, now_p))
        while ts - self.recent[0][0] > self.hold_s:
            self.recent.popleft()
        _, kind, p = max(self.recent, key=lambda r: r[2])
        if p < self.min_p or (self.start is not None and self.start[0] != kind):
            self.start = None  # the animal is gone, or another one is read: its time no longer holds
        if self.start is None and kind and now_kind == kind and now_p >= self.sure_p:
            self.start = (kind, ts)
        return kind, p

    def since(self, kind: str) -> float | None:
        """When the animal `kind` (a COCO class: bird, dog, cat) was first read surely in this
        episode, or None."""
        return self.start[1] if self.start is not None and self.start[0] == kind else None
