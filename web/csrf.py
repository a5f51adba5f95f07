"""CSRF protection for every form: a signed double-submit token.

A GET that shows a form gives the browser a random nonce in an HttpOnly, SameSite=Lax cookie
and puts ``HMAC(secret, nonce, purpose)`` in the form; a POST is accepted only when the form's
token matches the cookie it came with. Another site can neither read the cookie nor forge the
token, and a token is good only for the form (``purpose``) it was made for.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

from settings import LOCAL_ENVIRONMENTS, Settings

COOKIE = "cor_csrf"
FIELD = "csrf_token"


class CsrfRefused(Exception):
    """The form's token is missing or does not match its cookie."""


def _sign(settings: Settings, nonce: str, purpose: str) -> str:
    key = settings.session_secret.get_secret_value().encode()
    return hmac.new(key, f"{nonce}\n{purpose}".encode(), hashlib.sha256).hexdigest()


def token_for(request: Request, settings: Settings, purpose: str) -> tuple[str, str | None]:
    """The form token for ``purpose``, and a new nonce to set as the cookie (None if it is
    already there)."""
    nonce = request.cookies.get(COOKIE)
    fresh = None
    if not nonce or len(nonce) != 43:
        nonce = fresh = secrets.token_urlsafe(32)
    return _sign(settings, nonce, purpose), fresh


def remember(response: Response, settings: Settings, nonce: str | None) -> None:
    """Set the nonce cookie on ``response`` when ``token_for`` made a new one."""
    if nonce is not None:
        response.set_cookie(
            COOKIE,
            nonce,
            httponly=True,
            samesite="lax",
            secure=settings.environment not in LOCAL_ENVIRONMENTS,
        )


def check(request: Request, settings: Settings, purpose: str, token: str | None) -> None:
    """Raises ``CsrfRefused`` unless ``token`` was made for ``purpose`` with this cookie."""
    nonce = request.cookies.get(COOKIE)
    if not nonce or not token:
        raise CsrfRefused(purpose)
    if not hmac.compare_digest(_sign(settings, nonce, purpose), token):
        raise CsrfRefused(purpose)
