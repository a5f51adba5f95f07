"""The console's actions: allocation (R12), verification (R11), ratification, deferral (R13)
and the assessor's findings. Each is the same workflow update the JSON API sends; a refusal
(state, permission, validation) comes back as an error summary on the application page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response
from temporalio.client import WorkflowUpdateFailedError

from api import application_workflows as workflows
from api.access import actor
from api.application_workflows import C, UpdateHandler
from api.auth import Principal
from api.deps import CatalogueDep, SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError, update_refused
from api.temporal import TemporalUnavailable
from models.application import Finding
from models.commands import AllocateAssessor, Decision, RecordAssessment, SaveAssessmentDraft
from models.enums import FindingLevel, Outcome
from models.views import ApplicationView
from web import csrf
from web.routes.console import render_application, staff_view
from web.session import OfficerSession, Staff
from web.templating import render
from workflows.application import ApplicationWorkflow

router = APIRouter(prefix="/console/applications", include_in_schema=False)

MAX_FORM_FIELDS = 200


@router.post("/{application_id}/allocation")
async def allocate(
    request: Request,
    application_id: str,
    principal: OfficerSession,
    temporal: TemporalDep,
    settings: SettingsDep,
    session: SessionDep,
    catalogue: CatalogueDep,
) -> Response:
    """R12: allocate the chosen assessor (or let the service choose), naming the one replaced."""
    form = await request.form(max_fields=MAX_FORM_FIELDS)

    def command() -> AllocateAssessor:
        return AllocateAssessor(
            actor=actor(principal),
            assessor_id=_text(form, "assessor_id") or None,
            replaces_assessor_id=_text(form, "replaces_assessor_id") or None,
            reason=_text(form, "reason"),
        )

    return await _act(
        request, application_id, principal, temporal, settings, session, catalogue,
        form, ApplicationWorkflow.allocate_assessor, command, done="allocated",
    )  # fmt: skip


@router.post("/{application_id}/decision")
async def decide(
    request: Request,
    application_id: str,
    principal: OfficerSession,
    temporal: TemporalDep,
    settings: SettingsDep,
    session: SessionDep,
    catalogue: CatalogueDep,
) -> Response:
    """R11 verification or R13 ratification: accept, overrule with a reason, or defer with
    feedback on each learning outcome not fully met."""
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    verify = _text(form, "decision") == "verify"
    update = ApplicationWorkflow.verify if verify else ApplicationWorkflow.ratify

    def command() -> Decision:
        outcome = _text(form, "outcome")
        return Decision(
            actor=actor(principal),
            outcome=Outcome(outcome) if outcome in set(Outcome) else None,
            reason=_text(form, "reason"),
            feedback=_findings(form, "feedback") if outcome == Outcome.DEFERRED else [],
        )

    return await _act(
        request, application_id, principal, temporal, settings, session, catalogue,
        form, update, command, done="decided",
    )  # fmt: skip


@router.post("/{application_id}/assessment")
async def assess(
    request: Request,
    application_id: str,
    principal: Staff,
    temporal: TemporalDep,
    settings: SettingsDep,
    session: SessionDep,
    catalogue: CatalogueDep,
) -> Response:
    """The assessor's findings: saved to continue later, or submitted with a recommendation."""
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    submit = _text(form, "intent") == "submit"

    def fields() -> dict[str, Any]:
        outcome = _text(form, "recommended_outcome")
        return {
            "actor": actor(principal),
            "findings": _findings(form, "finding"),
            "recommended_outcome": outcome if outcome in set(Outcome) else None,
            "summary": _text(form, "summary"),
        }

    if submit:
        return await _act(
            request, application_id, principal, temporal, settings, session, catalogue,
            form, ApplicationWorkflow.record_assessment,
            lambda: RecordAssessment.model_validate(fields()), done="submitted",
        )  # fmt: skip
    return await _act(
        request, application_id, principal, temporal, settings, session, catalogue,
        form, ApplicationWorkflow.save_assessment_draft,
        lambda: SaveAssessmentDraft.model_validate(fields()), done="saved",
    )  # fmt: skip


async def _act(
    request: Request,
    application_id: str,
    principal: Principal,
    temporal: TemporalDep,
    settings: SettingsDep,
    session: SessionDep,
    catalogue: CatalogueDep,
    form: FormData,
    update: UpdateHandler[C],
    command: Callable[[], C],
    *,
    done: str,
) -> Response:
    """Run ``update`` with the ``command`` the form gives; the page again, with the problems
    listed, when the form or the workflow refuses it."""
    view = await staff_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    try:
        csrf.check(request, settings, f"console:{application_id}", _text(form, "csrf_token"))
    except csrf.CsrfRefused:
        errors = [
            {"text": "The form had expired: check it and send it again", "href": "#main-content"}
        ]
        return await _again(request, principal, view, session, catalogue, form, errors, 403)
    try:
        built = command()
    except (ValidationError, ValueError) as err:
        return await _again(
            request, principal, view, session, catalogue, form, _validation_errors(err), 422
        )
    try:
        await workflows.update(temporal, application_id, update, built, principal)
    except (WorkflowUpdateFailedError, ApiError) as err:
        refused = update_refused(err)
        return await _again(
            request, principal, view, session, catalogue, form, _refusal_errors(refused),
            refused.status_code,
        )  # fmt: skip
    except TemporalUnavailable:
        response = render(request, "unavailable.html", status_code=503)
        response.headers["Retry-After"] = str(settings.retry_after_seconds)
        return response
    return RedirectResponse(f"/console/applications/{application_id}?done={done}", status_code=303)


async def _again(
    request: Request,
    principal: Principal,
    view: ApplicationView,
    session: SessionDep,
    catalogue: CatalogueDep,
    form: FormData,
    errors: list[dict[str, str]],
    status_code: int,
) -> Response:
    """The page again, with what was typed kept and the problems listed."""
    return await render_application(
        request,
        principal,
        view,
        session,
        catalogue,
        errors=errors,
        form={k: v for k, v in form.items() if isinstance(v, str)},
        status_code=status_code,
    )


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _findings(form: FormData, prefix: str) -> list[Finding]:
    """One finding per learning outcome the form has a level for (``<prefix>-level-<code>``)."""
    found = []
    for key, value in form.items():
        if not key.startswith(f"{prefix}-level-") or not isinstance(value, str) or not value:
            continue
        code = key.removeprefix(f"{prefix}-level-")
        if value not in set(FindingLevel):
            continue
        found.append(
            Finding(
                outcome_code=code,
                level=FindingLevel(value),
                comment=_text(form, f"{prefix}-comment-{code}"),
            )
        )
    return found


def field_anchor(field: str) -> str:
    """The id of the form control a problem's field names."""
    if field.startswith(("findings.", "feedback.")):
        kind, code = field.split(".", 1)
        prefix = "finding" if kind == "findings" else "feedback"
        return f"#{prefix}-level-{code}"
    return f"#{field.split('.')[-1]}"


def _refusal_errors(err: ApiError) -> list[dict[str, str]]:
    if err.problems:
        return [{"text": p.message, "href": field_anchor(p.field)} for p in err.problems]
    return [{"text": str(err.detail), "href": "#actions"}]


def _validation_errors(err: ValidationError | ValueError) -> list[dict[str, str]]:
    if isinstance(err, ValidationError):
        return [
            {
                "text": str(e["msg"]).removeprefix("Value error, "),
                "href": field_anchor(".".join(str(p) for p in e["loc"] if isinstance(p, str))),
            }
            for e in err.errors()
        ]
    return [{"text": str(err), "href": "#actions"}]
