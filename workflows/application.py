"""One durable workflow per application: from draft, through declaration and assessment, to award.

``models.application_lifecycle`` decides what every update and deadline means; this workflow
validates updates before they reach history, waits for deadlines, and carries out each step's
side effects: one read-model write per event, the emails, the award, the member's messages.
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
    from models.application import AssessmentDraft
    from models.application_lifecycle import ApplicationLifecycle, MemberMessage
    from models.application_machine import FINAL_STATES
    from models.commands import (
        APPLICATION_WORKFLOW,
        Actor,
        AddDocument,
        AllocateAssessor,
        ApplicantAction,
        ApplicationInput,
        Decision,
        DeclarationLink,
        DeclarationResponse,
        InviteDeclarer,
        RecordAssessment,
        SaveAssessmentDraft,
        SaveDraft,
        Withdraw,
        application_workflow_id,
    )
    from models.progress import SpentLink
    from models.records import AllocationResult
    from models.refusals import RefusalKind, refused
    from models.views import ActionResult, ApplicationView, DeclarationRequest
    from workflows import activity_options as opts
    from workflows import search_attributes as sa
    from workflows.accreditation import AccreditationWorkflow
    from workflows.deadlines import deadline_due
    from workflows.refusals import refuse
    from workflows.side_effects import SideEffects


workflow_id = application_workflow_id


@workflow.defn(name=APPLICATION_WORKFLOW)
class ApplicationWorkflow:
    @workflow.init
    def __init__(self, input: ApplicationInput) -> None:
        self._input = input
        self._life = ApplicationLifecycle(input, workflow.now())
        self._lock = asyncio.Lock()
        self._effects = SideEffects()

    @workflow.run
    async def run(self, input: ApplicationInput) -> ApplicationView:
        self._begin()
        self._life.created()
        self._finish()
        while self._life.p.state not in FINAL_STATES:
            if workflow.info().is_continue_as_new_suggested():
                await self._continue_as_new()
            pending = self._life.pending()
            due = await deadline_due(pending[0].due_at if pending else None, self._version)
            if due:
                async with self._lock:
                    self._begin()
                    self._life.fire_due()
                    self._finish()
        await self._effects.settle()
        return self.view()

    def _version(self) -> int:
        return self._life.p.event_seq

    async def _continue_as_new(self) -> None:
        """Carry all state into a fresh run once every handler and side effect is done."""
        await self._effects.settle()
        workflow.continue_as_new(
            self._input.model_copy(update={"application": self._life.app, "progress": self._life.p})
        )

    # --- queries -------------------------------------------------------------------------

    @workflow.query
    def view(self) -> ApplicationView:
        """Where the application stands, what is missing and what can happen next."""
        self._life.now = workflow.now()
        return self._life.view()

    @workflow.query
    def declaration_request(self, link: DeclarationLink) -> DeclarationRequest | None:
        """What the holder of a live declaration link is asked to declare; None when the link
        is used, replaced or expired."""
        return self._life.declaration_request(link)

    @workflow.query
    def spent_link(self, link: DeclarationLink) -> SpentLink | None:
        """Why a declaration link no longer works (used, replaced, expired, or the application
        closed); None for a live link or one this application never sent."""
        return self._life.p.spent_links.get(link.token)

    @workflow.query
    def assessment_draft(self) -> AssessmentDraft | None:
        """The allocated assessor's saved, unsubmitted work (the API shows it to them alone)."""
        return self._life.p.assessment_draft

    # --- applicant -----------------------------------------------------------------------

    @workflow.update
    async def save_draft(self, cmd: SaveDraft) -> ActionResult:
        """Replace the draft sections given; nothing left out is touched (R10)."""
        async with self._lock:
            self._begin()
            self._life.save_draft(cmd)
            return self._finish()

    @save_draft.validator
    def _validate_save_draft(self, cmd: SaveDraft) -> None:
        self._check(Action.SAVE_DRAFT, cmd.actor)
        refuse(self._life.check_draft(cmd))

    @workflow.update
    async def add_document(self, cmd: AddDocument) -> ActionResult:
        """Append one uploaded document, so uploads made together never overwrite each other."""
        async with self._lock:
            self._begin()
            self._life.add_document(cmd)
            return self._finish()

    @add_document.validator
    def _validate_add_document(self, cmd: AddDocument) -> None:
        self._check(Action.ADD_DOCUMENT, cmd.actor)
        refuse(self._life.check_document(cmd))

    @workflow.update
    async def invite_declarer(self, cmd: InviteDeclarer) -> ActionResult:
        """R09: invite the manager or practice educator; a new invitation replaces the last."""
        async with self._lock:
            self._begin()
            self._life.invite_declarer(cmd, str(workflow.uuid4()))
            return self._finish()

    @invite_declarer.validator
    def _validate_invite_declarer(self, cmd: InviteDeclarer) -> None:
        self._check(Action.INVITE_DECLARER, cmd.actor)
        refuse(self._life.check_declarer(cmd))

    @workflow.update
    async def submit(self, cmd: ApplicantAction) -> ActionResult:
        """R10: submit; refused with every missing item when anything is missing."""
        return await self._submit(cmd, Action.SUBMIT)

    @submit.validator
    def _validate_submit(self, cmd: ApplicantAction) -> None:
        self._check(Action.SUBMIT, cmd.actor)

    @workflow.update
    async def resubmit(self, cmd: ApplicantAction) -> ActionResult:
        """R13: resubmit a deferred application with the further evidence asked for."""
        return await self._submit(cmd, Action.RESUBMIT)

    @resubmit.validator
    def _validate_resubmit(self, cmd: ApplicantAction) -> None:
        self._check(Action.RESUBMIT, cmd.actor)

    @workflow.update
    async def withdraw(self, cmd: Withdraw) -> ActionResult:
        """The applicant (or an officer) withdraws the application."""
        async with self._lock:
            self._begin()
            self._life.withdraw(cmd.actor, cmd.reason)
            return self._finish()

    @withdraw.validator
    def _validate_withdraw(self, cmd: Withdraw) -> None:
        self._check(Action.WITHDRAW, cmd.actor)

    # --- declarer ------------------------------------------------------------------------

    @workflow.update
    async def respond_to_declaration(self, response: DeclarationResponse) -> ActionResult:
        """R09: the declarer confirms, or declines with a reason that goes to the applicant."""
        async with self._lock:
            self._begin()
            self._life.respond(response)
            return self._finish()

    @respond_to_declaration.validator
    def _validate_respond(self, response: DeclarationResponse) -> None:
        refuse(self._life.check_link(response))

    # --- staff ---------------------------------------------------------------------------

    @workflow.update
    async def allocate_assessor(self, cmd: AllocateAssessor) -> ActionResult:
        """R12: allocate (or reallocate) an independent assessor, chosen or named by an officer."""
        async with self._lock:
            # Again: the validator saw the state before any update ahead of this one ran.
            refuse(self._life.check_replaced_assessor(cmd))
            result = await self._find_assessor(cmd.assessor_id)
            if result.assessor is None:
                refuse(refused(RefusalKind.NO_ASSESSOR, result.reason or "no assessor is free"))
            assert result.assessor is not None
            self._begin()
            self._life.allocate(result.assessor, cmd.actor, cmd.reason or None)
            return self._finish()

    @allocate_assessor.validator
    def _validate_allocate(self, cmd: AllocateAssessor) -> None:
        self._check(Action.ALLOCATE_ASSESSOR, cmd.actor)
        refuse(self._life.check_replaced_assessor(cmd))

    @workflow.update
    async def save_assessment_draft(self, cmd: SaveAssessmentDraft) -> ActionResult:
        """The allocated assessor saves unfinished work, to come back to (nothing is lost)."""
        async with self._lock:
            self._begin()
            self._life.save_assessment_draft(cmd)
            return self._finish()

    @save_assessment_draft.validator
    def _validate_save_assessment_draft(self, cmd: SaveAssessmentDraft) -> None:
        self._check(Action.SAVE_ASSESSMENT_DRAFT, cmd.actor)
        refuse(self._life.check_findings(cmd.findings, complete=None))

    @workflow.update
    async def record_assessment(self, cmd: RecordAssessment) -> ActionResult:
        """R12/R13: the allocated assessor records findings and a recommended outcome."""
        async with self._lock:
            self._begin()
            self._life.record_assessment(cmd)
            return self._finish()

    @record_assessment.validator
    def _validate_record_assessment(self, cmd: RecordAssessment) -> None:
        self._check(Action.RECORD_ASSESSMENT, cmd.actor)
        refuse(self._life.check_findings(cmd.findings, complete=cmd))

    @workflow.update
    async def verify(self, decision: Decision) -> ActionResult:
        """R11: a professional officer verifies an approved-route application."""
        return await self._decide(Action.VERIFY, decision)

    @verify.validator
    def _validate_verify(self, decision: Decision) -> None:
        self._check(Action.VERIFY, decision.actor)
        refuse(self._life.check_decision(Action.VERIFY, decision))

    @workflow.update
    async def ratify(self, decision: Decision) -> ActionResult:
        """R13: a professional officer ratifies (or overrules, with a reason) a recommendation."""
        return await self._decide(Action.RATIFY, decision)

    @ratify.validator
    def _validate_ratify(self, decision: Decision) -> None:
        self._check(Action.RATIFY, decision.actor)
        refuse(self._life.check_decision(Action.RATIFY, decision))

    # --- steps and their side effects ----------------------------------------------------

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
