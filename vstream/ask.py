"""`vstream ask`: answer a question from a saved (or live, being written) session."""

from __future__ import annotations

import time

from vstream.answer.facts import ContextBuilder
from vstream.errors import VStreamError
from vstream.types import Answer


def ask_session(session: str, question: str, at: float | None = None, answerer: str = "template",
                on_piece=None) -> Answer:
    from memory.reader import SessionReader
    from vstream.assistant import make_answerer

    if not question.strip():
        raise VStreamError('no question given: vstream ask --session DIR "what text is on screen?"')
    t0 = time.monotonic()
    reader = SessionReader(session)
    try:
        if not reader.entries():
            raise VStreamError(f"session {session} has no memory yet — is ingest running on it?")
        if answerer == "vlm":
            raise VStreamError("the vlm answerer runs inside a live assistant (vstream serve --backend hf); use --answerer template or smollm2")
        ctx = ContextBuilder(reader).build(question, now=at)
        ttft, parts = None, []
        for piece in make_answerer(answerer).answer(ctx):
            ttft = ttft if ttft is not None else time.monotonic() - t0
            parts.append(piece)
            if on_piece is not None:
                on_piece(piece)
        latency = time.monotonic() - t0
        return Answer("".join(parts).strip(), ctx.citations, latency, ttft if ttft is not None else latency)
    finally:
        reader.close()
