"""What a question asks, and the facts in memory that answer it — each fact with its times.

The lite answerers compose answers from these facts only, so every statement can cite the
[t_start, t_end] it came from."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from enum import Enum

from retrieval.retriever import Hit, Retriever
from retrieval.timeparse import TimeWindow
from vstream.types import EventKind, MemoryEntry, Span, TextSpan


class Intent(str, Enum):
    TEXT_NOW = "text_now"  # what text is on screen (now / at a time)
    TEXT_WHEN = "text_when"  # when did the sign say X
    COUNT_CUTS = "count_cuts"  # how many scene changes
    DESCRIBE = "describe"  # what is happening / what do you see


def fmt_time(t: float) -> str:
    """mm:ss.s (h:mm:ss.s past an hour): tenths, because citations are checked to ±1 s."""
    t = max(0.0, round(t, 1))
    h, rem = divmod(t, 3600)
    m, s = divmod(rem, 60)
    return f"{int(h)}:{int(m):02d}:{s:04.1f}" if h else f"{int(m):02d}:{s:04.1f}"


_QUOTED = re.compile(r"[\"“'‘]([^\"”'’]{1,80})[\"”'’]")
_SAY = re.compile(r"\b(?:say|said|says|show|showed|shows|read|reads|display|displayed|displays|write|written|spell)\b\s+(.+?)[?.!]*$", re.I)


def text_target(question: str) -> str | None:
    """The text a 'when did it say X' question looks for: quoted, or after say/show/read."""
    if m := _QUOTED.search(question):
        return m.group(1).strip()
    if m := _SAY.search(question.strip()):
        words = [w for w in re.split(r"\s+", m.group(1)) if w.lower() not in {"the", "a", "an", "text", "word", "words"}]
        return " ".join(words).strip(" ?.!\"'") or None
    return None


def classify(question: str) -> Intent:
    q = question.lower()
    if re.search(r"how many (scene changes|scene cuts|cuts|scenes|shots|times (has|did) the scene)", q):
        return Intent.COUNT_CUTS
    if re.search(r"\bwhen\b", q) and text_target(question):
        return Intent.TEXT_WHEN
    if re.search(r"\b(text|sign|written|writing|words?|caption|says?|said|read|display|screen say)\b", q):
        return Intent.TEXT_NOW
    return Intent.DESCRIBE


_PAST = re.compile(r"\b(was|were|did|had|earlier|before|so far|previously|ever)\b", re.I)


def text_matches(target: str, line: str) -> float:
    """0..1: how well an OCR line matches the target (substring, or fuzzy for OCR errors)."""
    t, s = _norm(target), _norm(line)
    if not t or not s:
        return 0.0
    if t in s:
        return 1.0
    best = difflib.SequenceMatcher(None, t, s).ratio()
    for word in s.split():  # a one-word target inside a longer line, misread by a letter
        best = max(best, difflib.SequenceMatcher(None, t, word).ratio())
    return best


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", s.lower()).strip()


@dataclass
class Fact:
    text: str  # one statement
    span: Span


@dataclass
class Context:
    question: str
    now: float
    intent: Intent
    window: TimeWindow | None
    hits: list[Hit]
    facts: list[Fact] = field(default_factory=list)
    target: str | None = None
    options: list[str] = field(default_factory=list)

    @property
    def citations(self) -> list[Span]:
        seen, out = set(), []
        for f in self.facts:
            key = (round(f.span.t_start, 3), round(f.span.t_end, 3))
            if key not in seen:
                seen.add(key)
                out.append(f.span)
        if not out:  # always cite: the moments the answer looked at
            out = [h.entry.span() for h in self.hits[-4:]]
        return out


class ContextBuilder:
    """Question → Context with facts, reading any memory view (live or saved session)."""

    def __init__(self, memory, retriever: Retriever | None = None):
        self.memory = memory
        self.retriever = retriever or Retriever(memory)

    def build(self, question: str, now: float | None = None, options: list[str] | None = None) -> Context:
        entries = self.memory.entries()
        now = (entries[-1].t_end if entries else 0.0) if now is None else now
        hits, window = self.retriever.search(question, now=now)
        ctx = Context(question, now, classify(question), window, hits, options=list(options or []))
        texts = [t for t in self.memory.texts() if t.t_start <= now]
        {Intent.TEXT_NOW: self._text_at, Intent.TEXT_WHEN: self._text_when,
         Intent.COUNT_CUTS: self._cuts, Intent.DESCRIBE: self._describe}[ctx.intent](ctx, texts, entries)
        return ctx

    def _text_at(self, ctx: Context, texts: list[TextSpan], entries) -> None:
        point = ctx.window.point if ctx.window is not None and ctx.window.point is not None else ctx.now
        if ctx.window is None and _PAST.search(ctx.question):
            shown = texts[-6:]  # "what text was shown?": everything seen so far, latest last
        elif ctx.window is not None and ctx.window.kind in ("last", "between", "first", "after", "before"):
            shown = [t for t in texts if t.t_end >= ctx.window.t_start and t.t_start <= ctx.window.t_end]
        else:
            # on screen at the moment asked about (a line seen up to the last OCR run counts
            # until the next change; allow one OCR interval of slack)
            shown = [t for t in texts if t.t_start <= point + 0.5 and t.t_end >= point - 2.5]
        for t in sorted(shown, key=lambda t: t.t_start):
            ctx.facts.append(Fact(t.text, Span(t.t_start, max(t.t_end, t.t_start), (t.entry_id,))))

    def _text_when(self, ctx: Context, texts: list[TextSpan], entries) -> None:
        ctx.target = text_target(ctx.question)
        scored = [(text_matches(ctx.target, t.text), t) for t in texts]
        best = max((s for s, _ in scored), default=0.0)
        if best < 0.75:
            return
        for s, t in sorted(scored, key=lambda x: x[1].t_start):
            if s >= best - 0.05:
                ctx.facts.append(Fact(t.text, Span(t.t_start, max(t.t_end, t.t_start), (t.entry_id,))))

    def _cuts(self, ctx: Context, texts, entries) -> None:
        for e in self.memory.events(EventKind.SCENE_CHANGE):
            if e.ts <= ctx.now:
                ctx.facts.append(Fact("scene change", Span(e.ts, e.ts)))

    def _describe(self, ctx: Context, texts, entries) -> None:
        for h in ctx.hits[-4:]:
            ctx.facts.append(Fact(_scene_words(h.entry), h.entry.span()))


def _scene_words(e: MemoryEntry) -> str:
    names = [item.rpartition(":")[0] for item in e.labels.split(", ") if item]
    ocr = [line[6:] for line in e.text.splitlines() if line.startswith("text: ")]
    parts = [", ".join(names[:3])] if names else []
    if ocr:
        parts.append("text “" + " / ".join(ocr[:3]) + "”")
    return "; ".join(parts) or "nothing recognisable"
