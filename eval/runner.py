"""The streaming runner: each video goes through the real pipeline only up to each question's
time (the model never sees a later frame; stream time is container time, PyAVSource); the
question is asked then; every method — ours and the baselines — answers at the same moment with
the same answerer, each from its own frames; results are appended to a JSONL file as they come
(resumable), then summarised per task and category in JSON and Markdown.

Methods (the same answerer for all: the lite template, or the VLM with --backend hf):
  ours      the hierarchical memory + retrieval + its trackers (what users get)
  last4     SimpleStream's baseline: only the last 4 sampled frames, no memory at all
  uniform8  8 frames sampled uniformly over the history (the offline-VideoLLM protocol)
A baseline sees only what was read on its own frames (the OCR lines of a frame OCR ran on;
embedding, labels, cut flag of the frame): never ours' text tracker, detector tracks or memory.

Protocol details kept as the benchmarks' own code does them (eval.official):
  question time   StreamingBench: int(time_stamp) (sb_clip); OVO-Bench: ceil(realtime)
  60 s context    --context-s 60: only entries/evidence starting inside [t - 60, t] (WindowedView);
                  baselines sample inside it too. Every report and row states the context.
  SQA             the earlier questions with their answers form the prompt (stored in results);
                  the VLM reads that context before the question, the lite answerer ignores it
  proactive       official.run_proactive: a yes/no poll every second from t+1 to gt+4, then the
                  output question; ours says yes when its watch for the instruction has fired
                  (Assistant.should_speak) and outputs the alert's matched content; a baseline
                  says yes when its own frames show the target. Nothing reads the answer.
  OCR             every run OCRs changed frames at the text-watch interval (0.5 s), so a
                  proactive TEXT watch cannot change what later questions see.
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
from eval.scoring import score, score_forced
from eval.views import FrameLog, FramesView, LoggedFrame, WindowedView
from vstream.answer.answerers import VLMAnswerer
from vstream.answer.compose import option_text
from vstream.answer.engine import AnswerEngine, citations
from vstream.assistant import WATCH_OCR_INTERVAL_S, Assistant
from vstream.config import Config, EncoderConfig, MemoryConfig, SensesConfig, SourceConfig
from vstream.errors import VStreamError
from vstream.watches import Watch, WatchKind, parse_watch, text_matches

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
    senses: SensesConfig = field(default_factory=SensesConfig)


def context_name(context_s: float | None) -> str:
    return "full" if context_s is None else f"last {context_s:g} s"


def resolve_video(videos: Path, rel: str) -> Path:
    for cand in (videos / rel, videos / Path(rel).name, videos / rel.removeprefix("./videos/")):
        if cand.is_file():
            return cand
    raise VStreamError(f"video {rel} not found under {videos} — pass --videos DIR (the folder holding the benchmark's videos)")


def question_time(q: Question) -> float:
    """The end of the clip the benchmark's own code gives the model (eval.official)."""
    if q.benchmark == "ovobench":
        return official.ovo_clip_end(q)
    return float(official.sb_clip(q, None)[1])


def eval_encoder(enc: EncoderConfig) -> EncoderConfig:
    """OCR at the text-watch interval from the start: Assistant.watch tightens OCR for a TEXT
    watch, so without this an earlier proactive question would change later answers."""
    return dataclasses.replace(enc, ocr_min_interval_s=min(enc.ocr_min_interval_s, WATCH_OCR_INTERVAL_S))


class VideoRun:
    """One video through the assistant in step mode, paused at each question time."""

    def __init__(self, path: Path, cfg: RunConfig, session: Path):
        conf = Config(source=SourceConfig(source=str(path), speed="max", fps=cfg.fps), encoder=eval_encoder(cfg.encoder),
                      memory=MemoryConfig(budget_mb=cfg.memory_mb), senses=cfg.senses)
        self.cfg = cfg
        self.assistant = Assistant(conf, session=session)
        self.assistant.open()
        self.log = FrameLog(1.0 / cfg.fps)
        self._encode_total = 0.0
        self.assistant.add_sink(lambda frame, enc: self.log.add(enc, self._encode_cost()))
        self.memory = self.assistant.memory
        self.now = 0.0
        self.t_wall = 0.0

    def _encode_cost(self) -> float:
        """Encoder seconds (tower, token drop, OCR) of the frame just encoded: what a baseline pays
        per frame; ours also pays its trackers, detector, speech and memory writes."""
        total = self.assistant.latency_windows()["encode_seconds"].total
        cost, self._encode_total = total - self._encode_total, total
        return cost

    def advance(self, t: float, on_second=None) -> None:
        """Feed frames with ts <= t (a frame past t is held back, unseen), one stream second at a
        time so the proactive protocol can poll every second."""
        t0 = time.monotonic()
        sec = math.floor(self.now) + 1
        while sec <= t:
            self.now = max(self.now, self.assistant.step_until(sec), float(sec))
            if on_second is not None:
                on_second(sec)
            sec += 1
        self.assistant.step_until(t)
        self.now = max(self.now, t)
        self.t_wall += time.monotonic() - t0

    def since(self, now: float) -> float:
        return 0.0 if self.cfg.context_s is None else now - self.cfg.context_s

    def frames(self, method: str, now: float, since: float | None = None) -> list[LoggedFrame]:
        lo = self.since(now) if since is None else since
        return [r for r in self.log.last(4, now) if r.ts >= lo] if method == "last4" else self.log.uniform(8, now, lo)

    def engine(self, method: str, now: float) -> AnswerEngine:
        answerer = self.assistant.answerer  # the same answerer for every method
        if method == "ours":
            view = self.memory if self.cfg.context_s is None else WindowedView(self.memory, self.cfg.context_s, now)
            return AnswerEngine(view, answerer)
        return AnswerEngine(FramesView(self.frames(method, now), self.memory.embedder), answerer)

    def method_stats(self, method: str, now: float) -> dict:
        """Each method's own memory bytes and ingest throughput (frames per wall second)."""
        n = len(self.log.records)
        if method == "ours":
            return {"memory_bytes": self.memory.total_bytes,
                    "throughput_fps": round(n / self.t_wall, 2) if self.t_wall else None}
        # last4 holds 4 frames; uniform8 must hold every frame it may sample from
        held = self.frames("last4", now) if method == "last4" else self.log.between(self.since(now), now)
        return {"memory_bytes": sum(r.nbytes for r in held),
                "throughput_fps": round(n / self.log.cost_s, 2) if self.log.cost_s else None}

    def close(self) -> None:
        self.assistant.stop()


# ---- one answer ---------------------------------------------------------------------------------------
def _answer(run: VideoRun, q: Question, method: str, sqa_context: str = "") -> dict:
    """The method's response to the question (with its options), scored by the official rule; the
    option it picked is scored as forced choice beside it. TTFT counts from the question: the
    view a baseline builds from its frames is part of its time to first token."""
    now = question_time(q)
    t0 = time.monotonic()
    engine = run.engine(method, now)
    options = list(q.options) if q.kind == "mc" else []
    ctx = engine.context(q.question, now, options)
    vlm = isinstance(engine.answerer, VLMAnswerer)
    if vlm and sqa_context:  # the VLM reads the earlier Q&A before the question; retrieval uses the question
        ctx.query = dataclasses.replace(ctx.query, question=f"{sqa_context}\n{q.question}")
    if vlm and q.kind in ("mc", "yesno"):
        picked = _vlm_choice(engine.answerer, ctx, q)
        ttft = time.monotonic() - t0
        text = option_text(q.options[picked]) if q.kind == "mc" else ("yes", "no")[picked]
    else:
        text, ttft = _stream(engine.answerer, ctx, t0)
        picked = ctx.composed.choice
    response, choice = _response(q, text, picked)
    return {"prompt": official.prompt(q, sqa_context), "response": response, "answer_text": text, "choice": choice,
            "correct": score(q, response), "correct_forced": score_forced(q, choice), "ttft_s": round(ttft, 4),
            "latency_s": round(time.monotonic() - t0, 4), "asked_at_s": now,
            "citations": [c.to_json() for c in citations(ctx)]}


def _stream(answerer, ctx, t0: float) -> tuple[str, float]:
    ttft, parts = None, []
    for piece in answerer.answer(ctx):
        ttft = time.monotonic() - t0 if ttft is None else ttft
        parts.append(piece)
    return "".join(parts).strip(), (time.monotonic() - t0 if ttft is None else ttft)


def _vlm_choice(answerer: VLMAnswerer, ctx, q: Question) -> int:
    """hf: the VLM picks the option letter (or yes/no) by next-token logits over its KV blocks."""
    if q.kind == "mc":
        return answerer.choose(ctx, [o.strip()[0] for o in q.options], "Answer with the option's letter from the given choices directly.")
    return answerer.choose(ctx, ["yes", "no"], "Answer yes or no.")


_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\b|\b\d+(?:\.\d+)?\s*(?:s|sec|secs|seconds?|min|minutes?)\b")
_COUNT_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}


def stated_count(text: str) -> int | None:
    """The number an answer states as a count — never a time: clock stamps ("01:23.5"),
    durations ("12 s") and decimals are removed first, so "Now (01:23.5) I count 3 people"
    gives 3. Then the first whole number, else the first number word ("no"/"none" = 0)."""
    bare = _TIME.sub(" ", text or "")
    bare = re.sub(r"\b\d+\.\d+\b", " ", bare)
    if m := re.search(r"(?<![\w.])(\d+)(?![\w.]\d)", bare):
        return int(m.group(1))
    for word in re.findall(r"[a-z]+", bare.lower()):
        if word in _COUNT_WORDS:
            return _COUNT_WORDS[word]
        if word in ("no", "none"):
            return 0
    return None


def _response(q: Question, text: str, choice: int | None) -> tuple[str, str | None]:
    """(raw response as the official scorer reads it, the forced choice)."""
    if q.kind == "mc":
        if choice is None:
            return text, None
        letter = q.options[choice].strip()[0].upper()
        return f"{letter}. {option_text(q.options[choice])}", letter
    if q.kind == "count":  # answered as their prompt asks: "a single number"
        n = stated_count(text)
        return (str(n), str(n)) if n is not None else (text, None)
    yes = choice == 0 if choice is not None else text.lower().startswith("yes")  # answers open with Yes or No
    return ("Yes" if yes else "No"), ("yes" if yes else "no")


# ---- proactive ----------------------------------------------------------------------------------------
def _proactive_watch(q: Question) -> Watch | None:
    """The watch the assistant registers for a proactive instruction (None when it cannot tell
    what to watch for: then it never speaks). Never reads the ground-truth answer."""
    try:
        return parse_watch(q.question)
    except VStreamError:
        return None


def baseline_sees(w: Watch | None, frames: list[LoggedFrame], sec: float) -> str | None:
    """A baseline's own yes/no poll on its frames: the matched content, or None for "no".
    Text from the OCR read on those frames, labels from their classifier, cuts from their flags;
    what needs a tracker, detector or ears (objects, zones, speech) it cannot see."""
    if w is None:
        return None
    if w.kind is WatchKind.TEXT:
        return next((ln for r in frames for ln in r.ocr.splitlines() if text_matches(w.target, ln) >= w.threshold), None)
    if w.kind is WatchKind.LABEL:
        return next((lb.name for r in frames for lb in r.labels if w.target in lb.name.lower() and lb.p >= w.threshold), None)
    if w.kind is WatchKind.SCENE:
        return "scene change" if any(r.scene_change and r.ts > sec - 1 for r in frames) else None
    return None


class ProactiveTracker:
    """Per proactive question and method: the first second its poll would say yes, and what it
    would output then — recorded while the stream advances, so each poll at second t is answered
    from what the method had seen by t. Replayed through official.run_proactive at the end."""

    def __init__(self, run: VideoRun, questions: list[Question], methods: tuple[str, ...]):
        self.run, self.methods = run, methods
        self.questions = questions
        self.watches = {q.qid: _proactive_watch(q) for q in questions}
        self.active: dict[str, Question] = {}
        self.by_watch_id: dict[int, Question] = {}
        self.fired: dict[tuple[str, str], tuple[int, str]] = {}

    def register(self, q: Question) -> None:
        """The instruction is given at its time: ours registers the watch (never the answer)."""
        self.active[q.qid] = q
        w = self.watches[q.qid]
        if w is not None and "ours" in self.methods:
            self.by_watch_id[self.run.assistant.watch(dataclasses.replace(w)).id] = q

    def on_second(self, sec: int) -> None:
        while (e := self.run.assistant.should_speak(sec)) is not None:
            q = self.by_watch_id.get(e.payload.get("watch_id"))
            if q is not None:
                self.fired.setdefault((q.qid, "ours"), (sec, e.payload.get("match") or e.message))
        for q in self.active.values():
            for m in self.methods:
                if m == "ours" or (q.qid, m) in self.fired:
                    continue
                hit = baseline_sees(self.watches[q.qid], self.run.frames(m, sec, since=question_time(q)), sec)
                if hit is not None:
                    self.fired[(q.qid, m)] = (sec, hit)

    def last_second(self) -> int:
        return max((official.proactive_poll_times(q) or [int(q.time_s)])[-1] for q in self.questions)

    def result(self, q: Question, method: str) -> dict:
        at, out = self.fired.get((q.qid, method), (None, ""))
        answer_prompt = official.proactive_answer_prompt(q)

        def ask(t: int, prompt: str) -> str:
            if prompt == answer_prompt:
                return out
            return "Yes" if at is not None and at <= t else "No"

        res = official.run_proactive(q, ask, quote_target=False)
        on_time, ok = official.proactive_scores(res, q)
        last = res.dialog[-1] if res.dialog else None
        return {"prompt": answer_prompt, "poll_prompt": official.proactive_poll_prompt(q, quote_target=False),
                "response": last.content if last else "", "fired_at": res.answered, "on_time": on_time,
                "correct": ok, "correct_forced": ok, "ttft_s": None,
                "polls": len(res.dialog) // 2 - (res.answered is not None)}


# ---- one video, all questions -------------------------------------------------------------------------
def run_video(path: Path, qs: list[Question], cfg: RunConfig, done: set, write, contexts: dict | None = None) -> None:
    with tempfile.TemporaryDirectory() as d:
        run = VideoRun(path, cfg, Path(d) / "session")
        try:
            _run_questions(run, qs, cfg, done, write, contexts or {})
        finally:
            run.close()


def _run_questions(run: VideoRun, qs: list[Question], cfg: RunConfig, done: set, write, contexts: dict) -> None:
    tracker = ProactiveTracker(run, [q for q in qs if q.kind == "proactive"], cfg.methods)
    for q in sorted(qs, key=question_time):
        run.advance(question_time(q), tracker.on_second)
        if q.kind == "proactive":
            tracker.register(q)
            continue
        for m in cfg.methods:
            if (q.qid, m) not in done:
                write(_row(q, m, _answer(run, q, m, contexts.get(q.qid, "")), run))
    if tracker.questions:
        run.advance(tracker.last_second(), tracker.on_second)
        for q in tracker.questions:
            for m in cfg.methods:
                if (q.qid, m) not in done:
                    write(_row(q, m, tracker.result(q, m), run))


def _row(q: Question, method: str, rec: dict, run: VideoRun) -> dict:
    chance = 1 / len(q.options) if q.kind == "mc" and q.options else 0.5 if q.kind == "yesno" else None
    return {"qid": q.qid, "method": method, "video": q.video, "task": q.task, "category": q.category, "kind": q.kind,
            "benchmark": q.benchmark, "time_s": q.time_s, "answer": q.answer, "context": context_name(run.cfg.context_s),
            "chance": chance, **rec, **run.method_stats(method, question_time(q))}


# ---- the whole benchmark ------------------------------------------------------------------------------
def run_benchmark(questions: list[Question], cfg: RunConfig) -> dict:
    """Run (or resume) and return the summary; results.jsonl holds every answer."""
    cfg.out.mkdir(parents=True, exist_ok=True)
    results = cfg.out / "results.jsonl"
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()] if results.exists() else []
    done = {(r["qid"], r["method"]) for r in rows}
    chosen = questions[: cfg.limit] if cfg.limit else questions
    contexts = official.streamingbench_sqa_contexts(questions)  # built over the whole file, as their loop does
    by_video: dict[str, list[Question]] = defaultdict(list)
    for q in chosen:
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
            run_video(resolve_video(cfg.videos, v), qs, cfg, done, write, contexts)
    bar.close()
    report = summarize(rows, cfg)
    (cfg.out / "report.json").write_text(json.dumps(report, indent=1))
    (cfg.out / "report.md").write_text(markdown(report))
    return report


def summarize(rows: list[dict], cfg: RunConfig) -> dict:
    """Per method: accuracy by the benchmark's official rule (and its leaderboard aggregation),
    forced-choice accuracy, and the method's own memory, throughput and TTFT."""
    out = {"context": context_name(cfg.context_s), "methods": {}}
    for m in cfg.methods:
        mine = [r for r in rows if r["method"] == m]
        if not mine:
            continue
        ttfts = [r["ttft_s"] for r in mine if r.get("ttft_s") is not None]
        fps = [r["throughput_fps"] for r in mine if r.get("throughput_fps")]
        bench = mine[0].get("benchmark", "streamingbench")
        off = official.report(bench, [(r["task"], bool(r["correct"])) for r in mine])
        out["methods"][m] = {"n": len(mine), "accuracy": _accuracy(mine),
                             "forced_choice_accuracy": _accuracy([{**r, "correct": r.get("correct_forced", False)} for r in mine]),
                             "leaderboard": _leaderboard(off, len(mine)), "official": off,
                             "by_task": _groups(mine, "task"), "by_category": _groups(mine, "category"),
                             "ttft_p50_s": round(statistics.median(ttfts), 4) if ttfts else None,
                             "throughput_fps_p50": round(statistics.median(fps), 2) if fps else None,
                             "memory_bytes_max": max((r.get("memory_bytes") or 0 for r in mine), default=0)}
    return out


def _leaderboard(off: dict, n: int) -> float | None:
    """The benchmark's headline number (StreamingBench Overall / OVO-Bench Total), only when every
    row counted in it: tasks outside the leaderboard's groups (our synthetic ones) make it None."""
    if "overall" in off:
        return off["overall"] if off["n"] == n else None
    return off["total"] if off.get("complete") else None


def _accuracy(rows: list[dict]) -> float | None:
    return round(sum(bool(r["correct"]) for r in rows) / len(rows), 4) if rows else None


def _groups(rows: list[dict], key: str) -> dict:
    out = {}
    for k, v in sorted(_by(rows, key).items()):
        chance = [r["chance"] for r in v if r.get("chance") is not None]
        out[k] = {"n": len(v), "accuracy": _accuracy(v),
                  "forced_choice_accuracy": _accuracy([{**r, "correct": r.get("correct_forced", False)} for r in v]),
                  "chance": round(sum(chance) / len(chance), 4) if len(chance) == len(v) else None}
    return out


def _by(rows, key):
    d = defaultdict(list)
    for r in rows:
        d[r[key]].append(r)
    return d


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def markdown(report: dict) -> str:
    methods = list(report["methods"])
    ms = report["methods"]
    tasks = sorted({t for m in methods for t in ms[m]["by_task"]})
    head = "| task | chance | " + " | ".join(methods) + " |\n|---|---|" + "---|" * len(methods) + "\n"
    lines = []
    for t in tasks:
        cells = []
        chance = next((ms[m]["by_task"][t]["chance"] for m in methods if t in ms[m]["by_task"]), None)
        for m in methods:
            c = ms[m]["by_task"].get(t)
            cells.append(f"{_pct(c['accuracy'])} ({c['n']})" if c else "–")
        lines.append(f"| {t} | {_pct(chance)} | " + " | ".join(cells) + " |")
    lines.append("| **all** | | " + " | ".join(f"**{_pct(ms[m]['accuracy'])}**" for m in methods) + " |")
    summary = ["| method | official rule % | leaderboard % | forced choice % | memory MB | ingest frames/s | TTFT p50 s |",
               "|---|---|---|---|---|---|---|"]
    for m in methods:
        r = ms[m]
        lb = "–" if r["leaderboard"] is None else f"{r['leaderboard']:.1f}"
        summary.append(f"| {m} | {_pct(r['accuracy'])} | {lb} | {_pct(r['forced_choice_accuracy'])} | "
                       f"{r['memory_bytes_max'] / 1e6:.2f} | {r['throughput_fps_p50']} | {r['ttft_p50_s']} |")
    return (f"# Results (context: {report['context']})\n\nContext: {report['context']} "
            f"({'the whole history up to each question' if report['context'] == 'full' else 'only what starts inside the window before each question'}).\n\n"
            + "\n".join(summary) + "\n\nAccuracy by the official rule per task (n), with chance level:\n\n"
            + head + "\n".join(lines) + "\n")
