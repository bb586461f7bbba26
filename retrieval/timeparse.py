"""Time expressions in questions → a stream-time window.

"in the last 5 minutes", "2 minutes ago", "around 01:30", "at 1:30", "between 1:00 and 2:00",
"after 90 seconds", "before 0:45", "in the first 30 seconds", "at the (very) start", "now / right now /
currently"."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"s": 1, "sec": 1, "second": 1, "seconds": 1, "secs": 1, "m": 60, "min": 60, "mins": 60, "minute": 60,
          "minutes": 60, "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600}
_NUM_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
              "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
              "few": 5, "couple": 2, "several": 5}
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(_NUM_WORDS) + r")"
_UNIT = r"(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b"
_CLOCK = r"(\d{1,2}:\d{2}(?::\d{2})?)"


START_S = 3.0  # "at the start" is the first few seconds of the stream


@dataclass(frozen=True)
class TimeWindow:
    t_start: float
    t_end: float
    kind: str  # last | ago | around | between | after | before | first | now
    point: float | None = None  # the moment named ("2 minutes ago", "around 1:30")


def _num(text: str) -> float:
    return float(_NUM_WORDS.get(text.lower(), text))


def _dur(n: str, unit: str) -> float:
    return _num(n) * _UNITS[unit.lower()]


def clock(text: str) -> float:
    """'1:30' → 90, '01:02:03' → 3723 seconds."""
    secs = 0.0
    for part in text.split(":"):
        secs = secs * 60 + float(part)
    return secs


def parse_time_window(question: str, now: float, tolerance: float = 5.0) -> TimeWindow | None:
    q = question.lower()
    if m := re.search(rf"(?:(?:in|during|over|within|for) )?the (?:last|past) {_NUM}\s*{_UNIT}", q):
        d = _dur(m.group(1), m.group(2))
        return TimeWindow(max(0.0, now - d), now, "last")
    if m := re.search(r"(?:(?:in|during|over|within|for) )?the (?:last|past) (second|minute|hour)\b", q):
        return TimeWindow(max(0.0, now - _UNITS[m.group(1)]), now, "last")
    if m := re.search(rf"{_NUM}\s*(?:of\s+)?{_UNIT}\s+ago", q):
        p = max(0.0, now - _dur(m.group(1), m.group(2)))
        return TimeWindow(max(0.0, p - tolerance), min(now, p + tolerance), "ago", p)
    if m := re.search(rf"between {_CLOCK} and {_CLOCK}", q):
        a, b = sorted((clock(m.group(1)), clock(m.group(2))))
        return TimeWindow(a, b, "between")
    if m := re.search(rf"(?:around|about|near|at) {_CLOCK}", q):
        p = clock(m.group(1))
        return TimeWindow(max(0.0, p - tolerance), p + tolerance, "around", p)
    if m := re.search(rf"(?:after|since) {_CLOCK}", q):
        return TimeWindow(clock(m.group(1)), now, "after")
    if m := re.search(rf"before {_CLOCK}", q):
        return TimeWindow(0.0, clock(m.group(1)), "before")
    if m := re.search(rf"(?:in|during) the first {_NUM}\s*{_UNIT}", q):
        return TimeWindow(0.0, _dur(m.group(1), m.group(2)), "first")
    if re.search(r"\b(?:at|in|from|near|during) the (?:very )?(?:start|beginning|outset|opening)\b|"
                 r"\bat first\b|\bright at the start\b", q):
        # "how many were there at the very start?": the first moments (the first sampled frames)
        return TimeWindow(0.0, min(now, START_S), "around", 0.0)
    if re.search(r"\b(a moment ago|just now|just before(?= *[?.!]*$| now\b))", q):
        return TimeWindow(max(0.0, now - 10.0), now, "ago", max(0.0, now - 3.0))
    if re.search(r"\b(right now|now|currently|at the moment|at this moment)\b", q):
        return TimeWindow(max(0.0, now - tolerance), now, "now", now)
    return None
