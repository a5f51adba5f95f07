"""Jinja2 for the pages: our templates first, then GOV.UK Frontend's macros."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from starlette.responses import HTMLResponse

from models.dates import scheme_date, uk_wall_clock

TEMPLATES = Path(__file__).resolve().with_name("templates")
SERVICE_NAME = "Accreditation for assistant practitioners and mammography associates"


def uk_date(value: date | datetime | str | None) -> str:
    """A date as British readers write it (12 March 2027); datetimes by their UK date."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = scheme_date(value)
    return f"{value.day} {value:%B %Y}"


def uk_time(value: datetime) -> str:
    """A moment as a UK clock shows it: 26 November 2026 at 3:41pm."""
    clock = uk_wall_clock(value)
    hour = clock.hour % 12 or 12
    return f"{uk_date(clock.date())} at {hour}:{clock:%M}{'am' if clock.hour < 12 else 'pm'}"


def uk_short(value: datetime) -> str:
    """A moment in a table cell, as a UK clock shows it: 26 Nov 2026, 16:25."""
    return f"{uk_wall_clock(value):%-d %b %Y, %H:%M}"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES)
    templates.env.loader = ChoiceLoader(
        [
            FileSystemLoader(TEMPLATES),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    templates.env.filters["uk_date"] = uk_date
    templates.env.filters["uk_time"] = uk_time
    templates.env.filters["uk_short"] = uk_short
    templates.env.filters["from_json"] = json.loads
    templates.env.globals["service_name"] = SERVICE_NAME
    return templates


_templates = make_templates()


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """The page ``name`` for ``request``; a signed-in person sees who they are and can sign
    out (a CSRF-protected form) on every page."""
    from web import csrf, session

    settings = request.app.state.settings
    signed_in = session.current(request)
    extra: dict[str, Any] = {"me": signed_in.principal() if signed_in else None}
    nonce = None
    if signed_in is not None:
        extra["sign_out_token"], nonce = csrf.token_for(request, settings, "sign-out")
    response = _templates.TemplateResponse(
        request, name, {"request": request, **extra, **(context or {})}, status_code=status_code
    )
    csrf.remember(response, settings, nonce)
    return response
