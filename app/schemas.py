"""Typed request and response bodies of the OpenAI-style chat endpoint, published in
/openapi.json. Strict: a wrong type anywhere is a 400 naming the field, never a 500. Extra
OpenAI fields (temperature, max_tokens, tools…) are accepted and ignored."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_QUESTION_CHARS = 2000  # a question, not a document; also bounds the answer engine's parsing


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class TextPart(_Strict):
    type: Literal["text"]
    text: str


class OtherPart(_Strict):
    """Non-text content parts are accepted and ignored (the video is the only picture here)."""

    type: Literal["image_url", "input_audio", "file", "refusal"]


ContentPart = Annotated[TextPart | OtherPart, Field(discriminator="type")]


class Message(_Strict):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(p.text for p in self.content if isinstance(p, TextPart))
        return self.content or ""


class ChatRequest(_Strict):
    model: str = Field("vstream", description='"vstream", or "vstream:NAME" to ask one camera')
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    camera: str | None = Field(None, max_length=64, description="ask this camera only (default: every camera)")

    def question(self) -> str | None:
        """The last user message's text (None when there is no user message)."""
        asked = self._user_texts()
        return asked[-1] if asked else None

    def previous(self) -> str | None:
        """The user message before the last (the conversation's previous question), if any."""
        asked = self._user_texts()
        return asked[-2][:MAX_QUESTION_CHARS] if len(asked) >= 2 else None

    def _user_texts(self) -> list[str]:
        return [m.text() for m in self.messages if m.role == "user"]


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class Citation(BaseModel):
    model_config = ConfigDict(extra="allow")
    t_start: float
    t_end: float


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    citations: list[Citation] = []
    latency_s: float | None = None
    ttft_s: float | None = None


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None


class ChatCompletionChunk(BaseModel):
    """One `data:` line of the text/event-stream answer (stream=true); the last carries the
    citations, then `data: [DONE]`. A deadline hit sends `{"error": ErrorDetail}` instead."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    citations: list[Citation] | None = None


def request_body_openapi() -> tuple[dict, dict]:
    """(requestBody object, component schemas) describing ChatRequest for /openapi.json."""
    schema = ChatRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    defs["ChatRequest"] = schema
    body = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatRequest"}}}}
    return body, defs


class CameraInfo(BaseModel):
    """One camera of `vstream serve --camera NAME=SOURCE` (None: no heartbeat yet)."""

    name: str
    state: Literal["starting", "running", "degraded", "restarting", "ended", "failed", "stopped"]
    fps_asked: float | None = None
    fps_effective: float | None = None
    lag_p95_s: float | None = None
    degradation: str = ""
    level: int = 0
    restarts: int = 0
    last_error: str = ""
    stream_s: float = 0.0
    entries: int = 0
    node: str = ""
    wall: float | None = None


class CameraList(BaseModel):
    object: Literal["list"] = "list"
    data: list[CameraInfo]
