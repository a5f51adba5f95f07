"""R09: the applicant invites their manager or practice educator (never themself) to make the
declaration, and sees where the current declaration stands: invited, confirmed, declined with
the declarer's reason, or expired. A new invitation replaces the last.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from api.access import actor
from api.deps import TemporalDep
from models.commands import InviteDeclarer
from models.labels import DECLARER_ROLES
from models.views import ApplicationView
from web.routes.apply_common import own_view
from web.routes.apply_forms import Problems, act, from_validation, page, send, text
from web.session import ApplicantSession
from workflows.application import ApplicationWorkflow

router = APIRouter(prefix="/apply/applications", include_in_schema=False)

INVITE_ACTION = "invite_declarer"
NAMES = {
    "declarer_name": "their full name",
    "declarer_email": "their email address",
    "declarer_role": "whether they are your manager or your practice educator",
}


def _page(
    request: Request, view: ApplicationView, form: Mapping[str, Any], problems: Problems
) -> Response:
    return page(
        request,
        "apply/sections/declarer.html",
        view,
        {
            "may_invite": INVITE_ACTION in view.allowed_actions,
            "declarer_roles": {role.value: words for role, words in DECLARER_ROLES.items()},
        },
        problems=problems,
        form=form,
    )


@router.get("/{application_id}/declarer")
async def declarer_page(
    request: Request, application_id: str, principal: ApplicantSession, temporal: TemporalDep
) -> Response:
    """R09: the declaration as it stands, and the form to invite (or invite again)."""
    view = await own_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    return _page(request, view, {}, Problems())


@router.post("/{application_id}/declarer")
async def invite(
    request: Request, application_id: str, principal: ApplicantSession, temporal: TemporalDep
) -> Response:
    """Send the invitation; the workflow emails the declarer their single-use link."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        try:
            command = InviteDeclarer(
                actor=actor(principal),
                declarer_name=text(form, "declarer_name"),
                declarer_email=text(form, "declarer_email"),
                declarer_role=text(form, "declarer_role"),
            )
        except ValidationError as err:
            return from_validation(err, NAMES, lambda f: f)
        return await send(
            temporal, view, ApplicationWorkflow.invite_declarer, command, principal,
            lambda f: f if f in NAMES else None,
        )  # fmt: skip

    return await act(
        request, temporal, principal, application_id,
        perform=perform,
        show=lambda view, form, problems: _page(request, view, form, problems),
        then=f"/apply/applications/{application_id}/declarer?done=sent",
    )  # fmt: skip
