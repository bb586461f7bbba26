"""Answers from evidence: question analysis, the colour/motion senses and composed answers on a
generated clip whose content and times we know exactly."""

from __future__ import annotations

import bisect

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
    ("can u see her", AnswerType.YES_NO, Scope.NOW, "person"),  # in view now, not ever
    ("have you seen a bike?", AnswerType.YES_NO, Scope.ALL, "bicycle"),
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
    assert lexical("counting", "volunteers counted the pigeons") == 1.0  # one stem, two endings
    assert lexical("thanks", "they live for more than 60 years") == 0.0  # a shorter word is not a misreading
    assert lexical("hashtag", "#CityBirds") >= 0.8 and lexical("copyright year", "© 2026 Harbor Lane") == 0.9


@pytest.mark.parametrize("rgb,name", [((220, 30, 30), "red"), ((30, 60, 220), "blue"), ((240, 220, 40), "yellow"),
                                      ((245, 245, 245), "white"), ((20, 20, 20), "black"),
                                      ((175, 175, 175), "grey")])  # light asphalt: grey, not white
def test_colour_names(rgb, name):
    assert colour_name(np.full((20, 20, 3), rgb, np.uint8)) == name


def test_white_thing_with_a_dark_part_is_white():
    """A white bird's box: 40% white feathers, 60% dark beak/shadow (median dark) → white."""
    patch = np.full((20, 20, 3), 40, np.uint8)
    patch[:8] = 240
    assert colour_name(patch) == "white"


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
    box = text[0].data.box  # where it was read: drawn from x 0.1 with its baseline at 0.55 of the height
    assert box is not None and abs(box.x0 - 0.1) <= 0.05 and box.y0 < 0.55 and abs(box.y1 - 0.55) <= 0.06, box
    motion = [ev for ev in assistant.evidence(EvidenceKind.MOTION) if ev.data.colour == "yellow"]
    assert motion and min(ev.t_start for ev in motion) <= 5.0 and max(ev.t_end for ev in motion) <= 10.0


# ---- the time index behind EvidenceFinder.rows ---------------------------------------------------------


class _ListView:
    """A memory view over a plain list (what the index sees of the live writer: the same row objects,
    ends that move in place, rows appended, old rows dropped)."""

    def __init__(self, rows):
        self.rows = rows
        self.embedder = None

    def evidence(self, kind=None):
        return [ev for ev in self.rows if kind is None or ev.kind is kind]


def _synthetic_rows(n: int, seed: int = 7):
    """n rows over n/14 s (14 rows/s, like a busy hour): short OBJECTS/TEXT rows, a few long ones."""
    from memory.records import Evidence, ObjectsData

    rng = np.random.default_rng(seed)
    starts = np.sort(rng.uniform(0, n / 14.0, n))
    rows = []
    for i, t in enumerate(starts):
        kind = EvidenceKind.OBJECTS if i % 3 else EvidenceKind.TEXT
        length = 400.0 if i % 5000 == 18 else float(rng.uniform(0, 8))  # a sign left up for minutes
        rows.append(Evidence(kind, float(t), float(t) + length, f"row {i}",
                             ObjectsData((("person", 1),)) if kind is EvidenceKind.OBJECTS else None, id=i + 1))
    return rows


def _brute(rows, kinds, lo, hi, now):
    return [ev for ev in rows if (kinds is None or ev.kind in kinds) and ev.t_start <= min(hi, now) + 1e-6
            and ev.t_end >= lo]


def _query(question: str, now: float):
    return analyze(question, now)


def test_rows_visit_only_the_asked_window_on_50k_rows():
    from vstream.answer.evidence import EvidenceFinder

    rows = _synthetic_rows(50_000)
    end = rows[-1].t_start
    finder = EvidenceFinder(_ListView(rows), retriever=object())
    q = _query("what is on screen in the last 10 seconds?", end)
    finder.index.visited[0] = 0
    got = finder.rows(q)
    lo, hi = finder.bounds(q)
    assert [ev.id for ev in got] == [ev.id for ev in _brute(rows, None, lo, hi, q.now)]
    assert got and finder.index.visited[0] < 2_000, finder.index.visited[0]  # not 50,000
    mid = _query("what was on screen between 20:00 and 20:10?", end)  # a window deep in the past
    finder.index.visited[0] = 0
    got = finder.rows(mid, (EvidenceKind.TEXT,))
    lo, hi = finder.bounds(mid)
    assert [ev.id for ev in got] == [ev.id for ev in _brute(rows, (EvidenceKind.TEXT,), lo, hi, mid.now)]
    assert any(ev.t_end - ev.t_start > 60 for ev in got)  # a long row that started minutes before the window
    assert finder.index.visited[0] < 2_000, finder.index.visited[0]


def test_index_follows_new_grown_and_dropped_rows():
    """Rows added late and out of order, ends extended in place (a sign still up), old rows
    dropped: every answer equals a scan of the whole list."""
    from memory.records import Evidence
    from vstream.answer.evidence import EvidenceFinder

    rows = _synthetic_rows(3_000, seed=3)
    view = _ListView(rows)
    finder = EvidenceFinder(view, retriever=object())
    rng = np.random.default_rng(5)
    now = rows[-1].t_start
    for step in range(60):
        now += 1.0
        late = Evidence(EvidenceKind.SPEECH, now - 20.0, now - 17.0, "late speech", id=10_000 + step)  # transcribed late
        bisect.insort(view.rows, late, key=lambda e: (e.t_start, e.id))  # the writer's order
        grow = view.rows[int(rng.integers(len(view.rows) - 400, len(view.rows)))]
        grow.t_end = now  # still on screen: grows past the horizon over the steps
        if step == 30:
            del view.rows[:500]  # memory dropped its oldest rows
        for question in ("what happened in the last 90 seconds?", "what did you see so far?", "whats on screen now"):
            q = _query(question, now)
            lo, hi = finder.bounds(q)
            assert [id(ev) for ev in finder.rows(q)] == [id(ev) for ev in _brute(view.rows, None, lo, hi, q.now)]


# ---- composition on evidence we write ourselves ---------------------------------------------------------


class _EmbeddedView(_ListView):
    """A list view with the MiniLM index answers search (what the live memory gives the engine)."""

    def __init__(self, rows):
        from retrieval.embedder import default_embedder
        from retrieval.index import VectorIndex

        for i, ev in enumerate(rows):
            ev.id = ev.id or i + 1
        super().__init__(sorted(rows, key=lambda e: (e.t_start, e.id)))
        self.embedder = default_embedder()
        self.evidence_index, self.visual_index = VectorIndex(self.embedder.dim), VectorIndex(1)
        self.evidence_index.add([ev.id for ev in rows], self.embedder.embed([ev.content for ev in rows]))

    def entries(self):
        return []


def _objects(t0, t1, *boxes):
    from memory.records import Box, Evidence, ObjectsData

    bs = tuple(Box(x, 0.5, x + 0.1, 0.7, label, 0.8, None, colour) for label, colour, x in boxes)
    counts = tuple(sorted((c, sum(b.label == c for b in bs)) for c in {b.label for b in bs}))
    what = ", ".join(f"{n} {c}" for c, n in counts) or "no objects"
    return Evidence(EvidenceKind.OBJECTS, t0, t1, f"{what} in view", ObjectsData(counts, bs))


def _scene_rows():
    """30 s: two people (red on the left, black on the right) and a parked van until 24 s, then the
    detector loses them but for one frame at 25 s; a yellow ball 20-24 s; EXIT on screen 18-30 s;
    one sentence at 22 s; image labels "bow tie" (sure, long) then "seat belt" (brief)."""
    from memory.records import Evidence, Label, LabelData, LookData, MotionData, SpeechData

    return [_objects(0.0, 24.0, ("person", "red", 0.1), ("person", "black", 0.8), ("truck", "white", 0.85)),
            _objects(24.0, 25.0, ("truck", "white", 0.85)),
            _objects(25.0, 25.5, ("person", "red", 0.15), ("truck", "white", 0.85)),
            _objects(25.5, 30.0, ("truck", "white", 0.85)),
            Evidence(EvidenceKind.MOTION, 20.0, 24.0, "a yellow circle moving left to right (top of the frame)",
                     MotionData(None, "yellow", "circle", "left to right")),
            Evidence(EvidenceKind.TEXT, 18.0, 30.0, "EXIT"),
            Evidence(EvidenceKind.SPEECH, 22.0, 24.0, "Lunch today is in the blue cafeteria.", SpeechData()),
            Evidence(EvidenceKind.LABEL, 1.0, 4.0, "looks like: bow tie", LabelData((Label("bow tie", 0.76),)), 0.76),
            Evidence(EvidenceKind.LABEL, 29.0, 29.5, "looks like: seat belt", LabelData((Label("seat belt", 0.3),)), 0.3),
            Evidence(EvidenceKind.LOOK, 0.0, 30.0, "the picture is bright (daylight or well lit); mostly green",
                     LookData(130.0, ("green",), False))]


@pytest.fixture(scope="module")
def scene_engine():
    from vstream.answer.engine import AnswerEngine

    return AnswerEngine(_EmbeddedView(_scene_rows()))


def _ask(engine, question, now):
    ans = engine.answer(question, now=now)
    return ans.text, [(c.t_start, c.t_end) for c in ans.citations]


def test_who_uses_the_latest_frame_that_had_someone(scene_engine):
    text, cites = _ask(scene_engine, "who's in the scene?", 27.0)
    assert "person in red" in text and (25.0, 25.5) in cites, text  # the detector's last sighting, cited


def test_describe_summarises_the_asked_window(scene_engine):
    text, cites = _ask(scene_engine, "whats going on", 27.5)  # "now" = the last 6 s: 21.5-27.5
    for part in ("2 people", "person in red", "person in black", "truck/van", "yellow circle", "EXIT", "cafeteria",
                 "green"):
        assert part in text, (part, text)
    assert "bow tie" not in text and all(t0 <= 27.5 for t0, _ in cites)  # a label from another moment is not "now"


def test_a_subject_question_about_speech_is_not_whether_anyone_spoke(scene_engine):
    text, _ = _ask(scene_engine, "did anyone say anything about pizza?", 28.0)
    assert not text.lower().startswith("yes") and "haven't heard" in text, text
    text, _ = _ask(scene_engine, "did anyone say anything about lunch?", 28.0)
    assert text.startswith("Yes") and "cafeteria" in text, text


def test_colour_presence_and_vehicle_words(scene_engine):
    text, cites = _ask(scene_engine, "anyone in red?", 28.0)
    assert text.startswith("Yes") and "red" in text and (25.0, 25.5) in cites, text
    text, _ = _ask(scene_engine, "anything purple?", 28.0)
    assert text.startswith("No") and "haven't seen" in text, text
    text, _ = _ask(scene_engine, "any cars around", 28.0)  # only a van was there: say so, not "no cars"
    assert text.startswith("Yes") and "truck/van" in text, text


def test_the_surest_label_not_the_latest(scene_engine):
    text, _ = _ask(scene_engine, "what's this?", 29.5)
    assert "bow tie" in text and "seat belt" not in text, text


@pytest.mark.parametrize("question,kind,cls,target", [
    ("how busy is it right now?", AnswerType.HOW_MANY, "person", None),
    ("seen any animals?", AnswerType.YES_NO, "animal", None),
    ("what'd they say", AnswerType.WHAT_SAID, None, ""),
    ("wat kind of bird is that", AnswerType.WHAT, "bird", None),
    ("where is everybody", AnswerType.WHERE, "person", None),
    ("when was the delivery announced?", AnswerType.WHEN, None, "delivery"),
])
def test_chatty_phrasings(question, kind, cls, target):
    q = analyze(question, 30.0)
    assert (q.answer_type, q.object_class) == (kind, cls)
    assert target is None or q.target == target


# ---- held-out shapes of question (issue #11): the cause behind each miss, against known rows -------------


def test_who_is_talking_says_what_was_said_without_recursing(scene_engine):
    """"who's talking" once recursed until Python's stack ran out (the question starts with "who")."""
    text, cites = _ask(scene_engine, "who's talking", 28.0)
    assert "can't tell who" in text and "cafeteria" in text and (22.0, 24.0) in cites, text


def test_is_it_empty_answers_from_the_people_count(scene_engine):
    text, cites = _ask(scene_engine, "is the path empty?", 10.0)
    assert text.startswith("No") and "2 people" in text and cites, text
    text, _ = _ask(scene_engine, "is the path empty?", 29.0)  # only the parked van is left
    assert text.startswith("Yes") and "nobody" in text, text


def test_another_vehicle_is_no_bus_but_a_van_is_a_car(scene_engine):
    text, _ = _ask(scene_engine, "any buses go by?", 28.0)
    assert text.startswith("No") and "truck/van" not in text, text
    text, _ = _ask(scene_engine, "any cars around", 28.0)
    assert text.startswith("Yes") and "truck/van" in text, text


def test_a_moving_thing_that_left_is_not_still_there(scene_engine):
    text, cites = _ask(scene_engine, "is the yellow ball still there?", 26.0)  # it was followed 20-24 s
    assert text.startswith("No") and (20.0, 24.0) in cites, text
    text, _ = _ask(scene_engine, "is the yellow ball still there?", 23.5)
    assert text.startswith("Yes"), text


def test_a_sign_named_by_where_it_is_reads_the_text_there(scene_engine):
    for question in ("what's the name on the banner", "what did the sign on top of that car say?"):
        text, cites = _ask(scene_engine, question, 28.0)
        assert "EXIT" in text and (18.0, 30.0) in cites, (question, text)
    text, _ = _ask(scene_engine, "what does the parking sign say", 28.0)  # content that is not there
    assert "EXIT" not in text and "haven't seen" in text, text


@pytest.fixture(scope="module")
def cuts_engine():
    """Cuts at 3 and 7 s; two sentences; one walker going right whose detections were merged into one
    row (one frame's box) and whose track broke into short fragments (each with its last box)."""
    from memory.records import Box, Evidence, SceneData, SpeechData, TrackData
    from vstream.answer.engine import AnswerEngine

    def frag(t0, t1, tid, x):
        return Evidence(EvidenceKind.TRACK, t0, t1, f"person #{tid}",
                        TrackData(tid, "person", (), Box(x, 0.3, x + 0.07, 0.6, "person", 0.8, tid, "red")))

    rows = [Evidence(EvidenceKind.SCENE, 3.0, 3.0, "scene change", SceneData(0.2)),
            Evidence(EvidenceKind.SCENE, 7.0, 7.0, "scene change", SceneData(0.2)),
            Evidence(EvidenceKind.SPEECH, 1.0, 2.5, "The truck is at dock seven.", SpeechData()),
            Evidence(EvidenceKind.SPEECH, 5.0, 6.5, "The meeting moved to room twelve.", SpeechData()),
            _objects(6.0, 10.0, ("person", "red", 0.33)),
            frag(6.0, 6.5, 3, 0.0), frag(9.0, 9.5, 4, 0.21)]
    return AnswerEngine(_EmbeddedView(rows))


def test_cuts_by_a_time_and_background_changes(cuts_engine):
    text, _ = _ask(cuts_engine, "how many cuts were there by 0:05?", 9.0)
    assert "1 scene change" in text and "00:07" not in text, text
    text, cites = _ask(cuts_engine, "when did the background change", 9.0)
    assert "00:03.0" in text and "00:07.0" in text and (3.0, 3.0) in cites, text


def test_counting_what_was_announced(cuts_engine):
    text, _ = _ask(cuts_engine, "how many things have been announced so far", 9.0)
    assert text.startswith("I heard 2 things said"), text


def test_direction_from_merged_rows_and_track_fragments(cuts_engine):
    text, _ = _ask(cuts_engine, "which way is she walking?", 10.0)
    assert "left to right" in text, text


@pytest.mark.parametrize("question,kind,cls", [
    ("how many were on the path at 0:30", AnswerType.HOW_MANY, "person"),
    ("how many passengers", AnswerType.HOW_MANY, "person"),
    ("whos in the car", AnswerType.WHO, "person"),
    ("wasnt there something about a drill earlier? what time", AnswerType.YES_NO, None),
    ("how long has the bird been there", AnswerType.WHEN, "bird"),
    ("is there a bicycle in this shot", AnswerType.YES_NO, "bicycle"),
    ("whats on the roof of that car", AnswerType.WHAT_SHOWN, "car"),
])
def test_held_out_question_shapes(question, kind, cls):
    q = analyze(question, 60.0)
    assert (q.answer_type, q.object_class) == (kind, cls)
    assert Modality.SCENE not in q.modalities or "shot" not in question
    assert "wasnt" not in q.target


def test_noise_is_a_hearing_question():
    assert Modality.SPEECH in analyze("is the parrot making any noise?", 8.0).modalities


def _label_engine(name, p):
    from memory.records import Evidence, Label, LabelData, LookData
    from vstream.answer.engine import AnswerEngine

    return AnswerEngine(_EmbeddedView([
        Evidence(EvidenceKind.LABEL, 0.0, 10.0, f"looks like: {name}", LabelData((Label(name, p),)), p),
        Evidence(EvidenceKind.LOOK, 0.0, 10.0, "the picture is bright (daylight or well lit); mostly white",
                 LookData(140.0, ("white",), False))]))


def test_where_is_this_names_a_kind_of_place_from_what_is_seen(scene_engine):
    """Vehicles in view → a street or road (cited); a sure place-like label → that place; a weak
    label or nothing place-like → says it can't tell; never a named place."""
    assert "street or road" not in _ask(scene_engine, "where is this guy?", 10.0)[0]  # a person's place
    for question in ("where is this?", "what kind of place is this", "where was this filmed"):
        text, cites = _ask(scene_engine, question, 10.0)
        assert "street or road" in text and "not which one" in text and (0.0, 24.0) in cites, text
    text, cites = _ask(scene_engine, "where is this?", 28.0)  # EXIT is on screen: quoted, not taken for a name
    assert "street or road" in text and "“EXIT”" in text and (18.0, 30.0) in cites, text
    text, cites = _ask(_label_engine("refrigerator", 0.62), "where are we?", 9.0)
    assert "kitchen" in text and (0.0, 10.0) in cites, text
    text, _ = _ask(_label_engine("refrigerator", 0.3), "where are we?", 9.0)  # below PLACE_LABEL_MIN
    assert "can't tell what kind of place" in text and "kitchen" not in text, text
    text, _ = _ask(_label_engine("bow tie", 0.8), "what city is this?", 9.0)
    assert "can't tell what kind of place" in text, text


def test_a_person_with_something_unseen_is_not_a_yes(scene_engine):
    """"Is anyone carrying a bag?" with people in view: bags are not recognised, so not "Yes"."""
    for question in ("is anyone carrying a bag?", "is somebody wearing a hat", "anyone with an umbrella?"):
        text, _ = _ask(scene_engine, question, 10.0)
        assert not text.startswith("Yes") and "can't tell" in text, (question, text)
    text, cites = _ask(scene_engine, "is he wearing a tie?", 3.5)  # the classifier saw a bow tie 1-4 s
    assert text.startswith("Possibly") and "bow tie" in text and (1.0, 4.0) in cites, text
    text, _ = _ask(scene_engine, "is he wearing a tie?", 12.0)  # that label is long gone: no guess
    assert "can't tell" in text and "bow tie" not in text, text


def test_an_action_the_senses_do_not_see_is_not_a_yes(scene_engine):
    """People in view are not a "yes" to "did anyone drop something?" or "is anybody running?";
    arriving, leaving and being there still are answered from the detections."""
    for question in ("did anyone drop something?", "is anybody running?", "somebody fell?", "did the man wave?",
                     "does anyone have a phone"):
        text, _ = _ask(scene_engine, question, 10.0)
        assert not text.startswith("Yes") and "can't tell" in text and "2 people" in text, (question, text)
    text, cites = _ask(scene_engine, "is anyone walking on the path?", 10.0)
    assert text.startswith("Yes") and (0.0, 24.0) in cites, text
    text, _ = _ask(scene_engine, "how old is he?", 10.0)  # an attribute of a person in view, not whether one is
    assert "can't tell" in text and not text.startswith(("Yes", "No")), text


def test_not_in_view_now_still_names_the_last_sighting(scene_engine):
    text, cites = _ask(scene_engine, "is there a person?", 40.0)  # last seen 25-25.5 s, long before "now"
    assert text.startswith("No") and "25.0" in text and (25.0, 25.5) in cites and "so far" not in text, text


def test_a_detection_that_flickered_out_a_moment_ago_is_still_there(scene_engine):
    text, cites = _ask(scene_engine, "is there a person?", 26.0)  # seen 25-25.5 s, missed at 26 s
    assert text.startswith("Yes") and "person in red" in text and (25.0, 25.5) in cites, text
    text, _ = _ask(scene_engine, "is there a person?", 27.0)  # 1.5 s without one: gone
    assert text.startswith("No"), text


def test_a_moderately_lit_green_picture_is_day_and_a_night_lit_one_is_night():
    from memory.records import Evidence, LookData
    from vstream.answer.engine import AnswerEngine

    def engine(content, luma, colours):
        return AnswerEngine(_EmbeddedView([Evidence(EvidenceKind.LOOK, 0.0, 10.0, content, LookData(luma, colours, False))]))
    text, _ = _ask(engine("the picture is moderately lit; mostly green", 95.0, ("green",)), "is it night?", 8.0)
    assert "daytime" in text, text
    text, _ = _ask(engine("the picture is moderately lit; mostly grey", 95.0, ("grey",)), "is it night?", 8.0)
    assert "can't tell day from night" in text, text
    night = engine("the picture is night-lit (many small lights); mostly cyan", 75.0, ("cyan",))
    assert "daytime" not in _ask(night, "is it night?", 8.0)[0]


def test_weather_is_not_judged_from_brightness(scene_engine):
    text, cites = _ask(scene_engine, "what's the weather like?", 10.0)
    assert "can't tell the weather" in text and (0.0, 30.0) in cites, text
    text, _ = _ask(scene_engine, "what time of day is it?", 10.0)
    assert "daytime" in text, text


def test_a_question_naming_who_speaks_is_whether_anyone_spoke(scene_engine):
    text, _ = _ask(scene_engine, "is the man talking?", 20.0)  # the only sentence is at 22 s
    assert text.startswith("No") and "anyone speak" in text, text
    text, cites = _ask(scene_engine, "is the man talking?", 24.0)
    assert text.startswith("Yes") and "cafeteria" in text and (22.0, 24.0) in cites, text


def _explainer_rows():
    """A 120 s explainer as its evidence: a title card, two name captions (lower thirds) over footage
    with no person detected, a caption with a stated count, a web address, narration, rolling credits."""
    from memory.records import Evidence, SpeechData

    def text(t0, t1, line):
        return Evidence(EvidenceKind.TEXT, t0, t1, line)

    def said(t0, t1, line):
        return Evidence(EvidenceKind.SPEECH, t0, t1, line, SpeechData())

    return [_objects(0.0, 120.0), text(0.0, 6.0, "The Hidden Life of City Birds"),
            text(0.0, 6.0, "A short film by Harbor Lane Studio"), text(9.0, 15.0, "Dr. Maya Chen"),
            text(9.0, 15.0, "Ornithologist, Lakeside University"), said(16.0, 20.5, "She has spent 12 years watching them."),
            said(25.0, 28.5, "Cockatoos can live for more than 60 years."), text(38.0, 44.0, "Over 4,000 pigeons counted in 2025"),
            said(36.0, 40.5, "Each spring volunteers count the pigeons in every park."),
            text(48.0, 53.0, "Part 2: What they eat"), said(50.0, 55.0, "Most city birds eat seeds, insects and the crumbs we drop."),
            text(64.0, 70.0, "Tom Reyes"), text(64.2, 70.0, "Park Ranger, Eastside Gardens"),
            text(80.0, 88.0, "Learn more at citybirds.org"), text(92.0, 98.0, "Report injured birds: 555-0142"),
            text(102.0, 112.0, "Directed by Sam Ortiz"),
            text(102.6, 113.8, "Narrated by Lee Park"), text(103.0, 115.0, "Music by The Night Owls"),
            text(105.8, 117.0, "Special thanks to Lakeside University"), text(107.4, 118.6, "© 2026 Harbor Lane Studio")]


@pytest.fixture(scope="module")
def explainer_engine():
    from vstream.answer.engine import AnswerEngine

    return AnswerEngine(_EmbeddedView(_explainer_rows()))


@pytest.mark.parametrize("question, now, want, wrong, cite", [
    ("what's this video called?", 4.0, "Hidden Life", None, (0.0, 6.0)),
    ("who's it by?", 5.0, "Harbor Lane", None, (0.0, 6.0)),
    ("who made this?", 50.0, "Harbor Lane", "Maya Chen", (0.0, 6.0)),
    ("who's the woman being interviewed?", 12.0, "Maya Chen", "Tom Reyes", (9.0, 15.0)),
    ("what does she do?", 13.0, "Ornithologist", None, (9.0, 15.0)),
    ("what's her name?", 13.0, "Maya Chen", None, (9.0, 15.0)),
    ("name of the bird expert?", 100.0, "Maya Chen", "Tom Reyes", (9.0, 15.0)),
    ("who's the park ranger?", 100.0, "Tom Reyes", "Maya Chen", (64.0, 70.0)),
    ("what's the chapter called?", 60.0, "What they eat", None, (48.0, 53.0)),
    ("which university is Maya Chen from?", 30.0, "Lakeside", None, (9.0, 15.0)),
    ("what's Tom Reyes's job?", 75.0, "Park Ranger", "Ornithologist", (64.0, 70.0)),
    ("who counts the pigeons?", 45.0, "volunteers", None, (36.0, 40.5)),
    ("how many pigeons did they count?", 47.0, "4,000", None, (38.0, 44.0)),
    ("what year was the count?", 47.0, "2025", "12 years", (38.0, 44.0)),
    ("what's the website?", 90.0, "citybirds.org", None, (80.0, 88.0)),
    ("who directed it?", 110.0, "Sam Ortiz", "Lee Park", (102.0, 112.0)),
    ("who did the music?", 110.0, "Night Owls", "Lee Park", (103.0, 115.0)),
    ("who narrated it?", 116.0, "Lee Park", "Sam Ortiz", (102.6, 113.8)),
    ("who are they thanking at the end?", 118.0, "Lakeside", "60 years", (105.8, 117.0)),
    ("what year is the copyright?", 119.0, "2026", "2025", (107.4, 118.6)),
    ("how long has she been studying birds?", 22.0, "12 years", None, (16.0, 20.5)),
    ("what was said right after the title?", 20.0, "12 years", None, (16.0, 20.5)),
    ("what was said just before the website came up?", 90.0, "seeds", "12 years", (50.0, 55.0)),
])
def test_an_explainer_is_answered_from_its_own_text_and_narration(explainer_engine, question, now, want, wrong, cite):
    """Who questions read captions and credits (no person is detected); roles come from the line under a
    name; the video's stated numbers are quoted; kinds of text (website, year, copyright) by their look."""
    text, cites = _ask(explainer_engine, question, now)
    assert want in text and cite in cites, (question, text, cites)
    assert wrong is None or wrong not in text, (question, text)


def test_where_is_a_thing_not_in_view_quotes_where_it_was_said_to_be():
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    said = Evidence(EvidenceKind.SPEECH, 4.0, 7.0, "The delivery truck is waiting at dock seven.", SpeechData())
    engine = AnswerEngine(_EmbeddedView([_objects(0.0, 12.0), said]))
    text, cites = _ask(engine, "where is the delivery truck?", 12.0)
    assert text.startswith("Someone said") and "not in view" in text and "dock seven" in text and cites == [(4.0, 7.0)], text
    text, cites = _ask(engine, "where's the car?", 12.0)  # nothing said about a car
    assert "don't see a car" in text and not cites, text


def test_colour_of_a_thing_gone_is_its_colour_when_last_seen(scene_engine):
    text, cites = _ask(scene_engine, "what colour is the person wearing?", 40.0)  # last seen 25-25.5 s, in red
    assert "don't see" in text and "red" in text and "25.0" in text and (25.0, 25.5) in cites, text


def test_a_thing_named_by_colour_and_place_is_not_an_unseen_detail(scene_engine):
    text, cites = _ask(scene_engine, "whats that white vehicle by the building", 10.0)
    assert text.startswith("Yes") and "truck/van" in text and (0.0, 24.0) in cites, text


def test_the_colour_of_a_part_is_not_the_colour_of_the_top(scene_engine):
    text, _ = _ask(scene_engine, "what colour are his shoes?", 10.0)
    assert "can't single out the shoes" in text, text
    text, cites = _ask(scene_engine, "what colour is the person on the left wearing?", 10.0)
    assert "red" in text and "single out" not in text and (0.0, 24.0) in cites, text


def test_a_name_is_never_guessed_without_a_caption(scene_engine):
    text, cites = _ask(scene_engine, "what's the name of that guy?", 10.0)
    assert "haven't seen a caption" in text and "names by sight" in text and not cites, text


def test_who_is_passing_by_is_the_people_in_view_not_a_by_line(scene_engine):
    text, cites = _ask(scene_engine, "who's walking by", 10.0)
    assert "2 people" in text and (0.0, 24.0) in cites, text


@pytest.fixture(scope="module")
def news_engine():
    """A news bulletin as evidence: a dated title card, a ticker line, an interview (a question said,
    then its answer), a stated count, a weather panel and a forecast said, contact lines at the end."""
    from memory.records import Evidence, MotionData, SpeechData
    from vstream.answer.engine import AnswerEngine

    def text(t0, t1, line):
        return Evidence(EvidenceKind.TEXT, t0, t1, line)

    def said(t0, t1, line):
        return Evidence(EvidenceKind.SPEECH, t0, t1, line, SpeechData())

    return AnswerEngine(_EmbeddedView([
        _objects(0.0, 90.0), text(0.0, 6.0, "Northgate Evening News"), text(0.0, 6.0, "Tuesday 14 October"),
        said(1.0, 4.0, "Good evening, here is tonight's news."), text(24.0, 30.0, "Ferry fares rise 10% from Monday"),
        text(18.5, 20.5, "Ferry fares rise 1"), text(20.5, 22.5, "Ferry fares rise 10% from"),
        text(24.5, 26.5, "w river bridge"), text(42.5, 44.5, "Council approves new river bridge"),
        text(52.5, 54.5, "ew river bridge • Ferry fares rise 10% from Monday"), text(33.0, 41.0, "Daniel Okafor"),
        text(33.0, 41.0, "Commuter, Riverside"), text(6.0, 80.0, "NGN LIVE"),
        said(31.0, 35.0, "Daniel, how long does your drive to work take now?"),
        said(36.0, 40.0, "About forty minutes. It used to be twenty."),
        said(44.0, 47.5, "More buses, and a second bridge over the river."),
        said(49.0, 51.5, "Would you ever cycle to work instead?"), said(52.5, 55.0, "Not yet. The roads feel too busy."),
        Evidence(EvidenceKind.MOTION, 15.5, 17.0, "a blue thing came in at the left edge, moving upwards",
                 MotionData(None, "blue", "", "upwards")),
        said(60.0, 63.5, "The council plans three new cycle lanes."), said(45.0, 48.0, "Ferries run late tonight."),
        text(71.0, 79.0, "WEATHER"),
        text(71.0, 79.0, "Tomorrow: 18°C, light rain"), text(81.0, 90.0, "northgatenews.co.uk"),
        text(81.0, 90.0, "Email us: tips@northgatenews.co.uk")]))


@pytest.mark.parametrize("question, now, want, cite", [
    ("what date's this bulletin from?", 5.0, "Tuesday 14 October", (0.0, 6.0)),
    ("what did the ticker say about ferries?", 60.0, "Ferry fares", (24.0, 30.0)),
    ("so how long does it take him to get to work?", 42.0, "forty minutes", (36.0, 40.0)),
    ("how many new cycle lanes are they planning", 66.0, "three new cycle lanes", (60.0, 63.5)),
    ("what does he think would fix things?", 48.5, "second bridge", (44.0, 47.5)),
    ("how much have ferry fares gone up?", 30.0, "10% from Monday", (24.0, 30.0)),
    ("which day is the bulletin?", 5.0, "Tuesday 14 October", (0.0, 6.0)),
    ("what did he say right after the question about his drive?", 45.0, "forty minutes", (36.0, 40.0)),
    ("what's the weather going to be?", 75.0, "light rain", (71.0, 79.0)),
    ("how do I contact them?", 88.0, "tips@northgatenews.co.uk", (81.0, 90.0)),
])
def test_a_bulletin_is_answered_from_what_it_shows_and_says(news_engine, question, now, want, cite):
    text, cites = _ask(news_engine, question, now)
    assert want in text and cite in cites and not text.startswith("I haven't"), (question, text, cites)
    assert "ticker" not in question or "run late" not in text, text  # the ticker is on screen, not a voice


def test_a_stated_number_must_count_the_asked_thing(news_engine):
    text, _ = _ask(news_engine, "how many ferries were there?", 60.0)  # "Ferry fares rise 10%" counts no ferries
    assert "10%" not in text, text
    text, cites = _ask(news_engine, "how many new cycle lanes are they planning", 66.0)
    assert "three new cycle lanes" in text and cites == [(60.0, 63.5)], text


def test_a_forecast_before_one_is_shown_or_said_is_not_seen(news_engine):
    text, cites = _ask(news_engine, "what's the forecast?", 70.0)  # the panel comes up at 71 s
    assert "haven't seen or heard a weather forecast" in text and not cites, text


def test_a_yes_about_speech_needs_the_asked_word(explainer_engine):
    text, _ = _ask(explainer_engine, "have they talked about sparrows yet?", 40.0)  # birds were, sparrows not
    assert text.startswith("No") and "haven't heard" in text, text
    text, _ = _ask(explainer_engine, "was a bus mentioned?", 45.0)  # a thing named is the topic, not a speaker
    assert text.startswith("No"), text
    text, cites = _ask(explainer_engine, "did they mention volunteers?", 45.0)
    assert text.startswith("Yes") and (36.0, 40.5) in cites, text


def test_the_number_for_something_is_a_line_with_a_number(explainer_engine):
    text, cites = _ask(explainer_engine, "what's the number for injured birds?", 25.0)  # shown at 92 s
    assert "haven't seen or heard a number" in text and not cites, text
    text, cites = _ask(explainer_engine, "what's the number for injured birds?", 97.0)
    assert "555-0142" in text and cites == [(92.0, 98.0)], text


def test_an_explainer_before_its_facts_says_not_seen(explainer_engine):
    text, _ = _ask(explainer_engine, "who is Maya Chen?", 8.0)  # her caption comes up at 9 s
    assert "Maya" not in text.replace("“Maya Chen”", "") and "haven't" in text, text
    text, _ = _ask(explainer_engine, "who directed it?", 60.0)  # the credits roll from 102 s
    assert "Ortiz" not in text, text


def _gait_engine(runner: bool):
    """Two people followed 10-20 s (box height 0.3): a walker crossing half the frame, and one who stays
    put; optionally a third moving 1.7 frame widths in 2.5 s (about 2.3 body heights a second)."""
    from memory.records import Box, Evidence, TrackData
    from vstream.answer.engine import AnswerEngine

    def track(i, t0, t1, x0, x1):
        box = lambda x: Box(x, 0.4, x + 0.1, 0.7, "person", 0.8, i)  # noqa: E731
        return Evidence(EvidenceKind.TRACK, t0, t1, f"person #{i}", TrackData(i, "person", (), box(x1), box(x0)))
    rows = [_objects(10.0, 20.0, ("person", "black", 0.2), ("person", "red", 0.6)),
            track(1, 10.0, 20.0, 0.1, 0.6), track(2, 10.0, 20.0, 0.62, 0.63)]
    if runner:
        rows.append(track(3, 17.5, 20.0, 0.0, 1.7))
    return AnswerEngine(_EmbeddedView(rows))


def test_walking_standing_and_running_come_from_how_far_each_track_moved():
    text, cites = _ask(_gait_engine(False), "are the people standing still or walking?", 20.0)
    assert text.startswith("1 of the 2") and "barely moved" in text and (10.0, 20.0) in cites, text
    text, _ = _ask(_gait_engine(False), "is anybody running?", 20.0)
    assert text.startswith("No one") and "0.2 body heights" in text, text
    text, _ = _ask(_gait_engine(True), "is anybody running?", 20.0)
    assert text.startswith("Yes — 1 of the 3") and "running pace" in text, text


def test_where_is_a_coloured_car_uses_boxes_not_a_matching_line(scene_engine):
    text, cites = _ask(scene_engine, "where is the red car?", 10.0)  # the person is red, the van white
    assert "haven't seen a red car" in text and not cites, text
    text, _ = _ask(scene_engine, "is anyone wearing purple?", 10.0)
    assert text.startswith("No") and "anyone in purple" in text, text


def test_direction_from_one_tracks_first_and_last_box():
    """One walker tracked 6-20 s, the detections merged into rows without her track id (a merged
    row keeps one frame's boxes): the track's own first and last box give the way she went."""
    from memory.records import Box, Evidence, TrackData
    from vstream.answer.engine import AnswerEngine

    def box(x):
        return Box(x, 0.3, x + 0.07, 0.6, "person", 0.8, 4)

    track = Evidence(EvidenceKind.TRACK, 6.0, 20.0, "person #4", TrackData(4, "person", (), last_box=box(0.2), first_box=box(0.7)))
    rows = [_objects(6.0, 20.0, ("person", "red", 0.7)), track]
    text, cites = _ask(AnswerEngine(_EmbeddedView(rows)), "which way is she walking?", 20.0)
    assert "right to left" in text and cites == [(6.0, 20.0)], (text, cites)


def test_sign_words_said_another_way(scene_engine):
    """A sign reads EXIT / TOILETS; people ask for the way out or the restroom."""
    assert analyze("where's the way out", 50.0).target == "exit"
    assert lexical("restroom", "TOILETS ->") == 1.0 and lexical("lift", "LIFT 2") == 1.0
    assert lexical("restroom", "RESTAURANT") < 0.8
    assert lexical("door open", "DOOROPEN") == 1.0 and lexical("open door", "DOOROPEN") < 0.6  # OCR dropped the space
    assert lexical("0:17", "said at 00:01.7") < 0.6  # a time is not found inside another one
    text, cites = _ask(scene_engine, "where's the way out?", 28.0)
    assert "EXIT" in text and (18.0, 30.0) in cites, text


def test_near_spellings_and_generic_text_questions(scene_engine):
    """'parking' is no slip of 'speaking' (a wrong "Yes" once); a question with no subject about
    speech lists what was said in the window; "what signs have you seen" lists the text; "what
    room is the meeting in" is about a room named in the evidence, not the kind of place."""
    assert lexical("parking", "is anyone speaking") == 0.0 and lexical("dock", "waiting at Doc 7") == 1.0
    assert lexical("news", "Council approves new ri") == 0.0 and lexical("cars", "a red car") == 1.0  # news is no plural
    text, _ = _ask(scene_engine, "did they say anything about parking?", 28.0)
    assert text.startswith("No, I haven't heard") and "parking" in text, text
    text, cites = _ask(scene_engine, "anything said in the last 10 seconds?", 28.0)
    assert text.startswith("Yes") and "cafeteria" in text and (22.0, 24.0) in cites, text
    text, cites = _ask(scene_engine, "what signs have you seen?", 28.0)
    assert "EXIT" in text and (18.0, 30.0) in cites, text
    assert "kind of place" not in _ask(scene_engine, "what room is the meeting in now?", 28.0)[0]


def test_counts_compared_across_time_and_unseen_postures(scene_engine):
    """Two people until 24 s, nobody at 28 s (the van stays): 'more people now than at 0:10?' is
    No with both counts cited; 'fewer'? Yes; 'is anyone standing still?' is not a yes."""
    text, cites = _ask(scene_engine, "are there more people now than at 0:10?", 28.0)
    assert text.startswith("No") and "0 people" in text and "2 at 00:10.0" in text and len(cites) == 2, text
    text, _ = _ask(scene_engine, "are there fewer people than 20 seconds ago?", 28.0)
    assert text.startswith("Yes"), text
    text, _ = _ask(scene_engine, "is anyone standing still?", 10.0)
    assert not text.startswith("Yes") and "can't tell" in text, text


def test_a_line_read_in_pieces_is_quoted_whole(news_engine):
    """A ticker is read as it scrolls: the piece that matched best is quoted as the whole line, read
    alone or inside a run of lines; a sign that stayed whole is never swapped for a longer one."""
    from memory.records import Evidence
    from vstream.answer.compose import fuller

    text, cites = _ask(news_engine, "what's the headline about the bridge?", 50.0)
    assert "“Council approves new river bridge”" in text and (42.5, 44.5) in cites, text
    text, cites = _ask(news_engine, "how much have ferry fares gone up?", 23.0)  # before the whole line was read alone
    assert "“Ferry fares rise 10% from”" in text and "rise 1”" not in text, text
    text, cites = _ask(news_engine, "how much have ferry fares gone up?", 60.0)
    assert "“Ferry fares rise 10% from Monday”" in text and "•" not in text, text
    exit_sign = Evidence(EvidenceKind.TEXT, 5.0, 13.0, "EXIT")
    assert fuller(exit_sign, [exit_sign, Evidence(EvidenceKind.TEXT, 20.0, 28.0, "EXIT 5 NORTH")]) is exit_sign


def test_which_came_first_finds_both_things_by_what_they_are(explainer_engine, news_engine):
    text, cites = _ask(explainer_engine, "what came first, the banner or the chapter title?", 60.0)
    assert text.startswith("The banner came first") and "Maya Chen" in text and cites == [(9.0, 15.0), (48.0, 53.0)], text
    text, cites = _ask(explainer_engine, "which came first - the website or the pigeon count?", 95.0)
    assert text.startswith("The pigeon count came first") and cites[0] in ((36.0, 40.5), (38.0, 44.0)), text
    text, cites = _ask(explainer_engine, "which came first, the website or the credits?", 95.0)  # credits at 102 s
    assert "haven't seen or heard “credits”" in text and cites == [(80.0, 88.0)], text
    text, cites = _ask(explainer_engine, "was the website shown before or after the pigeon count?", 95.0)
    assert text.startswith("The website came after the pigeon count") and (80.0, 88.0) in cites, text
    text, _ = _ask(explainer_engine, "did the chapter title come before the banner?", 95.0)
    assert text.startswith("No — the chapter title came after the banner"), text
    text, cites = _ask(news_engine, "when did the interview start?", 65.0)  # named by its caption
    assert "Daniel Okafor" in text and cites == [(33.0, 41.0)], text


def test_who_after_the_caption_went_reaches_back_to_it(explainer_engine):
    text, cites = _ask(explainer_engine, "who's the woman in the banner?", 40.0)
    assert "Maya Chen" in text and "now" in text and cites[0] == (9.0, 15.0), text
    text, cites = _ask(explainer_engine, "who is that?", 90.0)  # nobody in view: the last caption, Tom Reyes's
    assert "Tom Reyes" in text and "Maya" not in text, text
    text, _ = _ask(explainer_engine, "who is that?", 8.0)  # no caption yet: no name
    assert "Maya" not in text and "Tom" not in text, text


def test_a_thing_asked_by_a_place_not_detected_is_what_is_in_view(scene_engine):
    """"What's parked by the building?": the vehicles detected, the building named but not placed; a bare
    "what's on the table?" with no table still says it was not seen."""
    text, cites = _ask(scene_engine, "what's parked by the building?", 10.0)
    assert text.startswith("In view at 00:10.0: 1 truck/van") and "person" not in text and "can't place" in text, text
    assert cites == [(0.0, 24.0)], cites
    text, _ = _ask(scene_engine, "what's standing on the grass?", 10.0)
    assert "2 people" in text and "truck/van" in text, text
    text, _ = _ask(scene_engine, "what's on the table?", 10.0)
    assert "haven't seen" in text, text


def test_names_and_places_come_from_captions_not_from_a_word_that_matches(news_engine):
    """A name is read off a caption whoever is asked about ("the presenter" is named by none); "where's he
    from" is the caption's role line; a question naming Daniel is not answered by "NGN LIVE"."""
    text, cites = _ask(news_engine, "whats the presenter's name?", 10.0)
    assert "haven't seen a caption or heard a name" in text and not cites, text
    text, cites = _ask(news_engine, "remind me what the guy's name was", 57.0)
    assert "Daniel Okafor" in text and "shown earlier" in text and cites[0] == (33.0, 41.0), text
    text, cites = _ask(news_engine, "the guy being interviewed — where's he from?", 45.0)
    assert "Riverside" in text and (33.0, 41.0) in cites, text
    text, _ = _ask(news_engine, "where does Daniel live?", 30.0)  # before his caption
    assert text.startswith("I haven't seen or heard anything about"), text


def test_fillers_and_headings_do_not_decide_the_answer(explainer_engine):
    """"wait, did they say…" is a yes/no about speech; a chapter heading that repeats the question's words
    gives way to the narration that answers it."""
    text, _ = _ask(explainer_engine, "wait did they say anything about how old cockatoos get?", 24.0)  # said at 25 s
    assert text.startswith("No, I haven't heard"), text
    text, cites = _ask(explainer_engine, "so what do they actually eat?", 57.0)
    assert "seeds, insects" in text and "Part 2" not in text and cites == [(50.0, 55.0)], text
    text, cites = _ask(explainer_engine, "what's the chapter called?", 57.0)
    assert "Part 2: What they eat" in text, text


@pytest.fixture(scope="module")
def lecture_engine():
    """A recorded talk as evidence: a title slide (title, speaker, department, date, page number), a name
    caption over the speaker, slides with numbers, spoken-only numbers, an audience question and answer."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    def text(t0, t1, *lines):
        return [Evidence(EvidenceKind.TEXT, t0, t1, line) for line in lines]

    def said(t0, t1, line):
        return Evidence(EvidenceKind.SPEECH, t0, t1, line, SpeechData())

    return AnswerEngine(_EmbeddedView([
        _objects(0.0, 120.0), *text(0.0, 10.0, "1/8", "12 March 2026", "Department of Geography, Northfield University",
                                    "Dr. Martin Hale", "Urban Heat Islands"),
        *text(10.5, 17.0, "Dr. Martin Hale", "Climate Scientist, Northfield University"),
        said(10.6, 15.3, "Good morning, everyone, and please silence your phones."),
        *text(28.0, 43.0, "3/8", "What is an urban heat island?", "• Up to 7°C warmer at night"),
        said(28.6, 35.1, "At night, a city centre can be up to 7 degrees warmer than the fields around it."),
        *text(43.0, 53.0, "4/8", "How we measured it", "• Satellite data from 120 cities", "• Ten years: 2014 to 2024",
              "• Average gap: 2.9°C", "• Largest gap: 8.4°C (Phoenix)"),
        *text(61.0, 72.0, "5/8", "Main causes", "• Dark roofs and roads absorb sunlight"),
        said(61.6, 66.0, "Dark roofs can absorb up to 90% of sunlight."),
        *text(72.0, 82.0, "A thought to keep in mind", "“We shape our buildings;", "thereafter they shape us.”",
              "— Winston Churchill"),
        *text(82.0, 92.0, "7/8", "Key takeaways", "• Cool roofs cut roof heat by 30%"),
        said(92.6, 95.9, "Does painting a roof white really make a difference?"),
        said(97.1, 101.9, "White roof can stay 20 degrees cooler at noon?")]))  # the recogniser's stray "?"


@pytest.mark.parametrize("question, now, want, wrong, cite", [
    ("what's this talk about?", 6.0, "“Urban Heat Islands” /", "haven't heard", (0.0, 10.0)),
    ("who's giving the talk", 7.0, "Dr. Martin Hale", "Urban Heat Islands", (0.0, 10.0)),
    ("who is the speaker?", 14.0, "Climate Scientist", "can't tell who was speaking", (10.5, 17.0)),
    ("how much warmer can a city get at night", 38.0, "7", "times seen", (28.6, 35.1)),
    ("by how much do cool roofs cut roof heat", 90.0, "30%", "scene change", (82.0, 92.0)),
    ("what percentage of sunlight do dark roofs absorb?", 68.0, "90%", None, (61.6, 66.0)),
    ("what did the woman in the audience ask?", 100.0, "painting a roof white", None, (92.6, 95.9)),
    ("whats the avg gap", 51.0, "2.9°C", "8.4", (43.0, 53.0)),  # the bullet alone, not its slide's other numbers
    ("and what was his answer?", 103.0, "20 degrees cooler", None, (97.1, 101.9)),
])
def test_a_talk_is_answered_from_its_slides_captions_and_words(lecture_engine, question, now, want, wrong, cite):
    text, cites = _ask(lecture_engine, question, now)
    assert want in text and cite in cites, (question, text, cites)
    assert wrong is None or wrong not in text, (question, text)


def test_a_talk_before_its_facts_says_not_seen_or_heard(lecture_engine):
    text, cites = _ask(lecture_engine, "what did the woman in the audience ask?", 90.0)  # asked at 92.6 s
    assert text.startswith("I haven't heard anyone ask a question") and not cites, text
    text, _ = _ask(lecture_engine, "what's the average temperature gap?", 15.0)  # a temperature only ever told
    assert text.startswith("I haven't seen or heard anything about"), text


def test_an_answer_is_what_was_said_after_the_question(lecture_engine):
    """A reply the recogniser ended with "?" is still the answer, not a new question."""
    text, cites = _ask(lecture_engine, "and what was his answer?", 103.0)
    assert text.startswith("The question:") and "painting a roof white" in text and "20 degrees cooler" in text, text
    assert cites == [(92.6, 95.9), (97.1, 101.9)], cites


def test_counts_of_what_was_shown_and_who_came_before(explainer_engine, lecture_engine):
    text, cites = _ask(explainer_engine, "how many different people have been named on screen so far?", 100.0)
    assert text.startswith("2 people named") and "Maya Chen" in text and "Tom Reyes" in text, text
    text, _ = _ask(explainer_engine, "how many captions have there been?", 60.0)  # title, Maya Chen, pigeons, chapter
    assert text.startswith("4 different captions"), text
    text, cites = _ask(lecture_engine, "how many slides so far?", 95.0)  # 1/8, 3/8, 5/8, 7/8 were read
    assert text.startswith("Up to slide 7") and cites == [(82.0, 92.0)], text
    text, cites = _ask(explainer_engine, "who was shown before the ranger?", 75.0)
    assert "Maya Chen" in text and "Tom Reyes" in text and (9.0, 15.0) in cites, text


def test_a_habit_is_what_was_said_about_it_never_a_person_in_view(news_engine):
    text, cites = _ask(news_engine, "does he cycle to work?", 57.0)
    assert not text.startswith("Yes") and "Not yet" in text and cites == [(49.0, 51.5), (52.5, 55.0)], text
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    lost = AnswerEngine(_EmbeddedView([_objects(0.0, 60.0), Evidence(EvidenceKind.SPEECH, 49.0, 51.5,
                                       "1. Camera cycle to work instead.", SpeechData()),  # its "?" lost
                                       Evidence(EvidenceKind.SPEECH, 52.5, 55.0, "Not yet. The roads feel too busy.",
                                                SpeechData())]))
    text, _ = _ask(lost, "does he cycle to work?", 57.0)
    assert "Not yet" in text, text
    text, cites = _ask(news_engine, "does he cycle to work?", 45.0)  # asked at 49 s
    assert text.startswith("I haven't seen or heard anything about") and not cites, text


def test_what_a_detection_cannot_settle_is_not_a_yes(scene_engine):
    """A person in view is no yes to "on a skateboard" (not detected); a car is no taxi; one van is no
    "other" van, while two people are "another" person."""
    text, _ = _ask(scene_engine, "is anyone on a skateboard?", 10.0)
    assert not text.startswith("Yes") and "can't tell" in text, text
    text, _ = _ask(scene_engine, "is that a taxi?", 10.0)
    assert "whether it is a taxi I can't tell" in text, text
    text, _ = _ask(scene_engine, "is there another van?", 10.0)
    assert text.startswith("No — only one truck/van"), text
    text, _ = _ask(scene_engine, "is there another person?", 10.0)
    assert text.startswith("Yes"), text


def test_the_slide_before_this_one_and_the_quote(lecture_engine):
    text, cites = _ask(lecture_engine, "what was the slide before this one?", 70.0)
    assert "How we measured it" in text and "Average gap" in text and (43.0, 53.0) in cites and "Main causes" in text, text
    assert "4/8" not in text and "5/8" not in text and "heat island?" not in text, text  # page numbers are no content
    text, cites = _ask(lecture_engine, "what was the quote?", 79.0)
    assert "shape our buildings" in text and "Winston Churchill" in text and (72.0, 82.0) in cites, text
    text, _ = _ask(lecture_engine, "what was the quote?", 60.0)  # before the quote slide
    assert text.startswith("I haven't"), text


def test_how_long_something_takes_is_a_stated_duration(lecture_engine, news_engine):
    text, cites = _ask(news_engine, "how long does it take him to get to work?", 42.0)
    assert "forty minutes" in text and (36.0, 40.0) in cites, text
    text, cites = _ask(news_engine, "how long does it take him to get to work?", 33.0)  # the answer comes at 36 s
    assert text.startswith("I haven't seen or heard how long") and not cites, text


def test_a_summary_quotes_what_was_shown_and_said_across_the_span(news_engine):
    """Each line once, whole; no channel furniture (a "LIVE" bug on screen for over a minute); spread
    over the whole span asked; nothing after the moment asked."""
    text, cites = _ask(news_engine, "what did I miss?", 50.0)
    assert text.startswith("So far (up to 00:50.0)") and "Northgate Evening News" in text and "NGN LIVE" not in text, text
    assert "Ferry fares rise 10% from Monday" in text and "rise 1”" not in text, text
    assert all(t0 <= 50.0 for t0, _ in cites) and len(cites) <= 10, cites
    text, _ = _ask(news_engine, "what's this bulletin covered so far?", 89.0)
    assert "Northgate Evening News" in text and "northgatenews.co.uk" in text, text


def test_what_happened_at_a_named_place_is_what_was_told_of_it(news_engine):
    from memory.records import Evidence
    from vstream.answer.engine import AnswerEngine

    engine = AnswerEngine(_EmbeddedView([_objects(0.0, 30.0, ("person", "black", 0.3)),
                                         Evidence(EvidenceKind.TEXT, 20.0, 27.0, "Main Street closed after water pipe burst")]))
    text, cites = _ask(engine, "what happened on main st?", 28.0)  # "st" is how people type street
    assert "water pipe burst" in text and cites == [(20.0, 27.0)], text
    text, _ = _ask(engine, "what happened on main st?", 15.0)
    assert "water pipe" not in text, text


def test_what_someone_asked_lists_the_questions_said(news_engine):
    text, cites = _ask(news_engine, "what did the reporter ask him?", 57.0)
    assert "drive to work" in text and "cycle to work" in text and "forty minutes" not in text, text
    text, _ = _ask(news_engine, "what did the reporter ask him?", 30.0)  # the first question comes at 31 s
    assert text.startswith("I haven't heard anyone ask a question"), text


@pytest.fixture(scope="module")
def howto_engine():
    """A recipe video as evidence: a title card (dish, channel), the host's caption, an ingredients card,
    numbered step captions, an oven band, and narration with spoken-only facts."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    def text(t0, t1, *lines):
        return [Evidence(EvidenceKind.TEXT, t0, t1, line) for line in lines]

    def said(t0, t1, line):
        return Evidence(EvidenceKind.SPEECH, t0, t1, line, SpeechData())

    return AnswerEngine(_EmbeddedView([
        _objects(0.0, 120.0), *text(0.0, 6.0, "Banana Bread", "Easy", "Sunny Side Kitchen"),
        *text(7.0, 12.5, "Ana Ruiz", "Host, Sunny Side Kitchen"),
        *text(12.5, 26.0, "Ingredients", "• 3 ripe bananas", "• 1 egg", "• 75 g melted butter", "• 250 g flour"),
        said(19.6, 24.6, "If you have no eggs, use three tablespoons of apple sauce instead."),
        *text(27.0, 35.0, "Step 1: Mash the bananas"), *text(39.0, 47.0, "Step 2: Stir in the melted butter"),
        said(69.0, 72.5, "You can also add a handful of chopped walnuts."),
        *text(75.0, 81.0, "Step 5: Pour into a greased loaf tin"), *text(83.0, 92.0, "Bake at 180°C for 55 minutes")]))


@pytest.mark.parametrize("question, now, want, wrong, cite", [
    ("what are we making?", 4.0, "Banana Bread", None, (0.0, 6.0)),
    ("whats the channel called", 5.0, "Sunny Side Kitchen", None, (0.0, 6.0)),
    ("who's the host?", 12.0, "Ana Ruiz", None, (7.0, 12.5)),
    ("how many eggs?", 40.0, "1 egg", "three", (12.5, 26.0)),
    ("what do I do after mashing?", 45.0, "Step 2: Stir in the melted butter", None, (39.0, 47.0)),
    ("what was the step before pouring it into the tin?", 79.0, "Step 2", None, (39.0, 47.0)),
    ("so what were all the steps again?", 100.0, "Step 5", None, (27.0, 35.0)),
    ("what temp?", 88.0, "180°C", None, (83.0, 92.0)),
    ("is the oven at 200?", 93.0, "No — the screen showed “Bake at 180°C", None, (83.0, 92.0)),
    ("can I add nuts?", 75.0, "walnuts", None, (69.0, 72.5)),
])
def test_a_recipe_is_answered_from_its_cards_steps_and_words(howto_engine, question, now, want, wrong, cite):
    text, cites = _ask(howto_engine, question, now)
    assert want in text and cite in cites, (question, text, cites)
    assert wrong is None or wrong not in text, (question, text)


def test_a_recipe_before_its_facts_and_beside_the_point(howto_engine):
    text, _ = _ask(howto_engine, "what's step 2?", 35.0)  # step 2 comes up at 39 s; step 1 is no answer
    assert "Step 1" not in text.split("what I do see")[0] and text.startswith("I haven't seen"), text
    text, _ = _ask(howto_engine, "does she use a mixer?", 72.5)  # "use" (apple sauce) is no mixer
    assert "apple sauce" not in text and not text.startswith("Yes"), text
    text, _ = _ask(howto_engine, "who's the host?", 3.0)  # a channel name on the title card is nobody's name
    assert "Sunny Side Kitchen" not in text, text
    from vstream.answer.evidence import lexical
    assert lexical("car", "a scar on the wall") == 0.0 and lexical("rain", "the train left") == 0.0


def test_before_it_is_said_a_topic_is_not_heard(howto_engine, scene_engine):
    text, cites = _ask(howto_engine, "what did she say to use instead of eggs?", 18.0)  # said at 19.6 s
    assert "apple sauce" not in text, text  # no sentence from before is passed off as the answer
    text, cites = _ask(howto_engine, "what did she say to use instead of eggs?", 30.0)
    assert "apple sauce" in text and cites == [(19.6, 24.6)], text
    text, _ = _ask(howto_engine, "how long will it keep?", 100.0)  # only a baking time was stated
    assert text.startswith("I haven't seen or heard how long") and "55 minutes" in text, text
    text, _ = _ask(scene_engine, "what's actually on screen behind the caption?", 20.0)  # EXIT is up: the picture
    assert "behind the text" in text and "2 people" in text and "EXIT" not in text, text
    text, _ = _ask(scene_engine, "what's parked up by the building at the top?", 10.0)
    assert text.startswith("In view at 00:10.0: 1 truck/van"), text


def test_yes_no_judgements_denials_comparisons_and_cards():
    """A quoted con is no "yes" to "are the controls good?"; "No aptX support" is a no; "more than 200
    dollars?" compares the stated price; a card's heading brings the lines read just after it; a short
    "One warning." brings the sentence it introduces; "who's reviewing this" is the name caption."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    def text(t0, t1, line):
        return Evidence(EvidenceKind.TEXT, t0, t1, line)

    def said(t0, t1, line):
        return Evidence(EvidenceKind.SPEECH, t0, t1, line, SpeechData())

    engine = AnswerEngine(_EmbeddedView([
        _objects(0.0, 80.0), text(3.0, 9.0, "Owen Harper"), text(3.0, 9.0, "Host, Tech Bench Weekly"),
        text(20.0, 26.0, "Price: $199"), text(40.0, 48.0, "Cons"), text(41.5, 48.0, "Touch controls are fiddly"),
        text(41.5, 48.0, "No aptX support"), said(50.0, 51.0, "One warning."),
        said(51.4, 54.0, "Calls sound poor on windy days.")]))
    text_, _ = _ask(engine, "are the touch controls good?", 49.0)
    assert not text_.startswith("Yes") and "fiddly" in text_, text_
    text_, _ = _ask(engine, "does it support aptX?", 49.0)
    assert text_.startswith("No —"), text_
    text_, _ = _ask(engine, "is it more than 200 dollars?", 30.0)
    assert text_.startswith("No — the screen showed “Price: $199”"), text_
    text_, _ = _ask(engine, "what are the cons?", 49.0)
    assert "fiddly" in text_ and "aptX" in text_, text_
    text_, cites = _ask(engine, "any warnings?", 56.0)
    assert "windy days" in text_ and (51.4, 54.0) in cites, text_
    text_, _ = _ask(engine, "who's reviewing this", 30.0)
    assert "Owen Harper" in text_, text_


def test_a_heading_alone_brings_what_was_said_under_it():
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    engine = AnswerEngine(_EmbeddedView([_objects(0.0, 60.0), Evidence(EvidenceKind.TEXT, 48.0, 53.0, "Part 2: What they eat"),
                                         Evidence(EvidenceKind.SPEECH, 49.6, 55.1, "Most city bird meat seeds and crumbs.",
                                                  SpeechData())]))  # the recogniser's "bird meat" for "birds eat"
    text, cites = _ask(engine, "so what do they actually eat?", 57.0)
    assert "crumbs" in text and (49.6, 55.1) in cites, text


@pytest.fixture(scope="module")
def tour_engine():
    """A walking-tour vlog as evidence: a title card, place captions under a map-pin bug, a museum card,
    directions, a handle on the end card, and narration with a warning, a price and a frequency."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    def text(t0, t1, *lines):
        return [Evidence(EvidenceKind.TEXT, t0, t1, line) for line in lines]

    def said(t0, t1, line):
        return Evidence(EvidenceKind.SPEECH, t0, t1, line, SpeechData())

    return AnswerEngine(_EmbeddedView([
        _objects(0.0, 100.0, ("person", "black", 0.4)),
        *text(0.0, 6.0, "A Morning in Old Harbour", "A walking tour by Slow Streets"),
        *text(16.0, 42.0, "Old Harbour"),  # the map-pin bug, up for the whole walk
        *text(17.0, 25.0, "Market Square"), *text(31.0, 39.0, "St. Clare's Church, built 1642"),
        said(37.6, 42.6, "Watch out for cyclists here, the bike lanes are easy to miss."),
        *text(42.0, 52.0, "Harbour Museum", "Open 9:00-17:00", "Adults £8"),
        said(48.1, 54.0, "A boat trip round the harbour costs 12 pounds."),
        *text(53.0, 60.0, "Turn left at the fountain"), *text(91.0, 99.0, "@SlowStreets", "New walks every Sunday")]))


@pytest.mark.parametrize("question, now, want, wrong, cite", [
    ("where are we now?", 21.0, "Market Square", "I see", (17.0, 25.0)),
    ("how old is the church?", 38.0, "1642", None, (31.0, 39.0)),
    ("what did he warn us about?", 44.0, "cyclists", None, (37.6, 42.6)),
    ("hw much r tickets", 48.0, "£8", "count", (42.0, 52.0)),
    ("how much is the boat trip?", 56.0, "12 pounds", "boats in view", (48.1, 54.0)),
    ("when does the museum close", 47.0, "9:00-17:00", None, (42.0, 52.0)),
    ("which way after the fountain?", 57.0, "Turn left", "Nothing", (53.0, 60.0)),
    ("how often do they post new walks", 96.0, "every Sunday", "time seen", (91.0, 99.0)),
    ("what's the channel handle?", 97.0, "@SlowStreets", None, (91.0, 99.0)),
    ("what channel is this", 5.0, "Slow Streets", None, (0.0, 6.0)),
    ("what was the first place we visited?", 40.0, "Market Square", "Old Harbour", (17.0, 25.0)),
])
def test_a_tour_is_answered_from_its_captions_cards_and_words(tour_engine, question, now, want, wrong, cite):
    text, cites = _ask(tour_engine, question, now)
    assert want in text and cite in cites, (question, text, cites)
    assert wrong is None or wrong not in text, (question, text)


def test_a_tour_before_its_facts(tour_engine):
    text, _ = _ask(tour_engine, "how much is the boat trip?", 44.0)  # said at 48 s; the card's £8 is not it
    assert text.startswith("I haven't seen or heard one for “boat trip”"), text
    text, _ = _ask(tour_engine, "when does the museum close", 30.0)
    assert text.startswith("I haven't seen or heard a time"), text
    from vstream.answer.query import Scope, analyze
    assert analyze("anyone on the street here?", 69.0).scope is Scope.NOW  # "here" is the moment asked
    assert analyze("was anyone here earlier?", 69.0).scope is Scope.ALL
    text, _ = _ask(tour_engine, "how old is he?", 38.0)  # a person's age is no year on a sign
    assert "1642" not in text, text


def test_how_long_with_no_duration_stated_says_what_was_said_of_it(howto_engine):
    text, cites = _ask(howto_engine, "how long do u mash them for", 36.5)  # step 1, no time given
    assert text.startswith("No duration stated") and "Mash the bananas" in text and (27.0, 35.0) in cites, text


# ---- parts of the picture: "on the left", "on the grass", "at the bottom of the screen" ---------------------
@pytest.mark.parametrize("question,words", [
    ("how many ppl are on the grass rn", "on the grass"),
    ("anyone walking on the path?", "on the path"),
    ("who's the guy on the left", "on the left"),
    ("the woman in the middle of the path, what's she wearing?", "in the middle"),
    ("what does it say in the top right corner", "in the top right corner"),
    ("what's written in the lower-left corner?", "in the bottom left corner"),
    ("what's written at the bottom of the screen", "at the bottom"),
    ("what is on the right-hand side", "on the right"),
    ("which way is he moving, to the left?", None),  # a way, not a place
    ("is she going to the right", None),
    ("who left?", None),
    ("what is at the top of the stairs", None),  # a place in the scene, not of the frame
    ("is the car on the left of the bus", None),
])
def test_parts_of_the_picture_in_questions(question, words):
    place = analyze(question, now=10.0).place
    assert (place.words if place else None) == words, place


def test_what_a_person_stands_on_is_read_under_their_feet():
    from memory.records import Box
    from vstream.senses.colour import ground_under

    img = np.zeros((200, 300, 3), np.uint8)
    img[:100] = (128, 128, 132)  # a grey road above…
    img[100:] = (70, 140, 40)  # …a lawn below
    img[40:95, 100:115] = (20, 20, 20)  # a dark figure standing on the road
    img[120:190, 200:215] = (20, 20, 20)  # and one on the grass
    person = lambda x0, y0, x1, y1: Box(x0 / 300, y0 / 200, x1 / 300, y1 / 200, "person")  # noqa: E731
    assert ground_under(img, person(100, 40, 115, 95)) == "paved"
    assert ground_under(img, person(200, 120, 215, 190)) == "grass"
    assert ground_under(img, person(200, 130, 215, 200)) == ""  # feet cut by the frame: unknown
    img[100:] = (150, 60, 200)  # a purple carpet is neither
    assert ground_under(img, person(200, 120, 215, 190)) == ""


def _placed_rows():
    """20 s: three people on a path and a lawn (left on the grass, middle and right on the path, one
    at the bottom edge whose feet are out of view); a bug in the top right corner, a line at the bottom."""
    from memory.records import Box, Evidence, ObjectsData, TextData

    def person(x, colour, ground, y1=0.7):
        return Box(x, y1 - 0.3, x + 0.1, y1, "person", 0.8, None, colour, ground)

    boxes = (person(0.05, "red", "grass"), person(0.45, "blue", "paved"), person(0.8, "black", "paved"),
             person(0.3, "green", "", y1=1.0))
    rows = [Evidence(EvidenceKind.OBJECTS, 0.0, 20.0, "4 persons in view", ObjectsData((("person", 4),), boxes)),
            Evidence(EvidenceKind.TEXT, 0.0, 20.0, "LIVE", TextData(Box(0.85, 0.03, 0.95, 0.08))),
            Evidence(EvidenceKind.TEXT, 2.0, 20.0, "Road closed until Friday", TextData(Box(0.1, 0.86, 0.7, 0.93))),
            Evidence(EvidenceKind.TEXT, 1.0, 20.0, "Harbour Street", TextData(Box(0.05, 0.1, 0.3, 0.16)))]
    return rows


@pytest.fixture(scope="module")
def placed_engine():
    from vstream.answer.engine import AnswerEngine

    return AnswerEngine(_EmbeddedView(_placed_rows()))


def test_counts_and_people_in_a_part_of_the_picture(placed_engine):
    text, cites = _ask(placed_engine, "how many people are on the grass right now?", 15.0)
    assert "1 person" in text and "on the grass" in text and (0.0, 20.0) in cites, text
    assert "1 more in view whose ground I can't see" in text, text  # the one cut by the frame is said, not counted
    text, _ = _ask(placed_engine, "how many ppl walking on the path rn", 15.0)
    assert "2 people" in text and "on the path" in text, text
    text, _ = _ask(placed_engine, "how many people are there?", 15.0)
    assert "4 people" in text, text  # no place asked: everyone
    text, _ = _ask(scene_engine_unplaced := placed_engine.__class__(_EmbeddedView(_scene_rows())),
                   "how many people are on the grass right now?", 10.0)  # no ground told at all: said so
    assert "2 people in view" in text and "can't see the ground under them" in text, text
    del scene_engine_unplaced
    text, _ = _ask(placed_engine, "the person on the right, what are they wearing?", 15.0)
    assert text.startswith("The person is wearing black"), text
    text, _ = _ask(placed_engine, "what colour is the top of the person in the middle?", 15.0)
    assert "blue" in text.split("(also")[0], text


def test_text_in_a_part_of_the_screen(placed_engine):
    text, _ = _ask(placed_engine, "what does it say at the bottom of the screen?", 15.0)
    assert "Road closed until Friday" in text and "Harbour Street" not in text and "LIVE" not in text, text
    text, _ = _ask(placed_engine, "what's in the top right corner?", 15.0)
    assert "LIVE" in text and "Road closed" not in text, text
    text, _ = _ask(placed_engine, "what's written on the left at the top?", 15.0)
    assert "Harbour Street" in text and "LIVE" not in text, text


# ---- a race broadcast: values that change, numbered lists, measures, wrong premises ---------------------------
def _race_rows():
    """100 s of graphics as OCR reads them (gen:race's script): a title, a km-to-go box whose value
    changes, a caption, a crash band, three gap captions, the overall standings, the weather card, the result."""
    from memory.records import Box, Evidence, SpeechData, TextData

    def shown(t0, t1, *lines):
        return [Evidence(EvidenceKind.TEXT, t0, t1, line) for line in lines]
    return (shown(0, 6, "Tour of the Northern Hills", "Stage 7: Millbrook to Castle Peak, 168 km")
            + shown(6, 30.5, "38 KM TO GO") + shown(30.5, 64.5, "21 KM TO GO") + shown(64.5, 86.5, "6 KM TO GO")
            + shown(8, 15, "Marco Vella", "Team Solaris") + shown(34, 41, "CRASH", "Luis Moreno down on the descent")
            + shown(21, 28, "Gap to the chasers: 1:48") + shown(56, 63, "Gap to the chasers: 0:52")
            + shown(79, 86, "Gap to the chasers: 0:18")
            + shown(45, 53, "OVERALL STANDINGS", "1. Jonas Berg", "2. Marco Vella +0:22", "3. Luis Moreno +1:05")
            + shown(68, 76, "WEATHER AT THE FINISH", "Castle Peak: 16°C, cloudy")
            + shown(86.5, 99.5, "Stage 7 result", "3. Pavel Novak, +0:15")
            + shown(88, 99.5, "1. Marco Vella, Team Solaris", "2. Jonas Berg, +0:09")
            + [Evidence(EvidenceKind.TEXT, 6.0, 86.5, "FENWICK ENERGY", TextData(Box(0.70, 0.05, 0.98, 0.13))),
               _objects(10.0, 30.0, ("person", "red", 0.4)),  # the rider in view (where he is is not where he attacked)
               Evidence(EvidenceKind.SPEECH, 33.1, 37.2, "Oh no, there has been a crash in the chasing group.", SpeechData()),
               Evidence(EvidenceKind.SPEECH, 13.6, 19.0, "He attacked on the Hollow Lane climb, 50 kilometres from the finish.",
                        SpeechData()),
               Evidence(EvidenceKind.SPEECH, 37.6, 39.0, "That is Luis Moreno.", SpeechData()),
               Evidence(EvidenceKind.SPEECH, 25.7, 30.1, "The gap is one minute 48 and it is coming down.", SpeechData()),
               Evidence(EvidenceKind.SPEECH, 39.6, 42.9, "He is back on his bike and he looks okay.", SpeechData())])


@pytest.fixture(scope="module")
def race_engine():
    from vstream.answer.engine import AnswerEngine

    return AnswerEngine(_EmbeddedView(_race_rows()))


def test_a_changed_value_is_read_as_it_is_now(race_engine):
    text, cites = _ask(race_engine, "how many km left now", 61.0)
    assert "21 KM TO GO" in text and "38" not in text and (30.5, 64.5) in cites, text
    text, _ = _ask(race_engine, "how many km left now", 20.0)  # before it changed: the value then
    assert "38 KM TO GO" in text, text
    text, _ = _ask(race_engine, "what's the gap?", 60.0)
    assert "0:52" in text and "1:48" not in text, text
    text, cites = _ask(race_engine, "how many times have they put the gap up", 87.5)
    assert text.startswith("3 times") and len(cites) == 3, text  # shown: "the gap is 1:48" said is no showing


def test_numbered_lists_on_screen_answer_ranks(race_engine):
    text, _ = _ask(race_engine, "who's top of the overall", 47.0)
    assert "1. Jonas Berg" in text and "OVERALL STANDINGS" in text, text
    text, _ = _ask(race_engine, "who won?", 92.0)  # the latest list: the result, not the standings
    assert "1. Marco Vella, Team Solaris" in text and "Stage 7 result" in text, text
    text, _ = _ask(race_engine, "who came 3rd", 96.0)
    assert "Pavel Novak" in text and "Moreno" not in text, text
    text, _ = _ask(race_engine, "how many riders r on the standings", 53.0)
    assert text.startswith("3 on the list"), text
    text, _ = _ask(race_engine, "so vella's leading overall right?", 51.0)
    assert text.startswith("No") and "1. Jonas Berg" in text and "2. Marco Vella" in text, text
    text, _ = _ask(race_engine, "who won the stage", 60.0)  # only the overall standings so far: not its leader
    assert "Jonas Berg" not in text, text


def test_a_measure_needs_a_stated_measure(race_engine):
    for question, now in (("how old is vella", 70.0), ("how high is castle peak", 94.0),
                          ("whats the temp at the finish", 65.0)):
        text, cites = _ask(race_engine, question, now)
        assert "haven't seen or heard" in text and "Vella" not in text.split(";")[0], (question, text)
    text, cites = _ask(race_engine, "whats the temp at the finish", 75.0)  # the card's heading has "finish"
    assert "16°C" in text and (68.0, 76.0) in cites, text
    text, _ = _ask(race_engine, "how long is todays stage", 5.5)
    assert "168 km" in text, text


def test_a_wrong_premise_is_corrected_from_what_was_shown(race_engine):
    text, cites = _ask(race_engine, "did vella crash?", 38.5)
    assert text.startswith("No —") and "Luis Moreno down on the descent" in text and "haven't" not in text, text
    text, _ = _ask(race_engine, "was there a crash on the bridge?", 60.0)  # "bridge" nowhere: not seen
    assert "haven't seen or heard" in text, text
    text, _ = _ask(race_engine, "what race is this?", 3.0)
    assert "Tour of the Northern Hills" in text and "haven't" not in text, text


@pytest.mark.parametrize("question,kind,cls", [
    ("so vella's leading overall right?", AnswerType.YES_NO, None),
    ("the church was built in 1700 yeah?", AnswerType.YES_NO, None),
    ("what's on the right?", AnswerType.WHAT, None),
    ("is there a person in the room with the bird?", AnswerType.YES_NO, "person"),
    ("did anyone ride a bike past?", AnswerType.YES_NO, "bicycle"),
])
def test_confirming_and_existential_shapes(question, kind, cls):
    q = analyze(question, now=10.0)
    assert (q.answer_type, q.object_class) == (kind, cls), q


def test_when_the_broadcast_started_is_the_start():
    q = analyze("how far to go was it when the broadcast started?", now=91.0)
    assert q.window is not None and q.window.t_start == 0.0 and q.window.t_end <= 5.0, q.window


def test_an_event_watch_fires_on_what_is_said_or_shown():
    from memory.records import Evidence, SpeechData
    from vstream.watches import WatchSet, parse_watch

    crash = parse_watch("let me know if anyone crashes")
    assert crash.target == "crash" and crash.said_too
    assert not parse_watch("let me know when the weather comes on").said_too  # a graphic, not a word said
    ws = WatchSet()
    ws.add(crash)
    said = Evidence(EvidenceKind.SPEECH, 33.1, 37.2, "Oh no, there has been a crash in the chasing group.", SpeechData())
    fired = ws.check(None, [said], [])
    assert fired and abs(fired[0].ts - 33.1) < 4.5, fired


def test_a_shown_value_over_time_and_where_something_happened(race_engine):
    text, cites = _ask(race_engine, "has the gap gone up or down since the start", 85.0)
    assert text.startswith("It has gone down") and text.index("1:48") < text.index("0:52") < text.index("0:18"), text
    assert len(cites) == 3, cites
    text, _ = _ask(race_engine, "is the gap growing or shrinking", 31.0)  # shown once: quoted, no verdict
    assert "1:48" in text and not text.startswith(("It has gone", "Yes", "No")), text
    text, cites = _ask(race_engine, "where did he attack", 20.5)  # where it happened, not where he is in the frame
    assert "Hollow Lane" in text and (13.6, 19.0) in cites, text


def test_a_subject_named_then_spoken_of_and_a_list_row_by_name(race_engine):
    text, cites = _ask(race_engine, "is moreno ok?", 44.0)  # "He … looks okay" right after "That is Luis Moreno."
    assert text.startswith("Yes") and "looks okay" in text and (39.6, 42.9) in cites, text
    text, _ = _ask(race_engine, "how far back is vella overall", 49.0)
    assert "2. Marco Vella +0:22" in text and "OVERALL STANDINGS" in text, text
    text, _ = _ask(race_engine, "what team is vella on", 14.0)
    assert "Team Solaris" in text, text
    text, _ = _ask(race_engine, "what team is jonas berg on", 53.5)  # his team was never shown
    assert text.startswith("I haven't seen or heard") and "Solaris" not in text.split(";")[0], text


def test_a_colour_beside_the_videos_own_words_is_not_a_look(race_engine, scene_engine):
    text, _ = _ask(race_engine, "so does vella take the red jersey?", 20.0)  # a rider in red is in view
    assert "person in red" not in text, text
    text, _ = _ask(scene_engine, "is somone in a red jacket there", 10.0)  # a typo is no topic of the video
    assert text.startswith("Yes") and "red" in text, text


def test_a_recap_gives_each_graphic_its_lead_line(race_engine):
    text, _ = _ask(race_engine, "recap the race for me", 99.0)
    assert "1. Marco Vella, Team Solaris" in text and "3. Pavel Novak" not in text, text
    assert "“Team Solaris”" not in text and "“Castle Peak: 16°C, cloudy”" not in text, text  # one line a graphic


def test_a_sponsor_is_the_line_kept_in_a_corner(race_engine):
    text, cites = _ask(race_engine, "who's the sponsor", 40.0)
    assert "FENWICK ENERGY" in text and "likely" in text and cites and cites[0][0] == 6.0, text
    text, _ = _ask(race_engine, "who's the sponsor", 20.0)  # up 14 s only: not yet the furniture of the broadcast
    assert "FENWICK" not in text, text
    text, _ = _ask(race_engine, "who's the sponsor", 25.0)  # up 19 s, as long as "38 KM TO GO" in the other corner
    assert "“FENWICK ENERGY”" in text and "KM" not in text, text


def test_watches_for_arrivals_and_for_a_card_whose_lines_share_the_topic():
    import torch

    from vstream.types import EncodedFrame
    from vstream.watches import WatchSet, parse_watch

    def frame(ts, *lines):
        return EncodedFrame(frame_ts=ts, frame_index=int(ts * 2), tokens=torch.zeros(1, 1), grid=(1, 1),
                            kept=torch.ones(1, dtype=torch.bool), embedding=np.zeros(1, np.float32),
                            text="\n".join(lines), ocr_ran=True, text_since=ts)
    bridge = parse_watch("ping me when we get to the harbour bridge")
    assert (bridge.target, bridge.said_too) == ("harbour bridge", True)
    assert parse_watch("tell me when it goes in the oven").target == "oven"
    hours = parse_watch("tell me when the museum's opening hours come up")
    ws = WatchSet()
    ws.add(hours)
    assert not ws.check(frame(30.0, "Harbour Museum", "Old Town Walk"), [], [])  # the museum, no hours yet
    assert not ws.check(frame(35.0, "Ferry 10:15"), [], [])  # a time, not the museum's
    fired = ws.check(frame(42.0, "Harbour Museum", "Open 9:00-17:00", "Closed on Mondays"), [], [])
    assert fired and fired[0].ts == 42.0, fired


def test_what_one_speaker_asked_another_is_the_question_naming_the_other():
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    said = [Evidence(EvidenceKind.SPEECH, 44.2, 47.8, "Peter, can we look at the yellow jersey today?", SpeechData()),
            Evidence(EvidenceKind.SPEECH, 48.6, 54.0, "He would need to gain twenty two seconds.", SpeechData()),
            Evidence(EvidenceKind.SPEECH, 73.8, 75.6, "Clare, will he hold on?", SpeechData()),
            Evidence(EvidenceKind.SPEECH, 75.9, 79.6, "Yes, I think Vella wins by a few seconds.", SpeechData())]
    engine = AnswerEngine(_EmbeddedView(said))
    text, _ = _ask(engine, "what did peter ask claire", 77.0)
    assert "will he hold on" in text and "yellow jersey" not in text, text
    text, cites = _ask(engine, "who are the commentators", 78.0)  # no caption: the names they call each other
    assert "Peter (" in text and "Clare (" in text and "Yes" not in text.split("(")[0] and len(cites) == 2, text
    text, _ = _ask(engine, "who are the commentators", 46.0)  # only Peter called by name so far
    assert "Peter (" in text and "Clare" not in text, text


def test_a_measure_said_in_words_counts(race_engine):
    text, cites = _ask(race_engine, "how far from the finish did he go clear?", 21.0)
    assert "50 kilometres" in text and (13.6, 19.0) in cites, text
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    said = [Evidence(EvidenceKind.SPEECH, 13.6, 16.1, "He attacked on the hollow lane climb.", SpeechData()),
            Evidence(EvidenceKind.SPEECH, 16.3, 19.0, "That was fifty kilometers from the finish.", SpeechData())]
    text, _ = _ask(AnswerEngine(_EmbeddedView(said)), "how far from the finish did he go clear?", 21.0)
    assert "fifty kilometers" in text, text


# ---- whose voice: "what did she just say?" ---------------------------------------------------------------
@pytest.mark.skipif(not __import__("shutil").which("espeak-ng"), reason="needs espeak-ng (apt-get install espeak-ng)")
def test_a_voice_pitch_tells_a_higher_voice_from_a_lower_one():
    from tests.speechclips import espeak
    from vstream.answer.evidence import HIGHER_HZ, LOWER_HZ
    from vstream.senses.speech import voice_pitch

    text = "The delivery truck will arrive at dock four this afternoon."
    assert voice_pitch(espeak(text, 16000, voice="en-us+f3")) >= HIGHER_HZ
    assert 0 < voice_pitch(espeak(text, 16000, voice="en-gb")) <= LOWER_HZ
    assert voice_pitch(np.zeros(16000, np.float32)) == 0.0  # silence: unknown, never a voice


def test_what_she_said_is_said_in_the_higher_voice():
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    said = [Evidence(EvidenceKind.SPEECH, 7.7, 13.0, "Vella is out on his own and looks very strong.", SpeechData(pitch_hz=210.5)),
            Evidence(EvidenceKind.SPEECH, 13.6, 16.1, "He attacked on the Hollow Lane climb.", SpeechData(pitch_hz=102.0)),
            Evidence(EvidenceKind.SPEECH, 20.6, 25.2, "Look at the crowd lining the road.", SpeechData())]  # unmeasured
    engine = AnswerEngine(_EmbeddedView(said))
    text, cites = _ask(engine, "what did she just say about him", 17.0)
    assert "very strong" in text and "Hollow Lane" not in text, text
    text, _ = _ask(engine, "what did he just say?", 17.0)
    assert "Hollow Lane" in text and "very strong" not in text, text
    text, _ = _ask(engine, "what did she say?", 26.0)  # the unmeasured sentence may be hers
    assert "crowd" in text, text


def test_a_cards_other_line_is_no_yes_to_a_premise():
    from memory.records import Evidence
    from vstream.answer.engine import AnswerEngine

    card = [Evidence(EvidenceKind.TEXT, 42.0, 50.0, line) for line in ("Harbour Museum", "Open 9:00-17:00", "• Closed on Mondays")]
    text, _ = _ask(AnswerEngine(_EmbeddedView(card)), "is the museum open on mondays?", 48.0)
    assert not text.startswith("Yes") and "Closed on Mondays" in text, text


def test_a_numbered_sign_asked_by_its_number_is_not_its_latest_version():
    from memory.records import Evidence
    from vstream.answer.engine import AnswerEngine

    signs = [Evidence(EvidenceKind.TEXT, 5.0, 30.0, "GATE 5 this way"), Evidence(EvidenceKind.TEXT, 20.0, 30.0, "GATE 6 this way")]
    text, _ = _ask(AnswerEngine(_EmbeddedView(signs)), "where is gate 5", 29.0)
    assert "GATE 5" in text and "GATE 6" not in text, text


def _club_rows():
    """A rowing club's annual meeting as OCR and speech read it (boxed lines): name cards with role lines, a
    ballot panel put up at 30 s (stacked lines), a ticker scrolling along the bottom (read in pieces), a
    corner bug, a timer box replaced (3:00, then 0:45), a treasurer asked about the cost and replying."""
    from memory.records import Box, Evidence, SpeechData, TextData

    def line(t0, t1, text, x0, y0, x1, y1):
        return Evidence(EvidenceKind.TEXT, t0, t1, text, TextData(Box(x0, y0, x1, y1)))

    def said(t0, t1, text):
        return Evidence(EvidenceKind.SPEECH, t0, t1, text, SpeechData())

    ticker = [line(24 + 2 * i, 26 + 2 * i, piece, 0.1 + 0.1 * (i % 3), 0.92, 0.95, 0.99)
              for i, piece in enumerate(["Season op", "Season opens Satur", "Season opens Saturday 5 April",
                                         "ns Saturday 5 April • Boathouse", "Boathouse open 7", "Boathouse op",
                                         "Boathouse open 7 am"])]
    return [_objects(0.0, 60.0),
            line(2, 8, "Priya Natarajan", 0.07, 0.73, 0.45, 0.81), line(2, 8, "Host", 0.07, 0.81, 0.15, 0.88),
            line(10, 16, "Tom Adeyemi", 0.07, 0.73, 0.40, 0.81), line(10, 16, "Treasurer", 0.07, 0.81, 0.25, 0.88),
            line(10, 16, "Regatta entries close Friday", 0.30, 0.92, 0.95, 0.99),  # a ticker line, not on his card
            line(16, 22, "Dana Kowalski", 0.07, 0.73, 0.40, 0.81), line(16, 22, "Rowing coach", 0.07, 0.81, 0.27, 0.88),
            line(0, 60, "LIVE", 0.88, 0.05, 0.96, 0.12),
            line(30, 36, "BALLOT - MOTION 4", 0.30, 0.29, 0.70, 0.37), line(30, 36, "Members for: 31", 0.33, 0.40, 0.67, 0.49),
            line(30, 36, "Members against: 4", 0.33, 0.53, 0.67, 0.62), line(30, 36, "MOTION PASSED", 0.28, 0.66, 0.72, 0.75),
            line(36.5, 44, "MOTION 5 - New boat shed", 0.08, 0.42, 0.92, 0.53), *ticker,
            line(44, 50, "TIME LEFT 3:00", 0.03, 0.04, 0.26, 0.13), line(50, 56, "TIME LEFT 0:45", 0.03, 0.04, 0.26, 0.13),
            said(11.0, 13.0, "So what will the new oars set us back?"),
            said(13.5, 15.5, "Roughly £4,200 from the equipment fund."),
            said(18.0, 20.0, "Motion 5 covers the new boat shed."),
            said(52.0, 56.0, "That concludes tonight's meeting, it is 9.15, thanks all.")]


@pytest.fixture(scope="module")
def club_engine():
    from vstream.answer.engine import AnswerEngine

    return AnswerEngine(_EmbeddedView(_club_rows()))


@pytest.mark.parametrize("question, now, want, wrong", [
    ("who's hosting?", 6.0, "Priya Natarajan", None),  # a deed matched on a role line: the name on its card
    ("who is the treasurer", 14.0, "Tom Adeyemi", "Dana"),
    ("who's coaching", 20.0, "Dana Kowalski", "Adeyemi"),
])
def test_a_role_line_answers_with_the_name_on_its_card(club_engine, question, now, want, wrong):
    text, _ = _ask(club_engine, question, now)
    assert want in text and (wrong is None or wrong not in text), (question, text)


def _as_read_by(rows, now: float):
    """The rows as memory holds them at `now`: none started later, none ending after it (still on screen)."""
    from dataclasses import replace

    return [replace(r, t_end=min(r.t_end, now)) for r in rows if r.t_start <= now]


def test_a_panel_just_put_up_is_quoted_with_its_lines_and_a_count_names_no_one(club_engine):
    from vstream.answer.engine import AnswerEngine

    early = AnswerEngine(_EmbeddedView(_as_read_by(_club_rows(), 32.0)))
    text, cites = _ask(early, "how did the ballot go", 32.0)  # up for 2 s: not a ticker's passing piece
    assert "BALLOT - MOTION 4" in text and "Members for: 31" in text and "Members against: 4" in text, text
    assert "Season" not in text, text  # the ticker changed at the same moment but is no line of the panel
    text, _ = _ask(club_engine, "who voted against the motion", 35.0)
    assert "Members against: 4" in text and "names no one" in text and "haven't seen or heard who" in text, text


def test_before_this_skips_the_ticker_and_the_corner_bug(club_engine):
    text, _ = _ask(club_engine, "what was on screen right before this", 41.5)  # the ticker was read at 40 s
    assert "MOTION 5 - New boat shed" in text and "Members for: 31" in text and "Boathouse" not in text.split(":")[1], text


def test_money_asked_in_other_words_is_an_amount_stated(club_engine):
    text, _ = _ask(club_engine, "how much do the oars cost", 9.0)  # before anyone said it
    assert "haven't seen or heard" in text and "£" not in text, text
    text, cites = _ask(club_engine, "how much will the new oars cost", 30.0)  # asked aloud, answered in the reply
    assert "£4,200" in text and (13.5, 15.5) in cites and not text.startswith("I haven't"), text
    assert lexical("money", "Roughly £4,200 from the equipment fund.") >= 0.8  # money asked: an amount stated
    assert lexical("budget", "Entry is $12 for members") >= 0.8 and lexical("money", "Motion 5 covers the shed") == 0
    text, _ = _ask(club_engine, "how much will motion 5 cost", 30.0)  # "Motion 5" is a number, not an amount
    assert "haven't seen or heard" in text and "boat shed" not in text.split(";")[0], text
    text, _ = _ask(club_engine, "where is the funding coming from", 30.0)
    assert "equipment fund" in text, text


def test_an_end_asked_in_other_words_and_a_timer_read_latest(club_engine):
    text, _ = _ask(club_engine, "what time did they wrap up", 58.0)  # "concludes" said, "wrap up" asked
    assert "9.15" in text, text
    text, cites = _ask(club_engine, "how long has she got left", 53.0)  # a countdown, not a people count
    assert "0:45" in text and "3:00" not in text and "in view" not in text, text
    text, _ = _ask(club_engine, "how much time remaining", 47.0)
    assert "3:00" in text and "0:45" not in text, text


@pytest.mark.parametrize("question, now, want", [
    ("who's talking right now", 5.0, "Priya Natarajan"),
    ("who is speaking", 13.0, "Tom Adeyemi"),
])
def test_who_is_talking_while_a_name_caption_is_up(club_engine, question, now, want):
    text, _ = _ask(club_engine, question, now)
    assert want in text and "voices are not told apart" in text, text
    assert "Regatta" not in text, text  # a ticker line that changed with the caption is not on the card
    text, _ = _ask(club_engine, question, 40.0)  # no caption up: an old one is no guess at who talks now
    assert "Natarajan" not in text and "Adeyemi" not in text, text


def test_the_one_spoken_to_is_not_the_speaker():
    assert analyze("what did the coach tell him at the end", 30.0).voice == ""
    assert analyze("what did she tell him", 30.0).voice == "higher"
    assert analyze("what did he ask her", 30.0).voice == "lower"


def test_a_thing_named_in_another_colour_is_a_no():
    """"Was it a blue umbrella?" when a line said "Green umbrella left on platform 2": no, quoted — not a yes
    from some blue thing moving about; the colour the line gives is a yes."""
    from memory.records import Evidence, MotionData
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.TEXT, 10.0, 18.0, "Green umbrella left on platform 2"),
            Evidence(EvidenceKind.MOTION, 2.0, 20.0, "a blue thing moved left to right",
                     MotionData(None, "blue", "", "left to right"))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "was it a blue umbrella?", 25.0)
    assert text.startswith("No — ") and "Green umbrella" in text and (10.0, 18.0) in cites, text
    assert _ask(engine, "was it a green umbrella?", 25.0)[0].startswith("Yes"), text
    assert not _ask(engine, "is the blue thing still moving?", 25.0)[0].startswith("No — the screen"), text


def test_which_camera_reads_the_feeds_own_label_and_the_date_stamp():
    """A CCTV picture's own lines: "which camera is this?" is the camera label up at that moment (a switch
    replaces it), "the date on the recording" the date stamp — not what is in view."""
    from memory.records import Evidence
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.TEXT, 0.0, 40.0, "12/11/2025 09:14"),
            Evidence(EvidenceKind.TEXT, 0.0, 20.0, "CAM 2 - LOADING DOCK"),
            Evidence(EvidenceKind.TEXT, 20.0, 40.0, "CAM 7 - STAIRWELL"),
            _objects(0.0, 40.0, ("person", "black", 0.3))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "which camera is this?", 30.0)
    assert "CAM 7 - STAIRWELL" in text and "CAM 2" not in text and (20.0, 40.0) in cites, text
    assert "CAM 2 - LOADING DOCK" in _ask(engine, "what camera was it at 0:10", 30.0)[0]
    text = _ask(engine, "what's the date on the recording?", 30.0)[0]
    assert text.startswith("The screen showed “12/11/2025 09:14”"), text


def test_a_band_just_put_up_is_quoted_with_the_text_beside_its_label():
    """A band's label box and its text sit side by side ("SEVERE WEATHER" | "Flood warning …"), both read
    once so far: asked just after it came up, both are quoted — a piece cut by the frame's edge is not."""
    from memory.records import Box, Evidence, TextData
    from vstream.answer.engine import AnswerEngine

    def line(t0, t1, content, box):
        return Evidence(EvidenceKind.TEXT, t0, t1, content, TextData(box=Box(*box)))
    rows = [line(0.0, 31.0, "CHANNEL 9", (0.80, 0.04, 0.96, 0.10)),
            line(30.0, 31.0, "SEVERE WEATHER", (0.02, 0.17, 0.20, 0.24)),
            line(30.0, 31.0, "Flood warning for River Ashe until 18:00", (0.22, 0.165, 0.80, 0.25)),
            line(30.0, 31.0, "ool closed", (0.0, 0.17, 0.015, 0.24))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text = _ask(engine, "what's the weather alert about?", 31.5)[0]
    assert "SEVERE WEATHER" in text and "Flood warning for River Ashe" in text, text
    assert "ool closed" not in text and "CHANNEL 9" not in text, text


def test_how_many_on_a_panel_counts_the_lines_under_its_heading():
    """"How many dishes are on the specials board?" counts the lines stacked under the heading that has
    those words — not people in view, and not a number on one of the lines."""
    from memory.records import Box, Evidence, TextData
    from vstream.answer.engine import AnswerEngine

    def line(content, y):
        return Evidence(EvidenceKind.TEXT, 20.0, 28.0, content, TextData(box=Box(0.30, y, 0.70, y + 0.06)))
    rows = [line("TODAY'S SPECIALS", 0.10), line("Lentil soup 4.50", 0.25), line("Fish pie 9.00", 0.33),
            line("Apple tart 3.75", 0.41), _objects(0.0, 30.0, ("person", "black", 0.1), ("person", "white", 0.5)),
            # a heading stands apart from its first line (0.09 below); a caption gone as the board came up is no line of it
            Evidence(EvidenceKind.TEXT, 12.0, 19.5, "Chef Ana Ruiz", TextData(box=Box(0.30, 0.49, 0.60, 0.55)))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "how many dishes are on the specials board?", 30.0)
    assert text.startswith("3 lines under “TODAY'S SPECIALS”") and "Apple tart 3.75" in text, text
    assert (20.0, 28.0) in cites
    assert "2 people" in _ask(engine, "how many people are in the shop?", 30.0)[0]


def test_a_car_park_is_no_car_and_a_time_of_day_is_no_stream_time():
    """"How many spaces in the car park?" reads the sign, it counts no cars; "who checked in at 13:55?"
    a minute into the video is the line stating 13:55, not the video's minute 13."""
    from memory.records import Evidence
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.TEXT, 0.0, 60.0, "NORTH CAR PARK: 112 SPACES"),
            Evidence(EvidenceKind.TEXT, 30.0, 50.0, "13:55 Lena Voss - Room 4"),
            _objects(0.0, 60.0, ("car", "white", 0.1))]
    engine = AnswerEngine(_EmbeddedView(rows))
    assert analyze("how many spaces in the car park?", 60.0).object_class is None
    assert "112 SPACES" in _ask(engine, "how many spaces in the car park?", 60.0)[0]
    q = analyze("who checked in at 13:55?", 60.0)
    assert q.window is None and "13:55" in q.target, q
    assert "Lena Voss" in _ask(engine, "who checked in at 13:55?", 60.0)[0]
    assert analyze("what was said at 2:00?", 60.0).window.point == 120.0  # two minutes in, still the video's


def test_stated_times_numbers_beside_and_a_name_with_his_are_about_what_was_said():
    """A person class that came only from "her" ("did Priya give her badge number?", "when is Priya on her
    lunch break?") is no question about people in view; a time still to come is the one stated (a day
    counts: "tomorrow"); a number asked of a band is checked against the line shown beside its label."""
    from memory.records import Evidence
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.TEXT, 10.0, 20.0, "FIRE ALARM"),
            Evidence(EvidenceKind.TEXT, 10.0, 20.0, "Stairwell B: exit 4 blocked"),
            Evidence(EvidenceKind.SPEECH, 22.0, 24.0, "Priya here, on the east desk."),
            Evidence(EvidenceKind.SPEECH, 30.0, 33.0, "My lunch break is at one o'clock, at 13:00."),
            Evidence(EvidenceKind.SPEECH, 35.0, 37.0, "Priya, your lunch break cover is here."),
            Evidence(EvidenceKind.SPEECH, 40.0, 42.0, "I'll fix the baggage scanner tomorrow."),
            Evidence(EvidenceKind.SPEECH, 43.0, 44.0, "New kiosks get installed in the hall."),
            Evidence(EvidenceKind.SPEECH, 44.0, 45.0, "The new kiosks should be in by the end of June."),
            _objects(0.0, 45.0, ("person", "black", 0.1), ("person", "white", 0.5))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text = _ask(engine, "the fire alarm was at exit 9 right?", 45.0)[0]
    assert text.startswith("No — the screen showed “Stairwell B: exit 4 blocked”"), text  # the number stated, quoted
    text = _ask(engine, "when is priya on her lunch break?", 45.0)[0]
    assert "13:00" in text and "appeared" not in text, text
    assert "tomorrow" in _ask(engine, "when will the scanner get fixed?", 45.0)[0]
    assert "end of June" in _ask(engine, "when will the new kiosks be installed?", 45.0)[0]
    text = _ask(engine, "did priya give her badge number?", 45.0)[0]
    assert text.startswith("No") and "people" not in text, text
    assert "2 people" in _ask(engine, "ppl count rn?", 45.0)[0]


def test_a_short_heading_in_a_corner_over_its_lines_is_no_bug():
    """"Pros" / "Cons" page headings sit small in the top-left corner like a channel's bug, but lines came up
    aligned under them: "what came after the pros?" is the "Cons" page, heading first; a "LIVE" bug with
    nothing under it stays out."""
    from memory.records import Box, Evidence, TextData
    from vstream.answer.engine import AnswerEngine

    def line(t0, t1, content, box):
        return Evidence(EvidenceKind.TEXT, t0, t1, content, TextData(box=Box(*box)))
    rows = [line(10.0, 20.0, "Upsides", (0.06, 0.08, 0.19, 0.18)), line(10.0, 20.0, "• Quiet motor", (0.07, 0.30, 0.40, 0.37)),
            line(10.0, 20.0, "• Cheap filters", (0.07, 0.42, 0.40, 0.49)),
            line(19.5, 40.0, "LIVE", (0.88, 0.05, 0.96, 0.12)),
            line(20.0, 30.0, "Downsides", (0.06, 0.08, 0.21, 0.18)), line(20.0, 30.0, "• Heavy", (0.07, 0.30, 0.30, 0.37)),
            line(20.0, 30.0, "• Short cord", (0.07, 0.42, 0.35, 0.49))]
    text = _ask(AnswerEngine(_EmbeddedView(rows)), "what came right after the upsides?", 35.0)[0]
    assert "“Downsides”" in text and "• Heavy" in text and "LIVE" not in text, text


def test_a_name_asked_of_someone_no_caption_names_is_not_heard():
    """"What's Sam's surname?" with captions for two others, "what's the cleaner's name?" when a cleaner was
    only mentioned: no name was given — said so, not the latest caption or the sentence about the cleaner."""
    from memory.records import Evidence
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.TEXT, 0.0, 10.0, "Dr. Ana Ruiz"), Evidence(EvidenceKind.TEXT, 0.0, 10.0, "Vet"),
            Evidence(EvidenceKind.TEXT, 20.0, 30.0, "Tom Price"), Evidence(EvidenceKind.TEXT, 20.0, 30.0, "Farmer"),
            Evidence(EvidenceKind.SPEECH, 31.0, 33.0, "Sam here, feeding the goats."),
            Evidence(EvidenceKind.SPEECH, 34.0, 36.0, "The cleaner left the gate open.")]
    engine = AnswerEngine(_EmbeddedView(rows))
    text = _ask(engine, "whats sam's surname", 40.0)[0]
    assert text.startswith("I haven't") and "Price" not in text and "Ruiz" not in text, text
    text = _ask(engine, "whats the cleaners name", 40.0)[0]
    assert text.startswith("I haven't") and "gate open" not in text, text
    assert "Ana Ruiz" in _ask(engine, "what's the vet's surname?", 40.0)[0]


def test_how_many_left_reads_a_sign_counting_what_is_free():
    """"How many spaces left?" is a sign's "57 FREE" (signs say free or available, people say left), the
    latest of its versions for now, the first at the start; "how many people left?" is still about people."""
    from memory.records import Evidence
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.TEXT, 0.0, 30.0, "LEVEL 2: 57 FREE"), Evidence(EvidenceKind.TEXT, 30.0, 60.0, "LEVEL 2: 12 FREE"),
            _objects(0.0, 60.0, ("person", "black", 0.1))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text = _ask(engine, "how many spaces left now?", 55.0)[0]
    assert "12 FREE" in text and "57" not in text, text
    assert "57 FREE" in _ask(engine, "how many spaces were left at the start?", 55.0)[0]
    assert "FREE" not in _ask(engine, "how many people are left?", 55.0)[0]


def test_a_role_or_deed_asked_by_who_is_found_in_words_or_declined():
    """"Who's the referee?", "who scored?", "who's in the lead?" ask a role or a deed: only a line or a
    sentence can say it. With none about it the answer is that it was not seen or heard — not the people
    in view; with one it is quoted. Who someone in view looks like stays the frame's business."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    rows = [_objects(0.0, 40.0, ("person", "red", 0.2), ("person", "blue", 0.7)),
            Evidence(EvidenceKind.TEXT, 2.0, 40.0, "HARBOUR CUP - SEMI FINAL"),
            Evidence(EvidenceKind.SPEECH, 30.0, 33.0, "And Okafor scores from the penalty spot!", SpeechData())]
    engine = AnswerEngine(_EmbeddedView(rows))
    for question in ("who's the referee?", "who is in the lead", "who won the toss?", "who's leading"):
        text, cites = _ask(engine, question, 20.0)
        assert text.startswith("I haven't seen or heard who ") and "so far" in text and not cites, (question, text)
    text, cites = _ask(engine, "who scored?", 35.0)
    assert "Okafor scores" in text and (30.0, 33.0) in cites, text
    text = _ask(engine, "who scored?", 25.0)[0]  # asked before it was said
    assert text.startswith("I haven't seen or heard who scored"), text
    for question in ("who's the man in red?", "who is on the left", "who's there?"):
        text, cites = _ask(engine, question, 20.0)
        assert "person in red" in text and (0.0, 40.0) in cites, (question, text)


def test_a_yes_no_hears_a_verdict_and_a_thing_called_off():
    """"Would she recommend it?" is answered yes when she says she would (no when she wouldn't), while
    "is it any good?" gets what was said, no verdict of ours; "is the 9:40 running?" is a no when the line
    that matches says it is cancelled — but "is the pool closed?" with "Pool closed" is a yes."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.SPEECH, 5.0, 9.0, "Overall I would recommend these boots for hiking.", SpeechData()),
            Evidence(EvidenceKind.SPEECH, 12.0, 15.0, "For running I wouldn't recommend the older model.", SpeechData()),
            Evidence(EvidenceKind.SPEECH, 18.0, 21.0, "The grip on wet rock is decent.", SpeechData()),
            Evidence(EvidenceKind.TEXT, 30.0, 50.0, "09:40 Harwich - CANCELLED"),
            Evidence(EvidenceKind.TEXT, 30.0, 50.0, "POOL CLOSED FOR CLEANING"),
            Evidence(EvidenceKind.SPEECH, 40.0, 44.0, "The quiz night is postponed until next week.", SpeechData())]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "would she recommend the boots for hiking?", 25.0)
    assert text.startswith("Yes — ") and "recommend these boots" in text and (5.0, 9.0) in cites, text
    text = _ask(engine, "does she recommend the older model?", 25.0)[0]
    assert text.startswith("No — ") and "wouldn't recommend" in text, text
    text = _ask(engine, "is the grip on wet rock good?", 22.0)[0]
    assert text.startswith("Here is what was shown or said") and "decent" in text, text
    text, cites = _ask(engine, "is the 09:40 to harwich running?", 45.0)
    assert text.startswith("No — ") and "CANCELLED" in text and (30.0, 50.0) in cites, text
    text = _ask(engine, "is quiz night still on?", 45.0)[0]
    assert text.startswith("No — ") and "postponed" in text, text
    text = _ask(engine, "is the pool closed?", 45.0)[0]
    assert text.startswith("Yes — ") and "POOL CLOSED" in text, text


def test_a_service_asked_by_its_timetable_is_read_off_the_board_row_by_row():
    """"Is the airport bus on time?" asks what a board says, not whether a bus is in view; OCR reads a
    board's row in pieces ("08:05 Harbour" | "Stand A" | "Exp 08:19"), which are that row's answer
    together — a later time expected is a no. "The 08:05" names the bus (no moment of the video, no number
    to check). Asked after the board went, its last word on it counts."""
    from memory.records import Box, Evidence, TextData
    from vstream.answer.engine import AnswerEngine

    def line(t0, t1, content, x0, y0, x1):
        return Evidence(EvidenceKind.TEXT, t0, t1, content, TextData(box=Box(x0, y0, x1, y0 + 0.07)))
    rows = [line(10.0, 40.0, "DEPARTURES", 0.40, 0.20, 0.60),
            line(10.0, 40.0, "07:45 Airport", 0.10, 0.30, 0.35), line(10.0, 39.0, "Stand C", 0.45, 0.30, 0.60),
            line(11.0, 40.0, "On time", 0.70, 0.30, 0.85),
            line(10.0, 40.0, "08:05 Harbour", 0.10, 0.40, 0.35), line(10.5, 40.0, "Stand A", 0.45, 0.40, 0.60),
            line(11.0, 39.0, "Exp 08:19", 0.70, 0.40, 0.85),
            _objects(0.0, 60.0, ("bus", "white", 0.4))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "is the airport bus on time?", 50.0)
    assert text.startswith("Yes — ") and "“07:45 Airport”" in text and "“On time”" in text, text
    assert "Harbour" not in text and (10.0, 40.0) in cites, text  # that row, not the whole board
    text, cites = _ask(engine, "is the 08:05 to harbour on time?", 50.0)
    assert text.startswith("No — ") and "“Exp 08:19”" in text and "Airport" not in text, text
    text = _ask(engine, "is there a bus?", 50.0)[0]  # a bus in view: the picture's
    assert text.startswith("Yes") and "bus" in text and "Airport" not in text, text


def test_a_name_asked_by_role_is_the_one_said_with_their_words_or_not_heard():
    """"What's the plumber called?" is the name said in a sentence about the plumber ("The plumber, Ada
    Reyes, …"), or said just after one ("we found a lost dog" — "her name is Biscuit"); asked before it was
    said, or for a name never given ("Sam's surname"), it was not heard — not another name that was."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    def said(t0, t1, text):
        return Evidence(EvidenceKind.SPEECH, t0, t1, text, SpeechData())
    rows = [said(2.0, 5.0, "Sam, can you call the plumber about the leak?"),
            said(8.0, 11.0, "Right, Okay, I will ring the plumber now."),
            said(20.0, 24.0, "The plumber, Ada Reyes, will be here at noon."),
            said(30.0, 33.0, "Sam, a little girl is lost near the fountain."),
            said(36.0, 40.0, "Her name is Mia and she has a red scarf.")]
    engine = AnswerEngine(_EmbeddedView(rows))
    text = _ask(engine, "what's the plumber's name?", 15.0)[0]
    assert text.startswith("I haven't seen or heard the plumber's name") and "Sam" not in text, text
    text, cites = _ask(engine, "whats the plumber called", 26.0)
    assert text.startswith("Ada Reyes — ") and cites == [(20.0, 24.0)], text
    text, cites = _ask(engine, "what's the kid's name", 42.0)
    assert text.startswith("Mia — ") and cites == [(36.0, 40.0)], text
    text = _ask(engine, "what's the kid's name", 34.0)[0]  # the girl is lost, no name yet
    assert text.startswith("I haven't seen or heard the kid's name") and "Sam" not in text, text
    text = _ask(engine, "whats sams last name", 42.0)[0]
    assert text.startswith("I haven't seen or heard sam's last name"), text


def test_whom_a_radio_voice_calls_is_the_name_its_call_gives():
    """"Who's Base calling?" is the name after "Base to …" in the latest call — not the people in view —
    and before any call that none was heard; a call between others ("Tower to Nadia") is not Base's."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.SPEECH, 4.0, 7.0, "Tower to Nadia, runway two is clear.", SpeechData()),
            Evidence(EvidenceKind.SPEECH, 12.0, 15.0, "Base to Omar, what is your position?", SpeechData()),
            Evidence(EvidenceKind.SPEECH, 16.0, 18.0, "Omar here, at the north fence.", SpeechData()),
            _objects(0.0, 30.0, ("person", "red", 0.3))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "who's base calling", 20.0)
    assert text.startswith("Omar — ") and cites == [(12.0, 15.0)], text
    text, cites = _ask(engine, "who is base talking to?", 10.0)
    assert text.startswith("I haven't heard Base call anyone by name") and not cites, text


def test_what_changed_is_what_came_up_where_something_else_was():
    """"What changed on the board?": the pieces that came up where others had been, each with its row's
    first piece — not the rows that stayed, a clock ticking over, a ticker scrolling, or (asked about
    the board) a camera label replaced at a cut."""
    from memory.records import Box, Evidence, TextData
    from vstream.answer.engine import AnswerEngine

    def line(t0, t1, content, x0, y0, x1):
        return Evidence(EvidenceKind.TEXT, t0, t1, content, TextData(box=Box(x0, y0, x1, y0 + 0.07)))

    def board(t0, t1, gate, status):
        return [line(t0, t1, "LH 902 Munich", 0.10, 0.30, 0.35), line(t0, t1, gate, 0.45, 0.30, 0.60),
                line(t0, t1, status, 0.70, 0.30, 0.85), line(t0, t1, "AF 1131 Paris", 0.10, 0.40, 0.35),
                line(t0, t1, "Gate C2", 0.45, 0.40, 0.60), line(t0, t1, "On time", 0.70, 0.40, 0.85)]
    rows = (board(10.0, 30.0, "Gate B4", "Boarding") + board(40.0, 70.0, "Gate B9", "Final call")[:1]
            + board(40.0, 70.0, "Gate B9", "Final call")[3:]
            + [line(40.0, 45.0, "Gate B6", 0.45, 0.30, 0.60), line(45.0, 70.0, "Gate B9", 0.45, 0.30, 0.60),
               line(40.0, 45.0, "Boarding", 0.70, 0.30, 0.85), line(45.0, 70.0, "Final call", 0.70, 0.30, 0.85),
               line(0.0, 35.0, "CAM 3 - CHECK-IN", 0.05, 0.80, 0.40), line(35.0, 50.0, "CAM 4 - SECURITY", 0.05, 0.80, 0.40),
               line(52.0, 70.0, "CAM 4 - SECURITY", 0.05, 0.80, 0.40),  # read again after a flicker: no change
               line(40.0, 70.0, "FLIGHTS TODAY", 0.40, 0.20, 0.60),
               line(10.0, 48.0, "Rain 12C", 0.75, 0.05, 0.95), line(48.0, 70.0, "Sun 14C", 0.75, 0.05, 0.95),
               line(0.0, 45.0, "10:41", 0.02, 0.02, 0.10), line(45.0, 70.0, "10:42", 0.02, 0.02, 0.10),
               line(10.0, 16.0, "Welcome to Riverside Airport", 0.00, 0.92, 0.45),
               line(47.0, 53.0, "Free Wi-Fi in every lounge", 0.05, 0.92, 0.50),
               line(53.0, 55.0, "Free Wi-Fi in", 0.60, 0.92, 1.00)])
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "what changed on the board?", 50.0)
    assert "“Gate B9” beside “LH 902 Munich” where “Gate B6” was" in text and "“Final call”" in text, text
    assert "“Boarding”" in text and (40.0, 45.0) in cites and (45.0, 70.0) in cites, text
    for other in ("Paris", "Gate C2", "B4", "10:4", "Wi-Fi", "CAM"):
        assert other not in text, (other, text)
    text = _ask(engine, "what changed on the board", 37.0)[0]  # only the camera's label so far
    assert "CAM 4" not in text, text
    text = _ask(engine, "anything changed?", 37.0)[0]  # on screen at large, a label is a change
    assert "“CAM 4 - SECURITY” where “CAM 3 - CHECK-IN” was" in text, text
    text = _ask(engine, "anything changed?", 56.0)[0]  # the latest change on screen: not a ticker, clock or re-read
    assert "“Sun 14C” where “Rain 12C” was" in text and "Wi-Fi" not in text and "10:4" not in text and "CAM" not in text, text
    text = _ask(engine, "what changed on the flights", 56.0)[0]  # the lines put up with that heading
    assert "“Gate B9”" in text and "Sun" not in text, text
    title = AnswerEngine(_EmbeddedView(rows + [line(0.0, 8.0, "Riverside Airport Live", 0.40, 0.30, 0.62)]))
    text = _ask(title, "what changed on the board?", 20.0)[0]  # a title card where the board went up is no change
    assert "Riverside" not in text, text
    fresh = AnswerEngine(_EmbeddedView([line(10.0, 30.0, "Gate B4", 0.45, 0.30, 0.60),
                                        line(44.0, 45.5, "Gate B9", 0.45, 0.30, 0.60)]))  # up 1.5 s when asked
    assert "“Gate B9” where “Gate B4” was" in _ask(fresh, "what changed?", 46.0)[0]


def test_the_feeds_clock_and_its_camera_label_answer_what_time_and_which_street():
    """"What time is it?" reads the clock on screen as read last (a sentence with "time" in it is no
    answer), and with no clock says so; "which street is this?" reads the camera's label; "when will
    the truck get here?" is a time still to come — said, never looked for in view."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.TEXT, 5.0, 30.0, "18:59"), Evidence(EvidenceKind.TEXT, 30.0, 60.0, "19:00"),
            Evidence(EvidenceKind.TEXT, 5.0, 60.0, "CAM 3 - HIGH ST / MILL LN"),
            Evidence(EvidenceKind.SPEECH, 20.0, 24.0, "Time for a look at the roads.", SpeechData()),
            Evidence(EvidenceKind.SPEECH, 40.0, 44.0, "The recovery truck should get here at half past seven.", SpeechData()),
            _objects(0.0, 60.0, ("truck", "white", 0.5))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "what time is it", 45.0)
    assert text.startswith("The clock on screen reads “19:00”") and cites == [(30.0, 60.0)], text
    assert "18:59" in _ask(engine, "what's the time on the feed?", 25.0)[0]
    text = _ask(engine, "what time is it", 3.0)[0]
    assert text.startswith("I haven't seen a clock"), text
    text, cites = _ask(engine, "which street is this?", 45.0)
    assert text.startswith("The screen shows “CAM 3 - HIGH ST / MILL LN”") and (5.0, 60.0) in cites, text
    assert _ask(engine, "which camera is this", 3.0)[0].startswith("I haven't seen a label on screen naming the camera")
    text, cites = _ask(engine, "when will the truck get here?", 50.0)
    assert "half past seven" in text and (40.0, 44.0) in cites, text


def test_a_state_asked_in_other_words_or_its_opposite_answers_a_yes_no():
    """"Is Pier Road shut?" finds "PIER ROAD CLOSED" (shut is closed); "is Pier Road open again?" with
    nothing saying it reopened is a no, quoting what says it is closed; "is the ferry still running?" a no
    from "the ferry is cancelled"; a thing never mentioned ("is the market open too?") was not seen."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.TEXT, 10.0, 30.0, "PIER ROAD CLOSED - FLOODING"),
            Evidence(EvidenceKind.SPEECH, 32.0, 35.0, "The harbour ferry is cancelled this afternoon.", SpeechData())]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "is pier road shut?", 20.0)
    assert text.startswith("Yes — ") and "PIER ROAD CLOSED" in text and (10.0, 30.0) in cites, text
    text, cites = _ask(engine, "is pier road open again?", 50.0)
    assert text.startswith("No — ") and "PIER ROAD CLOSED" in text and (10.0, 30.0) in cites, text
    text, cites = _ask(engine, "is the harbour ferry still running?", 50.0)
    assert text.startswith("No — ") and "cancelled" in text and (32.0, 35.0) in cites, text
    text, cites = _ask(engine, "is the market open too?", 50.0)
    assert text.startswith("No, I haven't seen or heard") and not cites, text


def test_how_long_is_a_length_or_an_end_when_that_is_what_was_said():
    """"How long is the tailback?" — "about three miles"; "how long will the line be closed?" — "until
    tomorrow morning": both answer how long as a duration would; a thing no length or end was given for
    ("how long will the bridge be shut?") was not heard."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    def said(t0, t1, text):
        return Evidence(EvidenceKind.SPEECH, t0, t1, text, SpeechData())
    rows = [said(5.0, 9.0, "The tailback on the ring road stretches about three miles."),
            said(12.0, 16.0, "Engineers say the rail line stays closed until tomorrow morning."),
            said(20.0, 23.0, "The old bridge is shut as well.")]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "how long is the tailback", 30.0)
    assert "three miles" in text and cites == [(5.0, 9.0)], text
    text, cites = _ask(engine, "how long will the rail line be closed?", 30.0)
    assert "until tomorrow morning" in text and (12.0, 16.0) in cites and "three miles" not in text, text
    text = _ask(engine, "how long will the bridge be shut?", 30.0)[0]
    assert text.startswith("I haven't seen or heard how long"), text


def test_on_the_phone_is_someone_calling_in_not_a_number_to_call():
    """"Who's on the phone?" is the caller introduced, not the helpline number on screen at that moment;
    "what's the helpline number?" is the number."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.SPEECH, 20.0, 24.0, "On the phone now is Priya, a nurse from Dunmore.", SpeechData()),
            Evidence(EvidenceKind.TEXT, 23.0, 26.0, "Helpline: 0800 123 4567")]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "who's on the phone?", 25.0)
    assert "Priya" in text and "0800" not in text and (20.0, 24.0) in cites, text
    text = _ask(engine, "what's the helpline number?", 25.0)[0]
    assert "0800 123 4567" in text, text


def test_when_a_graphic_came_up_is_asked_by_what_it_reads_not_what_it_is_called():
    """"When did the weather alert banner come up?": the band reads SEVERE WEATHER — "alert" and
    "banner" name the graphic, they are not on it; a name caption shown later is not it."""
    from memory.records import Evidence
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.TEXT, 12.0, 20.0, "SEVERE WEATHER"),
            Evidence(EvidenceKind.TEXT, 12.0, 20.0, "Gales on the coast from 6pm"),
            Evidence(EvidenceKind.TEXT, 30.0, 36.0, "Dana Whitfield"), Evidence(EvidenceKind.TEXT, 30.0, 36.0, "Forecaster")]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "when did the weather alert banner come up?", 50.0)
    assert "SEVERE WEATHER" in text and "00:12.0" in text and "Dana" not in text and (12.0, 20.0) in cites, text


def test_a_board_row_read_in_pieces_answers_for_its_own_row():
    """"What gate for Lisbon?": the board row "TP 1351 Lisbon" | "Gate 12" | "Boarding" answers with its own
    gate — not the gate of the row above it ("Gate 7" shown at the same time); asked again after the
    board changed, the row's latest gate; a row's numbers are no versions of another row's."""
    from memory.records import Box, Evidence, TextData
    from vstream.answer.engine import AnswerEngine

    def line(t0, t1, content, x0, y0, x1):
        return Evidence(EvidenceKind.TEXT, t0, t1, content, TextData(box=Box(x0, y0, x1, y0 + 0.07)))
    rows = [line(10.0, 30.0, "DEPARTURES", 0.40, 0.20, 0.60),
            line(10.0, 30.0, "BA 478 Madrid", 0.10, 0.30, 0.35), line(10.0, 30.0, "Gate 7", 0.45, 0.30, 0.60),
            line(10.0, 30.0, "TP 1351 Lisbon", 0.10, 0.40, 0.35), line(10.5, 29.0, "Gate 12", 0.45, 0.40, 0.60),
            line(40.0, 60.0, "BA 478 Madrid", 0.10, 0.30, 0.35), line(40.0, 60.0, "Gate 7", 0.45, 0.30, 0.60),
            line(40.0, 60.0, "TP 1351 Lisbon", 0.10, 0.40, 0.35), line(40.5, 59.0, "Gate 15", 0.45, 0.40, 0.60),
            line(5.0, 60.0, "Weather in Lisbon and Madrid: 18C, sunny", 0.10, 0.90, 0.90)]  # a ticker's line
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "what gate for lisbon?", 20.0)
    assert "“Gate 12”" in text and "Gate 7" not in text and (10.5, 29.0) in cites, text
    text, cites = _ask(engine, "what gate is lisbon now", 50.0)
    assert "“Gate 15”" in text and "Gate 7" not in text and "Gate 12" not in text, text
    text = _ask(engine, "which gate is the madrid flight?", 50.0)[0]
    assert "“Gate 7”" in text and "Gate 15" not in text, text
    from vstream.answer.evidence import Scored, latest_versions
    from vstream.answer.query import analyze
    found = engine.finder.matching(analyze("what gate for lisbon?", now=20.0), (EvidenceKind.TEXT,))
    assert {s.row.content for s in found if s.lexical >= 0.9} == {"TP 1351 Lisbon", "Gate 12"}, found  # the row, whole
    kept = latest_versions([Scored(r, 0.9, 0.9) for r in rows if r.content.startswith("Gate")], "gate")
    assert sorted(s.row.content for s in kept) == ["Gate 15", "Gate 7"], kept  # a row's latest, not one for the board


def test_cameras_are_counted_by_their_labels_and_a_value_asked_before_is_its_earlier_version():
    """"How many different cameras so far?" counts the distinct camera labels (a camera that came back is
    one), not the cuts; with none, it says it can't tell. "What was it before?" after "what's the wait at
    gate A now?" is that line's earlier value."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.TEXT, 0.0, 20.0, "CAM 03 - LOBBY"), Evidence(EvidenceKind.TEXT, 20.0, 35.0, "CAM 11 - DOCK"),
            Evidence(EvidenceKind.TEXT, 35.0, 60.0, "CAM 3 - LOBBY"), Evidence(EvidenceKind.TEXT, 60.0, 80.0, "CAM 08 - ROOF"),
            Evidence(EvidenceKind.TEXT, 10.0, 18.0, "Wait at gate A: 15 min"),
            Evidence(EvidenceKind.TEXT, 50.0, 58.0, "Wait at gate A: 40 min"),
            Evidence(EvidenceKind.TEXT, 5.0, 80.0, "GATE A OPENS 09:00")]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "how many different cameras so far", 70.0)
    assert text.startswith("3 cameras") and "CAM 11 - DOCK" in text and "CAM 08 - ROOF" in text and len(cites) == 3, text
    assert _ask(engine, "how many diff cams?", 10.0)[0].startswith("1 camera ")
    empty = AnswerEngine(_EmbeddedView(rows[4:]))
    assert _ask(empty, "how many cameras have we seen", 70.0)[0].startswith("I haven't seen a camera label")
    ans = engine.answer("what was it before?", now=70.0, previous="whats the wait at gate a now")
    assert ans.text.startswith("Before: “Wait at gate A: 15 min”") and "40 min" in ans.text, ans.text
    said = AnswerEngine(_EmbeddedView([Evidence(EvidenceKind.SPEECH, 5.0, 9.0, "The 7:10 bus is running late because of roadworks.",
                                                 SpeechData()),
                                        Evidence(EvidenceKind.SPEECH, 12.0, 15.0, "Why not take the tram instead?", SpeechData())]))
    ans = said.answer("why?", now=20.0, previous="how late is the bus")  # the reason for what was just asked
    assert "roadworks" in ans.text and "tram" not in ans.text, ans.text


def test_a_graphic_asked_by_its_colour_or_kind_is_the_one_that_came_up_not_the_bug_or_the_crawl():
    """"What does the orange banner say?": the lines on the orange band (and its white label box beside it),
    not the channel bug, the clock or the crawl that stay up; "what's the alert about?" with no colour: the
    graphic that came up last by the moment asked. Colours are those named behind each line at ingest."""
    from memory.records import Box, Evidence, TextData
    from vstream.answer.engine import AnswerEngine

    def line(t0, t1, content, y0, colour, x0=0.1, x1=0.6):
        return Evidence(EvidenceKind.TEXT, t0, t1, content, TextData(box=Box(x0, y0, x1, y0 + 0.06, colour=colour)))
    rows = [line(0.0, 90.0, "CITY 7 TRAVEL", 0.04, "red", 0.80, 0.98), line(0.0, 90.0, "07:42", 0.04, "black", 0.02, 0.12),
            line(20.0, 28.0, "LIFT OUT OF ORDER", 0.17, "white", 0.0, 0.2), line(20.0, 28.0, "Use the ramp by Gate B", 0.17, "orange", 0.22, 0.9),
            line(40.0, 47.0, "LOST CHILD", 0.17, "white", 0.0, 0.2), line(40.0, 47.0, "Boy, 6, blue coat", 0.17, "red", 0.22, 0.9),
            line(44.0, 44.5, "Times and tickets at", 0.92, "grey", 0.7, 1.0), line(46.0, 46.5, "Times and tickets at kings", 0.92, "grey", 0.6, 1.0),
            line(48.0, 48.5, "and tickets at kingsbridge", 0.92, "grey", 0.5, 1.0)]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "whats the orange banner say", 50.0)
    assert "Use the ramp by Gate B" in text and "LIFT OUT OF ORDER" in text and "LOST CHILD" not in text, text
    assert (20.0, 28.0) in cites and "CITY 7" not in text, text
    text, cites = _ask(engine, "what's the alert about?", 46.0)
    assert "LOST CHILD" in text and "Boy, 6" in text and "ramp" not in text and "tickets" not in text, text
    assert "07:42" not in _ask(engine, "what does the banner say", 25.0)[0]
    assert "ramp" in _ask(engine, "what does the banner say", 25.0)[0]
    text = _ask(engine, "what does the red banner say", 50.0)[0]
    assert text.startswith("The red banner read") and "Boy, 6" in text and "ramp" not in text, text


def test_text_colour_is_the_band_behind_the_letters():
    """The band's colour, not the letters' or the footage's around it: white letters on an orange band are
    orange; a white label box with red letters over grass is white."""
    import cv2

    from memory.records import Box
    from vstream.senses.colour import text_colour
    img = np.zeros((200, 400, 3), np.uint8)
    img[:] = (40, 160, 40)  # grass
    img[40:70, 100:380] = (235, 120, 20)  # an orange band
    cv2.putText(img, "USE THE RAMP", (110, 62), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2)
    img[120:150, 20:120] = (250, 250, 250)  # a white label box
    cv2.putText(img, "LOST", (30, 142), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (200, 20, 30), 2)
    assert text_colour(img, Box(110 / 400, 45 / 200, 370 / 400, 66 / 200)) == "orange"
    assert text_colour(img, Box(28 / 400, 124 / 200, 95 / 400, 146 / 200)) == "white"


def test_reasons_numbers_and_counts_the_video_states():
    """"Why is the Leeds train late?" is the sentence giving its reason; "what caused the crash?" is declined
    when the crash is only ever a cause ("closed after a crash"); "whats the police number?" needs a number;
    "how many people in the ticket queue?" is the count said, not people in view; "how many vans do they
    have?" a fleet told; "when can he get here?" the latest arrival time given."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    def said(t0, t1, line):
        return Evidence(EvidenceKind.SPEECH, t0, t1, line, SpeechData())
    rows = [said(2.0, 6.0, "The A40 is closed eastbound after a crash at Oakfield."),
            said(8.0, 12.0, "Police are sending drivers along the North Circular instead."),
            said(14.0, 18.0, "The Leeds train is running twelve minutes late, because of a signal fault at Wakefield."),
            said(20.0, 24.0, "There is a long queue at the ticket office, about twenty people."),
            said(26.0, 30.0, "We now run two hundred delivery vans across the city."),
            said(32.0, 36.0, "The engineer says he can be here by half past three."),
            _objects(39.0, 40.5, ("person", "red", 0.1), ("person", "blue", 0.3), ("person", "grey", 0.5))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "why is the leeds train late", 40.0)
    assert "signal fault" in text and (14.0, 18.0) in cites, text
    assert "signal fault" in _ask(engine, "what caused the delay", 40.0)[0]
    text = _ask(engine, "what caused the crash", 40.0)[0]
    assert text.startswith("I haven't seen or heard a reason") and "Oakfield" not in text, text
    assert "Oakfield" in _ask(engine, "why is the a40 closed", 40.0)[0]
    text = _ask(engine, "whats the police number", 40.0)[0]
    assert text.startswith("I haven't seen or heard a number"), text
    text, cites = _ask(engine, "how many people in the ticket queue", 40.0)
    assert "twenty people" in text and (20.0, 24.0) in cites, text
    assert _ask(engine, "how many people can you see now", 40.0)[0].startswith("I count 3 people")
    assert "two hundred delivery vans" in _ask(engine, "how many vans do they have", 40.0)[0]
    text, cites = _ask(engine, "when can he get here", 40.0)
    assert "half past three" in text and (32.0, 36.0) in cites, text


def test_questions_inside_questions_and_pronoun_stories():
    """"Did they say what the app will cost?" is answered as "how much will the app cost?" — No when nothing
    states it, Yes with the price when something does; "did anyone mention the price in euros?" is no dollar
    price; "when did he start the company?" is what he said, not when a person came into view."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.SPEECH, 2.0, 6.0, "I started the company in my kitchen six years ago.", SpeechData()),
            Evidence(EvidenceKind.SPEECH, 10.0, 14.0, "The team plan is twelve dollars per user.", SpeechData()),
            Evidence(EvidenceKind.TEXT, 10.0, 20.0, "Team plan: $12 / month"),
            Evidence(EvidenceKind.SPEECH, 22.0, 25.0, "And the new mobile app arrives in June.", SpeechData()),
            _objects(1.0, 30.0, ("person", "black", 0.4))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text = _ask(engine, "did they say what the mobile app will cost", 30.0)[0]
    assert text.startswith("No — I haven't"), text
    text, cites = _ask(engine, "did they say what the team plan costs?", 30.0)
    assert text.startswith("Yes — ") and "$12" in text, text
    text = _ask(engine, "did anyone mention the price in euros", 30.0)[0]
    assert text.startswith("No") and "$12" not in text and "dollars" not in text, text
    assert _ask(engine, "did anyone mention the price in dollars", 30.0)[0].startswith("Yes — someone said “The team plan is twelve dollars")
    text, cites = _ask(engine, "when did he start the company", 30.0)
    assert "six years ago" in text and (2.0, 6.0) in cites, text
    assert "kitchen" in _ask(engine, "where did he start it", 30.0)[0]


def test_advice_given_and_kinds_of_vehicle_not_told_apart():
    """"Should I use the A40 this morning?" is the advice said about the A40 ("so please avoid it"), not
    whether the picture looks like morning; "has the tow truck turned up?" with a van in view is no yes: the
    detector sees trucks and vans, not which kind."""
    from memory.records import Evidence, SpeechData
    from vstream.answer.engine import AnswerEngine

    rows = [Evidence(EvidenceKind.SPEECH, 2.0, 6.0, "The journey time on the A40 is now 55 minutes, so please avoid it.",
                     SpeechData()),
            Evidence(EvidenceKind.SPEECH, 8.0, 12.0, "The tow truck should be here by eight fifteen.", SpeechData()),
            _objects(20.0, 21.0, ("truck", "white", 0.4))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "should i use the a40 this morning", 21.0)
    assert "avoid it" in text and (2.0, 6.0) in cites, text
    text = _ask(engine, "has the tow truck turned up yet", 21.0)[0]
    assert text.startswith("I haven't seen anything I can tell is a tow truck") and "1 truck/van" in text, text
    assert _ask(engine, "is there a truck", 21.0)[0].startswith("Yes")


def test_counters_timers_and_lines_asked_by_where_they_are():
    """"How many calories so far?" is the counter's latest value ("CALORIES: 96"), not how often the word was
    seen; "how long is the rest?" is the timer box or the seconds said; "what does it say at the bottom?" asks
    for the text there, not speech; "is the first class free?" keeps its words ("the first …" is no stretch of
    time); "what did she say?" with no higher voice heard says so before what was said."""
    from memory.records import Box, Evidence, SpeechData, TextData
    from vstream.answer.engine import AnswerEngine
    from vstream.answer.query import analyze

    rows = [Evidence(EvidenceKind.TEXT, 5.0, 15.0, "Members $39 / month · first class free"),
            Evidence(EvidenceKind.SPEECH, 6.0, 10.0, "Four rounds of forty seconds work and twenty seconds of rest.",
                     SpeechData(pitch_hz=104.0)),
            Evidence(EvidenceKind.TEXT, 20.0, 30.0, "CALORIES: 48"), Evidence(EvidenceKind.TEXT, 40.0, 46.0, "CALORIES: 96"),
            Evidence(EvidenceKind.TEXT, 44.0, 46.0, "REST 0:20"),
            Evidence(EvidenceKind.TEXT, 42.0, 46.0, "Sharp pain? Stop and rest.", TextData(Box(0.2, 0.85, 0.8, 0.93)))]
    engine = AnswerEngine(_EmbeddedView(rows))
    text, cites = _ask(engine, "how many calories so far", 46.0)
    assert text == "The screen showed “CALORIES: 96” (from 00:40.0 to 00:46.0).", text
    text = _ask(engine, "how long is the rest", 46.0)[0]
    assert "REST 0:20" in text or "twenty seconds of rest" in text, text
    assert analyze("what does it say at the bottom", 46.0).modalities == {Modality.TEXT}
    assert "Sharp pain" in _ask(engine, "what does it say at the bottom", 46.0)[0]
    assert analyze("is the first class free", 20.0).target == "class free"
    assert _ask(engine, "is the first class free", 20.0)[0].startswith("Yes")
    text = _ask(engine, "what did she say", 20.0)[0]
    assert text.startswith("I haven't heard a higher-pitched voice") and "twenty seconds of rest" in text, text
