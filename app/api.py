"""HTTP API on the UI's server: OpenAI-style chat completions (SSE when stream=true), an SSE
event stream, Prometheus /metrics and /healthz. Malformed requests get a 4xx JSON error; the
request and response bodies are typed (app/schemas.py) and published in /openapi.json. An answer
runs on a worker thread under a deadline (--answer-timeout, 30 s): past it the client gets a 504
JSON error (or an error event when streaming) and the event loop was never blocked.

Cameras (`vstream serve --camera door=… --camera yard=…`, a vstream.multicam.CameraSet): chat
goes to every camera, or to one named by the `camera` field or the model ("vstream:door");
/v1/cameras lists each camera's state, rates and lag; /v1/events carries camera-tagged events
(`?camera=door` filters); /metrics adds vstream_camera_* series labelled camera="door".

Hearing: transcript segments come on /v1/events as `event: speech` (ts, message = the text,
payload t_end/confidence) as they are recognised, and /v1/transcript.vtt gives the session's
whole transcript as WebVTT. Seeing: /metrics has `vstream_objects_in_view{class=...}`."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid

from fastapi import Request  # module level: FastAPI resolves the handlers' annotations here
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import ValidationError

from app.schemas import (
    MAX_QUESTION_CHARS,
    CameraList,
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    ErrorResponse,
    request_body_openapi,
)
from vstream.errors import VStreamError
from vstream.types import Answer

MAX_BODY = 1 * 1024 * 1024  # chat requests are small; refuse anything above 1 MB
ANSWER_TIMEOUT_S = 30.0  # no single question holds an HTTP client longer than this
_DONE = object()  # end of an answer's item stream
# 504 is retried by the OpenAI client unless told not to; a slow question stays slow.
_NO_RETRY = {"x-should-retry": "false"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.kind, self.param = status, message, kind, param

    def response(self) -> JSONResponse:
        err = {"message": self.message, "type": self.kind}
        if self.param:
            err["param"] = self.param
        return JSONResponse({"error": err}, status_code=self.status, headers=_NO_RETRY if self.status == 504 else None)


def _error(status: int, message: str, kind: str = "invalid_request_error"):
    return ApiError(status, message, kind).response()


_TAGS = ("text", "image_url", "input_audio", "file", "refusal")  # content-part union tags in pydantic's error paths


def _where(loc) -> str:
    """('messages', 0, 'content', 'list[tagged-union[…]]', 0, 'text', 'text') → messages[0].content[0].text"""
    out, after_index = "", False
    for part in loc:
        if isinstance(part, int):
            out, after_index = out + f"[{part}]", True
            continue
        if not ("[" in part or part == "str" or (after_index and part in _TAGS)):
            out += f".{part}" if out else part
        after_index = False
    return out


def _validation_message(e: ValidationError) -> tuple[str, str]:
    err = max(e.errors(), key=lambda x: len(x["loc"]))  # the deepest error names the real culprit
    loc = tuple(err["loc"])
    if loc == ("messages",):
        return "'messages' must be a non-empty list", "messages"
    if loc[:1] == ("stream",):
        return "'stream' must be true or false", "stream"
    where = _where(loc) or "body"
    last = loc[-1] if loc else ""
    msg = "must be a string or a list of content parts" if isinstance(last, str) and ("[" in last or last == "str") else err["msg"]
    return f"{where}: {msg}", where


def parse_chat(raw: bytes) -> tuple[ChatRequest, str]:
    """(request, question) from the raw body, or ApiError (4xx) saying what is wrong."""
    if len(raw) > MAX_BODY:
        raise ApiError(413, f"request body over {MAX_BODY} bytes")
    try:
        body = json.loads(raw.decode("utf-8") if raw else "null")
    except UnicodeDecodeError:
        raise ApiError(400, "body is not valid JSON: it is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise ApiError(400, f"body is not valid JSON: {e.msg}") from None
    except RecursionError:
        raise ApiError(400, "body is not valid JSON: nested too deeply") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    try:
        req = ChatRequest.model_validate(body)
    except ValidationError as e:
        message, param = _validation_message(e)
        raise ApiError(400, message, param=param) from None
    question = req.question()
    if question is None:
        raise ApiError(400, "no message with role 'user'")
    if not question.strip():
        raise ApiError(400, "the last user message has no text content")
    if len(question) > MAX_QUESTION_CHARS:
        raise ApiError(400, f"the question is {len(question)} characters long; ask in at most {MAX_QUESTION_CHARS}", param="messages")
    return req, question


def _chunk(cid: str, model: str, delta: dict, finish=None, extra=None) -> str:
    obj = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if extra:
        obj.update(extra)
    return f"data: {json.dumps(obj)}\n\n"


def _timeout_message(timeout_s: float) -> str:
    return f"the answer took longer than {timeout_s:g} s and was abandoned; ask again or ask a narrower question"


class _Answering:
    """One question's items pulled on worker threads, each pull bounded by what is left of the
    deadline. The answer engine itself is not interrupted (threads cannot be); its client is.
    `ask` starts the item stream (the controller's, or the cameras')."""

    def __init__(self, ask, timeout_s: float):
        self.deadline = time.monotonic() + timeout_s
        self.timeout_s = timeout_s
        self._items = None
        self._ask = ask

    def _start(self):
        self._items = self._ask()
        return next(self._items, _DONE)  # raises at once if nothing is running

    async def next(self):
        """The next item (str piece or Answer), _DONE at the end; asyncio.TimeoutError past the deadline."""
        fn = self._start if self._items is None else (lambda: next(self._items, _DONE))
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise asyncio.TimeoutError
        return await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, fn), left)


def _completion(cid: str, model: str, question: str, answer: Answer, text: list[str]) -> dict:
    out_tokens = len("".join(text).split())
    return {"id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": len(question.split()), "completion_tokens": out_tokens,
                      "total_tokens": len(question.split()) + out_tokens},
            "citations": [c.to_json() for c in answer.citations], "latency_s": answer.latency_s, "ttft_s": answer.ttft_s}


_BODY, _SCHEMAS = request_body_openapi()
_RESPONSES = {
    200: {"model": ChatCompletion, "description": "the answer; with stream=true a text/event-stream of ChatCompletionChunk",
          "content": {"text/event-stream": {"schema": {"$ref": "#/components/schemas/ChatCompletionChunk"}}}},
    400: {"model": ErrorResponse, "description": "malformed request"},
    401: {"model": ErrorResponse, "description": "missing or wrong credentials"},
    409: {"model": ErrorResponse, "description": "nothing is running"},
    413: {"model": ErrorResponse, "description": "body too large"},
    429: {"model": ErrorResponse, "description": "too many failed logins from this address"},
    504: {"model": ErrorResponse, "description": "the answer passed the deadline"},
}


def _publish_schemas(app) -> None:
    """Put ChatRequest (and the chunk model) into /openapi.json's components."""
    original = app.openapi

    def openapi():
        if app.openapi_schema is None:
            schema = original()
            comps = schema.setdefault("components", {}).setdefault("schemas", {})
            comps.update(_SCHEMAS)
            comps.setdefault("ChatCompletionChunk", ChatCompletionChunk.model_json_schema(ref_template="#/components/schemas/{model}"))
            for name, sub in comps["ChatCompletionChunk"].pop("$defs", {}).items():
                comps.setdefault(name, sub)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


def camera_of(req: ChatRequest, cameras) -> str | None:
    """The camera a chat request names (the `camera` field, else a "vstream:NAME" model), None
    for all; ApiError (400) for an unknown one or a camera asked of a one-source server."""
    name = req.camera or (req.model.split(":", 1)[1] if req.model.startswith("vstream:") else None)
    if not name:
        return None
    param = "camera" if req.camera else "model"
    if cameras is None:
        raise ApiError(400, f"{param}: this server watches one source, not cameras; leave out the camera", param=param)
    if name not in cameras.names:
        raise ApiError(400, f"{param}: no camera named {name!r}; cameras: {', '.join(cameras.names)}", param=param)
    return name


def add_routes(app, controller, answer_timeout_s: float = ANSWER_TIMEOUT_S, cameras=None) -> None:
    """The API over one controller (one source), or, with `cameras` (a CameraSet), over cameras:
    chat, events and /v1/cameras go to them; /metrics and /healthz show both."""
    _publish_schemas(app)

    @app.get("/healthz")
    def healthz():
        s = controller.stats()  # AssistantStats, or None when idle or holding a loaded session
        out = {"ok": True, "state": controller.state, "stream_s": s.stream_s if s is not None else None}
        if cameras is not None:
            out["cameras"] = {st.name: st.state.value for st in cameras.statuses()}
        return out

    @app.get("/v1/cameras", response_model=CameraList,
             responses={401: {"model": ErrorResponse, "description": "missing or wrong credentials"}})
    def list_cameras():
        """Each camera's state, asked and effective fps, lag p95, degradation, restarts and last
        error (an empty list on a one-source server)."""
        return {"object": "list", "data": [i.to_json() for i in cameras.infos()] if cameras is not None else []}

    @app.post("/v1/chat/completions", response_model=None, responses=_RESPONSES, openapi_extra={"requestBody": _BODY})
    async def chat(request: Request):
        try:
            req, question = parse_chat(await request.body())
            camera = camera_of(req, cameras)
        except ApiError as e:
            return e.response()
        ask = (lambda: cameras.ask(question, camera)) if cameras is not None else (lambda: controller.ask(question, req.previous()))
        answering = _Answering(ask, answer_timeout_s)
        try:
            first = await answering.next()
        except VStreamError as e:
            return _error(409, str(e), "no_source")
        except asyncio.TimeoutError:
            return ApiError(504, _timeout_message(answer_timeout_s), "timeout").response()
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if req.stream:
            return StreamingResponse(_sse(cid, req.model, first, answering), media_type="text/event-stream")
        return await _collect(cid, req.model, question, first, answering)

    async def _collect(cid, model, question, first, answering):
        answer, text, item = None, [], first
        try:
            while item is not _DONE:
                if isinstance(item, Answer):
                    answer = item
                else:
                    text.append(item)
                item = await answering.next()
        except asyncio.TimeoutError:
            return ApiError(504, _timeout_message(answering.timeout_s), "timeout").response()
        if answer is None:
            return _error(500, "the answer engine ended without an answer", "server_error")
        return _completion(cid, model, question, answer, text)

    async def _sse(cid, model, first, answering):
        yield _chunk(cid, model, {"role": "assistant", "content": ""})
        answer, item = None, first
        try:
            while item is not _DONE:
                if isinstance(item, Answer):
                    answer = item
                else:
                    yield _chunk(cid, model, {"content": item})
                item = await answering.next()
        except asyncio.TimeoutError:
            err = {"message": _timeout_message(answering.timeout_s), "type": "timeout"}
            yield f"data: {json.dumps({'error': err})}\n\n"
            yield "data: [DONE]\n\n"
            return
        extra = {"citations": [c.to_json() for c in answer.citations]} if answer else None
        yield _chunk(cid, model, {}, "stop", extra)
        yield "data: [DONE]\n\n"

    @app.get("/v1/events")
    async def events(request: Request, camera: str | None = None):
        if cameras is not None and camera is not None and camera not in cameras.names:
            return _error(400, f"camera: no camera named {camera!r}; cameras: {', '.join(cameras.names)}")
        try:
            sub = cameras.bus.subscribe() if cameras is not None else controller.subscribe()
        except VStreamError as e:
            return _error(409, str(e), "no_source")

        async def gen():
            loop = asyncio.get_running_loop()
            try:
                yield ": connected\n\n"
                while not await request.is_disconnected():
                    e = await loop.run_in_executor(None, sub.get, 1.0)
                    if e is not None and (camera is None or e.camera == camera):
                        yield f"event: {e.kind.value}\ndata: {json.dumps(e.to_json())}\n\n"
            finally:
                sub.close()

        return StreamingResponse(gen(), media_type="text/event-stream")

    @app.get("/v1/transcript.vtt", response_model=None,
             responses={200: {"description": "the session's transcript as WebVTT", "content": {"text/vtt": {}}},
                        401: {"model": ErrorResponse, "description": "missing or wrong credentials"},
                        404: {"model": ErrorResponse, "description": "nothing is running"}})
    def transcript_vtt():
        try:
            text = controller.transcript_vtt()
        except VStreamError as e:
            return _error(404, str(e), "no_source")
        return PlainTextResponse(text, media_type="text/vtt; charset=utf-8")

    @app.get("/metrics")
    def metrics():
        return PlainTextResponse(prometheus_text(controller, cameras), media_type="text/plain; version=0.0.4")


_METRICS_LOCK = threading.Lock()


_COUNTERS = (("frames_decoded", "frames decoded"), ("frames_sampled", "frames sampled"),
             ("frames_dropped", "frames dropped by the queue policy"), ("frames_encoded", "frames encoded"),
             ("encoder_cache_hits", "encoder cache hits"), ("reconnects", "source reconnects"), ("answered", "answers given"))
_GAUGES = (("queue_depth", "queue_depth", "frames waiting for the encoder"), ("memory_bytes", "memory_bytes", "memory bytes used"),
           ("memory_budget_bytes", "memory_budget_bytes", "memory budget"), ("memory_entries", "memory_entries", "memory entries"),
           ("token_drop_ratio", "token_drop_ratio", "share of patch tokens dropped"), ("stream_seconds", "stream_s", "stream time reached"))
_CAMERA_GAUGES = (("up", "up", "1 while the camera's ingest runs (running or degraded)"),
                  ("fps_asked", "fps_asked", "sampling rate asked"), ("fps_effective", "fps_effective", "frames encoded per stream second"),
                  ("lag_p95_s", "lag_p95_seconds", "capture to stored, p95 of the last window"),
                  ("level", "degradation_level", "degradation level reached (0 = none)"),
                  ("stream_s", "stream_seconds", "stream time reached"), ("entries", "memory_entries", "memory entries"))
_WINDOWS = {"ingest_lag_seconds": "decode to consumer", "encode_seconds": "encode per frame",
            "answer_seconds": "question to full answer", "answer_ttft_seconds": "question to first token"}


def prometheus_text(controller, cameras=None) -> str:
    """Prometheus text format from the running pipeline's own counters and latency windows, and
    each camera's state, rates, lag and objects in view (labelled camera="…")."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

    class Collector:
        def collect(self):
            if cameras is not None:
                yield from _camera_metrics(cameras)
            stats = controller.stats()
            up = GaugeMetricFamily("vstream_source_up", "1 while a source is connected", labels=["state"])
            state = controller.state
            up.add_metric([state], 1.0 if state == "connected" else 0.0)
            yield up
            if stats is None:
                return
            for field, doc in _COUNTERS:
                c = CounterMetricFamily("vstream_answers" if field == "answered" else f"vstream_{field}", doc)
                c.add_metric([], getattr(stats, field))
                yield c
            for name, field, doc in _GAUGES:
                g = GaugeMetricFamily(f"vstream_{name}", doc)
                g.add_metric([], getattr(stats, field))
                yield g
            yield _objects_in_view(controller.objects_in_view())
            yield from _histograms(controller.assistant.latency_windows())

    def _objects_in_view(counts: dict[str, int]):
        g = GaugeMetricFamily("vstream_objects_in_view", "objects the detector sees in the latest frame, by class",
                              labels=["class"])
        for label, n in sorted(counts.items()):
            g.add_metric([label], n)
        return g

    def _histograms(windows):
        for name, window in windows.items():
            doc = _WINDOWS.get(name, name)
            h = HistogramMetricFamily(f"vstream_{name}", doc)
            h.add_metric([], window.buckets(), window.total)
            yield h
            q = GaugeMetricFamily(f"vstream_{name}_quantile", f"{doc} (recent quantiles)", labels=["quantile"])
            for p in (50, 95):
                v = window.percentile(p)
                if v is not None:
                    q.add_metric([str(p / 100)], v)
            yield q

    def _camera_metrics(cams):
        infos = cams.infos()
        fams = {key: GaugeMetricFamily(f"vstream_camera_{name}", doc, labels=["camera"]) for key, name, doc in _CAMERA_GAUGES}
        state = GaugeMetricFamily("vstream_camera_state", "1 for the camera's current state", labels=["camera", "state"])
        restarts = CounterMetricFamily("vstream_camera_restarts", "ingest process restarts", labels=["camera"])
        seen = GaugeMetricFamily("vstream_camera_objects_in_view", "objects the detector sees now, by camera and class",
                                 labels=["camera", "class"])
        for info in infos:
            state.add_metric([info.name, info.state], 1.0)
            restarts.add_metric([info.name], info.restarts)
            for key, _, _ in _CAMERA_GAUGES:
                value = float(info.state in ("running", "degraded")) if key == "up" else getattr(info, key)
                if value is not None:
                    fams[key].add_metric([info.name], value)
            for label, n in sorted(cams.objects_in_view(info.name).items()):
                seen.add_metric([info.name, label], n)
        yield from (state, restarts, seen, *fams.values())

    with _METRICS_LOCK:
        registry = CollectorRegistry()
        registry.register(Collector())
        return generate_latest(registry).decode()
