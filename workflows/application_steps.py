"""What every application workflow handler shares: the lifecycle, the lock, and carrying out
each step's side effects (one read-model write, the emails, the award, the member's messages).

``ApplicationWorkflow`` and its CPD verification handlers (``workflows.cpd_verification``) are
built on ``ApplicationSteps``.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.allocation import AllocationActivities
    from activities.lifecycle import LifecycleActivities
    from activities.notifications import NotificationActivities
    from activities.read_model import ReadModelActivities
    from models.accreditation import (
        ReaccreditationDecided,
        ReaccreditationSubmitted,
        accreditation_workflow_id,
    )
    from models.actions import Action
    from models.application_lifecycle import ApplicationLifecycle, MemberMessage
    from models.commands import Actor, ApplicantAction, Decision
    from models.records import AllocationResult
    from models.views import ActionResult
    from workflows import activity_options as opts
    from workflows import search_attributes as sa
    from workflows.accreditation import AccreditationWorkflow
    from workflows.refusals import refuse
    from workflows.side_effects import SideEffects


class ApplicationSteps:
    """The state every handler works on, and how a step is begun and carried out."""

    _life: ApplicationLifecycle
    _lock: asyncio.Lock
    _effects: SideEffects

    def _check(self, action: Action, actor: Actor) -> None:
        self._life.now = workflow.now()
        refuse(self._life.check(action, actor))

    async def _submit(self, cmd: ApplicantAction, action: Action) -> ActionResult:
        async with self._lock:
            self._begin()
            self._life.submit(cmd.actor, action.value)
            if self._life.step.find_assessor is not None:
                self._finish(write=False)  # the receipt goes now; the rows with the allocation
                result = await self._find_assessor(None)
                self._life.now = workflow.now()
                self._life.assessor_found(result.assessor, result.reason)
            return self._finish()

    async def _decide(self, action: Action, decision: Decision) -> ActionResult:
        async with self._lock:
            self._begin()
            self._life.decide(action, decision)
            return self._finish()

    async def _find_assessor(self, assessor_id: str | None) -> AllocationResult:
        return await workflow.execute_activity_method(
            AllocationActivities.allocate_assessor,
            self._life.allocation_request(assessor_id),
            start_to_close_timeout=opts.START_TO_CLOSE,
            retry_policy=opts.RETRY,
        )

    def _begin(self) -> None:
        self._life.begin(workflow.now())

    def _finish(self, *, write: bool = True) -> ActionResult:
        """Carry out the step: one read-model write, its emails, the award, the messages
        (``write=False``: all but the write, which waits for the rest of the step)."""
        life, step = self._life, self._life.step
        for email in step.emails:
            self._effects.activity(NotificationActivities.send_notification, email)
        if step.award is not None:
            self._effects.activity(LifecycleActivities.record_award, step.award)
        for message in step.member_messages:
            self._effects.task(self._tell_member(message))
        step.emails, step.award, step.member_messages = [], None, []
        if not write:
            return life.result()
        for e in step.events:
            reason = f" ({e.reason})" if e.reason else ""
            workflow.logger.info(
                f"application {e.application_id}: {e.action} by {e.actor_role.value} "
                f"{e.actor_id}, now {e.to_state}{reason}"
            )
        if step.events:
            self._effects.write(ReadModelActivities.record_application_event, life.read_model())
            sa.upsert_application(life.app, life.p)
        life.begin(life.now)
        return life.result()

    async def _tell_member(self, message: MemberMessage) -> None:
        """R20: tell the member's accreditation workflow where its renewal stands."""
        member = workflow.get_external_workflow_handle_for(
            AccreditationWorkflow.run, accreditation_workflow_id(self._life.app.applicant.member_id)
        )
        try:
            if isinstance(message, ReaccreditationSubmitted):
                await member.signal(AccreditationWorkflow.reaccreditation_submitted, message)
            elif isinstance(message, ReaccreditationDecided):
                await member.signal(AccreditationWorkflow.reaccreditation_decided, message)
            else:
                await member.signal(AccreditationWorkflow.reaccreditation_closed, message)
        except ApplicationError as err:
            # A re-accreditation started outside a member workflow has nobody to tell.
            workflow.logger.warning("could not tell the member's workflow: %s", err)
