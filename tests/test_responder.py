"""The assistant on a scripted video with known text, cuts and times: answers and citations
(±1 s of the truth), watches (one alert per event, within 1.5 s), should_speak, CLI ask."""

from __future__ import annotations

import json

import pytest

from eval.synthvideo import SceneScript, Segment, TextEvent
from tests.conftest import run_cli
from vstream.assistant import Assistant
from vstream.config import Config, SourceConfig
from vstream.errors import VStreamError
from vstream.types import Answer, EventKind
from vstream.watches import WatchKind, parse_watch

TEXTS = [("EXIT", 10.0, 16.0), ("OPEN 24H", 25.0, 35.0), ("PLATFORM 9", 60.0, 70.0), ("SALE", 120.0, 130.0)]
CUTS = [50.0, 100.0]


def script() -> SceneScript:
    return SceneScript(duration=150, fps=10, size=(480, 270),
                       segments=[Segment(0, 50, (40, 80, 160), 1), Segment(50, 100, (170, 60, 40), 2),
                                 Segment(100, 150, (40, 140, 60), 3)],
                       texts=[TextEvent(t, a, b) for t, a, b in TEXTS])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("resp")
    clip = script().write(d / "truth.mp4")
    a = Assistant(Config(source=SourceConfig(source=str(clip), speed="max", fps=2)), session=d / "session")
    a.start()
    text_watch = a.watch('tell me when the text "PLATFORM" shows up')
    scene_watch = a.watch("tell me when the scene changes")
    events = a.events(replay=True)
    assert a.wait(300)
    yield a, events.drain(), text_watch, scene_watch, d
    a.stop()


def cited(answer: Answer):
    return [(c.t_start, c.t_end) for c in answer.citations]


def near(a: float, b: float, tol: float = 1.0) -> bool:
    return abs(a - b) <= tol


def test_text_on_screen_now(run):
    a = run[0]
    ans = a.answer("what text is on screen?", now=13.0)
    assert "EXIT" in ans.text and "OPEN" not in ans.text
    assert any(near(s, 10.0) and s <= 13.0 for s, _ in cited(ans))
    ans = a.answer("what text is on screen right now?", now=45.0)
    assert "haven't seen any text" in ans.text.lower() and not ans.citations


def test_when_did_the_sign_say(run):
    ans = run[0].answer("when did the sign say EXIT?")
    assert "EXIT" in ans.text
    (s, e), = cited(ans)
    assert near(s, 10.0) and near(e, 16.0)
    ans = run[0].answer("When was 'platform 9' displayed?")
    (s, e), = cited(ans)
    assert near(s, 60.0) and near(e, 70.0)


def test_what_did_the_text_say_minutes_ago(run):
    ans = run[0].answer("what did the text say 2 minutes ago?", now=150.0)  # → 30 s
    assert "OPEN 24H" in ans.text
    assert any(near(s, 25.0) and near(e, 35.0) for s, e in cited(ans))


def test_counting_scene_changes(run):
    a = run[0]
    ans = a.answer("how many scene changes so far?", now=150.0)
    assert ans.text.startswith("2 scene changes")
    assert [round(s) for s, _ in cited(ans)] == [50, 100]
    assert a.answer("how many scene changes so far?", now=75.0).text.startswith("1 scene change")
    assert a.answer("how many cuts so far?", now=40.0).text.startswith("0 scene changes")


def test_unknown_text_says_so_and_still_cites(run):
    ans = run[0].answer("when did the sign say BANANA?")
    assert "haven't seen" in ans.text and "banana" in ans.text and not ans.citations  # nothing to cite


def test_streaming_tokens_then_answer(run):
    pieces = list(run[0].ask("what text is on screen?", now=65.0))
    assert all(isinstance(p, str) for p in pieces[:-1]) and isinstance(pieces[-1], Answer)
    assert "".join(pieces[:-1]).strip() == pieces[-1].text and "PLATFORM 9" in pieces[-1].text
    assert 0 < pieces[-1].ttft_s <= pieces[-1].latency_s < 1.0


def test_watches_fire_once_per_event_within_1_5_s(run):
    _, events, text_watch, scene_watch, _ = run
    alerts = [e for e in events if e.kind is EventKind.WATCH]
    text_alerts = [e for e in alerts if e.payload["watch_id"] == text_watch.id]
    scene_alerts = [e for e in alerts if e.payload["watch_id"] == scene_watch.id]
    assert len(text_alerts) == 1 and text_watch.fired == 1
    assert near(text_alerts[0].ts, 60.0) and 60.0 <= text_alerts[0].payload["detected_at"] <= 61.5
    assert [round(e.ts) for e in scene_alerts] == [50, 100]
    assert all(e.payload["detected_at"] - c <= 1.5 for e, c in zip(scene_alerts, CUTS))
    proactive = [e for e in events if e.kind is EventKind.PROACTIVE]
    assert [round(e.ts) for e in proactive] == [50, 100]


def test_should_speak_polling(tmp_path):
    clip = SceneScript(duration=20, fps=10, segments=[Segment(0, 20, (50, 50, 140), 4)],
                       texts=[TextEvent("GATE 3", 8.0, 14.0)]).write(tmp_path / "c.mp4")
    a = Assistant(Config(source=SourceConfig(source=str(clip), speed="max", fps=2)), session=tmp_path / "s")
    a.start()
    a.watch('tell me when "GATE 3" appears')
    a.wait(120)
    spoken = [(t, a.should_speak(t)) for t in range(0, 21)]
    fired = [(t, e) for t, e in spoken if e is not None]
    a.stop()
    assert len(fired) == 1 and fired[0][0] in (8, 9) and "GATE 3" in fired[0][1].message


def test_a_kind_of_text_watch_fires_on_the_first_line_of_that_kind(tmp_path):
    """"Tell me when a website appears": no words given, so any web address — not the sign before it."""
    clip = SceneScript(duration=16, fps=10, segments=[Segment(0, 16, (50, 50, 140), 4)],
                       texts=[TextEvent("OPEN DAILY", 2.0, 6.0), TextEvent("visit harbor.org", 9.0, 14.0, scale=1.2)]
                       ).write(tmp_path / "c.mp4")
    a = Assistant(Config(source=SourceConfig(source=str(clip), speed="max", fps=2)), session=tmp_path / "s")
    a.open()
    w = a.watch("let me know when a website appears")
    a.step_until(16.0)
    fired = a.history((EventKind.WATCH,))
    a.stop()
    assert w.kind is WatchKind.TEXT and w.pattern, w
    assert len(fired) == 1 and 9.0 <= fired[0].payload["detected_at"] <= 11.0 and "harbor.org" in fired[0].message, fired


def test_parse_watch():
    assert parse_watch('tell me when the text "EXIT" shows up').target == "EXIT"
    assert parse_watch("tell me when the sign says OPEN").target == "OPEN"
    assert parse_watch("alert me when the scene changes").kind is WatchKind.SCENE
    w = parse_watch("tell me when you see a dog")
    assert w.kind is WatchKind.OBJECT and w.target == "dog"
    with pytest.raises(VStreamError, match="cannot tell what to watch for"):
        parse_watch("hmm")
    topic = parse_watch("tell me if there's breaking news")  # a topic: its particular word, on screen
    assert topic.kind is WatchKind.TEXT and topic.target == "breaking"
    assert parse_watch("let me know when the weather comes on").target == "weather"
    # the kind of graphic is no word to read: "Key takeaways", "Park Ranger, …" are what show
    assert parse_watch("tell me when the takeaways slide comes up").target == "takeaways"
    assert parse_watch("tell me when the ranger's name comes up").target == "ranger"


def test_topic_and_question_watches_fire_on_their_own_lines_only():
    from memory.records import Evidence, EvidenceKind, SpeechData
    from vstream.watches import _speech_hit, text_matches

    weather = parse_watch("ping me when the weather comes on")
    assert text_matches(weather.target, "Main Street closed after water pipe burst") < weather.threshold  # water ≠ weather
    assert text_matches(weather.target, "WEATHFR") >= weather.threshold  # one letter misread still fires
    asks = parse_watch("ping me when someone from the audience asks a question")
    assert asks.kind is WatchKind.SPEECH
    assert _speech_hit(asks, Evidence(EvidenceKind.SPEECH, 93.0, 96.0, "Does painting a roof white help?", SpeechData()))
    assert not _speech_hit(asks, Evidence(EvidenceKind.SPEECH, 11.0, 15.0, "Please silence your phones.", SpeechData()))


def test_a_speech_watch_matches_words_as_answers_do():
    from memory.records import Evidence, EvidenceKind, SpeechData
    from vstream.watches import _speech_hit

    snow = parse_watch("alert me if anyone mentions snow")
    said = Evidence(EvidenceKind.SPEECH, 31.0, 35.0, "How long does your drive to work take now?", SpeechData())
    assert not _speech_hit(snow, said)  # "now" is not "snow"
    dock = parse_watch("tell me when someone says dock seven")
    assert _speech_hit(dock, Evidence(EvidenceKind.SPEECH, 4.0, 7.0, "The truck is waiting at Doc 7.", SpeechData()))


def test_cli_ask_on_saved_session(run):
    session = run[4] / "session"
    proc, _ = run_cli("ask", "when did the sign say EXIT?", "--session", str(session), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"answer", "citations", "latency_s", "ttft_s"}
    assert "EXIT" in out["answer"] and near(out["citations"][0]["t_start"], 10.0)
    proc, _ = run_cli("ask", "what text is on screen?", "--session", str(session), "--at", "27", "--json")
    assert "OPEN 24H" in json.loads(proc.stdout)["answer"]
    proc, _ = run_cli("ask", "hi", "--session", str(run[4] / "nope"))
    assert proc.returncode == 2 and "no session" in proc.stderr


@pytest.mark.slow
def test_long_answers_never_block_ingest(tmp_path):
    """SmolLM2 answers continuously while a clip plays at 1x: ingest keeps encoding, whatever it
    cannot keep up with is dropped by policy and counted, and lag stays bounded by the queue."""
    import threading
    import time

    from vstream.answer.answerers import SmolLMAnswerer

    SmolLMAnswerer.load()  # the one-time load (cached dequantized copy) is not part of the test
    clip = SceneScript(duration=16, fps=10, segments=[Segment(0, 8, (40, 80, 160), 1), Segment(8, 16, (160, 80, 40), 2)],
                       texts=[TextEvent("CHECK IN", 2.0, 12.0)]).write(tmp_path / "c.mp4")
    cfg = Config(source=SourceConfig(source=str(clip), speed="realtime", fps=2, queue_size=2))
    a = Assistant(cfg, session=tmp_path / "s", answerer="smollm2")
    a.start()
    answering: list[tuple[float, int]] = []  # (seconds answering, frames encoded meanwhile)

    def ask_loop():
        while not a.wait(0):
            t0, n0 = time.monotonic(), a.stats().frames_encoded
            a.answer("what text is on screen now?")
            answering.append((time.monotonic() - t0, a.stats().frames_encoded - n0))

    asker = threading.Thread(target=ask_loop)
    time.sleep(1.0)
    asker.start()
    assert a.wait(60)
    asker.join(60)
    stats = a.stats()
    a.stop()
    assert answering, "no answer completed"
    busy_s, during = sum(t for t, _ in answering), sum(n for _, n in answering)
    assert busy_s >= 4.0 and during >= busy_s  # ≥ 1 frame/s encoded while answers were being generated
    assert stats.frames_sampled == stats.frames_encoded + stats.frames_dropped
    assert stats.lag_p95_s is not None and stats.lag_p95_s < 3.0


def test_ask_reads_a_session_while_another_process_ingests(tmp_path):
    """DESIGN §1: ingest as its own OS process writes the session; `vstream ask` reads it live."""
    import subprocess
    import sys
    import time

    from tests.conftest import REPO

    # SECOND comes 20 s in: room for a few `ask` processes (~3 s each, more on a loaded machine) before it
    clip = SceneScript(duration=26, fps=10, segments=[Segment(0, 26, (40, 80, 160), 5)],
                       texts=[TextEvent("FIRST", 1.0, 5.0), TextEvent("SECOND", 20.0, 25.0)]).write(tmp_path / "c.mp4")
    session = tmp_path / "live"
    proc = subprocess.Popen([sys.executable, "-m", "vstream", "ingest", str(clip), "--session", str(session), "--speed", "realtime"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        answers = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            out, _ = run_cli("ask", "what text was shown?", "--session", str(session), "--json")
            if out.returncode == 0:
                answers.append(json.loads(out.stdout)["answer"])
            time.sleep(1.0)
    finally:
        proc.wait(60)
    assert proc.returncode == 0
    early = [a for a in answers if "FIRST" in a and "SECOND" not in a]
    late = [a for a in answers if "SECOND" in a]
    assert early and late and answers.index(early[0]) < answers.index(late[0])  # it saw the session grow
