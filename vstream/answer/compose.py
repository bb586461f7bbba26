"""Evidence → an answer that quotes and cites, or says honestly what was not seen or heard.

One function per answer type; each returns the sentence and the rows it used (their spans are
the citations). Nothing here states a number, name or quote that is not in a row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from memory.records import Evidence, EvidenceKind, ObjectsData, Span
from vstream.answer.evidence import LEXICAL_MIN, EvidenceFinder, Scored, kinds_for, lexical, members
from vstream.answer.query import GROUPS, AnswerType, Modality, Query, Scope, plural


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


# ---- objects ------------------------------------------------------------------------------------------


def _no_detector(cls: str) -> Composed:
    return Composed(f"I can't count or find {plural(cls, 2)}: object detection is not running on this stream "
                    "(it is off, or its weights are not installed).")


# How detector classes read in answers: COCO's "truck" is what a van or lorry is detected as.
DISPLAY = {"truck": "truck/van"}


def _counts_phrase(row: Evidence) -> str:
    data = row.data if isinstance(row.data, ObjectsData) else ObjectsData()
    parts = [f"{n} {plural(DISPLAY.get(c, c), n)}" for c, n in data.counts if n]
    return ", ".join(parts) if parts else "no people or objects"


def _seen_members(row: Evidence | None, cls: str) -> str:
    """"2 cars, 1 truck/van" for the classes of a group present in a row."""
    if row is None or not isinstance(row.data, ObjectsData):
        return ""
    parts = [f"{row.data.count(c)} {plural(DISPLAY.get(c, c), row.data.count(c))}" for c in members(cls) if row.data.count(c)]
    return ", ".join(parts)


def how_many_objects(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    if not f.has_detector():
        return _no_detector(cls)
    if q.scope is Scope.ALL and not q.most:
        tracks = f.tracks(q, cls)
        if tracks:
            return Composed(f"I have seen {len(tracks)} different {plural(_name(cls), len(tracks))} so far "
                            f"(first at {fmt_time(tracks[0].t_start)}).", tracks, count=len(tracks))
    if q.most or q.scope in (Scope.WINDOW, Scope.ALL):
        rows = f.rows(q, (EvidenceKind.OBJECTS,))
        if rows:
            best = max(rows, key=lambda r: (f.count(r, cls), -r.t_start))
            n = f.count(best, cls)
            return Composed(f"At most {n} {plural(_name(cls), n)} were in view {_upto(q)}, "
                            f"{span_text(best.t_start, best.t_end)}.", [best], count=n)
    t = q.point
    row = f.objects_at(q, t)
    n = f.count(row, cls)
    if row is None:
        return Composed(f"I have no detections at {fmt_time(t)}.")
    return Composed(f"I count {n} {plural(_name(cls), n)} in view at {fmt_time(min(row.t_end, t))}.", [row], count=n)


def _name(cls: str) -> str:
    return DISPLAY.get(cls, cls)


def objects_present(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    """Is there / was there a <cls>?"""
    if not f.has_detector():
        return _no_detector(cls)
    name = _name(cls)
    if q.scope is Scope.NOW or q.scope is Scope.AT:
        row = f.objects_at(q, q.point)
        n = f.count(row, cls)
        if n:
            what = _seen_members(row, cls) or f"{n} {plural(name, n)}"
            return Composed(f"Yes — {what} in view at {fmt_time(min(row.t_end, q.point))}.", [row])
        similar = _seen_members(row, "vehicle") if cls in GROUPS["vehicle"] else ""
        if similar:
            return Composed(f"No {name} as such, but I see {similar} at {fmt_time(min(row.t_end, q.point))}.", [row])
        earlier = _first_seen(q, f, cls)
        tail = f" (one was in view {span_text(earlier.t_start, earlier.t_end)})" if earlier else \
            f", and I haven't seen any {plural(name, 2)} so far"
        return Composed(f"No — no {name} in view at {fmt_time(q.point)}{tail}.", [earlier] if earlier else [])
    seen = _first_seen(q, f, cls)
    if seen is None:
        return Composed(f"No, I haven't seen any {plural(name, 2)} {_upto(q)}.")
    what = _seen_members(seen, cls) if seen.kind is EvidenceKind.OBJECTS else DISPLAY.get(seen.data.label, seen.data.label)
    return Composed(f"Yes — {what or name} in view {span_text(seen.t_start, seen.t_end)}.", [seen])


def _first_seen(q: Query, f: EvidenceFinder, cls: str) -> Evidence | None:
    tracks = f.tracks(q, cls)
    if tracks:
        return tracks[0]
    for row in f.rows(q, (EvidenceKind.OBJECTS,)):
        if f.count(row, cls):
            return row
    return None


_LEAVE = re.compile(r"\b(leave|left|leaves|disappear|disappeared|exit|exited|go away|went away|gone)\b")


def when_objects(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    if not f.has_detector():
        return _no_detector(cls)
    tracks = f.tracks(q, cls)
    if _LEAVE.search(q.question.lower()):
        return when_left(q, f, cls, tracks)
    if tracks:
        first = tracks[0]
        more = f"; {len(tracks)} different {plural(_name(cls), len(tracks))} in all" if len(tracks) > 1 else ""
        return Composed(f"A {_name(cls)} first appeared at {fmt_time(first.t_start)} (in view until "
                        f"{fmt_time(first.t_end)}){more}.", tracks[:3])
    seen = _first_seen(q, f, cls)
    if seen is None:
        return Composed(f"I haven't seen any {plural(_name(cls), 2)} {_upto(q)}.")
    return Composed(f"A {_name(cls)} was first in view at {fmt_time(seen.t_start)}.", [seen])


def when_left(q: Query, f: EvidenceFinder, cls: str, tracks: list[Evidence]) -> Composed:
    """When did the (last) <cls> leave: the end of the track seen last, unless still in view."""
    gone = [t for t in tracks if t.t_end < q.now - 1.0]
    if not gone:
        row = f.objects_at(q, q.now)
        if f.count(row, cls):
            return Composed(f"None has left: {f.count(row, cls)} {plural(_name(cls), f.count(row, cls))} still in view "
                            f"at {fmt_time(q.now)}.", [row])
        return Composed(f"I haven't seen any {plural(_name(cls), 2)} leave {_upto(q)}.")
    last = max(gone, key=lambda t: t.t_end)
    return Composed(f"The last {_name(cls)} left at {fmt_time(last.t_end)} (in view from {fmt_time(last.t_start)}).",
                    [last])


# ---- text and speech --------------------------------------------------------------------------------


def lookup(q: Query, f: EvidenceFinder, kinds: tuple[EvidenceKind, ...] | None = None, n: int = 2) -> Composed:
    """What was read or heard about the target: the best matching rows, quoted."""
    kinds = kinds or kinds_for(q)
    found = f.matching(q, kinds)
    if not found:
        return not_found(q, kinds)
    best = _best(found, n)
    return Composed(_sentence("; ".join(quote(s.row) for s in best)), [s.row for s in best])


def _best(found: list[Scored], n: int) -> list[Scored]:
    """The top rows, and others as good (within 0.05), in time order."""
    top = found[0].score
    keep = [s for s in found if s.score >= top - 0.05][:n]
    return sorted(keep, key=lambda s: s.row.t_start)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def what_shown(q: Query, f: EvidenceFinder) -> Composed:
    generic = not q.target or lexical(q.target, "what text does the sign say written shown board") >= 0.5
    if not generic:
        return lookup(q, f, (EvidenceKind.TEXT,))
    rows = f.rows(q, (EvidenceKind.TEXT,))
    if q.scope is Scope.ALL:
        rows = rows[-6:]
    elif q.scope is Scope.AT:
        at = [r for r in rows if r.t_start - 1.0 <= q.point <= r.t_end + 1.0]
        rows = at or sorted(rows, key=lambda r: min(abs(r.t_start - q.point), abs(r.t_end - q.point)))[:2]
    if not rows:
        return Composed(f"I haven't seen any text on screen {_upto(q)}.")
    lines = "; ".join(f"“{r.content}” ({span_text(r.t_start, r.t_end)})" for r in rows[:6])
    return Composed(f"Text on screen {_upto(q)}: {lines}.", rows[:6])


def what_said(q: Query, f: EvidenceFinder) -> Composed:
    if q.target and not re.fullmatch(r"(anything|something|someone|somebody|anyone|people|person|they|he|she)?", q.target):
        found = f.matching(q, (EvidenceKind.SPEECH,))
        if found:
            best = _best(found, 3)
            return Composed(_sentence("; ".join(quote(s.row) for s in best)), [s.row for s in best])
    rows = f.rows(q, (EvidenceKind.SPEECH,))
    if not rows:
        return Composed(f"I haven't heard any speech {_upto(q)}.")
    rows = rows[-3:]
    return Composed(_sentence("; ".join(quote(r) for r in rows)), rows)


def when_said_or_shown(q: Query, f: EvidenceFinder) -> Composed:
    kinds = kinds_for(q)
    found = [s for s in f.matching(q, kinds) if s.score >= LEXICAL_MIN]
    if not found:
        return not_found(q, kinds)
    top = found[0].score
    rows = sorted((s.row for s in found if s.score >= top - 0.1), key=lambda r: r.t_start)[:5]
    return Composed(_sentence("; ".join(quote(r) for r in rows)), rows)


# ---- scenes and descriptions ---------------------------------------------------------------------------


def scene_changes(q: Query, f: EvidenceFinder) -> Composed:
    if q.scope is Scope.NOW:
        q = replace(q, scope=Scope.ALL)  # "how many cuts?" counts them so far
    rows = f.rows(q, (EvidenceKind.SCENE,))
    if not rows:
        return Composed(f"0 scene changes {_upto(q)}: I haven't seen any.", count=0)
    times = ", ".join(fmt_time(r.t_start) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
    return Composed(f"{len(rows)} scene change{'s' if len(rows) != 1 else ''} {_upto(q)}: at {times}.", rows,
                    count=len(rows))


def describe(q: Query, f: EvidenceFinder) -> Composed:
    parts, used = [], []
    objects = f.rows(q, (EvidenceKind.OBJECTS,))
    if objects:
        row = objects[-1] if q.scope is Scope.NOW else max(objects, key=lambda r: sum(n for _, n in r.data.counts))
        parts.append(f"{_counts_phrase(row)} in view ({span_text(row.t_start, row.t_end)})")
        used.append(row)
    texts = f.rows(q, (EvidenceKind.TEXT,))[-3:]
    if texts:
        parts.append("on screen " + ", ".join(f"“{r.content}”" for r in texts))
        used += texts
    speech = f.rows(q, (EvidenceKind.SPEECH,))[-2:]
    used += speech
    parts += [quote(r) for r in speech]
    captions = f.rows(q, (EvidenceKind.CAPTION,))[-1:]
    used += captions
    parts += [quote(r) for r in captions]
    labels = f.rows(q, (EvidenceKind.LABEL,))[-1:]
    if labels and not captions:
        parts.append(quote(labels[0]))
        used += labels
    cuts = f.rows(q, (EvidenceKind.SCENE,))
    if cuts and q.scope is not Scope.NOW:
        parts.append(f"{len(cuts)} scene change{'s' if len(cuts) != 1 else ''}")
        used += cuts[:5]
    if not parts:
        return Composed(f"I haven't seen anything I can describe {_upto(q)} (no people, objects, text or speech recognised).")
    return Composed(f"{_upto(q)[:1].upper()}{_upto(q)[1:]}: " + "; ".join(parts) + ".", used)


def identify(q: Query, f: EvidenceFinder) -> Composed:
    """'what animal is this?', 'what is that?': detections first, then the classifier's guess."""
    cls = q.object_class
    row = f.objects_at(q, q.point) if q.scope is not Scope.ALL else None
    if row is not None:
        names = [c for c, n in row.data.counts if n and (cls is None or c in members(cls))]
        if names:
            return Composed(f"I see {', '.join(f'a {c}' for c in names)} at {fmt_time(min(row.t_end, q.point))}.", [row])
    labels = f.rows(q, (EvidenceKind.LABEL,))
    if labels:
        last = labels[-1]
        return Composed(_sentence(quote(last)), [last])
    return Composed(f"I can't tell {_upto(q)}: I haven't recognised anything in view.")


def activity(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    """Actions, colours, appearance: the lite senses cannot see them; say so, give what they do see."""
    row = f.objects_at(q, q.point) if f.has_detector() else None
    seen = f" I see {_counts_phrase(row)} at {fmt_time(min(row.t_end, q.point))}." if row is not None else ""
    said = f.matching(q, kinds_for(q))
    if said:
        best = _best(said, 1)[0].row
        return Composed(_sentence(quote(best)), [best] + ([row] if row else []))
    return Composed(f"I can't tell that from what I recognise (people and objects, on-screen text, speech).{seen}",
                    [row] if row else [])


# ---- dispatch ------------------------------------------------------------------------------------------

_ACTIVITY = re.compile(r"\b(doing|wearing|colou?r|holding|look like|looks like|happy|sad|angry|carrying|eating|"
                       r"drinking|playing|using|riding|driving|sitting|standing|running|walking towards)\b")


def compose(q: Query, f: EvidenceFinder) -> Composed:
    t, cls = q.answer_type, q.object_class
    speech_or_text = bool(q.modalities & {Modality.SPEECH, Modality.TEXT})
    if Modality.SCENE in q.modalities and t in (AnswerType.HOW_MANY, AnswerType.WHEN, AnswerType.YES_NO):
        return scene_changes(q, f)
    if t is AnswerType.HOW_MANY:
        if cls and not speech_or_text:
            return how_many_objects(q, f, cls)
        return count_mentions(q, f)
    if t is AnswerType.WHEN:
        if cls and not speech_or_text and not q.quoted:
            return when_objects(q, f, cls)
        return when_said_or_shown(q, f)
    if t is AnswerType.YES_NO:
        if cls and not speech_or_text and not q.quoted:
            return objects_present(q, f, cls)
        return yes_no(q, f)
    if t is AnswerType.WHAT_SHOWN:
        return what_shown(q, f)
    if t is AnswerType.WHAT_SAID:
        return what_said(q, f)
    if t is AnswerType.DESCRIBE:
        return describe(q, f)
    return open_question(q, f)


def open_question(q: Query, f: EvidenceFinder) -> Composed:
    """what / who / where: what was read or heard about it; else what is seen."""
    cls = q.object_class
    low = q.question.lower()
    if re.search(r"\b(animal|animals|creature|bird|pet)\b", low) and not (q.modalities & {Modality.SPEECH, Modality.TEXT}):
        return identify(replace(q, object_class="animal"), f)
    wide = replace(q, scope=Scope.ALL) if q.window is None else q
    found = f.matching(wide, kinds_for(q)) if q.target else []
    if found:
        best = _best(found, 2)
        return Composed(_sentence("; ".join(quote(s.row) for s in best)), [s.row for s in best])
    if q.answer_type is AnswerType.WHO and cls == "person":
        return who(q, f)
    if cls and (_ACTIVITY.search(low) or q.answer_type is AnswerType.WHO):
        return activity(q, f, cls)
    if re.match(r"what(?:'s| is) (?:this|that|it)\b", low) or (cls is None and not q.target):
        return identify(q, f)
    if cls:
        return objects_present(replace(q, scope=Scope.NOW) if q.scope is Scope.ALL else q, f, cls)
    return not_found(q, kinds_for(q))


def who(q: Query, f: EvidenceFinder) -> Composed:
    """People can't be recognised by name here: say how many are in view (and when)."""
    if not f.has_detector():
        return _no_detector("person")
    row = f.objects_at(q, q.point)
    n = f.count(row, "person")
    if n:
        return Composed(f"I can't tell who they are, but I see {n} {plural('person', n)} in view at "
                        f"{fmt_time(min(row.t_end, q.point))}.", [row])
    return Composed(f"I don't see anyone in view at {fmt_time(q.point)}.", [row] if row else [])


def yes_no(q: Query, f: EvidenceFinder) -> Composed:
    kinds = kinds_for(q)
    if not q.target and kinds == (EvidenceKind.TEXT,):  # "anything written on screen?"
        shown = what_shown(q, f)
        return Composed(("Yes — " + shown.text) if shown.used else ("No, " + shown.text[0].lower() + shown.text[1:]),
                        shown.used)
    found = f.matching(q, kinds)
    if not found:
        base = not_found(q, kinds)
        return Composed("No, " + base.text[0].lower() + base.text[1:])
    best = _best(found, 2)
    return Composed("Yes — " + "; ".join(quote(s.row) for s in best) + ".", [s.row for s in best])


_UTTERANCES = re.compile(r"\b(announcements?|things? (?:said|mentioned)|times? (?:someone|anyone) spoke|sentences?|"
                         r"messages?|remarks?|speakers?)\b")


def count_mentions(q: Query, f: EvidenceFinder) -> Composed:
    kinds = kinds_for(q)
    if _UTTERANCES.search(q.question.lower()):  # "how many announcements?": every segment of speech
        q = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
        rows = f.rows(q, (EvidenceKind.SPEECH,))
        if not rows:
            return Composed(f"I haven't heard any speech {_upto(q)}.", count=0)
        return Composed(f"I heard {len(rows)} {'thing' if len(rows) == 1 else 'things'} said {_upto(q)}: "
                        + "; ".join(f"“{r.content}” ({span_text(r.t_start, r.t_end)})" for r in rows[:6]) + ".",
                        rows, count=len(rows))
    found = [s for s in f.matching(q, kinds) if s.score >= LEXICAL_MIN]
    if not found:
        return replace(not_found(q, kinds), count=0)
    rows = sorted((s.row for s in found), key=lambda r: r.t_start)
    verb = "heard" if kinds == (EvidenceKind.SPEECH,) else "seen"
    times = ", ".join(fmt_time(r.t_start) for r in rows[:10])
    return Composed(f"{len(rows)} time{'s' if len(rows) != 1 else ''} {verb} {_upto(q)}: at {times}.", rows,
                    count=len(rows))


# ---- multiple choice ----------------------------------------------------------------------------------

_LETTER = re.compile(r"^\s*\(?([A-Za-z])[.):]\s+")


def option_text(option: str) -> str:
    return _LETTER.sub("", option).strip()


def choose(q: Query, f: EvidenceFinder, base: Composed) -> Composed:
    """Score each option against the answer the evidence gives to the bare question: a number
    equal to the count stated, else the words of the quoted evidence, else meaning (MiniLM)."""
    opts = [option_text(o) for o in q.options]
    said = base.text + " " + " ".join(ev.content for ev in base.used)
    scores = []
    for o in opts:
        s = lexical(o, said)
        if re.fullmatch(r"\d+", o) and base.count is not None:
            s = 2.0 if int(o) == base.count else 0.0
        scores.append(s)
    if max(scores) < LEXICAL_MIN:
        vecs = f.view.embedder.embed([said] + opts)
        scores = [float(v @ vecs[0]) for v in vecs[1:]]
    i = max(range(len(opts)), key=lambda k: scores[k])
    letter = _LETTER.match(q.options[i])
    head = f"{letter.group(1).upper()}. {opts[i]}" if letter else opts[i]
    return Composed(f"{head} — {base.text}", base.used, i)
