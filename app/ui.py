"""The Gradio Blocks UI. Every handler calls one Controller method; no logic lives here."""

from __future__ import annotations

import dataclasses
import json

from app.controller import SAMPLE, Controller, draw_boxes
from vstream.answer.compose import fmt_time
from vstream.errors import VStreamError
from vstream.types import Answer


def _status(c: Controller) -> str:
    s = c.stats()
    if s is None:
        return f"**{c.state}**"
    lag = s.lag_p95_s
    return (f"**{s.state}** · {s.source} · t={s.stream_s:.1f} s · sampled {s.frames_sampled} "
            f"(dropped {s.frames_dropped}) · lag p95 {0 if lag is None else lag:.2f} s · "
            f"tokens dropped {s.token_drop_ratio:.0%} · memory {s.memory_bytes / 1e6:.1f} MB "
            f"({s.memory_entries} entries) · reconnects {s.reconnects}" + _in_view(c))


def _in_view(c: Controller) -> str:
    counts = c.counts_text()
    return f" · in view: {counts}" if counts else ""


def _captions_md(c: Controller) -> str:
    """The latest transcript segment(s) under the video while they are recent."""
    return "\n\n".join(f"`{fmt_time(e.ts)}` **{e.message}**" for e in c.captions())


def _transcript_rows(c: Controller) -> tuple[list[list[str]], list[float]]:
    """Transcript table rows [time, text] and each row's start time (for clicks)."""
    segs = c.transcript()
    return [[fmt_time(e.t_start), e.content] for e in segs], [e.t_start for e in segs]


def _frame_view(c: Controller, t: float | None, boxes: bool):
    """(image, caption) of the stored frame nearest t: boxes drawn when asked, and the frame's
    own time written out (a browser test reads it back against the cited time)."""
    shown = c.shown_frame(t) if t is not None else None
    if shown is None:
        return None, ""
    import cv2

    image = cv2.cvtColor(cv2.imread(str(shown.path)), cv2.COLOR_BGR2RGB)
    note = f"frame at **{fmt_time(shown.t)}** (t = {shown.t:.3f} s)"
    if boxes and shown.boxes:
        image = draw_boxes(image, shown.boxes)
        note += f" · {len(shown.boxes)} boxes, as detected at {fmt_time(shown.boxes_t)}"
    return image, note


def _pcm16(pcm_b64: str):
    """base64 of little-endian int16 samples (what MIC_JS sends) → int16 [N]."""
    import base64

    import numpy as np

    raw = base64.b64decode(pcm_b64 or "")
    return np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2")


# The webcam tab's microphone: an AudioWorklet (the audio thread: a ScriptProcessor runs on the
# page's main thread and, measured on a busy page, silently skipped ~1/3 of the input) captures
# mono float PCM at the context's rate, with the browser's echo cancellation, noise suppression
# and gain control off (they reshape speech). The page converts to int16 and sends everything
# recorded since the last call via mic_pcm, one call in flight at a time, so a slow server gets
# bigger batches, never gaps. Each batch carries the index of its first sample: the server
# places it on a sample-exact clock.
MIC_HTML = """<div class="vs-mic"><button id="mic-start" class="lg secondary">Start microphone</button>
<span class="mic-note" id="mic-note">microphone off</span></div>"""
MIC_JS = """
const btn = element.querySelector('#mic-start'), note = element.querySelector('#mic-note');
const WORKLET = "class Tap extends AudioWorkletProcessor { constructor() { super(); this.buf = new Float32Array(4096); this.n = 0; }" +
  " process(inputs) { const x = inputs[0][0]; if (!x) return true; this.buf.set(x, this.n); this.n += x.length;" +
  " if (this.n + 128 > this.buf.length) { this.port.postMessage(this.buf.slice(0, this.n)); this.n = 0; } return true; } }" +
  " registerProcessor('vs-mic-tap', Tap);";
const MAX_S = 120;  // buffered while the server is unreachable, at most; older audio is dropped
let ctx = null, stream = null, node = null, timer = null, batch = [], batchN = 0, sent = 0, acked = 0, busy = false, lost = 0;
function b64(pcm) {
  const u8 = new Uint8Array(pcm.buffer); let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  return btoa(s);
}
function take(x) {
  const y = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = Math.max(-32768, Math.min(32767, Math.round(x[i] * 32768)));
  batch.push(y); batchN += y.length;
  while (batchN > MAX_S * ctx.sampleRate) { const old = batch.shift(); batchN -= old.length; sent += old.length; lost += old.length; }
}
async function flush() {
  if (busy || batchN === 0 || ctx === null) return;
  const pcm = new Int16Array(batchN); let o = 0;
  for (const b of batch) { pcm.set(b, o); o += b.length; }
  const first = sent; batch = []; batchN = 0; sent += pcm.length; busy = true;
  try { acked = await server.mic_pcm(first, ctx.sampleRate, b64(pcm)); }
  catch (e) { lost += pcm.length; }
  busy = false;
  note.textContent = `recording: ${(acked / ctx.sampleRate).toFixed(1)} s sent at ${ctx.sampleRate} Hz` + (lost ? `, ${(lost / ctx.sampleRate).toFixed(1)} s lost` : '');
}
async function start() {
  stream = await navigator.mediaDevices.getUserMedia({audio: {channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
  ctx = new AudioContext(); await ctx.resume();
  await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([WORKLET], {type: 'text/javascript'})));
  const src = ctx.createMediaStreamSource(stream);
  node = new AudioWorkletNode(ctx, 'vs-mic-tap', {numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: 'explicit'});
  node.port.onmessage = (e) => take(e.data);
  src.connect(node); node.connect(ctx.destination);  // its output is silence: connected so the context pulls it
  timer = setInterval(flush, 500); sent = 0; acked = 0; lost = 0;
  btn.textContent = 'Stop microphone'; note.textContent = 'recording';
}
async function stop() {
  clearInterval(timer); await flush();
  node.disconnect(); stream.getTracks().forEach((t) => t.stop()); await ctx.close(); ctx = null;
  btn.textContent = 'Start microphone'; note.textContent = 'microphone off';
}
btn.addEventListener('click', async () => {
  try { if (ctx === null) await start(); else await stop(); }
  catch (e) { note.textContent = 'microphone unavailable: ' + e; }
});
"""


def _alerts_md(c: Controller) -> str:
    rows = [f"- `{fmt_time(e.ts)}` **{e.kind.value}** {e.message}" for e in reversed(c.alerts())]
    return "\n".join(rows) or "_no alerts yet_"


def build_ui(c: Controller, max_upload_mb: int = 500, cameras=None):
    import gradio as gr
    import pandas as pd

    def start(src):
        try:
            return c.start(src), _status(c)
        except VStreamError as e:
            return f"⚠ {e}", _status(c)

    def start_upload(path):
        if not path:
            return "no file", _status(c)
        return start(path)

    def respond(question, history):
        asked = [m["content"] for m in (history or []) if m.get("role") == "user" and isinstance(m.get("content"), str)]
        history = list(history or []) + [{"role": "user", "content": question}, {"role": "assistant", "content": ""}]
        cites: dict[str, float] = {}  # the radio's labels → the cited span's start
        try:
            for item in c.ask(question, asked[-1] if asked else None):
                if isinstance(item, Answer):
                    cites = {c.cite_label(x): x.t_start for x in item.citations}
                    history[-1]["content"] = item.text + "\n\n" + " ".join(f"[{label}]" for label in cites)
                else:
                    history[-1]["content"] += item
                yield history, gr.update(choices=list(cites), value=None), "", cites
        except VStreamError as e:
            history[-1]["content"] = f"⚠ {e}"
            yield history, gr.update(choices=[]), "", {}

    def show_cited(label, cites, boxes):
        t = (cites or {}).get(label)
        return (*_frame_view(c, t, boxes), t)

    def show_segment(times, boxes, evt: gr.SelectData):
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        t = times[row] if times and 0 <= row < len(times) else None
        return (*_frame_view(c, t, boxes), t)

    # Gradio finds the event-data parameter by its resolved type; under postponed annotations
    # "gr.SelectData" cannot be resolved (gradio is imported here, not at module level).
    show_segment.__annotations__["evt"] = gr.SelectData

    def add_watch(text):
        try:
            msg = c.watch(text)
        except VStreamError as e:
            msg = f"⚠ {e}"
        return msg, json.dumps(c.watches(), indent=1)

    def remove_watch(wid):
        try:
            c.unwatch(int(wid))
        except (TypeError, ValueError):
            pass
        return json.dumps(c.watches(), indent=1)

    def tick(boxes, shown_n):
        items = [dataclasses.asdict(x) for x in c.timeline()]
        data = pd.DataFrame(items or [{"t": 0.0, "level": "working", "duration": 0.0}])
        counts = pd.DataFrame([{"t": p.t, "class": p.label, "count": p.count} for p in c.count_series()]
                              or [{"t": 0.0, "class": "no detections yet", "count": 0}])
        rows, times = _transcript_rows(c)
        # Re-render the transcript only when it grew: a refresh would drop the reader's scroll.
        table = rows if len(rows) != shown_n else gr.skip()
        return (c.live_view(boxes), _captions_md(c), _status(c), _alerts_md(c), data, counts, table, times, len(rows))

    def webcam_frame(img):
        if img is not None:
            from vstream.sources.push import feed

            feed("browser").push(img)

    def mic_pcm(batch):
        """The page's microphone recorder (MIC_JS) calls server.mic_pcm(first, rate, pcm): Gradio
        hands the three as one list. pcm: base64 int16 mono; first: its first sample's index in
        the recording (the page counts them), so the push feed keeps a sample-exact clock.
        Returns the samples received so far, which the page shows."""
        from vstream.sources.push import feed

        first, rate, pcm = batch
        data = _pcm16(pcm)
        feed("browser").push_audio(int(rate), data, first_sample=int(first))
        return int(first) + len(data)

    def save():
        s = c.session
        return f"session saved (committed continuously) in `{s}` — load it later with this path" if s else "nothing to save"

    def load(folder):
        try:
            return c.load(folder), _status(c)
        except VStreamError as e:
            return f"⚠ {e}", _status(c)

    with gr.Blocks(title="vstream") as ui:
        gr.Markdown("# vstream — live video assistant")
        with gr.Row():
            with gr.Column(scale=2):
                with gr.Tab("URL / file"):
                    src = gr.Textbox(label="Source", placeholder="rtsp://user:pass@camera/stream, https://…/index.m3u8, /path/video.mp4, 0, testsrc", elem_id="source")
                    with gr.Row():
                        start_btn = gr.Button("Start", variant="primary", elem_id="start")
                        sample_btn = gr.Button("Use the sample", elem_id="sample")
                        stop_btn = gr.Button("Stop", elem_id="stop")
                with gr.Tab("Upload"):
                    upload = gr.File(label=f"Video (≤ {max_upload_mb} MB)", file_types=["video"], elem_id="upload")
                with gr.Tab("Webcam"):
                    cam = gr.Image(sources=["webcam"], streaming=True, label="Browser camera", elem_id="webcam")
                    # Not gr.Audio(streaming=True): Gradio 6 posts a 0.1 s chunk per request and its
                    # server keeps only the latest chunk of a stream event, so a busy server lost
                    # ~3 of 4 chunks (measured: 17 s of 110 s arrived) and Whisper heard splices.
                    gr.HTML(MIC_HTML, js_on_load=MIC_JS, server_functions=[mic_pcm], elem_id="mic")
                    cam_btn = gr.Button("Watch the webcam", elem_id="cam-start")
                source_msg = gr.Markdown(elem_id="source-msg")
                status = gr.Markdown(_status(c), elem_id="status")
                live = gr.Image(label="Live", interactive=False, elem_id="live")
                captions = gr.Markdown(elem_id="captions")
                show_boxes = gr.Checkbox(value=True, label="Draw detections (live and cited frames)", elem_id="show-boxes")
                timeline = gr.ScatterPlot(x="t", y="level", color="level", title="Memory timeline (entries per level over stream time)",
                                          elem_id="timeline")
                counts = gr.LinePlot(x="t", y="count", color="class", title="Objects in view by class (detector counts over stream time)",
                                     elem_id="counts")
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Ask about now or the past", height=380, elem_id="chat")
                question = gr.Textbox(placeholder="what text is on screen? when did the sign say EXIT? how many scene changes so far?",
                                      label="Question", elem_id="question")
                ask_btn = gr.Button("Ask", variant="primary", elem_id="ask")
                cites = gr.Radio(label="Cited times (click to see the frame)", choices=[], elem_id="citations")
                cited_frame = gr.Image(label="Cited frame", interactive=False, elem_id="cited-frame")
                cited_time = gr.Markdown(elem_id="cited-time")
                with gr.Accordion("Transcript (click a row to see the frame)", open=True):
                    transcript = gr.Dataframe(headers=["time", "text"], datatype=["str", "str"], interactive=False,
                                              wrap=True, max_height=260, elem_id="transcript")
                with gr.Accordion("Watches and alerts", open=True):
                    watch_text = gr.Textbox(label="Watch for", placeholder='tell me when the text "EXIT" shows up', elem_id="watch-text")
                    with gr.Row():
                        watch_btn = gr.Button("Add watch", elem_id="watch-add")
                        watch_id = gr.Number(label="Watch id", precision=0)
                        unwatch_btn = gr.Button("Remove")
                    watch_msg = gr.Markdown(elem_id="watch-msg")
                    watch_list = gr.Code(language="json", label="Watches", elem_id="watch-list")
                    alerts = gr.Markdown("_no alerts yet_", elem_id="alerts")
                with gr.Accordion("Session", open=False):
                    session_dir = gr.Textbox(label="Session folder to load", elem_id="session-dir")
                    with gr.Row():
                        save_btn = gr.Button("Save")
                        load_btn = gr.Button("Load")
                    session_msg = gr.Markdown()

        start_btn.click(start, src, [source_msg, status])
        src.submit(start, src, [source_msg, status])
        sample_btn.click(lambda: start(str(SAMPLE)), None, [source_msg, status])
        stop_btn.click(lambda: (c.stop(), _status(c))[1], None, status)
        upload.upload(start_upload, upload, [source_msg, status])
        cam.stream(webcam_frame, cam, None, stream_every=0.5)
        cam_btn.click(lambda: start("push:browser"), None, [source_msg, status])
        cite_times = gr.State({})
        shown_t = gr.State(None)  # stream time of the frame in the cited-frame view
        segment_times = gr.State([])  # the transcript table's row start times
        shown_rows = gr.State(-1)  # rows the transcript table shows
        ask_btn.click(respond, [question, chat], [chat, cites, question, cite_times])
        question.submit(respond, [question, chat], [chat, cites, question, cite_times])
        cites.change(show_cited, [cites, cite_times, show_boxes], [cited_frame, cited_time, shown_t])
        transcript.select(show_segment, [segment_times, show_boxes], [cited_frame, cited_time, shown_t])
        show_boxes.change(lambda t, b: _frame_view(c, t, b), [shown_t, show_boxes], [cited_frame, cited_time])
        watch_btn.click(add_watch, watch_text, [watch_msg, watch_list])
        unwatch_btn.click(remove_watch, watch_id, watch_list)
        save_btn.click(save, None, session_msg)
        load_btn.click(load, session_dir, [session_msg, status])
        gr.Timer(1.0).tick(tick, [show_boxes, shown_rows],
                           [live, captions, status, alerts, timeline, counts, transcript, segment_times, shown_rows])
        if cameras is not None:  # `serve --camera …`: a grid of the cameras' live views, chat across them
            from app.camgrid import build_camera_tab

            build_camera_tab(cameras)
    return ui
