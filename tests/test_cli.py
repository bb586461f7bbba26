"""CLI surface: entry points, probe JSON fields, the ingest benchmark's JSON."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO, cli_json

PROBE_FIELDS = {"source", "kind", "width", "height", "fps", "frames_decoded", "frames_sampled",
                "frames_dropped", "first_frame_s", "lag_p95_s", "reconnects"}


def test_probe_json_has_the_documented_fields(clip10):
    out = cli_json("probe", str(clip10), "--speed", "max", "--json")
    assert PROBE_FIELDS <= set(out)
    assert (out["width"], out["height"], out["fps"]) == (320, 240, 10.0)
    assert (out["frames_decoded"], out["frames_sampled"], out["frames_dropped"], out["reconnects"]) == (50, 10, 0, 0)


def test_console_script_and_module_agree():
    exe = REPO / ".venv" / "bin" / "vstream"
    a = subprocess.run([sys.executable, "-m", "vstream", "--help"], capture_output=True, text=True)
    assert a.returncode == 0 and "probe" in a.stdout
    if exe.exists():
        b = subprocess.run([str(exe), "--help"], capture_output=True, text=True)
        assert b.stdout == a.stdout


def test_bench_ingest_prints_ratio_json(clip25):
    out = cli_json("bench", "ingest", "--file", str(clip25), "--repeats", "1")
    assert out["bench"] == "ingest" and out["frames_decoded"] == out["frames_decoded_bare"] == 100
    assert out["frames_sampled"] == 8
    assert out["throughput_ratio"] > 0 and out["target_ratio"] == 0.9


def test_demo_runs_on_bundled_sample():
    """Quick start command 1's job: the assistant on samples/sample.mp4 (4 cuts: 1.2, 3.0, 5.5, 7.5 s)."""
    out = cli_json("demo", "--json")
    assert out["stats"]["frames_decoded"] == 250 and out["stats"]["frames_encoded"] == 20
    count = out["answers"][0]
    assert count["question"] == "how many scene changes so far?" and count["answer"].startswith("4 scene changes")
    assert [round(c["t_start"]) for c in count["citations"]] == [2, 4, 6, 8]  # first sampled frames after the cuts
    assert all(a["ttft_s"] < 1.0 for a in out["answers"])
    dog = out["answers"][-1]  # the sample (street scenes) has no dog: an honest "not seen", nothing cited
    assert dog["question"] == "is there a dog?" and "haven't seen" in dog["answer"] and not dog["citations"]
