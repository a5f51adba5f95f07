"""A member's accreditation after award: its state, re-accreditation, and membership events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api import application_workflows, errors, member_workflows
from api.access import actor
from api.auth import Principal, Role
from api.deps import (
    AccreditationReader,
    IdempotencyKey,
    Membership,
    Reaccreditor,
    TemporalDep,
)
from api.schemas import ApplicationCreated, ReaccreditationCreate
from models.accreditation import (
    AccreditationView,
    MembershipChanged,
    ScopeChanged,
    StartReaccreditation,
)

router = APIRouter(prefix="/members", tags=["members"])

MemberId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/{member_id}/accreditation")
async def read_accreditation(
    member_id: MemberId, principal: AccreditationReader, temporal: TemporalDep
) -> AccreditationView:
    """The member's accreditation, membership, indemnity and coming deadlines."""
    _check_member(principal, member_id)
    return await member_workflows.view(temporal, member_id)


@router.post("/{member_id}/reaccreditation", status_code=status.HTTP_201_CREATED)
async def start_reaccreditation(
    member_id: MemberId,
    body: ReaccreditationCreate,
    principal: Reaccreditor,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationCreated:
    """R15/R17: start a re-accreditation application on the pathway the member is directed to:
    its id, state, allowed actions and what is still missing. Read the whole application at
    ``GET /applications/{application_id}``.

    With an ``Idempotency-Key``, a retried start answers the application the first one opened.
    """
    _check_member(principal, member_id)
    command = StartReaccreditation(actor=actor(principal), role_details=body.role_details)
    update_id = (
        application_workflows.idempotent_id("reaccreditation-", principal, idempotency_key)
        if idempotency_key
        else None
    )
    application_id = await member_workflows.start_reaccreditation(
        temporal, member_id, command, update_id
    )
    # The update answers the new application's id; where it stands is the application's.
    view = await application_workflows.view(temporal, application_id)
    return ApplicationCreated(
        application_id=application_id,
        state=view.state,
        allowed_actions=view.allowed_actions,
        missing=view.missing,
    )


@router.post("/{member_id}/membership", status_code=status.HTTP_202_ACCEPTED)
async def record_membership_change(
    member_id: MemberId, body: MembershipChanged, _principal: Membership, temporal: TemporalDep
) -> None:
    """R22/R23: membership cancelled, rejoined or changed (repeats of ``event_id`` are ignored)."""
    await member_workflows.membership_changed(temporal, member_id, body)


@router.post("/{member_id}/scope", status_code=status.HTTP_202_ACCEPTED)
async def record_scope_change(
    member_id: MemberId, body: ScopeChanged, _principal: Membership, temporal: TemporalDep
) -> None:
    """R18: the member's scope changed; only the assessed scope stays accredited until then."""
    await member_workflows.scope_changed(temporal, member_id, body)


def _check_member(principal: Principal, member_id: str) -> None:
    if principal.role == Role.APPLICANT and principal.sub != member_id:
        raise errors.forbidden(f"{principal.sub} may only act on their own accreditation")
