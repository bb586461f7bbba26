"""Scorers. Three kinds, kept apart so a report always says which one it used:

- `score(question, response)`: the benchmark's OFFICIAL rule on the raw response (see
  eval.official: StreamingBench — first character equals the letter; OVO-Bench — letter as a
  substring, REC digits joined equal the count, SSR/CRR exact "Y"/"N" or "Yes"/"No" inside).
  These are the numbers to put beside published ones.
- `score_forced(question, choice)`: forced-choice accuracy, for answerers that pick among the
  allowed answers (option letter / yes-no by logits, an integer count): no parsing at all.
- `score_lenient` and the extract_* helpers: a forgiving parse of free text (answer prefixes,
  lower-case lone letters, number words). Not an official rule; for diagnostics only.
Proactive (StreamingBench, src/data/count.py): on time within ±2 s and the expected output as a
case-sensitive substring of the output."""

from __future__ import annotations

import re

from eval import official

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
    """count.py's answer_correct: |fired - gt| <= 2 s and gt_output in output (case-sensitive)."""
    return fired_at is not None and abs(fired_at - gt_time) <= tolerance and gt_output in (output or "")


def score(question, response: str | None) -> bool:
    """The official rule of the question's benchmark on the raw response."""
    return official.correct(question, response)


def score_forced(question, choice: str | int | None) -> bool:
    """Forced choice: `choice` is the option letter, "yes"/"no", or the count the answerer picked."""
    if choice is None:
        return False
    if question.kind == "count":
        return str(choice).strip().lstrip("+").isdigit() and int(str(choice).strip()) == int(question.answer)
    return str(choice).strip().lower() == question.answer.lower()


def score_lenient(question, response: str) -> bool:
    """The forgiving free-text parse (not official)."""
    if question.kind == "count":
        return score_count(response, question.answer)
    if question.kind == "yesno":
        return score_yesno(response, question.answer)
    return score_mc(response, question.answer, len(question.options))
