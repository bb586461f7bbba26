"""The benchmarks' own protocols, re-implemented from their code so our numbers compare with the
published ones: timestamp parsing, prompt text, response scoring, proactive polling, aggregation.

Sources (read at THUNLP-MT/StreamingBench 8929923 and JoeLeelyf/OVO-Bench c34093f; re-typed,
not copied):
  StreamingBench  src/benchmark/StreamingBench.py, StreamingBenchSQA.py, StreamingBenchProactive.py
                  (prompts, timestamps, clip bounds), src/data/count.py (scoring), README figures
                  figs/task_taxonomy.png + figs/result_2.png (leaderboard groups and their averaging)
  OVO-Bench       constant.py (templates), utils/OVOBench.py build_prompt (prompt assembly),
                  utils/chunk_videos.py (clip end = ceil(realtime)), utils/OVOBenchScore.py (scoring,
                  per task -> per category -> mean of categories)

Everything here is a pure function of a `Question` (eval.loaders) and raw response strings; the
ground truth is read only by the scorers."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# ---- StreamingBench ---------------------------------------------------------------------------------
# src/benchmark/StreamingBench.py PROMPT_TEMPLATE (+ "\n\nThe best option is:" appended there)
SB_MC_TEMPLATE = (
    "You are an advanced video question-answering AI assistant. You have been provided with some frames from the video "
    "and a multiple-choice question related to the video. Your task is to carefully analyze the video and provide the best "
    "answer to question, choosing from the four options provided. Respond with only the letter (A, B, C, or D) of the "
    "correct option.\n\nQuestion: {}\n\nOptions:\n{}\n{}\n{}\n{}")
SB_MC_SUFFIX = "\n\nThe best option is:"
# src/benchmark/StreamingBench.py PROMPT_TEMPLATE_WITHOUT_OPTIONS (+ "\n\nAnswer:"); note the space before "\n\n"
SB_OPEN_TEMPLATE = (
    "You are an advanced video question-answering AI assistant. You have been provided with a video and a question related "
    "to the video. Your task is to carefully analyze the video and provide the answer to the question. \n\nQuestion: {}\n")
SB_OPEN_SUFFIX = "\n\nAnswer:"
# src/benchmark/StreamingBenchSQA.py PROMPT_TEMPLATE (context first, suffix inside the template)
SB_SQA_TEMPLATE = (
    "You are an advanced video question-answering AI assistant. You have been provided with a video and a multiple-choice "
    "question related to the video. Your task is to carefully analyze the video and the provided context to answer the "
    "question, choosing from the four options provided. Respond with only the letter (A, B, C, or D) of the correct option."
    "\n\n{}\n\nHere is the question. Answer it and don't confuse it with the previous conversation.\nQuestion: {}\n\n"
    "Options:\n{}\n{}\n{}\n{}\n\nThe best option is:")
SB_SQA_CONTEXT_HEAD = ("Here are the contextual information related to the video. Please answer the questions based on "
                       "the contextual information: ")
# src/benchmark/StreamingBenchProactive.py PROMPT_TEMPLATE_PROACTIVE
SB_PROACTIVE_TEMPLATE = (
    "You are an advanced image question-answering AI assistant. You have been provided with images and a question related "
    "to the images. Your task is to carefully analyze the images and provide the answer to the question. You need to "
    "carefully confirm whether the images content meet the conditions of the question, and then output the correct "
    "content.\n\nQuestion: {}\n\nThe answer is:\n")
SB_PROACTIVE_POLL_EXTRA_S = 4  # polling stops at ground truth + 4 s (StreamingBenchProactive.py max_time)
SB_PROACTIVE_TOLERANCE_S = 2  # count.py: -2 <= last_time - gt_time <= 2


def sb_seconds(text: str) -> int:
    """StreamingBench's own reading of a time stamp: colon-separated parts summed as x60^i from the
    right, so "0:07:40" -> 460, "00:24" -> 24, "00:00:8" -> 8 and "00:12450" -> 12450.
    Raises ValueError on anything int() rejects (as their code would)."""
    return sum(int(x) * 60 ** i for i, x in enumerate(reversed(text.split(":"))))


def sb_display_options(options: list[str]) -> tuple[str, ...]:
    """The four options their prompt shows: "A. " .. "D. " added when the first lacks "A.";
    str.format drops entries past the fourth (a few omni records hold 5-7 split strings)."""
    shown = list(options[:4])
    if shown and not shown[0].startswith("A."):
        shown = [f"{'ABCD'[k]}. {o}" for k, o in enumerate(shown)]
    return tuple(shown)


def sb_clip(q, context_s: float | None) -> tuple[int, int]:
    """The clip the model sees (utils/video_execution.split_video: int seconds): [t - context, t]
    for context > 0, else [0, t]. The main leaderboard table uses 60 s."""
    t = int(q.time_s)
    return (max(0, t - int(context_s)) if context_s and context_s > 0 else 0), t


def _four(options: tuple[str, ...]) -> list[str]:
    return list(options) + [""] * (4 - len(options))  # their template has exactly four slots


def streamingbench_prompt(q, context: str = "") -> str:
    """The exact text their eval sends for a multiple-choice / open question (SQA: pass the
    context built by `streamingbench_sqa_contexts`)."""
    if q.task == "Sequential Question Answering":
        return SB_SQA_TEMPLATE.format(context, q.question, *_four(q.options))
    if q.options:
        return SB_MC_TEMPLATE.format(q.question, *_four(q.options)) + SB_MC_SUFFIX
    return SB_OPEN_TEMPLATE.format(q.question) + SB_OPEN_SUFFIX


def sqa_context_line(q) -> str:
    """What StreamingBenchSQA.py appends after each question (it quotes the annotated answer:
    the benchmark gives earlier Q&A as context by design)."""
    o = _four(q.options)
    return (f"At timestamp {q.extra.get('time_stamp', '')}, the following question and answer occurred: "
            f"Question: {q.question}; Options: {o[0]}, {o[1]}, {o[2]}, {o[3]}; Answer: {q.answer}; ")


def streamingbench_sqa_contexts(questions: Iterable) -> dict[str, str]:
    """qid -> the context string their SQA loop has built when that question is asked: reset per
    video entry (extra["entry"]), grown in file order over its segments."""
    out: dict[str, str] = {}
    ctx: dict[object, str] = defaultdict(str)
    for q in questions:
        if q.task != "Sequential Question Answering":
            continue
        key = q.extra.get("entry", q.video)
        out[q.qid] = ctx[key]
        ctx[key] = (ctx[key] or SB_SQA_CONTEXT_HEAD) + sqa_context_line(q)
    return out


def sb_correct(response: str | None, answer: str) -> bool:
    """src/data/count.py: `response[0] == answer` — the first character, case-sensitive, nothing
    stripped (" B" and "b" are wrong). An empty/None response scores 0 here (count.py would skip
    or crash on it; their eval re-asks until every question has a response)."""
    return bool(response) and response[0] == answer


@dataclass(frozen=True)
class ProactiveTurn:
    time_s: int
    role: str  # user | assistant
    content: str


@dataclass(frozen=True)
class ProactiveResult:
    """What StreamingBenchProactive.py stores per question: `answered` (the second it said yes,
    or None) and the dialog; count.py scores the LAST turn only."""

    answered: int | None
    dialog: tuple[ProactiveTurn, ...]


def proactive_poll_times(q) -> list[int]:
    """Every second from time_stamp + 1 to ground_truth_time_stamp + 4 inclusive (the only place
    the ground-truth time is read: it bounds the protocol, as in their loop)."""
    start = int(q.time_s)
    return list(range(start + 1, int(q.gt_time_s) + SB_PROACTIVE_POLL_EXTRA_S + 1))


def proactive_poll_query(q, quote_target: bool = True) -> str:
    """Their polling question. NB: the official text quotes the ground-truth output ("Is it the
    right time to output "3"?"); quote_target=False words it without, for a blind run."""
    tail = f" Is it the right time to output \"{q.answer}\"?" if quote_target else " Is it the right time to output the answer?"
    return f"{q.question}{tail} You can only answer yes or no."


def proactive_poll_prompt(q, quote_target: bool = True) -> str:
    return SB_PROACTIVE_TEMPLATE.format(proactive_poll_query(q, quote_target))


def proactive_answer_prompt(q) -> str:
    return SB_PROACTIVE_TEMPLATE.format(q.question)


def proactive_says_yes(response: str) -> bool:
    return "yes" in (response or "").strip().lower()  # StreamingBenchProactive.py


def run_proactive(q, ask: Callable[[int, str], str], quote_target: bool = True) -> ProactiveResult:
    """The official protocol with `ask(second, prompt) -> response` standing in for the model over
    the clip [time_stamp, second]. The output is whatever the model answers to the plain question:
    nothing here writes the ground-truth output into a response."""
    query = proactive_poll_query(q, quote_target)
    poll = SB_PROACTIVE_TEMPLATE.format(query)
    turns: list[ProactiveTurn] = []
    for t in proactive_poll_times(q):
        r = ask(t, poll)
        turns += [ProactiveTurn(t, "user", query), ProactiveTurn(t, "assistant", r)]
        if proactive_says_yes(r):
            out = ask(t, proactive_answer_prompt(q))
            turns += [ProactiveTurn(t, "user", q.question), ProactiveTurn(t, "assistant", out)]
            return ProactiveResult(t, tuple(turns))
    return ProactiveResult(None, tuple(turns))


def proactive_scores(result: ProactiveResult, q) -> tuple[bool, bool]:
    """count.py: (time_correct, answer_correct) from the last turn: |last time - gt| <= 2 and the
    ground-truth output as a case-sensitive substring of the last content. The leaderboard's PO
    column is answer_correct (which implies time_correct)."""
    if not result.dialog:
        return False, False
    last = result.dialog[-1]
    on_time = -SB_PROACTIVE_TOLERANCE_S <= last.time_s - int(q.gt_time_s) <= SB_PROACTIVE_TOLERANCE_S
    return on_time, on_time and q.answer in last.content


# Leaderboard groups: figs/task_taxonomy.png and the column heads of figs/result_2.png, with the
# task_type strings the annotation files use (OP = "Object Recognition", ATP = "Attribute
# Recognition", ACP = "Action Recognition", CS = "Clips Summarize").
SB_GROUPS: dict[str, tuple[str, ...]] = {
    "Real-Time Visual Understanding": (
        "Object Recognition", "Causal Reasoning", "Clips Summarize", "Attribute Recognition", "Event Understanding",
        "Text-Rich Understanding", "Prospective Reasoning", "Spatial Understanding", "Action Recognition", "Counting"),
    "Omni-Source Understanding": ("Emotion Recognition", "Scene Understanding", "Source Discrimination", "Multimodal Alignment"),
    "Contextual Understanding": ("Anomaly Context Understanding", "Misleading Context Understanding",
                                 "Sequential Question Answering", "Proactive Output"),
}
SB_TASK_GROUP = {t: g for g, ts in SB_GROUPS.items() for t in ts}


@dataclass(frozen=True)
class Tally:
    correct: int
    n: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.n if self.n else None


def tally(pairs: Iterable[tuple[str, bool]]) -> dict[str, Tally]:
    """(task, correct) pairs -> per-task counts."""
    c: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for task, ok in pairs:
        c[task][0] += bool(ok)
        c[task][1] += 1
    return {t: Tally(k, n) for t, (k, n) in sorted(c.items())}


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 2)


def streamingbench_report(per_task: dict[str, Tally]) -> dict:
    """Leaderboard numbers in %: per task, each group's "All" and "Overall" — all question-weighted
    (micro). Checked on result_2.png: Gemini 1.5 pro's per-task cells give Overall 70.26 weighted
    (the table's value) vs 65.42 as a mean of groups; Contextual "All" weights PO by its 51
    questions (questions_proactive_50.json). Tasks outside the groups are listed under "other"
    and left out of Overall."""
    groups: dict[str, dict] = {}
    for g, tasks in SB_GROUPS.items():
        mine = [per_task[t] for t in tasks if t in per_task]
        k, n = sum(x.correct for x in mine), sum(x.n for x in mine)
        groups[g] = {"all": _pct(k / n) if n else None, "n": n, "tasks_present": len(mine), "tasks": len(tasks)}
    k = sum(x.correct for t, x in per_task.items() if t in SB_TASK_GROUP)
    n = sum(x.n for t, x in per_task.items() if t in SB_TASK_GROUP)
    return {"by_task": {t: {"accuracy": _pct(x.accuracy), "n": x.n} for t, x in per_task.items()},
            "groups": groups, "overall": _pct(k / n) if n else None, "n": n,
            "other": sorted(t for t in per_task if t not in SB_TASK_GROUP)}


# ---- OVO-Bench --------------------------------------------------------------------------------------
OVO_CATEGORIES: dict[str, tuple[str, ...]] = {  # constant.py
    "backward": ("EPM", "ASI", "HLD"),
    "realtime": ("OCR", "ACR", "ATR", "STU", "FPD", "OJR"),
    "forward": ("REC", "SSR", "CRR"),
}
OVO_TASK_CATEGORY = {t: c for c, ts in OVO_CATEGORIES.items() for t in ts}

# constant.py BR_PROMPT_TEMPLATE / REC / SSR / CRR (the live ones, not the commented-out drafts);
# the leading "\n" and the trailing space after "e.g., A, B, C)." are theirs.
OVO_BR_TEMPLATE = ("\nQuestion: {}\nOptions:\n{}\n\nRespond only with the letter corresponding to your chosen option "
                   "(e.g., A, B, C). \nDo not include any additional text or explanation in your response.\n")
OVO_REC_TEMPLATE = (
    "\nYou're watching a video in which people may perform a certain type of action repetively. \n"
    "The person performing this kind of action are referred to as 'they' in the following statement.\n"
    "You're task is to count how many times have different people in the video perform this kind of action in total.\n"
    "One complete motion counts as one. \nNow, answer the following question: {}\n"
    "Provide your answer as a single number (e.g., 0, 1, 2, 3…) indicating the total count.\n"
    "Do not include any additional text or explanation in your response.\n")
OVO_SSR_TEMPLATE = (
    "\nYou're watching a tutorial video which contain a sequential of steps. \n"
    "The following is one step from the whole procedures: \n{}\n"
    "Your task is to determine if the man or woman in the video is currently performing this step.\n"
    "Answer only with “Yes” or “No”.\nDo not include any additional text or explanation in your response.\n")
OVO_CRR_TEMPLATE = (
    "\nYou're responsible of answering questions based on the video content. \n"
    "The following question are relevant to the latest frames, i.e. the end of the video.\n{}\n"
    "Decide whether existing visual content, especially latest frames, i.e. frames that near the end of the video, "
    "provide enough information for answering the question.\n"
    "Answer only with “Yes” or “No”.\nDo not include any additional text or explanation in your response.\n")


def ovo_clip_end(q) -> float:
    """utils/chunk_videos.py cuts [0, ceil(realtime)] (clamped to the video's length)."""
    return float(math.ceil(q.time_s))


def ovobench_prompt(q) -> str:
    """utils/OVOBench.py build_prompt; options as "A. x; B. y;" on one line."""
    if q.task == "REC":
        return OVO_REC_TEMPLATE.format(f"How many times did they {q.extra['activity']}?")
    if q.task == "SSR":
        return OVO_SSR_TEMPLATE.format(q.extra["step"])
    if q.task == "CRR":
        return OVO_CRR_TEMPLATE.format(q.extra["crr_question"])
    raw = q.extra.get("raw_options", [o.split(". ", 1)[1] for o in q.options])
    return OVO_BR_TEMPLATE.format(q.question, "; ".join(f"{chr(65 + i)}. {o}" for i, o in enumerate(raw)) + ";")


def ovo_correct(task: str, response: str | None, answer: str) -> bool:
    """utils/OVOBenchScore.py. answer: our Question.answer (letter, count, "yes"/"no").
    MC: the letter is a substring of the response (case-sensitive: "A" in "As I see..." counts).
    REC: all digit runs joined equal the count ("1 2" -> "12"). SSR/CRR: the response is exactly
    "Y"/"N", or contains "Yes"/"No" (substring, case-sensitive: "Not sure" counts as No, "yes" as
    nothing). None scores 0."""
    if response is None:
        return False
    if task == "REC":
        return "".join(re.findall(r"\d+", response)) == str(answer)
    if task in ("SSR", "CRR"):
        yes = answer.lower() == "yes"
        return response == ("Y" if yes else "N") or ("Yes" if yes else "No") in response
    return answer in response


def ovobench_report(per_task: dict[str, Tally]) -> dict:
    """score.py: accuracy per task, each category the plain mean of its tasks' accuracies, Total
    the mean of the three categories (README: Gemini 62.54 / 69.32 / 57.15 -> 63.00). A category
    with no task scored is None and Total is then over the others, with complete=False."""
    cats = {}
    for c, tasks in OVO_CATEGORIES.items():
        accs = [per_task[t].accuracy for t in tasks if t in per_task and per_task[t].n]
        cats[c] = sum(accs) / len(accs) if accs else None
    present = [v for v in cats.values() if v is not None]
    return {"by_task": {t: {"accuracy": _pct(x.accuracy), "n": x.n} for t, x in per_task.items()},
            "categories": {c: _pct(v) for c, v in cats.items()},
            "total": _pct(sum(present) / len(present)) if present else None,
            "complete": len(present) == len(OVO_CATEGORIES)}


# ---- dispatch ---------------------------------------------------------------------------------------
def prompt(q, context: str = "") -> str:
    """The official prompt for any loaded question (not for proactive ones: see run_proactive)."""
    return ovobench_prompt(q) if q.benchmark == "ovobench" else streamingbench_prompt(q, context)


def correct(q, response: str | None) -> bool:
    """The official rule for this question's benchmark, on the raw response."""
    if q.benchmark == "ovobench":
        return ovo_correct(q.task, response, q.answer)
    return sb_correct(response, q.answer)


def report(benchmark: str, pairs: Iterable[tuple[str, bool]]) -> dict:
    """Official aggregation of (task, correct) pairs for one method."""
    per_task = tally(pairs)
    return ovobench_report(per_task) if benchmark == "ovobench" else streamingbench_report(per_task)
