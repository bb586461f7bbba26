"""Watches parsed from how people ask to be told ("…when the results are in", "…once they get to the
budget"), and fired by the rows a stream brings."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from memory.records import Evidence, EvidenceKind, SpeechData
from vstream.watches import WatchKind, WatchSet, parse_watch


@pytest.mark.parametrize("instruction, target", [
    ("tell me when the election results are in", "election results"),  # a result arriving: "is/are in"
    ("alert me when the final score is up", "final score"),
    ("let me know as soon as the verdict is announced", "verdict"),
    ("ping me once they move on to the harbour budget", "harbour budget"),  # arriving at a topic
    ("let me know once they get to the bridge item", "bridge"),
])
def test_a_topic_arriving_is_watched_for_by_its_words(instruction, target):
    w = parse_watch(instruction)
    assert (w.kind, w.target) == (WatchKind.TEXT, target), w


def test_a_result_watch_fires_on_the_panel_not_on_the_call_to_vote():
    ws = WatchSet()
    ws.add(parse_watch("tell me when the election results are in"))
    said = Evidence(EvidenceKind.SPEECH, 10.0, 12.0, "Polls close and the count of the election starts now.", SpeechData())
    assert ws.check(None, [said]) == []  # one of the two words: not yet
    assert ws.check(_ocr(15.0, "Polls closed\nCOUNTING UNDER WAY")) == []
    alerts = ws.check(_ocr(20.0, "ELECTION RESULTS - WARD 7\nTurnout: 41%"))
    assert len(alerts) == 1 and alerts[0].ts == 20.0, alerts


def _ocr(ts: float, text: str):
    """What a frame's OCR brings a watch (the fields a text watch reads of an EncodedFrame)."""
    return SimpleNamespace(frame_ts=ts, ocr_ran=True, text=text, text_onsets={}, text_since=ts, scene_change=False)


def test_a_state_watch_fires_when_the_thing_is_shown_or_said_in_that_state():
    """"Tell me if the Glasgow flight gets delayed" waits for Glasgow and a delay together — a board's
    row read in pieces ("BA 1482 Glasgow" | "Delayed 18:40") or a voice ("…running late") — not for Glasgow
    on time, nor another flight's delay. "Ping me if a child goes missing" hears "a lost little boy", dated
    to the word "lost", not to the sentence's start."""
    from memory.records import Word

    ws = WatchSet()
    ws.add(parse_watch("tell me if the glasgow flight gets delayed"))
    assert ws.check(_ocr(5.0, "DEPARTURES\nEZ 803 Paris\nDelayed 18:40\nBA 1482 Glasgow\nOn time")) == []  # Paris's delay
    assert ws.check(_ocr(9.0, "DEPARTURES\nBA 1482 Glasgow\nOn time")) == []
    alerts = ws.check(_ocr(14.0, "DEPARTURES\nBA 1482 Glasgow\nDelayed 18:40"))
    assert len(alerts) == 1 and alerts[0].ts == 14.0, alerts

    ws = WatchSet()
    ws.add(parse_watch("ping me if a child goes missing"))
    calm = Evidence(EvidenceKind.SPEECH, 2.0, 5.0, "The children's play area is now open.", SpeechData())
    lost = Evidence(EvidenceKind.SPEECH, 20.0, 24.0, "Security, we have a lost little boy at gate nine.", SpeechData(
        words=(Word("Security,", 20.0, 20.6), Word("we", 20.8, 21.0), Word("have", 21.0, 21.3), Word("a", 21.3, 21.4),
               Word("lost", 22.6, 23.0), Word("little", 23.0, 23.3), Word("boy", 23.3, 23.6))))
    assert ws.check(None, [calm]) == []
    alerts = ws.check(None, [lost])
    assert len(alerts) == 1 and alerts[0].ts == 22.6, alerts


def test_an_update_watch_waits_for_the_graphic_to_come_back():
    """"Let me know when the fares get updated", set while the fares card is up: not that card, but the
    next time it is put up; "tell me if another road gets closed" waits for a road and a closure."""
    ws = WatchSet()
    ws.add(parse_watch("let me know when the fares get updated"))
    assert ws.check(_ocr(10.0, "FARES\nAdult: 2.40")) == []  # up when asked: not an update
    assert ws.check(_ocr(12.0, "FARES\nAdult: 2.40")) == []
    assert ws.check(_ocr(14.0, "CAM 2")) == [] and ws.check(_ocr(16.0, "CAM 2")) == []
    alerts = ws.check(_ocr(20.0, "FARES\nAdult: 2.60"))
    assert len(alerts) == 1 and alerts[0].ts == 20.0, alerts

    ws = WatchSet()
    ws.add(parse_watch("tell me if another road gets closed"))
    said = Evidence(EvidenceKind.SPEECH, 30.0, 33.0, "The ring road is busy but moving.", SpeechData())
    assert ws.check(None, [said]) == [] and ws.check(_ocr(35.0, "Ring Road: 18 min")) == []
    alerts = ws.check(_ocr(40.0, "ROAD CLOSED\nFlooding on Mill Lane"))
    assert len(alerts) == 1 and alerts[0].ts == 40.0, alerts
