"""What an answerer gets: the typed query, the evidence answer composed for it, the memory view."""

from __future__ import annotations

from dataclasses import dataclass, field

from memory.records import Span
from retrieval.retriever import Retriever
from vstream.answer.compose import Composed
from vstream.answer.query import Query


@dataclass
class Context:
    query: Query
    composed: Composed
    view: object  # a memory view (live writer, session reader, window or baseline)
    retriever: Retriever
    seen: list[Span] = field(default_factory=list)  # stretches an answerer looked at itself (the VLM's KV blocks)

    @property
    def question(self) -> str:
        return self.query.question
