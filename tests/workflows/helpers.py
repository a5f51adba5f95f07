"""Starting application workflows and acting on them as the portal and staff would."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from models.application import Application
from models.commands import Actor, AddDocument, ApplicationInput, MarkCpdVerified, SaveDraft
from models.enums import Role
from models.policy import Policy
from models.views import ActionResult, ApplicationView
from tests.builders import pathway_catalogue
from workflows.application import ApplicationWorkflow, workflow_id

OFFICER = Actor(id="officer-1", role=Role.OFFICER, name="Pat Officer")
ASSESSOR_ACTOR = Actor(id="assessor-1", role=Role.ASSESSOR, name="Robin Assessor")

Handle = WorkflowHandle[ApplicationWorkflow, ApplicationView]


def applicant_actor(application: Application) -> Actor:
    return Actor(id=application.applicant.member_id, role=Role.APPLICANT)


def unique(application: Application, *, new_member: bool = True) -> Application:
    """``application`` with a fresh id (and by default a fresh member, whose accreditation
    workflow is then fresh too), so tests sharing a server never collide."""
    fresh = uuid.uuid4().hex[:12]
    update: dict[str, object] = {"application_id": f"app-{fresh}"}
    if new_member:
        update["applicant"] = application.applicant.model_copy(
            update={"member_id": f"M{fresh}", "registration_number": f"AP{fresh}"}
        )
    return application.model_copy(update=update)


async def start(client: Client, task_queue: str, application: Application, **extra: Any) -> Handle:
    payload = ApplicationInput(
        application=application,
        catalogue=pathway_catalogue(application.pathway),
        policy=extra.pop("policy", Policy()),
        **extra,
    )
    return await client.start_workflow(
        ApplicationWorkflow.run,
        payload,
        id=workflow_id(application.application_id),
        task_queue=task_queue,
    )


def fill_in(application: Application) -> SaveDraft:
    """A save that enters every section of ``application``'s content at once (documents are
    uploaded one by one: ``enter``)."""
    content = application.content
    return SaveDraft(
        actor=applicant_actor(application),
        role_details=content.role_details,
        qualifications=content.qualifications,
        narrative=content.narrative,
        cpd=content.cpd,
    )


async def enter(handle: WorkflowHandle[Any, Any], application: Application) -> None:
    """Enter ``application``'s content as the applicant would: every section, then each
    document as its upload adds it."""
    await handle.execute_update(ApplicationWorkflow.save_draft, fill_in(application))
    for document in application.content.documents:
        await handle.execute_update(
            ApplicationWorkflow.add_document,
            AddDocument(actor=applicant_actor(application), document=document),
        )


HISTORIES = Path(__file__).resolve().parent / "histories"


PORTAL = Actor(id="member-portal", role=Role.PORTAL, name="member portal")


async def portal_verifies_cpd(handle: WorkflowHandle[Any, Any], application: Application) -> None:
    """The member portal marks each CPD record of ``application`` verified (R08, R16), as
    where the policy requires verified CPD the applicant's own ``verified_by`` never counts."""
    for index in range(len(application.content.cpd)):
        await handle.execute_update(
            ApplicationWorkflow.mark_cpd_verified, MarkCpdVerified(actor=PORTAL, index=index)
        )


async def save_history(handle: WorkflowHandle[Any, Any], name: str) -> None:
    """With RECORD_HISTORIES=1, keep this run's history for the replay tests.

    Replaying saved histories proves a change to workflow code is still deterministic for
    workflows already running; re-record only alongside a ``workflow.patched()`` change.
    """
    if os.environ.get("RECORD_HISTORIES") == "1":
        history = await handle.fetch_history()
        (HISTORIES / f"{name}.json").write_text(history.to_json() + "\n")


def refusal(err: WorkflowUpdateFailedError) -> ApplicationError:
    """The ``ApplicationError`` a validator or handler refused an update with."""
    cause = err.cause
    assert isinstance(cause, ApplicationError), cause
    return cause


async def act(handle: WorkflowHandle[Any, Any], update: Any, arg: Any) -> ApplicationView:
    """Run ``update`` and read the view after it: an update answers only an ``ActionResult``,
    whose state, allowed actions and assessor must agree with the view's."""
    result: ActionResult = await handle.execute_update(update, arg)
    view: ApplicationView = await handle.query(ApplicationWorkflow.view)
    assert (view.state, view.allowed_actions, view.assessor_id) == (
        result.state,
        result.allowed_actions,
        result.assessor_id,
    )
    return view
