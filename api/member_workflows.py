"""The API's calls into members' accreditation workflows (one long-lived workflow per member).

Queries, updates and signals name the workflow's own methods, so mypy checks each message.
Every call goes through ``Temporal.call``: bounded in time, 503 when Temporal cannot answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from api import errors
from api.temporal import Temporal
from models.accreditation import (
    AccreditationView,
    MembershipChanged,
    ScopeChanged,
    StartReaccreditation,
    accreditation_workflow_id,
)
from workflows.accreditation import AccreditationWorkflow

Handle = WorkflowHandle[AccreditationWorkflow, None]

T = TypeVar("T")


def handle(client: Client, member_id: str) -> Handle:
    return client.get_workflow_handle_for(
        AccreditationWorkflow.run, accreditation_workflow_id(member_id)
    )


async def _call(
    temporal: Temporal, member_id: str, operation: Callable[[Handle], Awaitable[T]]
) -> T:
    """``operation`` on the member's workflow; 404 when the member has none."""
    try:
        return await temporal.call(lambda client: operation(handle(client, member_id)))
    except RPCError as err:
        raise _failed(err, member_id) from err


async def view(temporal: Temporal, member_id: str) -> AccreditationView:
    """The member's accreditation (404 when the member has never been accredited)."""
    return await _call(
        temporal,
        member_id,
        lambda h: h.query(AccreditationWorkflow.view, rpc_timeout=temporal.timeout),
    )


async def start_reaccreditation(
    temporal: Temporal, member_id: str, command: StartReaccreditation, update_id: str | None
) -> str:
    """R15/R17: start a re-accreditation application; its id. A refusal raises
    ``WorkflowUpdateFailedError`` (``api.errors`` answers it)."""
    return await _call(
        temporal,
        member_id,
        lambda h: h.execute_update(
            AccreditationWorkflow.start_reaccreditation,
            command,
            id=update_id,
            rpc_timeout=temporal.timeout,
        ),
    )


async def membership_changed(
    temporal: Temporal, member_id: str, message: MembershipChanged
) -> None:
    """R22/R23: tell the member's workflow their membership status changed."""
    await _call(
        temporal,
        member_id,
        lambda h: h.signal(
            AccreditationWorkflow.membership_changed, message, rpc_timeout=temporal.timeout
        ),
    )


async def scope_changed(temporal: Temporal, member_id: str, message: ScopeChanged) -> None:
    """R18: tell the member's workflow their scope of practice changed."""
    await _call(
        temporal,
        member_id,
        lambda h: h.signal(
            AccreditationWorkflow.scope_changed, message, rpc_timeout=temporal.timeout
        ),
    )


def _failed(err: RPCError, member_id: str) -> Exception:
    if err.status == RPCStatusCode.NOT_FOUND:
        return errors.ApiError(404, f"member {member_id} has no accreditation on record")
    return RuntimeError(f"Temporal refused a request for member {member_id}: {err.message}")
