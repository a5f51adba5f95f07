"""The API's calls into application workflows: start, query and update, each by its handler.

Updates and queries name the workflow's own methods (``ApplicationWorkflow.submit``), so mypy
checks each command and result. Every call goes through ``Temporal.call``, so it is bounded in
time and answers 503 when Temporal or the worker cannot answer. A refused update raises
``WorkflowUpdateFailedError``, which ``api.errors`` answers once for every route. A client's
``Idempotency-Key`` names the workflow a create starts and the update an action sends, so a
retried request never acts twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.types import MethodSyncOrAsyncSingleParam
from temporalio.workflow import UpdateMethodMultiParam

from api import errors
from api.access import check_reader
from api.auth import Principal
from api.schemas import ApplicationCreated
from api.temporal import Temporal, TemporalUnavailable
from models.application import Application, AssessmentDraft
from models.application_lifecycle import ApplicationLifecycle
from models.catalogue import Catalogue
from models.commands import (
    ApplicationInput,
    CpdVerificationLink,
    CpdVerificationResponse,
    DeclarationLink,
    DeclarationResponse,
)
from models.cpd_verification import CpdVerificationRequest
from models.progress import SpentLink
from models.views import ActionResult, ApplicationView, DeclarationRequest
from settings import Settings
from workflows import search_attributes
from workflows.application import ApplicationWorkflow, workflow_id

Handle = WorkflowHandle[ApplicationWorkflow, ApplicationView]

A = TypeVar("A")
C = TypeVar("C", bound=BaseModel)
T = TypeVar("T")

UpdateHandler = UpdateMethodMultiParam[[ApplicationWorkflow, C], ActionResult]
"""An update of the application workflow: it takes a command and answers an ``ActionResult``."""

log = logging.getLogger("accreditation.api")


def handle(client: Client, application_id: str) -> Handle:
    return client.get_workflow_handle_for(ApplicationWorkflow.run, workflow_id(application_id))


def idempotent_id(prefix: str, principal: Principal, key: str, scope: str = "") -> str:
    """A stable id for the request ``key`` names, private to the caller who sent it."""
    digest = hashlib.sha256(f"{principal.role}\n{principal.sub}\n{scope}\n{key}".encode())
    return f"{prefix}{digest.hexdigest()[:32]}"


def update_name(handler: UpdateHandler[C]) -> str:
    """The name the workflow registers ``handler`` under (its action, ``models.actions``)."""
    name = handler._defn.name
    assert name is not None, "application updates are never dynamic"
    return name


async def start(
    temporal: Temporal,
    *,
    settings: Settings,
    catalogue: Catalogue,
    application: Application,
    principal: Principal,
) -> ApplicationCreated | None:
    """Start the application's workflow with the configured catalogue and policy.

    A new application is answered as the workflow's first step leaves it, without asking the
    workflow (``ApplicationLifecycle`` runs that step here as it does there). Starting the same
    application id again (a retried create) finds the workflow already there and reads where
    it stands; ``None`` when that cannot be read in time (it exists; read it later).
    """
    payload = ApplicationInput(
        application=application,
        catalogue=catalogue.for_pathway(application.pathway),
        policy=settings.policy(),
        declaration_link_base=f"{settings.portal_base_url}/declare",
        cpd_verification_link_base=f"{settings.portal_base_url}/verify-cpd",
        officers_email=settings.officers_email,
        non_member_fee_pence=settings.non_member_fee_pence,
    )

    async def start_once(client: Client) -> None:
        await client.start_workflow(
            ApplicationWorkflow.run,
            payload,
            id=workflow_id(application.application_id),
            task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=search_attributes.for_new_application(application),
            rpc_timeout=temporal.timeout,
        )

    try:
        await temporal.call(start_once)
    except WorkflowAlreadyStartedError:
        pass  # a retried create: running, or already ended
    except TemporalUnavailable:
        if not await _exists(temporal, application.application_id):
            raise
    else:
        first = ApplicationLifecycle(payload, datetime.now(UTC))
        first.created()
        result = first.result()
        return ApplicationCreated(
            application_id=result.application_id,
            state=result.state,
            allowed_actions=result.allowed_actions,
            missing=result.missing,
        )
    try:
        current = await view(temporal, application.application_id)
    except TemporalUnavailable as err:
        log.warning(
            "application %s created but not yet readable: %s", application.application_id, err
        )
        return None
    check_reader(principal, current)
    return ApplicationCreated(
        application_id=application.application_id,
        state=current.state,
        allowed_actions=current.allowed_actions,
        missing=current.missing,
    )


async def _exists(temporal: Temporal, application_id: str) -> bool:
    """Whether the application's workflow was started (False when that cannot be told)."""
    try:
        await temporal.call(
            lambda client: handle(client, application_id).describe(rpc_timeout=temporal.timeout)
        )
    except (TemporalUnavailable, RPCError):
        return False
    return True


async def _call(
    temporal: Temporal, application_id: str, operation: Callable[[Handle], Awaitable[T]]
) -> T:
    """``operation`` on the application's workflow; 404 when there is no such application."""
    try:
        return await temporal.call(lambda client: operation(handle(client, application_id)))
    except RPCError as err:
        raise _rpc_failed(err, application_id) from err


async def view(temporal: Temporal, application_id: str) -> ApplicationView:
    """Where the application stands (404 when there is no such application)."""
    return await _call(
        temporal,
        application_id,
        lambda h: h.query(ApplicationWorkflow.view, rpc_timeout=temporal.timeout),
    )


async def update(
    temporal: Temporal,
    application_id: str,
    handler: UpdateHandler[C],
    command: C,
    principal: Principal,
    *,
    idempotency_key: str | None = None,
    update_id: str | None = None,
) -> ActionResult:
    """Run the update ``handler`` with ``command`` for ``principal``.

    A refusal raises ``WorkflowUpdateFailedError`` (``api.errors`` answers it). The update id
    is ``update_id``, or one the caller's ``idempotency_key`` gives this update: the same id
    sent twice to one workflow runs once and answers the first result. An application whose
    workflow has ended is answered 409 with its final state, after the same read check as a
    query so that its state shows only to those who may see it.
    """
    action = update_name(handler)
    if update_id is None and idempotency_key is not None:
        update_id = idempotent_id(f"{action}-", principal, idempotency_key)
    try:
        return await temporal.call(
            lambda client: handle(client, application_id).execute_update(
                handler, command, id=update_id, rpc_timeout=temporal.timeout
            )
        )
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise _rpc_failed(err, application_id) from err
        # Updates reach running workflows only: a finished one is answered with its state.
        current = await view(temporal, application_id)
        check_reader(principal, current)
        raise errors.finished(action, current.state) from err


async def respond_to_declaration(
    temporal: Temporal, application_id: str, response: DeclarationResponse
) -> ActionResult:
    """R09: the declarer's answer; a used, expired or finished link is gone (410)."""
    return await _answer_through_link(
        temporal,
        application_id,
        ApplicationWorkflow.respond_to_declaration,
        response,
        lambda: declaration_request(temporal, application_id, response.token),
        errors.DECLARATION_LINK_GONE,
    )


async def respond_to_cpd_verification(
    temporal: Temporal, application_id: str, response: CpdVerificationResponse
) -> ActionResult:
    """R08: a CPD verifier's answer; a used, expired or finished link is gone (410)."""
    return await _answer_through_link(
        temporal,
        application_id,
        ApplicationWorkflow.respond_to_cpd_verification,
        response,
        lambda: cpd_verification_request(temporal, application_id, response.token),
        errors.CPD_LINK_GONE,
    )


async def _answer_through_link(
    temporal: Temporal,
    application_id: str,
    handler: UpdateHandler[C],
    response: C,
    read_link: Callable[[], Awaitable[object]],
    gone: str,
) -> ActionResult:
    """The answer a single-use link carries, as the update ``handler``. An application that
    has finished took its links with it (410); one that does not exist is 404, which reading
    the link (``read_link``) raises."""
    try:
        return await temporal.call(
            lambda client: handle(client, application_id).execute_update(
                handler, response, rpc_timeout=temporal.timeout
            )
        )
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise _rpc_failed(err, application_id) from err
        await read_link()
        raise errors.link_gone(gone) from err


async def declaration_request(
    temporal: Temporal, application_id: str, token: str
) -> DeclarationRequest | None:
    """What the link holder declares for, or None when the link is used or expired."""
    link = DeclarationLink(token=token)
    return await _query(temporal, application_id, ApplicationWorkflow.declaration_request, link)


async def spent_link(temporal: Temporal, application_id: str, token: str) -> SpentLink | None:
    """Why a declaration link no longer works; None when it is live or was never sent."""
    link = DeclarationLink(token=token)
    return await _query(temporal, application_id, ApplicationWorkflow.spent_link, link)


async def cpd_verification_request(
    temporal: Temporal, application_id: str, token: str
) -> CpdVerificationRequest | None:
    """The CPD record a verifier's live link asks them to confirm, or None once it is spent."""
    link = CpdVerificationLink(token=token)
    handler = ApplicationWorkflow.cpd_verification_request
    return await _query(temporal, application_id, handler, link)


async def spent_cpd_link(temporal: Temporal, application_id: str, token: str) -> SpentLink | None:
    """Why a CPD verification link no longer works; None when it is live or was never sent."""
    link = CpdVerificationLink(token=token)
    return await _query(temporal, application_id, ApplicationWorkflow.spent_cpd_link, link)


async def assessment_draft(temporal: Temporal, application_id: str) -> AssessmentDraft | None:
    """The allocated assessor's saved, unsubmitted assessment (show it to them alone)."""
    return await _call(
        temporal,
        application_id,
        lambda h: h.query(ApplicationWorkflow.assessment_draft, rpc_timeout=temporal.timeout),
    )


async def _query(
    temporal: Temporal,
    application_id: str,
    handler: MethodSyncOrAsyncSingleParam[ApplicationWorkflow, A, T],
    arg: A,
) -> T:
    """The query ``handler`` with ``arg`` (404 when there is no such application)."""
    return await _call(
        temporal,
        application_id,
        lambda h: h.query(handler, arg, rpc_timeout=temporal.timeout),
    )


def _rpc_failed(err: RPCError, application_id: str) -> Exception:
    """``NOT_FOUND`` names no application; any other status here is a request Temporal
    refused as malformed (e.g. over its size limit), which is a fault of ours."""
    if err.status == RPCStatusCode.NOT_FOUND:
        return errors.not_found(application_id)
    return RuntimeError(f"Temporal refused a request for {application_id}: {err.message}")
