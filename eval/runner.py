"""The streaming runner: each video goes through the real pipeline only up to each question's
time (the model never sees a later frame); the question is asked then; every method — ours and
the baselines — answers at the same moment from the same stream; results are appended to a
JSONL file as they come (resumable), then summarised per task and category in JSON and Markdown.

Methods:
  ours      the hierarchical memory + retrieval + answerer (what users get)
  last4     SimpleStream's baseline: only the last 4 sampled frames, no memory at all
  uniform8  8 frames sampled uniformly over the history (the offline-VideoLLM protocol)
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from eval import official
from eval.loaders import Question
from eval.scoring import score, score_forced, score_proactive
from eval.views import FrameLog, FramesView, WindowedView
from vstream.answer.answerers import TemplateAnswerer, VLMAnswerer
from vstream.answer.compose import option_text
from vstream.answer.engine import AnswerEngine, citations
from vstream.assistant import Assistant
from vstream.config import Config, EncoderConfig, MemoryConfig, SourceConfig
from vstream.errors import VStreamError
from vstream.watches import parse_watch, text_matches

METHODS = ("ours", "last4", "uniform8")


@dataclass
class RunConfig:
    videos: Path
    out: Path
    methods: tuple[str, ...] = METHODS
    context_s: float | None = None  # None: full history; 60: the leaderboard setting
    fps: float = 2.0
    memory_mb: float = 64.0
    limit: int | None = None
    progress: bool = True
    encoder: EncoderConfig = field(default_factory=EncoderConfig)


def resolve_video(videos: Path, rel: str) -> Path:
    for cand in (videos / rel, videos / Path(rel).name, videos / rel.removeprefix("./videos/")):
        if cand.is_file():
            return cand
    raise VStreamError(f"video {rel} not found under {videos} — pass --videos DIR (the folder holding the benchmark's videos)")


class VideoRun:
    """One video through the assistant in step mode, paused at each question time."""

    def __init__(self, path: Path, cfg: RunConfig, session: Path):
        conf = Config(source=SourceConfig(source=str(path), speed="max", fps=cfg.fps), encoder=cfg.encoder,
                      memory=MemoryConfig(budget_mb=cfg.memory_mb))
        self.cfg = cfg
        self.assistant = Assistant(conf, session=session)
        self.assistant.open()
        self.log = FrameLog(1.0 / cfg.fps)
        self.assistant.add_sink(lambda frame, enc: self.log.add(enc, self.assistant.visible_text))
        self.memory = self.assistant.memory
        self.ours = AnswerEngine(self.memory, self.assistant.answerer)
        self.template = TemplateAnswerer()
        self.now = 0.0
        self.t_wall = 0.0

    def advance(self, t: float, on_second=None) -> None:
        """Feed frames with ts <= t (a frame past t is held back, unseen), one stream second at a
        time so the proactive protocol can poll every second."""
        t0 = time.monotonic()
        sec = math.floor(self.now) + 1
        while sec <= t:
            self.now = max(self.now, self.assistant.step_until(sec))
            if on_second is not None:
                on_second(sec)
            sec += 1
        self.now = max(self.now, self.assistant.step_until(t))
        self.t_wall += time.monotonic() - t0

    def engine(self, method: str, now: float) -> AnswerEngine:
        if method == "ours":
            if self.cfg.context_s is None:
                return self.ours
            return AnswerEngine(WindowedView(self.memory, self.cfg.context_s, now), self.assistant.answerer)
        since = 0.0 if self.cfg.context_s is None else now - self.cfg.context_s
        frames = self.log.last(4, now) if method == "last4" else self.log.uniform(8, now, since)
        return AnswerEngine(FramesView(frames, self.memory.embedder), self.template)

    def close(self) -> None:
        self.assistant.stop()


def _answer(run: VideoRun, q: Question, method: str) -> dict:
    """The method's free-form response to the question (with its options), scored by the official
    rule; the option it picked is scored as forced choice beside it."""
    t0 = time.monotonic()
    engine = run.engine(method, q.time_s)
    options = list(q.options) if q.kind == "mc" else []
    ctx = engine.context(q.question, q.time_s, options)
    ans = engine.answer(q.question, now=q.time_s, options=options)
    picked = ctx.composed.choice
    if isinstance(engine.answerer, VLMAnswerer) and q.kind in ("mc", "yesno"):
        picked, ans = _vlm_choice(engine.answerer, ctx, q), dataclasses.replace(ans, citations=citations(ctx))
    response, choice = _response(q, ans.text, picked)
    return {"prompt": official.prompt(q), "response": response, "answer_text": ans.text, "choice": choice,
            "correct": score(q, response), "correct_forced": score_forced(q, choice), "ttft_s": round(ans.ttft_s, 4),
            "latency_s": round(time.monotonic() - t0, 4), "citations": [c.to_json() for c in ans.citations]}


def _vlm_choice(answerer: VLMAnswerer, ctx, q: Question) -> int:
    """hf: the VLM picks the option letter (or yes/no) by next-token logits over its KV blocks."""
    if q.kind == "mc":
        return answerer.choose(ctx, [o.strip()[0] for o in q.options], "Answer with the option's letter from the given choices directly.")
    return answerer.choose(ctx, ["yes", "no"], "Answer yes or no.")


def _response(q: Question, text: str, choice: int | None) -> tuple[str, str | None]:
    """(raw response as the official scorer reads it, the forced choice)."""
    if q.kind == "mc":
        if choice is None:
            return text, None
        letter = q.options[choice].strip()[0].upper()
        return f"{letter}. {option_text(q.options[choice])}", letter
    if q.kind == "count":
        m = re.search(r"\b(\d+)\b", text.split(" at ")[0])
        return (m.group(1), m.group(1)) if m else (text, None)
    yes = choice == 0 if choice is not None else text.lower().startswith("yes")  # answers open with Yes or No
    return ("Yes" if yes else "No"), ("yes" if yes else "no")


def _proactive_watch(q: Question):
    """The watch the assistant registers for a proactive instruction (None when it cannot tell
    what to watch for: then it never speaks). Never reads the ground-truth answer."""
    try:
        return parse_watch(q.question)
    except VStreamError:
        return None


def run_video(path: Path, qs: list[Question], cfg: RunConfig, done: set, write) -> None:
    with tempfile.TemporaryDirectory() as d:
        run = VideoRun(path, cfg, Path(d) / "session")
        try:
            _run_questions(run, qs, cfg, done, write)
        finally:
            run.close()


def _run_questions(run: VideoRun, qs: list[Question], cfg: RunConfig, done: set, write) -> None:
    proactive = {q.qid: q for q in qs if q.kind == "proactive"}
    fired: dict[tuple[str, str], tuple[float, str]] = {}
    watches: dict[int, Question] = {}

    def on_second(sec: int) -> None:  # the proactive protocol: "should I speak now?" every second
        while (e := run.assistant.should_speak(sec)) is not None:
            q = watches.get(e.payload.get("watch_id"))
            if q is not None and (q.qid, "ours") not in fired:
                fired[(q.qid, "ours")] = (float(sec), e.payload.get("match") or e.message)
        for q in proactive.values():
            w = _proactive_watch(q)
            if q.time_s > sec or w is None or not w.target:
                continue
            for m in cfg.methods:
                if m == "ours" or (q.qid, m) in fired:
                    continue
                frames = run.log.last(4, sec) if m == "last4" else run.log.uniform(8, sec)
                hits = [line for r in frames for line in r.ocr.splitlines() if text_matches(w.target, line) >= 0.8]
                if hits:
                    fired[(q.qid, m)] = (float(sec), hits[0])

    for q in sorted(qs, key=lambda q: q.time_s):
        run.advance(q.time_s, on_second)
        if q.kind == "proactive":
            w = _proactive_watch(q)
            if w is not None:
                watches[run.assistant.watch(w).id] = q
            continue
        for m in cfg.methods:
            if (q.qid, m) in done:
                continue
            rec = _answer(run, q, m)
            write(_row(q, m, rec, run))
    if proactive:
        run.advance(max(q.gt_time_s for q in proactive.values()) + 10, on_second)
        for q in proactive.values():
            for m in cfg.methods:
                if (q.qid, m) in done:
                    continue
                at, out = fired.get((q.qid, m), (None, ""))
                ok = score_proactive(at, out, q.gt_time_s, q.answer)
                write(_row(q, m, {"response": out, "fired_at": at, "correct": ok, "ttft_s": None}, run))


def _row(q: Question, method: str, rec: dict, run: VideoRun) -> dict:
    return {"qid": q.qid, "method": method, "video": q.video, "task": q.task, "category": q.category, "kind": q.kind,
            "benchmark": q.benchmark, "time_s": q.time_s, "answer": q.answer, **rec,
            "memory_bytes": run.memory.total_bytes,
            "throughput_fps": round(run.assistant.stats().frames_encoded / run.t_wall, 2) if run.t_wall else None}


def run_benchmark(questions: list[Question], cfg: RunConfig) -> dict:
    """Run (or resume) and return the summary; results.jsonl holds every answer."""
    cfg.out.mkdir(parents=True, exist_ok=True)
    results = cfg.out / "results.jsonl"
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()] if results.exists() else []
    done = {(r["qid"], r["method"]) for r in rows}
    by_video: dict[str, list[Question]] = defaultdict(list)
    for q in questions[: cfg.limit] if cfg.limit else questions:
        by_video[q.video].append(q)
    todo = {v: qs for v, qs in by_video.items() if any((q.qid, m) not in done for q in qs for m in cfg.methods)}
    for v in todo:
        resolve_video(cfg.videos, v)  # every video exists before hours of work start
    from tqdm import tqdm

    total = sum(len(qs) for qs in todo.values())
    bar = tqdm(total=total, disable=not cfg.progress, unit="q", desc="eval", file=__import__("sys").stderr)
    with results.open("a") as fh:
        def write(row: dict) -> None:
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            rows.append(row)
            if row["method"] == cfg.methods[0]:
                bar.update(1)

        for v, qs in todo.items():
            run_video(resolve_video(cfg.videos, v), qs, cfg, done, write)
    bar.close()
    report = summarize(rows, cfg)
    (cfg.out / "report.json").write_text(json.dumps(report, indent=1))
    (cfg.out / "report.md").write_text(markdown(report))
    return report


def summarize(rows: list[dict], cfg: RunConfig) -> dict:
    out = {"context": "full" if cfg.context_s is None else f"last {cfg.context_s:g} s", "methods": {}}
    for m in cfg.methods:
        mine = [r for r in rows if r["method"] == m]
        if not mine:
            continue
        ttfts = [r["ttft_s"] for r in mine if r.get("ttft_s") is not None]
        fps = [r["throughput_fps"] for r in mine if r.get("throughput_fps")]
        forced = [r for r in mine if "correct_forced" in r]
        bench = mine[0].get("benchmark", "streamingbench")
        out["methods"][m] = {"n": len(mine), "accuracy": _accuracy(mine), "by_task": _groups(mine, "task"),
                             "official": official.report(bench, [(r["task"], bool(r["correct"])) for r in mine]),
                             "forced_choice_accuracy": _accuracy([{**r, "correct": r["correct_forced"]} for r in forced]),
                             "by_category": _groups(mine, "category"),
                             "ttft_p50_s": round(statistics.median(ttfts), 4) if ttfts else None,
                             "throughput_fps_p50": round(statistics.median(fps), 2) if fps else None,
                             "memory_bytes_max": max((r["memory_bytes"] for r in mine), default=0)}
    return out


def _accuracy(rows: list[dict]) -> float | None:
    return round(sum(r["correct"] for r in rows) / len(rows), 4) if rows else None


def _groups(rows: list[dict], key: str) -> dict:
    return {k: {"n": len(v), "accuracy": _accuracy(v)} for k, v in sorted(_by(rows, key).items())}


def _by(rows, key):
    d = defaultdict(list)
    for r in rows:
        d[r[key]].append(r)
    return d


def markdown(report: dict) -> str:
    methods = list(report["methods"])
    tasks = sorted({t for m in methods for t in report["methods"][m]["by_task"]})
    head = "| task | " + " | ".join(methods) + " |\n|---|" + "---|" * len(methods) + "\n"
    lines = []
    for t in tasks:
        cells = []
        for m in methods:
            c = report["methods"][m]["by_task"].get(t)
            cells.append(f"{100 * c['accuracy']:.1f} ({c['n']})" if c else "–")
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    lines.append("| **all** | " + " | ".join(f"**{100 * report['methods'][m]['accuracy']:.1f}**" for m in methods) + " |")
    extra = "\n".join(f"- {m}: TTFT p50 {report['methods'][m]['ttft_p50_s']} s, ingest {report['methods'][m]['throughput_fps_p50']} frames/s, "
                      f"memory ≤ {report['methods'][m]['memory_bytes_max'] / 1e6:.1f} MB" for m in methods)
    return f"# Results (context: {report['context']})\n\n{head}" + "\n".join(lines) + f"\n\n{extra}\n"
