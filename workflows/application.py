"""One durable workflow per application: from draft, through declaration and assessment, to award.

It holds the application, moves it through ``models.application_machine`` and asks ``models``
for every rule; activities do all I/O. Updates validate before anything reaches history.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    # pydantic's EmailStr imports these lazily; loading them here keeps them out of the sandbox.
    import email_validator  # noqa: F401
    import idna  # noqa: F401
    from pydantic import BaseModel

    from models.accreditation import (
        REACCREDITATION_CLOSED,
        REACCREDITATION_DECIDED,
        REACCREDITATION_SUBMITTED,
        AwardNotice,
        ReaccreditationClosed,
        ReaccreditationDecided,
        ReaccreditationSubmitted,
        accreditation_workflow_id,
    )
    from models.application import (
        ApplicationContent,
        Assessment,
        AssessmentDraft,
        Declaration,
        Finding,
    )
    from models.application_machine import (
        FINAL_STATES,
        ApplicationMachine,
        ApplicationState,
        available_actions,
    )
    from models.assessment import (
        assessment_problems,
        deferral_feedback_problems,
        feedback_outcome_problems,
    )
    from models.commands import (
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
    )
    from models.dates import scheme_date, term_for_award
    from models.deadlines import Deadline, DeadlineFacts, DeadlineKind, plan_deadlines
    from models.enums import ApplicationKind, DeclarationStatus, Outcome, Role, Route
    from models.errors import Problem
    from models.limits import HISTORY_KEPT, LimitKind, brief, content_problems
    from models.membership import fee_due
    from models.pathways import role_fits_pathway
    from models.permissions import refusal
    from models.progress import ApplicationProgress, SpentLink, spend_link
    from models.queues import staff_queue
    from models.readiness import readiness, role_pathway_problem
    from models.records import (
        AllocationRequest,
        AllocationResult,
        ApplicationSummary,
        Assessor,
        AuditEvent,
        Notification,
        ReadModelUpdate,
    )
    from models.views import (
        ApplicationView,
        Award,
        DeadlineView,
        DeclarationRequest,
        HistoryEntry,
    )
    from workflows import activity_options as opts
    from workflows import search_attributes as sa
    from workflows.side_effects import SideEffects

SYSTEM = Actor(id="system", role=Role.SYSTEM, name="accreditation service")


def workflow_id(application_id: str) -> str:
    """The stable workflow id of an application."""
    return f"application-{application_id}"


def _refuse(kind: str, message: str, problems: list[Problem] | None = None) -> ApplicationError:
    details = [p.model_dump() for p in problems] if problems else []
    return ApplicationError(message, *details, type=kind, non_retryable=True)


@workflow.defn(name="Application")
class ApplicationWorkflow:
    @workflow.init
    def __init__(self, input: ApplicationInput) -> None:
        self._input = input
        # Declarations only ever come through the declarer's own link (R09).
        self._app = (
            input.application
            if input.progress
            else input.application.model_copy(update={"declaration": None})
        )
        self._p = input.progress or ApplicationProgress(
            facts=DeadlineFacts(last_edited_at=workflow.now())
        )
        self._lock = asyncio.Lock()
        self._effects = SideEffects()

    @workflow.run
    async def run(self, input: ApplicationInput) -> ApplicationView:
        if self._p.event_seq == 0:
            self._record("created", self._applicant_actor(), None)
        self._upsert_search_attributes()
        while self._p.state not in FINAL_STATES:
            if workflow.info().is_continue_as_new_suggested():
                await self._continue_as_new()
            pending = self._pending_deadlines()
            seen = self._p.event_seq
            if pending and pending[0].due_at <= workflow.now():
                async with self._lock:
                    self._fire_due_deadline()
                continue
            timeout = (pending[0].due_at - workflow.now()) if pending else None
            try:
                await workflow.wait_condition(lambda: self._p.event_seq != seen, timeout=timeout)  # noqa: B023
            except TimeoutError:
                async with self._lock:
                    self._fire_due_deadline()
        await self._effects.settle()
        return self.view()

    async def _continue_as_new(self) -> None:
        """Carry all state into a fresh run once every handler and side effect is done."""
        await self._effects.settle()
        workflow.continue_as_new(
            self._input.model_copy(update={"application": self._app, "progress": self._p})
        )

    # --- queries -------------------------------------------------------------------------

    @workflow.query
    def view(self) -> ApplicationView:
        """Where the application stands, what is missing and what can happen next."""
        return ApplicationView(
            state=self._p.state.value,
            application=self._app,
            missing=self._missing(),
            allowed_actions=available_actions(self._machine()),
            deadlines=[
                DeadlineView(name=d.kind.value, due_at=d.due_at) for d in self._pending_deadlines()
            ],
            history=self._p.history,
            assessor_id=self._p.assessor.assessor_id if self._p.assessor else None,
            assessment=self._p.assessment,
            outcome=self._p.outcome,
            feedback=[f.model_dump(mode="json") for f in self._p.feedback],
            award=self._p.award,
            overdue=self._p.overdue,
            queue_reason=self._p.queue_reason,
            fee=fee_due(self._app.applicant.membership_status, self._input.non_member_fee_pence),
        )

    @workflow.query
    def declaration_request(self, link: DeclarationLink) -> DeclarationRequest | None:
        """What the holder of a live declaration link is asked to declare; None when the link
        is used, replaced or expired."""
        declaration = self._app.declaration
        if self._p.declaration_token is None or link.token != self._p.declaration_token:
            return None
        assert declaration is not None
        role = self._app.content.role_details
        return DeclarationRequest(
            application_id=self._app.application_id,
            applicant_name=self._app.applicant.name,
            pathway=self._app.pathway.value,
            kind=self._app.kind.value,
            role=role.role.value if role else None,
            job_title=role.job_title if role else None,
            employer=role.employer if role else None,
            areas_of_practice=[a.value for a in role.areas_of_practice] if role else [],
            scope_summary=role.scope_summary if role else None,
            declarer_name=declaration.declarer_name,
            declarer_role=declaration.declarer_role.value,
            expires_at=declaration.invited_at + self._input.policy.declaration_expiry,
        )

    @workflow.query
    def spent_link(self, link: DeclarationLink) -> SpentLink | None:
        """Why a declaration link no longer works (used, replaced, expired, or the application
        closed); None for a live link or one this application never sent."""
        return self._p.spent_links.get(link.token)

    # --- applicant -----------------------------------------------------------------------

    @workflow.update
    async def save_draft(self, cmd: SaveDraft) -> ApplicationView:
        """Replace the draft sections given; nothing left out is touched (R10)."""
        async with self._lock:
            changes = cmd.model_dump(exclude={"actor"}, exclude_none=True)
            content = self._app.content.model_copy(update={k: getattr(cmd, k) for k in changes})
            self._app = self._app.model_copy(update={"content": content})
            self._p.facts = self._p.facts.model_copy(update={"last_edited_at": workflow.now()})
            self._record("save_draft", cmd.actor, ", ".join(sorted(changes)) or None)
            return self.view()

    @save_draft.validator
    def _validate_save_draft(self, cmd: SaveDraft) -> None:
        self._authorise("save_draft", cmd.actor)
        self._check_action("save_draft")
        if cmd.documents is not None:
            raise _refuse(
                "Invalid",
                "documents: documents are added by uploading each one to the application",
            )
        if cmd.role_details and not role_fits_pathway(cmd.role_details.role, self._app.pathway):
            problem = role_pathway_problem(self._app)
            raise _refuse("Invalid", f"{problem.field}: {problem.message}", [problem])
        changes = cmd.model_dump(exclude={"actor"}, exclude_none=True)
        self._check_limits(
            self._app.content.model_copy(update={k: getattr(cmd, k) for k in changes})
        )

    @workflow.update
    async def add_document(self, cmd: AddDocument) -> ApplicationView:
        """Append one uploaded document, so uploads made together never overwrite each other."""
        async with self._lock:
            content = self._app.content
            if content.document(cmd.document.document_id) is None:
                content = content.model_copy(
                    update={"documents": [*content.documents, cmd.document]}
                )
                self._app = self._app.model_copy(update={"content": content})
                self._p.facts = self._p.facts.model_copy(update={"last_edited_at": workflow.now()})
                self._record("add_document", cmd.actor, cmd.document.kind.value)
            return self.view()

    @add_document.validator
    def _validate_add_document(self, cmd: AddDocument) -> None:
        self._authorise("add_document", cmd.actor)
        self._check_action("save_draft")
        content = self._app.content
        if content.document(cmd.document.document_id) is None:
            self._check_limits(
                content.model_copy(update={"documents": [*content.documents, cmd.document]})
            )

    @workflow.update
    async def invite_declarer(self, cmd: InviteDeclarer) -> ApplicationView:
        """R09: invite the manager or practice educator; a new invitation replaces the last."""
        async with self._lock:
            now = workflow.now()
            self._app = self._app.model_copy(
                update={
                    "declaration": Declaration(
                        declarer_name=cmd.declarer_name,
                        declarer_email=cmd.declarer_email,
                        declarer_role=cmd.declarer_role,
                        invited_at=now,
                    )
                }
            )
            spend_link(self._p, SpentLink.REPLACED)
            self._p.declaration_token = str(workflow.uuid4())
            self._p.facts = self._p.facts.model_copy(
                update={"invited_at": now, "invitation_seq": self._p.facts.invitation_seq + 1}
            )
            self._transition("invite_declarer", cmd.actor)
            self._notify_declarer("declaration_invitation")
            return self.view()

    @invite_declarer.validator
    def _validate_invite_declarer(self, cmd: InviteDeclarer) -> None:
        self._authorise("invite_declarer", cmd.actor)
        self._check_action("invite_declarer")
        if cmd.declarer_email.lower() == self._app.applicant.email.lower():
            raise _refuse(
                "Invalid",
                "declarer_email: the declaration must come from your manager or "
                "practice educator, not from you",
            )

    @workflow.update
    async def submit(self, cmd: ApplicantAction) -> ApplicationView:
        """R10: submit; refused with every missing item when anything is missing."""
        async with self._lock:
            self._p.submitted_at = workflow.now()
            self._transition("submit", cmd.actor)
            self._notify_applicant("submission_receipt")
            await self._route()
            return self.view()

    @submit.validator
    def _validate_submit(self, cmd: ApplicantAction) -> None:
        self._authorise("submit", cmd.actor)
        self._check_ready("submit")

    @workflow.update
    async def resubmit(self, cmd: ApplicantAction) -> ApplicationView:
        """R13: resubmit a deferred application with the further evidence asked for."""
        async with self._lock:
            self._p.submitted_at = workflow.now()
            self._transition("resubmit", cmd.actor)
            self._notify_applicant("submission_receipt")
            await self._route()
            return self.view()

    @resubmit.validator
    def _validate_resubmit(self, cmd: ApplicantAction) -> None:
        self._authorise("resubmit", cmd.actor)
        self._check_ready("resubmit")

    @workflow.update
    async def withdraw(self, cmd: Withdraw) -> ApplicationView:
        """The applicant (or an officer) withdraws the application."""
        async with self._lock:
            self._transition("withdraw", cmd.actor, cmd.reason or None)
            self._notify_applicant("application_closed", reason=cmd.reason or "withdrawn")
            return self.view()

    @withdraw.validator
    def _validate_withdraw(self, cmd: Withdraw) -> None:
        self._authorise("withdraw", cmd.actor)
        self._check_action("withdraw")

    # --- declarer ------------------------------------------------------------------------

    @workflow.update
    async def respond_to_declaration(self, response: DeclarationResponse) -> ApplicationView:
        """R09: the declarer confirms, or declines with a reason that goes to the applicant."""
        async with self._lock:
            declaration = self._app.declaration
            assert declaration is not None  # the validator checked the token
            status = DeclarationStatus.CONFIRMED if response.confirm else DeclarationStatus.DECLINED
            self._app = self._app.model_copy(
                update={
                    "declaration": declaration.model_copy(
                        update={
                            "status": status,
                            "responded_at": workflow.now(),
                            "reason": response.reason,
                        }
                    )
                }
            )
            spend_link(self._p, SpentLink.USED)
            actor = Actor(
                id=str(declaration.declarer_email),
                role=Role.DECLARER,
                name=declaration.declarer_name,
            )
            trigger = "confirm_declaration" if response.confirm else "decline_declaration"
            self._transition(trigger, actor, response.reason)
            if not response.confirm:
                self._notify_applicant(
                    "declaration_declined",
                    declarer_name=declaration.declarer_name,
                    reason=response.reason or "",
                )
            return self.view()

    @respond_to_declaration.validator
    def _validate_respond(self, response: DeclarationResponse) -> None:
        if self._p.declaration_token is None or response.token != self._p.declaration_token:
            raise _refuse(
                "LinkUsed",
                "this declaration link has been used or has expired; ask the applicant to send "
                "a new invitation",
            )
        self._check_action("respond_to_declaration")

    # --- staff ---------------------------------------------------------------------------

    @workflow.update
    async def allocate_assessor(self, cmd: AllocateAssessor) -> ApplicationView:
        """R12: allocate (or reallocate) an independent assessor, chosen or named by an officer."""
        async with self._lock:
            explicit = workflow.patched("explicit-allocation")
            if explicit:
                # The validator saw the state before any update ahead of this one ran.
                self._check_replaced_assessor(cmd)
            result = await self._find_assessor(cmd.assessor_id)
            if result.assessor is None:
                raise _refuse("NoAssessor", result.reason or "no assessor is available")
            released = self._p.assessor
            self._set_assessor(result.assessor, cmd.actor, cmd.reason or None)
            if explicit and released and released.assessor_id != result.assessor.assessor_id:
                self._notify(
                    "assessor_released", str(released.email), released.name,
                    assessor_name=released.name,
                )  # fmt: skip
            return self.view()

    @allocate_assessor.validator
    def _validate_allocate(self, cmd: AllocateAssessor) -> None:
        self._authorise("allocate_assessor", cmd.actor)
        self._check_action("allocate_assessor")
        self._check_replaced_assessor(cmd)

    def _check_replaced_assessor(self, cmd: AllocateAssessor) -> None:
        current = self._p.assessor.assessor_id if self._p.assessor else None
        if cmd.replaces_assessor_id != current:
            raise _refuse(
                "Conflict",
                f"replaces_assessor_id: the application is allocated to {current or 'nobody'}, "
                f"not {cmd.replaces_assessor_id or 'nobody'}; look again before allocating",
            )

    @workflow.update
    async def record_assessment(self, cmd: RecordAssessment) -> ApplicationView:
        """R12/R13: the allocated assessor records findings and a recommended outcome."""
        async with self._lock:
            assert self._p.assessor is not None
            self._p.assessment = Assessment(
                assessor_id=self._p.assessor.assessor_id,
                findings=cmd.findings,
                recommended_outcome=cmd.recommended_outcome,
                summary=cmd.summary,
                recorded_at=workflow.now(),
            )
            self._p.overdue = False
            self._p.assessment_draft = None
            self._transition(
                "record_assessment", cmd.actor, f"recommends {cmd.recommended_outcome.value}"
            )
            return self.view()

    @workflow.update
    async def save_assessment_draft(self, cmd: SaveAssessmentDraft) -> ApplicationView:
        """The allocated assessor saves unfinished work, to come back to (nothing is lost)."""
        async with self._lock:
            assert self._p.assessor is not None
            self._p.assessment_draft = AssessmentDraft(
                assessor_id=self._p.assessor.assessor_id,
                findings=cmd.findings,
                recommended_outcome=cmd.recommended_outcome,
                summary=cmd.summary,
                saved_at=workflow.now(),
            )
            self._record("assessment_draft_saved", cmd.actor, None)
            return self.view()

    @save_assessment_draft.validator
    def _validate_save_assessment_draft(self, cmd: SaveAssessmentDraft) -> None:
        self._authorise("record_assessment", cmd.actor)
        self._check_action("record_assessment")
        problems = feedback_outcome_problems(cmd.findings, self._input.catalogue)
        if problems:
            raise _refuse("Invalid", _listing("the findings are not valid", problems), problems)

    @workflow.query
    def assessment_draft(self) -> AssessmentDraft | None:
        """The allocated assessor's saved, unsubmitted work (for them alone: the API shows it
        only to that assessor)."""
        return self._p.assessment_draft

    @record_assessment.validator
    def _validate_record_assessment(self, cmd: RecordAssessment) -> None:
        self._authorise("record_assessment", cmd.actor)
        self._check_action("record_assessment")
        problems = assessment_problems(cmd.findings, cmd.recommended_outcome, self._input.catalogue)
        if problems:
            raise _refuse("Invalid", _listing("the assessment is incomplete", problems), problems)

    @workflow.update
    async def verify(self, decision: Decision) -> ApplicationView:
        """R11: a professional officer verifies an approved-route application."""
        async with self._lock:
            assert decision.outcome is not None
            await self._decide(decision.outcome, decision)
            return self.view()

    @verify.validator
    def _validate_verify(self, decision: Decision) -> None:
        self._authorise("verify", decision.actor)
        self._check_action("verify")
        if decision.outcome is None:
            raise _refuse("Invalid", "outcome: verification needs an outcome")
        self._check_decision(decision.outcome, decision)

    @workflow.update
    async def ratify(self, decision: Decision) -> ApplicationView:
        """R13: a professional officer ratifies (or overrules, with a reason) a recommendation."""
        async with self._lock:
            assert self._p.assessment is not None
            await self._decide(decision.outcome or self._p.assessment.recommended_outcome, decision)
            return self.view()

    @ratify.validator
    def _validate_ratify(self, decision: Decision) -> None:
        self._authorise("ratify", decision.actor)
        self._check_action("ratify")
        assert self._p.assessment is not None
        recommended = self._p.assessment.recommended_outcome
        outcome = decision.outcome or recommended
        if outcome != recommended and not decision.reason.strip():
            raise _refuse(
                "Invalid",
                f"reason: overruling the assessor's recommendation ({recommended.value}) "
                "needs a reason",
            )
        self._check_decision(outcome, decision)

    # --- the steps behind the handlers ---------------------------------------------------

    async def _route(self) -> None:
        """R11/R12: approved route to verification, the rest to an assessor."""
        self._transition("route", SYSTEM)
        if self._p.state == ApplicationState.IN_ASSESSMENT:
            assert self._p.assessor is not None
            self._start_assessment_clock()
            self._notify_assessor("assessor_allocated")
        elif self._p.state == ApplicationState.AWAITING_ALLOCATION:
            result = await self._find_assessor(None)
            if result.assessor is not None:
                self._set_assessor(result.assessor, SYSTEM, None)
            else:
                self._p.queue_reason = result.reason
                self._record("allocation_needed", SYSTEM, result.reason)
                self._notify_officers("allocation_needed", reason=result.reason or "")

    async def _find_assessor(self, assessor_id: str | None) -> AllocationResult:
        role = self._app.content.role_details
        current = [self._p.assessor.assessor_id] if self._p.assessor and assessor_id is None else []
        request = AllocationRequest(
            application_id=self._app.application_id,
            applicant_member_id=self._app.applicant.member_id,
            applicant_employer=role.employer if role else self._app.applicant.employer,
            areas_of_practice=role.areas_of_practice if role else [],
            exclude_assessor_ids=current,
            requested_assessor_id=assessor_id,
        )
        result: AllocationResult = await workflow.execute_activity(
            opts.ALLOCATE_ASSESSOR,
            request,
            result_type=AllocationResult,
            start_to_close_timeout=opts.START_TO_CLOSE,
            retry_policy=opts.RETRY,
        )
        return result

    def _set_assessor(self, assessor: Assessor, actor: Actor, reason: str | None) -> None:
        if self._p.assessor is None or self._p.assessor.assessor_id != assessor.assessor_id:
            self._p.assessment_draft = None
        self._p.assessor = assessor
        self._p.queue_reason = None
        self._p.overdue = False
        self._start_assessment_clock()
        self._transition("allocate", actor, reason or f"allocated to {assessor.assessor_id}")
        self._notify_assessor("assessor_allocated")

    def _start_assessment_clock(self) -> None:
        self._p.facts = self._p.facts.model_copy(
            update={
                "allocated_at": workflow.now(),
                "allocation_seq": self._p.facts.allocation_seq + 1,
            }
        )

    async def _decide(self, outcome: Outcome, decision: Decision) -> None:
        self._p.outcome = outcome
        if outcome == Outcome.ACCREDITED:
            self._grant_award(decision)
        elif outcome == Outcome.DEFERRED:
            self._p.feedback = decision.feedback or (
                self._p.assessment.findings if self._p.assessment else []
            )
            self._p.facts = self._p.facts.model_copy(update={"deferred_at": workflow.now()})
            self._transition("defer", decision.actor, decision.reason or None)
            resubmit_by = workflow.now() + self._input.policy.deferral_window
            self._notify_applicant(
                "deferral",
                feedback=_feedback_text(self._p.feedback),
                resubmit_by=scheme_date(resubmit_by).isoformat(),
                reason=decision.reason,
            )
        else:
            self._transition("refuse", decision.actor, decision.reason or None)
            self._notify_applicant("outcome_not_accredited", reason=decision.reason)

    def _grant_award(self, decision: Decision) -> None:
        """R14/R20: compute the term and hand the award to the member's accreditation workflow,
        which keeps the register (R19) and the term from then on."""
        now = workflow.now()
        today = scheme_date(now)
        accredited_from, expires_on = term_for_award(
            today,
            self._input.previous_expires_on,
            submitted_on=scheme_date(self._p.submitted_at) if self._p.submitted_at else None,
            keep_current_while_pending=self._input.policy.keep_current_while_reaccreditation_pending,
        )
        self._p.award = Award(
            awarded_on=today, accredited_from=accredited_from, expires_on=expires_on
        )
        self._transition("award", decision.actor, decision.reason or None)
        role = self._app.content.role_details
        assert role is not None  # readiness required it before submission
        notice = AwardNotice(
            application_id=self._app.application_id,
            kind=self._app.kind,
            member=self._app.applicant,
            pathway=self._app.pathway,
            role=role.role,
            areas_of_practice=role.areas_of_practice,
            scope_summary=role.scope_summary,
            job_title=role.job_title,
            employer=role.employer,
            levels_held=[q.fheq_level for q in self._app.content.qualifications],
            awarded_on=today,
            accredited_from=accredited_from,
            expires_on=expires_on,
        )
        if self._app.kind == ApplicationKind.REACCREDITATION:
            self._tell_member(
                REACCREDITATION_DECIDED,
                ReaccreditationDecided(
                    application_id=self._app.application_id,
                    outcome=Outcome.ACCREDITED,
                    decided_at=now,
                    award=notice,
                ),
            )
        else:
            self._effects.activity(opts.RECORD_AWARD, notice)
        self._notify_applicant(
            "outcome_accredited",
            accredited_from=accredited_from.isoformat(),
            expires_on=expires_on.isoformat(),
        )

    def _fire_due_deadline(self) -> None:
        """Fire the earliest deadline if it is still planned and due (it may have moved)."""
        pending = self._pending_deadlines()
        if not pending or pending[0].due_at > workflow.now():
            return
        deadline = pending[0]
        self._p.fired.append(deadline.key)
        self._on_deadline(deadline)

    def _on_deadline(self, deadline: Deadline) -> None:
        kind = deadline.kind
        if kind == DeadlineKind.DECLARATION_REMINDER:
            self._record("declaration_reminder", SYSTEM, None)
            self._notify_declarer("declaration_reminder")
        elif kind == DeadlineKind.DECLARATION_EXPIRY:
            declaration = self._app.declaration
            assert declaration is not None
            self._app = self._app.model_copy(
                update={
                    "declaration": declaration.model_copy(
                        update={"status": DeclarationStatus.EXPIRED}
                    )
                }
            )
            spend_link(self._p, SpentLink.EXPIRED)
            self._transition("expire_declaration", SYSTEM, "the declarer did not respond in time")
            self._notify_applicant("declaration_expired", declarer_name=declaration.declarer_name)
        elif kind == DeadlineKind.ASSESSOR_REMINDER:
            self._record("assessor_reminder", SYSTEM, None)
            self._notify_assessor("assessor_reminder")
        elif kind == DeadlineKind.ASSESSMENT_OVERDUE:
            self._p.overdue = True
            self._record("assessment_overdue", SYSTEM, "assessor service level exceeded")
            self._notify_officers(
                "assessment_overdue",
                assessor_name=self._p.assessor.name if self._p.assessor else "",
            )
        elif kind == DeadlineKind.DEFERRAL_LAPSE:
            reason = "the deferral window ended without a resubmission"
            self._transition("close", SYSTEM, reason)
            self._notify_applicant("application_closed", reason=reason)
        elif kind == DeadlineKind.DRAFT_IDLE_WARNING:
            close_at = self._pending_deadlines()
            self._record("draft_closing_notice", SYSTEM, None)
            self._notify_applicant(
                "draft_closing",
                closes_on=scheme_date(close_at[0].due_at).isoformat() if close_at else "",
            )
        else:
            reason = "the draft was not edited for too long"
            self._transition("close", SYSTEM, reason)
            self._notify_applicant("application_closed", reason=reason)

    # --- state machine, checks and validation helpers ------------------------------------

    def is_ready(self) -> bool:
        return not self._missing()

    def is_approved_route(self) -> bool:
        return self._app.route == Route.APPROVED

    def has_assessor(self) -> bool:
        return self._p.assessor is not None

    def _machine(self) -> ApplicationMachine:
        return ApplicationMachine(self._p.state, self)

    def _missing(self) -> list[Problem]:
        return readiness(self._app, self._input.catalogue, scheme_date(workflow.now()))

    def _transition(self, trigger: str, actor: Actor, reason: str | None = None) -> None:
        before = self._p.state
        self._p.state = self._machine().fire(trigger)
        self._p.history.append(
            HistoryEntry(
                at=workflow.now(),
                actor_id=actor.id,
                actor_role=actor.role,
                action=trigger,
                from_state=before.value,
                to_state=self._p.state.value,
                reason=brief(reason),
            )
        )
        del self._p.history[:-HISTORY_KEPT]
        if self._p.state in FINAL_STATES:
            spend_link(self._p, SpentLink.CLOSED)
        self._record(trigger, actor, reason, from_state=before)
        self._upsert_search_attributes()
        if self._app.kind == ApplicationKind.REACCREDITATION:
            self._report_reaccreditation(trigger, reason)

    def _upsert_search_attributes(self) -> None:
        """What an operator filters by in the Temporal UI, upserted where it changed."""
        app, assessor = self._app, self._p.assessor
        sa.upsert_changed(
            sa.change(sa.APPLICATION_STATE, self._p.state.value),
            sa.change(sa.PATHWAY, app.pathway.value),
            sa.change(sa.ROUTE, app.route.value if app.route else None),
            sa.change(sa.APPLICATION_KIND, app.kind.value),
            sa.change(sa.ASSESSOR_ID, assessor.assessor_id if assessor else None),
            sa.change(sa.MEMBER_ID, app.applicant.member_id),
        )

    def _authorise(self, action: str, actor: Actor) -> None:
        reason = refusal(
            action,
            actor,
            applicant_member_id=self._app.applicant.member_id,
            assessor_id=self._p.assessor.assessor_id if self._p.assessor else None,
        )
        if reason:
            raise _refuse("Forbidden", reason)

    def _check_action(self, action: str) -> None:
        available = available_actions(self._machine())
        if action not in available:
            raise ApplicationError(
                f"'{action}' is not allowed while the application is {self._p.state.value}; "
                f"allowed now: {', '.join(available) or 'none'}",
                {"allowed_actions": available},
                type="InvalidTransition",
                non_retryable=True,
            )

    def _check_limits(self, content: ApplicationContent) -> None:
        found = content_problems(content, self._input.catalogue, self._input.policy.limits)
        if found:
            kind, problems = found
            refusal_type = "TooLarge" if kind == LimitKind.TOO_LARGE else "Invalid"
            raise _refuse(
                refusal_type, _listing("the application would be too large", problems), problems
            )

    def _check_ready(self, trigger: str) -> None:
        expected = ApplicationState.DEFERRED if trigger == "resubmit" else ApplicationState.DRAFT
        if self._p.state != expected:
            self._check_action(trigger)
        problems = self._missing()
        if problems:
            raise _refuse("NotReady", _listing("the application is not ready", problems), problems)

    def _check_decision(self, outcome: Outcome, decision: Decision) -> None:
        problems = feedback_outcome_problems(decision.feedback, self._input.catalogue)
        if problems:
            raise _refuse("Invalid", _listing("the feedback is not valid", problems), problems)
        if outcome == Outcome.DEFERRED:
            feedback = decision.feedback or (
                self._p.assessment.findings if self._p.assessment else []
            )
            problems = deferral_feedback_problems(feedback)
            if problems:
                raise _refuse(
                    "Invalid", _listing("the deferral needs feedback", problems), problems
                )
        if outcome == Outcome.NOT_ACCREDITED and not decision.reason.strip():
            raise _refuse("Invalid", "reason: say why the application is not accredited")

    def _pending_deadlines(self) -> list[Deadline]:
        plan = plan_deadlines(self._p.state, self._p.facts, self._input.policy)
        return [d for d in plan if d.key not in self._p.fired]

    def _applicant_actor(self) -> Actor:
        applicant = self._app.applicant
        return Actor(id=applicant.member_id, role=Role.APPLICANT, name=applicant.name)

    # --- side effects (activities), started in order and awaited before the end ----------

    def _record(
        self,
        action: str,
        actor: Actor,
        reason: str | None,
        *,
        from_state: ApplicationState | None = None,
    ) -> None:
        """Audit the event and refresh the read-model row (R19 read side, staff queues)."""
        if self._p.event_seq == 0 and action != "created":
            # An update can be handled before ``run`` starts: the application exists first.
            self._record("created", self._applicant_actor(), None)
        self._p.event_seq += 1
        now = workflow.now()
        workflow.logger.info(
            "application %s: %s by %s %s, now %s%s",
            self._app.application_id,
            action,
            actor.role.value,
            actor.id,
            self._p.state.value,
            f" ({reason})" if reason else "",
        )
        app = self._app
        role = app.content.role_details
        pending = self._pending_deadlines()
        summary = ApplicationSummary(
            application_id=app.application_id,
            member_id=app.applicant.member_id,
            applicant_name=app.applicant.name,
            registration_number=app.applicant.registration_number,
            pathway=app.pathway,
            route=app.route,
            kind=app.kind,
            state=self._p.state.value,
            areas_of_practice=role.areas_of_practice if role else [],
            assessor_id=self._p.assessor.assessor_id if self._p.assessor else None,
            queue=staff_queue(self._p.state, overdue=self._p.overdue),
            due_at=pending[0].due_at if pending else None,
            submitted_at=self._p.submitted_at,
            updated_at=now,
            version=self._p.event_seq,
        )
        event = AuditEvent(
            event_id=f"{app.application_id}:{self._p.event_seq}",
            application_id=app.application_id,
            actor_id=actor.id,
            actor_role=actor.role,
            action=action,
            from_state=(from_state or self._p.state).value,
            to_state=self._p.state.value,
            reason=reason,
            at=now,
            sequence=self._p.event_seq,
        )
        self._effects.activity(
            opts.RECORD_APPLICATION_EVENT, ReadModelUpdate(summary=summary, event=event)
        )

    def _notify(self, template: str, to_email: str, to_name: str, **context: str | None) -> None:
        app = self._app
        base = {
            "applicant_name": app.applicant.name,
            "application_id": app.application_id,
            "pathway": app.pathway.value,
            "kind": app.kind.value,
        }
        base.update({k: v or "" for k, v in context.items()})
        notification = Notification(
            key=f"{app.application_id}:{self._p.event_seq}:{template}:{to_email}",
            template=template,
            to_email=to_email,
            to_name=to_name,
            context=base,
        )
        self._effects.activity(opts.SEND_NOTIFICATION, notification)

    def _notify_applicant(self, template: str, **context: str | None) -> None:
        applicant = self._app.applicant
        self._notify(template, str(applicant.email), applicant.name, **context)

    def _notify_declarer(self, template: str) -> None:
        declaration = self._app.declaration
        assert declaration is not None and self._p.declaration_token is not None
        expires_at = declaration.invited_at + self._input.policy.declaration_expiry
        self._notify(
            template,
            str(declaration.declarer_email),
            declaration.declarer_name,
            declarer_name=declaration.declarer_name,
            link=f"{self._input.declaration_link_base}/{self._app.application_id}/"
            f"{self._p.declaration_token}",
            expires_on=scheme_date(expires_at).isoformat(),
        )

    def _notify_assessor(self, template: str) -> None:
        assessor = self._p.assessor
        assert assessor is not None
        due = self._pending_deadlines()
        overdue_at = [d for d in due if d.kind == DeadlineKind.ASSESSMENT_OVERDUE]
        self._notify(
            template,
            str(assessor.email),
            assessor.name,
            assessor_name=assessor.name,
            due_on=scheme_date(overdue_at[0].due_at).isoformat() if overdue_at else "",
        )

    def _notify_officers(self, template: str, **context: str | None) -> None:
        self._notify(template, str(self._input.officers_email), "Professional Officers", **context)

    def _report_reaccreditation(self, trigger: str, reason: str | None) -> None:
        """R20: keep the member's accreditation workflow told where its renewal stands (the
        award itself is reported with its notice)."""
        app_id, now = self._app.application_id, workflow.now()
        if trigger in ("submit", "resubmit"):
            self._tell_member(
                REACCREDITATION_SUBMITTED,
                ReaccreditationSubmitted(application_id=app_id, submitted_at=now),
            )
        elif trigger in ("defer", "refuse"):
            outcome = Outcome.DEFERRED if trigger == "defer" else Outcome.NOT_ACCREDITED
            self._tell_member(
                REACCREDITATION_DECIDED,
                ReaccreditationDecided(application_id=app_id, outcome=outcome, decided_at=now),
            )
        elif trigger in ("withdraw", "close"):
            self._tell_member(
                REACCREDITATION_CLOSED,
                ReaccreditationClosed(application_id=app_id, closed_at=now, reason=reason or ""),
            )

    def _tell_member(self, signal: str, message: BaseModel) -> None:
        self._effects.task(self._signal_member(signal, message))

    async def _signal_member(self, signal: str, message: BaseModel) -> None:
        member_workflow = accreditation_workflow_id(self._app.applicant.member_id)
        try:
            await workflow.get_external_workflow_handle(member_workflow).signal(signal, message)
        except ApplicationError as err:
            # A re-accreditation started outside a member workflow has nobody to tell.
            workflow.logger.warning("could not tell %s about %s: %s", member_workflow, signal, err)


def _listing(prefix: str, problems: list[Problem]) -> str:
    return f"{prefix}: " + "; ".join(f"{p.field}: {p.message}" for p in problems)


def _feedback_text(feedback: list[Finding]) -> str:
    return "\n".join(
        f"- {f.outcome_code} ({f.level.value.replace('_', ' ')}): {f.comment}" for f in feedback
    )
