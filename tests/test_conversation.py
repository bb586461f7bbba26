"""Follow-up questions (answer/followup.py) and speakers named by their own words (answer/voices.py),
on evidence written by hand: a warehouse radio exchange, a pallet counter that changes, people counts."""

from __future__ import annotations

import pytest

from memory.records import Evidence, EvidenceKind, SpeechData
from tests.test_answers import _EmbeddedView, _objects
from vstream.answer.engine import AnswerEngine
from vstream.answer.followup import follow_up
from vstream.answer.query import AnswerType, Scope, analyze
from vstream.answer.voices import addresses, own_name, speaker

HER, HIM = 212.0, 104.0  # pitch_hz of the two voices


def said(t0, t1, line, hz):
    return Evidence(EvidenceKind.SPEECH, t0, t1, line, SpeechData(pitch_hz=hz))


def shown(t0, t1, line):
    return Evidence(EvidenceKind.TEXT, t0, t1, line)


def _rows():
    crowd = _objects(40.0, 40.5, ("person", "red", 0.1), ("person", "blue", 0.3), ("person", "green", 0.5),
                     ("person", "black", 0.7))
    pair = _objects(5.0, 5.5, ("person", "red", 0.1), ("person", "blue", 0.3))
    return [said(1.0, 3.5, "Dispatch to Ruiz, do you copy?", HER),
            said(4.0, 6.5, "Ruiz here, I'm at loading dock two.", HIM),
            said(8.0, 11.0, "The forklift battery needs charging before noon.", HER),
            said(12.0, 14.0, "I'll plug it in after lunch.", HIM),
            said(20.0, 22.0, "Ruiz, the truck from Halden Foods is early.", HER),
            shown(0.0, 30.0, "BAY 4: 12 PALLETS"), shown(30.0, 60.0, "BAY 4: 7 PALLETS"), pair, crowd]


@pytest.fixture(scope="module")
def radio():
    return AnswerEngine(_EmbeddedView(_rows()))


def test_who_said_that_is_about_the_previous_question(radio):
    before = "when does the forklift battery need charging?"
    ans = radio.answer("who said that?", now=30.0, previous=before)
    assert "Dispatch" in ans.text and "probably" in ans.text.lower(), ans.text
    assert (8.0, 11.0) in [(c.t_start, c.t_end) for c in ans.citations]
    alone = radio.answer("who said that?", now=30.0)  # no previous question: the latest sentence, 20-22 s
    assert "Dispatch" in alone.text and "Halden Foods" in alone.text, alone.text
    assert (20.0, 22.0) in [(c.t_start, c.t_end) for c in alone.citations], alone.citations


def test_a_speaker_is_named_by_the_one_name_their_voice_gave(radio):
    text = radio.answer("who said they'd plug it in?", now=30.0).text
    assert "Ruiz" in text and "“I'll plug it in after lunch.”" in text, text
    assert "Ruiz here" in text  # the introduction it goes by, quoted
    text = radio.answer("who said the truck was early", now=30.0).text
    assert "Dispatch" in text and "Ruiz" not in text.split("“")[0], text  # it speaks to Ruiz: not his


def test_without_an_introduction_in_that_voice_it_says_it_cannot_tell():
    rows = [said(1.0, 3.0, "Ruiz here, at dock two.", HIM), said(5.0, 7.0, "The battery is flat.", HER)]
    text = AnswerEngine(_EmbeddedView(rows)).answer("who said the battery was flat?", now=10.0).text
    assert "can't tell" in text and "Ruiz" not in text and "“The battery is flat.”" in text, text


def test_a_follow_up_keeps_the_subject_and_takes_its_own_time(radio):
    assert "7 PALLETS" in radio.answer("how many pallets in bay 4 now?", now=50.0).text
    text = radio.answer("and at the start?", now=50.0, previous="how many pallets in bay 4 now?").text
    assert "12 PALLETS" in text and "7 PALLETS" not in text, text
    text = radio.answer("and at 0:05?", now=50.0, previous="how many people are there?").text
    assert "2 people" in text, text


def test_a_question_with_its_own_subject_is_answered_alone(radio):
    prev = "how many pallets in bay 4 now?"
    q = analyze("is there a dog?", 50.0)
    assert follow_up("is there a dog?", q, prev) is q
    text = radio.answer("is there a dog?", now=50.0, previous=prev).text
    assert text.startswith("No") and "PALLETS" not in text, text


@pytest.mark.parametrize("asked, previous, target, kind, scope", [
    ("who said that", "when will the generator be fixed", "generator fixed", AnswerType.WHO, Scope.ALL),
    ("and how many were left at the start", "how many tickets left now?", "left tickets", AnswerType.HOW_MANY, Scope.AT),
    ("what about now?", "how many tickets left at 0:10?", "tickets left", AnswerType.HOW_MANY, Scope.NOW),
    ("and people?", "how many cars are there", "people", AnswerType.HOW_MANY, Scope.NOW),  # asked as before: now
    ("and for kids?", "how much are tickets now", "kids tickets", AnswerType.HOW_MANY, Scope.NOW),  # tickets, for kids
    ("where was that", "what did the sign say at 0:10", "", AnswerType.WHERE, Scope.AT),
])
def test_follow_up_query(asked, previous, target, kind, scope):
    q = follow_up(asked, analyze(asked, 80.0), previous)
    assert (q.target, q.answer_type) == (target, kind), q
    assert q.scope is scope, q


def test_own_names_and_addresses():
    assert own_name("Ruiz here, loud and clear.") == "Ruiz"
    assert own_name("Hi, I'm Dana Ortiz and this is the evening bulletin.") == "Dana Ortiz"
    assert own_name("Will do. Ruiz out.") == "Ruiz"
    assert own_name("Dispatch to Ruiz, over.") == "Dispatch"
    assert own_name("I am at the gate.") == own_name("This is the end.") == own_name("I'm Sorry about that.") == ""
    assert addresses("Ruiz, the truck is early.", "Ruiz") and addresses("Over to you, Ruiz.", "Ruiz")
    assert not addresses("Ruiz here, at the dock.", "Ruiz")
    row = said(8.0, 9.0, "Battery's flat.", 150.0)  # between the ranges: no voice to go by
    assert speaker(row, _rows()) is None
    assert speaker(said(30.0, 31.0, "Ruiz, are you there?", HIM), _rows()) is None  # said to Ruiz: not his
    assert speaker(said(30.0, 31.0, "Are you there?", HIM), _rows()).name == "Ruiz"
    two = _rows() + [said(40.0, 42.0, "This is Okafor at the north gate.", HIM)]  # two names in that range
    assert speaker(said(50.0, 51.0, "Are you there?", HIM), two) is None


def test_the_chat_api_passes_the_previous_user_message():
    from app.schemas import ChatRequest

    req = ChatRequest.model_validate({"messages": [
        {"role": "user", "content": "when does the battery need charging?"},
        {"role": "assistant", "content": "Someone said “… before noon.”"},
        {"role": "user", "content": "who said that?"}]})
    assert (req.question(), req.previous()) == ("who said that?", "when does the battery need charging?")
    assert ChatRequest.model_validate({"messages": [{"role": "user", "content": "hi"}]}).previous() is None


def test_what_someone_said_is_what_their_voice_said(radio):
    """"What did Ruiz say?" is the sentences in the voice that called itself Ruiz — not the ones that
    only name him ("Dispatch to Ruiz…", "Ruiz, the truck … is early")."""
    text = radio.answer("what did Ruiz say?", now=30.0).text
    assert "plug it in" in text and "Halden" not in text and "Dispatch to Ruiz" not in text, text
    text = radio.answer("what did Ruiz say about lunch?", now=30.0).text
    assert "“I'll plug it in after lunch.”" in text and "Halden" not in text, text


def test_a_follow_up_whose_borrowed_subject_finds_nothing_is_asked_as_typed():
    """"And for kids?" after "how much are tickets?": no line says kids' tickets; the question alone finds
    “Children under 12 free” by meaning."""
    rows = [shown(40.0, 50.0, "Adults 8 pounds"), shown(40.0, 50.0, "Children under 12 free"), shown(0.0, 30.0, "HARBOUR TOURS")]
    engine = AnswerEngine(_EmbeddedView(rows))
    text = engine.answer("and for kids?", now=49.0, previous="how much are tickets now?").text
    assert "Children under 12 free" in text, text


def test_a_reply_is_said_by_whom_the_call_before_it_named():
    """A sentence answering a call by name in another voice ("Kevin, the lift has stopped" — "Okay, I will tape
    it off") is probably Kevin's; a hand-over ("on the phone is Raj") names who answers, even when it also
    addresses someone; a sentence in the caller's own voice, or long after, is nobody's by that."""
    rows = [said(1.0, 4.0, "Kevin, the lift on platform three has stopped working.", HER),
            said(5.0, 8.0, "Okay, I will tape it off and phone the engineer.", HIM),
            said(20.0, 24.0, "And Jake, on the phone is Raj, who drives the twelve bus.", HER),
            said(25.0, 26.0, "Hi Laura.", HIM), said(26.2, 29.0, "My bus is running late because of the diversion.", HIM),
            said(40.0, 43.0, "Kevin, come back inside please.", HER),
            said(43.5, 46.0, "We have a lost child at the information desk.", HER),
            said(52.0, 55.0, "I am out at the cycle park.", HIM)]
    engine = AnswerEngine(_EmbeddedView(rows))
    ans = engine.answer("who said they'd tape it off?", now=60.0)
    assert ans.text.startswith("Probably Kevin") and "answered “Kevin, the lift" in ans.text, ans.text
    assert {(1.0, 4.0), (5.0, 8.0)} <= {(c.t_start, c.t_end) for c in ans.citations}
    ans = engine.answer("who said the bus is late because of the diversion?", now=60.0)
    assert ans.text.startswith("Probably Raj"), ans.text  # the second piece of his reply, after "Hi Laura."
    assert speaker(rows[6], rows) is None  # the caller's own voice goes on: not Kevin
    assert speaker(rows[7], rows) is None  # 6 s after the last sentence: no answer to a call


def test_a_second_person_in_one_voice_range_stops_naming_it_by_the_one_introduction():
    """Ethan introduced himself; he hands over to Amara, whose voice measures in his range too. Her reply
    greets him back ("Thanks Ethan"), so it is hers; after that the range holds two people and a later
    sentence in it is nobody's for sure — not "probably Ethan"."""
    rows = [said(1.0, 3.0, "I'm Ethan Cole.", HIM), said(3.5, 7.0, "I started the company six years ago.", HIM),
            said(10.0, 13.0, "Let me bring in one of our first customers, Amara Singh.", HIM),
            said(14.0, 15.0, "Thanks Ethan.", HIM), said(15.3, 19.0, "We run two hundred vans across the Netherlands.", HIM),
            said(21.0, 24.0, "Our drivers use offline mode on the road.", HIM)]
    assert speaker(rows[1], rows[:3]).name == "Ethan Cole"  # before the hand-over: the range's one name
    assert speaker(rows[4], rows).name == "Amara Singh"  # the second piece of her greeting reply
    assert speaker(rows[5], rows) is None and speaker(rows[1], rows) is None


def test_what_a_called_person_said_back_whole_and_pieces_counted_once():
    """"What is Kevin gonna do about it?": his reply to the call by name, both pieces of it (transcribed in
    two, the second in lower case); "how many things were said?" counts that sentence once; "how many people
    in the queue?" finds the number in the piece after the one naming the queue."""
    rows = [said(1.0, 4.0, "Kevin, the lift on platform three has stopped working.", HER),
            said(5.0, 7.0, "Okay, I will tape it off.", HIM), said(7.4, 9.0, "and phone the lift engineer.", HIM),
            said(12.0, 15.0, "There is a long queue at the ticket office.", HER), said(15.3, 16.5, "about twenty people.", HER)]
    engine = AnswerEngine(_EmbeddedView(rows))
    ans = engine.answer("what is kevin gonna do about it?", now=20.0)
    assert ans.text.startswith("Probably Kevin") and "tape it off" in ans.text and "phone the lift engineer" in ans.text
    assert {(5.0, 7.0), (7.4, 9.0)} <= {(c.t_start, c.t_end) for c in ans.citations}, ans.text
    assert engine.answer("how many things have been said?", now=20.0).text.startswith("I heard 3 things said")
    ans = engine.answer("how many people in the ticket queue?", now=20.0)
    assert "about twenty people" in ans.text and "long queue" in ans.text, ans.text


def test_a_caller_is_named_by_the_name_they_gave_and_a_number_to_call_needs_digits():
    """"Who's calling in?" is the name a caller gave ("it's Beth from Toronto") or the host put through ("on the
    phone is Raj"), not a name said in passing; "where is she from?" is where she said; "is there a number to
    call in?" is no yes for a "CALL-IN" label — only a line with a phone number."""
    rows = [said(1.0, 4.0, "I'm Jordan, and I have been coaching for ten years.", HIM),
            shown(60.0, 72.0, "MEMBER QUESTION · CALL-IN"),
            said(60.5, 63.5, "Hi Jordan, it's Beth from Toronto.", HER), said(64.0, 65.5, "My shoulder hurts.", HER)]
    engine = AnswerEngine(_EmbeddedView(rows))
    assert engine.answer("who's calling in?", now=66.0).text.startswith("Beth, going by “Hi Jordan, it's Beth from Toronto.”")
    assert "Toronto" in engine.answer("where is she from?", now=66.0).text
    assert engine.answer("who's on the phone?", now=30.0).text.startswith("Jordan") is False
    ans = engine.answer("is there a number to call in?", now=70.0)
    assert ans.text.startswith("No, I haven't seen or heard a phone number"), ans.text
    rows.append(shown(74.0, 80.0, "Call us: 0800 555 0199"))
    ans = AnswerEngine(_EmbeddedView(rows)).answer("is there a number to call in?", now=80.0)
    assert ans.text.startswith("Yes") and "0800 555 0199" in ans.text, ans.text
