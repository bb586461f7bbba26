"""`vstream eval qa`: the set loader, the scorer's edge cases, the generated clips, and one
end-to-end run through the real Assistant on a 12 s generated clip with known text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from eval import qa
from eval.qa import (
    AlertResult,
    ProactiveItem,
    QAItem,
    QAReport,
    QAResult,
    alert_right,
    answer_right,
    cites_evidence,
    contains,
    future_citations,
    load_set,
    resolve_video,
    says_not_seen,
)
from vstream.errors import VStreamError

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "eval" / "qa" / "mini.json"
DEV = REPO / "eval" / "qa" / "dev.json"


@pytest.fixture(scope="module")
def clip_cache(tmp_path_factory):
    d = tmp_path_factory.mktemp("qaclips")
    mp = pytest.MonkeyPatch()
    mp.setenv("VSTREAM_QA_CACHE", str(d))
    yield d
    mp.undo()


def _write(tmp_path: Path, doc) -> Path:
    p = tmp_path / "set.json"
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return p


def _item(**kw) -> QAItem:
    base = dict(qid="x", video="v", ask_at=10.0, question="q", answer_any=("3",))
    return QAItem(**{**base, **kw})


# ---- loader ---------------------------------------------------------------------------------------------
def test_both_formats_load_the_same_items(tmp_path):
    q = {"ask_at": 30, "question": "how many?", "answer_any": ["3"], "evidence": [28, 30], "modality": "people",
         "type": "how_many", "id": "a"}
    p = {"ask_at": 0, "instruction": "tell me when the text EXIT shows up", "fire_at": 24, "tolerance": 2, "id": "b"}
    one = load_set(_write(tmp_path, {"video": "clip.mp4", "questions": [q], "proactive": [p]}))
    (tmp_path / "two").mkdir()
    two = load_set(_write(tmp_path / "two", {"items": [{"video": "clip.mp4", **q}, {"video": "clip.mp4", **p}]}))
    assert one.questions == two.questions and one.proactive == two.proactive
    assert one.questions[0] == QAItem("a", "clip.mp4", 30.0, "how many?", ("3",), (), (), (28.0, 30.0), "answer",
                                      "people", "how_many")
    assert one.proactive[0] == ProactiveItem("b", "clip.mp4", 0.0, p["instruction"], 24.0, 2.0, "visual")


@pytest.mark.parametrize("doc, words", [
    ("{not json", "not valid JSON"),
    ({"questions": []}, "at the top"),
    ({"video": "v", "questions": [{"question": "q", "answer_any": ["a"]}]}, "missing field 'ask_at'"),
    ({"video": "v", "questions": [{"ask_at": -1, "question": "q", "answer_any": ["a"]}]}, "ask_at must be"),
    ({"video": "v", "questions": [{"ask_at": 1, "question": "q", "answer_any": ["a"], "modality": "smell"}]}, "modality 'smell'"),
    ({"video": "v", "questions": [{"ask_at": 1, "question": "q", "answer_any": ["a"], "evidence": [5, 2]}]}, "ends before"),
    ({"video": "v", "questions": [{"ask_at": 1, "question": "q"}]}, "needs answer_any"),
    ({"video": "v", "questions": []}, "no questions"),
])
def test_a_bad_set_file_is_one_line(tmp_path, doc, words):
    with pytest.raises(VStreamError) as e:
        load_set(_write(tmp_path, doc))
    assert words in str(e.value) and "\n" not in str(e.value)


def test_missing_set_file_names_the_flag(tmp_path):
    with pytest.raises(VStreamError, match="--set"):
        load_set(tmp_path / "nope.json")


def test_the_dev_set_meets_the_issue(tmp_path):
    s = load_set(DEV)
    assert len(s.questions) >= 60
    assert {q.modality for q in s.questions} == set(qa.MODALITIES)
    assert {q.type for q in s.questions} == set(qa.TYPES)
    assert sum(q.kind == "not_seen" for q in s.questions) >= 10
    assert len(s.proactive) >= 3
    assert len({q.qid for q in s.questions} | {p.qid for p in s.proactive}) == len(s.questions) + len(s.proactive)


def test_videos_resolve(tmp_path, clip_cache):
    (tmp_path / "clip.mp4").write_bytes(b"x")
    assert resolve_video("clip.mp4", tmp_path) == tmp_path / "clip.mp4"
    other = tmp_path / "media"
    other.mkdir()
    (other / "b.mp4").write_bytes(b"x")
    assert resolve_video("media:b.mp4", tmp_path, [other]) == other / "b.mp4"
    assert resolve_video("gen:mini", tmp_path).parent == clip_cache
    with pytest.raises(VStreamError, match="--media"):
        resolve_video("media:nope.mp4", tmp_path, [other])
    with pytest.raises(VStreamError, match="known: "):
        resolve_video("gen:nope", tmp_path)


# ---- scorer ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("answer, expected, ok", [
    ("I count three people now.", "3", True),
    ("3 people (00:30.0).", "three", True),
    ("Text on screen at 00:03.0: “GATE 7”.", "3", False),  # a time is not a count
    ("FIRE DRILL AT 14:30", "14:30", True),
    ("FIRE DRILL AT 14:30", "4", False),
    ("someone walked by", "one", False),  # "one" inside a word
    ("no one is there", "1", True),  # ...but the word itself counts (declines are judged separately)
    ("Room 12.", "12", True),
    ("It is 12.5 m away", "12", False),
    ("the Blue Cafeteria", "blue cafeteria", True),
])
def test_contains_numbers_and_words(answer, expected, ok):
    assert contains(answer, expected) is ok


def test_answer_any_all_none():
    it = _item(answer_any=("dock 7", "dock seven"), answer_all=("truck",), answer_none=("4",))
    assert answer_right(it, "The truck is at dock seven.")
    assert not answer_right(it, "It is at dock 7.")  # answer_all: the truck is not named
    assert not answer_right(it, "The truck is at dock 7 or dock 4.")  # answer_none: an invented number
    assert qa.invented(it, "The truck is at dock 7 or dock 4.") == ["4"]


@pytest.mark.parametrize("answer, ok", [
    ("I have not seen a dog (up to 00:10.0).", True),
    ("I haven't heard anyone mention pizza.", True),
    ("No, there is no dog.", True),
    ("Nobody is there right now.", True),
    ("No scene changes so far (up to 00:15.0).", True),
    ("Yes, there is a dog at 00:05.0.", False),
    ("Yes — no doubt, a dog.", False),
    ("Yes, there is a dog; nothing else.", False),  # a "yes" with a negative word later is still a yes
    ("There are 2 dogs.", False),
    ("Now (00:07.0) I see: pinwheel, sea slug, bubble (at 00:07.0).", False),
    ("Someone said pizza at 00:12.", False),
])
def test_not_seen_items(answer, ok):
    assert says_not_seen(answer) is ok
    assert answer_right(_item(kind="not_seen", answer_any=()), answer) is ok


def test_a_no_that_states_what_was_seen_is_an_answer():
    it = _item(kind="answer", answer_any=("Moreno",))
    assert answer_right(it, "No — the screen showed “CRASH” / “Luis Moreno down on the descent” (00:34–00:41).")
    assert not answer_right(it, "No, I haven't seen anything about Moreno so far.")  # a decline, though it echoes
    assert not answer_right(it, "No — no one crashed that I saw (Moreno was named at 00:34).")  # "no one": a decline
    assert answer_right(_item(kind="not_seen", answer_any=()), "No — no bicycle in view, and I haven't seen any.")


def test_a_speech_decline_must_be_about_hearing():
    it = _item(kind="not_seen", answer_any=(), modality="speech")
    assert not answer_right(it, "I have not seen any text on screen so far (up to 01:19.0).")
    assert answer_right(it, "I haven't heard anyone say anything.")
    assert answer_right(it, "Nobody has mentioned pizza.")


def test_a_not_seen_item_still_fails_on_an_invented_name():
    assert not answer_right(_item(kind="not_seen", answer_any=(), answer_none=("Bob",)), "No, only Bob, not seen.")


def test_a_decline_that_echoes_the_target_is_wrong():
    it = _item(answer_any=("EXIT",))
    assert not answer_right(it, "I have not seen text matching “EXIT” up to 00:20.0.")
    assert answer_right(it, "Text on screen now: “EXIT” (from 00:18.0 to 00:20.0).")
    assert answer_right(_item(answer_any=("0", "no")), "No, nobody is there.")  # a count of zero may decline


def test_citation_overlap_within_one_second():
    ev = (10.0, 12.0)
    assert cites_evidence(ev, [(11.0, 11.5)])
    assert cites_evidence(ev, [(13.0, 14.0)])  # starts exactly 1 s after the evidence ends
    assert cites_evidence(ev, [(5.0, 9.0)])  # ends exactly 1 s before
    assert not cites_evidence(ev, [(13.01, 14.0)])
    assert not cites_evidence(ev, [(0.0, 8.99), (20.0, 21.0)])
    assert not cites_evidence(ev, [])
    assert cites_evidence(None, [(1.0, 2.0)]) is None


def test_future_citations_are_counted():
    assert future_citations(10.0, [(9.0, 10.0), (10.5, 10.6)]) == 0  # the frame at ask_at, half a second slack
    assert future_citations(10.0, [(10.51, 11.0), (30.0, 31.0), (2.0, 3.0)]) == 2


def test_alerts():
    p = ProactiveItem("p", "v", 0.0, "tell me", 24.0, 2.0)
    assert alert_right(p, [25.5, 40.0]) == (True, False)
    assert alert_right(p, [26.5]) == (False, False)  # late
    assert alert_right(p, [10.0, 24.0]) == (False, True)  # an earlier false alarm
    assert alert_right(p, []) == (False, False)
    never = ProactiveItem("n", "v", 0.0, "tell me about pizza", None)
    assert alert_right(never, []) == (True, False) and alert_right(never, [3.0])[0] is False


def test_report_numbers_and_formats():
    def res(qid, right, cited, future=0, modality="text", type_="what_shown", ttft=0.1, stream_t=5.0):
        return QAResult(qid, "v", 5.0, "q", modality, type_, "answer", "a", right, cited, future, (), (), stream_t, ttft, ttft)

    r = QAReport("set.json", [res("a", True, True), res("b", False, False, 1, "speech", "what_said", 0.3),
                              res("c", True, None, modality="speech", type_="not_seen", ttft=0.2, stream_t=6.0)],
                 [AlertResult("p", "v", 0.0, "tell me", "text", 3.0, 2.0, (3.5,), True, False)])
    s = r.summary()
    assert (s["questions"], s["answers_right"], s["citing_evidence"], s["future_citations"]) == (3, 0.6667, 0.5, 1)
    assert s["lookahead_violations"] == 1 and s["ttft_p50_s"] == 0.2 and s["alerts_right"] == 1.0
    assert s["by_modality"]["speech"] == {"n": 2, "right": 1, "cite_n": 1, "cited": 0, "alerts": 0, "alerts_right": 0,
                                          "accuracy": 0.5}
    assert s["by_modality"]["text"]["alerts_right"] == 1
    json.dumps(r.to_json())
    md = r.to_markdown()
    assert "| speech | 2 | 1 (50.0%) | 0 / 1 | 0 / 0 |" in md and "future citations: 1" in md


# ---- generated clips ------------------------------------------------------------------------------------
def test_mini_clip_is_cached_and_deterministic(clip_cache):
    from eval.qaclips import CLIPS, build

    p = build("mini")
    mtime = p.stat().st_mtime_ns
    assert build("mini") == p and p.stat().st_mtime_ns == mtime  # second call: the cached file
    assert CLIPS["mini"].key() == CLIPS["mini"].key() and str(REPO) not in str(p)


def test_speech_clip_places_sentences(clip_cache):
    from conftest import need

    need(shutil.which("espeak-ng") is not None, "espeak-ng is not installed (apt-get install espeak-ng)")
    import av

    from eval.qaclips import build

    with av.open(str(build("speech"))) as c:
        assert c.streams.video and c.streams.audio[0].codec_context.name == "aac"
        a = c.streams.audio[0]
        chunks = [(float(f.pts * a.time_base), f.to_ndarray()) for f in c.decode(a)]

    def rms(t0: float, t1: float) -> float:
        return float(np.sqrt(np.mean(np.concatenate([x.ravel() for t, x in chunks if t0 <= t < t1]) ** 2)))

    assert rms(4.2, 7.0) > 20 * max(rms(0.5, 3.5), 1e-5)  # "…dock seven" spoken from 4 s, silence before
    assert rms(16.2, 18.5) > 20 * max(rms(9.0, 15.5), 1e-5)


def test_a_slide_covers_the_frame_in_both_painters():
    """A slide is a light page with dark text and its number on top, drawn by Pillow or by the cv2
    fallback (a black frame under it must not show through)."""
    from eval.qaclips import SLIDE_BG, _draw_graphics_cv2, _slide, draw_graphics

    slide, page = _slide(0, 10, 3, 8, ("Main causes", "- Dark roofs", "A plain line"))
    for paint in (draw_graphics, _draw_graphics_cv2):
        img = paint(np.zeros((480, 854, 3), np.uint8), [slide, page], 1.0)
        light = np.all(np.abs(img.astype(int) - SLIDE_BG) < 12, axis=2)
        assert light.mean() > 0.8, paint.__name__  # the black frame under it is hidden
        assert img[20:140, 40:500].min() < 80, paint.__name__  # the dark title ink at the top left
        assert img[430:470, 760:850].min() < 200, paint.__name__  # "3/8" bottom-right


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_lecture_clip_builds_with_sound(clip_cache):
    from conftest import need

    need(shutil.which("espeak-ng") is not None, "espeak-ng is not installed (apt-get install espeak-ng)")
    import av

    from eval.qaclips import SLIDE_BG, build

    with av.open(str(build("lecture"))) as c:
        assert c.duration / 1e6 == pytest.approx(120.0, abs=0.3) and c.streams.audio[0].codec_context.name == "aac"
        v = c.streams.video[0]
        first = next(c.decode(v)).to_ndarray(format="rgb24")
    assert first.shape == (480, 854, 3)
    assert np.median(first.reshape(-1, 3), axis=0) == pytest.approx(SLIDE_BG, abs=6)  # the title slide from 0 s


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_howto_clip_builds_with_sound(clip_cache):
    """The recipe clip: 120 s with an AAC track, the brown title card first, the ingredients card
    (a light full-frame slide) at 20 s."""
    from conftest import need

    need(shutil.which("espeak-ng") is not None, "espeak-ng is not installed (apt-get install espeak-ng)")
    import av

    from eval.qaclips import SLIDE_BG, build

    with av.open(str(build("howto"))) as c:
        assert c.duration / 1e6 == pytest.approx(120.0, abs=0.3) and c.streams.audio[0].codec_context.name == "aac"
        v = c.streams.video[0]
        frames = {round(float(f.pts * v.time_base), 1): f.to_ndarray(format="rgb24") for f in c.decode(v)
                  if round(float(f.pts * v.time_base), 1) in (0.0, 20.0)}
    assert frames[0.0].shape == (480, 854, 3)
    assert np.median(frames[0.0].reshape(-1, 3), axis=0) == pytest.approx((70, 40, 22), abs=6)  # the title card
    assert np.median(frames[20.0].reshape(-1, 3), axis=0) == pytest.approx(SLIDE_BG, abs=6)  # the ingredients


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_review_clip_builds_with_sound(clip_cache):
    """The product-review clip (held out, dev10): 110 s with an AAC track, the dark title card
    first, the specs card (a light full-frame slide) at 20 s, the CONS card at 66 s."""
    from conftest import need

    need(shutil.which("espeak-ng") is not None, "espeak-ng is not installed (apt-get install espeak-ng)")
    import av

    from eval.qaclips import SLIDE_BG, build

    with av.open(str(build("review"))) as c:
        assert c.duration / 1e6 == pytest.approx(110.0, abs=0.3) and c.streams.audio[0].codec_context.name == "aac"
        v = c.streams.video[0]
        frames = {round(float(f.pts * v.time_base), 1): f.to_ndarray(format="rgb24") for f in c.decode(v)
                  if round(float(f.pts * v.time_base), 1) in (0.0, 20.0, 66.0)}
    assert frames[0.0].shape == (480, 854, 3)
    assert np.median(frames[0.0].reshape(-1, 3), axis=0) == pytest.approx((24, 26, 34), abs=6)  # the title card
    for t in (20.0, 66.0):  # the specs card, the cons card
        assert np.median(frames[t].reshape(-1, 3), axis=0) == pytest.approx(SLIDE_BG, abs=6), t


# ---- end to end through the real Assistant ---------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_mini_set_end_to_end(clip_cache, tmp_path, monkeypatch):
    """The report holds what the current system answers for these questions; a spy checks that
    the assistant never had frames past ask_at when each question was asked."""
    from vstream.assistant import Assistant

    seen: list[tuple[float, float]] = []
    real_answer = Assistant.answer

    def spy(self, question, now=None, options=None, previous=None):
        seen.append((self.now, now))
        return real_answer(self, question, now=now, options=options, previous=previous)

    monkeypatch.setattr(Assistant, "answer", spy)
    rep = qa.run_qa(MINI, tmp_path / "out")
    by = {r.qid: r for r in rep.results}
    assert len(seen) == 4 and all(reached <= asked + 1e-6 for reached, asked in seen)
    assert [round(r, 1) for r, _ in seen] == [5.0, 7.0, 11.0, 11.0]  # 2 fps: exactly the frame at ask_at
    assert by["mini-1"].right and by["mini-1"].cited and "GATE 7" in by["mini-1"].answer
    # mini-3 ("…a few seconds ago?"): right with the template engine at HEAD; the engine being
    # rebuilt reads "few" as the target. Only consistency is asserted until it settles.
    assert by["mini-3"].right == answer_right(load_set(MINI).questions[2], by["mini-3"].answer)
    for qid in ("mini-2", "mini-4"):  # not-seen questions: scored by the one list of phrasings
        assert by[qid].right == says_not_seen(by[qid].answer) and by[qid].cited is None
    s = rep.summary()
    assert s["future_citations"] == 0 and s["lookahead_violations"] == 0 and s["errors"] == 0
    assert rep.alerts[0].right and rep.alerts[0].alerts[0] == pytest.approx(8.0, abs=1.0)
    saved = json.loads((tmp_path / "out" / "report.json").read_text())
    assert saved["summary"]["questions"] == 4 and (tmp_path / "out" / "report.md").read_text().startswith("# QA results")


@pytest.mark.xfail(reason="the answer engine does not yet say 'not seen' for absent objects/speech (#11 rebuild)", strict=False)
@pytest.mark.timeout(240)
def test_mini_not_seen_questions_right(clip_cache, tmp_path):
    rep = qa.run_qa(MINI, None)
    assert all(r.right for r in rep.results if r.kind == "not_seen")


@pytest.mark.timeout(240)
def test_a_runner_that_looks_ahead_is_caught(clip_cache, tmp_path, monkeypatch):
    """Break the runner on purpose: feed 3 s past each ask_at. The report must show it."""
    doc = {"video": "gen:mini", "questions": [{"ask_at": 3, "question": "what does the sign say?", "answer_any": ["GATE 7"],
                                               "evidence": [2, 6], "modality": "text", "type": "what_shown"}]}
    set_path = _write(tmp_path, doc)
    monkeypatch.setattr(qa, "_advance", lambda a, t: a.step_until(t + 3.0))
    rep = qa.run_qa(set_path, None)
    assert rep.summary()["lookahead_violations"] == 1 and rep.results[0].stream_t == pytest.approx(6.0)
