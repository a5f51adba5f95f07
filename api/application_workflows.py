"""The API's calls into application workflows: start, query, update; refusals as HTTP errors.

Every call goes through ``Temporal.call``, so it is bounded in time and answers 503 when
Temporal or the worker cannot answer. A client's ``Idempotency-Key`` names the workflow a
create starts and the update an action sends, so a retried request never acts twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api import errors
from api.access import check_reader
from api.auth import Principal
from api.temporal import Temporal, TemporalUnavailable
from models.application import Application, AssessmentDraft
from models.catalogue import Catalogue
from models.commands import ApplicationInput, DeclarationLink, DeclarationResponse
from models.progress import SpentLink
from models.views import ApplicationView, DeclarationRequest
from settings import Settings
from workflows.application import ApplicationWorkflow, workflow_id

Handle = WorkflowHandle[ApplicationWorkflow, ApplicationView]

log = logging.getLogger("accreditation.api")


def handle(client: Client, application_id: str) -> Handle:
    return client.get_workflow_handle_for(ApplicationWorkflow.run, workflow_id(application_id))


def idempotent_id(prefix: str, principal: Principal, key: str, scope: str = "") -> str:
    """A stable id for the request ``key`` names, private to the caller who sent it."""
    digest = hashlib.sha256(f"{principal.role}\n{principal.sub}\n{scope}\n{key}".encode())
    return f"{prefix}{digest.hexdigest()[:32]}"


def update_id(action: str, principal: Principal, key: str | None) -> str | None:
    """The update id an ``Idempotency-Key`` gives ``action``: a retry runs it once."""
    return idempotent_id(f"{action}-", principal, key) if key else None


async def start(
    temporal: Temporal, *, settings: Settings, catalogue: Catalogue, application: Application
) -> ApplicationView | None:
    """Start the application's workflow with the configured catalogue and policy.

    Starting the same application id again (a retried create) finds the running workflow
    instead of making a second one. Returns the view, or ``None`` when the application was
    created but could not be read back in time (it exists; the caller can read it later).
    """
    payload = ApplicationInput(
        application=application,
        catalogue=catalogue.for_pathway(application.pathway),
        policy=settings.policy(),
        declaration_link_base=f"{settings.portal_base_url}/declare",
        officers_email=settings.officers_email,
        non_member_fee_pence=settings.non_member_fee_pence,
    )

    async def start_once(client: Client) -> None:
        # A retried create whose application has already ended is read as it is.
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await client.start_workflow(
                ApplicationWorkflow.run,
                payload,
                id=workflow_id(application.application_id),
                task_queue=settings.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                rpc_timeout=temporal.timeout,
            )

    try:
        await temporal.call(start_once)
    except TemporalUnavailable:
        if not await _exists(temporal, application.application_id):
            raise
    try:
        return await view(temporal, application.application_id)
    except TemporalUnavailable as err:
        log.warning(
            "application %s created but not yet readable: %s", application.application_id, err
        )
        return None


async def _exists(temporal: Temporal, application_id: str) -> bool:
    """Whether the application's workflow was started (False when that cannot be told)."""
    try:
        await temporal.call(
            lambda client: handle(client, application_id).describe(rpc_timeout=temporal.timeout)
        )
    except (TemporalUnavailable, RPCError):
        return False
    return True


async def view(temporal: Temporal, application_id: str) -> ApplicationView:
    """Where the application stands (404 when there is no such application)."""
    try:
        return await temporal.call(
            lambda client: handle(client, application_id).query(
                ApplicationWorkflow.view, rpc_timeout=temporal.timeout
            )
        )
    except RPCError as err:
        raise _rpc_failed(err, application_id) from err


async def update(
    temporal: Temporal,
    application_id: str,
    name: str,
    command: BaseModel,
    principal: Principal,
    *,
    update_id: str | None = None,
) -> ApplicationView:
    """Run update ``name`` for ``principal``; a refusal becomes its HTTP status.

    The same ``update_id`` sent twice to one workflow runs once and answers the first result.
    An application whose workflow has ended is answered 409 with its final state, after the
    same read check as a query so that its state shows only to those who may see it.
    """

    async def execute(client: Client) -> ApplicationView:
        result: ApplicationView = await handle(client, application_id).execute_update(
            name, command, id=update_id, result_type=ApplicationView, rpc_timeout=temporal.timeout
        )
        return result

    try:
        return await temporal.call(execute)
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise _rpc_failed(err, application_id) from err
        # Updates reach running workflows only: a finished one is answered with its state.
        current = await view(temporal, application_id)
        check_reader(principal, current)
        raise errors.finished(current.state) from err


async def respond_to_declaration(
    temporal: Temporal, application_id: str, response: DeclarationResponse
) -> ApplicationView:
    """R09: the declarer's answer; a used, expired or finished link is gone (410)."""
    try:
        return await temporal.call(
            lambda client: handle(client, application_id).execute_update(
                ApplicationWorkflow.respond_to_declaration, response, rpc_timeout=temporal.timeout
            )
        )
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise _rpc_failed(err, application_id) from err
        # The application has finished (its link with it), or there is no such application.
        await declaration_request(temporal, application_id, response.token)
        raise errors.link_gone() from err


async def declaration_request(
    temporal: Temporal, application_id: str, token: str
) -> DeclarationRequest | None:
    """What the link holder declares for, or None when the link is used or expired."""
    try:
        return await temporal.call(
            lambda client: handle(client, application_id).query(
                ApplicationWorkflow.declaration_request,
                DeclarationLink(token=token),
                rpc_timeout=temporal.timeout,
            )
        )
    except RPCError as err:
        raise _rpc_failed(err, application_id) from err


async def assessment_draft(temporal: Temporal, application_id: str) -> AssessmentDraft | None:
    """The allocated assessor's saved, unsubmitted assessment (show it to them alone)."""
    try:
        return await temporal.call(
            lambda client: handle(client, application_id).query(
                ApplicationWorkflow.assessment_draft, rpc_timeout=temporal.timeout
            )
        )
    except RPCError as err:
        raise _rpc_failed(err, application_id) from err


async def spent_link(temporal: Temporal, application_id: str, token: str) -> SpentLink | None:
    """Why a declaration link no longer works; None when it is live or was never sent."""
    try:
        return await temporal.call(
            lambda client: handle(client, application_id).query(
                ApplicationWorkflow.spent_link,
                DeclarationLink(token=token),
                rpc_timeout=temporal.timeout,
            )
        )
    except RPCError as err:
        raise _rpc_failed(err, application_id) from err


def _rpc_failed(err: RPCError, application_id: str) -> Exception:
    """``NOT_FOUND`` names no application; any other status here is a request Temporal
    refused as malformed (e.g. over its size limit), which is a fault of ours."""
    if err.status == RPCStatusCode.NOT_FOUND:
        return errors.not_found(application_id)
    return RuntimeError(f"Temporal refused a request for {application_id}: {err.message}")
