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
