"""Signing in and out of the pages.

With an identity provider configured (``oidc_issuer``), sign-in is OpenID Connect (see
``web.oidc``). On the local stack and in tests a development sign-in page lets a developer
choose a role and a subject with no identity provider; it is refused everywhere else.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Principal, Role
from api.deps import SettingsDep
from settings import LOCAL_ENVIRONMENTS, Settings
from web import csrf, session
from web.templating import render

router = APIRouter(include_in_schema=False)

DEV_PURPOSE = "dev-sign-in"
SIGN_OUT_PURPOSE = "sign-out"
DEV_ROLES = [Role.OFFICER, Role.ADMIN, Role.ASSESSOR, Role.APPLICANT]


def safe_next(next_path: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another site)."""
    if next_path and next_path.startswith("/") and not next_path.startswith(("//", "/\\")):
        return next_path
    return "/console"


def dev_sign_in_allowed(settings: Settings) -> bool:
    return settings.environment in LOCAL_ENVIRONMENTS


@router.get("/sign-in")
def sign_in_page(request: Request, settings: SettingsDep, next: str = "") -> Response:
    """Start signing in: the identity provider, or the development page on the local stack."""
    if settings.oidc_issuer:
        return RedirectResponse(f"/sign-in/oidc?next={quote(safe_next(next))}", status_code=303)
    if not dev_sign_in_allowed(settings):
        return render(request, "signin/unavailable.html", status_code=503)
    token, nonce = csrf.token_for(request, settings, DEV_PURPOSE)
    response = render(
        request,
        "signin/dev.html",
        {"csrf_token": token, "next": safe_next(next), "roles": DEV_ROLES, "errors": []},
    )
    csrf.remember(response, settings, nonce)
    return response


@router.post("/sign-in/dev")
def dev_sign_in(
    request: Request,
    settings: SettingsDep,
    role: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The development sign-in: refused outside local development and tests."""
    if not dev_sign_in_allowed(settings) or settings.oidc_issuer:
        return render(request, "signin/dev_refused.html", status_code=403)
    try:
        csrf.check(request, settings, DEV_PURPOSE, csrf_token)
    except csrf.CsrfRefused:
        return RedirectResponse(f"/sign-in?next={quote(safe_next(next))}", status_code=303)
    errors = []
    if role not in {r.value for r in DEV_ROLES}:
        errors.append({"text": "Choose a role", "href": "#role"})
    if not subject.strip() or len(subject) > 128:
        errors.append({"text": "Enter who you are signing in as", "href": "#subject"})
    if errors:
        context = {
            "csrf_token": csrf_token,
            "next": safe_next(next),
            "roles": DEV_ROLES,
            "errors": errors,
            "form": {"role": role, "subject": subject, "name": name},
        }
        return render(request, "signin/dev.html", context, status_code=422)
    principal = Principal(sub=subject.strip(), role=Role(role), name=name.strip()[:200])
    response = RedirectResponse(safe_next(next), status_code=303)
    session.start(response, settings, principal)
    return response


@router.post("/sign-out")
def sign_out(
    request: Request, settings: SettingsDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """Sign out and go back to the start page."""
    try:
        csrf.check(request, settings, SIGN_OUT_PURPOSE, csrf_token)
    except csrf.CsrfRefused:
        return RedirectResponse("/console", status_code=303)
    response = RedirectResponse("/signed-out", status_code=303)
    session.end(response, settings)
    return response


@router.get("/signed-out")
def signed_out(request: Request) -> HTMLResponse:
    return render(request, "signin/signed_out.html")
