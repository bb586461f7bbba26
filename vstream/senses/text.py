"""On-screen text as evidence: OCR lines become TEXT rows that live while the line stays on
screen. A line starts at the first sampled frame that shows it (`text_onsets`: the change under
its box, checked by reading the box where the footage moves under it; see RegionTimer; else the
first change anywhere since the previous OCR run, `text_since`) and ends likewise at the first
frame that no longer shows it (`text_ends`). A line the engine reads with other spacing or case
('© 2026' / '©2026' on rolling credits) stays one row."""

from __future__ import annotations

from memory.records import Box, Evidence, EvidenceKind, TextData
from vstream.encoders.ocr import same_line
from vstream.types import EncodedFrame

# below this share of changed tokens a frame shows what the previous one showed
UNCHANGED = 0.02


def readable(line: str) -> bool:
    """OCR noise is dropped: a line needs two letters or digits of its own (the OCR model also
    reads Chinese, and texture on a lamp post came out as "大省"), or four characters of any script."""
    latin = sum(c.isascii() and c.isalnum() for c in line)
    return latin >= 2 or len(line.strip()) >= 4


class TextTracker:
    def __init__(self):
        self.active: dict[str, Evidence] = {}

    def visible(self) -> list[str]:
        """The lines on screen as of the last OCR run."""
        return list(self.active)

    def update(self, enc: EncodedFrame) -> list[Evidence]:
        """New rows and rows whose end moved. Between OCR runs, a frame where nothing changed
        still shows the active lines, so their spans extend to it; after a change, they wait
        for the next OCR run to say whether the text is still there."""
        if not enc.ocr_ran:
            if enc.kept_ratio >= UNCHANGED or not self.active:
                return []
            for ev in self.active.values():
                ev.t_end = enc.frame_ts
            return list(self.active.values())
        lines = {line for line in enc.text.splitlines() if readable(line)}
        since = enc.text_since if enc.text_since is not None else enc.frame_ts
        moved = []
        for line, ev in list(self.active.items()):
            again = line if line in lines else self._reread(line, lines)
            if again is not None:  # still there (the engine may read it a little differently)
                ev.t_end = enc.frame_ts
                del self.active[line]
                self.active[again] = ev
            else:  # gone since the change under its box (or, without one, any change)
                ev.t_end = max(ev.t_start, enc.text_ends.get(line, since))
                del self.active[line]
            moved.append(ev)
        new = []
        for line in sorted(lines - set(self.active)):
            at = enc.text_boxes.get(line)  # where it was read: "what's written in the top right corner?"
            ev = Evidence(EvidenceKind.TEXT, enc.text_onsets.get(line, since), enc.frame_ts, line,
                          TextData(Box(*(round(v, 3) for v in at)) if at else None))
            self.active[line] = ev
            new.append(ev)
        return moved + new

    def _reread(self, line: str, lines: set[str]) -> str | None:
        """The new reading of an active line that this run read differently ('© 2026' then
        '©2026' on rolling credits), if any, and not a line of its own already active."""
        return next((x for x in sorted(lines) if x not in self.active and same_line(line, x)), None)
