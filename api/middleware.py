"""ASGI middleware: a correlation id on every request, and request bodies capped before parsing.

A body over its cap (JSON and forms: ``max_request_bytes``; document uploads:
``max_upload_bytes`` plus room for the form around the file) is refused with 413 as soon as its
``Content-Length``, or the bytes actually received, pass the cap: nothing larger is ever read
into memory or parsed.
"""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError, ErrorBody, FieldProblem

CORRELATION_HEADER = b"x-request-id"
_CLIENT_ID = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")
_FORM_OVERHEAD = 64 * 1024


class RequestLimits:
    """Tags each request with a correlation id and caps its body."""

    def __init__(self, app: ASGIApp, *, max_request_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        given = headers.get(CORRELATION_HEADER, b"")
        correlation = given.decode() if _CLIENT_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["correlation_id"] = correlation

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                names = {name.lower() for name, _ in message["headers"]}
                if CORRELATION_HEADER not in names:
                    message["headers"] = [
                        *message["headers"],
                        (CORRELATION_HEADER, correlation.encode()),
                    ]
            await send(message)

        limit = self._limit(headers)
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await _too_large(send_tagged, limit, correlation)
            return
        received = 0

        async def receive_capped() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the route's body parsing: answered by the error handlers.
                    raise body_too_large(limit)
            return message

        await self.app(scope, receive_capped, send_tagged)

    def _limit(self, headers: dict[bytes, bytes]) -> int:
        if headers.get(b"content-type", b"").startswith(b"multipart/form-data"):
            return self.max_upload_bytes + _FORM_OVERHEAD
        return self.max_request_bytes


def body_too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"the request body may be at most {limit} bytes",
        problems=[FieldProblem(field="body", message=f"at most {limit} bytes", code="too_large")],
    )


async def _too_large(send: Send, limit: int, correlation: str) -> None:
    error = body_too_large(limit)
    body = ErrorBody(message=str(error.detail), problems=error.problems, correlation_id=correlation)
    payload = body.model_dump_json().encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
