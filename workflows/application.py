"""One durable workflow per application: from draft, through declaration and assessment, to award.

``models.application_lifecycle`` decides what every update and deadline means; this workflow
validates updates before they reach history and waits for deadlines; ``ApplicationSteps``
carries out each step's side effects (one read-model write per event, the emails, the award,
the member's messages), and ``CpdVerificationHandlers`` adds CPD verification (R08, R16).
"""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.actions import Action
    from models.application import AssessmentDraft
    from models.application_lifecycle import ApplicationLifecycle
    from models.application_machine import FINAL_STATES
    from models.commands import (
        APPLICATION_WORKFLOW,
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
    from models.refusals import RefusalKind, refused
    from models.views import ActionResult, ApplicationView, DeclarationRequest
    from workflows.cpd_verification import CpdVerificationHandlers
    from workflows.deadlines import deadline_due
    from workflows.refusals import refuse
    from workflows.side_effects import SideEffects


workflow_id = application_workflow_id


@workflow.defn(name=APPLICATION_WORKFLOW)
class ApplicationWorkflow(CpdVerificationHandlers):
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
            timers = self._life.timers()
            due = await deadline_due(timers[0].due_at if timers else None, self._version)
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
