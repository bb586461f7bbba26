"""`vstream serve`: the Gradio UI and the HTTP API on one server, on 127.0.0.1 by default.

Safe defaults: loopback only unless --host says otherwise; --auth user:pass (or VSTREAM_AUTH)
puts HTTP Basic auth on everything but /healthz (API clients may send the password as a Bearer
token, which is what the OpenAI client does with api_key); uploads limited in size and type;
never share=True."""

from __future__ import annotations

import base64
import hmac
import logging
import os

from fastapi import Request
from fastapi.responses import JSONResponse

from app.api import add_routes
from app.controller import Controller
from app.ui import build_ui
from vstream.config import Config
from vstream.errors import ConfigError

log = logging.getLogger(__name__)


def parse_auth(text: str | None) -> tuple[str, str] | None:
    text = text if text is not None else os.environ.get("VSTREAM_AUTH")
    if not text:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise ConfigError("--auth must be user:password (or set VSTREAM_AUTH=user:password)")
    return user, password


def build_app(controller: Controller, auth: tuple[str, str] | None = None, max_upload_mb: int = 500):
    import gradio as gr
    from fastapi import FastAPI

    app = FastAPI(title="vstream", docs_url=None, redoc_url=None)

    if auth is not None:
        user, password = auth
        expected_basic = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

        @app.middleware("http")
        async def require_auth(request: Request, call_next):
            if request.url.path == "/healthz":
                return await call_next(request)
            given = request.headers.get("authorization", "")
            ok = hmac.compare_digest(given, expected_basic) or hmac.compare_digest(given, f"Bearer {password}")
            if not ok:
                return JSONResponse({"error": {"message": "authentication required", "type": "unauthorized"}}, status_code=401,
                                    headers={"WWW-Authenticate": 'Basic realm="vstream"'})
            return await call_next(request)

    add_routes(app, controller)
    ui = build_ui(controller, max_upload_mb)
    return gr.mount_gradio_app(app, ui, path="/", max_file_size=f"{max_upload_mb}mb", footer_links=[])


def serve(cfg: Config, source: str | None, host: str, port: int, auth: str | None, session_root: str | None,
          max_upload_mb: int = 500) -> None:
    import uvicorn

    if host not in ("127.0.0.1", "localhost", "::1") and parse_auth(auth) is None:
        log.warning("serving on %s without --auth: anyone who can reach this port can watch and ask", host)
    controller = Controller(cfg, session_root)
    if source:
        controller.start(source)
    app = build_app(controller, parse_auth(auth), max_upload_mb)
    print(f"vstream: serving on http://{host}:{port}  (UI at /, API at /v1, metrics at /metrics)", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        controller.stop()
