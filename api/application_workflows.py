"""The API's calls into application workflows: start, query, update; refusals as HTTP errors."""

from __future__ import annotations

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from api import errors
from api.access import check_reader
from api.auth import Principal
from models.application import Application
from models.catalogue import Catalogue
from models.commands import ApplicationInput, DeclarationLink, DeclarationResponse
from models.views import ApplicationView, DeclarationRequest
from settings import Settings
from workflows.application import ApplicationWorkflow, workflow_id

Handle = WorkflowHandle[ApplicationWorkflow, ApplicationView]


def handle(client: Client, application_id: str) -> Handle:
    return client.get_workflow_handle_for(ApplicationWorkflow.run, workflow_id(application_id))


async def start(
    client: Client, *, settings: Settings, catalogue: Catalogue, application: Application
) -> ApplicationView:
    """Start the application's workflow with the configured catalogue and policy."""
    payload = ApplicationInput(
        application=application,
        catalogue=catalogue.for_pathway(application.pathway),
        policy=settings.policy(),
        declaration_link_base=f"{settings.portal_base_url}/declarations",
        officers_email=settings.officers_email,
        non_member_fee_pence=settings.non_member_fee_pence,
    )
    try:
        started = await client.start_workflow(
            ApplicationWorkflow.run,
            payload,
            id=workflow_id(application.application_id),
            task_queue=settings.task_queue,
        )
    except RPCError as err:
        raise errors.rpc_failed(err, application.application_id) from err
    return await _query_view(started, application.application_id)


async def view(client: Client, application_id: str) -> ApplicationView:
    """Where the application stands (404 when there is no such application)."""
    return await _query_view(handle(client, application_id), application_id)


async def update(
    client: Client, application_id: str, name: str, command: BaseModel, principal: Principal
) -> ApplicationView:
    """Run update ``name`` for ``principal``; a refusal becomes its HTTP status.

    An application whose workflow has ended is answered 409 with its final state, after the
    same read check as a query so that its state shows only to those who may see it.
    """
    target = handle(client, application_id)
    try:
        result: ApplicationView = await target.execute_update(
            name, command, result_type=ApplicationView
        )
        return result
    except WorkflowUpdateFailedError as err:
        raise errors.update_refused(err) from err
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise errors.rpc_failed(err, application_id) from err
        # Updates reach running workflows only: a finished one is answered with its state.
        current = await _query_view(target, application_id)
        check_reader(principal, current)
        raise errors.finished(current.state) from err


async def respond_to_declaration(
    client: Client, application_id: str, response: DeclarationResponse
) -> ApplicationView:
    """R09: the declarer's answer; a used, expired or finished link is gone (410)."""
    try:
        return await handle(client, application_id).execute_update(
            ApplicationWorkflow.respond_to_declaration, response
        )
    except WorkflowUpdateFailedError as err:
        raise errors.update_refused(err) from err
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise errors.rpc_failed(err, application_id) from err
        # The application has finished (its link with it), or there is no such application.
        await declaration_request(client, application_id, response.token)
        raise errors.link_gone() from err


async def declaration_request(
    client: Client, application_id: str, token: str
) -> DeclarationRequest | None:
    """What the link holder declares for, or None when the link is used or expired."""
    try:
        return await handle(client, application_id).query(
            ApplicationWorkflow.declaration_request, DeclarationLink(token=token)
        )
    except RPCError as err:
        raise errors.rpc_failed(err, application_id) from err


async def _query_view(target: Handle, application_id: str) -> ApplicationView:
    try:
        return await target.query(ApplicationWorkflow.view)
    except RPCError as err:
        raise errors.rpc_failed(err, application_id) from err
