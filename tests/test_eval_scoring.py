"""Scorers on hand-made responses, and the loaders on the real annotation samples."""

from __future__ import annotations

import json

import pytest

from eval.loaders import load_ovobench, load_streamingbench, summary
from eval.scoring import extract_letter, score_count, score_mc, score_proactive, score_yesno
from tests.conftest import REPO, run_cli
from vstream.errors import VStreamError

SHARED = REPO.parent / "shared" / "benchmarks"
VENDORED = REPO / "tests" / "data" / "benchmarks"
# the shared folder when present (a fresh clone has none), else the copies kept with the tests
SAMPLES = SHARED if SHARED.is_dir() else VENDORED
OVO_FILES = [p for p in (SHARED / "ovobench.ovo_bench_new.sample.json", VENDORED / "ovobench.format.json") if p.exists()]


@pytest.mark.parametrize("response,letter", [
    ("The answer is B.", "B"), ("B", "B"), ("b", "B"), ("(C)", "C"), ("C. There are four rows of cards", "C"),
    ("Best answer: D", "D"), ("A or B", "A"), ("I think it is B, not A", "B"),
    ("there is no letter in this response at all, none whatsoever here", ""), ("", ""),
    ("Answer: a", ""),  # a lower-case letter inside a sentence is a word, not an option
])
def test_extract_letter(response, letter):
    assert extract_letter(response) == letter


def test_score_mc_and_counts_and_yesno():
    assert score_mc("The answer is B.", "B") and not score_mc("no idea", "B")
    assert score_count("They did it 3 times.", "3") and score_count("three", "3") and not score_count("none", "3")
    assert score_yesno("Yes, they are.", "yes") and not score_yesno("No.", "yes") and not score_yesno("maybe", "no")
    assert score_proactive(29.5, 'output "3"', 29.0, "3") and not score_proactive(32.0, "3", 29.0, "3")
    assert not score_proactive(None, "", 29.0, "3") and not score_proactive(29.0, "4", 29.0, "3")


@pytest.mark.parametrize("name,videos,questions,tasks", [
    ("real", 1, 3, {"Clips Summarize": 3}),
    ("omni", 1, 2, {"Misleading Context Understanding": 2}),
    ("sqa", 1, 2, {"Sequential Question Answering": 2}),
    ("proactive", 1, 2, {"Proactive Output": 2}),
    ("real_stream", 1, 2, {"Attribute Recognition": 1, "Object Recognition": 1}),
])
def test_streamingbench_dry_run_on_samples(name, videos, questions, tasks):
    proc, _ = run_cli("eval", "streamingbench", "--questions", str(SAMPLES / f"streamingbench.questions_{name}.sample.json"), "--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["videos"], out["questions"], out["by_task"]) == (videos, questions, tasks)


def test_streamingbench_fields_parsed_exactly():
    qs = load_streamingbench(SAMPLES / "streamingbench.questions_real.sample.json")
    assert qs[0].time_s == 31 and qs[1].time_s == 206 and qs[2].time_s == 403 and [q.answer for q in qs] == ["C", "A", "B"]
    sqa = load_streamingbench(SAMPLES / "streamingbench.questions_sqa.sample.json")
    assert sqa[0].options[0] == "A. Wang chuqin." and sqa[1].answer == "C"
    pro = load_streamingbench(SAMPLES / "streamingbench.questions_proactive.sample.json")
    assert pro[0].kind == "proactive" and pro[0].gt_time_s == 29 and pro[0].answer == "3" and pro[1].gt_time_s == 178
    stream = load_streamingbench(SAMPLES / "streamingbench.questions_real_stream.sample.json")
    assert stream[1].extra["audio_path"].endswith("00_02_37.wav") and stream[1].time_s == 157


@pytest.mark.parametrize("path", OVO_FILES, ids=[p.name for p in OVO_FILES])
def test_ovobench_dry_run_expands_probes(path):
    proc, _ = run_cli("eval", "ovobench", "--annotations", str(path), "--dry-run", "--json")
    out = json.loads(proc.stdout)
    assert out["records"] == 12 and out["questions"] == 9 and out["probes"] == 20 and out["videos"] == 10
    assert out["by_task"]["SSR"] == 12 and out["by_task"]["REC"] == 3 and out["by_task"]["CRR"] == 5
    qs, _ = load_ovobench(path)
    epm = qs[0]
    assert (epm.task, epm.time_s, epm.answer, epm.category) == ("EPM", 215.0, "C", "backward")
    rec = [q for q in qs if q.task == "REC"]
    assert [(q.time_s, q.answer, q.kind) for q in rec] == [(17.0, "1", "count"), (19.0, "1", "count"), (32.0, "1", "count")]
    crr = [q.answer for q in qs if q.task == "CRR"]
    assert crr == ["no", "no", "yes", "yes", "yes"]


GOOD = {"task_type": "X", "question": "q", "time_stamp": "00:00:01", "options": ["A. a", "B. b", "C. c", "D. d"], "answer": "A"}


@pytest.mark.parametrize("record,needle", [
    ({"video_path": "v.mp4", "questions": [GOOD, {**GOOD, "time_stamp": "1:2a"}]}, "record 0 question 1: time_stamp '1:2a' is not a time"),
    ({"video_path": "v.mp4", "questions": [GOOD, {**GOOD, "answer": "E"}]}, "record 0 question 1: field 'answer' 'E' is not one of the option letters"),
    ({"video_path": "v.mp4", "questions": [GOOD, {**GOOD, "options": ["A. a"]}]}, "record 0 question 1: field 'options' should be at least 2 strings"),
])
def test_bad_streamingbench_record_is_skipped_with_a_warning(tmp_path, record, needle):
    """One bad question never fails the file: it is skipped, named (record, question, field) in a
    logged warning and counted in the dry-run; the good question beside it is kept."""
    p = tmp_path / "q.json"
    p.write_text(json.dumps([record, {"questions": []}]))
    qs = load_streamingbench(p)
    assert [q.qid for q in qs] == ["0.0.0"]
    assert str(qs.issues[0]).startswith(f"q.json {needle}") and str(qs.issues[0]).endswith(" — skipped")
    assert str(qs.issues[1]) == "q.json record 1: missing field 'video_path' — skipped" and len(qs.issues) == 2
    proc, _ = run_cli("eval", "streamingbench", "--questions", str(p), "--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["questions"], out["skipped"], out["warnings"]) == (1, 2, 0)
    assert needle in proc.stderr and needle in out["issues"][0]


def test_file_with_no_usable_record_is_one_error(tmp_path):
    p = tmp_path / "q.json"
    p.write_text(json.dumps([{"video_path": "v.mp4", "questions": [{**GOOD, "time_stamp": "x"}]}]))
    with pytest.raises(VStreamError, match=r"q.json: no usable question in 1 records \(first problem: q.json record 0 question 0: time_stamp 'x'"):
        load_streamingbench(p)
    proc, _ = run_cli("eval", "streamingbench", "--questions", str(p), "--dry-run")
    assert proc.returncode == 2 and "no usable question" in proc.stderr


def test_odd_timestamps_read_as_the_official_loader_does():
    """questions_real.json (MIT excerpt): "00:12450" -> 12450 s, "00:24" -> 24, "00:00:8" -> 8;
    kept (the official eval runs them), each with a warning."""
    qs = load_streamingbench(VENDORED / "streamingbench.questions_real.odd_timestamps.json")
    assert [(q.qid, q.time_s) for q in qs] == [("0.0.0", 740.0), ("0.0.1", 12450.0), ("1.0.0", 24.0), ("2.0.0", 8.0)]
    assert [x.skipped for x in qs.issues] == [False] * 3 and "'00:12450' is not H:MM:SS; read as 12450 s" in qs.issues[0].message
    proc, _ = run_cli("eval", "streamingbench", "--questions", str(VENDORED / "streamingbench.questions_real.odd_timestamps.json"), "--dry-run", "--json")
    out = json.loads(proc.stdout)
    assert (out["videos"], out["questions"], out["skipped"], out["warnings"]) == (3, 4, 0, 3)


def test_omni_record_with_six_option_strings_shows_the_first_four():
    qs = load_streamingbench(VENDORED / "streamingbench.questions_omni.odd_options.json")
    assert len(qs) == 1 and len(qs[0].options) == 4 and qs[0].options[3].startswith("D. ") and qs[0].answer == "B"
    assert qs.issues[0].message == "options has 6 entries; the official prompt shows the first 4"


def test_bad_ovobench_record_is_skipped(tmp_path):
    p = tmp_path / "o.json"
    good = {"id": 6, "task": "EPM", "video": "v.mp4", "realtime": 3, "question": "q", "options": ["a", "b"], "gt": 1}
    p.write_text(json.dumps([good, {**good, "id": 7, "gt": 5}]))
    qs, records = load_ovobench(p)
    assert [q.qid for q in qs] == ["6"] and records == 2
    assert str(qs.issues[0]) == "o.json record 1 (id 7): field 'gt' 5 is out of range for 2 options — skipped"
    p.write_text(json.dumps([{**good, "gt": 5}]))
    with pytest.raises(VStreamError, match=r"no usable question in 1 records"):
        load_ovobench(p)


def test_summary_counts_probes_separately():
    from eval.loaders import Question

    qs = [Question("1", "ovobench", "v", "EPM", "q", 1.0, ("A. a",), "A", "backward"),
          Question("2.0", "ovobench", "v", "REC", "q", 2.0, (), "1", "forward", "count")]
    assert summary(qs, 2) == {"videos": 1, "questions": 1, "by_task": {"EPM": 1, "REC": 1}, "records": 2, "probes": 1,
                              "skipped": 0, "warnings": 0, "issues": []}
