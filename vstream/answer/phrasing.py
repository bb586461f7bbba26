"""The answer's wording, shared by every composer: times and spans written the same way, a row
quoted with its times, "not seen" said the same way, and the rows a quote brings along (the lines
shown with a line, the reply said after a question, a ticker's whole line for its pieces)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from memory.records import Evidence, EvidenceKind, Span
from vstream.answer.evidence import (
    _PAGE,
    EvidenceFinder,
    Scored,
    _box,
    banded,
    kinds_for,
    lexical_words,
    row_mates,
    stem,
    words,
)
from vstream.answer.query import (
    Query,
    Scope,
)


def fmt_time(t: float) -> str:
    """mm:ss.s (h:mm:ss.s past an hour): tenths, because citations are checked to ±1 s."""
    t = max(0.0, round(t, 1))
    h, rem = divmod(t, 3600)
    m, s = divmod(rem, 60)
    return f"{int(h)}:{int(m):02d}:{s:04.1f}" if h else f"{int(m):02d}:{s:04.1f}"


def span_text(a: float, b: float) -> str:
    return f"at {fmt_time(a)}" if abs(b - a) < 1.0 else f"from {fmt_time(a)} to {fmt_time(b)}"


@dataclass
class Composed:
    text: str
    used: list[Evidence] = field(default_factory=list)
    choice: int | None = None  # the option picked (multiple choice)
    count: int | None = None  # the number stated, for "how many" questions

    @property
    def citations(self) -> list[Span]:
        seen, out = set(), []
        for ev in sorted(self.used, key=lambda e: e.t_start):
            key = (round(ev.t_start, 2), round(ev.t_end, 2))
            if key not in seen:
                seen.add(key)
                out.append(ev.span())
        return out


def quote(ev: Evidence) -> str:
    """One row as a cited statement."""
    when = span_text(ev.t_start, ev.t_end)
    if ev.kind is EvidenceKind.TEXT:
        return f"the screen showed “{ev.content}” ({when})"
    if ev.kind is EvidenceKind.SPEECH:
        return f"someone said “{ev.content}” ({when})"
    if ev.kind is EvidenceKind.LABEL:
        return f"it {ev.content.replace('looks like:', 'looks like')} (an image-classifier guess, {when})"
    if ev.kind is EvidenceKind.CAPTION:
        return f"the scene was described as “{ev.content}” ({when})"
    if ev.kind is EvidenceKind.MOTION:
        return f"I saw {ev.content} ({when})"
    return f"{ev.content} ({when})"


def _about(q: Query) -> str:
    return q.quoted or q.target or "that"


def _upto(q: Query) -> str:
    if q.scope is Scope.NOW:
        return f"now ({fmt_time(q.now)})"
    if q.scope in (Scope.AT, Scope.WINDOW) and q.window is not None:
        return f"between {fmt_time(q.window.t_start)} and {fmt_time(min(q.window.t_end, q.now))}"
    return f"so far (up to {fmt_time(q.now)})"


def not_found(q: Query, kinds: tuple[EvidenceKind, ...]) -> Composed:
    verb = "heard" if kinds == (EvidenceKind.SPEECH,) else "seen" if EvidenceKind.SPEECH not in kinds else "seen or heard"
    return Composed(f"I haven't {verb} anything about “{_about(q)}” {_upto(q)}.")


# A detector misses a person in some frames (gen:people: found in 1 frame of 2-3): "who is there" and
# "what is she wearing" look back this far for the latest frame that had one.
RECENT_S = 3.0


# A thing named with its number ("step 2", "gate 7", "room 12"): the number decides which one
_LABELLED = re.compile(r"\b(step|part|chapter|section|slide|page|gate|room|platform|dock|door|floor|level|bus|route|lane|"
                       r"exit|track|stage|lesson|tip|question|episode|round|day|week|table|seat|row|aisle)\s+(\d+)\b")


def labelled(q: Query, found: list[Scored]) -> list[Scored]:
    """`found` without the rows that lack the number of a thing the question names by number: "what's step
    2?" is not answered by "Step 1: Mash the bananas"."""
    names = _LABELLED.findall(" ".join(words(q.target or "")))
    if not names:
        return found
    return [s for s in found if all(lexical_words(f"{k} {n}", s.row.content) >= 1.0 for k, n in names)]


def lookup(q: Query, f: EvidenceFinder, kinds: tuple[EvidenceKind, ...] | None = None, n: int = 2) -> Composed:
    """What was read or heard about the target: the best matching rows, quoted."""
    kinds = kinds or kinds_for(q)
    found = labelled(q, f.matching(q, kinds))
    if not found:
        return not_found(q, kinds)
    best = _best(found, n)
    rows = _with_beside(f, q, [s.row for s in best])
    return Composed(_sentence("; ".join(quote(r) for r in rows)), rows)


BESIDE_S = 1.0  # on-screen lines that came up within a second of each other are one graphic (a lower third)


def _with_beside(f: EvidenceFinder, q: Query, rows: list[Evidence]) -> list[Evidence]:
    """The rows, each on-screen line followed by the lines shown with it ("Dr. Maya Chen" with
    "Ornithologist, Lakeside University"): the line that matched is often not the one that answers."""
    kinds = {r.kind for r in rows}
    text = f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,)) if EvidenceKind.TEXT in kinds else []
    said = f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH,)) if EvidenceKind.SPEECH in kinds else []
    seen = [o for o in text if o.t_start <= q.now]
    out: list[Evidence] = []
    for r in rows:
        out += _companions(fuller(r, seen), text) if r.kind is EvidenceKind.TEXT else reply(r, said, q.now) \
            if r.kind is EvidenceKind.SPEECH else [r]
    return _one_per_line(_uniq(out))


def _companions(row: Evidence, text: list[Evidence]) -> list[Evidence]:
    """`beside`, except that a line of a full page (a slide's bullet, "• Average gap: 2.9°C") is its own
    answer: its page's other lines would only bury it (and state other numbers)."""
    group = beside(row, text)
    if len(group) > 3 and (_BULLET.match(row.content) or len(row.content.split()) > 4):
        return [row]
    if len(group) == 1 and len(row.content.split()) <= 3 and row.t_end - row.t_start > PASSING_S:
        # a heading ("Pros", "TIP") whose lines were read a moment later: the lines shown under it
        group += [o for o in text if o is not row and 0 <= o.t_start - row.t_start <= HEADING_S
                  and o.t_start < row.t_end and not _PAGE.match(o.content)][:5]
    return group


HEADING_S = 2.5  # OCR reads a card's lines up to two runs after its heading


_BULLET = re.compile(r"^\s*[•·▪‣◦*-]\s")


def _one_per_line(rows: list[Evidence]) -> list[Evidence]:
    """One quote per on-screen line: a line read again inside a ticker's run ("day • City library to
    open on Sundays •") adds nothing to the line itself."""
    def inside(a: Evidence, b: Evidence) -> bool:
        return a is not b and a.kind is b.kind is EvidenceKind.TEXT and "•" in b.content and _norm(a.content) in _norm(b.content)
    return [r for r in rows if not any(inside(o, r) for o in rows)]


PASSING_S = 3.0  # a line read for no longer than this (two OCR reads) may be part of one scrolling past


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[\w%°£$€.,:@/-]+", text.lower()))


def fuller(row: Evidence, text: list[Evidence]) -> Evidence:
    """The whole line when `row` is a piece of it: a ticker is read as it scrolls ("Ferry fares rise 1",
    then "Ferry fares rise 10% from Monday"), a line coming on screen is read half-drawn. A piece is a
    line cut mid-word at either end ("new ri", "w river bridge") or one read only briefly; a sign that
    stayed whole on screen ("EXIT") is never swapped for a longer one ("EXIT 5"). The whole line keeps
    its own times; a ticker's line is cut out of the run it was read in ("… • Ferry fares … • …")."""
    key = _norm(row.content)
    if len(key) < 4 or "•" in row.content:
        return row
    brief = row.t_end - row.t_start <= PASSING_S
    best: tuple[int, float, Evidence] | None = None
    for o in text:
        for seg in o.content.split("•"):
            whole = _norm(seg)
            at = whole.find(key)
            if at < 0 or len(whole) <= len(key) or not (brief or _cut(whole, at, at + len(key))):
                continue
            rank = (len(whole), -abs(o.t_start - row.t_start))
            if best is None or rank > best[:2]:
                best = (*rank, replace(o, content=seg.strip()) if seg.strip() != o.content.strip() else o)
    return best[2] if best else row


def _cut(whole: str, a: int, b: int) -> bool:
    """The piece whole[a:b] starts or ends inside a word of the whole line."""
    return (a > 0 and whole[a - 1].isalnum() and whole[a].isalnum()) or \
        (b < len(whole) and whole[b - 1].isalnum() and whole[b].isalnum())


REPLY_S = 3.0  # an answer starts within this of the question it answers (the interview clip: 0.5-1 s)


INTRO_S = 1.5  # a short sentence ("One warning.", "Here's a tip.") runs into the next one this soon


def next_said(row: Evidence, said: list[Evidence], now: float, within: float = REPLY_S) -> Evidence | None:
    """What was said next after `row`: the first sentence starting within `within` s of its end (half a
    second of overlap allowed), said by `now`; None when nothing was."""
    return next((o for o in said if o is not row and row.t_end - 0.5 <= o.t_start <= row.t_end + within
                 and o.t_start <= now), None)


def reply(row: Evidence, said: list[Evidence], now: float) -> list[Evidence]:
    """A question that was said, with what was said next (its answer): "how long does your drive
    take?" matched the asked words, "About forty minutes" is the answer. A short lead-in ("One
    warning.") comes with the sentence it introduces; a sentence transcribed in pieces, whole."""
    if row.content.rstrip().endswith("?"):
        nxt = next_said(row, said, now)
    else:
        nxt = next_said(row, said, now, INTRO_S) if len(row.content.split()) <= 3 else None
    if nxt is None:
        return continued(row, said, now)
    return [row, nxt]


PIECE_GAP_S = 0.6  # pieces of one sentence (cut at a pause or a question) follow within this


def continued(row: Evidence, said: list[Evidence], now: float) -> list[Evidence]:
    """A sentence heard in pieces ("There is a long queue at the ticket office." — "about 20 people."): the
    row with the piece before it when it starts in lower case, and the pieces after it that do."""
    out = [row]
    while out[0].content[:1].islower() and (p := _piece(out[0], said, before=True)) is not None:
        out.insert(0, p)
    while (n := _piece(out[-1], said, before=False)) is not None and n.t_start <= now and n.content[:1].islower():
        out.append(n)
    return out


def _piece(row: Evidence, said: list[Evidence], before: bool) -> Evidence | None:
    if before:
        return next((o for o in reversed(said) if o is not row and 0 <= row.t_start - o.t_end <= PIECE_GAP_S), None)
    return next((o for o in said if o is not row and 0 <= o.t_start - row.t_end <= PIECE_GAP_S), None)


def beside(row: Evidence, text: list[Evidence]) -> list[Evidence]:
    """The row and the on-screen lines that came up and went with it, as read; none for a line read
    only in passing (a ticker's pieces all come and go together, every two seconds)."""
    together = [o for o in text if o is not row and abs(o.t_start - row.t_start) <= BESIDE_S
                and abs(o.t_end - row.t_end) <= BESIDE_S and not _PAGE.match(o.content)]  # came and went together
    if row.t_end - row.t_start <= PASSING_S:  # a ticker's piece, or a panel just put up: its lines stacked under it
        latest = max((o.t_end for o in text), default=row.t_end)
        up = row.t_end >= latest - 0.5  # still on screen at the last read: put up just now, not gone by
        return [row] + _uniq(panel(row, together) + (banded(row, together) if up else []))[:5]
    mates = row_mates(row, text)  # a board's row read in pieces: that row, not the whole board
    return [row] + (mates[:5] or together[:5])  # (a slide: title, 4 lines)


def panel(row: Evidence, others: list[Evidence]) -> list[Evidence]:
    """The lines stacked with `row` in one block ("VOTE RESULT" over "In favour: 7" over "Against: 2"):
    each is aligned with the next (left edges or centres) and sits at most a line's height below or above
    it. A ticker's pieces lie side by side on one band and never stack; lines without boxes are left out."""
    block = [row] if _box(row) is not None else []
    rest = [o for o in others if _box(o) is not None]
    grown = True
    while grown:
        grown = False
        for o in list(rest):
            if any(_stacked(_box(p), _box(o)) for p in block):
                block.append(o)
                rest.remove(o)
                grown = True
    return sorted(block[1:], key=lambda o: _box(o).y0)


ALIGN = 0.03  # lines of one block share a left edge (a lower third) or a centre (a results panel), frame fractions


def aligned(a, b) -> bool:
    """Two boxes share a left edge or a centre (within ALIGN)."""
    return abs(a.x0 - b.x0) <= ALIGN or abs((a.x0 + a.x1) - (b.x0 + b.x1)) / 2 <= ALIGN


def _stacked(a, b) -> bool:
    gap = max(b.y0 - a.y1, a.y0 - b.y1)  # negative: overlapping; by most of a height: on the same band
    # OCR boxes of stacked lines overlap by up to a quarter of a line (a lower third: 0.011 of 0.08)
    return aligned(a, b) and -STACK_OVERLAP * min(a.y1 - a.y0, b.y1 - b.y0) <= gap <= max(a.y1 - a.y0, b.y1 - b.y0)


STACK_OVERLAP = 0.25


_HEADING_WORDS = set("part chapter section step lesson episode what why how who where when they them the a an of "
                     "do does is are and to".split())


ECHO_SLACK = 0.2  # a row this much weaker that says something beats a heading that only repeats the question


def echo(row: Evidence, question: str) -> bool:
    """A line that only repeats the question's words ("Part 2: What they eat" for "what do they eat?"):
    a heading over the answer, not the answer."""
    asked = {stem(w) for w in re.findall(r"[a-z]+", question.lower())}
    own = {stem(w) for w in re.findall(r"[a-z]+", row.content.lower())} - _HEADING_WORDS
    # "Offline mode: 31%" holds a value; "Part 2: What they eat" only a heading's number
    unnumbered = re.sub(r"\b(?:part|chapter|step|section|episode|lesson|slide|page|no)\.?\s*\d+", "", row.content, flags=re.I)
    values = set(re.findall(r"\d+", unnumbered)) - set(re.findall(r"\d+", question))
    return bool(own) and own <= asked and not values


def _not_echo(found: list[Scored], question: str) -> list[Scored]:
    """`found` without the rows that only echo the question when a nearly as good row does not."""
    if not found:
        return found
    top = found[0].score
    said = [s for s in found if s.score >= top - ECHO_SLACK and not echo(s.row, question)]
    return [s for s in found if not echo(s.row, question)] if said else found


def _best(found: list[Scored], n: int) -> list[Scored]:
    """The top rows, and others as good (within 0.05), in time order."""
    top = found[0].score
    keep = [s for s in found if s.score >= top - 0.05][:n]
    return sorted(keep, key=lambda s: s.row.t_start)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."




def _uniq(rows: list[Evidence]) -> list[Evidence]:
    out = []
    for r in rows:
        if all(r is not o for o in out):
            out.append(r)
    return out


def _lower_first(text: str) -> str:
    """A sentence joined after "No, ": its first letter lower-cased, but never the pronoun I."""
    return text if re.match(r"I\b", text) else text[:1].lower() + text[1:]
