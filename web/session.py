"""Signed-in sessions for the pages: a signed cookie with idle and absolute timeouts.

The cookie holds who signed in (subject, role, name) and two times: when they signed in and
when they were last seen. It is signed with ``session_secret`` (HMAC-SHA256), HttpOnly,
SameSite=Lax and Secure outside local development. A session is refused when its signature
does not verify, when it has been idle longer than ``session_idle_minutes``, or when it is older
than ``session_absolute_hours`` whatever the activity; each request it serves moves "last seen".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import Principal, Role
from settings import LOCAL_ENVIRONMENTS, Settings

COOKIE = "cor_session"
STAFF = frozenset({Role.ASSESSOR, Role.OFFICER, Role.ADMIN})


class SessionData(BaseModel):
    """What the session cookie carries."""

    sub: str
    role: Role
    name: str = ""
    started: float
    seen: float

    def principal(self) -> Principal:
        return Principal(sub=self.sub, role=self.role, name=self.name)


class SignInRequired(Exception):
    """No valid session: the page sends the browser to sign in (and back here after)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class NotForThisRole(Exception):
    """Signed in, but this page is not for the session's role; ``for_whom`` says whom it is
    for, for the page that says so."""

    def __init__(self, role: str, for_whom: str = "professional officers and assessors") -> None:
        super().__init__(role)
        self.for_whom = for_whom


def _sign(settings: Settings, body: bytes) -> str:
    key = settings.session_secret.get_secret_value().encode()
    return hmac.new(key, b"session\n" + body, hashlib.sha256).hexdigest()


def encode(settings: Settings, data: SessionData) -> str:
    body = base64.urlsafe_b64encode(data.model_dump_json().encode()).decode()
    return f"{body}.{_sign(settings, body.encode())}"


def decode(settings: Settings, cookie: str | None, now: float) -> SessionData | None:
    """The session in ``cookie`` if it verifies and has not timed out, else None."""
    if not cookie or "." not in cookie:
        return None
    body, signature = cookie.rsplit(".", 1)
    if not hmac.compare_digest(_sign(settings, body.encode()), signature):
        return None
    try:
        data = SessionData.model_validate(json.loads(base64.urlsafe_b64decode(body)))
    except (ValueError, ValidationError):
        return None
    if now - data.seen > settings.session_idle_minutes * 60:
        return None
    if now - data.started > settings.session_absolute_hours * 3600:
        return None
    return data


def start(response: Response, settings: Settings, principal: Principal) -> None:
    """Sign ``principal`` in: set a fresh session cookie on ``response``."""
    now = time.time()
    data = SessionData(
        sub=principal.sub, role=principal.role, name=principal.name, started=now, seen=now
    )
    _set_cookie(response, settings, encode(settings, data))


def end(response: Response, settings: Settings) -> None:
    """Sign out: the cookie is removed."""
    response.delete_cookie(COOKIE, httponly=True, samesite="lax", secure=_secure(settings))


def _secure(settings: Settings) -> bool:
    return settings.environment not in LOCAL_ENVIRONMENTS


def _set_cookie(response: Response, settings: Settings, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(settings.session_absolute_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
    )


def current(request: Request) -> SessionData | None:
    """The request's valid session, if any (read once per request)."""
    found: SessionData | None = request.scope.get("state", {}).get("session")
    return found


def signed_in(request: Request) -> Principal:
    """A dependency: the signed-in person (any role), or a redirect to sign in."""
    data = current(request)
    if data is None:
        raise SignInRequired(_here(request))
    return data.principal()


def staff(request: Request) -> Principal:
    """A dependency: a signed-in assessor, officer or admin; anyone else is refused."""
    principal = signed_in(request)
    if principal.role not in STAFF:
        raise NotForThisRole(principal.role.value)
    return principal


def officer(request: Request) -> Principal:
    """A dependency: a signed-in professional officer or admin."""
    principal = staff(request)
    if principal.role not in (Role.OFFICER, Role.ADMIN):
        raise NotForThisRole(principal.role.value)
    return principal


def applicant(request: Request) -> Principal:
    """A dependency: a signed-in applicant (a member applying for accreditation)."""
    principal = signed_in(request)
    if principal.role != Role.APPLICANT:
        raise NotForThisRole(principal.role.value, "members applying for accreditation")
    return principal


def _here(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}"


SignedIn = Annotated[Principal, Depends(signed_in)]
Staff = Annotated[Principal, Depends(staff)]
OfficerSession = Annotated[Principal, Depends(officer)]
ApplicantSession = Annotated[Principal, Depends(applicant)]


class Sessions:
    """ASGI middleware: reads the session cookie once per request and, while it is valid,
    moves its "last seen" time on the response (the idle timeout slides; the absolute one
    does not)."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        now = time.time()
        cookie = Request(scope).cookies.get(COOKIE)
        data = decode(self.settings, cookie, now)
        scope.setdefault("state", {})["session"] = data

        async def send_refreshed(message: Message) -> None:
            if message["type"] == "http.response.start" and data is not None:
                headers = message.setdefault("headers", [])
                if not any(
                    name.lower() == b"set-cookie" and value.startswith(COOKIE.encode() + b"=")
                    for name, value in headers
                ):
                    refreshed = Response()
                    _set_cookie(
                        refreshed,
                        self.settings,
                        encode(self.settings, data.model_copy(update={"seen": now})),
                    )
                    headers.extend(
                        (k, v) for k, v in refreshed.raw_headers if k.lower() == b"set-cookie"
                    )
            await send(message)

        await self.app(scope, receive, send_refreshed)
