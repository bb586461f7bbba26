"""Watches: conditions the user registers at run time ("tell me when the text EXIT shows up",
"…when the scene changes", "…when you see a dog", "…a frame like this one"), checked on each
new memory entry, with hysteresis and a cool-down so one event gives one alert."""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from vstream.answer.facts import fmt_time, text_matches, text_target
from vstream.errors import VStreamError
from vstream.types import EncodedFrame, Event, EventKind


class WatchKind(str, Enum):
    TEXT = "text"  # OCR text contains the target
    SCENE = "scene"  # a scene cut
    SIMILAR = "similar"  # a frame like a reference frame (embedding cosine)
    LABEL = "label"  # a classifier label (lite: ImageNet classes)
    POLL = "poll"  # hf: a free-text condition, a yes/no question to the VLM at a bounded rate


@dataclass
class Watch:
    kind: WatchKind
    target: str = ""
    embedding: np.ndarray | None = None
    threshold: float = 0.8  # text match ratio / embedding cosine / label probability
    cooldown_s: float = 10.0  # no second alert from this watch within this stream time
    rearm_after: int = 2  # consecutive negative checks before it can fire again (hysteresis)
    id: int = 0
    description: str = ""
    fired: int = 0
    _armed: bool = field(default=True, repr=False)
    _misses: int = field(default=0, repr=False)
    _last_fire: float = field(default=-1e9, repr=False)

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind.value, "target": self.target, "description": self.description,
                "threshold": self.threshold, "cooldown_s": self.cooldown_s, "fired": self.fired}


_APPEARS = re.compile(r"\s+(?:shows up|appears|is shown|comes up|is on screen|pops up)\s*[.!?]*$", re.I)
_TEXT_WORD = re.compile(r"\b(?:text|sign|word|words|caption|writing)\b\s*(.*)$", re.I)


def parse_watch(text: str) -> Watch:
    """Natural language → a Watch. Raises VStreamError with examples when it cannot tell."""
    t = text.strip()
    low = t.lower()
    if re.search(r"scene (changes?|cuts?)|\bcuts?\b|new scene|shot changes?", low):
        return Watch(WatchKind.SCENE, cooldown_s=1.0, rearm_after=1, description=t)  # cuts are discrete
    bare = _APPEARS.sub("", t)  # "…shows up" is not the text ("show" is also a reading verb)
    target = text_target(bare)
    if target is None and (m := _TEXT_WORD.search(bare)):
        target = m.group(1).strip(" .!?") or None  # "when the text EXIT shows up"
    if target:
        return Watch(WatchKind.TEXT, _APPEARS.sub("", target).strip(), description=t)
    if m := re.search(r"\b(?:see|sees|spot|appears?|shows up)\b\s+(?:an?|the|some)?\s*([a-z][a-z -]{1,40})", low):
        return Watch(WatchKind.LABEL, m.group(1).strip(" ."), threshold=0.15, description=t)
    raise VStreamError(f"cannot tell what to watch for in {t!r}; try: tell me when the text \"EXIT\" shows up / "
                       "when the scene changes / when you see a dog")


class WatchSet:
    """The registered watches; `check(enc)` runs in the ingest thread (cheap: string, label
    and dot-product tests; a VLM poll is handed to the responder instead)."""

    def __init__(self):
        self._watches: dict[int, Watch] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, w: Watch) -> Watch:
        with self._lock:
            w.id = next(self._ids)
            self._watches[w.id] = w
        return w

    def remove(self, watch_id: int) -> bool:
        with self._lock:
            return self._watches.pop(watch_id, None) is not None

    def list(self) -> list[Watch]:
        with self._lock:
            return list(self._watches.values())

    @property
    def wants_frequent_ocr(self) -> bool:
        return any(w.kind is WatchKind.TEXT for w in self.list())

    def check(self, enc: EncodedFrame) -> list[Event]:
        events = []
        for w in self.list():
            hit, onset, detail = _condition(w, enc)
            if hit is None:  # no evidence this frame (e.g. OCR did not run)
                continue
            if hit:
                w._misses = 0
                if w._armed and enc.frame_ts - w._last_fire >= w.cooldown_s:
                    w._armed, w._last_fire = False, enc.frame_ts
                    w.fired += 1
                    events.append(_alert(w, onset, enc.frame_ts, detail))
            else:
                w._misses += 1
                if w._misses >= w.rearm_after:
                    w._armed = True
        return events


def _condition(w: Watch, enc: EncodedFrame) -> tuple[bool | None, float, str]:
    """(condition holds? None if unknown this frame, onset time, what matched)."""
    if w.kind is WatchKind.SCENE:
        return enc.scene_change, enc.frame_ts, "scene change"
    if w.kind is WatchKind.TEXT:
        if not enc.ocr_ran:
            return None, enc.frame_ts, ""
        best = max(((text_matches(w.target, line), line) for line in enc.text.splitlines()), default=(0.0, ""))
        onset = enc.text_onsets.get(best[1], enc.text_since if enc.text_since is not None else enc.frame_ts)
        return best[0] >= w.threshold, onset, best[1]
    if w.kind is WatchKind.SIMILAR:
        sim = float(np.dot(enc.embedding, w.embedding))
        return sim >= w.threshold, enc.frame_ts, f"similarity {sim:.2f}"
    if w.kind is WatchKind.LABEL:
        p = max((p for name, p in enc.labels if w.target in name.lower()), default=0.0)
        return p >= w.threshold, enc.frame_ts, f"{w.target} {p:.2f}"
    return None, enc.frame_ts, ""  # POLL: evaluated by the responder


def _alert(w: Watch, onset: float, detected: float, detail: str) -> Event:
    what = {WatchKind.TEXT: f"text “{detail}” appeared", WatchKind.SCENE: "the scene changed",
            WatchKind.SIMILAR: "a frame like the reference appeared", WatchKind.LABEL: f"{w.target} seen ({detail})",
            WatchKind.POLL: f"{w.target}: yes"}[w.kind]
    return Event(EventKind.WATCH, onset, f"{what} at {fmt_time(onset)}",
                 {"watch_id": w.id, "kind": w.kind.value, "target": w.target, "detected_at": round(detected, 3),
                  "onset": round(onset, 3), "match": detail})
