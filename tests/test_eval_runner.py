"""The synthetic suite end to end on the lite backend: exact ground truth, every method in one
run and report, resumable results, the 60 s context option."""

from __future__ import annotations

import json

import pytest

from eval.loaders import load_streamingbench
from eval.runner import RunConfig, run_benchmark
from tests.conftest import cli_json


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    report = cli_json("eval", "synth", "--out", str(out), "--json", timeout=900)
    return out, report


def test_synth_suite_runs_end_to_end(suite):
    out, summary = suite
    assert summary["videos"] == 3 and summary["questions"] == 42
    methods = summary["report"]["methods"]
    assert set(methods) == {"ours", "last4", "uniform8"}
    ours = methods["ours"]
    assert ours["n"] == 42 and ours["by_task"]["Scene Counting"]["accuracy"] == 1.0
    assert ours["by_task"]["Text Recall"]["accuracy"] == 1.0 and ours["by_task"]["Text Recognition"]["accuracy"] >= 0.9
    assert ours["by_task"]["Proactive Output"]["accuracy"] == 1.0
    # memory is what answers questions about the past: the baselines cannot
    assert methods["last4"]["by_task"]["Text Recall"]["accuracy"] <= 0.5
    assert ours["accuracy"] > methods["last4"]["accuracy"] and ours["accuracy"] > methods["uniform8"]["accuracy"]
    assert ours["ttft_p50_s"] < 1.0 and ours["memory_bytes_max"] > 0
    md = (out / "results" / "report.md").read_text()
    assert "| Text Recall |" in md and "| **all** |" in md
    truth = json.loads((out / "truth.json").read_text())
    assert len(truth) == 3 and all(len(v["cuts"]) >= 1 and v["texts"] for v in truth)


def test_results_carry_citations_near_truth(suite):
    out, _ = suite
    truth = {f"./videos/{v['video']}.mp4": v for v in json.loads((out / "truth.json").read_text())}
    rows = [json.loads(line) for line in (out / "results" / "results.jsonl").read_text().splitlines()]
    recall = [r for r in rows if r["method"] == "ours" and r["task"] == "Text Recall"]
    for r in recall:
        spans = [(a, b) for w, a, b in truth[r["video"]]["texts"] if r["response"].endswith(w)]
        assert spans and any(abs(c["t_start"] - spans[0][0]) <= 1.0 for c in r["citations"])


def test_rerun_resumes_and_adds_nothing(suite, tmp_path):
    out, _ = suite
    results = out / "results" / "results.jsonl"
    lines = results.read_text().splitlines()
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "results.jsonl").write_text("\n".join(lines[: len(lines) // 2]) + "\n")  # interrupted halfway
    qs = load_streamingbench(out / "questions.json")
    report = run_benchmark(qs, RunConfig(videos=out / "videos", out=partial, progress=False))
    rows = [json.loads(line) for line in (partial / "results.jsonl").read_text().splitlines()]
    assert len(rows) == len(lines) and len({(r["qid"], r["method"]) for r in rows}) == len(rows)
    assert report["methods"]["ours"]["n"] == 42
    again = run_benchmark(qs, RunConfig(videos=out / "videos", out=partial, progress=False))
    assert len((partial / "results.jsonl").read_text().splitlines()) == len(rows) and again == report


def test_short_context_window_forgets(suite, tmp_path):
    out, _ = suite
    qs = [q for q in load_streamingbench(out / "questions.json") if q.task == "Text Recall"][:3]
    report = run_benchmark(qs, RunConfig(videos=out / "videos", out=tmp_path / "w", methods=("ours",), context_s=5.0, progress=False))
    assert report["context"] == "last 5 s" and report["methods"]["ours"]["accuracy"] < 1.0
