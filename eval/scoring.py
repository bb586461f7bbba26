"""Each benchmark's own scoring rule, made explicit.

StreamingBench (its eval scripts, VideoMME-style): strip the usual answer prefixes, take the
first capital option letter; a response that is one letter alone counts in either case ("b").
A long response without any option letter scores nothing. Two letters: the first one counts.
OVO-Bench: backward/real-time — the option letter in the response; REC — the first integer
(digits or a number word); SSR/CRR — yes/no.
Proactive (StreamingBench): correct when the first output comes within ±2 s of the ground-truth
time and contains the expected output."""

from __future__ import annotations

import re

_PREFIXES = ["The best answer is", "The correct answer is", "The answer is", "The answer", "The best option is",
             "The correct option is", "Best answer:", "Best option:", "Answer:", "Option:"]
_WORD_NUMBERS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}


def extract_letter(response: str, letters: str = "ABCD") -> str:
    s = (response or "").strip()
    if re.fullmatch(rf"[{letters}{letters.lower()}][.)]?", s):
        return s[0].upper()
    for p in _PREFIXES:
        s = s.replace(p, "")
    if len(s.split()) > 10 and not re.search(rf"\b[{letters}]\b", s):
        return ""
    m = re.search(rf"\b([{letters}])\b", s) or re.search(rf"([{letters}])(?=[.)]|$)", s)
    return m.group(1) if m else ""


def score_mc(response: str, answer: str, n_options: int = 4) -> bool:
    return extract_letter(response, "ABCDEFGH"[:max(n_options, 4)]) == answer.upper()


def extract_number(response: str) -> int | None:
    m = re.search(r"-?\d+", response or "")
    if m:
        return int(m.group(0))
    for word in re.findall(r"[a-z]+", (response or "").lower()):
        if word in _WORD_NUMBERS:
            return _WORD_NUMBERS[word]
    return None


def score_count(response: str, answer: str) -> bool:
    n = extract_number(response)
    return n is not None and n == int(answer)


def extract_yesno(response: str) -> str:
    m = re.search(r"\b(yes|no)\b", (response or "").lower())
    return m.group(1) if m else ""


def score_yesno(response: str, answer: str) -> bool:
    return extract_yesno(response) == answer.lower()


def score_proactive(fired_at: float | None, output: str, gt_time: float, gt_output: str, tolerance: float = 2.0) -> bool:
    return fired_at is not None and abs(fired_at - gt_time) <= tolerance and gt_output.strip().lower() in (output or "").lower()


def score(question, response: str) -> bool:
    if question.kind == "count":
        return score_count(response, question.answer)
    if question.kind == "yesno":
        return score_yesno(response, question.answer)
    return score_mc(response, question.answer, len(question.options))
