"""The streaming runner on the lite backend, against ground truth we generate: the hold-back (no
frame past the question time is ever encoded, on container time), the official protocol details
(OVO clip end, SQA context in the prompt, proactive polling that never reads the answer), fair
baselines (own OCR only, own memory/throughput/TTFT), counts never read from time stamps, and
the synthetic suite end to end (tiny size: two 30 s videos)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from eval import official
from eval import runner as runner_mod
from eval.loaders import Question, load_streamingbench
from eval.runner import ProactiveTracker, RunConfig, _response, run_benchmark, stated_count
from eval.synth import build_suite
from eval.synthvideo import numbered_frame, read_barcode
from eval.views import FrameLog, WindowedView
from vstream.answer.answerers import VLMAnswerer
from vstream.answer.context import Context
from vstream.config import SensesConfig
from vstream.encoders.base import Encoder
from vstream.senses.objects import ObjectsConfig

QUIET = SensesConfig(objects=ObjectsConfig(detector="none"), asr=False)  # only what these tests look at
FPS = 10


class Spy:
    """Records every frame the encoder is given and, at each answer, the latest one so far."""

    def __init__(self, mp: pytest.MonkeyPatch, content_time=None):
        self.encoded: list[float] = []
        self.pairs: list[tuple[float, float]] = []  # (Frame.ts, content time)
        self.at_answer: list[tuple[float, float, str]] = []  # (question time, latest content seen, method)
        self.ocr: list[float] = []
        self.encoder = 0
        encode, answer, maybe_ocr = Encoder.encode, runner_mod._answer, Encoder._maybe_ocr
        spy = self

        def spy_encode(enc, frames):
            if id(enc) != spy.encoder:  # a new video (a new assistant): its own clock
                spy.encoder, spy.encoded = id(enc), []
            spy.encoded += [content_time(f) if content_time else f.ts for f in frames]
            spy.pairs += [(f.ts, spy.encoded[-len(frames) + k]) for k, f in enumerate(frames)]
            return encode(enc, frames)

        def spy_answer(run, q, method, ctx=""):
            spy.at_answer.append((runner_mod.question_time(q), max(spy.encoded, default=0.0), method))
            return answer(run, q, method, ctx)

        def spy_ocr(enc, frame, kept_ratio, scene_change):
            out = maybe_ocr(enc, frame, kept_ratio, scene_change)
            if out[2]:
                spy.ocr.append(round(frame.ts, 3))
            return out

        mp.setattr(Encoder, "encode", spy_encode)
        mp.setattr(runner_mod, "_answer", spy_answer)
        mp.setattr(Encoder, "_maybe_ocr", spy_ocr)


# ---- the synthetic suite ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    built = build_suite(out, "tiny", kinds=("signs",))
    qs = load_streamingbench(out / "questions.json")
    with pytest.MonkeyPatch.context() as mp:
        spy = Spy(mp)
        report = run_benchmark(qs, RunConfig(videos=out / "videos", out=out / "results", progress=False, senses=QUIET))
    return out, built, report, spy


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_synth_suite_runs_end_to_end(suite):
    out, built, report, _ = suite
    methods = report["methods"]
    assert set(methods) == {"ours", "last4", "uniform8"} and report["context"] == "full"
    n = methods["ours"]["n"]
    assert n == built["questions"] > 10
    ours = methods["ours"]
    assert ours["by_task"]["Text Recall"]["accuracy"] == 1.0 and ours["by_task"]["Text Recognition"]["accuracy"] >= 0.75
    assert ours["by_task"]["Scene Counting"]["accuracy"] == 1.0 and ours["by_task"]["Text Recall"]["chance"] == 0.25
    # memory is what answers questions about the past: the baselines' few frames cannot count cuts
    assert methods["last4"]["by_task"]["Scene Counting"]["accuracy"] < 1.0
    assert ours["accuracy"] > methods["last4"]["accuracy"] and ours["accuracy"] > methods["uniform8"]["accuracy"]
    for m in methods.values():  # each method's own official accuracy, forced choice, memory, throughput, TTFT
        assert m["forced_choice_accuracy"] is not None and m["memory_bytes_max"] > 0
        assert m["throughput_fps_p50"] > 0 and m["ttft_p50_s"] is not None
    assert methods["last4"]["memory_bytes_max"] < methods["uniform8"]["memory_bytes_max"]
    md = (out / "results" / "report.md").read_text()
    assert "context: full" in md and "| Text Recall | 25.0 |" in md and "| ours |" in md and "TTFT" in md


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_runner_never_encodes_past_the_question_time(suite):
    """The hold-back: at every answer the latest frame encoded is at or before the question time
    (a 2 s look-ahead in VideoRun.advance fails this)."""
    _, _, _, spy = suite
    assert len(spy.at_answer) >= 10
    assert all(seen <= t + 1e-6 for t, seen, _ in spy.at_answer), [x for x in spy.at_answer if x[1] > x[0]]
    assert any(t - seen < 1.0 for t, seen, _ in spy.at_answer)  # and it did see up to then


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_results_carry_citations_near_truth(suite):
    out, _, _, _ = suite
    truth = {f"./videos/{v['video']}.mp4": v for v in json.loads((out / "truth.json").read_text())}
    rows = [json.loads(line) for line in (out / "results" / "results.jsonl").read_text().splitlines()]
    recall = [r for r in rows if r["method"] == "ours" and r["task"] == "Text Recall"]
    cited = [r for r in recall if r["citations"]]
    assert cited  # (a paraphrase the router misses answers uncited: that is what the phrasings measure)
    for r in cited:
        spans = [(a, b) for w, a, b in truth[r["video"]]["texts"] if r["response"].endswith(w)]
        assert spans and any(abs(c["t_start"] - spans[0][0]) <= 1.0 for c in r["citations"])
    assert all(r["context"] == "full" and r["prompt"].startswith("You are an advanced") for r in rows)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_rerun_resumes_and_adds_nothing(suite, tmp_path):
    out, _, report, _ = suite
    lines = (out / "results" / "results.jsonl").read_text().splitlines()
    partial = tmp_path / "partial"
    partial.mkdir()
    first = [json.loads(x) for x in lines if json.loads(x)["video"].endswith("synth_00.mp4")]
    (partial / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in first))  # stopped after video 0
    qs = [q for q in load_streamingbench(out / "questions.json")]
    again = run_benchmark(qs, RunConfig(videos=out / "videos", out=partial, progress=False, senses=QUIET))
    rows = [json.loads(line) for line in (partial / "results.jsonl").read_text().splitlines()]
    assert len(rows) == len(lines) and len({(r["qid"], r["method"]) for r in rows}) == len(rows)
    assert again["methods"]["ours"]["n"] == report["methods"]["ours"]["n"]
    third = run_benchmark(qs, RunConfig(videos=out / "videos", out=partial, progress=False, senses=QUIET))
    assert len((partial / "results.jsonl").read_text().splitlines()) == len(rows) and third == again


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_short_context_window_forgets(suite, tmp_path):
    out, _, _, _ = suite
    _, _, full, _ = suite
    qs = [q for q in load_streamingbench(out / "questions.json") if q.task == "Scene Counting"]
    report = run_benchmark(qs, RunConfig(videos=out / "videos", out=tmp_path / "w", methods=("ours",), context_s=5.0,
                                         progress=False, senses=QUIET))
    assert full["methods"]["ours"]["by_task"]["Scene Counting"]["accuracy"] == 1.0
    assert report["context"] == "last 5 s" and report["methods"]["ours"]["accuracy"] < 1.0  # cuts before the window are gone
    assert "context: last 5 s" in (tmp_path / "w" / "report.md").read_text()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_proactive_question_does_not_change_later_answers(suite, tmp_path):
    """A proactive TEXT watch tightens the assistant's OCR; in the runner the OCR schedule and the
    answers to later questions are the same with and without it."""
    out, _, _, _ = suite
    qs = [q for q in load_streamingbench(out / "questions.json") if q.video.endswith("synth_00.mp4")]
    pro = [q for q in qs if q.kind == "proactive"]
    if not pro:
        pro = [Question("p", "streamingbench", qs[0].video, "Proactive Output", "When the text 'EXIT' appears on screen, "
                        "output \"EXIT\".", 2.0, answer="EXIT", kind="proactive", gt_time_s=20.0)]
    rest = [q for q in qs if q.kind != "proactive" and q.time_s > pro[0].time_s]
    runs = {}
    for name, chosen in (("with", pro[:1] + rest), ("without", rest)):
        with pytest.MonkeyPatch.context() as mp:
            spy = Spy(mp)
            run_benchmark(chosen, RunConfig(videos=out / "videos", out=tmp_path / name, methods=("ours",), progress=False,
                                            senses=QUIET))
        rows = [json.loads(x) for x in (tmp_path / name / "results.jsonl").read_text().splitlines()]
        end = max(q.time_s for q in rest)
        runs[name] = ({r["qid"]: r["answer_text"] for r in rows if r["kind"] != "proactive"}, [t for t in spy.ocr if t <= end])
    assert runs["with"][0] == runs["without"][0] and runs["with"][1] == runs["without"][1]


# ---- container time, OVO clip end, SQA context -------------------------------------------------------
def late_clip(path: Path, duration: float = 8.0, video_start: float = 2.0) -> Path:
    """Audio (silence) from container 0 s, video from `video_start`: frame k of the video carries
    barcode = its container frame number, so content time = barcode / FPS."""
    import av

    from tests.speechclips import AUDIO_RATE, _audio_packets

    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "tune": "zerolatency"})
        vs.width, vs.height, vs.pix_fmt = 320, 240, "yuv420p"
        vs.time_base = Fraction(1, FPS)
        aus = out.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
        packets = []
        for n in range(int(video_start * FPS), int(duration * FPS)):
            frame = av.VideoFrame.from_ndarray(numbered_frame(n, (320, 240)), format="rgb24")
            frame.pts, frame.time_base = n, vs.time_base
            packets += vs.encode(frame)
        packets += list(vs.encode(None)) + _audio_packets(aus, np.zeros(int(duration * AUDIO_RATE), np.float32), False)
        packets.sort(key=lambda p: float(p.dts * p.time_base) if p.dts is not None else 0.0)
        for p in packets:
            out.mux(p)
    return path


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_late_video_start_is_on_container_time(tmp_path):
    """Video starting 2 s into the container: a question at t=3 has seen content up to container
    3.0 s at most (counting from the first frame it would have seen 5.0 s); OVO asks at
    ceil(realtime); SQA's prompt holds the earlier question and its answer."""
    late_clip(tmp_path / "late.mp4")
    v = "late.mp4"
    opts = ("A. 1", "B. 2", "C. 3", "D. 4")
    qs = [Question("sb", "streamingbench", v, "Counting", "How many scene changes so far?", 3.0, opts, "A"),
          Question("ovo", "ovobench", v, "OCR", "What number is shown?", 4.2, opts, "A"),
          Question("s1", "streamingbench", v, "Sequential Question Answering", "What is shown first?", 5.0, opts, "C",
                   extra={"time_stamp": "00:00:05", "entry": 0}),
          Question("s2", "streamingbench", v, "Sequential Question Answering", "And next?", 6.0, opts, "B",
                   extra={"time_stamp": "00:00:06", "entry": 0})]
    with pytest.MonkeyPatch.context() as mp:
        spy = Spy(mp, content_time=lambda f: read_barcode(f.image) / FPS)
        run_benchmark(qs, RunConfig(videos=tmp_path, out=tmp_path / "r", methods=("ours", "last4"), progress=False, senses=QUIET))
    assert spy.pairs[0][0] == pytest.approx(2.0) and all(abs(a - b) < 1e-6 for a, b in spy.pairs)  # Frame.ts = container time
    asked = {round(t, 2) for t, _, _ in spy.at_answer}
    assert asked == {3.0, 5.0, 6.0}  # OVO's 4.2 s is asked at ceil(4.2) = 5 s
    assert all(seen <= t + 1e-6 for t, seen, _ in spy.at_answer), spy.at_answer
    assert any(seen == pytest.approx(3.0) for t, seen, _ in spy.at_answer if t == 3.0)
    rows = {(r["qid"], r["method"]): r for r in map(json.loads, (tmp_path / "r" / "results.jsonl").read_text().splitlines())}
    assert rows[("ovo", "ours")]["asked_at_s"] == 5.0
    ctx = official.streamingbench_sqa_contexts(qs)
    assert rows[("s2", "ours")]["prompt"] == official.streamingbench_prompt(qs[3], ctx["s2"])
    assert "Question: What is shown first?" in rows[("s2", "ours")]["prompt"] and "Answer: C" in rows[("s2", "ours")]["prompt"]


# ---- units: counts, baselines' own text, proactive without the answer, windowed KV blocks -----------
def test_count_is_never_read_from_a_time():
    assert stated_count("Now (01:23.5) I count 3 people in view.") == 3
    assert stated_count("I have seen 2 different people so far (first at 00:05.0).") == 2
    assert stated_count("0 scene changes so far (up to 01:00.0): I haven't seen any.") == 0
    assert stated_count("At 01:23.5 the screen was empty for 12 s.") is None
    rec = Question("r", "ovobench", "v", "REC", "How many times did they jump?", 90.0, answer="3", kind="count",
                   extra={"activity": "jump"})
    response, choice = _response(rec, "Now (01:23.5) I count 3 jumps.", None)
    assert (response, choice) == ("3", "3") and official.correct(rec, response)
    assert not official.correct(rec, "Now (01:23.5) I count 3 jumps.")  # the raw text would score 01235


def _enc(ts: float, text: str, ran: bool):
    return SimpleNamespace(frame_ts=ts, text=text, ocr_ran=ran, tokens=torch.zeros(4, 8), embedding=np.zeros(16, np.float32),
                           labels=(), scene_change=False)


def test_baseline_frames_keep_only_their_own_ocr():
    log = FrameLog(0.5)
    log.add(_enc(0.0, "EXIT", True))
    log.add(_enc(0.5, "", False))  # OCR did not run here: ours' tracker still "sees" EXIT, a baseline does not
    log.add(_enc(1.0, "OPEN", True))
    assert [r.ocr for r in log.records] == ["EXIT", "", "OPEN"]
    assert log.records[1].nbytes == 4 * 8 * 4 + 16 * 4 and log.records[0].nbytes == log.records[1].nbytes + 4


def test_proactive_output_never_reads_the_answer():
    q = Question("p", "streamingbench", "v", "Proactive Output", "When the text 'EXIT' appears on screen, output \"EXIT\".",
                 10.0, answer="EXIT", kind="proactive", gt_time_s=20.0)
    tracker = ProactiveTracker(SimpleNamespace(), [q], ("ours", "last4"))
    tracker.fired[("p", "ours")] = (19, "EXIT")
    r = tracker.result(q, "ours")
    assert (r["fired_at"], r["response"], r["correct"], r["polls"]) == (19, "EXIT", True, 9)
    assert "EXIT\"?" not in r["poll_prompt"]  # the blind poll wording: the target is not quoted
    blind = tracker.result(q.__class__(**{**q.__dict__, "answer": "QQQ"}), "ours")
    assert blind["response"] == "EXIT" and not blind["correct"]  # same output whatever the answer is
    silent = tracker.result(q, "last4")
    assert silent["fired_at"] is None and silent["response"] == "No" and not silent["correct"]
    assert silent["polls"] == len(official.proactive_poll_times(q))


def test_vlm_recent_blocks_come_only_from_the_window():
    """VLMAnswerer.blocks reads ctx.view.entries(): over a 60 s WindowedView at t=100 every KV
    block it takes starts inside [40, 100]."""

    class Mem:
        embedder = evidence_index = visual_index = None

        def entries(self):
            return [SimpleNamespace(id=i + 1, t_start=float(i), t_end=i + 1.0) for i in range(100)]

        def payload(self, e):
            return e

    class Answerer(VLMAnswerer):
        def _kv(self, view, entry):
            return SimpleNamespace(t_start=entry.t_start, t_end=entry.t_end)

    def ctx(view):
        q = SimpleNamespace(question="what now?", now=100.0)
        return Context(q, SimpleNamespace(used=[]), view, SimpleNamespace(search=lambda *a, **k: ([], None)))

    a = Answerer(vlm=None)
    windowed = a.blocks(ctx(WindowedView(Mem(), 60.0, 100.0)), min_recent=1000)
    full = a.blocks(ctx(Mem()), min_recent=1000)
    assert windowed and min(b.t_start for b in windowed) >= 40.0 and min(b.t_start for b in full) < 40.0
