"""Starting an application (R01-R03, R07): the role and the FHEQ level held give the pathway
(``models.pathways``); then the route (an approved programme from the catalogue's list for the
pathway, or not), when the qualification was completed, and the applicant's profile.

1. ``/apply/start``: the role and the level held.
2. ``/apply/start/details?role=..&level=..``: the pathway they give (or, when none of the
   role's pathways is at that level, a choice among the role's pathways), then the route and
   the profile. The application starts through the same workflow client as
   ``POST /applications``; the qualification, as far as it is known, goes into the draft at
   once (R10: nothing entered is lost), and the browser goes to the overview. A form sent
   twice starts one application (its ``start_key`` names it).
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, status
from starlette.responses import HTMLResponse, RedirectResponse, Response
from temporalio.client import WorkflowUpdateFailedError

from api import application_workflows as workflows
from api.access import actor
from api.deps import CatalogueDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.temporal import TemporalUnavailable
from models.application import Application, Qualification
from models.catalogue import Catalogue
from models.commands import SaveDraft
from models.dates import scheme_date
from models.enums import FheqLevel, Pathway, PractitionerRole, Route
from models.labels import FHEQ_LEVELS, PATHWAYS, ROLES
from models.pathways import PATHWAY_LEVEL, pathways_for_role, proposed_pathway, role_fits_pathway
from web import csrf
from web.routes.apply_common import unavailable
from web.routes.apply_start_form import FIELDS, MEMBERSHIP_CHOICES, NON_APPROVED, check, error
from web.session import ApplicantSession
from web.templating import render
from workflows.application import ApplicationWorkflow

router = APIRouter(prefix="/apply/start", include_in_schema=False)
log = logging.getLogger("accreditation.web")

PURPOSE = "apply-start"
START_KEY = re.compile(r"^[0-9a-f]{32}$")
SEE_OTHER = status.HTTP_303_SEE_OTHER

E = TypeVar("E", PractitionerRole, FheqLevel, Pathway)
Answers = tuple[PractitionerRole, FheqLevel, Pathway | None]


def _enum(kind: type[E], value: str) -> E | None:
    try:
        return kind(value)
    except ValueError:
        return None


def _answers(role: str, level: str, pathway: str) -> Answers | None:
    """Step 1's answers and the pathway (R01/R02): the one chosen among the role's, else the
    one proposed, else the role's only one; None when step 1 is not answered."""
    held_role, held_level = _enum(PractitionerRole, role), _enum(FheqLevel, level)
    if held_role is None or held_level is None:
        return None
    candidates = pathways_for_role(held_role)
    chosen = _enum(Pathway, pathway)
    if chosen is None or not role_fits_pathway(held_role, chosen):
        chosen = proposed_pathway(held_role, held_level)
    if chosen is None and len(candidates) == 1:
        chosen = candidates[0]
    return held_role, held_level, chosen


@router.get("")
def start_page(
    request: Request, _principal: ApplicantSession, role: str = "", level: str = ""
) -> Response:
    """Step 1: the applicant's role and the FHEQ level of the qualification they hold."""
    return _step_one(request, {"role": role, "level": level}, [])


@router.post("")
def answer_role(
    request: Request,
    _principal: ApplicantSession,
    settings: SettingsDep,
    role: Annotated[str, Form()] = "",
    level: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Step 1's answers; on to the pathway they give."""
    form = {"role": role, "level": level}
    try:
        csrf.check(request, settings, PURPOSE, csrf_token)
    except csrf.CsrfRefused:
        expired = [error("The page had expired: answer again", "role")]
        return _step_one(request, form, expired, 403)
    errors = []
    if _enum(PractitionerRole, role) is None:
        errors.append(error("Select your role", "role"))
    if _enum(FheqLevel, level) is None:
        errors.append(error("Select the level of the qualification you hold", "level"))
    if errors:
        return _step_one(request, form, errors, 422)
    return RedirectResponse(f"/apply/start/details?{urlencode(form)}", status_code=SEE_OTHER)


def _step_one(
    request: Request, form: dict[str, str], errors: list[dict[str, str]], code: int = 200
) -> HTMLResponse:
    context: dict[str, object] = {
        "form": form,
        "errors": errors,
        "roles": ROLES,
        "levels": FHEQ_LEVELS,
    }
    return _form_page(request, "apply/start.html", context, code)


def _form_page(request: Request, name: str, context: dict[str, object], code: int) -> HTMLResponse:
    settings = request.app.state.settings
    token, nonce = csrf.token_for(request, settings, PURPOSE)
    response = render(request, name, {**context, "active": "apply", "csrf_token": token}, code)
    csrf.remember(response, settings, nonce)
    return response


@router.get("/details")
def details_page(
    request: Request,
    principal: ApplicantSession,
    catalogue: CatalogueDep,
    role: str = "",
    level: str = "",
    pathway: str = "",
) -> Response:
    """Step 2: the pathway, the route and the applicant's profile."""
    answers = _answers(role, level, pathway)
    if answers is None:
        return RedirectResponse("/apply/start", status_code=SEE_OTHER)
    form = {"name": principal.name, "start_key": uuid.uuid4().hex}
    if answers[2] is None and "pathway" in request.query_params:
        unchosen = [error("Select the pathway you are applying for", "pathway")]
        return _step_two(request, catalogue, answers, form, unchosen, 422)
    return _step_two(request, catalogue, answers, form, [])


def _step_two(
    request: Request,
    catalogue: Catalogue,
    answers: Answers,
    form: dict[str, str],
    errors: list[dict[str, str]],
    code: int = 200,
) -> HTMLResponse:
    """The pathway and what follows; when no pathway is settled yet, the choice of one."""
    role, level, pathway = answers
    step_one = {"role": role.value, "level": level.value}
    context: dict[str, object] = {
        "role": ROLES[role],
        "level": FHEQ_LEVELS[level],
        "held": step_one,
        "change_url": f"/apply/start?{urlencode(step_one)}",
        "pathways": PATHWAYS,
        "errors": errors,
    }
    if pathway is None:
        context["candidates"] = pathways_for_role(role)
        return render(request, "apply/start_pathway.html", {**context, "active": "apply"}, code)
    context |= {
        "pathway": pathway,
        "proposed": proposed_pathway(role, level) == pathway,
        "pathway_level": PATHWAY_LEVEL[pathway].value,
        "programmes": catalogue.for_pathway(pathway).programmes,
        "non_approved": NON_APPROVED,
        "memberships": MEMBERSHIP_CHOICES,
        "form": form,
        "field_errors": {e["href"][1:]: e["text"] for e in errors},
    }
    return _form_page(request, "apply/start_details.html", context, code)


@router.post("/details")
async def start_application(
    request: Request,
    principal: ApplicantSession,
    temporal: TemporalDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
) -> Response:
    """Start the application and go to its overview; every problem is shown at once."""
    posted = await request.form()
    field = {k: v if isinstance(v, str) else "" for k, v in posted.items()}
    answers = _answers(field.get("role", ""), field.get("level", ""), field.get("pathway", ""))
    if answers is None:
        return RedirectResponse("/apply/start", status_code=SEE_OTHER)
    _role, level, pathway = answers
    key = field.get("start_key", "")
    form = {name: field.get(name, "") for name in FIELDS}
    form["start_key"] = key if START_KEY.match(key) else uuid.uuid4().hex
    if pathway is None:
        return _step_two(request, catalogue, answers, form, [], 422)
    try:
        csrf.check(request, settings, PURPOSE, field.get("csrf_token"))
    except csrf.CsrfRefused:
        expired = [error("The page had expired: check your answers and send them again", "route")]
        return _step_two(request, catalogue, answers, form, expired, 403)
    today = scheme_date(datetime.now(UTC))
    checked = check(form, catalogue.for_pathway(pathway).programmes, principal.sub, today)
    if isinstance(checked, list):
        return _step_two(request, catalogue, answers, form, checked, 422)
    programme = checked.programme
    application = Application(
        application_id=workflows.idempotent_id("app-", principal, form["start_key"]),
        applicant=checked.applicant,
        pathway=pathway,
        route=Route.APPROVED if programme else Route.NON_APPROVED,
    )
    qualification = Qualification(
        programme_id=programme.id if programme else None,
        fheq_level=programme.fheq_level if programme else level,
        completed_on=checked.completed_on,
    )
    try:
        await workflows.start(
            temporal,
            settings=settings,
            catalogue=catalogue,
            application=application,
            principal=principal,
        )
        await _save_qualification(temporal, application, qualification, principal, form)
    except TemporalUnavailable:
        return unavailable(request)
    return RedirectResponse(
        f"/apply/applications/{application.application_id}", status_code=SEE_OTHER
    )


async def _save_qualification(
    temporal: TemporalDep,
    application: Application,
    qualification: Qualification,
    principal: ApplicantSession,
    form: dict[str, str],
) -> None:
    """The qualification as far as the start page knows it, saved into the new draft (once for
    the form's ``start_key``, however often it is sent)."""
    try:
        await workflows.update(
            temporal,
            application.application_id,
            ApplicationWorkflow.save_draft,
            SaveDraft(actor=actor(principal), qualifications=[qualification]),
            principal,
            idempotency_key=form["start_key"],
        )
    except (WorkflowUpdateFailedError, ApiError) as err:
        # The form was sent again after the application moved on (it is no longer a draft,
        # or has ended): the overview shows where it stands.
        log.info("start form for %s sent again: %s", application.application_id, err)
