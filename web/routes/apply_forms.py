"""What the applicant's section pages share: the form and its CSRF token, the problems the
GOV.UK error summary lists (from a form, a model or the workflow), and the one way each page
acts: read the application, check the form, do the section's update, then go on (303) or show
the page again with the problems and what was typed (R10: nothing entered is lost).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from annotated_types import MaxLen
from fastapi import Request, status
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response
from temporalio.client import WorkflowUpdateFailedError

from api import application_workflows as workflows
from api.access import actor
from api.application_workflows import C, UpdateHandler
from api.auth import Principal
from api.deps import TemporalDep
from api.errors import ApiError, update_refused
from api.temporal import TemporalUnavailable
from models.commands import SaveDraft
from models.labels import APPLICATION_STATES, PATHWAYS, label, words
from models.views import ApplicationView
from web import csrf
from web.routes.apply_common import own_view, unavailable
from web.templating import render
from workflows.application import ApplicationWorkflow

MAX_FORM_FIELDS = 200
EDIT_ACTION = "save_draft"


@dataclass
class Problems:
    """What the error summary lists (``summary``) and what each field shows (``fields``)."""

    status_code: int = status.HTTP_422_UNPROCESSABLE_CONTENT
    summary: list[dict[str, str]] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    keys: list[str | None] = field(default_factory=list)

    def add(self, key: str | None, text: str, anchor: str | None = None) -> None:
        """A problem with the form field ``key`` (None: with the form as a whole); the summary
        links to ``anchor``, the field's first control (``key`` itself unless told)."""
        text = text[:1].upper() + text[1:]
        if key is not None:
            self.fields.setdefault(key, text)
        self.summary.append({"text": text, "href": f"#{anchor or key or 'main-content'}"})
        self.keys.append(key)

    def extend(self, other: Problems) -> None:
        for key, item in zip(other.keys, other.summary, strict=True):
            if key is not None:
                self.fields.setdefault(key, item["text"])
            self.summary.append(item)
            self.keys.append(key)

    def in_order(self, order: list[str]) -> Problems:
        """The problems in the order of the fields on the page (``order``), as the summary
        should list them; problems of no field first."""
        rank = {key: i for i, key in enumerate(order)}
        pairs = sorted(
            zip(self.keys, self.summary, strict=True),
            key=lambda pair: -1 if pair[0] is None else rank.get(pair[0], len(order)),
        )
        return Problems(
            self.status_code, [item for _, item in pairs], self.fields, [k for k, _ in pairs]
        )

    def __bool__(self) -> bool:
        return bool(self.summary)


Names = Mapping[str, str]
"""Each form field's key and how a message names it ("your job title")."""


def from_validation(err: ValidationError, names: Names, key: Callable[[str], str]) -> Problems:
    """A model's refusal of the form, in words: ``key`` gives the form field of a model field
    (a dotted location), ``names`` how to name it."""
    problems = Problems()
    for e in err.errors():
        where = key(".".join(str(p) for p in e["loc"] if isinstance(p, str)))
        what = names.get(where, "this")
        kind = e["type"]
        if kind in ("too_short", "enum", "literal_error"):
            message = f"select {what}"
        elif kind in ("missing", "string_too_short") or e.get("input") == "":
            message = f"enter {what}"
        elif kind == "string_too_long":
            message = f"{what} must be {e.get('ctx', {}).get('max_length')} characters or fewer"
        elif kind == "value_error" and "email" in where:
            message = f"enter {what} in the correct format, like name@example.com"
        else:
            message = f"{what}: {str(e['msg']).removeprefix('Value error, ')}"
        problems.add(where, message)
    return problems


def from_refusal(err: ApiError, key: Callable[[str], str | None]) -> Problems:
    """The workflow's refusal: each problem on the form field ``key`` gives for its field
    (None: on the form as a whole), or the refusal's message."""
    problems = Problems(status_code=err.status_code)
    for p in err.problems:
        problems.add(key(p.field), p.message)
    if not problems:
        problems.add(None, str(err.detail))
    return problems


def text(form: FormData | Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def choices(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


def upload_in(form: FormData, name: str) -> UploadFile | None:
    """The file chosen in ``name``, or None when none was (browsers send an empty part)."""
    value = form.get(name)
    if isinstance(value, UploadFile) and (value.filename or (value.size or 0) > 0):
        return value
    return None


def typed(form: FormData) -> dict[str, Any]:
    """What was typed, to show again: text as typed, several choices as a list."""
    kept: dict[str, Any] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        kept[key] = values if len(values) > 1 else (values[0] if values else "")
    return kept


def date_fields(day: date | None) -> dict[str, str]:
    """A saved date as the GOV.UK date input's day, month and year."""
    if day is None:
        return {"day": "", "month": "", "year": ""}
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def read_date(form: FormData, name: str, what: str, problems: Problems) -> date | None:
    """The date typed in the date input ``name`` (``name-day`` and so on), or None with the
    problem added (GOV.UK's wording: "Enter", "must include", "must be a real date")."""
    parts = {p: text(form, f"{name}-{p}") for p in ("day", "month", "year")}
    missing = [p for p, v in parts.items() if not v]
    first = f"{name}-{missing[0] if missing else 'day'}"
    if len(missing) == 3:
        problems.add(name, f"enter {what}", first)
        return None
    if missing:
        problems.add(name, f"{what} must include a {' and '.join(missing)}", first)
        return None
    try:
        year = int(parts["year"])
        if len(parts["year"]) != 4:
            raise ValueError(parts["year"])
        return date(year, int(parts["month"]), int(parts["day"]))
    except ValueError:
        problems.add(name, f"{what} must be a real date", first)
        return None


def editable(view: ApplicationView) -> bool:
    """Whether the draft's sections can change now (a draft, or a deferred application)."""
    return EDIT_ACTION in view.allowed_actions


def purpose(view: ApplicationView) -> str:
    return f"apply:{view.application.application_id}"


def page(
    request: Request,
    template: str,
    view: ApplicationView,
    context: dict[str, Any],
    *,
    problems: Problems | None = None,
    form: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    """A section page: the application, whether it can change, a fresh CSRF token, and any
    problems shown with what was typed (answered with their status; 200 when none)."""
    settings = request.app.state.settings
    token, nonce = csrf.token_for(request, settings, purpose(view))
    found = problems or Problems()
    application = view.application

    def error_for(key: str) -> dict[str, str] | None:
        return {"text": found.fields[key]} if key in found.fields else None

    response = render(
        request,
        template,
        {
            "active": "apply",
            "view": view,
            "app": application,
            "pathway": label(PATHWAYS, application.pathway),
            "state_words": words(APPLICATION_STATES, view.state),
            "overview": f"/apply/applications/{application.application_id}",
            "editable": editable(view),
            "csrf_token": token,
            "errors": found.summary,
            "error_for": error_for,
            "form": form or {},
            "done": request.query_params.get("done"),
            **context,
        },
        status_code=found.status_code if found else status.HTTP_200_OK,
    )
    csrf.remember(response, settings, nonce)
    return response


Show = Callable[[ApplicationView, Mapping[str, Any], Problems], Response]
"""The page again, with what was typed and the problems."""
Perform = Callable[[ApplicationView, FormData], Awaitable[Problems | None]]
"""What the form asks, done: None when done, else the problems."""


async def act(
    request: Request,
    temporal: TemporalDep,
    principal: Principal,
    application_id: str,
    *,
    perform: Perform,
    show: Show,
    then: str,
) -> Response:
    """Check the form (CSRF) and ``perform`` it; then go to ``then`` (303), or ``show`` the
    page again with the problems. Temporal not answering is the 503 page."""
    found = await own_view(request, temporal, application_id, principal)
    if not isinstance(found, ApplicationView):
        return found
    view = found
    form = await request.form(max_fields=MAX_FORM_FIELDS, max_files=1)
    try:
        csrf.check(request, request.app.state.settings, purpose(view), text(form, "csrf_token"))
    except csrf.CsrfRefused:
        expired = Problems(status_code=status.HTTP_403_FORBIDDEN)
        expired.add(None, "The form had expired: check it and send it again")
        return show(view, typed(form), expired)
    try:
        problems = await perform(view, form)
    except TemporalUnavailable:
        return unavailable(request)
    if problems:
        return show(view, typed(form), problems)
    return RedirectResponse(then, status_code=status.HTTP_303_SEE_OTHER)


async def send(
    temporal: TemporalDep,
    view: ApplicationView,
    handler: UpdateHandler[C],
    command: C,
    principal: Principal,
    key: Callable[[str], str | None],
) -> Problems | None:
    """The update ``handler`` with ``command``: None when done, else the refusal's problems,
    each on the form field ``key`` names for its field."""
    try:
        await workflows.update(
            temporal, view.application.application_id, handler, command, principal
        )
    except (WorkflowUpdateFailedError, ApiError) as err:
        return from_refusal(update_refused(err), key)
    return None


def _nowhere(field: str) -> str | None:
    return None


async def save_section(
    temporal: TemporalDep,
    view: ApplicationView,
    principal: Principal,
    *,
    key: Callable[[str], str | None] = _nowhere,
    **section: Any,
) -> Problems | None:
    """The draft update with ``section`` alone (``cpd=[...]``), so nothing else in the
    application changes (R10): None when done, else the refusal's problems, on the form field
    ``key`` names (by default on the form as a whole)."""
    command = SaveDraft(actor=actor(principal), **section)
    return await send(temporal, view, ApplicationWorkflow.save_draft, command, principal, key)


def max_length(model: type[BaseModel], name: str) -> int:
    """The most characters the model's field ``name`` takes (as its ``Field`` says)."""
    return next(m.max_length for m in model.model_fields[name].metadata if isinstance(m, MaxLen))
