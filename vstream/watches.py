"""Watches: conditions the user registers at run time ("tell me when the text EXIT shows up",
"…when someone says fire", "…when a person appears", "…when more than 3 people are in view",
"…when a car enters the door zone", "…when the scene changes", "…a frame like this one"),
checked on each new frame and its evidence rows, with hysteresis and a cool-down so one event
gives one alert."""

from __future__ import annotations

import difflib
import itertools
import re
import threading
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from memory.records import Evidence, EvidenceKind, ObjectsData
from vstream.answer.compose import fmt_time
from vstream.answer.evidence import lexical_words, stem, strict_concept
from vstream.answer.query import OBJECT_WORDS, plural
from vstream.errors import VStreamError
from vstream.types import EncodedFrame, Event, EventKind


class WatchKind(str, Enum):
    TEXT = "text"  # OCR text contains the target
    SPEECH = "speech"  # a transcript segment contains the target words
    OBJECT = "object"  # a detected class is in view (at least `count` of it), or leaves
    ZONE = "zone"  # an object of a class enters (or leaves) a named zone
    SCENE = "scene"  # a scene cut
    SIMILAR = "similar"  # a frame like a reference frame (embedding cosine)
    LABEL = "label"  # a classifier label (lite: ImageNet classes)
    POLL = "poll"  # hf: a free-text condition, a yes/no question to the VLM at a bounded rate


@dataclass
class Watch:
    kind: WatchKind
    target: str = ""
    embedding: np.ndarray | None = None
    threshold: float = 0.8  # text match ratio / embedding cosine / label probability
    cooldown_s: float = 10.0  # no second alert from this watch within this stream time
    rearm_after: int = 2  # consecutive negative checks before it can fire again (hysteresis)
    count: int = 1  # OBJECT: fire when at least this many are in view
    leave: bool = False  # OBJECT/ZONE: fire when it goes (count drops to zero / leaves the zone)
    zone: str = ""  # ZONE: the zone's name
    pattern: str = ""  # TEXT: a kind of text by its look (a web address, a phone number, end credits), not words
    said_too: bool = False  # TEXT: a topic, shown or said ("let me know if anyone crashes": a CRASH band or "a crash")
    state: str = ""  # TEXT: a state the topic must be in, as a pattern ("…if the Leeds train gets delayed": late|delay)
    id: int = 0
    description: str = ""
    fired: int = 0
    _armed: bool = field(default=True, repr=False)
    _misses: int = field(default=0, repr=False)
    _last_fire: float = field(default=-1e9, repr=False)
    _was_present: bool = field(default=False, repr=False)

    def observe(self, hit: bool | None, ts: float) -> bool:
        """Feed one check; True when this check fires an alert. One rule for every kind: fire
        on a hit when armed and out of cool-down; re-arm after `rearm_after` misses in a row."""
        if hit is None:  # no evidence this time (e.g. OCR did not run)
            return False
        if not hit:
            self._misses += 1
            if self._misses >= self.rearm_after:
                self._armed = True
            return False
        self._misses = 0
        if not self._armed or ts - self._last_fire < self.cooldown_s:
            return False
        self._armed, self._last_fire = False, ts
        self.fired += 1
        return True

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind.value, "target": self.target, "pattern": self.pattern,
                "description": self.description,
                "threshold": self.threshold, "cooldown_s": self.cooldown_s, "fired": self.fired}


# ---- matching text -----------------------------------------------------------------------------------


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", s.lower()).strip()


def text_matches(target: str, line: str) -> float:
    """0..1: how well a line matches the target (substring, or fuzzy for OCR/ASR errors)."""
    t, s = _norm(target), _norm(line)
    if not t or not s:
        return 0.0
    if t in s:
        return 1.0
    best = difflib.SequenceMatcher(None, t, s).ratio()
    for word in s.split():  # a one-word target inside a longer line, misread by a letter
        best = max(best, difflib.SequenceMatcher(None, t, word).ratio())
    return best


# ---- parsing -----------------------------------------------------------------------------------------

_QUOTED = re.compile(r"[\"“‘']([^\"”’']{1,80})[\"”’']")
_SPOKEN = re.compile(r"\b(?:says?|said|mentions?|mentioned|talks? about|speaks? of|hear|heard|announces?)\b\s+"
                     r"(?:the word |the words |something about |anything about |about )?([^.!?]{1,80})")
_READ = re.compile(r"\b(?:text|sign|word|words|caption|writing|screen)\b\s*(?:says?|reads?|shows?)?\s*([^.!?]{0,80})")
_APPEARS = re.compile(r"\s+(?:shows up|appears|is shown|comes up|is on screen|pops up)\s*[.!?]*$")
_COUNT = re.compile(r"\b(?:more than|over|at least|above)\s+(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\b")
_NUMS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def parse_watch(text: str) -> Watch:
    """Natural language → a Watch. Raises VStreamError with examples when it cannot tell."""
    t = text.strip()
    low = t.lower()
    if re.search(r"scene (changes?|cuts?)|\bcuts?\b|new scene|shot changes?", low):
        return Watch(WatchKind.SCENE, cooldown_s=1.0, rearm_after=1, description=t)  # cuts are discrete
    if _ASKS.search(low):  # "ping me when someone from the audience asks a question": a sentence said ending "?"
        return Watch(WatchKind.SPEECH, "a question", pattern=r"\?\s*$", description=t)
    for parse in (_speech_watch, _text_kind_watch, _text_watch, _state_watch, _zone_watch, _object_watch):
        w = parse(t, low)
        if w is not None:
            return w
    if m := re.search(r"\b(?:see|sees|spot|appears?|shows up)\b\s+(?:an?|the|some)?\s*([a-z][a-z -]{1,40})", low):
        return Watch(WatchKind.LABEL, m.group(1).strip(" ."), threshold=0.15, description=t)
    if (w := _topic_watch(t, low)) is not None:
        return w
    raise VStreamError(f"cannot tell what to watch for in {t!r}; try: tell me when the text \"EXIT\" shows up / "
                       "when someone says fire / when a person appears / when the scene changes")


_ASKS = re.compile(r"\b(?:asks?|asked|asking) (?:a |any |another |the |some )?questions?\b|\bthere(?:'s| is) a question\b")


def _speech_watch(t: str, low: str) -> Watch | None:
    if not re.search(r"\b(says?|said|mentions?|mentioned|talks?|speaks?|hear|heard|announces?)\b", low):
        return None
    if re.search(r"\b(sign|screen|text|caption|banner)\b", low):
        return None
    m = _QUOTED.search(t) or _SPOKEN.search(low)
    if m is None:
        return None
    target = m.group(1).strip(" .!?\"'")
    return Watch(WatchKind.SPEECH, target, threshold=0.8, description=t) if target else None


def _text_kind_watch(t: str, low: str) -> Watch | None:
    """"Tell me when a website appears", "…when the credits start": a kind of on-screen text by its
    look, when no words to read are given (quoted words are matched as words)."""
    if _QUOTED.search(t) or re.search(r"\b(says?|said|mentions?|hear|heard)\b", low):
        return None
    m = re.search(r"\b(website|web ?site|web address|url|link|e-?mail(?: address)?|phone(?: number)?|telephone|"
                  r"number to call|hashtag|copyright|(?:end )?credits?)\b", low)
    kind = strict_concept(m.group(1)) if m else None
    return Watch(WatchKind.TEXT, m.group(1), pattern=kind.pattern, description=t) if kind is not None else None


# Words that name no particular text: "breaking news" is watched for as "breaking".
_GENERIC_TOPIC = set("news text info information update updates story stories something anything thing things stuff "
                     "item items segment part bit report the a an some any on screen slide slides page card graphic "
                     "caption banner panel band name names title".split())
TOPIC_MATCH = 0.85  # a topic word misread by a letter still fires (7 letters: 0.857); "water" is not "weather" (0.83)


# "when we get to the harbour bridge", "when it goes in the oven": the place or thing is the topic
_ARRIVE = re.compile(r"\b(when|once|if|as soon as) (?:we|you|they|he|she|i|it) (?:get|gets|arrive|arrives|reach|reaches|go|goes|"
                     r"come|comes|put|puts|is put|are put|move on|moves on|turn|turns|switch|switches)(?: back)?"
                     r"(?: to| at| in| into| on| onto)? (?:the )?")
# How a topic shows up: "comes on", "starts" (a graphic); "is in", "are out", "is announced" (a result, shown or said)
_SHOWN_END = r"comes? on|starts?|begins?|appears?|shows? up|is on|are on|comes? up|is shown"
_READY_END = r"(?:is|are) (?:in|out|up|ready|final|announced|declared|posted|read out)|gets? (?:announced|posted|read out)"


def _topic_watch(t: str, low: str) -> Watch | None:
    """"Tell me if there's breaking news", "let me know when the weather comes on": a topic shown on
    screen, watched for as its particular words (a graphic usually names its topic)."""
    low = _ARRIVE.sub(r"\1 the ", low)
    m = re.search(r"\b(?:if|when|once|whenever|as soon as)\s+(?:there(?:'s| is| are)\s+)?(?:the\s+|a\s+|an\s+|some\s+|any\s+)?"
                  rf"([a-z][a-z ]{{1,40}}?)\s*(?:{_SHOWN_END}|{_READY_END})?\s*[.!?]*$", re.sub(r"\b(?!(?:there|it|that|what|who|here|he|she)'s)([a-z]+)'s\b", r"\1", low))  # "the ranger's name"
    if m is None:
        return None
    words = [_verb_stem(w) for w in m.group(1).split() if w not in _GENERIC_TOPIC and w not in _SUBJECTS]
    if not words or len(words) > 3:
        return None
    # "…when the weather comes on" is a graphic; "…if anyone crashes" is an event, shown or said
    shown = re.search(rf"(?:{_SHOWN_END})\s*[.!?]*$", low)
    return Watch(WatchKind.TEXT, " ".join(words), threshold=TOPIC_MATCH, said_too=shown is None, description=t)


# A state something gets into, in the words a board, a band or a voice says it with ("delayed": "running late",
# "Exp 14:22"; "missing": "a lost child"). Keys are the words a watch is asked with.
_STATES = {**dict.fromkeys(("delayed", "late"), r"\b(?:delay(?:s|ed)?|late|running late|exp\.? ?\d)"),
           **dict.fromkeys(("cancelled", "canceled", "cancel"), r"\b(?:cancell?ed|called off|not running)\b"),
           **dict.fromkeys(("missing", "lost"), r"\b(?:missing|lost)\b"),
           **dict.fromkeys(("closed", "shut"), r"\b(?:closed|shut)\b"),
           **dict.fromkeys(("broken", "stuck"), r"\b(?:broken|broke|out of order|stopped working|not working|stuck)\b"),
           "full": r"\b(?:full|no spaces|sold out)\b", "postponed": r"\b(?:postponed|put off)\b",
           "moved": r"\b(?:moved|now (?:leave|leaves|depart|departs|from)|changed)\b"}
_STATE_WATCH = re.compile(r"\b(?:if|when|once|whenever|as soon as)\s+(?:the |a |an |any |my |our )?([a-z0-9: ]{1,30}?)\s+"
                          r"(?:gets?|is|are|goes|go|becomes?|has been|have been|was|were)\s+([a-z]+)\s*[.!?]*$")
# A thing's other words ("kid": a lost child); a service's kind ("train") is not on the board that names it
_KIN = r"(?:kids?|child|children|boy|girl|son|daughter|toddler|baby)"
_SUBJECT_WORDS = {**dict.fromkeys(("kid", "kids", "child", "children", "boy", "girl", "toddler", "baby"), _KIN)}
_SERVICE_WORDS = set("train trains bus buses service flight ferry coach tram".split())


def _state_watch(t: str, low: str) -> Watch | None:
    """"Tell me if the Leeds train gets delayed", "ping me if a kid goes missing": the thing's words and its
    state, shown or said — each in its own words ("Exp 14:22", "we have a lost child")."""
    m = _STATE_WATCH.search(low)
    if m is None or m.group(2) not in _STATES and m.group(2) not in _UPDATED:
        return None
    subject = [w for w in m.group(1).split() if w not in _GENERIC_TOPIC and w not in _SUBJECTS and w not in _SERVICE_WORDS
               and w not in _OTHER]
    if not subject or len(subject) > 3:
        return None
    if m.group(2) in _UPDATED:  # "…when the journey times get updated": the graphic up again, not as it is now
        return Watch(WatchKind.TEXT, " ".join(subject), threshold=TOPIC_MATCH, description=t, _armed=False)
    return Watch(WatchKind.TEXT, " ".join(subject), threshold=TOPIC_MATCH, said_too=True, state=_STATES[m.group(2)],
                 description=t)


# A graphic updated is the graphic put up again: a watch set while it is up waits for it to go and come back
_UPDATED = frozenset("updated update changed change changes refreshed revised".split())
_OTHER = frozenset("another other new more next".split())  # "if another road gets closed": a road closed


ROW_PIECES = 3  # "14:10 Leeds" | "Plat 4" | "Exp 14:22": OCR splits a board's row at its wide column gaps


def _state_hit(w: Watch, text: str) -> bool:
    """The line or sentence has the watched thing (its words, or their other words) and its state."""
    return bool(re.search(w.state, text, re.I)) and _has_subject(w, text)


def _has_subject(w: Watch, text: str) -> bool:
    return all(re.search(rf"\b{_SUBJECT_WORDS[s]}\b", text, re.I) if s in _SUBJECT_WORDS else lexical_words(s, text) >= w.threshold
               for s in w.target.split())


def _verb_stem(w: str) -> str:
    """"crashes", "crashed" → "crash" (the band reads CRASH); "breaking" stays ("break" is in "breakfast")."""
    return stem(w) if len(w) > 5 and w.endswith(("es", "ed")) else w


# Who does the topic ("if anyone crashes"): the event is the watch, whoever it happens to
_SUBJECTS = set("anyone anybody someone somebody everyone he she they it we you i people person".split())


def _text_watch(t: str, low: str) -> Watch | None:
    bare = _APPEARS.sub("", t)  # "…shows up" is not the text ("show" is also a reading verb)
    if m := _QUOTED.search(bare):
        return Watch(WatchKind.TEXT, m.group(1).strip(), description=t)
    if m := _READ.search(bare.lower()):
        words = [w for w in m.group(1).split() if w not in ("the", "a", "an")]
        target = " ".join(words).strip(" .!?")
        if target:
            start = bare.lower().find(target.split()[0])
            return Watch(WatchKind.TEXT, bare[start:start + len(target)] if start >= 0 else target, description=t)
    return None


def _object_class(low: str) -> str | None:
    for w in re.findall(r"[a-z]+", low):
        if w in OBJECT_WORDS and w != "one":
            return OBJECT_WORDS[w]
    return None


# An object watch is about presence (appears, enters, is in view, more than N, leaves); anything
# else ("a person is waving") is an activity the detector cannot see (a VLM poll with hf).
_PRESENCE = re.compile(r"\b(appears?|appeared|shows? up|comes? (?:in|into view|by|back)|enters?|walks? (?:in|into|by|past)|"
                       r"arrives?|is (?:in view|there|visible|back)|are (?:in view|there|visible)|in (?:view|the frame|sight)|"
                       r"see|sees|spot|spots|detect|detected|more than|over|at least|above|leaves?|left|goes away|gone|"
                       r"disappears?|exits?)\b")


def _object_watch(t: str, low: str) -> Watch | None:
    cls = _object_class(low)
    if cls is None or not _PRESENCE.search(low):
        return None
    count = 1
    if m := _COUNT.search(low):
        n = m.group(1)
        count = (int(n) if n.isdigit() else _NUMS[n]) + (0 if "at least" in m.group(0) else 1)
    leave = bool(re.search(r"\b(leaves?|left|goes away|gone|disappears?|exits?)\b", low))
    return Watch(WatchKind.OBJECT, cls, count=count, leave=leave, cooldown_s=5.0, description=t)


def _zone_watch(t: str, low: str) -> Watch | None:
    m = re.search(r"\b(?:enters?|leaves?|exits?|in|into|inside)\s+(?:the\s+)?([a-z0-9_-]+)\s+zone\b", low)
    if m is None:
        return None
    cls = _object_class(low) or "person"
    leave = bool(re.search(r"\b(leaves?|exits?)\b", low))
    return Watch(WatchKind.ZONE, cls, zone=m.group(1), leave=leave, cooldown_s=0.0, rearm_after=1, description=t)


# ---- checking ----------------------------------------------------------------------------------------


class WatchSet:
    """The registered watches; `check(enc, rows)` runs in the ingest thread (cheap: string,
    count, label and dot-product tests; a VLM poll is handed to the responder instead)."""

    def __init__(self):
        self._watches: dict[int, Watch] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, w: Watch) -> Watch:
        with self._lock:
            w.id = next(self._ids)
            self._watches[w.id] = w
        return w

    def remove(self, watch_id: int) -> bool:
        with self._lock:
            return self._watches.pop(watch_id, None) is not None

    def list(self) -> list[Watch]:
        with self._lock:
            return list(self._watches.values())

    def check(self, enc: EncodedFrame | None, rows: list[Evidence] = (), events: list[Event] = ()) -> list[Event]:
        """Alerts for one frame (enc may be None when only speech arrived) and its new rows."""
        out = []
        for w in self.list():
            for hit, onset, detail, ts in _conditions(w, enc, rows, events):
                if w.observe(hit, ts):
                    out.append(_alert(w, onset, ts, detail))
        return out


def _conditions(w: Watch, enc: EncodedFrame | None, rows, events):
    """(hit?, onset, detail, ts) per check this frame brings for the watch."""
    if w.kind is WatchKind.SPEECH or w.said_too:
        for ev in rows:
            if ev.kind is EvidenceKind.SPEECH:
                yield _speech_hit(w, ev), _said_at(w, ev), ev.content, ev.t_end
        if w.kind is WatchKind.SPEECH:
            return
    if w.kind is WatchKind.ZONE:
        for e in events:
            p = e.payload
            if e.kind is EventKind.ZONE and p.get("zone") == w.zone and p.get("label") == w.target:
                yield (p.get("action") == ("leave" if w.leave else "enter")), e.ts, f"{w.target} #{p.get('track_id')}", e.ts
        return
    if w.kind is WatchKind.OBJECT:
        objs = [ev for ev in rows if ev.kind is EvidenceKind.OBJECTS and isinstance(ev.data, ObjectsData)]
        if objs:
            yield _object_hit(w, objs[-1])
        return
    if enc is not None:
        yield _frame_condition(w, enc)


def _speech_hit(w: Watch, ev: Evidence) -> bool:
    """The answer path's word match (misheard words allowed, but "now" is not "snow"): watch and
    answer agree on what was said; a pattern watch ("…when someone asks a question") by its look."""
    if w.pattern:
        return bool(re.search(w.pattern, ev.content))
    if w.state:
        return _state_hit(w, ev.content)
    return lexical_words(w.target, ev.content) >= w.threshold


def _said_at(w: Watch, ev: Evidence) -> float:
    """When the state was said: its first word's time ("… we have a lost child" — "lost" 3 s in), else the
    sentence's start."""
    said = getattr(ev.data, "words", ())
    if not w.state or not said:
        return ev.t_start
    return next((x.t_start for x in said if re.search(w.state, x.text, re.I)), ev.t_start)


def _object_hit(w: Watch, ev: Evidence) -> tuple[bool, float, str, float]:
    n = ev.data.count(w.target)
    ts = ev.t_end
    present = n >= w.count
    if w.leave:
        hit = w._was_present and n == 0
        w._was_present = n > 0 or (w._was_present and not hit)
        return hit, ts, f"no {w.target} in view", ts
    return present, ev.t_start if present else ts, f"{n} {plural(w.target, n)} in view", ts


def _frame_condition(w: Watch, enc: EncodedFrame) -> tuple[bool | None, float, str, float]:
    ts = enc.frame_ts
    if w.kind is WatchKind.SCENE:
        return enc.scene_change, ts, "scene change", ts
    if w.kind is WatchKind.TEXT:
        if not enc.ocr_ran:
            return None, ts, "", ts
        lines = enc.text.splitlines()
        if w.state:  # a board's row is read in pieces, in reading order: the thing's piece and up to two after it
            rows = [" / ".join(lines[i:i + ROW_PIECES]) for i in range(len(lines)) if _has_subject(w, lines[i])]
            row = next((r for r in rows if _state_hit(w, r)), "")
            return bool(row), enc.text_onsets.get(row.split(" / ")[0], ts) if row else ts, row, ts
        best = max(((1.0 if w.pattern and re.search(w.pattern, line, re.I) else 0.0 if w.pattern else
                     text_matches(w.target, line), line) for line in lines), default=(0.0, ""))
        if best[0] < w.threshold and not w.pattern and (card := _words_on_screen(w, lines)):
            best = (1.0, card)  # "the museum's opening hours": "Harbour Museum" over "Open 9:00–17:00"
        onset = enc.text_onsets.get(best[1], enc.text_since if enc.text_since is not None else ts)
        return best[0] >= w.threshold, onset, best[1], ts
    if w.kind is WatchKind.SIMILAR:
        sim = float(np.dot(enc.embedding, w.embedding))
        return sim >= w.threshold, ts, f"similarity {sim:.2f}", ts
    if w.kind is WatchKind.LABEL:
        p = max((lb.p for lb in enc.labels if w.target in lb.name.lower()), default=0.0)
        return p >= w.threshold, ts, f"{w.target} {p:.2f}", ts
    return None, ts, "", ts  # POLL: evaluated by the responder


# Topic words a line can answer by its look: "opening hours" are times on the card, "prices" amounts
_LOOKS = {**dict.fromkeys(("hours", "opening", "times", "time", "open", "closing"), r"\b\d{1,2}[:.]\d{2}\b"),
          **dict.fromkeys(("price", "prices", "cost", "costs", "tickets", "ticket", "fare", "fares", "admission"),
                          r"[$€£]\s?\d|\d\s?(?:dollars|euros|pounds)\b|\bfree\b")}


def _words_on_screen(w: Watch, lines: list[str]) -> str:
    """A topic of several words that no one line has but the lines on screen together do (each word read,
    or shown by its look); the lines that have them, or ""."""
    words = w.target.split()
    if len(words) < 2 or not lines:
        return ""
    hits = []
    for word in words:
        look = _LOOKS.get(word)
        line = next((ln for ln in lines if text_matches(word, ln) >= w.threshold or look and re.search(look, ln, re.I)), None)
        if line is None:
            return ""
        hits.append(line)
    return " / ".join(dict.fromkeys(hits))


def _alert(w: Watch, onset: float, detected: float, detail: str) -> Event:
    what = {WatchKind.TEXT: f"text “{detail}” appeared", WatchKind.SCENE: "the scene changed",
            WatchKind.SIMILAR: "a frame like the reference appeared", WatchKind.LABEL: f"{w.target} seen ({detail})",
            WatchKind.SPEECH: f"someone said “{detail}”",
            WatchKind.OBJECT: (f"{w.target} left" if w.leave else detail),
            WatchKind.ZONE: f"{detail} {'left' if w.leave else 'entered'} zone {w.zone}",
            WatchKind.POLL: f"{w.target}: yes"}[w.kind]
    return Event(EventKind.WATCH, onset, f"{what} at {fmt_time(onset)}",
                 {"watch_id": w.id, "kind": w.kind.value, "target": w.target, "detected_at": round(detected, 3),
                  "onset": round(onset, 3), "match": detail})


def poll_alert(w: Watch, now: float) -> Event:
    return _alert(w, now, now, "yes")
