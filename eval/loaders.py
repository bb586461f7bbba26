"""Loaders for the benchmarks' real annotation formats, with validation that names the record
and field at fault.

StreamingBench (THUNLP-MT/StreamingBench, src/data/questions_*.json): a list of per-clip entries
{video_path, time, questions: [{task_type, question, time_stamp "HH:MM:SS", options, answer,
required_ability}]}; proactive items carry ground_truth_time_stamp / ground_truth_output;
questions_sqa nests a list of segments per video and its options have no "A." prefix; the
*_stream variants hold one entry per video with `time` and `audio_path` on each question.

OVO-Bench (JoeLeelyf/OVO-Bench, data/ovo_bench_new.json): records {id, task, video, ...}:
backward and real-time tasks have realtime, question, options, gt (index); forward tasks (REC,
SSR, CRR) carry test_info [{realtime, count | type | step}] that expand to timed probes."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from vstream.errors import VStreamError

LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class Question:
    """One timed question (or probe) on one video."""

    qid: str
    benchmark: str  # streamingbench | ovobench
    video: str  # path relative to the videos folder (as in the annotation)
    task: str
    question: str
    time_s: float  # when it is asked (the model must not see later frames)
    options: tuple[str, ...] = ()
    answer: str = ""  # letter (MC), number (count), "yes"/"no" (probe), or expected output (proactive)
    category: str = ""  # required_ability / OVO group (backward, realtime, forward)
    kind: str = "mc"  # mc | count | yesno | proactive
    gt_time_s: float | None = None  # proactive: when the output is due
    extra: dict = field(default_factory=dict)


def hms(text: str, where: str) -> float:
    if not isinstance(text, str) or not re.fullmatch(r"\d{1,2}:\d{2}:\d{2}(\.\d+)?", text.strip()):
        raise VStreamError(f"{where}: time_stamp {text!r} is not HH:MM:SS")
    h, m, s = text.strip().split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def _need(obj: dict, key: str, where: str, types):
    if not isinstance(obj, dict) or key not in obj:
        raise VStreamError(f"{where}: missing field '{key}'")
    if not isinstance(obj[key], types):
        raise VStreamError(f"{where}: field '{key}' should be {types if isinstance(types, type) else ' or '.join(t.__name__ for t in types)}, got {type(obj[key]).__name__}")
    return obj[key]


def _read(path: str | Path) -> object:
    p = Path(path)
    if not p.is_file():
        raise VStreamError(f"annotation file not found: {p} — check the path")
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise VStreamError(f"{p} is not valid JSON (line {e.lineno}: {e.msg})") from None


# ---- StreamingBench --------------------------------------------------------------------------------
def load_streamingbench(path: str | Path) -> list[Question]:
    data = _read(path)
    if not isinstance(data, list):
        raise VStreamError(f"{path}: expected a JSON list of video entries")
    name = Path(path).name
    out: list[Question] = []
    for i, item in enumerate(data):
        segments = item if isinstance(item, list) else [item]  # questions_sqa nests segments
        for j, seg in enumerate(segments):
            where = f"{name} record {i}" + (f" segment {j}" if isinstance(item, list) else "")
            video = _need(seg, "video_path", where, str)
            for k, q in enumerate(_need(seg, "questions", where, list)):
                out.append(_sb_question(q, f"{where} question {k}", video, seg, f"{i}.{j}.{k}"))
    return out


def _sb_question(q: dict, where: str, video: str, seg: dict, qid: str) -> Question:
    task = _need(q, "task_type", where, str)
    text = _need(q, "question", where, str)
    t = hms(_need(q, "time_stamp", where, str), where)
    ability = q.get("required_ability", "")
    if "ground_truth_output" in q or task.lower().startswith("proactive"):
        gt_t = hms(_need(q, "ground_truth_time_stamp", where, str), where)
        gt_out = str(_need(q, "ground_truth_output", where, (str, int, float)))
        return Question(qid, "streamingbench", video, task, text, t, (), gt_out, ability, "proactive", gt_t)
    options = _need(q, "options", where, list)
    if not 2 <= len(options) <= len(LETTERS) or not all(isinstance(o, str) for o in options):
        raise VStreamError(f"{where}: field 'options' should be 2-{len(LETTERS)} strings")
    answer = str(_need(q, "answer", where, str)).strip().upper()
    if answer not in LETTERS[: len(options)]:
        raise VStreamError(f"{where}: field 'answer' {answer!r} is not one of the option letters")
    options = tuple(o if re.match(r"^[A-H]\.\s", o) else f"{LETTERS[n]}. {o}" for n, o in enumerate(options))
    extra = {k: q[k] for k in ("audio_path", "time") if k in q}
    if "time" in seg:
        extra.setdefault("time", seg["time"])
    return Question(qid, "streamingbench", video, task, text, t, options, answer, ability, "mc", None, extra)


# ---- OVO-Bench -----------------------------------------------------------------------------------
OVO_BACKWARD = {"EPM", "ASI", "HLD"}
OVO_REALTIME = {"STU", "OJR", "ATR", "ACR", "OCR", "FPD"}
OVO_FORWARD = {"REC", "SSR", "CRR"}


def load_ovobench(path: str | Path) -> tuple[list[Question], int]:
    """(questions and probes, number of records)."""
    data = _read(path)
    if not isinstance(data, list):
        raise VStreamError(f"{path}: expected a JSON list of records")
    out: list[Question] = []
    for i, rec in enumerate(data):
        where = f"{Path(path).name} record {i} (id {rec.get('id', '?') if isinstance(rec, dict) else '?'})"
        task = _need(rec, "task", where, str)
        video = _need(rec, "video", where, str)
        rid = str(rec.get("id", i))
        if task in OVO_FORWARD:
            out += _ovo_forward(rec, where, task, video, rid)
        elif task in OVO_BACKWARD | OVO_REALTIME:
            options = _need(rec, "options", where, list)
            gt = _need(rec, "gt", where, int)
            if not 0 <= gt < len(options):
                raise VStreamError(f"{where}: field 'gt' {gt} is out of range for {len(options)} options")
            t = float(_need(rec, "realtime", where, (int, float)))
            opts = tuple(f"{LETTERS[n]}. {o}" for n, o in enumerate(options))
            group = "backward" if task in OVO_BACKWARD else "realtime"
            out.append(Question(rid, "ovobench", video, task, _need(rec, "question", where, str), t, opts, LETTERS[gt], group))
        else:
            raise VStreamError(f"{where}: field 'task' {task!r} is not an OVO-Bench task")
    return out, len(data)


def _ovo_forward(rec: dict, where: str, task: str, video: str, rid: str) -> list[Question]:
    probes = []
    for k, info in enumerate(_need(rec, "test_info", where, list)):
        w = f"{where} test_info {k}"
        t = float(_need(info, "realtime", w, (int, float)))
        if task == "REC":
            activity = _need(rec, "activity", where, str)
            q = (f"How many times have people performed the action '{activity}' so far? "
                 "Answer with a single number.")
            probes.append(Question(f"{rid}.{k}", "ovobench", video, task, q, t, (), str(_need(info, "count", w, int)), "forward", "count"))
        elif task == "SSR":
            step = _need(info, "step", w, str)
            q = f"Is the person now performing this step: {step}? Answer yes or no."
            probes.append(Question(f"{rid}.{k}", "ovobench", video, task, q, t, (), "yes" if _need(info, "type", w, int) else "no", "forward", "yesno"))
        else:  # CRR
            q = f"{_need(rec, 'question', where, str)} Can this question be answered now? Answer yes or no."
            probes.append(Question(f"{rid}.{k}", "ovobench", video, task, q, t, (), "yes" if _need(info, "type", w, int) else "no", "forward", "yesno"))
    return probes


def summary(questions: list[Question], records: int | None = None) -> dict:
    out = {"videos": len({q.video for q in questions}), "questions": len(questions),
           "by_task": dict(sorted(Counter(q.task for q in questions).items()))}
    if records is not None:
        out["records"] = records
        out["probes"] = sum(1 for q in questions if q.category == "forward")
        out["questions"] = len(questions) - out["probes"]
    return out
