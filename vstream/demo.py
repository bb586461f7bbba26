"""`vstream demo` (quick start command 1): the assistant on the bundled sample."""

from __future__ import annotations

from pathlib import Path

from vstream.answer.compose import fmt_time
from vstream.assistant import Assistant
from vstream.config import Config
from vstream.types import Answer

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "sample.mp4"  # the bundled clip (repository checkout)
QUESTIONS = ["how many scene changes so far?", "what do you see now?", "what text was shown?", "is there a dog?"]


def run_demo(cfg: Config, session: str | None, as_json: bool) -> dict:
    say = (lambda *a, **k: None) if as_json else print
    a = Assistant(cfg, session=session)
    info = a.start()
    say(f"watching {a.source} ({info.width}x{info.height} @ {info.fps:g} fps) → session {a.session}")
    a.watch("tell me when the scene changes")
    events = a.events(replay=True)
    a.wait()
    for e in events.drain():
        if e.kind.value in ("watch", "proactive"):
            say(f"  [{e.kind.value}] {e.message}")
    answers = []
    for q in QUESTIONS:
        say(f"Q: {q}\nA: ", end="")
        final = None
        for piece in a.ask(q):
            if isinstance(piece, Answer):
                final = piece
            else:
                say(piece, end="", flush=True)
        cites = ", ".join(f"[{fmt_time(c.t_start)}–{fmt_time(c.t_end)}]" for c in final.citations)
        say(f"\n   cited {cites}; first token {final.ttft_s * 1000:.0f} ms")
        answers.append({"question": q, **final.to_json()})
    stats = a.stats()
    a.stop()
    say(f"{stats.frames_encoded} frames, {stats.token_drop_ratio:.0%} tokens dropped, "
        f"{stats.memory_entries} memory entries ({stats.memory_bytes / 1e6:.1f} MB)")
    return {"answers": answers, "stats": stats.to_json(), "session": str(a.session)}
