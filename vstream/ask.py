"""`vstream ask`: answer a question from a saved (or live, being written) session, through the
same answer engine the live responder uses."""

from __future__ import annotations

from collections.abc import Callable

from memory.reader import SessionReader
from vstream.answer.answerers import make_answerer
from vstream.answer.engine import AnswerEngine
from vstream.answer.query import check_question
from vstream.errors import VStreamError
from vstream.types import Answer


def ask_session(session: str, question: str, at: float | None = None, answerer: str = "template",
                on_piece: Callable[[str], None] | None = None) -> Answer:
    check_question(question)
    if answerer == "vlm":
        raise VStreamError("the vlm answerer runs inside a live assistant (vstream serve --backend hf); use --answerer template or smollm2")
    reader = SessionReader(session)
    try:
        if not reader.entries():
            raise VStreamError(f"session {session} has no memory yet — is ingest running on it?")
        final = None
        for item in AnswerEngine(reader, make_answerer(answerer)).stream(question, at):
            if isinstance(item, Answer):
                final = item
            elif on_piece is not None:
                on_piece(item)
        return final
    finally:
        reader.close()
