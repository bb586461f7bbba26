"""A video's own words about itself: the names its captions give and the roles under them, its
title, credits and channel, what came before or after what, which came first, its numbered steps
and slides, the questions asked in it and their answers, counts of what it showed, summaries, and
durations and habits it states. Faces and voices are not recognised: who is who comes from these."""

from __future__ import annotations

import re
from dataclasses import replace

from memory.records import Evidence, EvidenceKind
from retrieval.timeparse import TimeWindow
from vstream.answer.evidence import (
    _PAGE,
    LEXICAL_MIN,
    EvidenceFinder,
    _at_edge,
    _box,
    lexical,
    lexical_words,
    numbers_hidden,
    row_mates,
    same_height,
    stem,
    words,
)
from vstream.answer.phrasing import (
    BESIDE_S,
    HEADING_S,
    PASSING_S,
    RECENT_S,
    REPLY_S,
    Composed,
    _about,
    _best,
    _norm,
    _sentence,
    _uniq,
    _upto,
    _with_beside,
    aligned,
    beside,
    fmt_time,
    fuller,
    next_said,
    panel,
    quote,
    reply,
    span_text,
)
from vstream.answer.query import (
    AnswerType,
    Query,
    Scope,
    asks_past,
    plural,
)
from vstream.answer.voices import speaker

_NAMED_COUNT = re.compile(r"\bhow many\b(?: different)? (?:people|persons|names|speakers|guests|experts)\b.{0,30}?"
                          r"\b(?:named|names?|introduced|captioned|interviewed|on screen)\b|\bhow many names\b")


_SHOWN_COUNT = re.compile(r"\bhow many (?:different )?(signs|slides|captions|banners|headlines|messages|titles|graphics|"
                          r"cards|pages|notices|lower thirds)\b")


GROUP_GAP_S = 1.0  # lines that came up within a second of each other are one sign, slide or graphic


def count_shown(q: Query, f: EvidenceFinder) -> Composed | None:
    """Counts of what was shown: the different people named by captions; slides by their numbers
    ("3/8"); signs, captions and other graphics as the sets of lines that came up together. None for
    other counts."""
    low = q.question.lower()
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    if _NAMED_COUNT.search(low):
        groups = captions(past, f)
        names = list({_norm(g[0].content): g[0] for g in groups}.values())
        listed = ", ".join(f"“{r.content}” ({fmt_time(r.t_start)})" for r in names)
        return Composed(f"{len(names)} {plural('person', len(names))} named on screen {_upto(past)}"
                        + (f": {listed}." if names else "."), names, count=len(names))
    m = _SHOWN_COUNT.search(low)
    if not m:
        return None
    rows = [r for r in f.rows(past, (EvidenceKind.TEXT,)) if "•" not in r.content]
    pages = {_norm(r.content): r for r in rows if _PAGE.match(r.content)}
    if pages and m.group(1) in ("slides", "pages"):
        last = max(pages.values(), key=lambda r: r.t_start)
        k = int(last.content.split("/")[0])  # the slide number itself counts slides better than the reads (OCR misses one)
        return Composed(f"Up to slide {k} {_upto(past)}: the latest slide number reads “{last.content}” "
                        f"({span_text(last.t_start, last.t_end)}).", [last], count=k)
    starts: list[Evidence] = []
    for r in rows:
        if not starts or r.t_start > starts[-1].t_start + GROUP_GAP_S:
            starts.append(r)
    listed = "; ".join(f"“{r.content}” ({fmt_time(r.t_start)})" for r in starts[:8]) + (" …" if len(starts) > 8 else "")
    return Composed(f"{len(starts)} different {m.group(1)} or sets of text {_upto(past)}" + (f": {listed}." if starts else "."),
                    starts, count=len(starts))


# "Does he cycle to work?", "do they usually take the bus?": a habit, told (never seen in a moment)
_HABIT = re.compile(r"^(?:does|do|did|would|will) (?:s?he|they|you|daniel|[a-z]+) (?:\w+ ){0,3}?(?:to work|to school|every ?day|"
                    r"for a living|at home)\b|^(?:does|do|would) (?:s?he|they|you) (?:usually|normally|often|ever|regularly)\b")


def habit(q: Query, f: EvidenceFinder) -> Composed:
    """What was said or shown about the habit asked (a question said, with the answer said after it),
    quoted without a yes or no of our own; else that nothing was."""
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    found = [s for s in f.matching(past, (EvidenceKind.SPEECH, EvidenceKind.TEXT)) if s.lexical >= 0.99]  # all its words
    if not found:
        return Composed(f"I haven't seen or heard anything about “{_about(q)}” {_upto(past)}; a habit is not "
                        f"something I can see in a moment.")
    row = _best(found, 1)[0].row
    said = f.rows(past, (EvidenceKind.SPEECH,))
    nxt = next_said(row, said, q.now) if row.kind is EvidenceKind.SPEECH else None  # the reply, even when the question lost its "?"
    rows = _with_beside(f, q, [row]) if nxt is None else [row, nxt]
    return Composed(_sentence("; ".join(quote(r) for r in rows)), rows)


# "What did the woman in the audience ask?", "what was the audience question?"; "and what was his answer?"
_ASKED_Q = re.compile(r"^(?:what|which)\b.{0,50}?\b(?:ask|asked|asking)\b(?! (?:for|about)\b)|^what (?:was|is|were) (?:the|that|her|his|"
                      r"their) (?:[\w']+ ){0,2}questions?\b|^what questions? (?:was|were|did)\b")


_ANSWER_Q = re.compile(r"^(?:what|how)\b.{0,40}?\b(?:answer|answered|reply|replied|respond|responded|response)\b")


def questions_asked(q: Query, f: EvidenceFinder) -> Composed | None:
    """A question someone asked is a sentence ending in "?" (the recogniser punctuates): the last one so
    far, or the one about the asked words; its answer is what was said next. None for other questions."""
    low = q.question.lower()
    answer = bool(_ANSWER_Q.search(low))
    if not answer and not _ASKED_Q.search(low):
        return None
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    said = f.rows(past, (EvidenceKind.SPEECH,))
    asked = [r for r in said if r.content.rstrip().endswith("?") and not _REPLY_START.match(r.content)]
    # a "question" said right after another one is its answer, punctuated wrong by the recogniser
    asked = [r for r in asked if not any(o is not r and o.t_end - 0.5 <= r.t_start <= o.t_end + REPLY_S for o in asked)]
    if not asked:
        return Composed(f"I haven't heard anyone ask a question {_upto(past)}.")
    topic = " ".join(w for w in (q.target or "").split() if w not in _ASK_WORDS)
    if (to := _ASKED_WHOM.search(low)) and to.group(2) not in _PRONOUNS:
        topic = to.group(2)  # "what did Peter ask Claire?": she is named in the question (a speaker rarely says his own name)
    hits = [s.row for s in f.matching(past, (EvidenceKind.SPEECH,), target=topic) if s.row in asked] if topic else []
    row = hits[0] if hits else asked[-1]
    pair = reply(row, said, q.now)
    if not answer and not hits and len(asked) > 1:  # "what did the reporter ask him?": the questions, latest three
        return Composed(_sentence("; ".join(quote(r) for r in asked[-3:])), asked[-3:])
    if not answer:
        return Composed(_sentence("; ".join(quote(r) for r in pair)), pair)
    if len(pair) < 2:
        return Composed(f"I heard the question {quote(row)}, but no answer after it {_upto(past)}.", [row])
    return Composed(f"The question: {quote(row)}; the answer after it: {quote(pair[1])}.", pair)


_ASKED_WHOM = re.compile(r"\bwhat did (\w+) (?:ask|asked) (\w+)\b")
_PRONOUNS = set("him her them it us me you the a an his their".split())
_REPLY_START = re.compile(r"^\s*(?:yes|no|yeah|nope|not|sure|well)\b", re.I)  # "Yes, a white roof…?" answers


_ASK_WORDS = set("ask asked asking question questions answer answered reply replied respond responded response woman man "
                 "guy audience member person someone presenter reporter speaker host lecturer interviewer".split())


_SUMMARY = re.compile(r"\b(recap|summari[sz]e|sum (?:it |this |that )?up|summary|overview|what did i miss|catch me up|"
                      r"what(?:'s| has| have| is)? (?:this|the|it|they|we)(?: \w+)? (?:covered|been about|talked about|gone over|"
                      r"been over)|what (?:has|have) (?:been|we) (?:covered|seen|had) so far)\b")


SUMMARY_LINES = 10  # a summary quotes at most this many lines and sentences


CHROME_S = 30.0  # a line on screen this long is the channel's furniture (a logo, "LIVE", a clock), not news


_CLOCK = re.compile(r"^\s*\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*$")


def summary(q: Query, f: EvidenceFinder) -> Composed:
    """What was shown and said in the span asked (all so far by default), in time order: each on-screen
    line once (whole, not a ticker's pieces or a corner bug repeated), each sentence; the latest ones
    when there are more than fit."""
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    text = [r for r in f.rows(past, (EvidenceKind.TEXT,)) if not _PAGE.match(r.content) and not _CLOCK.match(r.content)
            and PASSING_S < r.t_end - r.t_start < CHROME_S and "•" not in r.content and len(r.content.split()) > 1]
    keep: dict[str, Evidence] = {}
    for r in text:  # a line read again (or read whole after in part) counts once
        key = _norm(r.content)
        if not any(key in k for k in keep):
            keep = {k: v for k, v in keep.items() if k not in key} | {key: r}
    rows = sorted([*_one_per_graphic(list(keep.values())), *f.rows(past, (EvidenceKind.SPEECH,))], key=lambda r: r.t_start)
    if len(rows) > SUMMARY_LINES:  # spread over the whole span, not only its end
        rows = [rows[round(i * (len(rows) - 1) / (SUMMARY_LINES - 1))] for i in range(SUMMARY_LINES)]
    if not rows:
        return Composed(f"Nothing shown as text or said {_upto(past)}.")  # the caller describes what was seen
    return Composed(f"{_upto(past)[0].upper()}{_upto(past)[1:]}: " + "; ".join(quote(r) for r in rows) + ".", rows)


def _one_per_graphic(text: list[Evidence]) -> list[Evidence]:
    """One line per graphic (lines that came up together, within HEADING_S): a list's first place ("1. Marco
    Vella, Team Solaris", not its third), else the top line (a caption's name over its role), else the first."""
    groups: list[list[Evidence]] = []
    for r in sorted(text, key=lambda r: r.t_start):
        if groups and r.t_start - groups[-1][0].t_start <= HEADING_S and r.t_start <= groups[-1][0].t_end:
            groups[-1].append(r)
        else:
            groups.append([r])

    def first(g: list[Evidence]) -> Evidence:
        top = next((r for r in g if re.match(r"\s*1[.)]\s", r.content)), None)
        boxed = [r for r in g if getattr(r.data, "box", None) is not None]
        return top or (min(boxed, key=lambda r: r.data.box.y0) if len(boxed) == len(g) else g[0])
    return [first(g) for g in groups]


# a duration that is told, not timed: how long something will take or lasts
_HOW_LONG_WILL = re.compile(r"^how long(?:'s| is| will| does| do| would| should| did it take)\s+(?:the|this|that|it|a|an|he|she|they|"
                            r"you|we|i)\b|^how long (?:will|would|should|does|do) \w+")


_STATE_WORDS = frozenset("closed shut open opened delayed late cancelled canceled blocked busy full empty".split())
# How long as a length ("the queue goes back about two miles") or as an end ("the repair will take until this
# afternoon"): both answer "how long", as a duration does
_N = r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|fifty|a hundred|" \
     r"half a|a)"
_HOW_FAR = re.compile(rf"\b{_N}\s*(?:miles?|kilomet(?:re|er)s?|km|metres?|meters?|yards?|feet|foot)\b", re.I)
_UNTIL = re.compile(r"\b(?:until|till|til|up to)\s+(?:this|tomorrow|tonight|today|noon|midday|midnight|the end|next|\d|one|two|"
                    r"three|four|five|six|seven|eight|nine|ten|eleven|twelve|monday|tuesday|wednesday|thursday|friday|"
                    r"saturday|sunday)\b", re.I)


def stated_duration(q: Query, f: EvidenceFinder) -> Composed:
    """A duration stated about the asked thing ("it should take about 20 minutes"): the lines and sentences
    with a duration, those with the asked words first; else that none was stated."""
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    timed = [r for r in f.rows(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH)) if _DURATION.search(r.content)
             or _HOW_FAR.search(r.content) or _UNTIL.search(r.content)]
    topic = " ".join(w for w in (q.target or "").split() if w not in ("long", "take", "takes", "last", "lasts"))
    if not timed:  # "how long do you mash them?" — "mash them until smooth": what was said of it, if anything
        told = [s for s in f.matching(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH), target=topic)
                if s.lexical >= 0.5 and not s.row.content.rstrip().endswith("?")] if topic else []  # not the question
        if told:
            return Composed(f"No duration stated {_upto(past)}; about it: " + "; ".join(quote(s.row) for s in told[:2]) + ".",
                            [s.row for s in told[:2]])
        return Composed(f"I haven't seen or heard how long {_upto(past)}.")
    # the thing asked about, not its state: "the bridge" shut is not "the rail line" closed
    thing = " ".join(w for w in topic.split() if w not in _STATE_WORDS) or topic
    about = [r for r in timed if thing and lexical(thing, r.content) >= 0.5]
    spoken = f.rows(past, (EvidenceKind.SPEECH,))
    for ask in (r for r in spoken if topic and r.content.rstrip().endswith("?") and lexical(topic, r.content) >= 0.5):
        about += [r for r in reply(ask, spoken, q.now)[1:] if r in timed and r not in about]  # "how long's your drive?" — "forty minutes"
    about.sort(key=lambda r: r.t_start)
    rows = about[-2:] or timed[-2:]
    said = "; ".join(quote(r) for r in rows)
    if about:
        return Composed(_sentence(said), rows)
    replied = any(next_said(a, spoken, q.now) is rows[-1] for a in spoken if a.content.rstrip().endswith("?"))
    if not topic or replied:  # nothing named to match, or said in reply to a question (whose words were misheard)
        return Composed(f"The durations stated {_upto(past)}: {said}.", rows)
    return Composed(f"I haven't seen or heard how long “{topic}” {_upto(past)}; the durations stated: {said}.", rows)


# A caption that names a person: "Dr. Maya Chen", "Tom Reyes", "Prof. A. Okafor" — two or three
# capitalised words (an honorific and initials allowed), none of them a word titles are made of.
_HONORIFIC = r"(?:Dr|Mr|Mrs|Ms|Mx|Prof|Professor|Sir|Dame|Rev|Capt|Captain|Sgt|Officer|Judge|Senator|Sen|Mayor|Chef|Coach)"


_NAME_LINE = re.compile(rf"^(?:{_HONORIFIC}\.?\s*)?(?:[A-Z]\.\s*)?[A-Z][a-z\u00e0-\u00ff'’-]+(?:\s+[A-Z]\.)?"
                        rf"(?:\s+[A-Z][a-z\u00e0-\u00ff'’-]+){{1,2}}$")


_NOT_NAME = set("kitchen channel tv media films productions cafe bakery company club team radio podcast show recipes "
                "recipe cooking bread cake "
                "the of and in at for to a an by with from on our your my this that part chapter episode welcome "
                "thanks thank you new live news breaking city world life story how why what when street road avenue "
                "square station university college school hospital studio studios gardens garden "
                "weather sport sports center centre market bridge river lake news tonight today evening morning".split())


_ROLE_Q = re.compile(r"\b(what (?:does|do) (?:s?he|they|that (?:man|woman|guy|person)) do(?! (?:next|now|then|after|with|to))|"
                     r"job|occupation|profession|role|works? (?:as|for|at)|what is (?:s?he|his|her)\b.*\b(?:title|job))\b")


_HONORED = re.compile(rf"^{_HONORIFIC}\.?\s")


_DATE_LINE = re.compile(r"^\s*(?:\w+day,? )?\d{1,2}(?:st|nd|rd|th)? \w+ \d{4}\s*$|^\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\s*$")


_INSTITUTION = re.compile(r"\b(university|college|school|department|institute|faculty|hospital|company|inc|ltd)\b", re.I)


def name_line(text: str) -> bool:
    words = re.findall(r"[A-Za-z]+", text)
    return bool(_NAME_LINE.match(text.strip())) and not any(w.lower() in _NOT_NAME for w in words)


def captions(q: Query, f: EvidenceFinder) -> list[list[Evidence]]:
    """On-screen captions that name someone, each with the lines shown beside it (their role),
    in time order: the ones on screen at the moment asked, else (past tense, or nothing now) all so far."""
    rows = [r for r in f.rows(replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q, (EvidenceKind.TEXT,))
            if not _PAGE.match(r.content)]
    named = [r for r in rows if name_line(r.content)]
    # of name-like lines shown together ("Urban Heat Islands" over "Dr. Martin Hale"), one with a title names
    named = [r for r in named if _HONORED.match(r.content) or not any(_HONORED.match(o.content) for o in beside(r, named))]
    groups = [[g[0]] + [o for o in g[1:] if not name_line(o.content) and len(o.content.split()) <= 8]
              for g in (_card(r, beside(r, rows)) for r in named)]
    if q.scope is Scope.NOW:
        now = [g for g in groups if g[0].t_start <= q.point + 0.5 and g[0].t_end >= q.point - RECENT_S]
        return now or (groups if asks_past(q.question) else [])
    return groups


def _card(name: Evidence, group: list[Evidence]) -> list[Evidence]:
    """A name caption's own lines: of the lines that came and went with it, those stacked with it (its
    role under it), not a ticker line that happened to change at the same moment. Without boxes, all."""
    if _box(name) is None:
        return group
    stacked = {id(o) for o in panel(name, group[1:])}
    return [name] + [o for o in group[1:] if _box(o) is None or id(o) in stacked]


def by_role(q: Query, f: EvidenceFinder) -> list[list[Evidence]]:
    """The caption whose role line means the role asked ("the bird expert" ~ "Ornithologist"), as a
    one-group list; [] when the question names no role or no role line matches it."""
    role = _BY_ROLE.search(q.question.lower())
    if not role:
        return []
    everyone = captions(replace(q, scope=Scope.ALL), f)
    roles = {id(r): g for g in everyone for r in g[1:]}
    hits = [s for s in f.matching(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,), target=role.group(1))
            if id(s.row) in roles and (s.lexical >= LEXICAL_MIN or not re.fullmatch(_WHO_NOUN, role.group(1).strip()))]
    if hits:  # "who's the host?" and a caption "Ana Ruiz" over "Host, Sunny Side Kitchen"
        return [roles[id(hits[0].row)]]
    if re.fullmatch(_WHO_NOUN, role.group(1).strip()):
        return []  # "the man", "the presenter": no role line says it; not matched by meaning
    # the few role lines against the role asked, by meaning: "bird expert" ~ "Ornithologist, …" 0.35,
    # against 0.14 / 0.11 for "Park Ranger, …" / "Commuter, …" (MiniLM cosine)
    lines = [r for g in everyone for r in g[1:]]
    if not lines:
        return []
    asked = f.retriever.embed(role.group(1))
    sims = sorted(((float(asked @ f.retriever.embed(r.content)), i) for i, r in enumerate(lines)), reverse=True)
    best, i = sims[0]
    second = sims[1][0] if len(sims) > 1 else 0.0
    return [roles[id(lines[i])]] if best >= ROLE_SIM_MIN and best - second >= ROLE_SIM_MARGIN else []


ROLE_SIM_MIN, ROLE_SIM_MARGIN = 0.25, 0.1


def caption_answer(q: Query, f: EvidenceFinder) -> Composed | None:
    """"Who's the woman being interviewed?" while a name caption is up: the caption, quoted and
    cited (faces are not recognised; the caption is what the video itself says). A role asked by
    another name ("the bird expert") picks the caption whose role line means it. Someone named in the
    question ("what's Marcus's surname?", "the mayor's surname") only by a caption with that word."""
    role = by_role(q, f)
    groups = role or captions(q, f)
    if not role and (m := _ROLE_NAME.search(q.question.lower())) and m.group(1) not in _ANYONE:
        groups = []  # "the cleaner's name" and no caption's role line says cleaner: not whoever was captioned last
    if (m := _WHOSE.search(q.question.lower())) is not None:
        groups = [g for g in captions(replace(q, scope=Scope.ALL), f) if g[0].t_start <= q.now
                  and any(lexical_words(m.group(1), r.content) >= 1.0 for r in g)]
    return _caption_said(q, groups[-1]) if groups else None




def card_of(q: Query, f: EvidenceFinder, row: Evidence) -> Composed | None:
    """The name caption whose role line is `row`: "who's chairing?" matches the line "Chair", but the
    answer is the name shown above it ("Mayor Helen Brooks"). None when `row` is no caption's role line."""
    groups = [g for g in captions(replace(q, scope=Scope.ALL), f) if any(r is row for r in g[1:])]
    return _caption_said(q, groups[-1]) if groups else None


def _caption_said(q: Query, g: list[Evidence]) -> Composed:
    lines = " / ".join(f"“{r.content}”" for r in g)
    end = max(r.t_end for r in g)
    where = "on screen" if end >= q.point - RECENT_S else "shown earlier"
    return Composed(f"The caption {where} names them: {lines} ({span_text(g[0].t_start, end)}) — "
                    f"I go by the caption; I can't recognise faces.", g)


# "What was said right after the title?", "what did the narrator say just before the website came up?"
_SEQ = re.compile(r"^(?!which way|where (?:do|should) (?:i|we) go|how do (?:i|we) get)"
                  r"(?:what|who|which)\b.*?\b(?:right |just |straight |immediately |shortly )?(after|before)\s+"
                  r"(?:the |that |a |an |his |her |their )?(.+?)\s*(?:came up|come up|appeared|was shown|showed up|"
                  r"was said|ended|started|finished|began|went away)?\s*\??$")


_SAID_Q = re.compile(r"\b(said|say|says|saying|narrator|mention|mentioned|talk|talked|spoke|speak|announce|announced|"
                     r"heard|hear|reply|replied|answer|answered)\b")


_SHOWN_Q = re.compile(r"\b(shown|show|showed|screen|appear|appeared|came up|came on|displayed|text|sign|caption|banner|"
                      r"slide|slides|page|card|graphic)\b")


# Numbered items a video steps through: "Step 2: …", "Part 3 - …", "Chapter 1"
_SERIES = re.compile(r"^\s*(step|part|chapter|section|stage|lesson|tip|round)\s*(\d+|one|two|three|four|five|six|seven|eight|"
                     r"nine|ten)\b", re.I)


_SERIES_WORD = re.compile(r"\b(step|part|chapter|section|stage|lesson|tip|round)s?\b")


_SERIES_ALL = re.compile(r"\b(?:what (?:were|are|was|is)|list|recap|name|tell me|go over|remind me of)\b.{0,20}?\b(?:all |the |"
                         r"all the |each of the )?(steps|parts|chapters|sections|stages|lessons|tips|rounds)\b")


def series_list(q: Query, f: EvidenceFinder) -> Composed | None:
    """"What were all the steps again?": every numbered item shown so far, each once (its fullest read),
    in order. None when the question does not ask for them."""
    m = _SERIES_ALL.search(q.question.lower())
    if not m:
        return None
    noun = m.group(1)[:-1]
    past = replace(q, scope=Scope.ALL)
    items: dict[str, Evidence] = {}
    for r in f.rows(past, (EvidenceKind.TEXT,)):
        if r.t_start <= q.now and (s := _SERIES.match(r.content)) and s.group(1).lower() == noun:
            key = " ".join(words(s.group(2)))
            if key not in items or len(r.content) > len(items[key].content):
                items[key] = r
    if not items:
        return Composed(f"I haven't seen any {m.group(1)} shown {_upto(past)}.")
    rows = sorted(items.values(), key=lambda r: r.t_start)
    return Composed(f"The {m.group(1)} shown {_upto(past)}: " + "; ".join(f"“{r.content}” ({fmt_time(r.t_start)})"
                                                                         for r in rows) + ".", rows)


def sequence(q: Query, f: EvidenceFinder) -> Composed | None:
    """What was said (or shown) next after, or last before, a thing named: the named thing is found
    first (a line, a sentence, the title), then its neighbour in time of the asked kind. None when
    the named thing is not found (the question is answered the usual way)."""
    m = _SEQ.search(q.question.lower())
    after, phrase = m.group(1) == "after", m.group(2)
    past = replace(q, scope=Scope.ALL)
    both = (EvidenceKind.TEXT, EvidenceKind.SPEECH)
    anchor = named_row(q, f, phrase)
    if q.question.lower().startswith("who") and (named := _caption_next(q, f, phrase, anchor, after)) is not None:
        return named  # "who was shown before the ranger?": the name caption before his
    if anchor is None:
        return None
    asked = q.question.lower()[:m.start(1)]  # "what was said" — not the anchor's own "came up"
    said, shown = bool(_SAID_Q.search(asked)), bool(_SHOWN_Q.search(asked))
    kinds = (EvidenceKind.SPEECH,) if said and not shown else (EvidenceKind.TEXT,) if shown and not said else both
    rows = [r for r in f.rows(past, kinds) if r is not anchor and r.t_start <= q.now]
    kept = {id(r) for r in steady(rows, _recent_text(q, f))}  # no ticker pieces, no corner bugs
    rows = [r for r in rows if r.kind is not EvidenceKind.TEXT or id(r) in kept]
    series = _SERIES.match(anchor.content)
    noun = series.group(1).lower() if series else (m2.group(1) if (m2 := _SERIES_WORD.search(asked)) else None)
    if noun is not None:  # "what do I do after mashing?" under "Step 1: …": the next step, not the next sentence
        rows = [r for r in f.rows(past, (EvidenceKind.TEXT,)) if r.t_start <= q.now and (m3 := _SERIES.match(r.content))
                and m3.group(1).lower() == noun and _norm(r.content) != _norm(anchor.content)]
    pick = next((r for r in rows if r.t_start > anchor.t_start + 0.25 and r.t_start >= anchor.t_end - BESIDE_S
                 and not _PAGE.match(r.content)), None) if after else \
        next((r for r in reversed(rows) if r.t_start < anchor.t_start - 0.25 and not _PAGE.match(r.content)
              and (r.kind is not EvidenceKind.TEXT or r.t_end <= anchor.t_start + BESIDE_S)), None)  # gone by then
    if pick is None:
        return Composed(f"Nothing {'said' if kinds == (EvidenceKind.SPEECH,) else 'that I read or heard'} "
                        f"{'after' if after else 'before'} {quote(anchor)} {_upto(past)}.", [anchor])
    shown = [pick] if pick.kind is not EvidenceKind.TEXT else \
        [o for o in beside(_group_start(pick, rows), rows) if not _PAGE.match(o.content)] or [pick]
    return Composed(_sentence(f"{'after' if after else 'before'} {quote(anchor)}: " + "; ".join(quote(r) for r in shown)),
                    [anchor, *shown])


def _group_start(row: Evidence, rows: list[Evidence]) -> Evidence:
    """The first line of the set of lines `row` came up with (a slide's title, not its last bullet)."""
    return min((o for o in rows if o.kind is EvidenceKind.TEXT and abs(o.t_start - row.t_start) <= BESIDE_S
                and abs(o.t_end - row.t_end) <= BESIDE_S and not _PAGE.match(o.content)), key=lambda o: o.t_start,
               default=row)


def _caption_next(q: Query, f: EvidenceFinder, phrase: str, anchor: Evidence | None, after: bool) -> Composed | None:
    """The name caption next after (or last before) the one the phrase names (by role: "the ranger")."""
    past = replace(q, scope=Scope.ALL)
    groups = [g for g in captions(past, f) if g[0].t_start <= q.now]
    role = by_role(replace(q, question=f"who is the {phrase}?"), f)
    at = next((i for i, g in enumerate(groups) if (role and g[0] is role[0][0]) or (anchor is not None and anchor in g)), None)
    if at is None:
        return None
    j = at + 1 if after else at - 1
    if not 0 <= j < len(groups):
        return Composed(f"No one was named on screen {'after' if after else 'before'} “{groups[at][0].content}” {_upto(past)}.",
                        groups[at][:1])
    g = groups[j]
    lines = " / ".join(f"“{r.content}”" for r in g)
    return Composed(f"{'After' if after else 'Before'} “{groups[at][0].content}”, the caption named {lines} "
                    f"({span_text(g[0].t_start, max(r.t_end for r in g))}).", [groups[at][0], *g])


_SEQ_STOP = set("the a an that this his her their came come up appeared was were shown showed said announcement "
                "announcements sentence line text sign caption banner one ones thing bit part piece".split())


# an interview is introduced by a caption naming who is interviewed
_BANNER = re.compile(r"\b(banner|lower third|lower-third|name caption|name tag|nametag|caption with (?:the|a|her|his) name|"
                     r"interview|interviewed)\b")


_THIS_ONE = re.compile(r"^(?:this|that|the current|the present|the)(?: one| slide| page| screen| sign| caption| card| "
                       r"graphic)?$|^(?:this|that) (?:one|slide|page|screen|sign|caption|card|graphic)$")


NOW_SLACK_S = 2.5  # a line read at the last OCR run is still on screen


TICKER_BACK_S = 120.0  # how far back lines are looked at to find a ticker's band (bounds the work on long streams)
TICKER_PIECES = 3  # a band where this many lines were read cut short is a ticker, not a line read half-drawn once


def _recent_text(q: Query, f: EvidenceFinder) -> list[Evidence]:
    return [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,))
            if q.now - TICKER_BACK_S <= r.t_start <= q.now]


def steady(rows: list[Evidence], text: list[Evidence]) -> list[Evidence]:
    """The lines of `rows` that make up what is shown, without the pieces of a line scrolling past (and
    every line on a ticker's band, where several were read cut short) and small bugs in a corner ("LIVE"):
    "what was on screen before this?" means the last graphic, not the ticker's last read."""
    pieces = [r for r in text if fuller(r, text) is not r]
    bands = [_box(p) for p in pieces if _box(p) is not None]

    def ticker(r: Evidence) -> bool:
        b = _box(r)
        return b is not None and sum(_same_band(b, o) for o in bands) >= TICKER_PIECES

    def heading(r: Evidence) -> bool:  # "Cons" top left over its bullets is a page's heading, not a bug
        came = [o for o in text if o is not r and abs(o.t_start - r.t_start) <= BESIDE_S and _box(o) is not None]
        return bool(_under(r, came))

    return [r for r in rows if not ticker(r) and not any(r is p for p in pieces) and not (_bug(r) and not heading(r))]


def _same_band(a, b) -> bool:
    return a.y0 <= (b.y0 + b.y1) / 2 <= a.y1 or b.y0 <= (a.y0 + a.y1) / 2 <= b.y1


def _bug(row: Evidence) -> bool:
    """A small line kept in a corner: a channel's "LIVE" or logo (at most a fifth of the width)."""
    b = _box(row)
    return b is not None and _in_corner(b) and b.x1 - b.x0 <= 0.2 and b.y1 - b.y0 <= 0.1


def named_row(q: Query, f: EvidenceFinder, phrase: str) -> Evidence | None:
    """The line or sentence a question names by what it is or says ("the title", "the banner", "the
    website", "the truck announcement"): the first text for a title, the first name caption for a
    banner, else the best match (the first said or shown of those as good)."""
    past = replace(q, scope=Scope.ALL)
    if _THIS_ONE.match(phrase.strip()):  # "the slide before this one": the lines on screen now
        now = [r for r in f.rows(past, (EvidenceKind.TEXT,)) if r.t_start <= q.now and r.t_end >= q.now - NOW_SLACK_S
               and not _PAGE.match(r.content)]
        now = steady(now, _recent_text(q, f))
        newest = max(now, key=lambda r: r.t_start, default=None)
        return _group_start(newest, f.rows(past, (EvidenceKind.TEXT,))) if newest is not None else None
    if re.search(r"\btitle\b", phrase) and not re.search(r"\bchapter\b", phrase):
        rows = f.rows(past, (EvidenceKind.TEXT,))
        return rows[0] if rows else None
    if _BANNER.search(phrase) and (named := captions(past, f)):
        return named[0][0]
    words = " ".join(w for w in re.findall(r"[a-z0-9]+", phrase) if w not in _SEQ_STOP)
    found = [s for s in f.matching(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH), target=words) if s.score >= LEXICAL_MIN] \
        if words else []
    if not found:
        return None
    top = found[0].score
    return min((s.row for s in found if s.score >= top - 0.05), key=lambda r: r.t_start)


# "What came first, the banner or the chapter title?", "which was said first: lunch or the meeting?"
_ORDER = re.compile(r"\b(?:what|which)(?: one| thing)? (?:came|come|comes|was|were|appeared|showed up|happened|got "
                    r"mentioned|was (?:shown|said|mentioned))(?: up| on)? (?:first|earlier|sooner)\b[\s,:;–—-]*(?:the )?"
                    r"(.+?),?\s+or\s+(?:the )?(.+?)\s*\??$")


# "Did the banner come before the chapter title?", "was the weather before or after the interview?"
_BEFORE_AFTER = re.compile(r"^(?:did|was|were|is|does)\s+(?:the )?(.+?)\s+(?:come |appear |show up |get shown |get said "
                           r"|get mentioned |happen |go up |shown |said |mentioned )?(before or after|after or before|before|"
                           r"after)\s+(?:the )?(.+?)\s*\??$")


def order(q: Query, f: EvidenceFinder) -> Composed | None:
    """Which of two named things came first: each found as `named_row` finds it, then compared by
    their times. None when the question is not of that shape (or, asked yes/no, when either thing is
    not found: "did anyone speak before the title?" is not about two lines)."""
    low = q.question.lower()
    if (yn := _BEFORE_AFTER.search(low)) is not None:
        return _before_after(q, f, yn)
    m = _ORDER.search(low)
    if not m:
        return None
    names = [m.group(1).strip(" ,"), m.group(2).strip(" ,")]
    rows = [named_row(q, f, n) for n in names]
    found = [(n, r) for n, r in zip(names, rows) if r is not None]
    if len(found) < 2:
        missing = " or ".join(f"“{n}”" for n, r in zip(names, rows) if r is None)
        if not found:
            return Composed(f"I haven't seen or heard {missing} {_upto(replace(q, scope=Scope.ALL))}.")
        n, r = found[0]
        return Composed(f"Only the {n} so far: {quote(r)}; I haven't seen or heard {missing} "
                        f"{_upto(replace(q, scope=Scope.ALL))}.", [r])
    (n1, r1), (n2, r2) = sorted(found, key=lambda nr: nr[1].t_start)
    return Composed(f"The {n1} came first: {quote(r1)}, then the {n2}: {quote(r2)}.", [r1, r2])


def _before_after(q: Query, f: EvidenceFinder, m: re.Match) -> Composed | None:
    a, b = named_row(q, f, m.group(1)), named_row(q, f, m.group(3))
    if a is None or b is None or a is b:
        return None
    first = "before" if a.t_start < b.t_start else "after"
    yes = "" if " or " in m.group(2) else "Yes — " if m.group(2) == first else "No — "
    return Composed(_sentence(f"{yes}the {m.group(1)} came {first} the {m.group(3)}: {quote(a)}; {quote(b)}"), [a, b])


# "What's this video called?", "what's the title?", "when did the title appear?"
_WORKS = (r"(?:video|film|movie|clip|show|documentary|programme|program|talk|lecture|presentation|seminar|webinar|session|"
          r"race|event|match|game|tournament|competition|contest|festival|conference|broadcast|series|episode|stream)")


TITLE_Q = re.compile(rf"\b(?:what(?:'s| is| was) (?:this|the) {_WORKS} (?:called|about|on)\b|(?:the |its |this )title\b"
                     rf"(?! of the (?:book|song|sign))|name of (?:this|the) {_WORKS}|what(?:'s| is) (?:the )?topic|"
                     rf"what (?:are|is) (?:we|they|she|he|you) (?:making|cooking|baking|building|doing today)\b|"
                     rf"what(?:'s| is) the recipe\b|(?:what(?:'s| is)?|which) (?:the |this )?(?:channel|station|network)\b"
                     rf"(?! (?:handle|username|account|link|url|website|address))|"
                     rf"what(?:'s| is) this (?:video|film|clip|show)\s*\??$|(?:what|which) {_WORKS} (?:is|was) (?:this|that|it)\b|"
                     rf"(?:channel|station|network)(?:'s)? (?:called|name)\b|name of the (?:channel|station|network))")


def title(q: Query, f: EvidenceFinder) -> Composed:
    """A video's title is the first text it shows (with the lines shown beside it, a subtitle)."""
    rows = f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,))
    if not rows:
        return Composed(f"I haven't seen a title or any text on screen {_upto(replace(q, scope=Scope.ALL))}.")
    group = [r for r in rows if abs(r.t_start - rows[0].t_start) <= BESIDE_S and not _PAGE.match(r.content)] or rows[:1]
    # the title line first: not a date, a name or an institution (those are the speaker and the day)
    first = sorted(group, key=lambda r: (bool(_DATE_LINE.match(r.content)), bool(_HONORED.match(r.content)),
                                         bool(_INSTITUTION.search(r.content)), bool(_MAKER_LINE.search(r.content)),
                                         r.t_start))[:5]
    lines = " / ".join(f"“{r.content}”" for r in first)
    if q.answer_type is AnswerType.WHEN:
        return Composed(f"The first text on screen, likely the title, came up at {fmt_time(first[0].t_start)}: {lines}.",
                        first)
    return Composed(f"The first text on screen, likely the title: {lines} ({span_text(first[0].t_start, first[0].t_end)}).",
                    first)


def role_answer(q: Query, f: EvidenceFinder) -> Composed | None:
    """"What does she do?" / "what's Tom Reyes's job?": the line under a name caption (its role),
    for the name asked about, else the caption up now or last shown."""
    groups = [g for g in captions(replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q, f) if len(g) > 1]
    if not groups:
        return None
    asked = [g for g in groups if lexical(g[0].content, q.question) >= 0.5]
    now = [g for g in groups if g[0].t_start <= q.point + 0.5 and g[0].t_end >= q.point - RECENT_S]
    g = (asked or now or groups)[-1]
    roles = " / ".join(f"“{r.content}”" for r in g[1:])
    return Composed(f"The caption for “{g[0].content}” reads {roles} ({span_text(g[0].t_start, g[0].t_end)}).", g)


_WHO_NOUN = r"(?:man|woman|guy|girl|boy|lady|person|speaker|presenter|host|reporter|interviewee|expert|driver|cleaner|" \
            r"guard|officer|operator|caller|chef|doctor|nurse|teacher|student|worker|customer|visitor|coach|player|" \
            r"manager|owner|resident|witness|neighbou?r)"


_NAME_Q = re.compile(rf"\bwhat(?:'s| is| was)? (?:his|her|their|(?:the|that|this) {_WHO_NOUN}(?:'s|s'|s)?) "
                     rf"(?:sur|first |last |full )?name\b|\b(?:sur|first |last |full )?name of (?:the|that|this) "
                     rf"{_WHO_NOUN}\b|\bwhat(?:'s| is) (?:s?he|they) called\b|\b(?:his|her|their) (?:sur|first |last |full )?name\b"
                     r"|\b[a-z]+'s (?:surname|last name|family name)\b")  # "what's Marcus's surname?": a person's
_ROLE_NAME = re.compile(rf"\b(?:the|that|this) ({_WHO_NOUN})(?:'s|s'|s)? (?:sur|first |last |full )?name\b")
_ANYONE = {"man", "woman", "guy", "girl", "boy", "lady", "person", "speaker", "presenter", "host", "reporter", "interviewee"}
_WHOSE = re.compile(r"\b([a-z]+)'s (?:surname|last name|family name|full name)\b")


# "Where's he from?", "where is she based?": the place on the line under a name caption
_FROM_Q = re.compile(r"\bwhere(?:'s| is| was| does| did) (?:s?he|they|the \w+|that \w+|this \w+|[A-Z]?[a-z]+) "
                     r"(?:from|based|live|lives|work|works)\b|"
                     # "what company is she from?", "which firm does he work for?": the caption's second line
                     r"\b(?:what|which) (?:company|firm|organi[sz]ation|business|team|club|school|university|agency|"
                     r"outfit|department) (?:is|was|does|did|do) (?:s?he|they|the \w+|that \w+|[A-Z]?[a-z]+) "
                     r"(?:from|with|in|at|work for|works for|working for|represent|represents)\b")


# "name of the bird expert?", "who's the park ranger?": a role said another way, matched against the
# line under each name caption
_BY_ROLE = re.compile(r"\b(?:(?:sur|first |last |full )?name of|who(?:'s| is| was)) (?:the|that|this|our) ([a-z][a-z -]{2,40}?)\s*\??$")


_MAKER_LINE = re.compile(r"\bby\s+[A-Z0-9]|©|\b(presents|production|productions|studios?)\b")


def last_caption(q: Query, f: EvidenceFinder) -> Composed | None:
    """The last caption that named someone, said as gone from the screen now; None when none did."""
    earlier = captions(replace(q, scope=Scope.ALL), f) if q.scope is Scope.NOW else []
    if not earlier:
        return None
    g = earlier[-1]
    lines = " / ".join(f"“{r.content}”" for r in g)
    return Composed(f"No caption names anyone on screen now ({fmt_time(q.point)}); the last one that did: {lines} "
                    f"({span_text(g[0].t_start, max(r.t_end for r in g))}) — I go by captions; I can't recognise faces.", g)


_CAPTION_WORDS = re.compile(r"\b(banner|caption|lower third|name tag|nametag|on screen|on-screen|title|named)\b")


_DURATION = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
                       r"sixty|a few|several|many)\s+(years?|months?|weeks?|days?|hours?|minutes?|decades?|seconds?|secs?|"
                       r"mins?|hrs?)\b|"
                       r"\b[A-Za-z]+:?\s+\d{1,2}:[0-5]\d\b(?!\s*[ap]\.?m)", re.I)  # a timer's box: "REST 0:20"


# ---- ranked lists: standings, results, leaderboards ---------------------------------------------------
_RANKED = re.compile(r"^\s*(\d{1,2})(?:[.)]|st\b|nd\b|rd\b|th\b)\s*\S")
_RANK_WORDS = (
    (1, r"first|1st|top|won|wins|win|winner|winning|leading|leader|leads|in front|in the lead|number one|fastest"),
    (2, r"second|2nd|runner[- ]up"), (3, r"third|3rd"), (4, r"fourth|4th"), (5, r"fifth|5th"),
    (6, r"sixth|6th"), (7, r"seventh|7th"), (8, r"eighth|8th"), (9, r"ninth|9th"), (10, r"tenth|10th"),
    (-1, r"last|bottom"))
_RANK_Q = re.compile(r"\b(?:" + "|".join(f"(?P<r{i}>{w})" for i, (_, w) in enumerate(_RANK_WORDS)) + r")\b")
_LIST_COUNT = re.compile(r"\bhow many\b.{0,40}\b(?:on|in) the (?:standings|list|leaderboard|table|results|podium|board|"
                         r"rankings|classification)\b")
_LIST_WORDS = set("who whos which what is are was were the a an of on in at to came come finished finish place placed "
                  "position so right did does do has have rider riders team teams player players driver drivers runner "
                  "runners one person currently now".split())


def ranked_lists(q: Query, f: EvidenceFinder) -> list[tuple[list[Evidence], list[Evidence]]]:
    """The numbered lists shown up to now ("1. Jonas Berg", "2. Marco Vella +0:22" …), each as (its
    heading lines, its rows by number): numbered lines on screen together, and the un-numbered lines
    that came up with them (within HEADING_S) — "OVERALL STANDINGS", "Stage 7 result"."""
    text = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,)) if r.t_start <= q.now]
    numbered = [r for r in text if _RANKED.match(r.content)]
    lists: list[list[Evidence]] = []
    for r in numbered:  # a row joins the list whose rows were on screen with it
        home = next((g for g in lists if any(o.t_start <= r.t_end and r.t_start <= o.t_end for o in g)), None)
        home.append(r) if home is not None else lists.append([r])
    out = []
    for rows in lists:
        if len({int(_RANKED.match(r.content).group(1)) for r in rows}) < 2:
            continue  # one numbered line is a step or a headline, not a list
        t0, t1 = min(r.t_start for r in rows), max(r.t_end for r in rows)
        heads = [r for r in text if not _RANKED.match(r.content) and abs(r.t_start - t0) <= HEADING_S
                 and r.t_start <= t1 and r.t_end >= t0 and not _PAGE.match(r.content)]
        out.append((heads, sorted(rows, key=lambda r: int(_RANKED.match(r.content).group(1)))))
    return out



def ranked(q: Query, f: EvidenceFinder) -> Composed | None:
    """"Who won?", "who came 3rd?", "who's top of the overall?", "so Vella's leading overall, right?", "how many
    riders are on the standings?": read off a numbered list shown on screen — the latest, or the one
    whose heading or rows have the question's other words. None when no list or no rank is asked."""
    low = q.question.lower()
    m = _RANK_Q.search(low)
    counting = _LIST_COUNT.search(low)
    if not (m or counting):
        return listed(q, f)
    if q.answer_type not in (AnswerType.WHO, AnswerType.YES_NO, AnswerType.WHAT,
                                                    AnswerType.HOW_MANY):
        return None
    lists = ranked_lists(q, f)
    if not lists:
        return None
    rank = _RANK_WORDS[int(next(k for k, v in m.groupdict().items() if v)[1:])][0] if m else 0
    rest = " ".join(w for w in (_RANK_Q.sub(" ", q.target or "")).split() if w not in _LIST_WORDS)
    chosen = _the_list(lists, rest, q.answer_type is AnswerType.YES_NO)
    if chosen is None:
        return None
    heads, rows = chosen
    under = f" under “{' / '.join(h.content for h in heads)}”" if heads else ""
    span = span_text(min(r.t_start for r in rows), max(r.t_end for r in rows))
    if counting:
        return Composed(f"{len(rows)} on the list{under} ({span}): " + "; ".join(f"“{r.content}”" for r in rows) + ".",
                        heads + rows, count=len(rows))
    at = rows[-1] if rank == -1 else next((r for r in rows if int(_RANKED.match(r.content).group(1)) == rank), None)
    if at is None:
        return Composed(f"The list{under} ({span}) shows {len(rows)}, not a number {rank}.", heads + rows)
    if q.answer_type is AnswerType.YES_NO:  # "so Vella's leading, right?": the name's own row, against the rank
        names = [w for w in rest.split() if sum(lexical(w, r.content) == 1.0 for r in rows) == 1]  # a word one row has
        named = [r for r in rows if any(lexical(w, r.content) == 1.0 for w in names)]
        if named:
            yes = at in named
            also = "" if yes else f"; “{named[0].content}”"
            return Composed(f"{'Yes' if yes else 'No'} — “{at.content}”{also}{under} ({span}).", heads + [at] + named[:1])
    return Composed(f"“{at.content}”{under} ({span}).", heads + [at])


def _the_list(lists, rest: str, yes_no: bool):
    """The list the question's other words point to (its heading or rows have them), else the latest.
    A question with other words that no list has ("who won the stage?" with only the overall standings
    up) gets none — unless it is a yes/no naming someone, whose row the words are."""
    if not rest:
        return lists[-1]
    scored = [(lexical(rest, " ".join(r.content for r in heads + rows)), i) for i, (heads, rows) in enumerate(lists)]
    best, i = max(scored, key=lambda x: (x[0], x[1]))
    return lists[i] if best >= LEXICAL_MIN or yes_no and best > 0 else None


# ---- a shown value over time: "is the gap growing or shrinking?" ------------------------------------------
_TREND_Q = re.compile(r"\b(growing|shrinking|going up|going down|gone up|gone down|went up|went down|increas\w*|decreas\w*|"
                      r"rising|risen|falling|fallen|dropping|dropped|bigger|smaller|up or down|down or up|coming down|"
                      r"closing|changed|changing|how has|trend)\b")
_TREND_WORDS = set("growing shrinking going gone went up down increasing increased decreasing decreased rising risen falling "
                   "fallen dropping dropped bigger smaller or coming closing changed changing trend since start "
                   "beginning".split())
_VALUE = re.compile(r"(\d+):(\d{2})\b|(\d+(?:[.,]\d+)?)")


def _value(content: str) -> float | None:
    """The first number of a line; "1:48" is 108 (minutes:seconds, or hours:minutes — the order holds)."""
    m = _VALUE.search(content)
    if m is None:
        return None
    return int(m.group(1)) * 60 + int(m.group(2)) if m.group(1) else float(m.group(3).replace(",", "."))


def trend(q: Query, f: EvidenceFinder) -> Composed | None:
    """How a value shown more than once moved: the versions of one graphic that differ only in their
    number ("Gap to the chasers: 1:48", later "…: 0:52"), in order, said as up, down or unchanged. None
    when the question asks no change or no graphic was shown in two versions (what was said may answer)."""
    if not _TREND_Q.search(q.question.lower()):
        return None
    rest = " ".join(w for w in (q.target or "").split() if w not in _TREND_WORDS)
    if not rest:
        return None
    rows = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,))
            if r.t_start <= q.now and _value(r.content) is not None and lexical(rest, r.content) >= LEXICAL_MIN]
    groups: dict[str, list[Evidence]] = {}
    for r in rows:
        groups.setdefault(numbers_hidden(r.content), []).append(r)
    versions = max(groups.values(), key=len, default=[])
    if len(versions) < 2:  # shown once: what was said or shown about it, with no verdict of ours
        found = [s for s in f.matching(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH, EvidenceKind.TEXT), target=rest)
                 if s.lexical >= LEXICAL_MIN]
        if not found:
            return None
        told = _with_beside(f, q, [s.row for s in _best(found, 2)])
        return Composed("It was shown once; here is what was shown or said about it: " + "; ".join(quote(r) for r in told)
                        + ".", told)
    first, last = _value(versions[0].content), _value(versions[-1].content)
    way = "up" if last > first else "down" if last < first else "unchanged"
    steps = " → ".join(f"{quote(r)}" for r in versions)
    return Composed(f"It has gone {way}: {steps}." if way != "unchanged" else f"Unchanged: {steps}.", versions)


def listed(q: Query, f: EvidenceFinder) -> Composed | None:
    """"How far back is Vella overall?": the row of a list that names the one asked about, when the
    question's other words are the list's heading ("overall" ~ "OVERALL STANDINGS"). None otherwise."""
    lists = ranked_lists(q, f)
    target = [w for w in (q.target or "").split() if w not in _LIST_WORDS]
    for heads, rows in reversed(lists):
        heading = " ".join(h.content for h in heads)
        named = [r for r in rows if any(lexical(w, r.content) == 1.0 for w in target)]
        if len(named) == 1 and heading and any(lexical(w, heading) == 1.0 and lexical(w, named[0].content) < 1.0
                                               for w in target):
            return Composed(f"“{named[0].content}” under “{' / '.join(h.content for h in heads)}” "
                            f"({span_text(named[0].t_start, named[0].t_end)}).", heads + named)
    return None


# ---- a sponsor or logo: the line in a corner all along --------------------------------------------------
_BRAND_Q = re.compile(r"\b(sponsors?|sponsored|sponsoring|brand|logo|watermark|presented by|powered by|brought to you by)\b")
_BRAND_WORDS = set("sponsor sponsors sponsored sponsoring brand logo watermark presented powered brought".split())
# A corner line up this long is kept there, not a caption: bands and lower thirds stay 5-10 s (7 s in the
# generated broadcasts); a sponsor's bug is up from its first appearance on (21 s of a 27 s race feed)
BRAND_S = 15.0


def brand(q: Query, f: EvidenceFinder) -> Composed | None:
    """"Who's the sponsor?", "what's the logo?" when no line says "sponsor": the line kept in a corner of the
    screen longest (a bug: "FENWICK ENERGY" for 80 s), said as a likely sponsor or logo. None when a line
    names it in words, or none stayed up."""
    if not _BRAND_Q.search(q.question.lower()):
        return None
    past = replace(q, scope=Scope.ALL)
    if any(s.lexical >= LEXICAL_MIN for s in f.matching(past, (EvidenceKind.TEXT, EvidenceKind.SPEECH))):
        return None  # "Sponsored by …" was shown or said: the lookup quotes it
    text = [r for r in f.rows(past, (EvidenceKind.TEXT,)) if min(r.t_end, q.now) - r.t_start >= BRAND_S
            and not _CLOCK.match(r.content) and not _PAGE.match(r.content)]
    cornered = [r for r in text if r.data.box is None or _in_corner(r.data.box)]
    if not cornered:
        return None
    # the longest up; of two up as long, the one with no number (a logo, not "38 KM TO GO" beside it)
    r = max(cornered, key=lambda r: (round(min(r.t_end, q.now) - r.t_start), not re.search(r"\d", r.content)))
    return Composed(f"No line names a sponsor; the one kept in a corner of the screen is “{r.content}” "
                    f"({span_text(r.t_start, min(r.t_end, q.now))}) — likely the sponsor's or channel's logo.", [r])


# "which camera is this?", "what channel is this on?": the video's own label, not something in view
_SOURCE_Q = re.compile(r"\b(?:which|what)\s+(camera|cam|cctv|channel|station|feed)\b|"
                       r"\b(?:which|what)\s+(street|road|junction|crossing|intersection|corner|location|place|spot|area|"
                       r"entrance|gate|platform|floor)\s+(?:is|are)\s+(?:this|that|it|we|the cam\w*|this cam\w*)\b")
_WHICH_THIS = re.compile(r"\b(?:is|was) (?:this|it|that)\b|\bare we\b|\bam i\b|\bthis (?:is|cam|camera|feed)\b")
_CAM = r"cam(?:era)?\s*\d*|cctv"
_SOURCE_WORD = {"camera": _CAM, "cam": _CAM, "cctv": _CAM, "feed": rf"{_CAM}|feed", "channel": r"channel|ch\s*\d+",
                "station": r"station",
                # "which street is this cam on?": the camera's label names where it looks ("CAM 14 · KING STREET")
                **dict.fromkeys(("street", "road"), rf"street|st|road|rd|avenue|ave|lane|way|bridge|{_CAM}"),
                **dict.fromkeys(("junction", "crossing", "intersection", "corner"),
                                rf"junction|crossing|intersection|roundabout|corner|{_CAM}"),
                **dict.fromkeys(("location", "place", "spot", "area"), _CAM),
                **dict.fromkeys(("entrance", "gate", "platform", "floor"), rf"entrance|gate|platform|plat|floor|level|{_CAM}")}


# "how many ppl on the visitor log?", "how many items are on the agenda?": the lines of a panel by its heading
_ON_THE = re.compile(r"\bhow many\b.*?\b(?:on|in|under)\s+(?:the|this|that|today's|tonight's)\s+([a-z][a-z' ]{1,30}?)"
                     r"\s*(?:now|so far|rn|right now|today)?\s*\??$")


_CONTAINERS = frozenset("board list panel screen sign sheet chart display table graphic card box".split())


def listed_count(q: Query, f: EvidenceFinder) -> Composed | None:
    """The lines stacked under the heading the question names (phrasing.panel: aligned, a line's height
    apart), counted and quoted; the latest such panel by now. None when no heading shown has those words
    or it had fewer than two lines under it."""
    m = _ON_THE.search(q.question.lower())
    if m is None:
        return None
    name = " ".join(w for w in m.group(1).split() if w not in _CONTAINERS) or m.group(1)  # "the specials board"
    text = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,)) if r.t_start <= q.now]
    for head in sorted((r for r in text if lexical_words(name, r.content) >= 0.99), key=lambda r: -r.t_start):
        both = min(1.0, (head.t_end - head.t_start) / 2)  # on screen together (OCR dates a panel's lines ±1.5 s)
        shown = [o for o in text if o is not head and min(o.t_end, head.t_end) - max(o.t_start, head.t_start) >= both
                 and getattr(o.data, "box", None) is not None]
        lines = _under(head, shown)
        if len(lines) >= 2:
            said = "; ".join(f"“{o.content}”" for o in lines)
            t0, t1 = head.t_start, min(max(o.t_end for o in [head] + lines), q.now)
            return Composed(f"{len(lines)} lines under “{head.content}” ({span_text(t0, t1)}): {said}.", [head] + lines)
    return None


def _under(head: Evidence, shown: list[Evidence]) -> list[Evidence]:
    """The block of lines under a heading: the nearest line below it, aligned with it, within two of its
    heights (a heading stands apart: "Tonight's agenda" 0.12 of the frame above its first item), and the
    lines stacked with that one (phrasing.panel)."""
    h = head.data.box
    below = [o for o in shown if o.data.box.y0 > h.y1 - 0.01 and o.data.box.y0 - h.y1 <= 2 * (h.y1 - h.y0)
             and aligned(o.data.box, h)]
    if not below:
        return []
    first = min(below, key=lambda o: o.data.box.y0)
    return [first] + [o for o in panel(first, [o for o in shown if o is not first]) if o.data.box.y0 > h.y0]


def source_label(q: Query, f: EvidenceFinder) -> Composed | None:
    """"Which camera is this?": the on-screen line at the moment asked that names one ("CAM 05 · BIKE
    SHELTER"); a channel or station with no line naming one, the logo kept in a corner (`brand`'s rule).
    None when the question asks neither or nothing names one (then what is in view answers)."""
    m = _SOURCE_Q.search(q.question.lower())
    if m is None:
        return None
    at = q if q.scope is not Scope.ALL else replace(q, scope=Scope.NOW)
    look = re.compile(rf"\b(?:{_SOURCE_WORD[m.group(1) or m.group(2)]})\b", re.I)
    rows = [r for r in f.rows(at, (EvidenceKind.TEXT,)) if look.search(r.content) and r.t_start <= q.now]
    if rows:
        r = max(rows, key=lambda r: r.t_start)  # the latest label: a switch of camera replaces it
        return Composed(f"The screen {'shows' if r.t_end >= q.now - 1.0 else 'showed'} “{r.content}” "
                        f"({span_text(r.t_start, min(r.t_end, q.now))}).", [r])
    asked = m.group(1) or m.group(2)
    if asked in ("channel", "station") or not _WHICH_THIS.search(q.question.lower()):
        return None  # a channel's name may be said, or its logo kept in a corner (`brand`); "which camera saw
        # a person?" asks which of several, not which this is
    return Composed(f"I haven't seen a label on screen naming the {'camera' if asked in ('cam', 'cctv', 'feed') else asked} "
                    f"{'now' if at.scope is Scope.NOW else 'then'} ({fmt_time(q.point)}), and I can't tell it from the picture.")


def _in_corner(box) -> bool:
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    return (cx < 0.3 or cx > 0.7) and (cy < 0.25 or cy > 0.75)


# ---- names the speakers call each other ------------------------------------------------------------------
_WHO_TALKS = re.compile(r"\bwho(?:'s| is| are| was| were)(?: the| our| these| those| this| that| all the)? (?:speakers?|presenters?|"
                        r"commentators?|hosts?|narrators?|interviewers?|reporters?|anchors?|people talking|voices?|"
                        r"guys? talking|two (?:talking|of them))\b|\bwho(?:'s| is| are) (?:talking|speaking|commentating)\b|"
                        r"\bnames? of the (?:commentators|presenters|hosts|speakers|anchors)\b")
# "Peter, can we look at …?", "… will he hold on, Claire?": a capitalised word set off by a comma at the start
# or the end of a sentence is someone spoken to — unless it is one of the words sentences open with
_VOCATIVE = re.compile(r"^([A-Z][a-z]{2,}),\s|,\s([A-Z][a-z]{2,})\s*[?.!]$")
_NOT_NAMES = set("""yes yeah yep no nope well so oh okay ok now look thanks thank hi hello hey right sure actually today
tonight tomorrow yesterday first next then and but here there finally however also still again sorry please remember
welcome meanwhile anyway indeed honestly basically obviously listen wait great good fine alright and friends everyone
folks guys everybody ladies gentlemen viewers again though too""".split())


def addressed(q: Query, f: EvidenceFinder) -> Composed | None:
    """"Who are the commentators?" when no caption names them: the names they call each other, each
    with the sentence it was heard in (voices are not told apart, so who is who stays unsaid)."""
    if not _WHO_TALKS.search(q.question.lower()):
        return None
    heard: dict[str, Evidence] = {}
    for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH,)):
        for m in _VOCATIVE.finditer(r.content.strip()):
            name = m.group(1) or m.group(2)
            if name.lower() not in _NOT_NAMES and name not in heard:
                heard[name] = r
    if not heard:
        return None
    said = "; ".join(f"{name} ({quote(r)})" for name, r in heard.items())
    return Composed(f"No caption names them; the names I heard them call each other: {said}. I can't tell the voices "
                    f"apart, so not which is which.", list(heard.values()))


# ---- countdowns: "how much time has he got left?" -------------------------------------------------------
# Time remaining, asked in any words: "time left", "how long does she have left", "minutes remaining".
TIME_LEFT_Q = re.compile(r"\b(?:time|minutes?|mins?|seconds?|secs?|long)\b(?:\s+\w+){0,4}?\s+(?:left|remaining|to go)\b|"
                         r"\btime remaining\b|\bcountdown\b")
_COUNTDOWN = re.compile(r"\b\d{1,2}:\d{2}\b")  # 2:00, 0:20
_COUNTDOWN_WORDS = re.compile(r"\b(left|remaining|to go|time|timer|countdown|clock)\b", re.I)


def countdown(q: Query, f: EvidenceFinder) -> Composed | None:
    """The countdown or timer box read latest by the moment asked (its value replaces the last one), as on
    screen now or as last shown; None when no line with a m:ss value was read (the question is then
    answered the usual way: never by a count of people in view)."""
    rows = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,))
            if r.t_start <= q.point and _COUNTDOWN.search(r.content)]
    labelled = [r for r in rows if _COUNTDOWN_WORDS.search(_COUNTDOWN.sub(" ", r.content))]
    if not (labelled or rows):
        return None
    r = max(labelled or rows, key=lambda r: (r.t_start, r.t_end))
    if min(r.t_end, q.now) >= q.point - NOW_SLACK_S:
        return Composed(f"The timer on screen reads “{r.content}” ({span_text(r.t_start, min(r.t_end, q.now))}).", [r])
    return Composed(f"No timer is on screen now ({fmt_time(q.point)}); the last one read “{r.content}” "
                    f"({span_text(r.t_start, r.t_end)}).", [r])


# ---- a name given in speech: "what's the engineer called?", "the kid's name?" --------------------------------
_ASK_NAME = re.compile(r"\bwhat(?:'s| is| was)? (?:the|that|this|our) ([a-z][a-z ]{1,30}?)(?:'s|s'|s)? "
                       r"(?:sur|first |last |full |family )?name\b|\b(?:sur|first |last |full )?name of (?:the|that|this) "
                       r"([a-z][a-z ]{1,30}?)\s*\??$|\bwhat(?:'s| is| was) (?:the|that|this) ([a-z][a-z ]{1,30}?) called\b|"
                       r"\bwhat(?:'s| is| was) ([a-z]+)(?:'s|s) (?:sur|last |full |family )name\b")
_GIVES_NAME = re.compile(r"\b(?:name is|name's|named|called|this is)\s+([A-Z][a-z]+(?: [A-Z][a-z]+)?)")
_KIN = frozenset("boy girl kid kids child children son daughter baby toddler".split())
_SURNAME = re.compile(r"\b(?:sur|last |full |family )name\b")


def asked_name(low: str) -> str | None:
    """Whose name a question asks, as its words ("lift engineer", "kid", "kevin"), else None."""
    m = _ASK_NAME.search(low)
    return next(filter(None, m.groups()), None) if m else None


def spoken_name(q: Query, f: EvidenceFinder, who: str) -> Composed | None:
    """The name a sentence gave for `who` ("The engineer, Tony Walsh, says…"; "we have a lost child." — "His
    name is Oliver"): a capitalised name, not the sentence's first word, in a sentence with their words or
    said within COREF_NAME_S after one. A surname asked of a name ("Kevin's last name") needs the name with a
    second one after it. None when none was (`no_name` says so) — never another name that was."""
    said = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH,)) if r.t_start <= q.now]
    asked = {stem(w) for w in who.split() if w not in ("the", "a")}
    kin = bool(asked & _KIN)
    def about(r: Evidence) -> bool:
        have = {stem(w) for w in words(r.content)}
        return bool(asked & have) or kin and bool(have & _KIN)
    surname = bool(_SURNAME.search(q.question.lower()))
    for i in range(len(said) - 1, -1, -1):
        r = said[i]
        names = _names_in(r.content)
        if surname:
            names = [n for n in names if len(n.split()) > 1 and stem(n.split()[0].lower()) in asked]
        near = about(r) or any(about(o) for o in said[:i] if 0.0 <= r.t_start - o.t_start <= COREF_NAME_S)
        if names and near:
            return Composed(f"{names[0]} — {quote(r)}.", [r])
    return None


def no_name(q: Query, who: str) -> Composed:
    """Says it: "I haven't seen or heard the engineer's name so far (up to 00:37.5)."""
    surname = bool(_SURNAME.search(q.question.lower()))
    whose = f"{who}'s" if not who.endswith("s") else f"{who}'"
    return Composed(f"I haven't seen or heard {'' if surname else 'the '}{whose} "
                    f"{'last name' if surname else 'name'} {_upto(replace(q, scope=Scope.ALL))}.")


# names that are titles, not people's ("what's this video called?": the title card's business)
THING_NAMES = frozenset("""video film movie show programme program episode channel series clip song track album book
podcast app website site page company brand shop store restaurant cafe place street road station stop town city village
team club event festival game recipe dish product model project building school""".split())


COREF_NAME_S = 10.0  # "His name is Oliver" said this soon after "we have a lost child" is the child's


def _names_in(text: str) -> list[str]:
    """Capitalised names in a sentence: given outright ("his name is Oliver"), else capitalised words that
    neither open a sentence nor are words sentences open with ("The engineer, Tony Walsh, says")."""
    given = [m.group(1) for m in _GIVES_NAME.finditer(text)]
    if given:
        return given
    out = []
    for part in re.split(r"(?<=[.!?])\s+", text.strip()):
        for m in re.finditer(r"(?<=[\s,])([A-Z][a-z]+(?: [A-Z][a-z]+)*)", part):
            if m.group(1).split()[0].lower() not in _NOT_NAMES:
                out.append(m.group(1))
    return out


# ---- whom a voice calls: "who is control calling?" ---------------------------------------------------------
_CALLING = re.compile(r"^who(?:'s| is| was| did) ([a-z]+) (?:calling|call|talking to|talk to|speaking to|speak to|"
                      r"asking|ask|radioing|radio|paging|page|addressing|trying to (?:reach|call|get))\b")


def callee(q: Query, f: EvidenceFinder) -> Composed | None:
    """"Who is Control calling?": the name its call gives ("Control to Kevin, …"), else the name spoken to
    ("Kevin, the lift …") in a sentence that voice probably said (voices.speaker). None when the question
    is not of that shape; with no such call, that none was heard."""
    m = _CALLING.match(q.question.lower().strip())
    if m is None:
        return None
    caller = m.group(1)
    said = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.SPEECH,)) if r.t_start <= q.now]
    for r in reversed(said):
        call = re.search(rf"\b{re.escape(caller)} to ([A-Z][a-z]+)", r.content, re.I)
        spoken = _VOCATIVE.search(r.content.strip())
        who = speaker(r, said)
        name = call.group(1) if call else (spoken.group(1) or spoken.group(2)) if spoken and who is not None and \
            who.name.lower() == caller else None
        if name and name.lower() not in _NOT_NAMES and name.lower() != caller:
            return Composed(f"{name} — {quote(r)}.", [r])
    return Composed(f"I haven't heard {caller.capitalize()} call anyone by name {_upto(replace(q, scope=Scope.ALL))}.")


# ---- what changed on screen: "what changed on the board?" -----------------------------------------------------
_CHANGED_Q = re.compile(r"\bwhat(?:'s| has| have)? (?:just |now )?(?:changed|been changed|been updated|updated)\b|"
                        r"\bwhat(?:'s| is) (?:new|different) (?:on|in|about)\b|\bany(?:thing)? (?:changes?|changed|updates?)\b|"
                        r"\bwhat changes?\b|\bhow (?:has|did) (?:the |it )?\w* ?change\b")
_TABLE_WORDS = re.compile(r"\b(board|boards|table|timetable|departures|arrivals|scoreboard|standings|leaderboard|list|"
                          r"schedule|results)\b")
CHANGE_Y = 0.05  # lines compared for a change sit at about one height (frame fractions)
CHANGE_GAP_S = 120.0  # a graphic taken down and put up again changed (a board up again half a minute later)
_ONLY_TIME = re.compile(r"^[\s\d/:.\-]+$")  # a clock or date stamp ticks over: no change worth telling


def changed(q: Query, f: EvidenceFinder) -> Composed | None:
    """"What changed on the board?": the on-screen pieces that replaced others at the same place, latest
    first group ("“Exp 14:22” where “On” was; “Plat 5” where “Plat 2” was"), each with the piece left of it on
    its row ("14:25 York"). None when the question asks no change or nothing on screen was replaced."""
    if not _CHANGED_Q.search(q.question.lower()):
        return None
    # the last CHANGE_GAP_S of changes, each against what stood at its height before (a 1-hour feed holds
    # thousands of lines: each is compared with the few at its height, not with all)
    span = replace(q, scope=Scope.WINDOW, window=TimeWindow(max(0.0, q.now - 2 * CHANGE_GAP_S), q.now, "last"))
    rows = [r for r in f.rows(span, (EvidenceKind.TEXT,)) if r.t_start <= q.now and r.data.box]
    scrolling = [r for r in rows if _at_edge(r.data.box)]  # a ticker's band: its pieces come and go, nothing changes
    text = [r for r in rows if not _ONLY_TIME.match(r.content) and not _PAGE.match(r.content)
            and not any(_same_band(r.data.box, o.data.box) for o in scrolling)]
    at: dict[int, list[Evidence]] = {}
    for r in text:
        at.setdefault(round(r.data.box.y0 / CHANGE_Y), []).append(r)
    pairs = []
    for new in (r for r in text if r.t_start >= q.now - CHANGE_GAP_S):  # each with the piece it replaced last
        up = new.t_end - new.t_start > PASSING_S or new.t_end >= q.now - NOW_SLACK_S  # or just put up
        b = round(new.data.box.y0 / CHANGE_Y)
        near = at.get(b - 1, []) + at.get(b, []) + at.get(b + 1, [])
        olds = [old for old in near if old is not new and up and _replaced(old, new) and _same_graphic(old, new, text)]
        if olds and not any(o.content == new.content and o.t_start < new.t_start and _replaced(o, new, same=True)
                            for o in near):  # a line read again after a flicker is no change
            pairs.append((max(olds, key=lambda o: (o.t_end, o.t_end - o.t_start)), new))
    if _TABLE_WORDS.search(q.question.lower()):  # "on the board": a row of a table, not the camera's label
        pairs = [(old, new) for old, new in pairs if row_mates(new, text)]
    named = " ".join(w for w in (q.target or "").split() if w not in _CHANGE_WORDS)
    heads = [r for r in text if named and lexical(named, r.content) >= 1.0]
    if heads:  # "what changed on the journey times?": the lines put up with that heading
        pairs = [(old, new) for old, new in pairs if any(h.t_start - HEADING_S <= new.t_start <= h.t_end
                                                         and new.data.box.y0 >= h.data.box.y0 for h in heads)]  # under it
    if not pairs:
        return None
    start = max(new.t_start for _, new in pairs)
    latest = [(old, new) for old, new in pairs if new.t_start >= start - 2 * BESIDE_S]
    parts, used = [], []
    for old, new in sorted(latest, key=lambda p: (p[1].data.box.y0, p[1].data.box.x0))[:4]:
        left = [m for m in row_mates(new, text) if m.data.box.x1 <= new.data.box.x0 + 0.01]
        on = f" beside “{left[0].content}”" if left else ""
        parts.append(f"“{new.content}”{on} where “{old.content}” was ({span_text(old.t_start, old.t_end)})")
        used += [new, old] + left[:1]
    return Composed(f"What changed on screen at {fmt_time(start)}: " + "; ".join(parts) + ".", _uniq(used))


def _replaced(old: Evidence, new: Evidence, same: bool = False) -> bool:
    """`new` came up where `old` was (most of the smaller box inside the other) after `old` went, with
    other words (`same`: with the same words — a re-read)."""
    a, b = old.data.box, new.data.box
    inter = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    small = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0))
    placed = small > 0 and inter >= 0.5 * small and old.t_start < new.t_start
    if same:
        return placed
    return (placed and old.t_end <= new.t_start + BESIDE_S and new.t_start - old.t_end <= CHANGE_GAP_S
            and _norm(old.content) != _norm(new.content)
            and not (_norm(old.content) in _norm(new.content) or _norm(new.content) in _norm(old.content)))


def _same_graphic(old: Evidence, new: Evidence, text: list[Evidence]) -> bool:
    """`new` is `old`'s graphic shown again with other words, not another graphic put where it was (a title
    card, a board a quarter of a minute later): it came up as `old` went, or shares a word with it ("Plat 2",
    "Plat 5"), or sits beside the same piece of its row ("14:10 Leeds" beside "On", later "Exp 14:22")."""
    if new.t_start - old.t_end <= BESIDE_S:
        return True
    if {w for w in words(old.content) if not w.isdigit()} & {w for w in words(new.content) if not w.isdigit()}:
        return True
    def left(r: Evidence) -> set[str]:
        return {m.content for m in row_mates(r, text) if m.data.box.x1 <= r.data.box.x0 + 0.01}
    return bool(left(old) & left(new))


_CHANGE_WORDS = frozenset("changed change changes updated update new different board screen sign display panel list "
                          "table".split())



# ---- the time of day on screen: "what time is it?" ---------------------------------------------------------------
_CLOCK_Q = re.compile(r"\bwhat(?:'s| is)? the time\b|\bwhat time is it\b|\bwhat time (?:does|did) (?:it|the clock|the screen|"
                      r"the feed|the camera|the stamp|the timestamp) (?:say|show|read)\b|\bwhat (?:does|did) the clock "
                      r"(?:say|show|read)\b|\btime (?:on|of) (?:the )?(?:screen|feed|clock|camera|stamp|recording)\b")
# a clock or a CCTV stamp: a time, with a date before or after it, and nothing else on the line
_STAMP = re.compile(r"^\s*(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\s+)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s*[ap]\.?m\.?)?"
                    r"(?:\s+\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})?\s*$", re.I)


def clock_now(q: Query, f: EvidenceFinder) -> Composed | None:
    """"What time is it?": the clock or time stamp on screen at the moment asked, as read last; with none,
    that no clock was seen (the time of day is not something the picture tells). None when not asked."""
    if not _CLOCK_Q.search(q.question.lower()):
        return None
    t = q.point
    rows = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,))
            if _STAMP.match(r.content) and r.t_start <= min(t, q.now) and r.t_end >= t - CLOCK_SLACK_S]
    if not rows:
        return Composed(f"I haven't seen a clock or time stamp on screen {_upto(replace(q, scope=Scope.ALL))}, and I "
                        "can't tell the time of day from the picture.")
    r = max(rows, key=lambda r: r.t_start)  # a clock is read again each minute: the latest reading
    return Composed(f"The clock on screen reads “{r.content.strip()}” ({span_text(r.t_start, min(r.t_end, q.now))}).", [r])


CLOCK_SLACK_S = 2.5  # read up to the last OCR run: on screen until the next one


# ---- how many cameras: the distinct labels a multi-camera feed put up ------------------------------------------
_CAMERAS_Q = re.compile(r"\bhow many (?:different |diff |separate |distinct )?(?:cameras|cams|camera angles|camera views|"
                        r"cctv cameras|feeds)\b")
_CAM_NO = re.compile(r"\b(?:cam(?:era)?|cctv)\s*(\d+)\b", re.I)


def cameras_seen(q: Query, f: EvidenceFinder) -> Composed | None:
    """"How many different cameras so far?": the distinct camera labels put up ("CAM 2 · MAIN CONCOURSE", "CAM
    6 · FRONT ENTRANCE" — one camera each, however often it came back), each with when it was first up. None
    when not asked; with no label, that none was seen (the shots alone do not say which camera is which)."""
    if not _CAMERAS_Q.search(q.question.lower()):
        return None
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    first: dict[str, Evidence] = {}
    for r in f.rows(past, (EvidenceKind.TEXT,)):
        if r.t_start <= q.now and (m := _CAM_NO.search(r.content)) is not None:
            first.setdefault(m.group(1).lstrip("0") or "0", r)
    if not first:
        return Composed(f"I haven't seen a camera label on screen {_upto(past)}, so I can't tell cameras apart "
                        "(a cut may be the same camera or another).")
    rows = sorted(first.values(), key=lambda r: r.t_start)
    return Composed(f"{len(rows)} {plural('camera', len(rows))} by their labels {_upto(past)}: "
                    + "; ".join(f"“{r.content}” (first at {fmt_time(r.t_start)})" for r in rows) + ".", rows,
                    count=len(rows))


# ---- "what does the orange banner say?": a graphic asked by its kind and colour -----------------------------
# Only these name a graphic that comes and goes; "board", "slide" and "title" have rules of their own, and
# "message" or "news" are as often said as shown.
_GRAPHIC_Q = re.compile(r"\b(banners?|band|strap|alert|alerts|warning|notice|popup|pop-up|box|bar|graphic|headline|"
                        r"caption|sign|ticker|crawl)\b")
_GRAPHIC_ASK = re.compile(r"\b(say|says|said|saying|read|reads|about|mean|means|written|write|on it|on there|show|"
                          r"shows|showing|tell|tells|what(?:'s| is| was)? (?:the|that|this))\b")
_GRAPHIC_FILLER = set("""what whats what's is was the a an that this those it its on there say says said saying read reads
about mean means written write show shows showing tell tells us does do did up now just again one big new top bottom
left right middle of in screen what's that's it's""".split())
_TEXT_COLOURS = {"red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "white", "black", "grey"}
PERSISTENT_S = 30.0  # a line up this long (a channel bug, a clock, a camera label) is no banner that came up


def _graphic_colour(low: str) -> str:
    found = [("grey" if w == "gray" else w) for w in re.findall(r"[a-z]+", low) if w in _TEXT_COLOURS | {"gray"}]
    return found[0] if found else ""


CRAWL_Y, CRAWL_PIECE_S = 0.8, 3.0


def _crawling(r: Evidence) -> bool:
    """A piece of a crawl at the bottom, cut by the frame's edge as it scrolls through, up a read or two."""
    b = _box(r)
    return b is not None and b.y0 >= CRAWL_Y and _at_edge(b) and r.t_end - r.t_start <= CRAWL_PIECE_S


def graphic(q: Query, f: EvidenceFinder) -> Composed | None:
    """"What does the orange banner say?", "what's the alert about?": the lines of the graphic that came up
    last by the moment asked — of the asked colour (the band behind the letters, named when it was read),
    else the newest that came and went — not the channel bug, the clock or the crawl that stay up. None when
    the question is not only about such a graphic."""
    low = q.question.lower()
    m = _GRAPHIC_Q.search(low)
    if m is None or not _GRAPHIC_ASK.search(low):
        return None
    rest = [w for w in re.findall(r"[a-z]+(?:'[a-z]+)?", low) if w not in _GRAPHIC_FILLER and w not in _TEXT_COLOURS | {"gray"}
            and not _GRAPHIC_Q.fullmatch(w)]
    if rest:
        return None  # "what did the sign say about parking?": the words asked, found by the general lookup
    crawl = m.group(1) in ("ticker", "crawl")
    text = [r for r in f.rows(replace(q, scope=Scope.ALL), (EvidenceKind.TEXT,)) if r.t_start <= q.point]
    rows = [r for r in (text if crawl else steady(text, text)) if not _PAGE.match(r.content) and not _STAMP.match(r.content)
            and (crawl or not _crawling(r))]
    colour = _graphic_colour(low)
    tinted = [r for r in rows if colour and getattr(getattr(r.data, "box", None), "colour", "") == colour]
    pool = tinted or [r for r in _first_showings(rows) if crawl or r.t_end - r.t_start < PERSISTENT_S]
    if not pool:
        return None
    newest = max(r.t_start for r in pool)
    group = [r for r in pool if r.t_start >= newest - GROUP_GAP_S]
    beside = [r for r in text if r not in group and abs(r.t_start - newest) <= GROUP_GAP_S and not _STAMP.match(r.content)]
    group += [r for r in beside if any(same_height(_box(r), _box(g)) for g in group)]  # the band's white label box with it
    shown = sorted(group, key=lambda r: (round(r.data.box.y0 / 0.05) if r.data.box else 0, r.data.box.x0 if r.data.box else 0))
    lines = " — ".join(f"“{r.content}”" for r in shown)
    what = f"the {colour} {m.group(1)}" if tinted else f"the {m.group(1)} that came up last"
    span = span_text(min(r.t_start for r in shown), min(max(r.t_end for r in shown), q.now))
    return Composed(_sentence(f"{what} read {lines} ({span})"), shown)


def _first_showings(rows: list[Evidence]) -> list[Evidence]:
    """Rows whose line had not been up before: a camera's label is read again each time its shot comes back."""
    seen: set[str] = set()
    out = []
    for r in sorted(rows, key=lambda r: r.t_start):
        if _norm(r.content) not in seen:
            out.append(r)
        seen.add(_norm(r.content))
    return out


# ---- "why is the Leeds train late?", "what caused the crash?": a reason the video gives ------------------------
_CAUSE_Q = re.compile(r"^(?:so |and |but )?(?:why|how come)\b|\bwhat (?:caused|causes|is causing|was causing|led to|made)\b|"
                      r"\b(?:say|said|tell|told|mention|mentioned|explain|explained|give|gave) (?:us |you |me )?(?:why|"
                      r"the reason|a reason|what caused)\b|\b(?:the|a|any) reasons? (?:for|why)\b|\bwhat(?:'s| is|s| was) the "
                      r"(?:reason|cause)\b|\bdue to what\b")
# asked as whether a reason was given or what caused it: with none given, that is the answer
_CAUSE_ASKED = re.compile(r"\bwhat (?:caused|causes|is causing|was causing|led to)\b|\b(?:say|said|tell|told|mention|"
                          r"mentioned|explain|explained|give|gave) (?:us |you |me )?(?:why|the reason|a reason|what caused)\b|"
                          r"\breasons? (?:for|why)\b|\bthe cause\b")
# the effect, then the connective, then the cause ("late because of a signal fault"); or the cause first ("a
# crash led to the closure", "the truck is late, so take the train")
_EFFECT_FIRST = re.compile(r"\b(?:because|due to|owing to|caused by|as a result of|thanks to|on account of|after an?|"
                           r"after the|following an?|following the)\b", re.I)
_CAUSE_FIRST = re.compile(r"\b(?:caused|causing|led to|leading to|resulted in|resulting in|so|which is why|that's why|"
                          r"therefore|meaning)\b", re.I)
_CAUSE_WORDS = set("why how come what caused cause causes causing reason reasons say said tell told mention mentioned "
                   "explain explained give gave led made due any the a for is was are were did do does they he she it "
                   "us you me".split())


def _effect(text: str) -> str:
    """The part of a sentence a connective gives a reason for ("" when it gives none)."""
    if (m := _EFFECT_FIRST.search(text)) is not None:
        return text[:m.start()]
    if (m := _CAUSE_FIRST.search(text)) is not None:
        return text[m.end():]
    return ""


def reason(q: Query, f: EvidenceFinder) -> Composed | None:
    """A reason given for what is asked: a sentence or line where the asked words are the effect of a
    "because", "due to", "after a …", "so …" — not the cause ("closed after a crash" says why the road
    closed, not why the crash happened). Asked whether a reason was given, or what caused it, and none was:
    that none was. None otherwise (a plain "why" falls to what was said or shown about it)."""
    low = q.question.lower()
    if not _CAUSE_Q.search(low):
        return None
    topic = " ".join(w for w in (q.target or "").split() if w not in _CAUSE_WORDS)
    if not topic:
        return None
    past = replace(q, scope=Scope.ALL) if q.scope is Scope.NOW else q
    found = [s for s in f.matching(past, (EvidenceKind.SPEECH, EvidenceKind.TEXT))
             if (eff := _effect(s.row.content)) and lexical(topic, eff) >= 0.5]
    if found:
        rows = _with_beside(f, q, [s.row for s in _best(found, 1)])
        return Composed(_sentence("; ".join(quote(r) for r in rows)), rows)
    if not _CAUSE_ASKED.search(low):
        return None
    lead = "No — " if q.answer_type is AnswerType.YES_NO else ""
    return Composed(f"{lead}I haven't seen or heard a reason given for “{topic}” {_upto(past)}.")

