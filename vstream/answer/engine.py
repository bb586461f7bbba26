"""The one answer path: question → typed query → evidence → composed, cited answer → (optionally)
an LLM/VLM phrasing checked against the evidence. The responder, `vstream ask` and the
evaluation runners all answer through `AnswerEngine.stream`."""

from __future__ import annotations

import time
from collections.abc import Iterator

from retrieval.retriever import Retriever
from vstream.answer.answerers import Answerer, TemplateAnswerer
from vstream.answer.compose import choose, compose
from vstream.answer.context import Context
from vstream.answer.evidence import EvidenceFinder
from vstream.answer.followup import follow_up
from vstream.answer.query import analyze
from vstream.types import Answer


class AnswerEngine:
    def __init__(self, view, answerer: Answerer | None = None):
        self.view = view
        self.retriever = Retriever(view)
        self.finder = EvidenceFinder(view, self.retriever)
        self.answerer = answerer or TemplateAnswerer()

    def latest(self) -> float:
        entries = self.view.entries()
        return entries[-1].t_end if entries else 0.0

    def context(self, question: str, now: float | None = None, options=(), previous: str | None = None) -> Context:
        """`previous`: the question asked before this one in the conversation (a follow-up such as "who
        said that?" takes its subject from it; followup.py)."""
        now = self.latest() if now is None else now
        asked = analyze(question, now, tuple(options or ()))
        q = follow_up(question, asked, previous)
        if q.options:
            bare = follow_up(question, analyze(question, now), previous)
            composed = choose(q, self.finder, compose(bare, self.finder))
        else:
            composed = compose(q, self.finder)
            if q is not asked and not composed.used:  # the previous subject found nothing: the question as asked
                q, composed = asked, compose(asked, self.finder)  # ("and for kids?" — “Children under 12 free”)
        return Context(q, composed, self.view, self.retriever)

    def stream(self, question: str, now: float | None = None, options=(), t_submit: float | None = None,
               previous: str | None = None) -> Iterator[str | Answer]:
        """Text pieces as they come, then the final Answer with its citations and timings."""
        t0 = time.monotonic() if t_submit is None else t_submit
        ctx = self.context(question, now, options, previous)
        ttft, parts = None, []
        for piece in self.answerer.answer(ctx):
            ttft = time.monotonic() - t0 if ttft is None else ttft
            parts.append(piece)
            yield piece
        latency = time.monotonic() - t0
        yield Answer("".join(parts).strip(), citations(ctx), latency, latency if ttft is None else ttft)

    def answer(self, question: str, now: float | None = None, options=(), previous: str | None = None) -> Answer:
        final = None
        for item in self.stream(question, now, options, previous=previous):
            if isinstance(item, Answer):
                final = item
        return final


def citations(ctx: Context) -> list:
    """The evidence's spans, then what the answerer looked at itself, without repeats."""
    out, keys = [], set()
    for span in ctx.composed.citations + ctx.seen:
        key = (round(span.t_start, 2), round(span.t_end, 2))
        if key not in keys:
            keys.add(key)
            out.append(span)
    return out


def with_view(engine: AnswerEngine, view) -> AnswerEngine:
    """The same answerer over another view (a time window, a baseline's frames)."""
    return AnswerEngine(view, engine.answerer) if view is not engine.view else engine

