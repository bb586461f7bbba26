"""OpenCV source: webcams (V4L2), and files/RTSP when `--reader opencv` is asked for."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from vstream.config import SourceConfig
from vstream.errors import SourceError, require
from vstream.sources.base import FrameSource, RawFrame
from vstream.sources.errors import check_file, check_host, explain_open_error
from vstream.types import StreamInfo


class OpenCVSource(FrameSource):
    def __init__(self, spec, cfg: SourceConfig):
        self.spec = spec
        self.cfg = cfg
        self.kind = spec.kind
        self.live = spec.live
        self._cap = None

    def open(self) -> StreamInfo:
        os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # its V4L2 warnings are not for users
        cv2 = require("cv2", "opencv-python-headless", "The OpenCV reader")
        if self.kind == "webcam":
            self._cap = self._open_webcam(cv2)
        else:
            self._cap = self._open_ffmpeg(cv2)
        w = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        n = self._cap.get(cv2.CAP_PROP_FRAME_COUNT)
        duration = (n / fps) if (not self.live and fps > 0 and n > 0) else None
        return StreamInfo(self.kind, w, h, fps, duration, self.live, "opencv")

    def _open_webcam(self, cv2):
        target = self.spec.target
        if target.startswith("/dev/") and not os.path.exists(target):
            raise SourceError(f"no webcam at {target} — connect a camera, check `ls /dev/video*`, or use --source testsrc")
        cap = cv2.VideoCapture(int(target) if target.isdigit() else target)
        if not cap.isOpened():
            raise SourceError(f"no webcam at index/device {target} (OpenCV could not open it) — connect a camera, check permissions, or use --source testsrc")
        return cap

    def _open_ffmpeg(self, cv2):
        if self.kind == "file":
            check_file(self.spec.target)
        else:
            check_host(self.spec.target, self.cfg.open_timeout_s)
        if self.kind == "rtsp":
            os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = f"rtsp_transport;{self.cfg.transport.value}"
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(self.cfg.open_timeout_s * 1000),
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(self.cfg.read_timeout_s * 1000)]
        cap = cv2.VideoCapture(self.spec.target, cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            raise explain_open_error(OSError("OpenCV could not open it"), self.kind, self.spec.target, self.cfg.open_timeout_s)
        return cap

    def frames(self) -> Iterator[RawFrame]:
        cv2 = require("cv2", "opencv-python-headless", "The OpenCV reader")
        t_first: float | None = None
        while self._cap is not None:
            ok, bgr = self._cap.read()
            if not ok:
                return  # EOF, or a read timeout on a live source: the stream layer reconnects
            # Webcams have no useful PTS; use the monotonic clock. Files/RTSP report POS_MSEC.
            t = time.monotonic() if self.kind == "webcam" else self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            t_first = t if t_first is None else t_first
            yield RawFrame(ts=max(0.0, t - t_first), to_rgb=lambda b=bgr: cv2.cvtColor(b, cv2.COLOR_BGR2RGB))

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
