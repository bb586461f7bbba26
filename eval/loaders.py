"""Loaders for the benchmarks' real annotation formats. A record that cannot be used is skipped
with a warning that names the record and field (logged, and counted in the dry-run summary); only
an unreadable file, or one with no usable record at all, is an error.

StreamingBench (THUNLP-MT/StreamingBench, src/data/questions_*.json): a list of per-clip entries
{video_path, time, questions: [{task_type, question, time_stamp, options, answer,
required_ability}]}; proactive items carry ground_truth_time_stamp / ground_truth_output;
questions_sqa nests a list of segments per video and its options have no "A." prefix; the
*_stream variants hold one entry per video with `time` and `audio_path` on each question.
Time stamps are read as their code reads them (eval.official.sb_seconds): "0:07:40", "00:24",
"00:00:8" and even "00:12450" (= 12450 s) all occur in questions_real.json.

OVO-Bench (JoeLeelyf/OVO-Bench, data/ovo_bench_new.json): records {id, task, video, ...}:
backward and real-time tasks have realtime, question, options, gt (index); forward tasks (REC,
SSR, CRR) carry test_info [{realtime, count | type | step}] that expand to timed probes."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from eval.official import sb_display_options, sb_seconds
from vstream.errors import VStreamError

LETTERS = "ABCDEFGH"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Question:
    """One timed question (or probe) on one video."""

    qid: str
    benchmark: str  # streamingbench | ovobench
    video: str  # path relative to the videos folder (as in the annotation)
    task: str
    question: str
    time_s: float  # when it is asked (the model must not see later frames)
    options: tuple[str, ...] = ()  # "A. ..." as the official prompt shows them
    answer: str = ""  # letter (MC), number (count), "yes"/"no" (probe), or expected output (proactive)
    category: str = ""  # required_ability / OVO group (backward, realtime, forward)
    kind: str = "mc"  # mc | count | yesno | proactive
    gt_time_s: float | None = None  # proactive: when the output is due
    extra: dict = field(default_factory=dict)  # raw fields the official prompts need (see eval.official)


@dataclass(frozen=True)
class RecordIssue:
    """A record (or one of its questions) that was skipped, or kept with a caveat."""

    where: str
    message: str
    skipped: bool

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" + (" — skipped" if self.skipped else "")


class Questions(list):
    """The loaded questions (a plain list of Question) plus what the loader had to say."""

    def __init__(self, items=(), issues: list[RecordIssue] | None = None, records: int = 0):
        super().__init__(items)
        self.issues: list[RecordIssue] = issues if issues is not None else []
        self.records = records

    def note(self, where: str, message: str, skipped: bool) -> None:
        issue = RecordIssue(where, message, skipped)
        self.issues.append(issue)
        log.warning("%s", issue)


def hms(text: str, where: str) -> float:
    """A StreamingBench time stamp in seconds, read as their code reads it."""
    try:
        t = sb_seconds(text) if isinstance(text, str) else None
    except ValueError:
        t = None
    if t is None or t < 0:
        raise VStreamError(f"{where}: time_stamp {text!r} is not a time (H:MM:SS, MM:SS or seconds)")
    return float(t)


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


def _usable(out: Questions, path: str | Path) -> Questions:
    if not out and out.records:
        first = next((x for x in out.issues if x.skipped), "no questions")
        raise VStreamError(f"{path}: no usable question in {out.records} records (first problem: {first})")
    return out


# ---- StreamingBench --------------------------------------------------------------------------------
def load_streamingbench(path: str | Path) -> Questions:
    data = _read(path)
    if not isinstance(data, list):
        raise VStreamError(f"{path}: expected a JSON list of video entries")
    name = Path(path).name
    out = Questions(records=len(data))
    for i, item in enumerate(data):
        segments = item if isinstance(item, list) else [item]  # questions_sqa nests segments
        for j, seg in enumerate(segments):
            where = f"{name} record {i}" + (f" segment {j}" if isinstance(item, list) else "")
            try:
                video = _need(seg, "video_path", where, str)
                qs = _need(seg, "questions", where, list)
            except VStreamError as e:
                out.note(where, str(e).removeprefix(f"{where}: "), True)
                continue
            for k, q in enumerate(qs):
                _sb_add(out, q, f"{where} question {k}", video, seg, (i, j, k))
    return _usable(out, path)


def _sb_add(out: Questions, q: dict, where: str, video: str, seg: dict, idx: tuple[int, int, int]) -> None:
    try:
        out.append(_sb_question(q, where, video, seg, idx, out))
    except VStreamError as e:
        out.note(where, str(e).removeprefix(f"{where}: "), True)


def _sb_time(q: dict, key: str, where: str, out: Questions) -> float:
    text = _need(q, key, where, str)
    t = hms(text, where)
    if not re.fullmatch(r"\d{1,2}:\d{2}:\d{2}", text):
        out.note(where, f"{key} {text!r} is not H:MM:SS; read as {t:g} s as the official loader does", False)
    return t


def _sb_question(q: dict, where: str, video: str, seg: dict, idx: tuple[int, int, int], out: Questions) -> Question:
    task = _need(q, "task_type", where, str)
    text = _need(q, "question", where, str)
    t = _sb_time(q, "time_stamp", where, out)
    ability = q.get("required_ability") or ""
    qid = ".".join(map(str, idx))
    extra = {"entry": idx[0], "time_stamp": q["time_stamp"], **{k: q[k] for k in ("audio_path", "time") if k in q}}
    if "time" in seg:
        extra.setdefault("time", seg["time"])
    if "ground_truth_output" in q or task.lower().startswith("proactive"):
        gt_t = _sb_time(q, "ground_truth_time_stamp", where, out)
        gt_out = str(_need(q, "ground_truth_output", where, (str, int, float)))
        return Question(qid, "streamingbench", video, task, text, t, (), gt_out, ability, "proactive", gt_t, extra)
    options = _sb_options(_need(q, "options", where, list), where, out)
    answer = str(_need(q, "answer", where, str)).strip().upper()
    if answer not in LETTERS[: len(options)]:
        raise VStreamError(f"{where}: field 'answer' {answer!r} is not one of the option letters shown ({LETTERS[:len(options)]})")
    return Question(qid, "streamingbench", video, task, text, t, options, answer, ability, "mc", None, extra)


def _sb_options(options: list, where: str, out: Questions) -> tuple[str, ...]:
    if len(options) < 2 or not all(isinstance(o, str) for o in options):
        raise VStreamError(f"{where}: field 'options' should be at least 2 strings")
    if len(options) != 4:  # their prompt has four slots: extra entries are dropped, fewer would crash it
        out.note(where, f"options has {len(options)} entries; the official prompt shows the first 4", False)
    return sb_display_options(options)


# ---- OVO-Bench -----------------------------------------------------------------------------------
OVO_BACKWARD = {"EPM", "ASI", "HLD"}
OVO_REALTIME = {"STU", "OJR", "ATR", "ACR", "OCR", "FPD"}
OVO_FORWARD = {"REC", "SSR", "CRR"}


def load_ovobench(path: str | Path) -> tuple[Questions, int]:
    """(questions and probes, number of records)."""
    data = _read(path)
    if not isinstance(data, list):
        raise VStreamError(f"{path}: expected a JSON list of records")
    out = Questions(records=len(data))
    for i, rec in enumerate(data):
        where = f"{Path(path).name} record {i} (id {rec.get('id', '?') if isinstance(rec, dict) else '?'})"
        try:
            out.extend(_ovo_record(rec, where, i))
        except VStreamError as e:
            out.note(where, str(e).removeprefix(f"{where}: "), True)
    return _usable(out, path), len(data)


def _ovo_record(rec: dict, where: str, i: int) -> list[Question]:
    task = _need(rec, "task", where, str)
    video = _need(rec, "video", where, str)
    rid = str(rec.get("id", i))
    if task in OVO_FORWARD:
        return _ovo_forward(rec, where, task, video, rid)
    if task not in OVO_BACKWARD | OVO_REALTIME:
        raise VStreamError(f"{where}: field 'task' {task!r} is not an OVO-Bench task")
    options = _need(rec, "options", where, list)
    gt = _need(rec, "gt", where, int)
    if not 0 <= gt < len(options) <= len(LETTERS):
        raise VStreamError(f"{where}: field 'gt' {gt} is out of range for {len(options)} options")
    t = float(_need(rec, "realtime", where, (int, float)))
    opts = tuple(f"{LETTERS[n]}. {o}" for n, o in enumerate(options))
    group = "backward" if task in OVO_BACKWARD else "realtime"
    extra = {"record_id": rec.get("id", i), "raw_options": list(options)}
    return [Question(rid, "ovobench", video, task, _need(rec, "question", where, str), t, opts, LETTERS[gt], group, "mc", None, extra)]


def _ovo_forward(rec: dict, where: str, task: str, video: str, rid: str) -> list[Question]:
    """One probe per test_info entry; extra keeps what the official prompt needs (activity, step,
    question) and where the response goes back (record_id, probe)."""
    probes = []
    for k, info in enumerate(_need(rec, "test_info", where, list)):
        w = f"{where} test_info {k}"
        t = float(_need(info, "realtime", w, (int, float)))
        extra = {"record_id": rec.get("id", rid), "probe": k}
        if task == "REC":
            activity = _need(rec, "activity", where, str)
            q = (f"How many times have people performed the action '{activity}' so far? "
                 "Answer with a single number.")
            answer, kind, extra["activity"] = str(_need(info, "count", w, int)), "count", activity
        elif task == "SSR":
            extra["step"] = _need(info, "step", w, str)
            q = f"Is the person now performing this step: {extra['step']}? Answer yes or no."
            answer, kind = "yes" if _need(info, "type", w, int) else "no", "yesno"
        else:  # CRR
            extra["crr_question"] = _need(rec, "question", where, str)
            q = f"{extra['crr_question']} Can this question be answered now? Answer yes or no."
            answer, kind = "yes" if _need(info, "type", w, int) else "no", "yesno"
        probes.append(Question(f"{rid}.{k}", "ovobench", video, task, q, t, (), answer, "forward", kind, None, extra))
    return probes


def summary(questions: list[Question], records: int | None = None) -> dict:
    """The dry-run numbers: videos, questions (OVO: plus records and forward probes), and the
    records the loader skipped or kept with a caveat."""
    out = {"videos": len({q.video for q in questions}), "questions": len(questions),
           "by_task": dict(sorted(Counter(q.task for q in questions).items()))}
    if records is not None:
        out["records"] = records
        out["probes"] = sum(1 for q in questions if q.category == "forward")
        out["questions"] = len(questions) - out["probes"]
    issues = getattr(questions, "issues", [])
    out["skipped"] = sum(1 for x in issues if x.skipped)
    out["warnings"] = sum(1 for x in issues if not x.skipped)
    out["issues"] = [str(x) for x in issues[:50]]  # the first 50; each is also logged
    return out
