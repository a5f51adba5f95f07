"""Starting member accreditation workflows and speaking to them as the application workflow,
the membership system and the portal would (a stand-in sender for the child's signals)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import date

from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import Client, WorkflowHandle

from models.accreditation import (
    AWARD,
    AccreditationInput,
    AccreditationProgress,
    AccreditationView,
    AwardNotice,
    ReaccreditationDecided,
    ReaccreditationSubmitted,
    accreditation_workflow_id,
)
from models.application import Applicant
from models.dates import expiry_date
from models.enums import (
    ApplicationKind,
    AreaOfPractice,
    FheqLevel,
    MembershipStatus,
    Pathway,
    PractitionerRole,
)
from models.pathways import PATHWAY_LEVEL, PATHWAY_ROLE
from models.policy import Policy
from tests.builders import applicant, stand_in_catalogue
from workflows.accreditation import AccreditationWorkflow

MemberHandle = WorkflowHandle[AccreditationWorkflow, None]

SCOPE = "Plain-film imaging of the appendicular skeleton under supervision"


def new_member(status: MembershipStatus = MembershipStatus.RADIOGRAPHIC_ASSISTANT) -> Applicant:
    """A member with a fresh id, so tests sharing a server never collide."""
    return applicant(member_id=f"M{uuid.uuid4().hex[:10]}", membership_status=status)


def award_notice(
    member: Applicant,
    awarded_on: date,
    *,
    pathway: Pathway = Pathway.AP_L4,
    kind: ApplicationKind = ApplicationKind.INITIAL,
    levels: list[FheqLevel] | None = None,
    accredited_from: date | None = None,
    expires_on: date | None = None,
    application_id: str | None = None,
    areas: list[AreaOfPractice] | None = None,
    scope_summary: str = SCOPE,
    role: PractitionerRole | None = None,
) -> AwardNotice:
    """An award as the application workflow sends it; the term defaults to R14's two years."""
    accredited_from = accredited_from or awarded_on
    return AwardNotice(
        application_id=application_id or f"app-{uuid.uuid4().hex[:12]}",
        kind=kind,
        member=member,
        pathway=pathway,
        role=role or PATHWAY_ROLE[pathway],
        areas_of_practice=areas or [AreaOfPractice.CLINICAL_IMAGING],
        scope_summary=scope_summary,
        job_title="Assistant practitioner",
        employer=member.employer,
        levels_held=levels if levels is not None else [PATHWAY_LEVEL[pathway]],
        awarded_on=awarded_on,
        accredited_from=accredited_from,
        expires_on=expires_on or expiry_date(accredited_from),
    )


def member_input(
    member: Applicant, policy: Policy | None = None, progress: AccreditationProgress | None = None
) -> AccreditationInput:
    return AccreditationInput(
        member=member,
        catalogue=stand_in_catalogue(),
        policy=policy or Policy(),
        progress=progress,
    )


async def start_with_award(
    client: Client, task_queue: str, notice: AwardNotice, policy: Policy | None = None
) -> MemberHandle:
    """Signal-with-start, as the ``record_award`` activity does; a handle on the latest run."""
    await client.start_workflow(
        AccreditationWorkflow.run,
        member_input(notice.member, policy),
        id=accreditation_workflow_id(notice.member.member_id),
        task_queue=task_queue,
        start_signal=AWARD,
        start_signal_args=[notice],
    )
    return latest(client, notice.member.member_id)


async def start_part_way(
    client: Client,
    task_queue: str,
    progress: AccreditationProgress,
    policy: Policy | None = None,
) -> MemberHandle:
    """Start with state already held, as continue-as-new does (for timers part-way through)."""
    await client.start_workflow(
        AccreditationWorkflow.run,
        member_input(progress.member, policy, progress),
        id=accreditation_workflow_id(progress.member.member_id),
        task_queue=task_queue,
    )
    return latest(client, progress.member.member_id)


def latest(client: Client, member_id: str) -> MemberHandle:
    """A handle that follows continue-as-new (no run id)."""
    return client.get_workflow_handle_for(
        AccreditationWorkflow.run, accreditation_workflow_id(member_id)
    )


async def view_of(handle: MemberHandle) -> AccreditationView:
    return await handle.query(AccreditationWorkflow.view)


async def eventually(
    handle: MemberHandle, check: Callable[[AccreditationView], bool], seconds: float = 10
) -> AccreditationView:
    """The view once ``check`` holds (signals are applied asynchronously)."""
    view = await view_of(handle)
    for _ in range(int(seconds / 0.05)):
        if check(view):
            return view
        await asyncio.sleep(0.05)
        view = await view_of(handle)
    raise AssertionError(f"view never matched: {view.model_dump_json(indent=1)}")


def term_is(term: int) -> Callable[[AccreditationView], bool]:
    return lambda view: view.term == term


def actions(view: AccreditationView) -> list[str]:
    return [event.action for event in view.history]


class SenderInput(BaseModel):
    member_id: str
    submitted: ReaccreditationSubmitted | None = None
    decided: ReaccreditationDecided | None = None
    award: AwardNotice | None = None


@workflow.defn(name="StandInApplicationSender", sandboxed=False)
class StandInApplicationSender:
    """Signals the member workflow the way the application workflow will, by external handle."""

    @workflow.run
    async def run(self, input: SenderInput) -> None:
        member = workflow.get_external_workflow_handle(accreditation_workflow_id(input.member_id))
        if input.submitted is not None:
            await member.signal(AccreditationWorkflow.reaccreditation_submitted, input.submitted)
        if input.decided is not None:
            await member.signal(AccreditationWorkflow.reaccreditation_decided, input.decided)
        if input.award is not None:
            await member.signal(AccreditationWorkflow.award, input.award)
