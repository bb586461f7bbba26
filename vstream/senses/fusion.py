"""Detector × classifier: a close-up animal filling the frame is a 'person' to NanoDet at a low
score (cockatoo.mp4: one person box over 37-98% of the frame, score 0.47-0.62) while the ImageNet
classifier's top labels are parrots. One huge person box on a frame whose top labels put at least
`min_p` on animal classes is that animal: relabelled to its COCO class (bird, dog, cat), or dropped
when COCO has no class for it."""

from __future__ import annotations

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


def fuse(boxes: list[Box], labels, min_area: float = 0.33, min_p: float = 0.15) -> list[Box]:
    """The boxes, with a lone frame-filling 'person' relabelled (or dropped) when the classifier
    sees an animal. Several people, or a smaller person box, are left as they are."""
    people = [b for b in boxes if b.label == "person"]
    if len(people) != 1 or (people[0].x1 - people[0].x0) * (people[0].y1 - people[0].y0) < min_area:
        return boxes
    kind, p = animal(labels)
    if p < min_p:
        return boxes
    if kind == "animal":
        return [b for b in boxes if b is not people[0]]
    return [replace(b, label=kind) if b is people[0] else b for b in boxes]
