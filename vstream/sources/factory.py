"""Parse a --source string into a SourceSpec and build the matching FrameSource."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vstream.config import Reader, SourceConfig
from vstream.errors import SourceError
from vstream.sources.base import FrameSource
from vstream.urls import mask_url

_WEBCAM = re.compile(r"^(\d+|/dev/video\d+|webcam(:\d+)?)$")


@dataclass(frozen=True)
class SourceSpec:
    kind: str  # file | rtsp | http | webcam | testsrc
    target: str  # path, URL, device index/path, or lavfi graph
    live: bool
    text: str = ""  # what the user typed

    @property
    def masked(self) -> str:
        return mask_url(self.text or self.target)


def _testsrc_graph(text: str) -> str:
    """`testsrc` or `testsrc:size=WxH:rate=R` → a lavfi testsrc2 graph (moving test pattern)."""
    opts = {"size": "640x360", "rate": "25"}
    for part in text.split(":")[1:]:
        key, _, value = part.partition("=")
        if key not in opts or not value:
            raise SourceError(f"bad testsrc option {part!r}; use testsrc:size=640x360:rate=25")
        opts[key] = value
    return f"testsrc2=size={opts['size']}:rate={opts['rate']}"


def parse_source(text: str) -> SourceSpec:
    text = (text or "").strip()
    if not text:
        raise SourceError("no source given; pass a file path, rtsp:// or http(s):// URL, webcam index (0) or testsrc")
    low = text.lower()
    if low.startswith("push:"):
        return SourceSpec("push", text[5:] or "default", live=True, text=text)
    if low == "testsrc" or low.startswith("testsrc:"):
        return SourceSpec("testsrc", _testsrc_graph(text), live=True, text=text)
    if _WEBCAM.match(low):
        index = low.split(":")[1] if low.startswith("webcam:") else ("0" if low == "webcam" else text)
        return SourceSpec("webcam", index, live=True, text=text)
    if low.startswith(("rtsp://", "rtsps://")):
        return SourceSpec("rtsp", text, live=True)
    if low.startswith(("http://", "https://")):
        # An HLS playlist or HTTP stream may be live or VOD; treat it as live (reconnect on EOF)
        # only for playlists, progressive HTTP files end normally.
        return SourceSpec("http", text, live=".m3u8" in low)
    if low.startswith("file://"):
        text = text[len("file://"):]
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise SourceError(
            f"unsupported source scheme '{scheme}://' in {mask_url(text)}; use a file path, rtsp://, http(s)://, a webcam index or testsrc"
        )
    return SourceSpec("file", str(Path(text).expanduser()), live=False)


def make_source(spec: SourceSpec, cfg: SourceConfig) -> FrameSource:
    """Build the source for a spec. Webcams always go through OpenCV (V4L2); network and file
    inputs through PyAV unless `--reader opencv` is asked for."""
    if spec.kind == "push":
        from vstream.sources.push import PushSource

        return PushSource(spec, cfg)
    if spec.kind == "webcam" or (cfg.reader is Reader.OPENCV and spec.kind != "testsrc"):
        from vstream.sources.opencv import OpenCVSource

        return OpenCVSource(spec, cfg)
    from vstream.sources.pyav import PyAVSource

    return PyAVSource(spec, cfg)
