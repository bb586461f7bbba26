"""Per-frame senses that need no model of their own: on-screen text (from the encoder's OCR),
image-classifier labels and scene cuts, each turned into evidence rows."""

from __future__ import annotations

from memory.records import Evidence, EvidenceKind, LabelData, SceneData
from vstream.senses.text import TextTracker
from vstream.types import EncodedFrame

# ImageNet classes are a weak description of real scenes ("unicycle, flagpole" for pedestrians):
# a label becomes evidence only at this probability, and answers say "looks like".
LABEL_MIN_P = 0.25


class LabelSense:
    """Confident classifier labels as LABEL rows, one row while the same labels persist."""

    def __init__(self, min_p: float = LABEL_MIN_P):
        self.min_p = min_p
        self.current: Evidence | None = None

    def update(self, enc: EncodedFrame, duration: float) -> list[Evidence]:
        sure = tuple(lb for lb in enc.labels if lb.p >= self.min_p)
        names = ", ".join(lb.name for lb in sure)
        end = enc.frame_ts + duration
        cur = self.current
        if cur is not None and cur.content == f"looks like: {names}" and not enc.scene_change:
            cur.t_end = end
            return [cur]
        if not sure:
            self.current = None
            return []
        conf = max(lb.p for lb in sure)
        self.current = Evidence(EvidenceKind.LABEL, enc.frame_ts, end, f"looks like: {names}", LabelData(sure), conf)
        return [self.current]


class FrameSenses:
    """Text, labels and cuts of one encoded frame → new or changed evidence rows."""

    def __init__(self):
        self.text = TextTracker()
        self.labels = LabelSense()

    def update(self, enc: EncodedFrame, duration: float) -> list[Evidence]:
        rows = self.text.update(enc) + self.labels.update(enc, duration)
        if enc.scene_change:
            rows.append(Evidence(EvidenceKind.SCENE, enc.frame_ts, enc.frame_ts, "scene change",
                                 SceneData(round(enc.patch_similarity, 3))))
        return rows


class ObjectRows:
    """Per-frame detections as OBJECTS rows, one row while the counts stay the same (a 2 fps
    camera otherwise writes 7,200 rows an hour; counts change far less often). The row keeps the
    latest boxes."""

    def __init__(self):
        self.current: Evidence | None = None

    def update(self, row: Evidence | None, duration: float) -> list[Evidence]:
        if row is None:
            return []
        cur = self.current
        if cur is not None and cur.content == row.content and row.t_start - cur.t_end <= 2 * duration:
            cur.t_end = row.t_start + duration
            cur.data = row.data
            return [cur]
        row.t_end = row.t_start + duration
        self.current = row
        return [row]
