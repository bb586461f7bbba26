"""Evidence for a query: the rows seen by `now`, inside the time scope, from the senses the
question is about, each scored for how well it matches what was asked (words, fuzzy for OCR
errors, and MiniLM meaning)."""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from dataclasses import dataclass, replace

from memory.records import Evidence, EvidenceKind, ObjectsData
from retrieval.retriever import Retriever
from vstream.answer.query import GROUPS, Modality, Place, Query, Scope, asks_past
from vstream.senses.objects import describe

# Matching thresholds. Lexical: share of the asked words found (fuzzy ≥ 0.8 per word: one OCR
# error in a 5-letter word). Semantic: MiniLM cosine; related sentences score 0.45-0.8 here,
# unrelated ones 0.0-0.3 ("pizza" vs "the truck will arrive at dock seven": 0.07).
LEXICAL_MIN = 0.6
SEMANTIC_MIN = 0.45
SEMANTIC_K = 256  # nearest rows looked at per question
ROW_LOOKS = 64  # board rows read in pieces joined per question, latest first (each looks up the pieces beside it)
NOW_SLACK_S = 2.5  # a text line seen up to the last OCR run counts as on screen until the next run
SMOOTH_S = 1.0  # counts "now" are the largest count of the last second (2-3 frames at 2 fps)

_NUM_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
              "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
              "fourteen": "14", "fifteen": "15", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50"}


@dataclass(frozen=True)
class Scored:
    row: Evidence
    score: float  # 0..1: how well it matches the asked words or meaning
    lexical: float = 0.0  # the share of the asked words it has


def words(text: str) -> list[str]:
    out = []
    for w in re.findall(r"[a-z0-9]+", _WAY.sub(lambda m: _WAY_TO[m.group(0)], text.lower())):
        out.append(_SAME.get(w, _NUM_WORDS.get(w, w)))
    return out


# Sign words people say differently from how signs write them ("where's the restroom?" and a sign
# reading TOILETS): each maps to one word, in the question and in what was read or heard alike.
_SAME: dict[str, str] = {}
for _group in ("toilets toilet restroom restrooms bathroom bathrooms washroom washrooms lavatory loo wc",
               "elevator elevators lift lifts", "taxi taxis cab cabs", "pharmacy chemist chemists drugstore",
               "metro subway underground tube", "exit exits egress", "entrance entrances entry",
               "stairs staircase stairway stairwell", "parking carpark",
               # abbreviations people type and signs print: "main st", "Northfield Uni", "temp"
               "street st", "road rd", "avenue ave", "university uni univ", "temperature temp", "minutes mins min",
               "hours hrs hr", "seconds secs sec", "information info", "tablespoon tbsp", "teaspoon tsp", "average avg", "okay ok alright fine",
               # what is still to be had: a sign's "38 FREE", "12 AVAILABLE" for "how many spaces left?" (below)
               "free available vacant remaining",
               # a state or a thing said in other everyday words: "is Bridge Street shut?" — "ROAD CLOSED"
               "closed shut", "cancelled canceled", "late delay delayed delays", "viewers watching watchers viewing", "discount offer deal promo promotion coupon voucher", "platform platforms plat", "backpack rucksack bag", "child kid kids children"):
    _first, *_rest = _group.split()
    for _w in _rest:
        _SAME[_w] = _first
_WAY_TO = {"way out": "exit", "way in": "entrance", "car park": "parking"}
_WAY_TO.update({f"{n} left": f"{n} free" for n in ("space", "spaces", "place", "places", "seat", "seats", "spot", "spots",
                                                   "ticket", "tickets", "room", "rooms", "bed", "beds", "bay", "bays")})
_WAY = re.compile(r"\b(?:" + "|".join(_WAY_TO) + r")\b")  # "spaces left" is "spaces free", not a side


_OCR_FOLD = str.maketrans("015|8", "olsib")  # digits OCR reads for letters: R00M → room, 5TOP → stop


def words_raw(text: str) -> list[str]:
    """Tokens with their dots and at-signs (web and e-mail addresses whole)."""
    return re.findall(r"[a-z0-9@._-]+", text.lower())


def _fold(w: str) -> str:
    return w.translate(_OCR_FOLD) if not w.isdigit() else w


_NOT_PLURAL = {"news", "bus", "gas", "lens", "always", "across", "less", "yes", "this", "his", "hers", "its", "plus"}


def _slip(w: str, h: str) -> bool:
    """`h` is `w` misread or misheard ("dock" / "Doc", "harbour" / "harbor"): close spelling and
    the same first letter, or very close spelling. Spelling alone at 0.8 took "parking" for
    "speaking" and "talking" for "walking"."""
    if stem(w) == stem(h):  # "towers" / "tower", "counted" / "count", "thanking" / "thanks"
        return True
    if w[:-1] == h and w in _NOT_PLURAL or h[:-1] == w and h in _NOT_PLURAL:
        return False  # "breaking news" is not "new", a "bus" is not "bu…"
    ratio = difflib.SequenceMatcher(None, w, h).ratio()
    return ratio >= 0.9 or (ratio >= 0.8 and w[:1] == h[:1] and abs(len(w) - len(h)) <= 1)  # not "than" for "thanks"


def stem(w: str) -> str:
    """A word less its plural or verb ending: "towers" and "tower", "counted" and "count" share one."""
    if len(w) <= 4:
        return w
    return re.sub(r"ies$", "y", w) if w.endswith("ies") else re.sub(r"(?:ing|ed|es|s)$", "", w)


def lexical(target: str, content: str) -> float:
    """Share of the target's words found in the content (fuzzy per word, for OCR/ASR slips), or
    the content's fit to a kind of thing the target names (a website, a number, a time)."""
    return max(lexical_words(target, content), concept(target, content))


def lexical_words(target: str, content: str) -> float:
    """Share of the target's words found in the content (fuzzy per word, for OCR/ASR slips)."""
    want, have = words(target), words(content)
    if not want or not have:
        return 0.0
    if f" {' '.join(want)} " in f" {' '.join(have)} " or (len(want) > 1 and all(w.isalpha() for w in want) and
                                             "".join(want) in "".join(have)):
        return 1.0  # the words in order; OCR often drops the space between them ("DOOROPEN"); not
        # numbers: "0:17" would be found in "00:01.7"
    folded = [_fold(h) for h in have]
    addresses = [h for h in words_raw(content) if "." in h or "@" in h]  # "harbortickets.com" holds "tickets"
    found = 0.0
    for w in want:
        if w in have or _fold(w) in folded or (len(w) >= 5 and any(w in a for a in addresses)):
            found += 1
        elif len(w) >= 4 and any(h.endswith(w) and len(h) - len(w) >= 3 for h in have):
            found += 1  # the end of a compound: "nuts" in "walnuts", "ball" in "football"
        elif len(w) >= 4 and any(_slip(_fold(w), h) for h in folded):
            found += 1
    return found / len(want)


# Things people ask for by kind rather than by content: "the website", "the room number".
_MONTHS = "january february march april may june july august september october november december jan feb mar apr " \
          "jun jul aug sep sept oct nov dec"
_CONCEPTS = (
    # "what date is this from?": a weekday, a month name or a numeric date
    (re.compile(r"\b(date|dated|day|weekday)\b"),
     re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|" + _MONTHS.replace(" ", "|") +
                r")\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b", re.I)),
    # "how do I contact them?": an e-mail address, a phone number or a web address
    (re.compile(r"\b(contact|get in touch|reach them|reach us|write to|email them|call them)\b"),
     re.compile(r"\b\S+@\S+\.\w+\b|\d[\d\s().-]{6,}\d|https?://|www\.|\b[a-z0-9-]+\.(com|org|net|io|co|uk|de|edu|gov)\b",
                re.I)),
    (re.compile(r"\b(website|web ?site|web address|url|link|site|homepage)\b"),
     re.compile(r"(https?://|www\.|\b[a-z0-9-]+\.(com|org|net|io|co|uk|de|edu|gov)\b)", re.I)),
    (re.compile(r"\b(e-?mail|email address)\b"), re.compile(r"\b\S+@\S+\.\w+\b")),
    (re.compile(r"\b(phone|telephone|number to call)\b"), re.compile(r"\d[\d\s().-]{6,}\d")),
    (re.compile(r"\b(hashtag|hash tag|tag)\b"), re.compile(r"#\w{2,}")),
    (re.compile(r"\b(copyright|copyrighted)\b"), re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b", re.I)),
    # "what was the quote?": a line in quotation marks, or the "— Name" under one
    (re.compile(r"\b(quote|quotes|quotation|quoted)\b"), re.compile(r"[“”\"]\s*\w|\w[.!?;,]?\s*[“”\"]|^\s*[—–]\s*[A-Z]")),
    # end credits: "Directed by …", "Music by …", "Special thanks to …"
    (re.compile(r"\b(credits?|credited)\b"),
     re.compile(r"\b(directed|produced|written|narrated|edited|filmed|music|camera|cinematography|animation|editing|"
                r"sound|starring|presented|executive producer|producer|director|editor)\b.{0,30}\bby\b|"
                r"\b(special )?thanks to\b|^\s*cast\b|©", re.I)),
    (re.compile(r"\b(chapter|section|episode|segment|lesson)\b"),
     re.compile(r"^\s*(part|chapter|section|episode|lesson|step)\s+(\d+|[ivx]+\b|one|two|three|four|five)", re.I)),
    (re.compile(r"\b(year|how old|built|founded|since when)\b"), re.compile(r"\b(1[0-9]|20)\d{2}\b")),
    # "what did he warn us about?": a caution said or shown
    (re.compile(r"\b(warn|warned|warning|warnings|careful|caution|beware|watch out|look out)\b"),
     re.compile(r"\b(careful|caution|beware|watch out|look out|mind the|warning|danger|dangerous|avoid|don't|do not|never)\b",
                re.I)),
    # "what's the channel handle?": an @-handle
    (re.compile(r"\b(handle|username|user name|instagram|twitter|tiktok|socials?)\b"), re.compile(r"(?<![\w.])@\w{2,}")),
    # "what temp?", "how hot is the oven?": a temperature, by its degrees
    (re.compile(r"\b(temperature|temp|degrees|how hot|how warm|how cold|oven)\b"),
     re.compile(r"°|\b\d+\s?(?:degrees|deg|fahrenheit|celsius)\b|\b\d+\s?[cf]\b", re.I)),
    (re.compile(r"\b(time|when|o'?clock)\b"), re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(am|pm)\b", re.I)),
    # money asked in any of its words ("where's the money from?", "the funding"): a row stating an amount
    (re.compile(r"\b(price|prices|cost|costs|how much|dollars?|pounds?|euros?|bucks|quid|cheap|expensive|money|"
                r"funding|funds|funded|budget|paid|pay)\b"),
     re.compile(r"[$€£]\s?\d|(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
                r"thirty|forty|fifty|hundred|thousand|million))\s?(dollars|euros|pounds|bucks|quid)\b", re.I)),
    (re.compile(r"\b(number|room|gate|platform|dock|door|floor|level|bus|route)\b"), re.compile(r"\d")),
    # the end of a meeting, talk or show in any of its words ("when did they finish?"): the line that closes it
    (re.compile(r"\b(finish|finished|finishing|end|ended|ending|wrap|wrapped|conclude|concluded|adjourn|adjourned)\b"),
     re.compile(r"\b(adjourn\w*|conclud\w*|ended|finished|wrap(?:ping|ped)? up|that's all|that is all|good ?night|goodbye|"
                r"closing|closed)\b", re.I)),
)


# Kinds whose look alone picks the rows: asked for the website, only rows that look like one answer.
# Not time and number: "when" and "which room" also fit rows by their words.
_STRICT = 11  # the first _STRICT concepts above
# "who's on the phone?", "who phoned in?": someone calling, not a number to call
_ON_THE_PHONE = re.compile(r"\b(?:on|over|by) the (?:tele)?phone\b|\bphon(?:ed|ing|es) in\b|\bcall(?:ed|ing|er)? in\b")


_CURRENCIES = {"euro": re.compile(r"€|\beuros?\b", re.I), "dollar": re.compile(r"\$|\bdollars?\b|\bbucks\b", re.I),
               "pound": re.compile(r"£|\bpounds?\b|\bquid\b", re.I)}
_CURRENCY_Q = re.compile(r"\b(euros?|dollars?|bucks|pounds?|quid)\b")


def _other_currency(target: str, content: str) -> bool:
    """"The price in euros" asked, and the content states only dollars: not the price asked for."""
    m = _CURRENCY_Q.search(target)
    if m is None:
        return False
    word = {"bucks": "dollar", "quid": "pound"}.get(m.group(1), m.group(1).rstrip("s"))
    return not _CURRENCIES[word].search(content)


def concept(target: str, content: str) -> float:
    """0.8 when the target names a kind of thing (website, time, number…) the content is, 0.9 when
    it is two kinds the target names ("the copyright year": "© 2026"), else 0.
    A named word must also be there for the 'number' kinds: "room" needs ROOM 214, not any digit."""
    t = target.lower()
    hits, named = 0, set()
    for asks, looks in _CONCEPTS:
        m = asks.search(t)
        if m and looks.search(content) and not _other_currency(t, content):
            word = m.group(1)
            if looks.pattern == r"\d" and word not in ("number",):
                if word not in [_fold(h) for h in words(content)]:
                    continue
            hits += 1
        named |= {w for a in asks.findall(t) for w in (a if isinstance(a, tuple) else (a,)) for w in w.split()}
    if not hits:
        return 0.0
    named |= {_SAME.get(w, w) for w in named}  # "temp" asked is "temperature" in words()
    # the rest of the target must be there too: "has the music been credited?" is not any credit line
    rest = " ".join(w for w in words(t) if w not in named and w not in _CONCEPT_FILLER)
    if rest and lexical_words(rest, content) < 0.5:
        return 0.0
    if not rest and "how old" in t:
        return 0.0  # "how old is he?" is no year on screen; "how old is the church?" is one with the church
    return 0.8 if hits == 1 else 0.9


_CONCEPT_FILLER = set("""what which their its the end on up any there mention mentioned show shown given listed number title heading name
address code sign called named say says read reads about latest last first bulletin video film clip programme program broadcast episode report them us they do how get touch from this channel
feed stream footage camera cam recording picture screen display""".split())  # the video itself: "the date on the feed"


# Measures a question asks for, which only a row stating one answers: "how old is Vella?" is not answered
# by his name caption, "how high is Castle Peak?" not by the lines naming it. (question, the look of
# the answer: a number with its unit). With no such row in scope nothing matches: the answer is "not seen".
# A number as a recogniser or a sign writes it: digits, or words ("fifty kilometres", "twenty-two years")
_N = (r"(?:\d[\d,.]*|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|"
      r"seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
      r"sixteen|seventeen|eighteen|nineteen|(?:a |one )?hundred|(?:a |one )?thousand)")
_MEASURES = (
    (re.compile(r"\bhow old (?!(?:is|was|are|were) (?:the|this|that|these|those)\b)|\bwhat age\b|\b(?:his|her|their) age\b"),
     re.compile(rf"\b{_N}[- ]?(?:years?|yrs?)(?:[- ]old)?\b|\baged?:? \d{{1,3}}\b|\bborn\b", re.I)),
    (re.compile(r"\bhow (?:high|tall)\b|\bheight\b|\belevation\b|\baltitude\b"),
     re.compile(rf"{_N}\s?(?:m|metres?|meters?|ft|feet|foot)\b", re.I)),  # a peak's 1,244 m, not a stage's 168 km
    (re.compile(r"\bhow far\b(?! (?:back|behind|ahead|in front|off|up|down))|\bdistance\b|\bhow (?:long|many (?:km|kilomet\w+|miles)) (?:is|was|are|were) (?:the |this |that |"
                r"today'?s |it )?(?:stage|route|race|walk|trail|track|course|ride|hike|run|loop|tour)\b"),
     re.compile(rf"{_N}\s?(?:km|kilomet(?:re|er)s?|miles?|mi|metres?|meters?)\b", re.I)),
    (re.compile(r"\bhow fast\b|\bspeed\b"), re.compile(r"\d\s?(?:km/h|kph|mph|knots)\b|\b(?:km|kilomet\w+|miles) (?:an|per) hour\b", re.I)),
    (re.compile(r"\bhow heavy\b|\bweigh(?:s|t|ed)?\b"),
     re.compile(rf"{_N}\s?(?:kg|kilos?|kilograms?|g|grams?|lbs?|pounds?|tonnes?|tons?)\b", re.I)),
    (re.compile(r"\b(?:temperature|temp|how (?:hot|warm|cold))\b"), re.compile(rf"°|\b{_N}\s?(?:degrees|deg|fahrenheit|celsius)\b", re.I)),
    # "what team is Berg on?": a line naming a team, with Berg on it or on the lines shown with it
    (re.compile(r"\b(?:what|which) (?:team|club|squad)\b"), re.compile(r"\b(?:team|club|fc|united|city|squad)\b", re.I)),
)


_MEASURE_WORDS = set("old age high tall height elevation altitude far distance long fast speed heavy weight weigh "
                     "temperature temp hot warm cold team club squad".split())


def _half_up(share: float) -> float:
    return 0.5 + 0.5 * share if share > 0 else 0.0


def measure_look(question: str) -> re.Pattern | None:
    """The look of the measure the question asks for (an age, a height, a distance …), if any."""
    low = question.lower()
    return next((looks for asks, looks in _MEASURES if asks.search(low)), None)


def strict_concept(target: str) -> re.Pattern | None:
    """The look of the kind the target asks for when that look alone decides (website, phone, hashtag…)."""
    t = target.lower()
    return next((looks for asks, looks in _CONCEPTS[:_STRICT] if asks.search(t)), None)


# ---- a time index over the view's rows -------------------------------------------------------------------
# Rows are kept per kind, sorted by t_start, so a query's window is two bisects plus the rows in it.
# A row's end can still move after it is indexed (a sign stays on screen, a count holds), so ends are
# read live, and the lower bound is found through t_start: a row of at most HORIZON_S whose end reaches
# `lo` starts after lo - HORIZON_S. Rows longer than that (or still open when they fall behind the
# horizon) are few (a sign left up for minutes, a parked van's track) and are kept in a side list.
HORIZON_S = 60.0
OPEN_S = 30.0  # a row that ended within this of the newest start may still be extended
LATE_S = 60.0  # new rows arrive at most this far behind the newest start (speech is transcribed late)


class _KindIndex:
    """One kind's rows by start time: a sealed part (closed rows, each shorter than HORIZON_S,
    or listed in `long`) and a recent unsealed part that every query scans."""

    def __init__(self):
        self.rows: list[Evidence] = []
        self.starts: list[float] = []
        self.long: list[Evidence] = []
        self.sealed = 0  # rows[:sealed] have been checked for length when they fell behind the horizon

    def insert(self, ev: Evidence) -> None:
        i = bisect.bisect_right(self.starts, ev.t_start)
        self.rows.insert(i, ev)
        self.starts.insert(i, ev.t_start)
        if i < self.sealed:  # a late row behind the horizon: check it now
            self.sealed += 1
            self._check(ev, self.starts[-1])

    def seal(self, clock: float) -> None:
        edge = clock - HORIZON_S
        while self.sealed < len(self.rows) and self.starts[self.sealed] < edge:
            self._check(self.rows[self.sealed], clock)
            self.sealed += 1

    def _check(self, ev: Evidence, clock: float) -> None:
        if ev.t_end - ev.t_start >= HORIZON_S or ev.t_end >= clock - OPEN_S:
            self.long.append(ev)

    def window(self, lo: float, hi: float, counter: list[int]) -> list[Evidence]:
        """Rows with t_start <= hi and t_end >= lo, in (t_start, id) order."""
        i0 = min(bisect.bisect_left(self.starts, lo - HORIZON_S), self.sealed)
        i1 = bisect.bisect_right(self.starts, hi)
        out = [ev for ev in self.rows[i0:i1] if ev.t_end >= lo]
        counter[0] += max(0, i1 - i0) + len(self.long)
        extra = [ev for ev in self.long if ev.t_end >= lo and ev.t_start <= hi]
        if extra:
            have = {id(ev) for ev in out}
            out = sorted(out + [ev for ev in extra if id(ev) not in have], key=lambda e: (e.t_start, e.id))
        return out


class EvidenceIndex:
    """The view's rows by kind and time, kept in step with the view incrementally: a sync reads
    the view's list once and inserts only the rows it has not seen (found from the end: new rows
    are recent); a list that lost rows (memory dropped old ones) or was reloaded is re-indexed."""

    def __init__(self):
        self.kinds: dict[EvidenceKind, _KindIndex] = {}
        self.known: set[int] = set()  # id() of the rows indexed (the index holds them, so ids stay unique)
        self.by_id: dict[int, Evidence] = {}  # store id → row, for the FAISS hits
        self.n = 0
        self.clock = float("-inf")  # the newest start seen: the stream's time as far as rows tell
        self.first: Evidence | None = None
        self.visited = [0]  # rows looked at by window queries (tests check it tracks the window)

    def sync(self, rows: list[Evidence]) -> None:
        if len(rows) == self.n and (not rows or rows[0] is self.first):
            if not rows or id(rows[-1]) in self.known:
                return
        new = self._tail(rows)
        if self.n + len(new) != len(rows):  # rows were dropped or replaced: index afresh
            self._rebuild(rows)
            return
        for ev in sorted(new, key=lambda e: (e.t_start, e.id)):
            self._add(ev)
        self.n, self.first = len(rows), rows[0] if rows else None
        self._seal()

    def _tail(self, rows: list[Evidence]) -> list[Evidence]:
        """Unseen rows among the recent ones (rows are in start order; new ones start late)."""
        new, i = [], len(rows) - 1
        while i >= 0 and (rows[i].t_start >= self.clock - LATE_S or id(rows[i]) not in self.known):
            if id(rows[i]) not in self.known:
                new.append(rows[i])
            i -= 1
        return new

    def _rebuild(self, rows: list[Evidence]) -> None:
        self.kinds, self.known, self.by_id, self.clock = {}, set(), {}, float("-inf")
        for ev in sorted(rows, key=lambda e: (e.t_start, e.id)):
            self._add(ev)
        self.n, self.first = len(rows), rows[0] if rows else None
        self._seal()

    def _add(self, ev: Evidence) -> None:
        self.kinds.setdefault(ev.kind, _KindIndex()).insert(ev)
        self.known.add(id(ev))
        self.by_id[ev.id] = ev
        self.clock = max(self.clock, ev.t_start)

    def _seal(self) -> None:
        for k in self.kinds.values():
            k.seal(self.clock)

    def window(self, kinds, lo: float, hi: float) -> list[Evidence]:
        """Rows of these kinds (None: all) with t_start <= hi and t_end >= lo, in time order."""
        parts = [k.window(lo, hi, self.visited) for kind, k in self.kinds.items() if kinds is None or kind in kinds]
        if len(parts) == 1:
            return parts[0]
        return sorted((ev for p in parts for ev in p), key=lambda e: (e.t_start, e.id))

    def has(self, kind: EvidenceKind) -> bool:
        k = self.kinds.get(kind)
        return bool(k and k.rows)


class EvidenceFinder:
    """Reads any memory view (the live writer, a saved session, a windowed or baseline view).
    Rows come from a time index synced with the view once per question, so a question about the
    last seconds costs what those seconds hold, not what the whole session holds."""

    def __init__(self, view, retriever: Retriever | None = None):
        self.view = view
        self.retriever = retriever or Retriever(view)
        self.index = EvidenceIndex()
        self._synced_for: tuple[str, float] | None = None

    def sync(self, query: Query | None = None) -> EvidenceIndex:
        key = (query.question, query.now) if query is not None else None
        if key is None or key != self._synced_for:
            self.index.sync(self.view.evidence())
            self._synced_for = key
        return self.index

    def rows(self, query: Query, kinds: tuple[EvidenceKind, ...] | None = None) -> list[Evidence]:
        """Rows of these kinds seen by `now` and inside the query's time scope, in time order."""
        lo, hi = self.bounds(query)
        return voiced(placed(self.sync(query).window(kinds, lo, min(hi, query.now + 1e-6)), query.place), query.voice)

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
        kind = strict_concept(target) if not query.quoted and not _ON_THE_PHONE.search(query.question.lower()) else None
        if kind is not None and any(kind.search(ev.content) for ev in rows):
            rows = [ev for ev in rows if kind.search(ev.content)]  # "what's the website?": only web addresses
        measured: dict[int, float] = {}
        if (measure := measure_look(query.question)) is not None and not query.quoted:
            shown = [ev for ev in rows if ev.kind is EvidenceKind.TEXT]
            rows = [ev for ev in rows if ev.kind not in (EvidenceKind.TEXT, EvidenceKind.SPEECH) or measure.search(ev.content)]
            if not rows:
                return []
            rest = " ".join(w for w in target.split() if w not in _MEASURE_WORDS)
            # a stated measure has the measure asked; the rest of the words may be on the lines shown with it
            # ("temp at the finish": "Castle Peak: 16°C, cloudy" under "WEATHER AT THE FINISH")
            # (the stated measure is half the match: one of the other words makes it a match)
            measured = {id(ev): _half_up(lexical(rest, " ".join([ev.content] + [o.content for o in shown if o is not ev and
                                                                            abs(o.t_start - ev.t_start) <= 1.0])))
                        if rest else 1.0 for ev in rows if measure.search(ev.content)}
        semantic = self._semantic(target, query)
        index = self.sync(query)
        budget = [ROW_LOOKS]

        def on_row(ev: Evidence, own: float) -> float:
            """A board's row is read in pieces ("14:25 York" | "Plat 2" | "On time"): a piece with some of the
            asked words (`own`) is matched with the pieces beside it ("what platform for York?"), a little below
            a line that has them all itself."""
            if ev.kind is not EvidenceKind.TEXT or query.quoted or not 0.0 < own < 1.0 or _box(ev) is None \
                    or budget[0] <= 0:
                return 0.0
            budget[0] -= 1  # the latest rows first (the loop runs back in time): a long feed's older pieces wait
            mates = row_mates(ev, index.window((EvidenceKind.TEXT,), ev.t_start, ev.t_end))
            return 0.95 * lexical(target, " ".join([ev.content] + [m.content for m in mates])) if mates else 0.0
        out = []
        for ev in reversed(rows):
            if ev.kind is EvidenceKind.MOTION:  # our own words ("a blue thing came in at the left edge"): only
                lex = score = motion_fit(target, ev)  # colour and shape match, not "things" or "left"
            else:
                own = lexical(query.quoted or target, ev.content)
                lex = max(own, measured.get(id(ev), 0.0), on_row(ev, own))
                # a measure's subject is matched by its words ("what team is Berg on?" is not "Team Solaris")
                score = lex if query.quoted or measured else max(lex, semantic.get(ev.id, 0.0))
            if score >= min(LEXICAL_MIN, SEMANTIC_MIN):
                out.append(Scored(ev, score, lex))
        # ties (MiniLM's scaled score saturates at 1.0) go to the row that has the asked words, then to
        # the fuller line (a ticker read mid-scroll leaves fragments: "Fer", "Ferry far"), then, for a
        # question about now, to the latest ("how many km left?": "21 KM TO GO", not the earlier "38 KM
        # TO GO"), else to the first
        past = asks_past(query.question) or bool(_TIMES.search(query.question.lower()))
        out = out if past else latest_versions(out, target)
        return sorted(out, key=lambda s: (-s.score, -s.lexical, -len(s.row.content), (1 if past else -1) * s.row.t_start))

    def _semantic(self, target: str, query: Query) -> dict[int, float]:
        """MiniLM cosine of the target to each row, scaled so SEMANTIC_MIN maps to LEXICAL_MIN."""
        by_id = self.sync(query).by_id  # not the retriever's id map: it rebuilds over every row when rows change
        out: dict[int, float] = {}
        for eid, score in self.view.evidence_index.search(self.retriever.embed(target), 4 * SEMANTIC_K)[:4 * SEMANTIC_K]:
            ev = by_id.get(eid)
            if ev is not None and ev.t_start <= query.now and score >= SEMANTIC_MIN and len(out) < SEMANTIC_K:
                out[eid] = min(1.0, score * LEXICAL_MIN / SEMANTIC_MIN)
        return out

    # ---- objects --------------------------------------------------------------------------------------
    def has_detector(self, query: Query | None = None) -> bool:
        """Did detection run at all (else "how many people" cannot be answered from counts)?"""
        index = self.sync(query)
        return index.has(EvidenceKind.OBJECTS) or index.has(EvidenceKind.TRACK)

    def objects_at(self, query: Query, t: float, cls: str | None = None) -> Evidence | None:
        """The detections row at time t: of the rows in the second before it, the one with the
        most of `cls` (a detector misses a person in one frame and finds them in the next: the
        largest recent count is the better estimate), else the latest."""
        rows = placed(self.sync(query).window((EvidenceKind.OBJECTS,), t - SMOOTH_S, min(t, query.now) + 1e-6), query.place)
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
_SHAPES.update({w + ("es" if w.endswith("x") else "s"): c for w, c in list(_SHAPES.items()) if w != "round"})


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


_TIMES = re.compile(r"\bhow many times\b|\bhow often\b")
_DIGITS = re.compile(r"\d+(?:[.,:]\d+)*")


def numbers_hidden(content: str) -> str:
    """A line with its numbers masked: the versions of one graphic ("38 KM TO GO", "21 KM TO GO") share it."""
    return _DIGITS.sub("#", content.lower())


VERSION_Y = 0.05  # a graphic's versions sit at one height (a fraction of the frame); a board's rows 0.1 apart


def latest_versions(found: list[Scored], target: str = "") -> list[Scored]:
    """On-screen lines that differ only in their numbers are one graphic whose value changed ("38 KM TO
    GO", later "21 KM TO GO"; "Gap: 1:48", later "Gap: 0:52"): for a question about now, the latest
    version alone, with the best score any version had (MiniLM likes some numbers better). A number of
    the question that only some versions show picks those ("where is gate 5?": GATE 5, not GATE 6); one
    all of them show does not ("how many pallets in bay 4?": the latest BAY 4 count)."""
    asked = set(_DIGITS.findall(target))
    groups: dict[str, list[Scored]] = {}
    for s in found:
        key = numbers_hidden(s.row.content) if s.row.kind is EvidenceKind.TEXT and _DIGITS.search(s.row.content) \
            else f"row {id(s.row)}"
        if (box := _box(s.row)) is not None:  # versions are at one place: "Plat 4" and "Plat 5" on two rows are not
            key += f" @{round(box.y0 / VERSION_Y)}"
        groups.setdefault(key, []).append(s)
    out = []
    for group in groups.values():
        named = [s for s in group if asked & set(_DIGITS.findall(s.row.content))]
        if named and len(named) < len(group):
            out.extend(named)  # the version asked by its number, each as it was
            continue
        last = max(group, key=lambda s: s.row.t_start)
        out.append(Scored(last.row, max(s.score for s in group), max(s.lexical for s in group)))
    return out


# Voice pitch (Hz) that tells a higher voice from a lower one; between them a sentence could be either.
HIGHER_HZ, LOWER_HZ = 170.0, 145.0


def pitch_band(row: Evidence) -> str:
    """A sentence's voice: "higher", "lower", or "" (no speech, unmeasured, or between the ranges)."""
    hz = getattr(row.data, "pitch_hz", 0.0) if row.kind is EvidenceKind.SPEECH else 0.0
    return "" if not hz else "higher" if hz >= HIGHER_HZ else "lower" if hz <= LOWER_HZ else ""


def voiced(rows: list[Evidence], voice: str) -> list[Evidence]:
    """Speech rows of the asked voice: a sentence measured in the other range is dropped; one unmeasured
    or in between stays (it may be hers)."""
    if not voice:
        return rows
    return [r for r in rows if pitch_band(r) in ("", voice)]


def placed(rows: list[Evidence], place: Place | None) -> list[Evidence]:
    """Rows narrowed to a part of the picture: a frame's detections to the boxes there (a copy with
    its counts recounted: "how many people on the grass?"; a frame where no box's ground was told stays
    whole), on-screen lines to those read there ("what does it say at the bottom?"; a line read where no
    box was kept stays). Other rows as they are."""
    if place is None:
        return rows
    out = []
    for r in rows:
        if r.kind is EvidenceKind.OBJECTS and isinstance(r.data, ObjectsData) and place.objects and (
                not place.ground or any(b.ground for b in r.data.boxes)):  # no ground told: not narrowed
            boxes = tuple(b for b in r.data.boxes if place.holds(b))
            counts = tuple(sorted(Counter(b.label for b in boxes).items()))
            r = replace(r, content=f"{describe(counts)} ({place.words})",
                        data=replace(r.data, boxes=boxes, counts=counts, zones=()))
        elif r.kind is EvidenceKind.TEXT and not place.ground and r.data.box is not None and not place.holds(r.data.box):
            continue
        out.append(r)
    return out


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


# ---- on-screen lines by where they sit ------------------------------------------------------------------------
_PAGE = re.compile(r"^\s*\d{1,3}\s*/\s*\d{1,3}\s*$")  # a slide or page number, "3/8"


def _box(row: Evidence):
    return getattr(row.data, "box", None)


def row_mates(row: Evidence, text: list[Evidence]) -> list[Evidence]:
    """The other pieces of `row`'s line on a board or table, left to right: OCR reads "14:10 Leeds",
    "Plat 4" and "Exp 14:22" apart (wide gaps between columns), each piece a read or two apart in time —
    on its band and up most of the same time."""
    def together(o: Evidence) -> bool:
        shared = min(o.t_end, row.t_end) - max(o.t_start, row.t_start)
        return shared >= 0.5 * min(o.t_end - o.t_start, row.t_end - row.t_start) > 0
    return sorted(banded(row, [o for o in text if o is not row and together(o) and not _PAGE.match(o.content)]),
                  key=lambda o: o.data.box.x0)


def banded(row: Evidence, others: list[Evidence]) -> list[Evidence]:
    """Lines on `row`'s band, beside it (a band's label box and its text: "DOOR ALARM" | "Door 3B held open"),
    except pieces cut by the frame's left or right edge (a ticker's, scrolling through)."""
    a = _box(row)
    if a is None or _at_edge(a):
        return []
    out = []
    for o in others:
        b = _box(o)
        if b is not None and not _at_edge(b) and same_height(a, b):
            out.append(o)
    return out


def same_height(a, b) -> bool:
    """Two boxes on one band: they overlap by half the shorter one's height."""
    return a is not None and b is not None and min(a.y1, b.y1) - max(a.y0, b.y0) >= 0.5 * min(a.y1 - a.y0, b.y1 - b.y0)


def _at_edge(box) -> bool:
    return box.x0 <= 0.005 or box.x1 >= 0.995  # a band drawn from the edge still reads from 0.01 in (OCR margin)
