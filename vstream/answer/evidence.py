"""Evidence for a query: the rows seen by `now`, inside the time scope, from the senses the
question is about, each scored for how well it matches what was asked (words, fuzzy for OCR
errors, and MiniLM meaning)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from memory.records import Evidence, EvidenceKind, ObjectsData
from retrieval.retriever import Retriever
from vstream.answer.query import GROUPS, Modality, Query, Scope

# Matching thresholds. Lexical: share of the asked words found (fuzzy ≥ 0.8 per word: one OCR
# error in a 5-letter word). Semantic: MiniLM cosine; related sentences score 0.45-0.8 here,
# unrelated ones 0.0-0.3 ("pizza" vs "the truck will arrive at dock seven": 0.07).
LEXICAL_MIN = 0.6
SEMANTIC_MIN = 0.45
NOW_SLACK_S = 2.5  # a text line seen up to the last OCR run counts as on screen until the next run
SMOOTH_S = 1.0  # counts "now" are the largest count of the last second (2-3 frames at 2 fps)

_NUM_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
              "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
              "fourteen": "14", "fifteen": "15", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50"}


@dataclass(frozen=True)
class Scored:
    row: Evidence
    score: float  # 0..1: how well it matches the asked words or meaning


def words(text: str) -> list[str]:
    out = []
    for w in re.findall(r"[a-z0-9]+", text.lower()):
        out.append(_NUM_WORDS.get(w, w))
    return out


_OCR_FOLD = str.maketrans("015|8", "olsib")  # digits OCR reads for letters: R00M → room, 5TOP → stop


def _fold(w: str) -> str:
    return w.translate(_OCR_FOLD) if not w.isdigit() else w


def lexical(target: str, content: str) -> float:
    """Share of the target's words found in the content (fuzzy per word, for OCR/ASR slips), or
    the content's fit to a kind of thing the target names (a website, a number, a time)."""
    want, have = words(target), words(content)
    if not want or not have:
        return 0.0
    if " ".join(want) in " ".join(have):
        return 1.0
    folded = [_fold(h) for h in have]
    found = 0.0
    for w in want:
        if w in have or _fold(w) in folded:
            found += 1
        elif len(w) >= 4:
            best = max(difflib.SequenceMatcher(None, _fold(w), h).ratio() for h in folded)
            found += 1 if best >= 0.8 else 0
    return max(found / len(want), concept(target, content))


# Things people ask for by kind rather than by content: "the website", "the room number".
_CONCEPTS = (
    (re.compile(r"\b(website|web ?site|web address|url|link|site|homepage)\b"),
     re.compile(r"(https?://|www\.|\b[a-z0-9-]+\.(com|org|net|io|co|uk|de|edu|gov)\b)", re.I)),
    (re.compile(r"\b(e-?mail|email address)\b"), re.compile(r"\b\S+@\S+\.\w+\b")),
    (re.compile(r"\b(phone|telephone|number to call)\b"), re.compile(r"\d[\d\s().-]{6,}\d")),
    (re.compile(r"\b(time|when|o'?clock)\b"), re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(am|pm)\b", re.I)),
    (re.compile(r"\b(price|cost|how much)\b"), re.compile(r"[$€£]\s?\d|\d\s?(dollars|euros|pounds)\b", re.I)),
    (re.compile(r"\b(number|room|gate|platform|dock|door|floor|level|bus|route)\b"), re.compile(r"\d")),
)


def concept(target: str, content: str) -> float:
    """0.8 when the target names a kind of thing (website, time, number…) the content is, else 0.
    A named word must also be there for the 'number' kinds: "room" needs ROOM 214, not any digit."""
    t = target.lower()
    for asks, looks in _CONCEPTS:
        m = asks.search(t)
        if m and looks.search(content):
            word = m.group(1)
            if looks.pattern == r"\d" and word not in ("number",):
                if word not in [_fold(h) for h in words(content)]:
                    continue
            return 0.8
    return 0.0


class EvidenceFinder:
    """Reads any memory view (the live writer, a saved session, a windowed or baseline view)."""

    def __init__(self, view, retriever: Retriever | None = None):
        self.view = view
        self.retriever = retriever or Retriever(view)

    def rows(self, query: Query, kinds: tuple[EvidenceKind, ...] | None = None) -> list[Evidence]:
        """Rows of these kinds seen by `now` and inside the query's time scope, in time order."""
        lo, hi = self.bounds(query)
        out = []
        for ev in self.view.evidence():
            if kinds is not None and ev.kind not in kinds:
                continue
            if ev.t_start > query.now + 1e-6 or ev.t_end < lo or ev.t_start > hi:
                continue
            out.append(ev)
        return out

    @staticmethod
    def bounds(query: Query) -> tuple[float, float]:
        if query.scope is Scope.NOW:
            return query.now - NOW_SLACK_S, query.now
        if query.window is not None and query.scope in (Scope.AT, Scope.WINDOW):
            return query.window.t_start, min(query.window.t_end, query.now)
        return float("-inf"), query.now

    def matching(self, query: Query, kinds: tuple[EvidenceKind, ...], target: str | None = None) -> list[Scored]:
        """Rows in scope that match the target (or the question), best first."""
        target = query.target if target is None else target
        if not target:
            return []
        rows = self.rows(query, kinds)
        if not rows:
            return []
        semantic = self._semantic(target, query)
        out = []
        for ev in rows:
            score = max(lexical(target, ev.content), semantic.get(ev.id, 0.0), motion_fit(target, ev))
            if query.quoted:
                score = lexical(query.quoted, ev.content)
            if score >= min(LEXICAL_MIN, SEMANTIC_MIN):
                out.append(Scored(ev, score))
        return sorted(out, key=lambda s: (-s.score, s.row.t_start))

    def _semantic(self, target: str, query: Query) -> dict[int, float]:
        """MiniLM cosine of the target to each row, scaled so SEMANTIC_MIN maps to LEXICAL_MIN."""
        hits = self.retriever.search_evidence(target, query.now, None, k=256)
        return {h.evidence.id: min(1.0, h.score * LEXICAL_MIN / SEMANTIC_MIN) for h in hits if h.score >= SEMANTIC_MIN}

    # ---- objects --------------------------------------------------------------------------------------
    def has_detector(self) -> bool:
        """Did detection run at all (else "how many people" cannot be answered from counts)?"""
        return any(ev.kind in (EvidenceKind.OBJECTS, EvidenceKind.TRACK) for ev in self.view.evidence())

    def objects_at(self, query: Query, t: float, cls: str | None = None) -> Evidence | None:
        """The detections row at time t: of the rows in the second before it, the one with the
        most of `cls` (a detector misses a person in one frame and finds them in the next: the
        largest recent count is the better estimate), else the latest."""
        rows = [ev for ev in self.view.evidence() if ev.kind is EvidenceKind.OBJECTS
                and ev.t_start <= min(t, query.now) + 1e-6 and ev.t_end >= t - SMOOTH_S]
        if not rows:
            return None
        if cls is None:
            return rows[-1]
        return median_row(rows, cls, self.count)

    def count(self, row: Evidence | None, cls: str) -> int:
        if row is None or not isinstance(row.data, ObjectsData):
            return 0
        return sum(row.data.count(c) for c in members(cls))

    def tracks(self, query: Query, cls: str) -> list[Evidence]:
        rows = self.rows(query, (EvidenceKind.TRACK,))
        return [ev for ev in rows if getattr(ev.data, "label", "") in members(cls)]


_SHAPES = {"ball": "circle", "circle": "circle", "round": "circle", "disc": "circle", "dot": "circle",
           "square": "square", "box": "square", "rectangle": "rectangle", "block": "square"}


def motion_fit(target: str, ev: Evidence) -> float:
    """A MOTION row against "the red square" / "the ball": colour and shape words."""
    if ev.kind is not EvidenceKind.MOTION:
        return 0.0
    ws = words(target)
    colour_ok = ev.data.colour in ws if ev.data.colour else False
    shapes = {_SHAPES[w] for w in ws if w in _SHAPES}
    shape_ok = bool(shapes) and (ev.data.shape in shapes or (ev.data.shape in ("square", "rectangle") and
                                                             shapes & {"square", "rectangle"}))
    named = any(w in ("red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "white", "black", "grey",
                      "gray") for w in ws)
    if colour_ok and (shape_ok or not shapes or not ev.data.shape):
        return 0.9
    if shape_ok and not named:
        return 0.8
    return 0.0


def median_row(rows: list[Evidence], cls: str, count) -> Evidence:
    """The row whose count is the median over the rows' frames (a row may stand for several
    frames with the same counts): one missed or one spurious detection does not move it."""
    frames = sorted(((count(r, cls), r) for r in rows for _ in range(max(1, round((r.t_end - r.t_start) / 0.5)))),
                    key=lambda x: x[0])
    return frames[len(frames) // 2][1]


def members(cls: str) -> tuple[str, ...]:
    """The detector classes a class word stands for ("vehicle": car, truck, bus, motorcycle)."""
    return GROUPS.get(cls, (cls,))


def kinds_for(query: Query) -> tuple[EvidenceKind, ...]:
    """The evidence kinds a question's cues point at (all quotable kinds when none)."""
    m = query.modalities
    kinds = []
    if Modality.TEXT in m:
        kinds.append(EvidenceKind.TEXT)
    if Modality.SPEECH in m:
        kinds.append(EvidenceKind.SPEECH)
    if not kinds:
        kinds = [EvidenceKind.TEXT, EvidenceKind.SPEECH, EvidenceKind.CAPTION, EvidenceKind.MOTION]
    return tuple(kinds)
