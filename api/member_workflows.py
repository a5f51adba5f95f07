"""The API's calls into members' accreditation workflows (one long-lived workflow per member)."""

from __future__ import annotations

from fastapi import HTTPException, status
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from api import errors
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


async def view(client: Client, member_id: str) -> AccreditationView:
    """The member's accreditation (404 when the member has never been accredited)."""
    try:
        return await handle(client, member_id).query(AccreditationWorkflow.view)
    except RPCError as err:
        raise _failed(err, member_id) from err


async def start_reaccreditation(
    client: Client, member_id: str, command: StartReaccreditation
) -> str:
    """R15/R17: start a re-accreditation application; its id."""
    try:
        return await handle(client, member_id).execute_update(
            AccreditationWorkflow.start_reaccreditation, command
        )
    except WorkflowUpdateFailedError as err:
        raise errors.update_refused(err) from err
    except RPCError as err:
        raise _failed(err, member_id) from err


async def membership_changed(client: Client, member_id: str, message: MembershipChanged) -> None:
    """R22/R23: tell the member's workflow their membership status changed."""
    try:
        await handle(client, member_id).signal(AccreditationWorkflow.membership_changed, message)
    except RPCError as err:
        raise _failed(err, member_id) from err


async def scope_changed(client: Client, member_id: str, message: ScopeChanged) -> None:
    """R18: tell the member's workflow their scope of practice changed."""
    try:
        await handle(client, member_id).signal(AccreditationWorkflow.scope_changed, message)
    except RPCError as err:
        raise _failed(err, member_id) from err


def _failed(err: RPCError, member_id: str) -> HTTPException:
    if err.status == RPCStatusCode.NOT_FOUND:
        return HTTPException(
            status.HTTP_404_NOT_FOUND, f"member {member_id} has no accreditation on record"
        )
    return errors.rpc_failed(err, member_id)
