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
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from eval.loaders import Question
from eval.scoring import score, score_proactive
from eval.views import FrameLog, FramesView, WindowedView
from memory.hierarchy import format_labels
from vstream.answer.answerers import compose
from vstream.answer.facts import ContextBuilder, text_matches
from vstream.config import Config, EncoderConfig, MemoryConfig, SourceConfig
from vstream.errors import VStreamError

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


def choose_option(answer: str, options: tuple[str, ...], embedder) -> int:
    """Map a free-text answer to an option: a count, a quoted text, 'no text', else meaning."""
    cores = [o.split(". ", 1)[1] if ". " in o[:4] else o for o in options]
    import re

    if m := re.match(r"\s*(\d+|no)\b", answer.lower()):
        n = "0" if m.group(1) == "no" else m.group(1)
        for i, c in enumerate(cores):
            if c.strip() == n:
                return i
    quoted = re.findall(r"“([^”]+)”", answer)
    if quoted:
        scores = [max(text_matches(c, q) for q in quoted) for c in cores]
        if max(scores) >= 0.75:
            return scores.index(max(scores))
    if "no text" in answer.lower() or "not seen any text" in answer.lower():
        for i, c in enumerate(cores):
            if "no text" in c.lower() or c.lower().startswith("none"):
                return i
    vecs = embedder.embed([answer] + cores)
    sims = vecs[1:] @ vecs[0]
    return int(sims.argmax())


class VideoRun:
    """One video through the pipeline, paused at each question time."""

    def __init__(self, path: Path, cfg: RunConfig, session: Path):
        from vstream.answer.answerers import TemplateAnswerer, VLMAnswerer
        from vstream.responder import Responder
        from vstream.session import open_ingest

        conf = Config(source=SourceConfig(source=str(path), speed="max", fps=cfg.fps), encoder=cfg.encoder,
                      memory=MemoryConfig(budget_mb=cfg.memory_mb))
        self.cfg = cfg
        self.ingest = open_ingest(conf, str(session))
        self.memory = self.ingest.memory
        self.responder = Responder(self.memory, TemplateAnswerer())
        vlm = getattr(self.ingest.encoder, "vlm", None)
        self.vlm_answerer = VLMAnswerer(vlm, self.memory) if vlm is not None else None
        self.log = FrameLog()
        self.period = 1.0 / cfg.fps
        self.now = 0.0
        self._frames = None
        self._pending = None
        self.t_wall = 0.0

    def advance(self, t: float, on_second=None) -> None:
        """Feed frames with ts <= t (a frame past t is held back, unseen)."""
        if self._frames is None:
            self.ingest.start()
            self._frames = self.ingest.stream.frames()
        t0 = time.monotonic()
        while True:
            frame = self._pending or next(self._frames, None)
            self._pending = None
            if frame is None:
                break
            if frame.ts > t + 1e-6:
                self._pending = frame
                break
            enc = self.ingest.step(frame)
            self.responder.on_entry(enc)
            visible = "\n".join(self.memory.text_tracker.active)
            self.log.add(dataclasses.replace(enc, text=visible), self.period, format_labels(enc.labels))
            if on_second is not None and math.floor(frame.ts) > math.floor(self.now):
                on_second(math.floor(frame.ts))
            self.now = frame.ts
        self.t_wall += time.monotonic() - t0

    def view(self, method: str, now: float):
        if method == "ours":
            return self.memory if self.cfg.context_s is None else WindowedView(self.memory, self.cfg.context_s, now)
        since = 0.0 if self.cfg.context_s is None else now - self.cfg.context_s
        frames = self.log.last(4, now) if method == "last4" else self.log.uniform(8, now, since)
        return FramesView(frames, self.memory.embedder)

    def close(self) -> None:
        self.ingest.stream.stop()
        self.memory.close()


def _answer(run: VideoRun, q: Question, method: str) -> dict:
    t0 = time.monotonic()
    view = run.view(method, q.time_s)
    ctx = ContextBuilder(view).build(q.question, now=q.time_s, options=list(q.options))
    if method == "ours" and run.vlm_answerer is not None:
        return _answer_vlm(run.vlm_answerer, ctx, q, t0)
    text = compose(ctx)
    ttft = time.monotonic() - t0
    if q.kind == "mc":
        i = choose_option(text, q.options, run.memory.embedder)
        response = q.options[i]
    elif q.kind == "count":
        import re

        m = re.search(r"\d+", text)
        response = m.group(0) if m else "0"
    else:  # yes/no probes: the lite answerer can only say yes on evidence it can read (text on screen)
        response = "yes" if ctx.facts and ctx.intent.value.startswith("text") else "no"
    return {"response": response, "answer_text": text, "correct": score(q, response), "ttft_s": round(ttft, 4),
            "citations": [c.to_json() for c in ctx.citations]}


def _answer_vlm(answerer, ctx, q: Question, t0: float) -> dict:
    """hf: the VLM over its KV blocks picks the option letter / yes-no by next-token logits, or
    writes the count."""
    import re

    if q.kind == "mc":
        letters = [o[0] for o in q.options]
        response = q.options[answerer.choose(ctx, letters, "Answer with the option's letter from the given choices directly.")]
    elif q.kind == "yesno":
        response = ["yes", "no"][answerer.choose(ctx, ["yes", "no"], "Answer yes or no.")]
    else:
        m = re.search(r"\d+", "".join(answerer.answer(ctx)))
        response = m.group(0) if m else "0"
    return {"response": response, "answer_text": response, "correct": score(q, response),
            "ttft_s": round(time.monotonic() - t0, 4), "citations": [c.to_json() for c in ctx.citations]}


def _proactive_target(q: Question) -> str:
    import re

    m = re.search(r"[\"'“‘]([^\"'”’]+)[\"'”’]", q.question)
    return m.group(1) if m else q.answer


def run_video(path: Path, qs: list[Question], cfg: RunConfig, done: set, write) -> None:
    with tempfile.TemporaryDirectory() as d:
        run = VideoRun(path, cfg, Path(d) / "session")
        try:
            _run_questions(run, qs, cfg, done, write)
        finally:
            run.close()


def _run_questions(run: VideoRun, qs: list[Question], cfg: RunConfig, done: set, write) -> None:
    from vstream.watches import Watch, WatchKind

    proactive = {q.qid: q for q in qs if q.kind == "proactive"}
    fired: dict[tuple[str, str], tuple[float, str]] = {}
    watches: dict[int, Question] = {}

    def on_second(sec: int) -> None:  # the proactive protocol: "should I speak now?" every second
        while (e := run.responder.should_speak(sec)) is not None:
            q = watches.get(e.payload.get("watch_id"))
            if q is not None and (q.qid, "ours") not in fired:
                fired[(q.qid, "ours")] = (float(sec), _proactive_target(q))
        for q in proactive.values():
            if q.time_s > sec:
                continue
            target = _proactive_target(q)
            for m in cfg.methods:
                if m == "ours" or (q.qid, m) in fired:
                    continue
                frames = run.log.last(4, sec) if m == "last4" else run.log.uniform(8, sec)
                if any(text_matches(target, line) >= 0.8 for r in frames for line in r.ocr.splitlines()):
                    fired[(q.qid, m)] = (float(sec), target)

    for q in sorted(qs, key=lambda q: q.time_s):
        run.advance(q.time_s, on_second)
        if q.kind == "proactive":
            w = run.responder.add_watch(Watch(WatchKind.TEXT, _proactive_target(q), description=q.question))
            run.ingest.encoder.ocr.min_interval = min(run.ingest.encoder.ocr.min_interval, 0.5)
            watches[w.id] = q
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
            "time_s": q.time_s, "answer": q.answer, **rec, "memory_bytes": run.memory.total_bytes,
            "throughput_fps": round(run.ingest.encoder.stats.frames_encoded / run.t_wall, 2) if run.t_wall else None}


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
        out["methods"][m] = {"n": len(mine), "accuracy": _accuracy(mine), "by_task": _groups(mine, "task"),
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
