"""Who said it: a sentence's speaker named from what the voices said about themselves.

Voices are not recognised; two things are known of each sentence: its voice's pitch range (higher or
lower, `SpeechData.pitch_hz`, evidence.HIGHER_HZ/LOWER_HZ) and its words. People name themselves on
air and on radio ("Marcus here", "this is Dana from the front desk", "I'm Ortiz", "Control to Unit 4",
"… Marcus out"); when exactly one name was given in a range, a sentence in that range was probably
said by that person — said as "probably", with the introduction quoted, never as recognition. A
sentence that addresses the name ("Marcus, …", "… over to you, Marcus") is not theirs; two names in
the range, or none, and nothing is inferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from memory.records import Evidence
from vstream.answer.evidence import pitch_band
from vstream.answer.query import Modality, Query

_NAME = r"([A-Z][a-z]+(?: [A-Z][a-z]+)?)"
# the speaker's own name: "this is NAME", "I'm NAME", "my name is NAME", "NAME here/speaking", radio's
# "NAME to OTHER" (caller first) and sign-off "NAME out"
_SELF = (re.compile(rf"\b(?:[Tt]his is|I'm|I am|[Mm]y name is|[Mm]y name's)\s+{_NAME}"),
         re.compile(rf"\b[Ii]t's {_NAME}(?= from\b| here\b|,? calling\b)"),  # a caller: "Hi Jordan, it's Beth from Toronto"
         re.compile(rf"^{_NAME},? (?:here|speaking)\b"),
         re.compile(rf"^{_NAME} to [A-Z][a-z]+"),
         re.compile(rf"^{_NAME} out\b"))
# capitalised words that follow "this is" / "I'm" without being names
_NOT_NAMES = frozenset("""The A An It This That There Here Not Just So Really Very Going Sorry Glad Happy Sure Okay Ok
Good Great Fine Yes No Now Today Tonight Live Back Done Ready All One Two Three Four Five Six Seven Eight Nine Ten
What Where When How Why Who Which I We You He She They Our Your My His Her Their Channel News Radio Door Room Gate
Item Camera Page Step Part Episode Chapter Day Week""".split())


@dataclass(frozen=True)
class Intro:
    name: str
    row: Evidence  # the sentence that gave it


band = pitch_band  # "higher", "lower" or "" (unmeasured, or between the ranges)


def own_name(text: str) -> str:
    """The name a sentence gives for its speaker, "" for none."""
    for part in re.split(r"(?<=[.!?])\s+", text.strip()):
        for pat in _SELF:
            m = pat.search(part)
            if m and m.group(1).split()[0] not in _NOT_NAMES:
                return m.group(1)
    return ""


def addresses(text: str, name: str) -> bool:
    """The sentence speaks to `name` ("Marcus, …", "…, Marcus.", "Control to Marcus")."""
    first = name.split()[0]
    return bool(re.search(rf"(?:^|[.!?]\s+){first}\b,|,\s*{first}\s*[.!?]?$|\bto {first}\b", text.strip()))


def intros(rows: list[Evidence]) -> dict[str, list[Intro]]:
    """Per pitch range, the distinct names its sentences gave (first introduction each)."""
    out: dict[str, list[Intro]] = {}
    for r in rows:
        b, name = band(r), own_name(r.content)
        if b and name and name not in (i.name for i in out.get(b, [])):
            out.setdefault(b, []).append(Intro(name, r))
    return out


# A sentence that hands over to someone ("on the phone is Raj", "joining us now is Dana") names who speaks
# next; one that calls someone ("Kevin, the lift…", "…, Jake?", "Control to Kevin") is answered by them.
_HANDOVER = re.compile(rf"\b(?:on the (?:phone|line) (?:is|now)|joining (?:us|me)(?: now)? (?:is|from)|here's|here is|"
                       rf"over to|let's go (?:over )?to|go to|welcome|with us (?:now )?is) {_NAME}")
_CALLED = (re.compile(rf"^(?:And |So |Okay,? |OK,? |Thanks,? |Right,? |Now,? )?{_NAME}(?:,|\?$)"),
           re.compile(rf",\s*{_NAME}\s*[?.!]?$"), re.compile(rf"\bto {_NAME},"))
REPLY_GAP_S = 3.0  # an answer follows the call within this (radio and studio exchanges: 0.3-1.5 s)
SAME_SENTENCE_S = 0.5  # pieces of one transcribed sentence in one voice follow within this (sentences: 0.7-1.3 s)


def addressee(text: str) -> str:
    """The name a sentence hands over to or calls, "" for none."""
    text = text.strip()
    for pat in (_HANDOVER, *_CALLED):
        m = pat.search(text)
        if m and m.group(1).split()[0] not in _NOT_NAMES:
            return m.group(1)
    return ""


def handed_to(text: str) -> str:
    """The name a sentence hands over to ("on the phone is Raj"), "" for none."""
    m = _HANDOVER.search(text.strip())
    return m.group(1) if m and m.group(1).split()[0] not in _NOT_NAMES else ""


def answering(row: Evidence, rows: list[Evidence]) -> Intro | None:
    """The person `row` answers for: the sentence just before it, in another voice range, called them by
    name ("Kevin, the lift has stopped" — "Okay, I will tape it off"). Its Intro's row is the call."""
    if not band(row):
        return None
    while True:  # a sentence cut in pieces (a pause mid-sentence) answers as its first piece
        before = [r for r in rows if r is not row and r.t_end <= row.t_start + 0.2]
        if not before:
            return None
        call = max(before, key=lambda r: r.t_end)
        if band(call) != band(row) or row.t_start - call.t_end > SAME_SENTENCE_S:
            break
        row = call
    if row.t_start - call.t_end > REPLY_GAP_S:
        return None
    name = addressee(call.content)
    if band(call) == band(row) and not _GREETS.match(row.content.strip()):
        return None  # in one voice range, only a reply greeting the caller back ("Thanks Ethan") is someone else's
    return Intro(name, call) if name and not addresses(row.content, name) else None


_GREETS = re.compile(r"^(?:Thanks|Thank you|Hi|Hello|Hey|Morning|Good morning|Good afternoon|Good evening),? [A-Z][a-z]+\b")


def speaker(row: Evidence, rows: list[Evidence]) -> Intro | None:
    """Who probably said `row`: the one name given in its voice's range (by `rows`, the speech so far),
    unless the row addresses that name. Its own introduction names it outright; a reply to a call, the
    one called."""
    b = band(row)
    if not b:
        return None
    if name := own_name(row.content):
        return Intro(name, row)
    if (called := answering(row, rows)) is not None:
        return called
    names = intros(rows).get(b, [])
    if len(names) != 1 or addresses(row.content, names[0].name) or _others_answered(names[0].name, b, rows):
        return None
    return names[0]


def _others_answered(name: str, b: str, rows: list[Evidence]) -> bool:
    """Someone else was called and answered in this voice range ("Let me bring in Amara Singh" — "Thanks
    Ethan" in Ethan's range): the range holds two people, so its one introduction names neither for sure."""
    return any(band(r) == b and (who := answering(r, rows)) is not None and who.name != name for r in rows)


def voice_word(row: Evidence) -> str:
    return {"higher": "higher-pitched", "lower": "lower-pitched"}.get(band(row), "")


def by_speaker(q: Query, rows: list[Evidence]) -> Query | None:
    """A question about what someone said ("what did Ruiz say?", "how long did Ruiz say he'd be?") asked
    of the sentences in their voice's range, their name dropped from the words to find — when that name is
    the one its range gave (`intros`). Sentences that only name them ("Dispatch to Ruiz") are not theirs.
    None when the question names no such speaker or is not about speech."""
    if Modality.SPEECH not in q.modalities or q.voice:
        return None
    named = {i.name.split()[0].lower(): b for b, found in intros(rows).items() if len(found) == 1 for i in found}
    low = q.question.lower()
    firsts = sorted((low.find(n), n) for n in named if re.search(rf"\b{n}\b", low))
    if not firsts:
        return None
    name = firsts[0][1]  # "what did Dispatch ask Ruiz?": the first named is the one speaking
    target = " ".join(w for w in q.target.split() if w != name and not w.startswith(name + "'"))
    return replace(q, voice=named[name], target=target)
