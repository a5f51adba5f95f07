"""The API's calls into members' accreditation workflows (one long-lived workflow per member).

Every call goes through ``Temporal.call``: bounded in time, 503 when Temporal cannot answer.
"""

from __future__ import annotations

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


def handle(client: Client, member_id: str) -> Handle:
    return client.get_workflow_handle_for(
        AccreditationWorkflow.run, accreditation_workflow_id(member_id)
    )


async def view(temporal: Temporal, member_id: str) -> AccreditationView:
    """The member's accreditation (404 when the member has never been accredited)."""
    try:
        return await temporal.call(
            lambda client: handle(client, member_id).query(
                AccreditationWorkflow.view, rpc_timeout=temporal.timeout
            )
        )
    except RPCError as err:
        raise _failed(err, member_id) from err


async def start_reaccreditation(
    temporal: Temporal, member_id: str, command: StartReaccreditation, update_id: str | None
) -> str:
    """R15/R17: start a re-accreditation application; its id."""
    try:
        return await temporal.call(
            lambda client: handle(client, member_id).execute_update(
                AccreditationWorkflow.start_reaccreditation,
                command,
                id=update_id,
                rpc_timeout=temporal.timeout,
            )
        )
    except RPCError as err:
        raise _failed(err, member_id) from err


async def membership_changed(
    temporal: Temporal, member_id: str, message: MembershipChanged
) -> None:
    """R22/R23: tell the member's workflow their membership status changed."""
    try:
        await temporal.call(
            lambda client: handle(client, member_id).signal(
                AccreditationWorkflow.membership_changed, message, rpc_timeout=temporal.timeout
            )
        )
    except RPCError as err:
        raise _failed(err, member_id) from err


async def scope_changed(temporal: Temporal, member_id: str, message: ScopeChanged) -> None:
    """R18: tell the member's workflow their scope of practice changed."""
    try:
        await temporal.call(
            lambda client: handle(client, member_id).signal(
                AccreditationWorkflow.scope_changed, message, rpc_timeout=temporal.timeout
            )
        )
    except RPCError as err:
        raise _failed(err, member_id) from err


def _failed(err: RPCError, member_id: str) -> Exception:
    if err.status == RPCStatusCode.NOT_FOUND:
        return errors.ApiError(404, f"member {member_id} has no accreditation on record")
    return RuntimeError(f"Temporal refused a request for member {member_id}: {err.message}")
