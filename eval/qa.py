"""`vstream eval qa`: ask a video questions the way people do, at the moment they would ask.

Each video streams through the real `Assistant` in step mode: the runner advances the stream to
a question's `ask_at` (every frame with ts <= ask_at, nothing later) and asks it there; each
proactive instruction becomes a watch at its `ask_at`, and its alerts are collected as the
stream goes on. Scored per item:

  answer     `answer_any` (one of) and `answer_all` (every one) as case-insensitive substrings,
             numbers also in word form ("3" ~ "three"); `answer_none` must not appear (a wrong
             count or name: counted as "invented"). `kind: not_seen` items are right when the
             answer says it was not seen/heard (NOT_SEEN_PATTERNS) and does not open with "yes".
             Any other item is wrong when the answer declines (says not seen), whatever it echoes;
             an opening "No —" that goes on to state what was seen is no decline by itself.
  citation   some citation overlaps `evidence` widened by CITE_SLACK_S on each side.
  future     citations starting after ask_at + FUTURE_SLACK_S (must be 0: nothing later was seen).
  alert      the first alert within `tolerance` of `fire_at`, none earlier (`fire_at: null`:
             no alert at all).

Set files: {"video": V, "questions": [...], "proactive": [...]} or {"items": [{"video": V, ...}]}.
Videos: a path relative to the set file, `media:NAME` (searched in --media dirs, then
../shared/media), or `gen:NAME` (a clip eval/qaclips.py generates into its cache).
"""

from __future__ import annotations

import copy
import json
import math
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vstream.errors import VStreamError

MODALITIES = ("text", "speech", "people", "objects", "scene", "visual", "time")
TYPES = ("what_shown", "what_said", "who", "where", "when", "how_many", "yes_no", "describe", "not_seen")
CITE_SLACK_S = 1.0  # a citation within 1 s of the evidence counts (sampling at 2 fps + OCR cadence)
FUTURE_SLACK_S = 0.5  # a citation may end on the frame at ask_at; past that it saw the future
SHARED_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"

# The accepted ways of saying "I did not see / hear that". One place: the answer engine's
# not-seen wording must match one of these. Strict on purpose: "yes …", a count, a name or a
# description without one of these phrases fails a not_seen item.
NOT_SEEN_PATTERNS = (
    r"\b(?:have not|haven't|havent|has not|hasn't|did not|didn't|didnt|do not|don't|cannot|can't) "
    r"(?:yet )?(?:seen|heard|see|hear|noticed|notice|spotted|spot|detected|detect|found|find)\b",
    r"\bnot (?:been )?(?:seen|heard|visible|mentioned|detected|shown|said)\b",
    r"\b(?:no one|nobody|nothing|none)\b",
    r"\b(?:i|we) (?:see|saw|hear|heard|found) no\b",
    r"\bthere (?:is|are|was|were|has been|have been) no\b",
    r"^\W*no\b",
    r"\bno (?:sign|trace|mention|one|text|person|people|speech|dog|cat|animal|car|vehicle|scene change)s?\b",
)
_NOT_SEEN = re.compile("|".join(f"(?:{p})" for p in NOT_SEEN_PATTERNS), re.I)
# A speech question's decline must be about hearing ("I have not seen any text" does not answer
# "did anyone say anything?").
_HEARING = re.compile(r"\b(?:hear|heard|said|say|says|saying|mention\w*|spoken|speech|talk\w*|sound\w*|silent|nobody|no one)\b", re.I)
_NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                 "sixteen seventeen eighteen nineteen twenty").split()


# ---- the set -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QAItem:
    qid: str
    video: str
    ask_at: float
    question: str
    answer_any: tuple[str, ...] = ()
    answer_all: tuple[str, ...] = ()
    answer_none: tuple[str, ...] = ()
    evidence: tuple[float, float] | None = None
    kind: str = "answer"  # answer | not_seen
    modality: str = "visual"
    type: str = "describe"


@dataclass(frozen=True)
class ProactiveItem:
    qid: str
    video: str
    ask_at: float
    instruction: str
    fire_at: float | None  # None: nothing should ever fire
    tolerance: float = 2.0
    modality: str = "visual"


@dataclass(frozen=True)
class QASet:
    path: Path
    questions: tuple[QAItem, ...]
    proactive: tuple[ProactiveItem, ...]

    @property
    def videos(self) -> list[str]:
        return list(dict.fromkeys([i.video for i in self.questions] + [p.video for p in self.proactive]))


def load_set(path: str | Path) -> QASet:
    """Parse and validate a set file; any problem is one VStreamError line naming the item."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise VStreamError(f"QA set {path} not found; pass --set FILE.json") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise VStreamError(f"QA set {path} is not valid JSON ({e}); fix the file") from None
    rows = _rows(raw, path)
    qs, ps = [], []
    for n, row in enumerate(rows):
        where = f"{path.name} item {n + 1}"
        try:
            (ps if "instruction" in row else qs).append(_item(row, n, where))
        except (KeyError, TypeError, ValueError) as e:
            raise VStreamError(f"{where}: {_why(e)}; see eval/qa/README.md for the format") from None
    if not qs and not ps:
        raise VStreamError(f"QA set {path} has no questions or proactive items")
    return QASet(path, tuple(qs), tuple(ps))


def _rows(raw, path: Path) -> list[dict]:
    if isinstance(raw, dict) and isinstance(raw.get("items"), list):
        return raw["items"]
    if isinstance(raw, dict) and "video" in raw:
        extra = [r for r in raw.get("questions", []) + raw.get("proactive", []) if not isinstance(r, dict)]
        if extra:
            raise VStreamError(f"{path.name}: questions and proactive must be lists of objects")
        return [{"video": raw["video"], **r} for r in raw.get("questions", []) + raw.get("proactive", [])]
    raise VStreamError(f"QA set {path} needs {{\"video\", \"questions\", \"proactive\"}} or {{\"items\": [...]}} at the top")


def _why(e: Exception) -> str:
    return f"missing field {e}" if isinstance(e, KeyError) else str(e)


def _item(row: dict, n: int, where: str) -> QAItem | ProactiveItem:
    if not isinstance(row, dict):
        raise TypeError("each item must be an object")
    qid = str(row.get("id", f"q{n + 1:03d}"))
    video, ask_at = str(row["video"]), _time(row["ask_at"], "ask_at")
    modality = _choice(row.get("modality", "visual"), MODALITIES, "modality")
    if "instruction" in row:
        fire = row.get("fire_at")
        return ProactiveItem(qid, video, ask_at, str(row["instruction"]), None if fire is None else _time(fire, "fire_at"),
                             _time(row.get("tolerance", 2.0), "tolerance"), modality)
    kind = _choice(row.get("kind", "answer"), ("answer", "not_seen"), "kind")
    item = QAItem(qid, video, ask_at, str(row["question"]), _strs(row, "answer_any"), _strs(row, "answer_all"),
                  _strs(row, "answer_none"), _evidence(row.get("evidence")), kind, modality,
                  _choice(row.get("type", "not_seen" if kind == "not_seen" else "describe"), TYPES, "type"))
    if kind == "answer" and not (item.answer_any or item.answer_all):
        raise ValueError("an answer item needs answer_any or answer_all (or kind: not_seen)")
    return item


def _time(v, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a number of seconds >= 0, got {v!r}")
    return float(v)


def _choice(v, choices: Sequence[str], name: str) -> str:
    if v not in choices:
        raise ValueError(f"{name} {v!r} is not one of {', '.join(choices)}")
    return v


def _strs(row: dict, name: str) -> tuple[str, ...]:
    v = row.get(name, [])
    v = [v] if isinstance(v, str) else v
    if not isinstance(v, list) or not all(isinstance(s, (str, int)) for s in v):
        raise ValueError(f"{name} must be a list of strings")
    return tuple(str(s) for s in v)


def _evidence(v) -> tuple[float, float] | None:
    if v is None:
        return None
    if not isinstance(v, list) or len(v) != 2:
        raise ValueError(f"evidence must be [t0, t1], got {v!r}")
    a, b = _time(v[0], "evidence"), _time(v[1], "evidence")
    if b < a:
        raise ValueError(f"evidence [{a}, {b}] ends before it starts")
    return a, b


def resolve_video(spec: str, set_dir: Path, media_dirs: Iterable[Path] = ()) -> Path:
    """gen:NAME → generated clip; media:NAME → --media dirs then ../shared/media; else a path
    relative to the set file (then the media dirs)."""
    if spec.startswith("gen:"):
        from eval.qaclips import build

        return build(spec[4:])
    name = spec.removeprefix("media:")
    dirs = ([] if spec.startswith("media:") else [set_dir]) + [Path(d) for d in media_dirs] + [SHARED_MEDIA]
    for d in ([Path()] if Path(name).is_absolute() else dirs):
        if (d / name).is_file():
            return d / name
    raise VStreamError(f"video {spec} not found (looked in {', '.join(str(d) for d in dirs)}); pass --media DIR")


# ---- scoring -------------------------------------------------------------------------------------------
def _pattern(expected: str) -> re.Pattern:
    """A number (digits or word) matches as a whole token in either form, never inside a time
    such as 0:13 or 14:30; anything else is a case-insensitive substring."""
    e = expected.strip().lower()
    n = int(e) if e.isdigit() else (_NUMBER_WORDS.index(e) if e in _NUMBER_WORDS else None)
    if n is None:
        return re.compile(re.escape(" ".join(e.split())), re.I)
    forms = [str(n)] + ([_NUMBER_WORDS[n]] if n < len(_NUMBER_WORDS) else [])
    return re.compile(r"(?<![\w:.])(?:" + "|".join(forms) + r")(?![\w:]|\.\d)", re.I)


def contains(answer: str, expected: str) -> bool:
    return bool(_pattern(expected).search(" ".join(answer.replace("“", '"').replace("”", '"').split())))


# "No — the crash was Moreno's" answers "did Vella crash?": a leading "No —" that goes on to state what was
# seen is an answer, not a decline (a decline says so in its own words: "No, I haven't seen …")
_NO_DASH = re.compile(r"^\W*no\s*[—–-]\s*(?=[\w“\"])", re.I)


def says_not_seen(answer: str) -> bool:
    return bool(_NOT_SEEN.search(answer)) and not re.match(r"\W*yes\b", answer, re.I)


def invented(item: QAItem, answer: str) -> list[str]:
    """The answer_none strings (wrong counts, wrong names) the answer states."""
    return [s for s in item.answer_none if contains(answer, s)]


def answer_right(item: QAItem, answer: str) -> bool:
    if invented(item, answer):
        return False
    if item.kind == "not_seen":
        return says_not_seen(answer) and (item.modality != "speech" or bool(_HEARING.search(answer)))
    if says_not_seen(_NO_DASH.sub("", answer)) and not any(contains(answer, s) for s in item.answer_any + item.answer_all
                                         if s.strip().lower() in ("no", "none", "0", "zero")):
        return False  # a decline that echoes the target ("I have not seen text matching EXIT") is not an answer
    ok_any = not item.answer_any or any(contains(answer, s) for s in item.answer_any)
    return ok_any and all(contains(answer, s) for s in item.answer_all)


def cites_evidence(evidence: tuple[float, float] | None, spans: Sequence[tuple[float, float]]) -> bool | None:
    """None when the item has no evidence to cite (not_seen items)."""
    if evidence is None:
        return None
    a, b = evidence[0] - CITE_SLACK_S, evidence[1] + CITE_SLACK_S
    return any(s <= b and e >= a for s, e in spans)


def future_citations(ask_at: float, spans: Sequence[tuple[float, float]]) -> int:
    return sum(1 for s, _ in spans if s > ask_at + FUTURE_SLACK_S)


def alert_right(item: ProactiveItem, alerts: Sequence[float]) -> tuple[bool, bool]:
    """(right, early): the first alert within tolerance of fire_at and none before it."""
    if item.fire_at is None:
        return not alerts, False
    early = any(t < item.fire_at - item.tolerance for t in alerts)
    first = min(alerts, default=None)
    return (not early and first is not None and abs(first - item.fire_at) <= item.tolerance), early


# ---- results and the report -------------------------------------------------------------------------------
@dataclass(frozen=True)
class QAResult:
    qid: str
    video: str
    ask_at: float
    question: str
    modality: str
    type: str
    kind: str
    answer: str
    right: bool
    cited: bool | None
    future: int
    invented: tuple[str, ...]
    citations: tuple[tuple[float, float], ...]
    stream_t: float  # the stream time the assistant had reached when asked (must be <= ask_at)
    ttft_s: float | None
    latency_s: float | None
    error: str = ""


@dataclass(frozen=True)
class AlertResult:
    qid: str
    video: str
    ask_at: float
    instruction: str
    modality: str
    fire_at: float | None
    tolerance: float
    alerts: tuple[float, ...]
    right: bool
    early: bool
    error: str = ""


@dataclass
class QAReport:
    set_path: str
    results: list[QAResult] = field(default_factory=list)
    alerts: list[AlertResult] = field(default_factory=list)
    videos: dict[str, dict] = field(default_factory=dict)  # video → {path, frames/s, wall_s}

    def summary(self) -> dict:
        r = self.results
        cite = [x for x in r if x.cited is not None]
        ttft = [x.ttft_s for x in r if x.ttft_s is not None]
        lat = [x.latency_s for x in r if x.latency_s is not None]
        return {"questions": len(r), "answers_right": _rate([x.right for x in r]),
                "citing_evidence": _rate([bool(x.cited) for x in cite]), "future_citations": sum(x.future for x in r),
                "invented": sum(len(x.invented) for x in r),
                "lookahead_violations": sum(x.stream_t > x.ask_at + 1e-6 for x in r),
                "errors": sum(bool(x.error) for x in r) + sum(bool(a.error) for a in self.alerts),
                "proactive": len(self.alerts), "alerts_right": _rate([a.right for a in self.alerts]),
                "alerts_early": sum(a.early for a in self.alerts),
                "ttft_p50_s": _p50(ttft), "latency_p50_s": _p50(lat),
                "by_modality": _groups(r, self.alerts, "modality"), "by_type": _groups(r, [], "type")}

    def to_json(self) -> dict:
        return {"set": self.set_path, "summary": self.summary(), "videos": self.videos,
                "results": [asdict(x) for x in self.results], "alerts": [asdict(a) for a in self.alerts]}

    def to_markdown(self) -> str:
        s = self.summary()
        head = (f"# QA results: {Path(self.set_path).name}\n\n"
                f"- answers right: {_pct(s['answers_right'])} of {s['questions']} (target >= 85%)\n"
                f"- citing the evidence: {_pct(s['citing_evidence'])} (target >= 90%)\n"
                f"- future citations: {s['future_citations']} (must be 0) · invented numbers/names: {s['invented']} "
                f"(target 0) · look-ahead violations: {s['lookahead_violations']} · errors: {s['errors']}\n"
                f"- proactive alerts right: {_pct(s['alerts_right'])} of {s['proactive']} (early: {s['alerts_early']})\n"
                f"- TTFT p50 {s['ttft_p50_s']} s, latency p50 {s['latency_p50_s']} s\n")
        return "\n".join([head, _table("modality", s["by_modality"]), _table("type", s["by_type"]), self._rows_md()])

    def _rows_md(self) -> str:
        lines = ["## Items\n", "| id | t | question | answer | right | cited |", "|---|---|---|---|---|---|"]
        for x in self.results:
            lines.append(f"| {x.qid} | {x.ask_at:g} | {_cell(x.question)} | {_cell(x.answer or x.error)} | "
                         f"{'✓' if x.right else '✗'} | {'–' if x.cited is None else '✓' if x.cited else '✗'} |")
        for a in self.alerts:
            lines.append(f"| {a.qid} | {a.ask_at:g} | {_cell(a.instruction)} | alerts {list(a.alerts)[:3]} "
                         f"(want {a.fire_at}) {a.error} | {'✓' if a.right else '✗'} | – |")
        return "\n".join(lines) + "\n"


def _rate(xs: list[bool]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def _p50(xs: list[float]) -> float | None:
    return round(statistics.median(xs), 4) if xs else None


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _cell(s: str) -> str:
    s = " ".join(s.split()).replace("|", "\\|")
    return s if len(s) <= 90 else s[:87] + "…"


def _groups(results: list[QAResult], alerts: list[AlertResult], key: str) -> dict:
    d: dict[str, dict] = defaultdict(lambda: {"n": 0, "right": 0, "cite_n": 0, "cited": 0, "alerts": 0, "alerts_right": 0})
    for x in results:
        g = d[getattr(x, key)]
        g["n"] += 1
        g["right"] += x.right
        g["cite_n"] += x.cited is not None
        g["cited"] += bool(x.cited)
    for a in alerts:
        g = d[getattr(a, key)]
        g["alerts"] += 1
        g["alerts_right"] += a.right
    return {k: {**v, "accuracy": _rate([True] * v["right"] + [False] * (v["n"] - v["right"]))}
            for k, v in sorted(d.items())}


def _table(key: str, groups: dict) -> str:
    lines = [f"## By {key}\n", f"| {key} | questions | right | cited / with evidence | alerts right |", "|---|---|---|---|---|"]
    for k, g in groups.items():
        lines.append(f"| {k} | {g['n']} | {g['right']} ({_pct(g['accuracy'])}) | {g['cited']} / {g['cite_n']} | "
                     f"{g['alerts_right']} / {g['alerts']} |")
    return "\n".join(lines) + "\n"


# ---- the runner ------------------------------------------------------------------------------------------
def _advance(assistant, t: float) -> float:
    """Stream up to t (every frame with ts <= t). One place, so a test can break it on purpose."""
    return assistant.step_until(t)


def _video_config(base, path: Path):
    from vstream.config import Config, SourceConfig, Speed

    cfg = copy.deepcopy(base) if base is not None else Config(source=SourceConfig())
    cfg.source.source, cfg.source.speed, cfg.source.loop = str(path), Speed.MAX, False
    return cfg


def run_video(path: Path, questions: list[QAItem], proactive: list[ProactiveItem], config=None,
              log=None) -> tuple[list[QAResult], list[AlertResult], dict]:
    """One video through the Assistant: stop at each ask_at, ask or set a watch, collect alerts. The
    questions on one video are one conversation: each is asked with the one before it (a follow-up such
    as "who said that?" is about it; a question with its own subject is answered alone)."""
    from vstream.assistant import Assistant

    steps = sorted([(q.ask_at, 1, q) for q in questions] + [(p.ask_at, 0, p) for p in proactive], key=lambda s: s[:2])
    results: list[QAResult] = []
    watch_of: dict[int, ProactiveItem] = {}
    alerts: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, str] = {}
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vstream-qa-") as d:
        a = Assistant(_video_config(config, path), session=Path(d) / "session")
        try:
            a.open()
            sub = a.events()
            for at, _, item in steps:
                _advance(a, at)
                _collect(sub, watch_of, alerts)
                if isinstance(item, ProactiveItem):
                    _set_watch(a, item, watch_of, errors)
                else:
                    results.append(_ask(a, item, results[-1].question if results else None))
                    if log:
                        log(results[-1])
            end = max((p.fire_at + p.tolerance + 2.0 for p in proactive if p.fire_at is not None), default=0.0)
            if proactive:
                _advance(a, max(end, max(p.ask_at for p in proactive) + 30.0))
                _collect(sub, watch_of, alerts)
            stats = {"path": str(path), "stream_s": round(a.now, 2), "wall_s": round(time.monotonic() - t0, 2)}
        finally:
            a.stop()
    return results, [_alert_result(p, alerts[p.qid], errors.get(p.qid, "")) for p in proactive], stats


def _ask(a, item: QAItem, previous: str | None = None) -> QAResult:
    reached = a.now  # what the assistant has seen: a runner that fed it past ask_at is caught here
    try:
        ans = a.answer(item.question, now=item.ask_at, previous=previous)
    except VStreamError as e:
        return _result(item, "", (), reached, None, None, str(e))
    spans = tuple((float(c.t_start), float(c.t_end)) for c in ans.citations)
    return _result(item, ans.text, spans, reached, ans.ttft_s, ans.latency_s)


def _result(item: QAItem, text: str, spans, reached: float, ttft, latency, error: str = "") -> QAResult:
    return QAResult(item.qid, item.video, item.ask_at, item.question, item.modality, item.type, item.kind, text,
                    bool(text) and answer_right(item, text), cites_evidence(item.evidence, spans) if item.kind == "answer" else None,
                    future_citations(item.ask_at, spans), tuple(invented(item, text)), spans, round(reached, 3),
                    None if ttft is None else round(ttft, 4), None if latency is None else round(latency, 4), error)


def _set_watch(a, item: ProactiveItem, watch_of: dict, errors: dict) -> None:
    try:
        w = a.watch(item.instruction)
    except VStreamError as e:
        errors[item.qid] = f"watch not set: {e}"
        return
    watch_of[w.id] = item


def _collect(sub, watch_of: dict, alerts: dict) -> None:
    for e in sub.drain():
        kind = getattr(e.kind, "value", e.kind)
        item = watch_of.get(e.payload.get("watch_id")) if kind == "watch" else None
        if item is not None:
            alerts[item.qid].append(float(e.ts))


def _alert_result(p: ProactiveItem, times: list[float], error: str) -> AlertResult:
    right, early = alert_right(p, times)
    return AlertResult(p.qid, p.video, p.ask_at, p.instruction, p.modality, p.fire_at, p.tolerance,
                       tuple(round(t, 2) for t in times), right and not error, early, error)


def run_qa(set_path: Path, out: Path | None = None, config=None, media: Sequence[Path] = (), progress: bool = False,
           videos: Sequence[str] | None = None) -> QAReport:
    """Run a set (optionally only some of its videos); write report.json, report.md and
    results.jsonl under `out`. `config` is a template Config (backend, fps, memory): each video
    replaces its source."""
    qa = load_set(set_path)
    paths = {v: resolve_video(v, qa.path.parent, media) for v in qa.videos if videos is None or v in videos}
    report = QAReport(str(set_path))
    log = _printer() if progress else None
    for v, path in paths.items():
        qs = [q for q in qa.questions if q.video == v]
        ps = [p for p in qa.proactive if p.video == v]
        if progress:
            print(f"[qa] {v}: {len(qs)} questions, {len(ps)} proactive", file=sys.stderr)
        res, al, stats = run_video(path, qs, ps, config, log)
        report.results += res
        report.alerts += al
        report.videos[v] = stats
    if out is not None:
        write_report(report, Path(out))
    return report


def _printer():
    def log(r: QAResult) -> None:
        mark = "✓" if r.right else "✗"
        print(f"  {mark} {r.qid} @{r.ask_at:g}s {r.question!r} → {(r.answer or r.error)[:100]!r}", file=sys.stderr)

    return log


def write_report(report: QAReport, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report.to_json(), indent=1))
    (out / "report.md").write_text(report.to_markdown())
    with (out / "results.jsonl").open("w") as fh:
        for x in report.results:
            fh.write(json.dumps(asdict(x)) + "\n")


def rescore(report_json: Path, set_path: Path) -> QAReport:
    """Score a saved report.json again against a (possibly edited) set: no video is re-run."""
    saved = json.loads(Path(report_json).read_text())
    qa = load_set(set_path)
    items, pros = {q.qid: q for q in qa.questions}, {p.qid: p for p in qa.proactive}
    report = QAReport(str(set_path), videos=saved.get("videos", {}))
    for r in saved["results"]:
        if r["qid"] in items:
            spans = tuple(tuple(s) for s in r["citations"])
            report.results.append(_result(items[r["qid"]], r["answer"], spans, r["stream_t"], r["ttft_s"], r["latency_s"], r["error"]))
    for a in saved["alerts"]:
        if a["qid"] in pros:
            report.alerts.append(_alert_result(pros[a["qid"]], list(a["alerts"]), a["error"]))
    return report
