"""Answers from evidence: question analysis, the colour/motion senses and composed answers on a
generated clip whose content and times we know exactly."""

from __future__ import annotations

import numpy as np
import pytest

from eval.synthvideo import SceneScript, Segment, ShapeEvent, TextEvent
from memory.records import EvidenceKind
from vstream.answer.evidence import lexical
from vstream.answer.query import AnswerType, Modality, Scope, analyze
from vstream.assistant import Assistant
from vstream.config import Config, SourceConfig
from vstream.errors import VStreamError
from vstream.senses.colour import colour_name


@pytest.mark.parametrize("question,kind,scope,cls", [
    ("how many ppl are on the path rn?", AnswerType.HOW_MANY, Scope.NOW, "person"),
    ("What time is the fire drill?", AnswerType.WHAT, Scope.ALL, None),
    ("did anyone say anything about pizza?", AnswerType.YES_NO, Scope.ALL, None),
    ("did anyone ride a bike past?", AnswerType.YES_NO, Scope.ALL, "bicycle"),
    ("whats on the screen", AnswerType.WHAT_SHOWN, Scope.NOW, None),
    ("when did the red car show up?", AnswerType.WHEN, Scope.ALL, "car"),
    ("what was the most people at once?", AnswerType.HOW_MANY, Scope.ALL, "person"),
    ("describe the last 10 seconds", AnswerType.DESCRIBE, Scope.WINDOW, None),
    ("what did you see around 0:03?", AnswerType.DESCRIBE, Scope.AT, None),
])
def test_question_analysis(question, kind, scope, cls):
    q = analyze(question, 60.0)
    assert (q.answer_type, q.scope, q.object_class) == (kind, scope, cls)


def test_speech_versus_text_cues_and_limits():
    assert analyze("what did the sign say?", 10).modalities == {Modality.TEXT}
    assert Modality.SPEECH in analyze("did someone mention the fire alarm?", 10).modalities
    with pytest.raises(VStreamError, match="too long"):
        analyze("when did it say " + "!" * 60_000, 10.0)


def test_matching_tolerates_ocr_digits_and_names_kinds():
    assert lexical("room", "R00M 214") == 1.0  # OCR read the O's as zeros
    assert lexical("website", "www.harbortickets.com") >= 0.8
    assert lexical("pizza", "the delivery truck is waiting at dock seven") == 0.0


@pytest.mark.parametrize("rgb,name", [((220, 30, 30), "red"), ((30, 60, 220), "blue"), ((240, 220, 40), "yellow"),
                                      ((245, 245, 245), "white"), ((20, 20, 20), "black")])
def test_colour_names(rgb, name):
    assert colour_name(np.full((20, 20, 3), rgb, np.uint8)) == name


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A yellow ball crosses left → right 4–9 s on a grey-blue scene; "EXIT" 11–15 s; a cut at 16 s."""
    d = tmp_path_factory.mktemp("answers")
    return SceneScript(duration=20, fps=10, segments=[Segment(0, 16, (70, 80, 90), 1), Segment(16, 20, (160, 90, 40), 2)],
                       texts=[TextEvent("EXIT", 11.0, 15.0)],
                       shapes=[ShapeEvent("circle", (245, 215, 30), 4.0, 9.0, (0.15, 0.3), (0.85, 0.3))]
                       ).write(d / "ball.mp4")


@pytest.fixture(scope="module")
def assistant(clip, tmp_path_factory):
    a = Assistant(Config(source=SourceConfig(source=str(clip), speed="max", fps=2)),
                  session=tmp_path_factory.mktemp("s") / "s")
    a.open()
    yield a
    a.stop()


def test_answers_on_a_known_clip(assistant):
    a = assistant
    a.step_until(7.0)
    moving = a.answer("is anything moving right now?", now=7.0)
    assert moving.text.startswith("Yes") and "yellow" in moving.text and "left to right" in moving.text
    assert moving.citations and all(c.t_start <= 7.0 and c.t_end >= 4.0 for c in moving.citations)
    a.step_until(12.0)
    ball = a.answer("what colour was the ball that went across earlier?", now=12.0)
    assert "yellow" in ball.text and ball.citations[0].t_start >= 3.5
    early = a.answer("when did the sign say EXIT?", now=9.0)  # asked before the sign: honest
    assert "haven't seen" in early.text and not early.citations
    a.step_until(19.5)
    sign = a.answer("when did the sign say EXIT?", now=19.5)
    assert "EXIT" in sign.text and abs(sign.citations[0].t_start - 11.0) <= 1.0
    cuts = a.answer("how many times has the scene changed?", now=19.5)
    assert cuts.text.startswith("1 scene change") and round(cuts.citations[0].t_start) == 16
    none = a.answer("did anyone mention pizza?", now=19.5)
    assert "haven't heard" in none.text and not none.citations
    assert all(c.t_start <= 19.5 for ans in (moving, ball, sign, cuts) for c in ans.citations)  # nothing future


def test_evidence_rows_carry_their_own_times(assistant):
    assistant.step_until(19.5)
    text = [ev for ev in assistant.evidence(EvidenceKind.TEXT) if ev.content == "EXIT"]
    assert len(text) == 1 and abs(text[0].t_start - 11.0) <= 0.5 and abs(text[0].t_end - 15.0) <= 1.0
    motion = [ev for ev in assistant.evidence(EvidenceKind.MOTION) if ev.data.colour == "yellow"]
    assert motion and min(ev.t_start for ev in motion) <= 5.0 and max(ev.t_end for ev in motion) <= 10.0
