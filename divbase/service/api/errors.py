"""One JSON error shape for every failure, plus the `X-Request-ID` middleware.

Every error body is `{"type", "detail", "hint"}`: `type` is the DivbaseError class name, `validation_error`,
`http_error` or `internal_error`. Unexpected exceptions are logged with the request id and answered with 500.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from divbase.core.errors import DivbaseError, InvalidInput, NotAuthorized, NotFound, TaskError, Unavailable

logger = logging.getLogger("divbase.service")

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

# First match wins, so subclasses come before their parents.
STATUS_BY_ERROR: tuple[tuple[type[DivbaseError], int], ...] = (
    (NotAuthorized, 401),
    (NotFound, 404),
    (Unavailable, 503),
    (InvalidInput, 400),
    (TaskError, 400),
)


class ErrorBody(BaseModel):
    """The body of every error response (declared in OpenAPI `responses=`)."""

    type: str
    detail: Any
    hint: str | None = None


def status_for(error: DivbaseError) -> int:
    return next((status for cls, status in STATUS_BY_ERROR if isinstance(error, cls)), 400)


def error_response(
    status: int, kind: str, detail: Any, hint: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(type=kind, detail=detail, hint=hint).model_dump()
    return JSONResponse(body, status_code=status, headers=dict(headers) if headers else None)


async def _divbase_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DivbaseError)
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return error_response(status, type(exc).__name__, exc.message, exc.hint, headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [_describe(error) for error in exc.errors()]
    return error_response(422, "validation_error", "; ".join(problems) or "Invalid request.")


def _describe(error: Any) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    where = ".".join(loc[1:] if len(loc) > 1 and loc[0] in ("body", "query", "path") else loc)
    message = str(error.get("msg", "invalid value"))
    return f"{where}: {message}" if where else message


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(exc.status_code, "http_error", exc.detail, headers=exc.headers)


class RequestIdMiddleware:
    """Give every request an id (the client's `X-Request-ID` when sane, else a uuid4), echo it on the
    response, and turn an unhandled exception into a logged 500 that names the id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message["headers"] = [*headers, (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("Unhandled error in %s %s (request id %s)", scope["method"], scope["path"], request_id)
            if started:
                raise
            detail = f"Internal server error; see the server log (request id {request_id})."
            await error_response(500, "internal_error", detail)(scope, receive, send_with_id)


def _request_id(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == b"x-request-id":
            candidate = bytes(value).decode("latin-1")
            if _SAFE_REQUEST_ID.match(candidate):
                return candidate
    return str(uuid.uuid4())


def request_id(request: Request) -> str:
    """The id of the current request (set by `RequestIdMiddleware`)."""
    return str(getattr(request.state, "request_id", "") or "")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DivbaseError, _divbase_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(RequestIdMiddleware)
