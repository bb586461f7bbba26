"""Evidence → an answer that quotes and cites, or says honestly what was not seen or heard.

One function per answer type; each returns the sentence and the rows it used (their spans are
the citations). Nothing here states a number, name or quote that is not in a row."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from memory.records import Evidence, EvidenceKind, ObjectsData
from retrieval.timeparse import TimeWindow
from vstream.answer.evidence import (
    _PAGE,
    LEXICAL_MIN,
    EvidenceFinder,
    Scored,
    kinds_for,
    lexical,
    lexical_words,
    members,
    motion_fit,
    numbers_hidden,
    row_mates,
    stem,
    words,
)
from vstream.answer.ownwords import (
    _BY_ROLE,
    _CAPTION_WORDS,
    _CLOCK,
    _DURATION,
    _FROM_Q,
    _HABIT,
    _HOW_LONG_WILL,
    _MAKER_LINE,
    _NAME_Q,
    _ROLE_Q,
    _SEQ,
    _SUMMARY,
    THING_NAMES,
    TIME_LEFT_Q,
    TITLE_Q,
    addressed,
    asked_name,
    brand,
    by_role,
    callee,
    cameras_seen,
    caption_answer,
    card_of,
    changed,
    clock_now,
    count_shown,
    countdown,
    graphic,
    habit,
    last_caption,
    listed_count,
    name_line,
    named_row,
    no_name,
    order,
    questions_asked,
    ranked,
    reason,
    role_answer,
    sequence,
    series_list,
    source_label,
    spoken_name,
    stated_duration,
    summary,
    title,
    trend,
)
from vstream.answer.phrasing import (
    BESIDE_S,
    RECENT_S,
    Composed,
    _about,
    _best,
    _lower_first,
    _not_echo,
    _sentence,
    _uniq,
    _upto,
    _with_beside,
    beside,
    continued,
    echo,
    fmt_time,
    fuller,
    labelled,
    lookup,
    not_found,
    quote,
    reply,
    span_text,
)
from vstream.answer.query import (
    GROUPS,
    OBJECT_WORDS,
    AnswerType,
    Modality,
    Query,
    Scope,
    analyze,
    asks_past,
    departure,
    plural,
)
from vstream.answer.voices import (
    addressee,
    answering,
    by_speaker,
    handed_to,
    own_name,
    speaker,
    voice_word,
)
from vstream.senses.colour import where

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


def sighting(q: Query, f: EvidenceFinder, cls: str | None, back: float = RECENT_S) -> tuple[Evidence, list] | None:
    """The latest OBJECTS row in the `back` seconds up to the moment asked that has the class
    (any class when None), with those boxes."""
    t = q.point
    window = replace(q, scope=Scope.WINDOW, window=TimeWindow(max(0.0, t - back), t, "last"))
    wanted = members(cls) if cls else None
    for row in reversed(f.rows(window, (EvidenceKind.OBJECTS,))):
        boxes = [b for b in getattr(row.data, "boxes", ()) if wanted is None or b.label in wanted]
        if boxes:
            return row, sorted(boxes, key=lambda b: b.x0)
    return None


def _in_view(q: Query) -> str:
    """'in view', or 'in view on the grass' for a question narrowed to a part of the picture."""
    return "in view" + (f" {q.place.words}" if q.place is not None and q.place.objects else "")


def _box_phrase(b) -> str:
    """'a person in red (left)', 'a truck/van, white (top right)'."""
    spot = where((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2)
    name = DISPLAY.get(b.label, b.label)
    if b.label == "person":
        return f"a person in {b.colour} ({spot})" if b.colour else f"a person ({spot})"
    return f"a {b.colour} {name} ({spot})" if b.colour else f"a {name} ({spot})"


def boxes_phrase(boxes, limit: int = 5) -> str:
    parts = [_box_phrase(b) for b in boxes[:limit]]
    return ", ".join(parts) + (f" and {len(boxes) - limit} more" if len(boxes) > limit else "")


def how_many_objects(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    if not f.has_detector(q):
        return _no_detector(cls)
    if q.scope is Scope.ALL and not q.most and q.place is None:  # a track is not placed: counts by frame
        tracks = lasting(f.tracks(q, cls))
        if tracks:
            return Composed(f"I have seen {len(tracks)} different {plural(_name(cls), len(tracks))} so far "
                            f"(first at {fmt_time(tracks[0].t_start)}).", tracks, count=len(tracks))
    if q.most or q.scope in (Scope.WINDOW, Scope.ALL):
        rows = f.rows(q, (EvidenceKind.OBJECTS,))
        if rows:
            best = max(rows, key=lambda r: (f.count(r, cls), -r.t_start))
            n = f.count(best, cls)
            return Composed(f"At most {n} {plural(_name(cls), n)} {'was' if n == 1 else 'were'} {_in_view(q)} {_upto(q)}, "
                            f"{span_text(best.t_start, best.t_end)}.", [best], count=n)
    t = q.point
    row = f.objects_at(q, t, cls)
    n = f.count(row, cls)
    if row is None:
        return Composed(f"I have no detections at {fmt_time(t)}.")
    note = _unplaced(q, f, cls)
    where = "in view" if note.startswith(" (I can't see the ground") else _in_view(q)
    return Composed(f"I count {n} {plural(_name(cls), n)} {where} at {fmt_time(min(row.t_end, t))}{note}.", [row], count=n)


def _unplaced(q: Query, f: EvidenceFinder, cls: str) -> str:
    """For "on the grass": the ones in view whose ground could not be told (feet cut by the frame,
    a floor neither grass nor paving), said beside the count rather than counted either way."""
    if q.place is None or not q.place.ground:
        return ""
    row = f.objects_at(replace(q, place=None), q.point, cls)
    unknown = [b for b in (row.data.boxes if row is not None else ()) if b.label in members(cls) and not b.ground]
    if not unknown:
        return ""
    if not any(b.ground for b in row.data.boxes):  # the frame was not narrowed (see evidence.placed)
        return f" (I can't see the ground under them to tell which are {q.place.words})"
    return f" ({len(unknown)} more in view whose ground I can't see: {boxes_phrase(unknown, 3)})"


# A tracker splits one person into several tracks when they are hidden for a moment; tracks this
# short are mostly such fragments (or false detections) and are not counted as someone new.
MIN_TRACK_S = 2.0


def lasting(tracks: list[Evidence]) -> list[Evidence]:
    return [t for t in tracks if t.t_end - t.t_start >= MIN_TRACK_S]


def _name(cls: str) -> str:
    return DISPLAY.get(cls, cls)


def objects_present(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    """Is there / was there a <cls>?"""
    if not f.has_detector(q):
        return _no_detector(cls)
    name = _name(cls)
    if q.scope is Scope.NOW or q.scope is Scope.AT:
        row = f.objects_at(q, q.point, cls)
        n = f.count(row, cls)
        if n:
            what = _seen_members(row, cls) or f"{n} {plural(name, n)}"
            return Composed(f"Yes — {what} {_in_view(q)} at {fmt_time(min(row.t_end, q.point))}.", [row])
        recent = sighting(q, f, cls, FLICKER_S) if not re.search(r"\bstill\b", q.question.lower()) else None
        if recent is not None:  # detections flicker: in the last frame but one is "there", said with its time
            return Composed(f"Yes — {boxes_phrase(recent[1])} {_in_view(q)} at {fmt_time(recent[0].t_start)} "
                            f"(the latest detection).", [recent[0]])
        similar = _seen_members(row, LOOKALIKE[cls]) if cls in LOOKALIKE else ""
        if similar:
            return Composed(f"{_LOOKALIKE_SAY[LOOKALIKE[cls]]} I see {similar} at {fmt_time(min(row.t_end, q.point))}.", [row])
        earlier = _last_seen(replace(q, scope=Scope.ALL), f, cls)  # "so far" means all so far, not the now window
        tail = f" (one was {_in_view(q)} {span_text(earlier.t_start, min(earlier.t_end, q.now))})" if earlier else \
            f", and I haven't seen any {plural(name, 2)} so far"
        return Composed(f"No — no {name} {_in_view(q)} at {fmt_time(q.point)}{tail}.", [earlier] if earlier else [])
    seen = _last_seen(q, f, cls)
    other = _last_seen(q, f, LOOKALIKE[cls]) if seen is None and cls in LOOKALIKE else None
    if other is not None and other.kind is EvidenceKind.OBJECTS:  # "any cars?" and a van was there: say what it was
        return Composed(f"{_LOOKALIKE_SAY[LOOKALIKE[cls]]} {_seen_members(other, LOOKALIKE[cls])} {_in_view(q)} "
                        f"{span_text(other.t_start, min(other.t_end, q.now))}.", [other])
    if seen is None:
        return Composed(f"No, I haven't seen any {plural(name, 2)} {_upto(q)}.")
    what = _seen_members(seen, cls) if seen.kind is EvidenceKind.OBJECTS else DISPLAY.get(seen.data.label, seen.data.label)
    return Composed(f"Yes — {what or name} {_in_view(q)} {span_text(seen.t_start, seen.t_end)}.", [seen])


# "Is anyone on a skateboard?": a person on a thing the detector does not find is no yes
_ON_THING = re.compile(r"\b(?:on|riding|ride|rides|pushing|with) (?:a|an) ([a-z]+)\b")
# Kinds of a class the detector does not tell apart: a car is seen, a taxi is not
_SUBTYPES = set("taxi taxis cab cabs police ambulance ambulances limo limousine jeep suv minivan pickup sedan "
                "convertible hatchback".split())
_OTHER = re.compile(r"\b(?:other|another|else|more than one|second)\b")


def present(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    """`objects_present`, with what it cannot settle said so: a person on a thing not detected, a kind
    of car (a taxi) when only "car" is seen, "any other birds?" when the one in view is the one asked of."""
    low = q.question.lower()
    m = _ON_THING.search(low)
    if cls == "person" and m and m.group(1) not in OBJECT_WORDS:
        return activity(q, f, cls)
    base = objects_present(q, f, cls)
    if not base.text.startswith("Yes"):
        return base
    kind = next((w for w in re.findall(r"[a-z]+", low) if w in _SUBTYPES), None)
    if kind is not None:
        return Composed(f"{base.text[:-1]} — whether it is a {kind} I can't tell (I tell cars apart from buses and vans, "
                        f"not taxis from other cars).", base.used)
    if _OTHER.search(low):  # "any other birds?": a second one, at once, in the moment or the span asked
        rows = [f.objects_at(q, q.point, cls)] if q.scope in (Scope.NOW, Scope.AT) else f.rows(q, (EvidenceKind.OBJECTS,))
        seen = [r for r in rows if r is not None and f.count(r, cls)]
        # the usual count, not the largest: a bird found twice in one frame is not a second bird
        usual = Counter(f.count(r, cls) for r in seen).most_common(1)[0][0] if seen else 0
        if usual == 1:
            last = seen[-1]
            return Composed(f"No — only one {_name(cls)} in view at a time {_upto(q)} (as at "
                            f"{fmt_time(min(last.t_end, q.now))}), no other.", [last])
    return base


# Classes the detector mixes up and people name loosely: a van is "a car" to most askers, and COCO
# calls it a truck. A bus or a motorbike is not a car: "any buses?" with only cars in view is a no.
# A thing detected this long before the moment asked, and not since, is still "there": at 2 fps NanoDet
# misses a partly hidden cyclist for a frame or two (bikes.mp4, the explainer's B-roll at 58.5 s).
FLICKER_S = 1.0
# NanoDet-m also calls a parked bicycle a motorcycle (bikes.mp4 7.5-9 s: motorcycle 0.33-0.36 on the
# bicycle's box, bicycle 0.22-0.28), so "is there a bike?" with a motorcycle in view is a maybe, said so.
LOOKALIKE = {"car": "carlike", "truck": "carlike", "bicycle": "twowheel"}
_LOOKALIKE_SAY = {"carlike": "Yes, a vehicle —",
                  "twowheel": "Possibly — the detector mixes up bicycles and motorbikes, and"}


def _first_seen(q: Query, f: EvidenceFinder, cls: str) -> Evidence | None:
    tracks = f.tracks(q, cls)
    if tracks:
        return tracks[0]
    for row in f.rows(q, (EvidenceKind.OBJECTS,)):
        if f.count(row, cls):
            return row
    return None


def _last_seen(q: Query, f: EvidenceFinder, cls: str) -> Evidence | None:
    """The latest frame (else track) that had the class."""
    for row in reversed(f.rows(q, (EvidenceKind.OBJECTS,))):
        if f.count(row, cls):
            return row
    tracks = f.tracks(q, cls)
    return tracks[-1] if tracks else None


_LEAVE = re.compile(r"\b(leave|left|leaves|disappear|disappeared|exit|exited|go away|went away|gone)\b")


def when_objects(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    if not f.has_detector(q):
        return _no_detector(cls)
    tracks = f.tracks(q, cls)
    if _LEAVE.search(q.question.lower()):
        return when_left(q, f, cls, tracks)
    if tracks:
        first = tracks[0]
        return Composed(f"A {_name(cls)} first appeared at {fmt_time(first.t_start)} (in view until "
                        f"{fmt_time(min(first.t_end, q.now))}).", tracks[:1])
    seen = _first_seen(q, f, cls)
    if seen is None:
        return Composed(f"I haven't seen any {plural(_name(cls), 2)} {_upto(q)}.")
    return Composed(f"A {_name(cls)} was first in view at {fmt_time(seen.t_start)}.", [seen])


def when_left(q: Query, f: EvidenceFinder, cls: str, tracks: list[Evidence]) -> Composed:
    """When did the (last) <cls> leave: the end of the track seen last, unless still in view."""
    gone = [t for t in tracks if t.t_end < q.now - 1.0]
    if not tracks:  # no confirmed tracks: the last detections row that had one
        seen = [r for r in f.rows(q, (EvidenceKind.OBJECTS,)) if f.count(r, cls)]
        if seen and seen[-1].t_end < q.now - 1.0:
            return Composed(f"The last {_name(cls)} I saw was gone after {fmt_time(seen[-1].t_end)}.", [seen[-1]])
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


_GENERIC = "what text does the sign say written shown board everything anything all first last latest earliest " \
           "writing words letters visible there any something list appeared appear seen title heading headline caption"


def _generic_text(target: str) -> bool:
    """No subject beyond "text" itself ("is there any writing visible?", "what's written there")."""
    return not target or lexical(target, _GENERIC) >= 0.99


def _ordinal(q: Query, rows: list[Evidence]) -> list[Evidence]:
    """"the first sign", "the last thing said": one row from the right end."""
    low = q.question.lower()
    if re.search(r"\b(first|earliest)\b", low):
        return rows[:1]
    if re.search(r"\b(last|latest|most recent|just)\b", low) and not re.search(r"\blast \d|last (?:few|couple)", low):
        return rows[-1:]
    return rows


# Words that say where a text is or what it is on ("the sign on top of that car", "the name on the
# banner", "the green sign on the lamp post"), not what it says: a target of only these asks for
# whatever text is there.
_CARRIERS = set("""top roof side front back bottom wall door window lamp post pole building shop store street road
banner board poster notice placard plate name label sticker screen shirt van bus truck car taxi cab vehicle bike
window left right middle centre center big small large little green red blue yellow white black orange grey gray
pink purple brown above below near next behind under over corner ticker crawl headline headlines clock graphic fact
caption band logo slide on-screen scrolling scrolls""".split())


# What a graphic is called, not what it says: "the breaking news banner" reads BREAKING
_SHOWN_AS = set("banner band caption graphic ticker crawl headline title card sign notice message alert news box bar "
                "strap lower third popup pop".split())


def _about_carrier(target: str) -> bool:
    ws = [w for w in re.findall(r"[a-z]+", target.lower())]
    return bool(ws) and all(w in _CARRIERS or w in OBJECT_WORDS for w in ws)


_BEHIND_TEXT = re.compile(r"\b(?:behind|under|underneath|apart from|besides|other than) (?:the |all the |that )?(?:caption|"
                          r"captions|text|title|banner|subtitles?|writing|graphics?|words)\b")


def describe_picture(q: Query, f: EvidenceFinder) -> Composed:
    """What is seen at the moment asked, without the on-screen text: people and objects, moving things,
    the look of the picture, the classifier's guess."""
    w = _last(q, DESCRIBE_NOW_S, q.now) if q.scope is Scope.NOW else q
    parts = [p for p in (part(w, f) for part in (_describe_objects, _describe_moving, _describe_look, _describe_label))
             if p is not None]
    if not parts:
        return Composed(f"I haven't seen anything behind the text I can describe {_upto(q)}.")
    return Composed(f"{_upto(w)[:1].upper()}{_upto(w)[1:]}, behind the text: " + "; ".join(p.text for p in parts) + ".",
                    _uniq([r for p in parts for r in p.used]))


def what_shown(q: Query, f: EvidenceFinder) -> Composed:
    # "what did the ticker say about ferries?": the ferries, wherever on screen; "what does the clock show?": all
    about = " ".join(w for w in (q.target or "").split() if w not in _CARRIERS and w not in OBJECT_WORDS)
    generic = not about or lexical(q.target, _GENERIC) >= 0.5 or _about_carrier(q.target)
    if not generic:
        return lookup(replace(q, target=about), f, (EvidenceKind.TEXT,))
    rows = _ordinal(q, f.rows(q, (EvidenceKind.TEXT,)))
    if _BEHIND_TEXT.search(q.question.lower()):
        return describe_picture(q, f)  # "what's on screen behind the caption?": the picture, not its text
    if not rows and not _TEXT_WORDS.search(q.question.lower()):
        return describe(q, f)  # "what's on the screen?" with no text: what is seen
    if q.scope is Scope.ALL:
        rows = rows[-6:]
    elif q.scope is Scope.AT:
        at = [r for r in rows if r.t_start - 1.0 <= q.point <= r.t_end + 1.0]
        rows = at or sorted(rows, key=lambda r: min(abs(r.t_start - q.point), abs(r.t_end - q.point)))[:2]
    if not rows:
        return Composed(f"I haven't seen any text on screen {_upto(q)}.")
    lines = "; ".join(f"“{r.content}” ({span_text(r.t_start, r.t_end)})" for r in rows[:6])
    return Composed(f"Text on screen {_upto(q)}: {lines}.", rows[:6])


_TEXT_WORDS = re.compile(r"\b(text|written|writing|sign|signs|read|caption|title|banner|words?)\b")


# "who is the speaker?", "who's giving the talk?": a person's identity, read off a caption
_WHO_SPEAKS = re.compile(r"\bwho(?:'s| is| was)(?: the| our| this| that)? (?:speaker|presenter|lecturer|host|narrator|"
                         r"interviewer|reporter|reviewer|guide|vlogger|giving|presenting|hosting|teaching|reviewing|"
                         r"narrating|guiding|doing (?:this|the))\b")


_WHO_TALKING = re.compile(r"^who(?:'s| is)\b.{0,20}?\b(?:talking|speaking)\b")


def _at_moment(q: Query) -> Query:
    """The question about the moment asked (now, unless it names one), whatever scope its speech words gave it."""
    return replace(q, scope=Scope.NOW) if q.scope is Scope.ALL else q


SAID_SEMANTIC_MIN = 0.75  # scaled MiniLM score for a sentence that shares no word with the question


def what_said(q: Query, f: EvidenceFinder) -> Composed:
    # "who's talking?": voices are not told apart, so say that, then what was said. The inner call is
    # typed WHAT_SAID so it does not come back here (the question still starts with "who").
    if q.answer_type is not AnswerType.WHAT_SAID and (q.answer_type is AnswerType.WHO or re.match(r"who\b", q.question.lower())):
        if _WHO_SPEAKS.search(q.question.lower()) and (named := caption_answer(q, f) or last_caption(q, f)):
            return Composed(named.text[:-1] + " (voices are not told apart: this is whom the caption names).", named.used)
        if _WHO_TALKING.search(q.question.lower()) and (named := caption_answer(_at_moment(q), f)):
            # "who's talking now?" while a name caption is up: the person the video names (an older caption
            # is not used: by now someone else may be talking)
            return Composed(named.text[:-1] + " (voices are not told apart: this is whom the caption names).", named.used)
        return _who_said(q, f)
    if q.target and not _generic_said(q.target):  # a sentence with none of the asked words only if close in meaning
        found = [s for s in f.matching(q, (EvidenceKind.SPEECH,)) if s.lexical > 0 or s.score >= SAID_SEMANTIC_MIN]
        if not found and q.voice:  # a voice's pitch is a hint (a low woman's voice measures "lower"): any voice
            found = [s for s in f.matching(replace(q, voice=""), (EvidenceKind.SPEECH,)) if s.lexical >= LEXICAL_MIN]
        if found:
            rows = _with_beside(f, q, [s.row for s in _best(found, 3)])  # a question said, with its answer
            return Composed(_sentence("; ".join(quote(r) for r in rows)), rows)
    rows = _ordinal(q, f.rows(q, (EvidenceKind.SPEECH,)))
    lead = ""
    if not rows and q.voice and (rows := _ordinal(q, f.rows(replace(q, voice=""), (EvidenceKind.SPEECH,)))):
        lead = f"I haven't heard a {q.voice}-pitched voice {_upto(q)}, so I can't tell which sentences are theirs; said: "
    if not rows:
        return Composed(f"I haven't heard any speech {_upto(q)}.")
    rows = rows[-3:] if not re.search(r"\b(summari[sz]e|everything|all)\b", q.question.lower()) else rows[-8:]
    said = "; ".join(quote(r) for r in rows)
    return Composed(lead + said + "." if lead else _sentence(said), rows)


def _generic_said(target: str) -> bool:
    return lexical(target, "anything something someone somebody anyone people person they he she said say summarize "
                           "summarise everything all last latest first thing things spoke speaker talking speaking") >= 0.99


def _who_said(q: Query, f: EvidenceFinder) -> Composed:
    """"who said they'd …?": the sentence with the asked words, and whose it probably was — the one name
    its voice gave itself (voices.speaker: "Ruiz here, …"), quoted; else that voices are not told apart.
    With no words asked ("who's talking?") the latest sentences, unattributed."""
    asked = bool(q.target) and not _generic_said(q.target)
    said = what_said(replace(q, answer_type=AnswerType.WHAT_SAID, target=q.target if asked else ""), f)
    spoken = [r for r in said.used if r.kind is EvidenceKind.SPEECH]
    row = (spoken[0] if asked else spoken[-1]) if spoken else None  # "who said that?": the latest sentence
    who = speaker(row, f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH,))) if row is not None else None
    if who is None:
        return Composed("I can't tell who was speaking; " + _lower_first(said.text), said.used)
    heard = quote(row).removeprefix("someone said ")
    if who.row is row:
        return Composed(f"{who.name}, in their own words: {heard}.", [row])
    if who.row.t_end <= row.t_start and addressee(who.row.content) == who.name:
        call = f"“{who.row.content}” ({span_text(who.row.t_start, who.row.t_end)})"
        return Composed(f"Probably {who.name}: {heard} answered {call}, said to them in another voice — I go by the "
                        "names the voices gave, not by recognising them.", [row, who.row])
    return Composed(f"Probably {who.name}: {heard} was said in the same {voice_word(row)} voice as "
                    f"“{who.row.content}” ({span_text(who.row.t_start, who.row.t_end)}) — I go by the names the "
                    "voices gave, not by recognising them.", [row, who.row])


def when_said_or_shown(q: Query, f: EvidenceFinder) -> Composed:
    kinds = kinds_for(q)
    found = [s for s in f.matching(q, kinds) if s.score >= LEXICAL_MIN]
    shown = " ".join(w for w in (q.target or "").split() if w not in _SHOWN_AS)
    if not found and shown and shown != q.target:  # "when did the breaking news banner come up?": the band reads
        found = [s for s in f.matching(q, kinds, target=shown) if s.score >= LEXICAL_MIN]  # BREAKING, not "banner"
    if not found and (row := named_row(q, f, q.target or "")) is not None and row.t_start <= q.now:
        return Composed(_sentence(quote(row)), [row])  # "when did the interview start?": its name caption
    if not found:
        return not_found(q, kinds)
    top = found[0].score
    rows = _timed(q, f, sorted((s.row for s in found if s.score >= top - 0.1), key=lambda r: r.t_start)[:5])
    return Composed(_sentence("; ".join(quote(r) for r in rows)), rows)


def _timed(q: Query, f: EvidenceFinder, rows: list[Evidence]) -> list[Evidence]:
    """The rows, an on-screen line that states no time followed by the line shown with it that does
    ("when's the delivery due?": “DELIVERY” with “Expected 14:30 at Loading Bay 2”)."""
    text = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,)) if r.t_start <= q.now]
    out = []
    for r in rows:
        out.append(r)
        if r.kind is EvidenceKind.TEXT and not _CLOCK_TIME.search(r.content):
            out += [o for o in beside(r, text)[1:] if _CLOCK_TIME.search(o.content) and o not in rows][:1]
    return out


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


# "What's going on?" now means the last few seconds: one OCR run, a few detector frames, a sentence.
DESCRIBE_NOW_S = 6.0


def _last(q: Query, seconds: float, end: float) -> Query:
    """`q` asked about the `seconds` of stream up to `end` (now, or the moment asked)."""
    return replace(q, scope=Scope.WINDOW, window=TimeWindow(max(0.0, end - seconds), end, "last"))


def describe(q: Query, f: EvidenceFinder) -> Composed:
    """What the evidence in the asked window says: people and objects with counts, colours and
    places, moving things, text, speech, how the picture looks, the classifier's guess, cuts."""
    w = q
    if q.scope is Scope.NOW or q.scope is Scope.AT and q.window is not None and q.window.kind == "now":
        w = _last(q, DESCRIBE_NOW_S, q.now)
    parts: list[str] = []
    used: list[Evidence] = []
    for part in (_describe_objects, _describe_moving, _describe_text, _describe_speech, _describe_look,
                 _describe_label, _describe_cuts):
        said = part(w, f)
        if said is not None:
            parts.append(said.text)
            used += said.used
    if not parts:
        return Composed(f"I haven't seen anything I can describe {_upto(q)} (no people, objects, text or speech recognised).")
    return Composed(f"{_upto(w)[:1].upper()}{_upto(w)[1:]}: " + "; ".join(parts) + ".", _uniq(used))


def _describe_objects(q: Query, f: EvidenceFinder) -> Composed | None:
    rows = [r for r in f.rows(q, (EvidenceKind.OBJECTS,)) if r.data.counts]
    if not rows:
        return None
    row = max(rows, key=lambda r: (sum(n for _, n in r.data.counts), r.t_start))  # the fullest frame
    boxes = sorted(row.data.boxes, key=lambda b: (b.label != "person", b.x0))
    detail = f": {boxes_phrase(boxes, 4)}" if boxes else ""
    return Composed(f"{_counts_phrase(row)} in view {span_text(row.t_start, row.t_end)}{detail}", [row])


def _describe_moving(q: Query, f: EvidenceFinder) -> Composed | None:
    rows = [r for r in f.rows(q, (EvidenceKind.MOTION,)) if r.data.colour or r.data.shape]
    rows = sorted(rows, key=lambda r: r.t_end - r.t_start)[-2:]  # the longest followed: least likely noise
    if not rows:
        return None
    return Composed("; ".join(quote(r) for r in sorted(rows, key=lambda r: r.t_start)), rows)


def _describe_text(q: Query, f: EvidenceFinder) -> Composed | None:
    rows = f.rows(q, (EvidenceKind.TEXT,))
    # all so far: how it opened (a title) as well as the latest lines; a window: its latest lines
    if not rows:
        return None
    rows = _uniq(beside(rows[0], rows)[:2] + rows[-2:]) if q.scope is Scope.ALL else rows[-3:]
    return Composed("on screen " + ", ".join(f"“{r.content}” ({span_text(r.t_start, r.t_end)})" for r in rows), rows)


def _describe_speech(q: Query, f: EvidenceFinder) -> Composed | None:
    rows = f.rows(q, (EvidenceKind.SPEECH,))
    rows = _uniq(rows[:1] + rows[-2:]) if q.scope is Scope.ALL else rows[-2:]
    return Composed("; ".join(quote(r) for r in rows), rows) if rows else None


def _describe_look(q: Query, f: EvidenceFinder) -> Composed | None:
    rows = f.rows(q, (EvidenceKind.LOOK,))[-1:]
    return Composed(f"{rows[0].content} ({span_text(rows[0].t_start, rows[0].t_end)})", rows) if rows else None


def _describe_label(q: Query, f: EvidenceFinder) -> Composed | None:
    captions = f.rows(q, (EvidenceKind.CAPTION,))[-1:]
    if captions:
        return Composed(quote(captions[0]), captions)
    labels = best_label(f, q)
    return Composed(quote(labels[0]), labels) if labels else None


def _describe_cuts(q: Query, f: EvidenceFinder) -> Composed | None:
    cuts = f.rows(q, (EvidenceKind.SCENE,))
    if not cuts:
        return None
    return Composed(f"{len(cuts)} scene change{'s' if len(cuts) != 1 else ''} (at "
                    f"{', '.join(fmt_time(c.t_start) for c in cuts[:5])})", cuts[:5])


# The classifier's label of one frame is noisy ("unicycle" for pedestrians, 0.27); a label that held
# for longer at a higher probability ("bow tie" 0.76 for 1.5 s vs "seat belt" 0.47 for 0.5 s) is the
# better guess. Labels older than the current shot describe another picture.
LABEL_BACK_S = 30.0


def best_label(f: EvidenceFinder, q: Query) -> list[Evidence]:
    """The label row of the asked window (for now / so far: of the current shot, up to LABEL_BACK_S)
    with the most probability x time, as a one-row list (empty when none)."""
    rows = f.rows(q, (EvidenceKind.LABEL,))
    if q.scope in (Scope.NOW, Scope.ALL):
        t = q.point
        cuts = f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.SCENE,))
        since = max([c.t_start for c in cuts if c.t_start <= t] + [t - LABEL_BACK_S])
        recent = replace(q, scope=Scope.WINDOW, window=TimeWindow(max(0.0, since), t, "last"))
        rows = f.rows(recent, (EvidenceKind.LABEL,)) or rows
    if not rows:
        return []
    return [max(rows, key=lambda r: (r.confidence * (r.t_end - r.t_start + 0.5), r.t_start))]


def identify(q: Query, f: EvidenceFinder) -> Composed:
    """'what animal is this?', 'what is that?': detections first, then the classifier's guess."""
    cls = q.object_class
    row = f.objects_at(q, q.point) if q.scope is not Scope.ALL else None
    if row is not None:
        names = [c for c, n in row.data.counts if n and (cls is None or c in members(cls))]
        if names:
            return Composed(f"I see {', '.join(f'a {c}' for c in names)} at {fmt_time(min(row.t_end, q.point))}.", [row])
    labels = best_label(f, q)
    if labels:
        return Composed(_sentence(quote(labels[0])), labels)
    return Composed(f"I can't tell {_upto(q)}: I haven't recognised anything in view.")


def activity(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    """Actions, colours, appearance: the lite senses cannot see them; say so, give what they do see."""
    row = f.objects_at(q, q.point) if f.has_detector(q) else None
    seen = f" I see {_counts_phrase(row)} at {fmt_time(min(row.t_end, q.point))}." if row is not None else ""
    # what was said or shown about it, when it has the asked words ("use" alone is no mixer)
    said = [s for s in f.matching(q, kinds_for(q)) if s.lexical >= LEXICAL_MIN or s.score >= 0.9]
    if said:
        best = _best(said, 1)[0].row
        return Composed(_sentence(quote(best)), [best] + ([row] if row else []))
    guess = _label_naming(q, f)
    if guess is not None:  # "is he wearing a tie?" and the classifier saw a bow tie: its guess, said as one
        return Composed(f"Possibly — {quote(guess)}.{seen}", [guess] + ([row] if row else []))
    return Composed(f"I can't tell: I haven't seen or heard anything that shows it (I recognise people and objects, "
                    f"on-screen text and speech, not actions or details like that).{seen}",
                    [row] if row else [])


def _label_naming(q: Query, f: EvidenceFinder) -> Evidence | None:
    """The classifier's label row of the asked window whose class names the asked thing ("tie" ~
    "bow tie", "hat" ~ "cowboy hat"), the surest one; None when no label names it."""
    words = {w for w in re.findall(r"[a-z]+", (q.target or "").lower()) if len(w) > 2} - _LABEL_STOP
    if not words:
        return None
    rows = [r for r in f.rows(_recent(_now_if_all(q)), (EvidenceKind.LABEL,))
            if any(words & set(re.findall(r"[a-z]+", lb.name.lower())) for lb in r.data.labels)]
    return max(rows, key=lambda r: (r.confidence, r.t_end), default=None)


# Words of a question's target that are not things a label could name.
_LABEL_STOP = set("wearing wear wears carrying carry holding hold using use with has have the any some his her their "
                  "one something anything".split())


# ---- dispatch ------------------------------------------------------------------------------------------

_ACTIVITY = re.compile(r"\b(doing|wearing|colou?r|holding|look like|looks like|happy|sad|angry|carrying|eating|"
                       r"drinking|playing|using|riding|driving|sitting|standing|running|walking towards)\b")


def compose(q: Query, f: EvidenceFinder) -> Composed:
    if (theirs := by_speaker(q, f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH,)))) is not None:
        q = theirs  # "what did Ruiz say?": the sentences in the voice that called itself Ruiz
    if q.answer_type is AnswerType.YES_NO and _PHONE_Q.search(q.question.lower()):
        return phone_given(q, f)  # "is there a number to call in?": a phone number, not the "CALL-IN" label
    if (on_line := caller(q, f)) is not None:
        return on_line  # "who's calling in?": the name the caller gave, or the one the host put through
    if (theirs := replies_of(q, f)) is not None:
        return theirs  # "what is Kevin gonna do about it?": his answer when he was called by name
    if (inner := _EMBEDDED.match(q.question.lower().rstrip("?. "))) is not None:
        return embedded(q, f, inner)  # "did they say what the app will cost?": the price, or that none was given
    if (said := advice(q, f)) is not None:
        return said  # "should I use the A40 this morning?": "… so please avoid it", not whether it looks like morning
    if t_kind := _kind_of(q):
        return kind_unseen(q, f, t_kind)  # "has the tow truck turned up?": a truck is seen, not which kind
    if (told := narrated(q)) is not None:
        q = told  # "when did he start the company?": his story as told, not when a person came into view
    if q.object_class in _SERVICES and _TIMETABLE.search(q.question.lower()):
        q = timetable(q)  # "is the Hull train on time?": a board's line or an announcement, not a train in view
    t, cls = q.answer_type, q.object_class
    speech_or_text = bool(q.modalities & {Modality.SPEECH, Modality.TEXT})
    low = q.question.lower()
    if (steps := series_list(q, f)) is not None:
        return steps  # "so what were all the steps again?"
    if (first := order(q, f)) is not None:
        return first  # "what came first, the banner or the chapter title?"
    if TIME_LEFT_Q.search(low) and not q.modalities & {Modality.SPEECH} and (clock := countdown(q, f)) is not None:
        return clock  # "how much time has he got left?": the timer box as read last, not people in view
    if t is AnswerType.HOW_MANY and _HOW_MUCH.search(low) and _MONEY_Q.search(low):
        return amount(q, f)  # "how much will it cost?", "how much are fees going up?": an amount of money stated
    if (clock := clock_now(q, f)) is not None:
        return clock  # "what time is it?": the clock on screen, not a sentence with "time" in it
    if (label := source_label(q, f)) is not None:
        return label  # "which camera is this?", "which street is this cam on?": the feed's own label
    if (cams := cameras_seen(q, f)) is not None:
        return cams  # "how many different cameras so far?": the distinct labels, not scene changes
    if (swapped := changed(q, f)) is not None:
        return swapped  # "what changed on the board?": what came up where something else was
    if (moved := trend(q, f)) is not None:
        return moved  # "is the gap growing or shrinking?": the versions of the graphic, in order
    if (why := reason(q, f)) is not None:
        return why  # "why is the Leeds train late?": "… late because of a signal fault"; "what caused the crash?"
    if (band := graphic(q, f)) is not None:
        return band  # "what does the orange banner say?": the graphic that came up last, not the bug or the clock
    if q.answer_type in (AnswerType.WHO, AnswerType.WHAT) and (logo := brand(q, f)) is not None:
        return logo  # "who's the sponsor?": the line kept in a corner all along
    if (placing := ranked(q, f)) is not None:
        return placing  # "who came 3rd?", "who's top of the overall?" off a numbered list on screen
    if q.window is None and (m := _PREVIOUS.search(low)) is not None and \
            (seq := sequence(replace(q, question=f"what was shown before this {m.group(1)}"), f)) is not None:
        return seq  # "what was on the previous slide?": the one before the slide up now
    if q.window is None and _SEQ.search(low) and (seq := sequence(q, f)) is not None:
        return seq  # "what was said right after the title?", "…just before the website came up?"
    if (asked := questions_asked(q, f)) is not None:
        return asked  # "what did the woman in the audience ask?", "and what was his answer?"
    if _ROLE_Q.search(low) and not q.modalities & {Modality.SPEECH}:
        return role_answer(q, f) or Composed(  # "what does she do?" under a name caption
            f"I haven't seen a caption or heard anything saying what they do {_upto(q)} (I can't tell a job by sight).")
    if _BY_ROLE.search(low) and not q.modalities & {Modality.SPEECH} and by_role(q, f):
        return caption_answer(q, f)  # "name of the bird expert?", "who's the park ranger?"
    if _FROM_Q.search(low) and (role := introduced_from(q, f, role_answer(q, f))) is not None:
        return role  # "the guy being interviewed — where's he from?": "Commuter, Riverside"; "I'm Lena from Oakridge"
    if (called := callee(q, f)) is not None:
        return called  # "who is Control calling?": the name its call gives
    if (who := asked_name(low)) is not None and who.split()[-1] not in THING_NAMES and caption_answer(q, f) is None:
        if (named := spoken_name(q, f, who)) is not None:
            return named  # "what's the engineer called?": a name said with their words
        if not _NAME_Q.search(low):
            return no_name(q, who)  # (a person asked as anyone: "the guy's name" is declined below, as by sight)
    if _NAME_Q.search(low):  # a name is read off a caption, whoever the question says speaks ("the presenter")
        return caption_answer(q, f) or Composed(
            f"I haven't seen a caption or heard a name for them {_upto(q)} (I can't tell names by sight).")
    if TITLE_Q.search(low):
        return title(q, f)
    if t is AnswerType.YES_NO and _HABIT.search(low):
        return habit(q, f)  # "does he cycle to work?": what he said about it, never that a person is in view
    if (m := _PLACE_ORDINAL.search(low)) is not None and (visited := place_visited(q, f, m.group(1))) is not None:
        return visited  # "what was the first place we visited?"
    if not speech_or_text and t in (AnswerType.WHERE, AnswerType.WHAT, AnswerType.YES_NO) and PLACE_QUESTION.search(low):
        return place(q, f)
    if not speech_or_text and t is not AnswerType.HOW_MANY and asks_action(q):
        return action(q, f)
    if not speech_or_text and t not in (AnswerType.HOW_MANY, AnswerType.DESCRIBE):
        if _LOOK.search(low):
            return look(q, f)
        if t is AnswerType.YES_NO and colour_word(q.target) and not _beyond_colour(q, f):
            return colour_present(q, f, cls, colour_word(q.target))  # "anyone in red?", "is anyone wearing blue?"
        if cls == "person" and _GAIT.search(low) and (gait := people_gait(q, f)) is not None:
            return gait  # "is anyone standing still?", "are they walking or standing?", "is anybody running?"
        if t is AnswerType.YES_NO and _ATTRIBUTE.search(low) and (cls == "person" or _PERSON_WORD.search(low)):
            return activity(q, f, "person")  # "is anyone carrying a bag?": a person in view is not a yes
        if t is AnswerType.YES_NO and cls and unseen_action(low) and Modality.SCENE not in q.modalities:
            return activity(q, f, cls)  # "did anyone drop something?", "is the bird eating?"
        if _COLOUR.search(low):
            return colour(q, f, cls)
        if _DIRECTION.search(low) and cls:
            return direction(q, f, cls)
        if _MOVING.search(low) and (not cls or t is AnswerType.YES_NO and cls is None):
            return moving(q, f)
    if cls and not speech_or_text and q.window is not None and q.window.point is not None and _COMPARE.search(low):
        return compare_counts(q, f, cls)  # "are there more people now than a minute ago?"
    if Modality.SCENE in q.modalities and t in (AnswerType.HOW_MANY, AnswerType.WHEN, AnswerType.YES_NO):
        return scene_changes(q, f)
    if t is AnswerType.HOW_MANY and (lines := listed_count(q, f)) is not None:
        return lines  # "how many people on the visitor log?": the lines under that heading, not people in view
    if t in (AnswerType.HOW_MANY, AnswerType.WHEN) and (stated := stated_fact(q, f)) is not None:
        return stated  # "how many pigeons did they count?", "how long has she been studying birds?"
    if _SUMMARY.search(low) and (told := summary(q, f)).used:
        return told  # "what's this bulletin covered so far?", "what did I miss?", "recap the steps"
    if _HOW_LONG_WILL.search(low):
        return stated_duration(q, f)  # "how long's the talk gonna be?", "how long does it bake?"
    if t is AnswerType.HOW_MANY and (shown := count_shown(q, f)) is not None:
        return shown  # "how many people have been named on screen?", "how many slides so far?"
    if t is AnswerType.HOW_MANY and _HOW_MUCH.search(low):
        return amount(q, f)  # an amount nothing stated with the asked words: never a count of boats in view
    if t is AnswerType.HOW_MANY and _HOW_OFTEN.search(low):
        return stated_frequency(q, f)  # "how often do they post new walks?": "New walks every Friday"
    if t is AnswerType.HOW_MANY:
        if cls and not speech_or_text and (told := stated_count(q, f, cls)) is not None:
            return told  # "how many people in the ticket queue?": "a long queue … about twenty people"
        if cls and not speech_or_text:
            return how_many_objects(q, f, cls)
        return count_mentions(q, f)
    if t is AnswerType.WHEN and (_WHEN_DOES.search(low) or _WHEN_WILL.search(low) and (not cls or _only_their(q, cls))
                                 or re.match(r"(?:when|what time) will\b", low)):  # still to come: said, never seen
        return stated_time(q, f)  # "when does the museum close?": the hours it states, not when they were shown
    if t is AnswerType.WHEN:
        if cls and not speech_or_text and not q.quoted and not _only_their(q, cls):
            return when_objects(q, f, cls)
        return when_said_or_shown(q, f)
    if t is AnswerType.YES_NO:
        if cls == "person" and _EMPTY.search(low) and not speech_or_text:
            return empty_or_busy(q, f)
        if cls and not speech_or_text and not q.quoted and not _only_their(q, cls):
            return present(q, f, cls)
        return yes_no(q, f)
    if t is AnswerType.WHAT_SHOWN or t is AnswerType.WHAT and q.modalities == {Modality.TEXT} and \
            (_generic_text(q.target) or _about_carrier(q.target)):
        return what_shown(q, f)  # "what signs have you seen?", "list all the text that appeared"
    if t is AnswerType.WHAT_SAID or (t is AnswerType.WHO and Modality.SPEECH in q.modalities):
        return what_said(q, f)
    if t is AnswerType.DESCRIBE and q.target and (told := _told_about(q, f)) is not None:
        return told  # "what happened on main st?": what was shown or said about it, not the picture now
    if t is AnswerType.DESCRIBE:
        return describe(q, f)
    return open_question(q, f)


_PREVIOUS = re.compile(r"\b(?:previous|prior|preceding|last|earlier|other) (slide|page|card|screen|graphic)\b(?! (?:said|says))")


# "should I take the A40 this morning?", "can we still use the lift?": advice the video gives about it
_ADVICE_Q = re.compile(r"^(?:so |and )?(?:should|shall|can|could|do) (?:i|we) (?:still )?(\w+)\b(.*)$")
_ADVICE = re.compile(r"\b(?:avoid|please|should|shouldn't|recommend\w*|advise\w*|best to|try|don't|do not|stay away|"
                     r"use|take|instead|allow|plenty of time)\b", re.I)
_WHEN_WORDS = set("this morning afternoon evening tonight today now right still please the a an it".split())


def advice(q: Query, f: EvidenceFinder) -> Composed | None:
    """A sentence or line of advice about what the question would do ("so please avoid it" about the A40),
    quoted; None when the question asks none or none was given (then it is answered as asked)."""
    m = _ADVICE_Q.match(q.question.lower().rstrip("?. "))
    if m is None or m.group(1) in ("see", "hear", "look", "watch"):
        return None
    topic = " ".join(w for w in re.findall(r"[a-z0-9]+", m.group(2)) if w not in _WHEN_WORDS)
    if not topic:
        return None
    past = replace(q, scope=Scope.ALL)
    found = [s for s in f.matching(past, (EvidenceKind.SPEECH, EvidenceKind.TEXT), target=topic)
             if s.lexical >= 0.5 and _ADVICE.search(s.row.content)]
    if not found:
        return None
    rows = [s.row for s in _best(found, 1)]
    return Composed(_sentence("; ".join(quote(r) for r in rows)), rows)


# "has the tow truck turned up?", "is there a police car?": a kind of vehicle the detector does not tell apart
_KINDS = re.compile(r"\b(tow|fire|police|delivery|school|ice cream|rubbish|garbage|bin|recycling|cement|tanker|dump|"
                    r"breakdown|recovery|mail|post|postal|rescue|army|military|patrol|cargo|racing|electric|camper|"
                    r"removal|refuse|mobile library|food) (truck|lorry|van|car|bus|engine|boat|bike|bicycle)s?\b")


def _kind_of(q: Query) -> str:
    if q.answer_type is not AnswerType.YES_NO or not q.object_class or q.modalities & {Modality.SPEECH, Modality.TEXT}:
        return ""
    m = _KINDS.search(q.question.lower())
    return f"{m.group(1)} {m.group(2)}" if m else ""


def kind_unseen(q: Query, f: EvidenceFinder, kind: str) -> Composed:
    seen = present(q, f, q.object_class)
    if seen.text.startswith("No"):
        return seen
    return Composed(f"I haven't seen anything I can tell is a {kind} — I can't tell a {kind} from other "
                    f"{plural(_name(q.object_class), 2)}: " + _lower_first(seen.text.removeprefix("Yes — ")), seen.used)


_CALLER_Q = re.compile(r"\bwho(?:'s| is| was|s)? (?:calling(?: in)?|phoning in|ringing in|dialling in|dialing in|on the "
                       r"(?:phone|line)|the caller|this caller|that caller)\b")


# how a caller gives their name: "it's Beth from Toronto", "this is Dana calling from …", "… on the line"
_CALLING = re.compile(r"\bit's [A-Z]|\bcalling\b|\bon the (?:line|phone)\b|\b(?:I'm|this is|it's) [A-Z][a-z]+ from\b")


def caller(q: Query, f: EvidenceFinder) -> Composed | None:
    """"Who's calling in?": the latest name a voice gave itself ("it's Beth from Toronto") or a host put
    through ("on the phone is Raj"); None when not asked or no name was given."""
    if not _CALLER_Q.search(q.question.lower()):
        return None
    said = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH,)) if r.t_start <= q.now]
    named = [(r, n) for r in said if (n := handed_to(r.content) or (own_name(r.content) if _CALLING.search(r.content) else ""))]
    if not named:
        return None
    row, name = named[-1]
    return Composed(f"{name}, going by {quote(row).removeprefix('someone said ')} — I go by the names said, not by "
                    "recognising voices.", [row])


# "what is Kevin gonna do?", "what did Jake say?": what someone called by name said back
_WHAT_DID = r"\bwhat (?:is|was|will|did|does|'s|s) {name}(?:'s)? (?:going to |gonna |about to )?(?:do|doing|say|said|tell|answer|reply)\b"


def replies_of(q: Query, f: EvidenceFinder) -> Composed | None:
    """The latest reply by the person the question names, where they were called by name just before it
    ("Kevin, the lift has stopped" — "Okay, I will tape it off"), whole if heard in pieces; None when the
    question does not ask what a called person said or did, or no reply of theirs was heard."""
    low = q.question.lower()
    said = f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH,))
    called = {addressee(r.content).split()[0].lower() for r in said if addressee(r.content)}
    name = next((n for n in called if re.search(_WHAT_DID.format(name=re.escape(n)), low)), None)
    if name is None:
        return None
    theirs = [(r, who) for r in said if (who := answering(r, said)) is not None and who.name.split()[0].lower() == name]
    if not theirs:
        return None
    row, who = theirs[-1]
    rows = continued(row, said, q.now)
    words = " — ".join(f"“{r.content}”" for r in rows)
    return Composed(f"Probably {who.name}, answering “{who.row.content}” ({span_text(who.row.t_start, who.row.t_end)}): "
                    f"{words} ({span_text(rows[0].t_start, rows[-1].t_end)}) — I go by the names the voices gave, not "
                    "by recognising them.", [who.row] + rows)


# "did they say what the app will cost?", "did anyone mention when it opens?": whether the video answered
# the question inside — asked as that question, its answer or its "not seen" said as yes or no
_EMBEDDED = re.compile(r"^(?:so |and )?(?:did|do|does|has|have) (?:they|he|she|anyone|anybody|someone|somebody|you|we|"
                       r"the \w+) (?:say|said|mention|mentioned|tell|told|explain|explained|give|gave|announce|"
                       r"announced|show|showed)(?: us| you| me)? (what|how much|how many|how long|when|where|who|which) (.+)$")


_MEASURE_ASKED = {"long", "much", "many", "far", "old", "big", "late", "often", "soon", "high", "fast"}


def embedded(q: Query, f: EvidenceFinder, m: re.Match) -> Composed:
    wh, clause = m.group(1), m.group(2)
    if wh == "what" and _MONEY_Q.search(clause):
        wh = "how much"  # "what the app will cost" asks an amount
    # said or shown, whoever it is about: "did anyone say where his parents are?" is no person in view
    asked = replace(analyze(f"{wh} {clause}?", q.now), scope=q.scope, window=q.window, object_class=None,
                    modalities=frozenset({Modality.SPEECH, Modality.TEXT}))
    inner = compose(asked, f)
    topic = " ".join(w for w in (asked.target or "").split() if w not in _MEASURE_ASKED)
    if inner.used and topic and max(lexical(topic, r.content) for r in inner.used) < LEXICAL_MIN:
        # only part of the question matched ("which company the water main belongs to": the water main)
        return Composed(f"No — I haven't seen or heard {wh} {clause} {_upto(replace(q, scope=Scope.ALL))}.")
    if not inner.used or re.match(r"(?:I haven't|I have not|I can't|I cannot|No\b)", inner.text):
        return Composed("No — " + _lower_first(inner.text.removeprefix("No, ").removeprefix("No — ")), inner.used,
                        count=inner.count)
    return Composed("Yes — " + _lower_first(inner.text), inner.used, count=inner.count)


# "when did he start the company?", "where did she grow up?": a person asked about only by a pronoun, doing
# what a camera does not show — a life story, a plan, a deed told — is asked of what was said and shown
_NARRATED = re.compile(r"\b(?:did|does|do|has|have|had|will|would) (?:he|she|they) (\w+)\b")
_PRONOUNS = {"he", "she", "him", "her", "they", "them", "his", "their", "hers", "theirs"}
_SEEN_DOING = set("""wear wearing look looking hold holding carry carrying do doing sit sitting stand standing
see seeing watch watching smile smiling wave waving run running jump jumping eat eating drink drinking talk talking
speak speaking sing singing dance dancing play playing use using a an the in on at still there here""".split())


def narrated(q: Query) -> Query | None:
    """The question as one about the words said and shown (the verb kept to find): None unless its only
    person is a pronoun and its verb is not one a camera sees."""
    low = q.question.lower()
    m = _NARRATED.search(low)
    if m is None or q.object_class != "person" or m.group(1) in _SEEN_DOING | _SEEN_VERBS:
        return None
    people = {w for w in re.findall(r"[a-z]+", low) if OBJECT_WORDS.get(w) == "person"}
    if not people <= _PRONOUNS:
        return None
    target = " ".join(w for w in (q.target or "").split() if w not in _PRONOUNS)
    return replace(q, object_class=None, modalities=q.modalities | {Modality.SPEECH, Modality.TEXT},
                   target=f"{target} {m.group(1)}".strip())


# "Hi, I'm Lena from Oakridge Dental", "this is Dana with City Radio": where a speaker says they are from
_FROM_SAID = re.compile(r"\b(?:I'm|I am|this is|it's|my name is|my name's) [A-Z][a-z]+(?: [A-Z][a-z]+)?,? (?:from|with|at|of)\b|"
                        r"\b[A-Z][a-z]+ (?:from|with) [A-Z][\w ]+ here\b")


def introduced_from(q: Query, f: EvidenceFinder, caption: Composed | None) -> Composed | None:
    """A name caption's role line, unless someone introduced themselves with where they are from since it
    went down (an audience member, a caller): then their own words."""
    said = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH,)) if _FROM_SAID.search(r.content)]
    if said and (caption is None or said[-1].t_start > max(r.t_end for r in caption.used)):
        return Composed(_sentence(quote(said[-1])), said[-1:])
    return caption


# A train, bus, boat or lorry asked about by what a timetable says — its time, platform, route, fare, whether
# it runs late — which a board, a sign or an announcement gives and the picture never shows
_SERVICES = {"train", "bus", "boat", "truck", "airplane"}
_TIMETABLE = re.compile(r"\b(on time|late|delay|delayed|delays|cancell?ed|platforms?|plat|departs?|departing|departures?|"
                        r"leaves?|leaving|arrives?|arriving|arrivals?|next|fares?|tickets?|route|service|timetable|"
                        r"schedule|board|due|terminal|calling at|stops at|destination|expected|running)\b")


def timetable(q: Query) -> Query:
    """The question about a service as one about the words shown or said (its class dropped)."""
    rest = " ".join(w for w in (q.target or "").split() if OBJECT_WORDS.get(w) not in _SERVICES)  # boards say "Leeds"
    # asked "now", the board's latest word on it, however long ago it was up
    return replace(q, object_class=None, modalities=q.modalities | {Modality.TEXT, Modality.SPEECH}, target=rest,
                   scope=Scope.ALL if q.scope is Scope.NOW else q.scope)


def _told_about(q: Query, f: EvidenceFinder) -> Composed | None:
    """Lines and sentences that have the asked words (all of their share LEXICAL_MIN), quoted."""
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    found = [s for s in f.matching(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH)) if s.lexical >= LEXICAL_MIN]
    if not found:
        return None
    rows = _with_beside(f, q, [s.row for s in _best(found, 2)])
    return Composed(_sentence("; ".join(quote(r) for r in rows)), rows)


# A number the video itself gives ("how many pigeons did they count?"), or a duration it states
# ("how long has she been studying birds?") — not something the senses can count or time.
_REPORTED = re.compile(r"\b(?:did|do|does|have|had|has) (?:they|he|she|the \w+|it) (?:count|counted|say|said|report|"
                       r"reported|find|found|record|recorded|mention|mentioned|estimate|estimated|list)\b|"
                       r"\baccording to\b")
_HOW_LONG_DOING = re.compile(r"\bhow long (?:has|have|had) .{1,40}? been (\w+ing)\b")
# What a thing in view can be timed doing: its track's span answers "how long has it been standing there?"
_TIMED_VERBS = {"standing", "sitting", "waiting", "parked", "lying", "staying", "hanging", "perching", "stopping", "idling", "hovering", "floating"}


_HOW_MUCH = re.compile(r"\bhow much\b(?! (?:time|longer)\b)")


def _reported(low: str, t: AnswerType, cls: str | None = None) -> bool:
    """HOW_MANY: a count the video gives; WHEN: "how long has she been <doing what is not seen>"."""
    if t is AnswerType.HOW_MANY and _HOW_MUCH.search(low):
        return True  # an amount ("how much warmer", "by how much do cool roofs cut heat") is only ever stated
    if t is AnswerType.HOW_MANY:  # reported ("did they count"), or a count of nothing the detector counts
        return bool(_REPORTED.search(low)) or (cls is None and not re.search(r"\b(times|often|cuts?|scenes?|shots?)\b", low)
                                              and not _UTTERANCES.search(low))
    m = _HOW_LONG_DOING.search(low)
    return bool(m and m.group(1) not in _SEEN_VERBS | _TIMED_VERBS)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
                     r"sixty|seventy|eighty|ninety|hundred|thousand|million|dozen)\b", re.I)


_SHARE = re.compile(r"\d\s?%|\bper ?cent\b", re.I)
_PRICE = re.compile(r"[$€£]\s?\d|\d\s?(?:dollars|euros|pounds)\b|\d+p\b|\bfree\b", re.I)  # "50p", not "at 6 p(m)"
_MONEY_Q = re.compile(r"\b(cost|costs|price|prices|priced|pay|paid|charge|charged|fee|fees|spend|spent|money|budget|worth|"
                      r"expensive|cheap|fund|funds|funding)\b")


def _answered(row: Evidence, said: list[Evidence], now: float) -> list[Evidence]:
    """A row, and for a question said aloud the reply said after it (which holds the amount)."""
    return reply(row, said, now) if row.kind is EvidenceKind.SPEECH else [row]


def amount(q: Query, f: EvidenceFinder) -> Composed:
    """"How much are tickets?" when no line with a number has the asked words: the prices shown or said so
    far, said as not matched ("Adults £8" on a museum card), else that none was."""
    past = replace(q, scope=Scope.ALL)
    # a cost is answered by money ("$85,000"), not by any number near the words ("Item 2 is new lighting")
    look = _PRICE if _MONEY_Q.search(q.question.lower()) else _NUMBER
    said = f.rows(past, (EvidenceKind.SPEECH,))
    found = [s for s in f.matching(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH))
             if s.lexical >= 0.5 and any(look.search(r.content) for r in _answered(s.row, said, q.now))]  # half the
    if found:  # asked words ("cheaper … sony"); a question said ("what will it cost?") with the reply that states it
        rows = _with_beside(f, q, [s.row for s in _best(found, 2)])
        return Composed(_sentence("; ".join(quote(r) for r in rows)), rows)
    prices = [r for r in f.rows(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH)) if _PRICE.search(r.content)][-3:]
    if not prices:
        return Composed(f"I haven't seen or heard a price or amount for “{_about(q)}” {_upto(past)}.")
    return Composed(f"I haven't seen or heard one for “{_about(q)}” in those words {_upto(past)}; the prices stated: "
                    + "; ".join(quote(r) for r in prices) + ".", prices)


_WHEN_DOES = re.compile(r"^(?:when|what time) (?:does|do|is|are|will|should|can) (?:the |it |they |we |i |this )?.{0,30}?\b"
                        r"(?:open|opens|close|closes|shut|start|starts|begin|end|finish|leave|leaves|depart|arrive|run|"
                        r"due|back|ready|come|comes|get here|get there|get back|be here|be there|turn up|show up|make it|"
                        r"reach|land|lands)\b")
# "when is Marcus on his break?", "when will the lights go up?": a time still to come is one stated, not seen
_WHEN_WILL = re.compile(r"^(?:when|what time) (?:is|are|will|'s|'re)\b(?!.*\b(?:first|last|shown|seen|on screen|said)\b)")
_CLOCK_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b(?:by|at|until|till|before|around) (?:[01]?\d|2[0-3])[0-5]\d\b(?! ?%)|\b\d{1,2}\s?(?:am|pm)\b|\b(?:noon|midday|midnight|o'clock)\b|"
                         r"\b(?:half|quarter) (?:past|to) (?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|"
                         r"eleven|twelve)\b", re.I)


def stated_time(q: Query, f: EvidenceFinder) -> Composed:
    """A time of day the video states about the asked thing: its lines and the lines shown with them
    (a card's "Open 9:00–17:00" under "Harbour Museum"); else that none was stated."""
    past = replace(q, scope=Scope.ALL)
    found = [s for s in f.matching(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH)) if s.lexical >= 0.5]
    found.sort(key=lambda s: not _STATED_WHEN.search(s.row.content))  # of the matches, those stating a time first
    rows = _with_beside(f, q, [s.row for s in _best(found, 2)]) if found else []
    if not rows and _ARRIVE_Q.search(q.question.lower()):
        rows = _arrival(q, f)  # "when can he get here?": the latest time someone was said to arrive by
    timed = [r for r in rows if _STATED_WHEN.search(r.content)]
    if timed:
        return Composed(_sentence("; ".join(quote(r) for r in _uniq(rows[:1] + timed))), _uniq(rows[:1] + timed))
    return Composed(f"I haven't seen or heard a time for “{_about(q)}” {_upto(past)}.")


_ARRIVE_Q = re.compile(r"\b(?:get|be|come|coming|arrive|arriving|turn up|show up|make it|reach)\b")
_ARRIVE = re.compile(r"\b(?:here|there|arrive|arrives|arriving|arrival|come|coming|back|turn up|reach|reaches)\b", re.I)
ARRIVE_RECENT_S = 120.0  # "he" is whoever was last said to be on his way: within the last two minutes


def _arrival(q: Query, f: EvidenceFinder) -> list[Evidence]:
    """With no words to find ("when can he get here?"), the latest sentence or line that gives a time
    someone or something will arrive by."""
    recent = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH, EvidenceKind.TEXT))
              if r.t_end >= q.now - ARRIVE_RECENT_S and _ARRIVE.search(r.content) and _STATED_WHEN.search(r.content)]
    return recent[-1:]


# a time of day, or a day: "fix the lock tomorrow morning", "back on Monday"
_STATED_WHEN = re.compile(_CLOCK_TIME.pattern + r"|\b(?:today|tonight|tomorrow|yesterday|next (?:week|month|year|time)|"
                          r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?|this (?:morning|afternoon|evening|weekend))\b"
                          r"|\b(?-i:January|February|March|April|May|June|July|August|September|October|November|"
                          r"December)\b", re.I)  # a month by its capital: "may" is also a verb


_HOW_OFTEN = re.compile(r"^how often (?:do|does|is|are|will|would|can)\b")
_FREQUENCY = re.compile(r"\b(every|each|daily|weekly|monthly|yearly|twice|once|three times|hourly|nightly|"
                        r"times a|per (?:day|week|month|year|hour))\b", re.I)


def stated_frequency(q: Query, f: EvidenceFinder) -> Composed:
    """"How often does the bridge open?": a frequency stated (every Friday, twice a day) about the asked
    thing; else the frequencies stated, said as not matched; else none — never a count of sightings."""
    past = replace(q, scope=Scope.ALL)
    often = [r for r in f.rows(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH)) if _FREQUENCY.search(r.content)]
    topic = " ".join(w for w in (q.target or "").split() if w != "often")
    about = [r for r in often if topic and lexical(topic, r.content) >= 0.5]
    if about:
        return Composed(_sentence("; ".join(quote(r) for r in about[-2:])), about[-2:])
    if not often:
        return Composed(f"I haven't seen or heard how often {_upto(past)}.")
    return Composed(f"I haven't seen or heard how often “{topic or 'that'}” {_upto(past)}; stated: "
                    + "; ".join(quote(r) for r in often[-2:]) + ".", often[-2:])


# Words of a count question that say nothing of where the things are: "how many people can you see now?"
_COUNT_FILLER = set("""how many much there are is were was can you see seen see count in on at the a of this that these those
now right currently here in view visible picture frame screen camera cam shot scene image video total altogether so far
around about roughly rn u r ppl today still left do does did they we you he she it""".split())
_OWN = {"have", "has", "had", "own", "owns", "run", "runs", "operate", "operates", "employ", "employs", "got"}
_NUMBER_WORD = (r"(?:\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
                r"fifty|sixty|seventy|eighty|ninety|hundred|a hundred|dozens?|hundreds)")


def stated_count(q: Query, f: EvidenceFinder, cls: str) -> Composed | None:
    """A count the video states of people or things somewhere the camera need not show ("a long queue at the
    ticket office, about twenty people"): a sentence or line with the question's other words and a number
    before the thing's name. None when the question asks only what is in view, or nothing states one."""
    nouns = [w for w, c in OBJECT_WORDS.items() if c == cls and len(w) > 2 and w not in ("someone", "somebody", "anyone",
                                                                                      "anybody", "everyone", "everybody")]
    words_ = re.findall(r"[a-z]+", q.question.lower())
    owned = any(w in _OWN for w in words_) and not {"see", "seen", "saw", "spotted", "view"} & set(words_)  # "how many vans do they have?": a fleet is told, never in view at once
    rest = [w for w in words_ if w not in _COUNT_FILLER and w not in _OWN and OBJECT_WORDS.get(w) != cls]
    if not rest and not owned:
        return None
    named = "|".join(sorted(nouns + rest, key=len, reverse=True))  # "1,204 watching": the number by an asked word
    stated = re.compile(rf"\b{_NUMBER_WORD}\s+(?:[a-z]+\s+){{0,2}}?(?:{named})\b", re.I)
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    said = f.rows(past, (EvidenceKind.SPEECH,))
    matched = f.matching(past, (EvidenceKind.SPEECH, EvidenceKind.TEXT), target=" ".join(rest) or q.target)
    whole = {id(s.row): continued(s.row, said, q.now) if s.row.kind is EvidenceKind.SPEECH else [s.row] for s in matched}
    found = [s for s in matched
             if (not rest or lexical(" ".join(rest), s.row.content) >= 0.5)
             and stated.search(" ".join(r.content for r in whole[id(s.row)]))]
    if not found:
        return None
    rows = whole[id(_best(found, 1)[0].row)]  # "… at the ticket office." — "about 20 people.": both pieces
    return Composed(_sentence("; ".join(quote(r) for r in rows)), rows)


def stated_fact(q: Query, f: EvidenceFinder) -> Composed | None:
    """The line or sentence that states the asked number, quoted; None when the question does not
    ask for a stated one or nothing matching states a number."""
    if not _reported(q.question.lower(), q.answer_type, q.object_class):
        return None
    topic = " ".join(w for w in (q.target or "").split() if w not in ("long", "many", "count", "counted"))
    if not topic and _HOW_MUCH.search(q.question.lower()):
        topic = "price"  # "how much is it?": a price, by its look (a currency sign)
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    kinds = (EvidenceKind.TEXT, EvidenceKind.SPEECH)
    found = [s for s in f.matching(past, kinds, target=topic or q.target)
             if _NUMBER.search(s.row.content)] if (topic or q.target) else []
    if q.answer_type is AnswerType.HOW_MANY:  # the number must count the asked thing: "3 new cycle lanes"
        amount = bool(re.search(r"\bhow much\b", q.question.lower()))
        found = [s for s in found if _counts(s.row.content, topic or q.target or "", amount)]
        if not found and topic:  # "how many spaces left?": a line counting one of its words, "CAR PARK B: 38 FREE"
            said = " ".join(words(topic))  # sign words as signs write them: "spaces left" → "spaces free"
            counted = [r for r in f.rows(past, kinds) if r.t_start <= q.now and _counts(" ".join(words(r.content)), said)]
            found = [Scored(r, 1.0, 1.0) for r in (counted[-1:] if q.scope is Scope.NOW else counted[:1])]
    if found and q.answer_type is AnswerType.HOW_MANY and _LATEST_COUNT.search(q.question.lower()):
        found = [max(found, key=lambda s: s.row.t_start)]  # "how many calories so far?": the counter's latest value
    if found:
        row = found[0].row
        if row.kind is EvidenceKind.TEXT:  # "Ferry fares rise 1" read as it scrolled in: the whole line
            row = fuller(row, [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,)) if r.t_start <= q.now])
        return Composed(_sentence(quote(row)), [row])
    if q.answer_type is not AnswerType.WHEN:
        return None
    # "how long has she been studying birds?" and nothing says so in those words: the durations that were
    # stated, said as such (not the time a bird was in view, which is not what was asked)
    spans = [r for r in f.rows(past, kinds) if _DURATION.search(r.content)][-2:]
    if not spans:
        return Composed(f"I haven't seen or heard how long {_upto(past)}.")
    return Composed("Not in those words; the durations I have seen or heard stated: "
                    + "; ".join(quote(r) for r in spans) + ".", spans)


_LATEST_COUNT = re.compile(r"\b(so far|now|rn|right now|currently|at the moment|yet|burned|burnt|total|left|remaining|"
                           r"still)\b")


def _counts(content: str, topic: str, amount: bool = False) -> bool:
    """A number followed within three words by one of the topic's words ("Over 4,000 pigeons counted");
    for an amount ("how much have fares gone up?") the number may also follow them ("fares rise 10%")."""
    toks = re.findall(r"[\w,.%°£$€]+", content.lower())
    asked = {stem(w.strip(",.")).removesuffix("s") for w in topic.split()}  # "eggs" counts "1 egg"

    def number(t: str) -> bool:
        return bool(_NUMBER.fullmatch(t.strip(",.")) or re.fullmatch(r"[£$€]?[\d,.]+(?:%|°[cf]?|x)?", t))
    # a counter's label before its value ("CALORIES: 48", "Viewers 1,204") counts too
    label = re.match(r"^\s*([A-Za-z]+(?: [A-Za-z]+)?)\s*(:?)\s*[\d,.]+\s*$", content)  # not a line cut short
    if label and (label.group(2) or label.group(1).isupper()) and \
            any(stem(u.lower()).removesuffix("s") in asked for u in label.group(1).split()):
        return True
    return any(number(t) and any(stem(u.strip(",.")).removesuffix("s") in asked
                                 for u in toks[i + 1:i + 4] + (toks[max(0, i - 3):i] if amount else []))
               for i, t in enumerate(toks))


_PERSON_WORD = re.compile(r"\b(he|she|they|anyone|anybody|someone|somebody|man|woman|guy|girl|boy|person|people|driver|"
                          r"cyclist|rider|passenger)\b")
# someone in view named as such (not "his", "her" or a name alone: "when is Marcus on his break?")
_SOMEONE = re.compile(r"\b(he|she|they|anyone|anybody|someone|somebody|everyone|man|men|woman|women|guy|guys|girl|boy|kids?|"
                      r"child|children|person|people|ppl|pedestrians?|crowd|driver|cyclist|rider|passenger)\b")


def _only_their(q: Query, cls: str) -> bool:
    """A person class that came from "his"/"her" beside other words, no one named as in view: "did Marcus
    give his badge number?", "when is Marcus on his break?" are about what was said or shown, not whether
    or when a person was in view."""
    rest = [w for w in _without_subjects(q.target).split() if w not in ("his", "her", "their")]
    return cls == "person" and not _SOMEONE.search(q.question.lower()) and bool(rest)


_EMPTY = re.compile(r"\b(empty|deserted|busy|crowded|full|packed)\b")
_COMPARE = re.compile(r"\b(?:more|fewer|less)\b.{0,40}\bthan\b|\b(?:increased|decreased|gone up|gone down|grown)\b")


def compare_counts(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    """"More people now than a minute ago?": the count now against the count at the time named,
    both cited; the yes or no follows the comparison the question makes."""
    if not f.has_detector(q):
        return _no_detector(cls)
    then, now = f.objects_at(q, q.point, cls), f.objects_at(q, q.now, cls)
    if then is None or now is None:
        return Composed(f"I have no detections at {fmt_time(q.point if then is None else q.now)} to compare.")
    a, b = f.count(then, cls), f.count(now, cls)
    fewer = bool(re.search(r"\b(fewer|less|decreased|gone down)\b", q.question.lower()))
    holds = b < a if fewer else b > a
    name = _name(cls)
    said = f"{b} {plural(name, b)} in view now ({fmt_time(min(now.t_end, q.now))}) against {a} at {fmt_time(q.point)}"
    return Composed(f"{'Yes' if holds else 'No'} — {said}.", _uniq([then, now]), count=b)
# "Did anyone drop something?", "is anybody running?", "somebody fell?": the verb said of a person
# or thing. The senses see presence, arrival, leaving and movement, not other actions, so any
# other verb makes the question one they cannot answer (a person in view is not a "yes").
_SUBJECT = (r"(?:anyone|anybody|someone|somebody|everyone|everybody|people|he|she|they|it|"
            r"(?:the|a|an|any|that|this|some) (?:\w+ )?\w+)")
_AUX_VERB = re.compile(rf"^(?:did|does|do|can|could|will|would|has|have|had)\s+{_SUBJECT}\s+(?:just |ever |already |actually )?([a-z]+)\b")
_BE_VERB = re.compile(rf"^(?:is|are|was|were)\s+(?:there\s+)?{_SUBJECT}\s+(?:still |just |currently |now )?([a-z]+ing)\b")
_BARE_VERB = re.compile(r"^(?:anyone|anybody|someone|somebody|any ?one)\s+(?:just )?([a-z]+(?:ing|ed)|fell|ran|threw|took|hit|sat|stood)\b")
_SEEN_VERBS = set("""be been being come comes coming came enter enters entering entered leave leaves leaving left appear
appears appearing appeared arrive arrives arriving arrived show shows showing showed shown pass passes passing passed
walk walks walking walked go goes going gone went move moves moving moved cross crosses crossing crossed stay stays
staying stayed remain remains remaining remained exit exits exiting exited return returns returning returned get gets
getting got turn turning turned pop popping popped drive driving drove fly flying flew roll rolling rolled head heading
headed ride rides riding rode ridden cycle cycles cycling cycled still there here around visible present""".split())


def unseen_action(low: str) -> bool:
    """The question says a verb of its subject that the senses do not see (see _SEEN_VERBS)."""
    low = re.sub(r"[?!.,]", " ", low).strip()
    for rx in (_AUX_VERB, _BE_VERB, _BARE_VERB):
        m = rx.search(low)
        if m:
            verb = m.group(1)
            return verb not in _SEEN_VERBS and verb not in OBJECT_WORDS and verb not in GROUPS
    return False


_GAIT = re.compile(r"\b(standing still|stand still|stood still|stationary|not moving|standing around|staying still|"
                   r"still or (?:walking|moving)|(?:walking|moving) or (?:standing|still)|standing or walking|loitering|"
                   r"running|run|ran|jogging|rushing|hurrying)\b")
# Body heights a second, from a track's first and last box: people walking past a fixed camera
# measured 0.3-1.2 (vtest.avi, the generated people clip); running is about twice a brisk walk.
STILL_BH_S, RUNNING_BH_S = 0.15, 2.0
GAIT_MIN_S = 2.0  # a track this short says nothing about how someone moves


def people_gait(q: Query, f: EvidenceFinder) -> Composed | None:
    """Moving or still, walking or running, from each person's track up to the moment asked: how far
    their box moved, in their own heights, over the time followed. None without tracks long enough."""
    at = q.point
    tracks = [r for r in f.tracks(replace(q, scope=Scope.ALL), "person")
              if r.data.first_box and r.data.last_box and r.t_end >= at - IN_VIEW_S and r.t_start <= at
              and min(r.t_end, at) - r.t_start >= GAIT_MIN_S]
    if not tracks:
        return None
    speeds = [(_speed(r, at), r) for r in tracks]
    still = [r for v, r in speeds if v < STILL_BH_S]
    fast = [r for v, r in speeds if v >= RUNNING_BH_S]
    top = max(v for v, _ in speeds)
    n = len(tracks)
    low = q.question.lower()
    if re.search(r"\b(running|run|ran|jogging|rushing|hurrying)\b", low):
        said = (f"Yes — {len(fast)} of the {n} {plural('person', n)} I followed moved at a running pace "
                f"(up to {top:.1f} body heights a second)" if fast else
                f"No one looks to be running: the {n} {plural('person', n)} I followed moved at most "
                f"{top:.1f} body heights a second (walking pace)")
        return Composed(f"{said}, {_gait_when(tracks, at)}.", tracks)
    moving = n - len(still)
    said = f"{moving} of the {n} {plural('person', n)} I followed up to {fmt_time(at)} moved (walking)" if moving \
        else f"none of the {n} {plural('person', n)} I followed moved"
    # a box that never moves is also what a false detection (a post, a tripod) looks like: "barely moved", hedged
    rest = f"; {len(still)} barely moved while followed" if still else ""
    asks_still = re.search(r"\b(still|stationary|not moving|standing|loitering)\b", low) and \
        q.answer_type is AnswerType.YES_NO and not re.search(r"\bor\b", low)
    lead = "" if not asks_still else ("Possibly — " if still else "No — ")
    return Composed(_sentence(f"{lead}{said}{rest}, {_gait_when(tracks, at)}"), tracks)


def _speed(r: Evidence, at: float) -> float:
    a, b = r.data.first_box, r.data.last_box
    h = max(1e-3, ((a.y1 - a.y0) + (b.y1 - b.y0)) / 2)
    dist = (((a.x0 + a.x1) - (b.x0 + b.x1)) ** 2 + ((a.y0 + a.y1) - (b.y0 + b.y1)) ** 2) ** 0.5 / 2
    return dist / h / max(1e-3, min(r.t_end, at) - r.t_start)


def _gait_when(tracks: list[Evidence], at: float) -> str:
    return "followed " + ", ".join(span_text(r.t_start, min(r.t_end, at)) for r in tracks[:4]) + \
        (f" and {len(tracks) - 4} more" if len(tracks) > 4 else "")


# What a person has or does that the detector does not see (a bag, a hat, a phone in hand).
_ATTRIBUTE = re.compile(r"\b(carrying|carry|holding|hold|wearing|wear|using|eating|drinking|pushing|pulling|"
                        r"smoking|reading|texting|standing|sitting|lying|waiting|dancing|fighting|on (?:the|a|his|her) phone|with (?:a|an|some) (?!dog|cat|bike|bicycle|car)\w+)\b")


def empty_or_busy(q: Query, f: EvidenceFinder) -> Composed:
    """"Is the path empty?" / "is it busy?": the people count at the moment asked, with the yes or
    no that the count gives ("empty" is yes only at 0; busy or crowded is not judged — the count is said)."""
    if not f.has_detector(q):
        return _no_detector("person")
    t = q.point
    row = f.objects_at(q, t, "person")
    if row is None:
        return Composed(f"I have no detections at {fmt_time(t)}.")
    n = f.count(row, "person")
    when = fmt_time(min(row.t_end, t))
    if re.search(r"\b(empty|deserted)\b", q.question.lower()):
        said = f"Yes — nobody in view at {when}." if n == 0 else \
            f"No — I count {n} {plural('person', n)} in view at {when}."
        return Composed(said, [row], count=n)
    return Composed(f"I count {n} {plural('person', n)} in view at {when}.", [row], count=n)


_IDENTITY_WORDS = set("animal animals creature creatures bird birds pet pets kind type sort species breed this that "
                      "it one".split())


_NOT_NAMES = set("I I'm I'd I've OK TV Mr Mrs Ms Dr".split())


def proper_names(question: str) -> list[str]:
    """Capitalised words after the first ("where does Daniel live?" → Daniel): a name the answer must be
    about. Lower-case questions name nobody this way."""
    return [w for w in re.findall(r"(?<=\s)[A-Z][a-z]+(?:'s)?", question) if w not in _NOT_NAMES]


def _names_beside(row: Evidence, names: list[str], text: list[Evidence]) -> bool:
    """The line, or a line shown with it (a lower third's name over its role), has one of the names."""
    return any(lexical(n.removesuffix("'s"), r.content) >= 1.0 for r in beside(row, text) for n in names)


_ASKS_NUMBER = re.compile(r"\b(?:what|which)(?:'s|s| is| was)? (?:the |their |his |her |its )?(?:[a-z'-]+ ){0,2}number(?! of)\b|"
                          r"\bwhat number\b|\bnumber (?:to|for)\b|\bwhat ?(?:percentage|percent|share|proportion|fraction|%)|"
                          r"\bhow many (?:degrees|percent)\b")


# "where did he attack / go down / get married?": an event's place, which only words give (a posture or
# a being-there — "where is he sitting?" — is the frame's business)
_WHERE_DID = re.compile(r"^where (?:did|does|do|will|has|have|had) (?!(?:it|they|we) (?:go|come)\b)\S+ (?!be\b|stand|sit|park|stay|wait)"
                        r"\w+")


_BEFORE_Q = re.compile(r"\b(?:before|earlier|previously|at first|originally|used to be)\s*\??$")


def version_before(f: EvidenceFinder, q: Query) -> Composed | None:
    """Of the matched on-screen lines, the graphic shown in versions that differ in their numbers ("A40 to city
    centre: 35 min", later "…: 55 min"): the version before its latest, with the latest. None when no matched
    line was shown in two versions."""
    past = replace(q, scope=Scope.ALL)  # "before" is never now, whatever the question it follows asked
    text = [r for r in f.rows(past, (EvidenceKind.TEXT,)) if r.t_start <= q.now]
    best: tuple[Evidence, Evidence] | None = None
    for s in f.matching(past, (EvidenceKind.TEXT,)):
        if s.row.kind is not EvidenceKind.TEXT or not re.search(r"\d", s.row.content):
            continue
        key = numbers_hidden(s.row.content)
        versions = sorted((r for r in text if numbers_hidden(r.content) == key), key=lambda r: r.t_start)
        changed = [r for r in versions if r.content != versions[-1].content]
        if changed and (best is None or versions[-1].t_start > best[1].t_start):
            best = (changed[-1], versions[-1])
    if best is None:
        return None
    before, latest = best
    return Composed(f"Before: {quote(before).removeprefix('the screen showed ')}; then {quote(latest).removeprefix('the screen showed ')}.",
                    [before, latest])


def open_question(q: Query, f: EvidenceFinder) -> Composed:
    """what / who / where: what was read or heard about it; else what is seen."""
    cls = q.object_class
    low = q.question.lower()
    if re.search(r"\b(animal|animals|creature|bird|pet)\b", low) and not (q.modalities & {Modality.SPEECH, Modality.TEXT}) \
            and not set((q.target or "").split()) - _IDENTITY_WORDS:  # not "what should I do if I find a hurt bird?"
        return identify(replace(q, object_class="animal"), f)
    if q.answer_type is AnswerType.WHO and (cls in (None, "person")):
        if _WHO_SPEAKS.search(low) and (named := caption_answer(q, f) or last_caption(q, f)) is not None:
            return named  # "who's reviewing this?", "who's the guide?": the caption naming them
        if (called := addressed(q, f)) is not None:
            return called  # "who are the commentators?": "Peter, can we look…", "Clare, will he hold on?"
        credited = credit_answer(q, f)  # "who directed it?": a credit line, not the people in view
        if credited is not None:
            return credited
        if not q.modalities & {Modality.SPEECH} and not _asks_role(low):
            return who(q, f)  # "who's walking by?": a name caption, else the people in view
    if q.answer_type is AnswerType.WHERE and _WHERE_DID.search(low) and (told := _told_about(q, f)) is not None:
        return told  # "where did he attack?": where it was said to happen, not where he is in the frame
    if q.answer_type is AnswerType.WHERE and cls and not q.modalities & {Modality.SPEECH, Modality.TEXT}:
        return where_is(q, f, cls)  # "where is the red car?": its boxes, not a line that matches "red"
    found = f.matching(q, kinds_for(q)) if q.target else []
    if not found and q.target and q.scope in (Scope.NOW, Scope.ALL):  # "which room is the meeting in now?":
        found = f.matching(replace(q, scope=Scope.ALL), kinds_for(q))  # the fact may have been given earlier
    if found and (names := proper_names(q.question)):  # "where does Daniel live?": not "NGN LIVE"
        text = f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,))
        found = [s for s in found if s.row.kind is not EvidenceKind.TEXT or _names_beside(s.row, names, text)]
    found = labelled(q, _not_echo(found, q.question))
    if q.target and _BEFORE_Q.search(low) and (earlier := version_before(f, q)) is not None:
        return earlier  # "what was it before?": the value this graphic showed before its latest
    if found and _ASKS_NUMBER.search(low):  # "what's the number for injured birds?": a line with a number answers
        share = re.search(r"%|percent", low)  # "what % was offline mode?": a share, not any number near the words
        found = [s for s in found if (_SHARE if share else _NUMBER).search(s.row.content)]
        if not found:
            return Composed(f"I haven't seen or heard a number for “{_about(q)}” {_upto(replace(q, scope=Scope.ALL))}.")
    if found:
        rows = _with_beside(f, q, [s.row for s in _best(found, 2)])
        if rows[0].kind is EvidenceKind.TEXT and echo(rows[0], q.question):  # only a heading matched ("Part 2: What
            rows += [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH,))  # they eat"): what was
                     if rows[0].t_start <= r.t_start <= rows[0].t_end + 1.0 and r.t_start <= q.now][:1]  # said under it
        return Composed(_sentence("; ".join(quote(r) for r in rows)), rows)
    if q.answer_type is AnswerType.WHO and cls == "person":
        return _no_role(q) if _asks_role(low) else who(q, f)
    if q.answer_type is AnswerType.WHERE and cls:
        return where_is(q, f, cls)
    if cls and (_ACTIVITY.search(low) or q.answer_type is AnswerType.WHO or _unseen_detail(q.target)):
        return activity(q, f, cls)  # "how old is he?", "what's his name?": not whether one is there
    if (label := source_label(q, f)) is not None:
        return label  # "which camera is this?": the feed's own label
    if re.match(r"what(?:'s| is) (?:this|that|it)\b", low) and not cls or (cls is None and not q.target) or \
            re.search(r"\bwhat (?:kind|sort|type|types|kinds) of\b", low):
        return identify(q, f)
    if cls:
        return objects_present(_now_unless_past(q), f, cls)
    if (there := what_there(q, f)) is not None:
        return there  # "what's parked by the building?": what is detected, said without placing it
    base = not_found(q, kinds_for(q))
    if q.modalities & {Modality.SPEECH, Modality.TEXT}:
        return base
    seen = describe(_now_unless_past(q), f)
    if not seen.used:
        return base
    return Composed(f"{base.text[:-1]}; what I do see — {_lower_first(seen.text)}", seen.used)


# "Who's the sponsor?", "who won the stage?", "who's in the lead?": a role or a deed, which only words
# (a line shown, a sentence said) can give — the people in view are no answer to it, and with no words
# about it the answer is "not seen or heard". Not the looks of someone in view ("who's the man in red?",
# "who's the guy on the left?") nor what the picture shows them doing ("who walked past?", "who's
# sitting there?"): those are the frame's.
_ROLE_WHO = re.compile(r"^who(?:'s|'re| is| are| was| were) (?:the|our|their|your|today's|tonight's) "
                       r"(?!(?:man|men|woman|women|guy|guys|lady|person|people|one|kid|child|boy|girl|figure|"
                       r"someone|somebody)\b)([a-z]+)\s*\??$")
_DEED_WHO = re.compile(r"^who (?:won|lost|scored|said|told|asked|answered|suggested|proposed|announced|mentioned|"
                       r"reported|called|organi[sz]ed|sent|paid|bought|sold|made|wrote|directed|produced|invented|"
                       r"designed|built|founded|started|opened|chaired|seconded|hosted|presented|introduced|"
                       r"sponsored|voted|promised|agreed|complained|signed|booked|ordered|cooked|found|broke)\b")
_LEAD_WHO = re.compile(r"^who(?:'s| is| was) (?:(?:out )?in (?:front|the lead|charge|command)|leading|winning|ahead|"
                       r"on duty|on call|responsible)\b")


def _asks_role(low: str) -> bool:
    return bool(_ROLE_WHO.match(low) or _DEED_WHO.match(low) or _LEAD_WHO.match(low))


def _no_role(q: Query) -> Composed:
    """No line or sentence says who: "I haven't seen or heard who is in the lead so far (up to 00:07.0)"."""
    asked = re.sub(r"^who(?:'s|\s+is)\b", "who is", q.question.strip().rstrip("?!. ").lower())
    asked = re.sub(r"^who're\b", "who are", asked)
    return Composed(f"I haven't seen or heard {asked} {_upto(replace(q, scope=Scope.ALL))}.")


# "What's parked by the building?", "what's standing on the grass?": a thing asked by where it is, at a place
# the senses do not locate (a building, the grass, a shelf are not detected).
_WHAT_THERE = re.compile(r"^what(?:'s| is| are|'re| was| were)\s+(?:that |it )?(\w+(?:ing|ed)|parked|left|sat|stood)\s+"
                         r"(?:up |down |over |out |around )?"
                         r"(?:on|by|in|at|near|next to|beside|behind|in front of|under|over|outside|against|to)\s+"
                         r"(?:the |that |this )?([a-z][a-z ]{1,30}?)\s*(?:(?:right )?now|earlier|just now|(?:at|around|"
                         r"about) [\d:.]+\w*(?: seconds?| secs?| s)?)?\s*\??$")
_VEHICLE_VERBS = {"parked", "parking", "driving", "stopped"}


def what_there(q: Query, f: EvidenceFinder) -> Composed | None:
    """The people and things detected at the asked time (only vehicles for "parked"), said as what is
    in view: the place named is not something the senses find, so it is named, not claimed."""
    m = _WHAT_THERE.match(q.question.lower().strip())
    if not m or not f.has_detector(q):
        return None
    now = _now_unless_past(q)
    row = f.objects_at(now, now.point)
    if row is None or not isinstance(row.data, ObjectsData) or not row.data.counts:
        return Composed(f"I see no people or objects at {fmt_time(now.point)} (I can't place “{m.group(2)}” either).",
                        [row] if row else [])
    counts = [(c, n) for c, n in row.data.counts if n and (m.group(1) not in _VEHICLE_VERBS or c in members("vehicle"))]
    if not counts:
        return Composed(f"I see no vehicles at {fmt_time(now.point)}; in view: {_counts_phrase(row)}.", [row])
    said = ", ".join(f"{n} {plural(DISPLAY.get(c, c), n)}" for c, n in counts)
    return Composed(f"In view at {fmt_time(min(row.t_end, now.point))}: {said} — where “{m.group(2)}” is in the "
                    f"picture I can't place.", [row])


def _now_if_all(q: Query) -> Query:
    """A question with no time (scope all) asked where only the present makes sense: now."""
    return replace(q, scope=Scope.NOW) if q.scope is Scope.ALL else q


def _now_unless_past(q: Query) -> Query:
    """A "what …" question without a time means now ("what's that person doing?"), unless it is
    in the past tense ("which camera saw a person?", "what did you see?"): then all so far."""
    return q if asks_past(q.question) else _now_if_all(q)


# "where is this?", "what kind of place is it", "where was this filmed", "which city is this": the
# place itself, not a thing's place in the frame ("indoors or outdoors?" is look()'s: the light).
PLACE_QUESTION = re.compile(
    r"\bwhere (?:is|was|are|were) (?:this|that|it|we|they|you|the (?:camera|video|clip|footage|scene|recording))"
    r"(?: place| location)?(?: now| right now| here| at the moment)?\s*[?.!]*\s*$|"
    r"\bwhat(?:'s| is) (?:this|that|the) (?:place|location|spot|street|square|building|area|neighbourhood|neighborhood) "
    r"called\b|\bname of (?:this|that|the) (?:place|location|spot|street|square|building|area)\b|"
    r"\bwhere (?:\w+ ){0,4}(?:filmed|shot|recorded|taken|located)\b|"
    r"\b(?:what|which) (?:kind of |sort of |type of )?(?:place|location|area|city|town|country|street|room|building|setting|venue) "
    r"(?:is|was) (?:this|that|it)\b|\b(?:what|which) (?:kind of |sort of |type of )?(?:place|location|area|city|town|country|street|"
    r"room|building|setting|venue) (?:are|were) (?:we|they|you) (?:in|at)\b")

# ImageNet classes that name a kind of place (the classifier's guess, reported as "looks like").
_PLACE_LABELS: dict[str, str] = {}
for _place, _names in {
    "a street": "street sign|traffic light|parking meter|cab|trolleybus|streetcar|minibus|police van|moving van|"
                "school bus|tow truck|garbage truck|fire engine|jinrikisha",
    "a shop": "bakery|barbershop|bookshop|butcher shop|confectionery|grocery store|shoe shop|tobacco shop|toyshop",
    "a kitchen (indoors)": "refrigerator|stove|dishwasher|microwave|espresso maker|plate rack|rotisserie",
    "a bathroom (indoors)": "washbasin|bathtub|tub|toilet seat|shower curtain|medicine chest",
    "a living room (indoors)": "studio couch|home theater|entertainment center|bookcase",
    "an office (indoors)": "desk|desktop computer",
    "a bedroom (indoors)": "four-poster|wardrobe",
    "inside a car": "car mirror|seat belt",
    "mountains": "alp|valley|cliff|volcano",
    "a coast or a lake": "lakeside|seashore|sandbar|promontory|breakwater",
    "a harbour or a river": "dock|pier|container ship|liner|fireboat|speedboat|canoe|boathouse",
    "a bridge": "suspension bridge|steel arch bridge|viaduct",
    "under water": "coral reef",
}.items():
    for _n in _names.split("|"):
        _PLACE_LABELS[_n] = _place
for _n in "church cinema library monastery mosque palace prison planetarium restaurant castle greenhouse barn patio".split():
    _PLACE_LABELS[_n] = f"a {_n}"
_STREET_CLASSES = ("car", "bus", "truck", "motorcycle", "bicycle")
PLACE_LABEL_MIN = 0.35  # a label row's confidence (its top class's probability) to name a place by it
_INDOOR = re.compile(r"\(indoors\)|inside a")


_PLACE_NAME = re.compile(r"\b(square|street|st\.|road|avenue|bridge|church|cathedral|museum|market|park|harbou?r|port|"
                         r"station|castle|tower|gardens?|beach|lake|river|hall|palace|old town|quarter|plaza|cafe|inn)\b", re.I)


CAPTION_MAX_S = 15.0  # a place caption stays a few seconds; a line up longer is a corner bug ("⚲ Old Harbour")
_PLACE_ORDINAL = re.compile(r"\b(first|last|previous) (?:place|stop|location|spot|sight)\b")


def place_visited(q: Query, f: EvidenceFinder, which: str) -> Composed | None:
    """The first (or last) place the video named by a caption, not counting its title card and lines
    that stay on screen as a corner bug; None when it named none."""
    rows = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,)) if r.t_start <= q.now]
    if not rows:
        return None
    title_at = rows[0].t_start
    named = [r for r in rows if r.t_start > title_at + BESIDE_S and r.t_end - r.t_start < CAPTION_MAX_S
             and _PLACE_NAME.search(r.content)]
    if not named:
        return None
    row = named[0] if which == "first" else named[-1]
    return Composed(f"The {which} place the video named: {quote(row)}.", [row])


def place(q: Query, f: EvidenceFinder) -> Composed:
    """What kind of place the picture shows, from what the senses recognise — vehicles in view
    (a street), a place-like classifier label, a crowd, the light — cited; never a named place
    unless a sign or speech names one (those are quoted, not inferred)."""
    w = _recent(_now_if_all(q))
    row = max([r for r in f.rows(w, (EvidenceKind.OBJECTS,)) if r.data.counts],
              key=lambda r: (sum(n for _, n in r.data.counts), r.t_start), default=None)
    labels = [r for r in f.rows(w, (EvidenceKind.LABEL,)) if any(lb.name in _PLACE_LABELS for lb in r.data.labels)]
    look = f.rows(w, (EvidenceKind.LOOK,))[-1:]
    texts = [r for r in f.rows(w, (EvidenceKind.TEXT,)) if not _CLOCK.match(r.content) and not _PAGE.match(r.content)][-3:]
    kind, used = _place_kind(f, row, labels)
    named = [t for t in texts if name_line(t.content) or _PLACE_NAME.search(t.content)]
    if named:  # "where are we now?" under a "Market Square" caption: the place the video names
        return Composed("The video names the place: " + "; ".join(quote(t) for t in named) + ".", named)
    if look and look[0].data.dark:
        kind = f"{kind}, at night or unlit" if kind else "a dark place (night, or unlit)"
    signs = f"; signs there read {', '.join(f'“{t.content}”' for t in texts)}" if texts else ""
    if not kind:
        seen = describe(w, f)
        return Composed(f"I can't tell what kind of place this is{signs}. " + seen.text, seen.used + texts)
    outdoors = "" if _INDOOR.search(kind) or not row else ", outdoors" if any(c in _STREET_CLASSES for c, n in row.data.counts if n) else ""
    name = "" if texts else " (I can tell the kind of place, not which one)"
    return Composed(f"It looks like {kind}{outdoors}{name}: " + "; ".join(quote(r) for r in used + look) + signs + ".",
                    _uniq(used + look + texts))


def _recent(q: Query) -> Query:
    """The asked window; for "now", the last DESCRIBE_NOW_S seconds (a place does not change by the frame)."""
    if q.scope is Scope.NOW:
        return _last(q, DESCRIBE_NOW_S, q.now)
    return q


def _place_kind(f: EvidenceFinder, row: Evidence | None, labels: list[Evidence]) -> tuple[str, list[Evidence]]:
    """(a kind of place, the rows that show it): vehicles in view first (a street or road: the
    detector is right far more often than the classifier, which called vtest.avi's street an alp),
    then a place-like label the classifier is fairly sure of, then people only (a public place);
    "" when nothing says."""
    if row is not None and any(f.count(row, c) for c in _STREET_CLASSES):
        return "a street or road", [row]
    sure = [r for r in labels if r.confidence >= PLACE_LABEL_MIN]
    if sure:
        best = max(sure, key=lambda r: (r.confidence, r.t_end))
        name = next(lb.name for lb in best.data.labels if lb.name in _PLACE_LABELS)
        return _PLACE_LABELS[name], [best]
    if row is not None and f.count(row, "person") >= 2:
        return "a public place with people about", [row]
    return "", []


def where_is(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    """Where is the <cls>: its place in the frame, and what the scene looks like (a guess)."""
    asked = colour_word(q.target or "")
    if asked:
        return where_coloured(q, f, cls, asked)
    seen = sighting(_now_if_all(q), f, cls)
    labels = best_label(f, q)
    guess = f"; {quote(labels[0])}" if labels else ""
    if seen is None:
        told = f.matching(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH, EvidenceKind.TEXT))
        if told and told[0].lexical >= LEXICAL_MIN:  # "where is the delivery truck?" — it was said where
            return Composed(_sentence(f"{quote(told[0].row)} — the {_name(cls)} itself is not in view at "
                                      f"{fmt_time(q.point)}"), [told[0].row])  # what was told answers where
        return Composed(f"I don't see a {_name(cls)} at {fmt_time(q.point)}{guess}.", labels)
    row, boxes = seen
    if len(boxes) == 1:
        b = boxes[0]
        spot = where((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2)
        return Composed(f"The {_name(cls)} is in the {spot} of the frame at {fmt_time(min(row.t_end, q.point))}{guess}.",
                        [row] + labels)
    return Composed(f"At {fmt_time(min(row.t_end, q.point))}: {boxes_phrase(boxes)} (places in the frame){guess}.",
                    [row] + labels)


def where_coloured(q: Query, f: EvidenceFinder, cls: str, colour: str) -> Composed:
    """Where is/was the red car: only boxes of that colour count; a car of another colour is not
    it ("I haven't seen a red car", not the white one's place)."""
    pairs = [(r, b) for r, b in _coloured_boxes(q, f, cls) if b.colour == colour]
    if not pairs:
        return Composed(f"I haven't seen a {colour} {_name(cls)} {_upto(q)}.")
    row, box = max(pairs, key=lambda p: p[0].t_end)
    spot = where((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)
    return Composed(f"The {colour} {_name(cls)} was in the {spot} of the frame "
                    f"{span_text(row.t_start, min(row.t_end, q.now))}.", [row])


def who(q: Query, f: EvidenceFinder) -> Composed:
    """People can't be recognised by name here: a caption that names them, else how many are in
    view (and when)."""
    named = caption_answer(q, f)
    if named is not None:
        return named
    row = f.objects_at(q, q.point, "person") if f.has_detector(q) else None
    n = f.count(row, "person") if row is not None else 0
    seen = sighting(q, f, "person") if row is not None else None
    if (seen is None or _CAPTION_WORDS.search(q.question.lower())) and (earlier := last_caption(q, f)) is not None:
        return earlier  # "who's the woman in the banner?" after the banner went, or nobody in view
    if not f.has_detector(q):
        return _no_detector("person")
    if n and seen is not None:
        return Composed(f"I can't tell who they are by name, but I see {n} {plural('person', n)} in view at "
                        f"{fmt_time(min(row.t_end, q.point))}: {boxes_phrase(seen[1])}.", _uniq([row, seen[0]]))
    if seen is not None:
        last, boxes = seen
        return Composed(f"I can't tell who by name: {boxes_phrase(boxes)} was in view at {fmt_time(last.t_start)} "
                        f"(detections flicker; not in the latest frame).", [last])
    return Composed(f"I don't see anyone in view at {fmt_time(q.point)}.", [row] if row else [])


_TALK = re.compile(r"\b(talking|speaking|speech|saying anything|say anything|said anything|voices?|conversation|audio|"
                   r"hear anything|heard anything|hear something|heard something|sounds?|noise)\b")
# Words that ask whether anyone spoke at all rather than about a subject ("is anyone talking?").
_TALK_GENERIC = "talking speaking speech saying say said anything something voice voices conversation audio hear heard " \
                "sound sounds noise make made any"


def colour_check(q: Query, f: EvidenceFinder) -> Composed | None:
    """"Was it a red backpack?" when a line or sentence named the thing in another colour ("Black backpack
    at reception"): no, quoting it — the words say more than a red blob moving somewhere. None when no
    line gives the thing a colour (then what was seen answers)."""
    asked = colour_word(q.target or "")
    things = [stem(w) for w in (q.target or "").split() if w not in _COLOUR_NAMES and len(w) > 2]
    if asked is None or not things:
        return None
    colours = "|".join(_COLOUR_NAMES)
    for row in reversed(f.rows(q, (EvidenceKind.TEXT, EvidenceKind.SPEECH))):
        low = row.content.lower()
        named = {colour_word(m.group(1)) for t in things
                 for m in re.finditer(rf"\b({colours})\s+(?:[a-z]+\s+)?{re.escape(t)}", low)}
        if named and asked not in named:
            return Composed(f"No — {quote(row)}.", [row])
    return None


def number_check(q: Query, f: EvidenceFinder) -> Composed | None:
    """"Is the oven at 200?": the line or sentence about the rest of the question that states a number —
    yes when it is the asked one, no (quoting the one stated) when not; None when nothing states one."""
    named = departure(q.question.lower())  # "is the 14:10 on time?": 14:10 names the train, it checks nothing
    nums = [w for w in words(" ".join(w for w in (q.target or "").split() if w != named)) if w.isdigit()]
    rest = " ".join(w for w in (q.target or "").split() if not any(c.isdigit() for c in w) and w not in _COMPARE_WORDS)
    if not nums or not rest:
        return None
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    matched = [s for s in f.matching(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH), target=rest) if s.lexical >= LEXICAL_MIN]
    found = [s for s in matched if _NUMBER.search(s.row.content)]
    if not found and matched:  # "was the alarm on door 4?": "DOOR ALARM" matched, its number is on the line with it
        shown = [s.row for s in matched if s.row.kind is EvidenceKind.TEXT]
        text = f.rows(replace(past, scope=Scope.ALL), (EvidenceKind.TEXT,))
        found = [Scored(o, s.score, s.lexical) for s in matched[:2] if s.row in shown
                 for o in beside(s.row, text)[1:] if _NUMBER.search(o.content) and o.t_start <= q.now]
    if not found:
        return None
    if (cmp := _COMPARED.search(q.question.lower())) is not None:  # "more than 200 dollars?": the stated one, compared
        stated = [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*(?:\.\d+)?", found[0].row.content)]
        if stated:
            bound, value = float(cmp.group(2)), stated[0]
            yes = {"more than": value > bound, "over": value > bound, "above": value > bound, "greater than": value > bound,
                   "at least": value >= bound, "less than": value < bound, "under": value < bound, "below": value < bound,
                   "fewer than": value < bound, "at most": value <= bound}[cmp.group(1)]
            return Composed(f"{'Yes' if yes else 'No'} — {quote(found[0].row)}.", [found[0].row])
    same = [s for s in found if all(n in words(s.row.content) for n in nums)]
    rows = [s.row for s in (same or found)[:1 if same else 2]]
    return Composed(f"{'Yes' if same else 'No'} — " + "; ".join(quote(r) for r in rows) + ".", rows)


_COMPARE_WORDS = set("more less over under than least most above below fewer greater".split())
_COMPARED = re.compile(r"\b(more than|over|above|greater than|at least|less than|under|below|fewer than|at most)\s+[$£€]?"
                       r"(\d+(?:\.\d+)?)")


# What "is anyone in red?" may say beside the colour; another word ("does Vella take the yellow jersey?")
# makes the colour part of something shown or said, not a look at who is in view
_WEARS = set("""wearing wear wears wore dressed clothes clothing shirt t-shirt top jacket coat jersey dress hat cap
hoodie jumper sweater helmet anyone anybody someone somebody everyone person people man woman guy girl boy kid
lady men women thing things one ball circle square shape box block disc dot rectangle object""".split())


def _beyond_colour(q: Query, f: EvidenceFinder) -> bool:
    """Words beside the colour that the video itself showed or said ("Vella", "jersey" in "does Vella take the
    yellow jersey?"); a typo or a word it never used ("is somone in a red jacket?") leaves it a look."""
    other = " ".join(w for w in (q.target or "").split() if w not in _WEARS and w not in _COLOUR_NAMES
                     and w not in OBJECT_WORDS)
    if not other:
        return False
    past = replace(q, scope=Scope.ALL)
    return any(s.lexical >= 1.0 for w in other.split()
               for s in f.matching(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH), target=w)[:3])


def _apart(q: Query, f: EvidenceFinder, kinds: tuple[EvidenceKind, ...]) -> Composed | None:
    """"Did Vella crash?" when every asked word was shown or said, but never together: the premise is
    wrong, and what was said of its last word answers it ("CRASH" / "Luis Moreno down on the descent")."""
    asked = [w for w in (q.target or "").split() if len(w) > 1]
    if len(asked) < 2:
        return None
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    hits = {w: [s for s in f.matching(past, kinds, target=w) if s.lexical >= 1.0] for w in asked}
    if not all(hits.values()):
        return None  # a word nothing has: the honest answer is that it was not seen
    last, others = asked[-1], " ".join(asked[:-1])
    named = [s.row for w in asked[:-1] for s in hits[w]]
    # said just after its subject was named, the rest is about it ("That is Luis Moreno." — "He is back on his
    # bike and he looks ok."): a yes with both; far from every mention of it, the premise is wrong
    near = [(n, s.row) for s in hits[last] for n in named if 0.0 <= s.row.t_start - n.t_start <= COREF_S
            and s.row.kind is EvidenceKind.SPEECH]  # "he" is spoken; a card's other line ("Closed on Mondays") is no reply
    if near:
        rows = _uniq([near[-1][0], near[-1][1]])
        return Composed("Yes — " + "; ".join(quote(r) for r in rows) + ".", rows)
    rows = _with_beside(f, q, [s.row for s in _best(hits[last], 2)])
    return Composed(f"No — not as far as I saw or heard; about “{last}” without “{others}”: "
                    + "; ".join(quote(r) for r in rows) + ".", rows)


# A state asked and the states that say it is not so ("is the A40 open again?" — "the A40 is closed")
_OPPOSITES = {**dict.fromkeys(("open", "opened", "reopened", "working", "running"),
                              r"\b(?:closed|shut|out of order|not working|broken|cancell?ed|suspended)\b"),
              **dict.fromkeys(("closed", "shut"), r"\b(?:open|opened|reopened)\b"),
              **dict.fromkeys(("free", "available", "empty"), r"\b(?:full|sold out|no spaces)\b"),
              "full": r"\b(?:free|available|spaces? left)\b", "quiet": r"\b(?:busy|queues?|heavy|packed|crowded)\b",
              "busy": r"\b(?:quiet|empty|clear)\b", "clear": r"\b(?:closed|blocked|queues?|crash|accident|busy)\b"}


def _opposite(q: Query, f: EvidenceFinder, kinds: tuple[EvidenceKind, ...]) -> Composed | None:
    """"Is the A40 open again?" when nothing says it is open but the latest line or sentence about the A40
    says it is closed: no, quoting it. None when the question asks no such state or nothing says the opposite."""
    asked = (q.target or "").split()
    state = next((w for w in asked if w in _OPPOSITES), None)
    rest = " ".join(w for w in asked if w != state)
    if state is None or not rest:
        return None
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    said = [s.row for s in f.matching(past, kinds, target=rest) if s.lexical >= 1.0
            and re.search(_OPPOSITES[state], s.row.content, re.I)]
    if not said:
        return None
    row = max(said, key=lambda r: r.t_start)
    return Composed(f"No — {quote(row)}.", [row])


COREF_S = 10.0  # a sentence this soon after a name is taken to be about them ("he" in the next sentence or two)


# "is there a number to call?", "did they give a phone number?": a line or sentence with a phone number in it
_PHONE_Q = re.compile(r"\b(?:phone|telephone|contact|hotline|helpline) number\b|\bnumbers? (?:to|you can|we can|i can) "
                      r"(?:call|ring|phone|text|dial)\b")
_PHONE = re.compile(r"\d[\d\s().-]{5,}\d")


def phone_given(q: Query, f: EvidenceFinder) -> Composed:
    """Yes with the latest line or sentence holding a phone number (the one with the question's other words,
    if any does), else no — never a yes for a "CALL-IN" label or a sentence about calling."""
    past = replace(q, scope=Scope.ALL)
    rows = [r for r in f.rows(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH)) if r.t_start <= q.now and _PHONE.search(r.content)]
    topic = " ".join(w for w in (q.target or "").split() if w not in ("number", "phone", "call", "ring", "text", "dial",
                                                                      "contact", "telephone"))
    about = [r for r in rows if topic and lexical(topic, r.content) >= 0.5]
    if not rows:
        return Composed(f"No, I haven't seen or heard a phone number {_upto(past)}.")
    r = max(about or rows, key=lambda r: (len(_PHONE.search(r.content).group(0)), r.t_start))  # the number whole
    r = fuller(r, [o for o in f.rows(past, (EvidenceKind.TEXT,)) if o.t_start <= q.now]) if r.kind is EvidenceKind.TEXT else r
    return Composed(f"Yes — {quote(r)}.", [r])


def yes_no(q: Query, f: EvidenceFinder) -> Composed:
    if (checked := number_check(q, f) or colour_check(q, f)) is not None:
        return checked  # "is the oven at 200?" — "No — the screen showed “Bake at 180°C …”"
    kinds = kinds_for(q)
    topic = _without_speakers(q.target)  # "is the bird talking?": the bird is who; "was a bus mentioned?": what
    generic_talk = not topic or lexical(topic, _TALK_GENERIC) >= 0.99
    if kinds == (EvidenceKind.SPEECH,) and generic_talk and (_TALK.search(q.question.lower()) or not topic):
        # "is anyone talking?", "anything said in the last 10 seconds?"
        recent = q.scope is Scope.NOW or re.match(r"(is|are)\b", q.question.lower())
        rows = f.rows(replace(q, scope=Scope.WINDOW, window=TimeWindow(q.now - 10.0, q.now, "last"))
                      if recent else q, (EvidenceKind.SPEECH,))
        if not rows:
            return Composed(f"No, I haven't heard anyone speak {_upto(q)}.")
        return Composed("Yes — " + "; ".join(quote(r) for r in rows[-2:]) + ".", rows[-2:])
    if kinds == (EvidenceKind.TEXT,) and _generic_text(q.target):  # "anything written on screen?"
        shown = what_shown(q, f)
        return Composed(("Yes — " + shown.text) if shown.used else ("No, " + _lower_first(shown.text)),
                        shown.used)
    # a yes needs the asked words, shown or said (a sign is literal: "breaking news" is not "Evening News")
    # (measured on fresh sets: "have they talked about sparrows?" found "…full of birds", "was a bus mentioned?"
    # found the truck — meaning alone said yes wrongly more often than it found a rephrased topic)
    found = [s for s in f.matching(q, kinds) if s.lexical >= LEXICAL_MIN]
    if not found:
        return _opposite(q, f, kinds) or _apart(q, f, kinds) or Composed("No, " + _lower_first(not_found(q, kinds).text))
    rows = _with_beside(f, q, [s.row for s in _best(found, 2)])
    said = "; ".join(quote(r) for r in rows)
    if (judged := _JUDGED.search(q.question.lower())) is not None:
        # "are the touch controls good?": what was said of them, no verdict of ours — unless the words give
        # that very verdict ("would she recommend it?" — "I would recommend it…"; "…wouldn't recommend it")
        verdict = stem(judged.group(1).split()[0])
        if not re.search(rf"\b{re.escape(verdict)}", rows[0].content.lower()):
            return Composed(f"Here is what was shown or said about it: {said}.", rows)
        return Composed(f"{'No' if _denies(rows[0].content, verdict) else 'Yes'} — {said}.", rows)
    if any(_denies(r.content, topic) for r in rows[:1]) or _called_off(q, f, rows):
        return Composed(f"No — {said}.", rows)  # "does it support aptX?" — "No aptX support"
    return Composed(f"Yes — {said}.", rows)


# What says a thing asked about is not going ahead or not working: "is the vote on parking today?" —
# "Item 3, on parking fees, is postponed"; "is the 14:10 on time?" — "14:10 Leeds DELAYED"
_CALLED_OFF = re.compile(r"\b(postponed|put off|cancell?ed|called off|scrapped|suspended|withdrawn|out of order|"
                         r"out of service|not running|not working|delayed|late|closed|shut|exp(?=\.? ?\d))(?!\w)")


def _called_off(q: Query, f: EvidenceFinder, rows: list[Evidence]) -> bool:
    """A matched line or sentence says it is off, in words the question does not use itself ("is the
    museum closed today?" — "Closed on Mondays" is a yes). A board's row is read in pieces: the pieces on
    the matched one's band count with it ("14:10 Leeds" | "Plat 4" | "Exp 14:22")."""
    low, asked = q.question.lower(), {stem(w) for w in words(q.target or "") if len(w) > 2}
    text = f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,))
    said = []
    for r in rows:
        if asked & {stem(w) for w in words(r.content)}:
            said += [r] + (row_mates(r, text) if r.kind is EvidenceKind.TEXT else [])
    asked_words = set(words(q.question))  # "is the road shut?" asks "closed" in other words
    return any(m.group(1).split()[0] not in low and not set(words(m.group(1))) & asked_words
               for r in said for m in _CALLED_OFF.finditer(r.content.lower()))


# A yes/no asking for a judgement, which a quote answers and a match does not
_JUDGED = re.compile(r"\b(good|bad|great|worth|nice|comfortable|comfy|easy|hard|difficult|better|worse|best|worst|any good|"
                     r"recommend|recommended|like it|liked it|love it|happy with|impressed)\b")
_DENY = r"\b(?:no|not|without|never|lacks?|lacking|cannot|\w+n[\'’]t)\b"


def _denies(content: str, topic: str) -> bool:
    """The line says the topic is absent: a negation within two words before one of its words."""
    low = content.lower()
    return any(re.search(rf"{_DENY}(?:\s+\S+){{0,2}}\s+{re.escape(w)}", low) for w in topic.split() if len(w) > 2)


def _unseen_detail(target: str | None) -> bool:
    """The target asks more than what, where and what colour ("how old is he?", "what's his mood?"):
    words beyond things, places and colours ("that white vehicle by the building" asks none)."""
    return any(w not in _CARRIERS and w not in _PLACE_WORDS and w not in _COLOUR_NAMES
               for w in _without_subjects(target).split())


_SPEAKERS = {"person", "bird", "dog", "cat", "horse", "animal"}


def _without_speakers(target: str | None) -> str:
    """The target's words less the ones that name someone who could be talking (a person, an animal)."""
    return " ".join(w for w in (target or "").split() if OBJECT_WORDS.get(w) not in _SPEAKERS)


def _without_subjects(target: str | None) -> str:
    """The target's words less the ones that name a person, animal or thing (who, not what)."""
    return " ".join(w for w in (target or "").split() if w not in OBJECT_WORDS and w not in GROUPS)


_UTTERANCES = re.compile(r"\b(announcements?|announced|things? (?:\w+ ){0,3}(?:said|mentioned|announced)|"
                         r"times? (?:someone|anyone) spoke|sentences?|messages?|remarks?|speakers?)\b")


def count_mentions(q: Query, f: EvidenceFinder) -> Composed:
    kinds = kinds_for(q)
    if _UTTERANCES.search(q.question.lower()):  # "how many announcements?": every segment of speech
        q = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
        said = f.rows(q, (EvidenceKind.SPEECH,))
        if not said:
            return Composed(f"I haven't heard any speech {_upto(q)}.", count=0)
        rows = [r for r in said if continued(r, said, q.now)[0] is r]  # a sentence heard in pieces counts once
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


# ---- colour, motion, the look of the picture ------------------------------------------------------------

_COLOUR = re.compile(r"\b(colou?rs?|wearing|wears|wear|dressed)\b")
_MOVING = re.compile(r"\b(moving(?! to)|move(?! to)|moves(?! to)|moved(?! to)|went across|going across|goes across|crossing|crossed|flying|flew|"
                     r"rolling|rolled|bouncing|motion)\b")
_DIRECTION = re.compile(r"\b(which way|what direction|which direction|heading|going left|going right|"
                        r"left or (?:to the )?right|right or (?:to the )?left|up or down)\b")
_LOOK = re.compile(r"\b(day or night|night or day|daytime|night ?time|is it (?:dark|night|day|light|bright)|"
                   r"dark or light|lit|lighting|indoors|outdoors|inside or outside|indoors or outside|"
                   r"time of (?:the )?day|morning|afternoon|evening|dusk|dawn|sunset|sunrise|weather|sunny|raining|"
                   r"rain|rainy|snowing|snowy|cloudy|overcast|foggy|forecast|temperature|"
                   r"lights? (?:are |were |is |was )?(?:on|off)|lit up)\b")
_WEATHER = re.compile(r"\b(weather|forecast|sunny|rain|raining|rainy|snowing|snowy|cloudy|overcast|foggy|temperature)\b")
_POSITION = (("middle", 0.5), ("centre", 0.5), ("center", 0.5), ("left", 0.15), ("right", 0.85))


def _boxes(q: Query, f: EvidenceFinder, cls: str | None) -> list[tuple[Evidence, object]]:
    """(row, box) for detections of the class in scope — at the moment asked about, or, for the
    past ("earlier", "at the start"), every row in scope."""
    if q.scope in (Scope.NOW, Scope.AT):
        row = f.objects_at(q, q.point, cls)
        rows = [row] if row is not None else []
    else:
        rows = f.rows(q, (EvidenceKind.OBJECTS,))
        if re.search(r"\b(start|beginning|first)\b", q.question.lower()):
            rows = rows[:4]
    wanted = members(cls) if cls else None
    return [(r, b) for r in rows for b in getattr(r.data, "boxes", ()) if wanted is None or b.label in wanted]


_COLOUR_NAMES = ("red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "white", "black", "grey", "gray")


def colour_word(target: str) -> str | None:
    found = [w for w in target.split() if w in _COLOUR_NAMES]
    return ("grey" if found[0] == "gray" else found[0]) if found else None


def colour_present(q: Query, f: EvidenceFinder, cls: str | None, name: str) -> Composed:
    """Is there anything / anyone <colour>: detected boxes of that colour (people by their upper
    body), then moving things of that colour; the latest sighting in scope."""
    if q.scope in (Scope.NOW, Scope.AT):
        seen = sighting(q, f, cls)
        rows = [seen[0]] if seen else []
    else:
        rows = f.rows(q, (EvidenceKind.OBJECTS,))
    wanted = members(cls) if cls else None
    boxed = next(((row, bs) for row in reversed(rows) if (bs := [b for b in row.data.boxes if b.colour == name and
                                                                 (wanted is None or b.label in wanted)])), None)
    moving = [r for r in f.rows(q, (EvidenceKind.MOTION,)) if r.data.colour == name] if cls is None else []
    if moving and (boxed is None or moving[-1].t_end > boxed[0].t_end):  # the latest sighting of either kind
        r = moving[-1]
        if q.scope is Scope.NOW and not in_view(r, q.now):  # "is the blue ball still there?" after it left
            return Composed(f"No — no {name} thing in view now ({fmt_time(q.now)}); I saw {r.content} "
                            f"({span_text(r.t_start, r.t_end)}).", [r])
        return Composed(f"Yes — I saw {r.content} ({span_text(r.t_start, min(r.t_end, q.now))}).", [r])
    if boxed is not None:
        row, boxes = boxed
        return Composed(f"Yes — {boxes_phrase(boxes, 3)} at {fmt_time(min(row.t_end, q.point))}.", [row])
    if cls == "person":  # "red people" reads as a slur on skin; the colour is what they wear
        return Composed(f"No — I haven't seen anyone in {name} {_upto(q)}.")
    who = plural(_name(cls), 2) if cls else "things"
    return Composed(f"No — I haven't seen any {name} {who} {_upto(q)}.")


def colour(q: Query, f: EvidenceFinder, cls: str | None) -> Composed:
    """What colour is X / what is she wearing: a detected object's colour (a person's upper
    body), else a moving thing's, else the picture's main colour — each said as what it is."""
    if q.window is None and not re.search(r"\b(was|were|earlier|before|start|beginning|first|did)\b", q.question.lower()):
        q = replace(q, scope=Scope.NOW)  # "what colour is the car / is she wearing": now
    elif q.window is None:
        q = replace(q, scope=Scope.ALL)
    pairs = _coloured_boxes(q, f, cls) if cls else []
    if not pairs and cls and q.scope is Scope.NOW:  # not in view now: its colour when last seen, said so
        last = _coloured_boxes(replace(q, scope=Scope.ALL), f, cls)[-1:]
        if last:
            row, box = last[0]
            return Composed(f"I don't see the {_name(cls)} now; it looked {box.colour} when I last saw it "
                            f"(at {fmt_time(row.t_start)}).", [row])
    part = _PART.search(q.question.lower()) if cls == "person" else None
    if pairs and part:  # "what colour is his tie?": the box gives the top (or a close-up's jacket) only
        row, box = pairs[0]
        return Composed(f"I can't single out the {part.group(1)}; the person's top looks {box.colour} "
                        f"(at {fmt_time(row.t_start)}).", [row])
    if pairs:
        x = next((x for word, x in _POSITION if word in q.question.lower()), None)
        row, box = min(pairs, key=lambda p: abs((p[1].x0 + p[1].x1) / 2 - x)) if x is not None else pairs[0]
        what = f"The {DISPLAY.get(box.label, box.label)}" + (" is wearing" if box.label == "person" else " looks")
        labels = best_label(f, q) if box.label == "person" else []
        guess = f"; {quote(labels[0])}" if labels else ""  # "bow tie", "jersey": ImageNet knows clothes
        others = [b for r, b in pairs if r is row and b is not box]
        also = f" (also in view: {boxes_phrase(others, 4)})" if others else ""
        return Composed(f"{what} {box.colour} (at {fmt_time(row.t_start)}){also}{guess}.", [row] + labels)
    moving = _recent_first(q, [s.row for s in f.matching(replace(q, scope=Scope.ALL) if q.window is None else q,
                                                         (EvidenceKind.MOTION,))])
    if not moving and re.search(r"\b(ball|thing|shape|object|it|square|circle|box)\b", q.question.lower()):
        moving = [r for r in f.rows(q, (EvidenceKind.MOTION,))][::-1]
    moving = [r for r in moving if r.data.colour]
    if moving:
        r = moving[0]
        return Composed(f"It was {r.data.colour}: I saw {r.content} ({span_text(r.t_start, r.t_end)}).", [r])
    looks = f.rows(_now_if_all(q), (EvidenceKind.LOOK,))
    if looks and looks[-1].data.colours:
        r = looks[-1]
        return Composed(f"Mostly {r.data.colours[0]} in view ({span_text(r.t_start, r.t_end)}); I can't single out "
                        f"the {_about(q)} to tell its colour.", [r])
    return Composed(f"I can't tell the colour: I haven't seen the {_about(q)} {_upto(q)}.")


# What a person has whose colour is not the colour of their top (which the box colour is).
_PART = re.compile(r"\b(tie|bow tie|hat|cap|helmet|shoes?|boots?|trousers|pants|jeans|shorts|skirt|socks|bag|backpack|"
                   r"hair|eyes|glasses|scarf|gloves|umbrella|car|bike|bicycle|phone|beard|skin)\b")


def _coloured_boxes(q: Query, f: EvidenceFinder, cls: str) -> list[tuple[Evidence, object]]:
    """(row, box) with a colour: the latest frame that had the class (now / at a time), or every
    frame in scope for the past."""
    if q.scope in (Scope.NOW, Scope.AT):
        seen = sighting(q, f, cls)
        if seen is None and q.scope is Scope.AT and q.window is not None:  # "at the start": anywhere in it
            return [(r, b) for r, b in _boxes(replace(q, scope=Scope.WINDOW), f, cls) if b.colour][:1]
        return [(seen[0], b) for b in seen[1] if b.colour] if seen else []
    return [(r, b) for r, b in _boxes(q, f, cls) if b.colour]


def _recent_first(q: Query, rows: list[Evidence]) -> list[Evidence]:
    """For a question about now, the rows seen in the last seconds first (then the latest): the
    ball on screen now, not one that crossed a minute ago."""
    if q.scope is not Scope.NOW:
        return rows
    lo = q.now - DESCRIBE_NOW_S
    return sorted(rows, key=lambda r: (r.t_end < lo, -r.t_end))


def moving(q: Query, f: EvidenceFinder) -> Composed:
    """Anything moving (now / then): the moving things the motion sense followed."""
    rows = f.rows(q, (EvidenceKind.MOTION,))
    target = re.sub(r"\b(moving|move|moves|moved|thing|anything|something|across|went|going|earlier|red|it)\b", " ",
                    q.target or "").strip()
    if target:
        hits = [s.row for s in f.matching(replace(q, scope=Scope.ALL), (EvidenceKind.MOTION,))]
        rows = hits or rows
    if not rows:
        return Composed(f"No, I haven't seen anything moving {_upto(q)}." if q.answer_type is AnswerType.YES_NO
                        else f"I haven't seen anything moving {_upto(q)}.")
    rows = rows[-2:]
    said = "; ".join(quote(r) for r in rows)
    return Composed(f"Yes — {said}." if q.answer_type is AnswerType.YES_NO else _sentence(said), rows)


def direction(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    """Which way is it going: the latest track of the class up to the moment asked (its boxes
    over its whole life, first centre vs last), else the detections of the last few seconds."""
    pairs = _track_boxes(q, f, cls)
    if len(pairs) < 2:  # merged detection rows keep one frame's boxes: the track's own first and last box
        pairs = _track_ends(q, f, cls)
    if len(pairs) < 2:  # no track, or one whose id the detections do not carry: the last seconds
        pairs = _window_boxes(q, f, cls)
    if len(pairs) < 2:
        pairs = _chained_boxes(q, f, cls)
    if len(pairs) < 2:
        return _unclassified_direction(q, f, cls)
    (r0, b0), (r1, b1) = pairs[0], pairs[-1]
    dx = (b1.x0 + b1.x1 - b0.x0 - b0.x1) / 2
    dy = (b1.y1 - b0.y1)
    if max(abs(dx), abs(dy)) < 0.05:
        return Composed(f"The {_name(cls)} stayed about where it was ({span_text(r0.t_start, r1.t_end)}).", _uniq([r0, r1]))
    way = ("left to right (towards the right)" if dx > 0 else "right to left (towards the left)") if abs(dx) >= abs(dy) \
        else ("towards the camera / down the frame" if dy > 0 else "away from the camera / up the frame")
    verb = "is moving" if r1.t_end >= q.point - RECENT_S else "moved"
    return Composed(f"The {_name(cls)} {verb} {way} ({span_text(r0.t_start, r1.t_end)}).", _uniq([r0, r1]))


# A track's direction needs this much of its life: a detector flickers, one frame says little.
TRACK_BACK_S = 30.0


def _unclassified_direction(q: Query, f: EvidenceFinder, cls: str) -> Composed:
    """The detector did not follow it: the longest moving thing of no drawn shape (a person or a
    car is no circle or square) in the last TRACK_BACK_S, said as what it is — an unrecognised thing."""
    back = _last(q, 10.0, q.point)
    rows = [r for r in f.rows(back, (EvidenceKind.MOTION,)) if r.data.direction and not r.data.shape]
    if not rows:
        return Composed(f"I can't tell: I haven't seen the {_name(cls)} move {_upto(q)}.")
    r = max(rows, key=lambda r: (r.t_end - r.t_start, r.t_end))
    way = {"left to right": "left to right (towards the right)", "right to left": "right to left (towards the left)",
           "downwards": "towards the camera / down the frame", "upwards": "away from the camera / up the frame"}
    return Composed(f"The detector did not follow the {_name(cls)}, but something unrecognised moved "
                    f"{way.get(r.data.direction, r.data.direction)} ({span_text(r.t_start, min(r.t_end, q.now))}).", [r])


def _track_boxes(q: Query, f: EvidenceFinder, cls: str) -> list[tuple[Evidence, object]]:
    """(row, box) of the latest track of the class seen by the moment asked, over its life (up to
    TRACK_BACK_S): the detections carrying its track id."""
    upto = _last(q, TRACK_BACK_S, q.point)
    tracks = [t for t in f.tracks(upto, cls) if t.data.track_id is not None]
    if not tracks:
        return []
    track = max(tracks, key=lambda t: (t.t_end, t.t_end - t.t_start))
    life = replace(q, scope=Scope.WINDOW, window=TimeWindow(track.t_start, min(track.t_end, q.point), "last"))
    return [(r, b) for r in f.rows(life, (EvidenceKind.OBJECTS,)) for b in r.data.boxes
            if b.track_id == track.data.track_id]


def _track_ends(q: Query, f: EvidenceFinder, cls: str) -> list[tuple[Evidence, object]]:
    """The latest track of the class (up to TRACK_BACK_S) by its first and last box."""
    upto = _last(q, TRACK_BACK_S, q.point)
    tracks = [t for t in f.tracks(upto, cls) if t.data.first_box is not None and t.data.last_box is not None]
    if not tracks:
        return []
    t = max(tracks, key=lambda t: (t.t_end, t.t_end - t.t_start))
    return [(t, t.data.first_box), (t, t.data.last_box)]


# A walker crosses a 640 px frame in ~15 s: between two sightings a second or two apart the same
# person moves well under this share of the width; a box farther off is someone else.
CHAIN_DX = 0.3


def _chained_boxes(q: Query, f: EvidenceFinder, cls: str) -> list[tuple[Evidence, object]]:
    """Places of the class in the last 6 s from both detections rows (merged rows keep one frame's
    boxes) and the tracker's short fragments (each keeps its last box), chained back from the
    latest box to the nearest earlier one, so two people are not read as one moving."""
    q6 = _last(q, 6.0, q.point)
    seen = [(min(r.t_end, q.point), r, b) for r in f.rows(q6, (EvidenceKind.OBJECTS,)) for b in r.data.boxes
            if b.label in members(cls)]
    seen += [(min(t.t_end, q.point), t, t.data.last_box) for t in f.tracks(q6, cls) if t.data.last_box is not None]
    if not seen:
        return []
    seen.sort(key=lambda s: s[0])
    chain = [seen[-1]]
    for t, r, b in reversed(seen[:-1]):
        cx, last = (b.x0 + b.x1) / 2, chain[-1][2]
        if t < chain[-1][0] - 0.25 and abs(cx - (last.x0 + last.x1) / 2) <= CHAIN_DX:
            chain.append((t, r, b))
    return [(r, b) for _, r, b in reversed(chain)]


def _window_boxes(q: Query, f: EvidenceFinder, cls: str) -> list[tuple[Evidence, object]]:
    q6 = _last(q, 6.0, q.point)
    return [(r, b) for r in f.rows(q6, (EvidenceKind.OBJECTS,)) for b in r.data.boxes if b.label in members(cls)]


# ---- what a moving thing did ---------------------------------------------------------------------------

# "what did the ball do", "what happened to it next", "where did the red square go", "did it leave".
_DID = re.compile(r"\bwhat (?:did|does|has|had|is) .{1,60}? (?:do|done|doing)\b|\bwhat (?:happened|happens)\b|"
                  r"\bthen what\b|\bwhere did .{1,60}? go\b|\bwhere (?:has|have|is|are) .{1,60}? gone\b|"
                  r"\bdescribe what\b|\b(?:did|has|have) .{1,60}? (?:leave|left|exit|go|gone|disappear|vanish|stop|"
                  r"come back|turn)")
_THING = re.compile(r"\b(ball|balls|square|squares|circle|circles|shape|shapes|thing|things|object|objects|block|"
                    r"blocks|box|boxes|disc|dot|it|they)\b")


def asks_action(q: Query) -> bool:
    """A question about what a moving thing (a coloured shape, a ball) did: answered from its path."""
    low = q.question.lower()
    named = colour_word(q.target or "") is not None or bool(_THING.search(low))
    return bool(_DID.search(low)) and named and not q.object_class


def action(q: Query, f: EvidenceFinder) -> Composed:
    """What the thing(s) asked about did: their followed path (moves, stops, how they went),
    the latest sighting of each colour named, else the latest moving things."""
    past = replace(q, scope=Scope.ALL) if q.window is None else q
    rows = [r for r in f.rows(past, (EvidenceKind.MOTION,)) if r.data.colour or r.data.shape]
    asked = [w for w in _COLOUR_NAMES if re.search(rf"\b{w}\b", q.target or "")]
    picked = [r for c in asked for r in [next((r for r in reversed(rows) if r.data.colour == c and
                                               motion_fit(q.target, r) >= 0.8), None)] if r is not None]
    if not picked and not asked:
        picked = [r for r in rows if motion_fit(q.target, r) >= 0.8][-2:]
    if picked:
        return Composed(_sentence("; ".join(_did(r, q) for r in sorted(picked, key=lambda r: r.t_start))), picked)
    if not rows:
        return Composed(f"I haven't seen anything moving {_upto(past)}.")
    last = sorted(rows, key=lambda r: r.t_end - r.t_start)[-2:]  # the longest followed: least likely noise
    return Composed(f"I haven't seen a {_about(q)} as such; the moving things I saw: "
                    + "; ".join(_did(r, q) for r in sorted(last, key=lambda r: r.t_start)) + ".", last)


# A followed thing last seen this long before now is gone, even if the motion sense never said how.
IN_VIEW_S = 1.5


def in_view(r: Evidence, now: float) -> bool:
    """A moving thing's row says it is still in view at `now`: it has not left and was seen lately
    (a row that ends within the "now" slack can still be one that left a second ago)."""
    return not r.data.exited and r.t_end >= now - IN_VIEW_S


def _did(r: Evidence, q: Query) -> str:
    still = " — still in view" if in_view(r, q.now) else ""
    return f"I saw {r.content}{still} ({span_text(r.t_start, min(r.t_end, q.now))})"


_FORECAST = re.compile(r"°|\b(weather|forecast|rain|rainy|showers?|sunny|sunshine|cloudy|clouds?|snow|storms?|windy|"
                       r"fog|foggy|mild|temperatures?|degrees|celsius|fahrenheit|frost|drizzle|thunder)\b", re.I)


def _weather_told(q: Query, f: EvidenceFinder) -> list[Evidence]:
    """Weather shown on screen or said (a forecast panel, a presenter's line), latest two, with the
    lines shown beside them ("WEATHER" over "Tomorrow: 18°C, light rain")."""
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    rows = [r for r in f.rows(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH)) if _FORECAST.search(r.content)]
    return _with_beside(f, q, sorted(rows[-2:], key=lambda r: r.t_start)) if rows else []


# A moderately lit picture whose main colour is grass, sky or sunlit paint is day (vtest.avi's overcast
# campus: luma ~90-110, mostly green); at night colours fade to black and lamp-light (night-lit).
_DAY_HUES = ("green", "blue", "cyan", "yellow")


_TOLD_WEATHER = re.compile(r"\b(about|mention\w*|said|say|says|report\w*|news|temperature|degrees?|how (?:warm|cold|hot))\b")


def look(q: Query, f: EvidenceFinder) -> Composed:
    """Day or night, dark or bright: how the picture looks at the moment asked about."""
    rows = f.rows(_now_if_all(q), (EvidenceKind.LOOK,))
    low = q.question.lower()
    if _WEATHER.search(low) and (told := _weather_told(q, f)):  # a forecast shown or said answers it
        return Composed(_sentence("; ".join(quote(r) for r in told)), told)
    if re.search(r"\b(forecast|going to be|tomorrow|will it)\b", low):  # a forecast is told, not seen
        return Composed(f"I haven't seen or heard a weather forecast {_upto(replace(q, scope=Scope.ALL))}.")
    if _WEATHER.search(low) and _TOLD_WEATHER.search(low):  # "anything about the weather yet?": nothing told
        return Composed(f"I haven't seen or heard anything about “{_about(q)}” {_upto(replace(q, scope=Scope.ALL))}"
                        + (f" (the picture alone does not tell: {rows[-1].content})." if rows else "."), rows[-1:])
    if not rows:
        return Composed(f"I can't tell: I haven't seen the picture {_upto(q)}.")
    r = rows[-1]
    if re.search(r"\b(indoors|outdoors|inside|outside)\b", low) and not re.search(r"\b(night|day|dark|light)\b", low):
        labels = f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.LABEL,))
        guess = f"; {quote(labels[-1])}" if labels else ""
        return Composed(f"I can't tell indoors from outdoors for sure: {r.content}{guess}.", [r] + labels[-1:])
    if re.search(r"\blights?\b|\blit up\b", low):  # "are the lights on in those buildings?"
        lit = "night-lit" in r.content  # the look sense's many-small-lights-in-a-dark-picture reading
        verdict = "Yes — the picture shows many small lights" if lit else "I can't tell"
        return Composed(f"{verdict}: {r.content} ({span_text(r.t_start, r.t_end)}).", [r])
    if _WEATHER.search(low):  # brightness is not weather: say what the picture shows, no verdict
        return Composed(f"I can't tell the weather from what I recognise; {r.content} "
                        f"({span_text(r.t_start, r.t_end)}).", [r])
    # Mean luma: night scenes measured 0-60, a lit night skyline 110-115, a shaded street by day 66-106,
    # daylight 120-140. Between 60 and 120 the picture alone does not say which.
    if r.data.dark or r.data.brightness < 60:
        verdict = "It looks like night, or an unlit place"
    elif r.data.brightness > 120 or (r.data.brightness >= 70 and "night-lit" not in r.content and r.data.colours
                                     and r.data.colours[0] in _DAY_HUES):
        verdict = "It looks like daytime, or a well-lit place"
    else:
        verdict = "I can't tell day from night for sure"
    return Composed(f"{verdict}: {r.content} ({span_text(r.t_start, r.t_end)}).", [r])


# ---- multiple choice ----------------------------------------------------------------------------------

_LETTER = re.compile(r"^\s*\(?([A-Za-z])[.):]\s+")


def option_text(option: str) -> str:
    return _LETTER.sub("", option).strip()


def choose(q: Query, f: EvidenceFinder, base: Composed) -> Composed:
    """Score each option against the answer the evidence gives to the bare question: what the
    evidence says a thing did (which way, stopped, came back, left) against what each option
    says, in order; else a number equal to the count stated, else the words of the quoted
    evidence, else meaning (MiniLM)."""
    opts = [option_text(o) for o in q.options]
    said = base.text + " " + " ".join(ev.content for ev in base.used)
    i = _by_action(opts, _which_move(q.question, evidence_facts(base, q.now), base))
    if i is None:
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


# What a sentence says a thing did, as facts. Order matters in the phrases ("left to right" is not
# "right to left"), so each is read as a whole phrase, never as a bag of words.
_FACTS = (
    ("right", r"left to right|to the right|towards the right|rightwards|\b(?:go|goes|went|going|moved?|moving) right\b(?! to)"),
    ("left", r"right to left|to the left|towards the left|leftwards|\b(?:go|goes|went|going|moved?|moving) left\b(?! to)"),
    ("up", r"\bup(?:wards)?\b|away from the camera|up the frame"),
    ("down", r"\bdown(?:wards)?\b|towards the camera|toward the camera|down the frame"),
    ("back", r"\bback\b|the way it came|returned|reversed|turned (?:a)?round|\bbounced\b"),
    ("on", r"carried on|same direction|straight|kept going|continued|passed|went (?:across|past)|went on"),
    ("stop", r"\bstopp?(?:ed|s)?\b|paused|halted|stood still|side by side|stayed where"),
    ("stays", r"stayed|still there|side by side|remained|still in view|stopped in the middle"),
    ("vanish", r"vanished|disappeared|on the spot|where it was"),
    ("out", r"out of (?:view|the frame|sight|the scene|the picture)|left the (?:frame|scene|view|picture)|went off"),
    ("there", r"still there|still in view|is still|remained"),
)
_CONTRA = {"right": {"left"}, "left": {"right"}, "up": {"down"}, "down": {"up"}, "back": {"on"}, "on": {"back"},
           "vanish": {"out", "there"}, "out": {"vanish", "there"}, "there": {"vanish", "out"},
           "stays": {"vanish", "out"}, "stop": set()}
_WAY = {"left to right": "right", "right to left": "left", "upwards": "up", "downwards": "down"}


def text_facts(text: str) -> set[str]:
    low = text.lower()
    return {name for name, pat in _FACTS if re.search(pat, low)}


def motion_facts(row: Evidence, now: float) -> set[str]:
    """A followed thing's path → facts: the ways it went, whether it stopped, came back or
    carried on, and how it went (over a side, vanished in place) or that it is still there."""
    d = row.data
    moves = [_WAY[s.direction] for s in getattr(d, "segments", ()) if s.direction in _WAY]
    if not moves and d.direction in _WAY:
        moves = [_WAY[d.direction]]
    out = set(moves)
    segs, exited = getattr(d, "segments", ()), getattr(d, "exited", "")
    turned = any(b in _CONTRA[a] for a, b in zip(moves, moves[1:]))
    crossed = exited.endswith("edge") and exited != d.entered  # in over one side, out over another
    if turned:
        out.add("back")
    elif len(moves) > 1 or crossed:  # went on the same way after a stop, or right across
        out.add("on")
    if any(s.direction == "still" for s in segs):
        out.add("stop")
    if exited.endswith("edge"):
        out.add("out")
    elif exited == "in place":
        out.add("vanish")
    elif row.t_end >= now - 1.5:
        out.add("there")
        out |= {"stays"} if segs and segs[-1].direction == "still" else set()
    return out


def evidence_facts(base: Composed, now: float) -> set[str]:
    """Facts from the moving things the answer used (their paths), else from its sentence."""
    rows = [r for r in base.used if r.kind is EvidenceKind.MOTION and getattr(r.data, "segments", ())]
    if rows:
        return set().union(*(motion_facts(r, now) for r in rows))
    return text_facts(base.text) & {"right", "left", "up", "down"}


_FIRST = re.compile(r"\b(first|at first|initially|to begin with|at the start)\b")
_LAST = re.compile(r"\b(finally|in the end|at the end|last|right now|now|currently|at the moment)\b")


def _which_move(question: str, facts: set[str], base: Composed) -> set[str]:
    """"Which way did it go first / in the end": of a path that went both ways, that move only."""
    low = question.lower()
    ways = [_WAY[s.direction] for r in base.used if r.kind is EvidenceKind.MOTION
            for s in getattr(r.data, "segments", ()) if s.direction in _WAY]
    if len(set(ways)) < 2 or not (_FIRST.search(low) or _LAST.search(low)):
        return facts
    keep = ways[0] if _FIRST.search(low) else ways[-1]
    return facts - set(_WAY.values()) | {keep}


def _by_action(opts: list[str], facts: set[str]) -> int | None:
    """The option whose facts the evidence bears out best (+1 each held, -1 each contradicted,
    -0.25 each not known), when one is clearly best; None when options or evidence say nothing
    of what happened."""
    if not facts:
        return None
    scores = []
    for o in opts:
        said = text_facts(o)
        if not said:
            scores.append(None)
            continue
        scores.append(sum(1.0 if x in facts else -1.0 if _CONTRA.get(x, set()) & facts else -0.25 for x in said))
    known = [s for s in scores if s is not None]
    if not known or max(known) <= 0 or known.count(max(known)) > 1:
        return None
    return scores.index(max(known))


# "Who made this?", "who's it by?": the lines that credit someone.
_MAKER_Q = re.compile(r"\b(made|make|makes|created|creates|produced|produces|behind|by|author|owns?|filmed)\b")


_MAKER_WORDS = set("made make makes created creates produced produces behind author own owns filmed".split())


# Credit roles by the words people ask with: "who narrated it?" / "who's the narrator?" ~ "Narrated by".
_ROLE_WORDS = {"narrator": "narrated", "narration": "narrated", "director": "directed", "producer": "produced",
               "composer": "music", "writer": "written", "editor": "edited", "presenter": "presented",
               "voiceover": "narrated", "thanking": "thanks", "thanked": "thanks", "wrote": "written"}


def credit_answer(q: Query, f: EvidenceFinder) -> Composed | None:
    """A "who" question with a deed ("who directed it?", "who did the music?", "who counts the
    pigeons?", "who made this?"): the on-screen line or sentence that says who, quoted; None when
    the question names no deed (then it is about the people in view)."""
    low = q.question.lower()
    deed = " ".join(_ROLE_WORDS.get(w, w) for w in re.findall(r"[a-z]+", low)
                    if w in _ROLE_WORDS) or _without_subjects(q.target)
    if any(w in _SEEN_VERBS for w in deed.split()):
        return None  # "who's walking by?": the people in view
    deed = " ".join(w for w in deed.split() if w not in _PLACE_WORDS)
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    kinds = (EvidenceKind.TEXT, EvidenceKind.SPEECH)
    if deed and not set(deed.split()) <= _MAKER_WORDS:
        found = f.matching(past, kinds, target=deed)
        if found and found[0].score >= LEXICAL_MIN:  # one line: credits roll together, the next is someone else's
            row = found[0].row
            return card_of(q, f, row) or _tally_near(q, f, row, deed) or Composed(_sentence(quote(row)), [row])
        if re.search(r"\s[A-Z][a-z]+", q.question):  # "who is Maya Chen?" before her name came up
            return not_found(replace(q, scope=past.scope), kinds)
        return None
    if _MAKER_Q.search(low):
        rows = [r for r in f.rows(past, (EvidenceKind.TEXT,)) if _MAKER_LINE.search(r.content)]
        if rows:
            return Composed(_sentence("; ".join(quote(r) for r in rows[:2])), rows[:2])
        return Composed(f"I haven't seen a credit or a “by” line on screen {_upto(past)}.")
    return None


# "Against: 2", "Yes votes - 7", "Absent: 1": a labelled count on a results panel, which names no one
_TALLY = re.compile(r"^\s*[A-Za-z][A-Za-z '’/-]{0,30}?\s*[:=–—-]\s*\d+\s*%?\s*$")


def _tally_near(q: Query, f: EvidenceFinder, row: Evidence, deed: str) -> Composed | None:
    """A labelled count with the deed's words on the line matched or on the panel shown with it
    ("who voted against the motion?": "Against: 2" under "VOTE RESULT - MOTION 4")."""
    text = f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,)) if row.kind is EvidenceKind.TEXT else []
    near = beside(row, text) if text else [row]
    return next((c for r in near if lexical_words(deed, r.content) > 0 and (c := _tally(q, r)) is not None), None)


def _tally(q: Query, row: Evidence) -> Composed | None:
    """"Who voted against it?" answered by the line "Against: 2": a count, not names — say so rather
    than let the count pass for who (None when the line is not a labelled count)."""
    if row.kind is not EvidenceKind.TEXT or not _TALLY.match(row.content):
        return None
    return Composed(f"Only a count was shown: “{row.content}” ({span_text(row.t_start, row.t_end)}); it names no one, "
                    f"and I haven't seen or heard who {_upto(replace(q, scope=Scope.ALL))}.", [row])


_PLACE_WORDS = set("left right centre center middle top bottom front back path road street here there scene video "
                   "frame picture view background foreground".split())
