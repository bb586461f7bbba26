"""The "Cameras" tab: a grid of live views (each camera's newest stored thumbnail with its current
detections, its state, effective fps and lag), a chat over every camera or one, watches on one
camera or all, and alerts naming the camera. Every handler calls one CameraSet method.

Frames: each camera's ingest runs in another process, so the view is the newest JPEG in
<session>/thumbs (vstream.thumbs.ThumbnailStore, written by the ingest process); until one
exists the view says so."""

from __future__ import annotations

import time

import numpy as np

from app.controller import draw_boxes
from vstream.errors import VStreamError
from vstream.multicam import CameraInfo, CameraSet
from vstream.types import Answer

ALL = "all cameras"
GRID_COLUMNS = 3  # 3 views a row: 320 px thumbnails fit a 1080p screen's width


def info_md(info: CameraInfo, in_view: dict[str, int]) -> str:
    """"**running** · 1.9/2 fps · lag p95 0.41 s · t=62.0 s · in view: person 1"."""
    parts = [f"**{info.state}**"]
    if info.fps_effective is not None:
        parts.append(f"{info.fps_effective:.1f}/{info.fps_asked:g} fps")
    if info.lag_p95_s is not None:
        parts.append(f"lag p95 {info.lag_p95_s:.2f} s")
    parts.append(f"t={info.stream_s:.1f} s")
    if info.degradation:
        parts.append(f"degraded: {info.degradation}")
    if info.restarts:
        parts.append(f"restarts {info.restarts}")
    if info.last_error:
        parts.append(f"⚠ {info.last_error}")
    seen = ", ".join(f"{k} {n}" for k, n in sorted(in_view.items(), key=lambda kv: (-kv[1], kv[0])) if n)
    return " · ".join(parts + ([f"in view: {seen}"] if seen else []))


def live_view(cameras: CameraSet, name: str) -> np.ndarray | None:
    """The camera's newest thumbnail (RGB) with its current detections drawn; None before any."""
    import cv2

    found = cameras.latest_thumbnail(name)
    if found is None:
        return None
    image = cv2.imread(str(found[0]))
    if image is None:  # being replaced right now
        return None
    image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    now = cameras.camera(name).objects_now()
    return draw_boxes(image, now.boxes) if now is not None else image


def alerts_md(cameras: CameraSet) -> str:
    rows = [f"- `{time.strftime('%H:%M:%S', time.localtime(e.wall))}` **{e.camera or '?'}** {e.kind.value}: {e.message}"
            for e in reversed(cameras.alerts())]
    return "\n".join(rows) or "_no alerts yet_"


def _camera(choice: str | None) -> str | None:
    return None if not choice or choice == ALL else choice


def build_camera_tab(cameras: CameraSet) -> None:
    """Call inside the main gr.Blocks (a tab of its own)."""
    import gradio as gr

    cameras.start()  # the watch/event poller (idempotent)
    names = cameras.names

    def respond(question, history, choice):
        history = list(history or []) + [{"role": "user", "content": question}, {"role": "assistant", "content": ""}]
        try:
            for item in cameras.ask(question, _camera(choice)):
                if isinstance(item, Answer):
                    cites = " ".join(f"[{c.label}]" for c in item.citations)
                    history[-1]["content"] = item.text + (f"\n\n{cites}" if cites else "")
                else:
                    history[-1]["content"] += item
                yield history, ""
        except VStreamError as e:
            history[-1]["content"] = f"⚠ {e}"
            yield history, ""

    def add_watch(text, choice):
        try:
            made = cameras.watch(text, _camera(choice))
            msg = "; ".join(f"watch {w.id} on {w.camera}: {w.watch.kind.value} {w.watch.target!r}" for w in made)
        except VStreamError as e:
            msg = f"⚠ {e}"
        return msg

    def tick():
        infos = {i.name: i for i in cameras.infos()}
        views = [live_view(cameras, n) for n in names]
        notes = [info_md(infos[n], cameras.objects_in_view(n)) for n in names]
        return (*views, *notes, alerts_md(cameras))

    with gr.Tab("Cameras", elem_id="cameras-tab"):
        images, notes = [], []
        for row in range(0, len(names), GRID_COLUMNS):
            with gr.Row():
                for name in names[row:row + GRID_COLUMNS]:
                    with gr.Column(min_width=240):
                        images.append(gr.Image(label=name, interactive=False, elem_id=f"cam-live-{name}"))
                        notes.append(gr.Markdown(f"**{name}**", elem_id=f"cam-info-{name}"))
        with gr.Row():
            with gr.Column(scale=3):
                pick = gr.Dropdown([ALL, *names], value=ALL, label="Ask", elem_id="cam-pick")
                chat = gr.Chatbot(label="Ask across cameras", height=320, elem_id="cam-chat")
                question = gr.Textbox(placeholder="which camera saw a person after 10:00? what is happening in the yard?",
                                      label="Question", elem_id="cam-question")
                ask = gr.Button("Ask", variant="primary", elem_id="cam-ask")
            with gr.Column(scale=2):
                watch_text = gr.Textbox(label="Watch for", placeholder="tell me when a person appears", elem_id="cam-watch-text")
                watch_pick = gr.Dropdown([ALL, *names], value=ALL, label="On", elem_id="cam-watch-pick")
                watch_btn = gr.Button("Add watch", elem_id="cam-watch-add")
                watch_msg = gr.Markdown(elem_id="cam-watch-msg")
                alerts = gr.Markdown("_no alerts yet_", elem_id="cam-alerts")
        ask.click(respond, [question, chat, pick], [chat, question])
        question.submit(respond, [question, chat, pick], [chat, question])
        watch_btn.click(add_watch, [watch_text, watch_pick], watch_msg)
        gr.Timer(1.0).tick(tick, None, [*images, *notes, alerts])
