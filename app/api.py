"""HTTP API on the UI's server: OpenAI-style chat completions (SSE when stream=true), an SSE
event stream, Prometheus /metrics and /healthz. Malformed requests get a 4xx JSON error."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid

from fastapi import Request  # module level: FastAPI resolves the handlers' annotations here
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

from vstream.errors import VStreamError
from vstream.types import Answer

MAX_BODY = 1 * 1024 * 1024  # chat requests are small; refuse anything above 1 MB


def _error(status: int, message: str, kind: str = "invalid_request_error"):
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)


def _question(body) -> tuple[str | None, str | None]:
    """(question, error) from an OpenAI chat body: the last user message's text."""
    if not isinstance(body, dict):
        return None, "the request body must be a JSON object"
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return None, "'messages' must be a non-empty list"
    for m in reversed(msgs):
        if not isinstance(m, dict) or "role" not in m:
            return None, "each message needs a 'role' and 'content'"
        if m["role"] == "user":
            c = m.get("content")
            if isinstance(c, list):  # content parts: keep the text ones
                c = " ".join(p.get("text", "") for p in c if isinstance(p, dict) and p.get("type") == "text")
            if not isinstance(c, str) or not c.strip():
                return None, "the last user message has no text content"
            return c, None
    return None, "no message with role 'user'"


def _chunk(cid: str, model: str, delta: dict, finish=None, extra=None) -> str:
    obj = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if extra:
        obj.update(extra)
    return f"data: {json.dumps(obj)}\n\n"


def add_routes(app, controller) -> None:
    @app.get("/healthz")
    def healthz():
        s = controller.stats()
        return {"ok": True, "state": s.get("state"), "stream_s": s.get("stream_s")}

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return _error(413, f"request body over {MAX_BODY} bytes")
        try:
            body = json.loads(raw or b"null")
        except json.JSONDecodeError as e:
            return _error(400, f"body is not valid JSON: {e.msg}")
        question, err = _question(body)
        if err:
            return _error(400, err)
        stream = body.get("stream", False)
        if not isinstance(stream, bool):
            return _error(400, "'stream' must be true or false")
        model = str(body.get("model") or "vstream")
        try:
            items = controller.ask(question)
            first = next(items)  # raises at once if nothing is running
        except VStreamError as e:
            return _error(409, str(e), "no_source")
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if stream:
            return StreamingResponse(_sse(cid, model, first, items), media_type="text/event-stream")
        answer = first if isinstance(first, Answer) else None
        text = [] if answer else [first]
        for item in items:
            if isinstance(item, Answer):
                answer = item
            else:
                text.append(item)
        return {"id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": len(question.split()), "completion_tokens": len("".join(text).split()),
                          "total_tokens": len(question.split()) + len("".join(text).split())},
                "citations": [c.to_json() for c in answer.citations], "latency_s": answer.latency_s, "ttft_s": answer.ttft_s}

    def _sse(cid, model, first, items):
        yield _chunk(cid, model, {"role": "assistant", "content": ""})
        answer = None
        for item in _chain(first, items):
            if isinstance(item, Answer):
                answer = item
            else:
                yield _chunk(cid, model, {"content": item})
        extra = {"citations": [c.to_json() for c in answer.citations]} if answer else None
        yield _chunk(cid, model, {}, "stop", extra)
        yield "data: [DONE]\n\n"

    @app.get("/v1/events")
    async def events(request: Request):
        try:
            sub = controller.subscribe()
        except VStreamError as e:
            return _error(409, str(e), "no_source")

        async def gen():
            loop = asyncio.get_running_loop()
            try:
                yield ": connected\n\n"
                while not await request.is_disconnected():
                    e = await loop.run_in_executor(None, sub.get, 1.0)
                    if e is not None:
                        yield f"event: {e.kind.value}\ndata: {json.dumps(e.to_json())}\n\n"
            finally:
                sub.close()

        return StreamingResponse(gen(), media_type="text/event-stream")

    @app.get("/metrics")
    def metrics():
        return PlainTextResponse(prometheus_text(controller), media_type="text/plain; version=0.0.4")


def _chain(first, items):
    yield first
    yield from items


_METRICS_LOCK = threading.Lock()


def prometheus_text(controller) -> str:
    """Prometheus text format from the running pipeline's own counters and latency windows."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

    class Collector:
        def collect(self):
            a = controller.assistant
            up = GaugeMetricFamily("vstream_source_up", "1 while a source is connected", labels=["state"])
            state = a.ingest.stream.state.value if a else "idle"
            up.add_metric([state], 1.0 if state == "connected" else 0.0)
            yield up
            if a is None:
                return
            s, e, mem = a.ingest.stream.stats, a.ingest.encoder.stats, a.ingest.memory
            for name, value, doc in (("frames_decoded", s.decoded, "frames decoded"), ("frames_sampled", s.sampled, "frames sampled"),
                                     ("frames_dropped", s.dropped, "frames dropped by the queue policy"),
                                     ("frames_encoded", e.frames_encoded, "frames encoded"), ("encoder_cache_hits", e.cache_hits, "encoder cache hits"),
                                     ("reconnects", s.reconnects, "source reconnects"), ("answers", a.responder.answered, "answers given")):
                c = CounterMetricFamily(f"vstream_{name}", doc)
                c.add_metric([], value)
                yield c
            for name, value, doc in (("queue_depth", len(a.ingest.stream.queue), "frames waiting for the encoder"),
                                     ("memory_bytes", mem.total_bytes if mem else 0, "memory bytes used"),
                                     ("memory_budget_bytes", mem.cfg.budget_bytes if mem else 0, "memory budget"),
                                     ("memory_entries", len(mem.entries()) if mem else 0, "memory entries"),
                                     ("token_drop_ratio", e.token_drop_ratio, "share of patch tokens dropped"),
                                     ("stream_seconds", a.now, "stream time reached")):
                g = GaugeMetricFamily(f"vstream_{name}", doc)
                g.add_metric([], value)
                yield g
            for name, window, doc in (("ingest_lag_seconds", s.lag, "decode to consumer"),
                                      ("encode_seconds", a.ingest.encode_latency, "encode per frame"),
                                      ("answer_seconds", controller.answer_latency, "question to full answer"),
                                      ("answer_ttft_seconds", controller.ttft, "question to first token")):
                h = HistogramMetricFamily(f"vstream_{name}", doc)
                h.add_metric([], window.buckets(), window.total)
                yield h
                q = GaugeMetricFamily(f"vstream_{name}_quantile", f"{doc} (recent quantiles)", labels=["quantile"])
                for p in (50, 95):
                    v = window.percentile(p)
                    if v is not None:
                        q.add_metric([str(p / 100)], v)
                yield q

    with _METRICS_LOCK:
        registry = CollectorRegistry()
        registry.register(Collector())
        return generate_latest(registry).decode()
