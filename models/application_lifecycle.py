"""How an application changes, from draft to award (R09-R14, R20, R21).

``ApplicationLifecycle`` holds one application and its ``ApplicationProgress``. Each event (an
update, a found assessor, a deadline) changes them in place and answers a ``Step``: the audit
rows, the emails, the award and the messages for the member's accreditation workflow, and
whether an assessor must be found. Each ``check_*`` says why a request would be refused
(a ``Refusal``), or ``None``. The workflow orchestrates; every rule is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from models.accreditation import (
    AwardNotice,
    ReaccreditationClosed,
    ReaccreditationDecided,
    ReaccreditationSubmitted,
)
from models.actions import Action
from models.allocation import allocation_request
from models.application import (
    Application,
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
    SYSTEM,
    Actor,
    AddDocument,
    AllocateAssessor,
    ApplicationInput,
    Decision,
    DeclarationLink,
    DeclarationResponse,
    InviteDeclarer,
    RecordAssessment,
    SaveAssessmentDraft,
    SaveDraft,
)
from models.coverage import coverage
from models.cpd_steps import CpdVerificationSteps
from models.cpd_verification import CpdDeadline, carry_verifications
from models.dates import scheme_date, term_for_award
from models.deadlines import Deadline, DeadlineFacts, DeadlineKind, plan_deadlines
from models.enums import ApplicationKind, DeclarationStatus, Outcome, Role, Route
from models.errors import Problem
from models.limits import HISTORY_KEPT, LimitKind, brief, content_problems
from models.membership import fee_due
from models.pathways import role_fits_pathway
from models.permissions import refusal as permission_refusal
from models.progress import ApplicationProgress, SpentLink, spend_link
from models.queues import staff_queue
from models.readiness import readiness, role_pathway_problem
from models.records import (
    AllocationRequest,
    ApplicationSummary,
    Assessor,
    AuditEvent,
    Notification,
    ReadModelUpdate,
)
from models.refusals import Refusal, RefusalKind, field_refusal, not_allowed, refused
from models.templates import Template
from models.views import (
    ActionResult,
    ApplicationView,
    Award,
    DeadlineView,
    DeclarationRequest,
    HistoryEntry,
)

_ALLOWED_AS = {
    Action.ADD_DOCUMENT: Action.SAVE_DRAFT,
    Action.SAVE_ASSESSMENT_DRAFT: Action.RECORD_ASSESSMENT,
    Action.REQUEST_CPD_VERIFICATION: Action.SAVE_DRAFT,
    Action.RESPOND_TO_CPD_VERIFICATION: Action.SAVE_DRAFT,
    Action.MARK_CPD_VERIFIED: Action.SAVE_DRAFT,
}
"""Actions allowed whenever another is: uploads while the draft is editable, and so on."""

MemberMessage = ReaccreditationSubmitted | ReaccreditationDecided | ReaccreditationClosed


@dataclass
class Step:
    """What one event changed, for the workflow to carry out."""

    events: list[AuditEvent] = field(default_factory=list)
    emails: list[Notification] = field(default_factory=list)
    award: AwardNotice | None = None
    member_messages: list[MemberMessage] = field(default_factory=list)
    find_assessor: AllocationRequest | None = None
    """Ask the allocation activity, then hand its answer to ``assessor_found``."""


class ApplicationLifecycle(CpdVerificationSteps):
    """The rules over one application and its progress (both changed in place); CPD
    verification's events are in ``CpdVerificationSteps``."""

    def __init__(self, input: ApplicationInput, now: datetime) -> None:
        self.input = input
        # Declarations only ever come through the declarer's own link (R09), CPD
        # verifications through a verifier's link or a trusted service (R08, R16).
        self.app = input.application if input.progress else _as_started(input.application)
        self.p = input.progress or ApplicationProgress(facts=DeadlineFacts(last_edited_at=now))
        self.machine = ApplicationMachine(self.p.state, self)
        self._missing: tuple[Application, date, list[Problem]] | None = None
        self.now = now
        self.step = Step()

    # --- the machine's conditions --------------------------------------------------------

    def is_ready(self) -> bool:
        return not self.missing()

    def is_approved_route(self) -> bool:
        return self.app.route == Route.APPROVED

    def has_assessor(self) -> bool:
        return self.p.assessor is not None

    # --- answers -------------------------------------------------------------------------

    def missing(self) -> list[Problem]:
        """R10: what is still needed before submission (computed once per change and day)."""
        today = scheme_date(self.now)
        cached = self._missing
        if cached is None or cached[0] is not self.app or cached[1] != today:
            found = readiness(self.app, self.input.catalogue, today, policy=self.input.policy)
            cached = (self.app, today, found)
            self._missing = cached
        return cached[2]

    def allowed(self) -> list[Action]:
        return available_actions(self.machine)

    def result(self) -> ActionResult:
        return ActionResult(
            application_id=self.app.application_id,
            state=self.p.state.value,
            allowed_actions=list(self.allowed()),
            missing=self.missing(),
            version=self.p.event_seq,
            assessor_id=self.p.assessor.assessor_id if self.p.assessor else None,
        )

    def view(self) -> ApplicationView:
        p = self.p
        return ApplicationView(
            state=p.state.value,
            application=self.app,
            missing=self.missing(),
            allowed_actions=list(self.allowed()),
            deadlines=[DeadlineView(name=d.kind.value, due_at=d.due_at) for d in self.timers()],
            history=p.history,
            assessor_id=p.assessor.assessor_id if p.assessor else None,
            assessment=p.assessment,
            outcome=p.outcome,
            feedback=[f.model_dump(mode="json") for f in p.feedback],
            award=p.award,
            overdue=p.overdue,
            queue_reason=p.queue_reason,
            fee=fee_due(self.app.applicant.membership_status, self.input.non_member_fee_pence),
            coverage=coverage(
                self.app, self.input.catalogue, scheme_date(self.now), policy=self.input.policy
            ),
        )

    def declaration_request(self, link: DeclarationLink) -> DeclarationRequest | None:
        """What a live link's holder is asked to declare; None for a spent or unknown link."""
        declaration = self.app.declaration
        if self.p.declaration_token is None or link.token != self.p.declaration_token:
            return None
        assert declaration is not None
        role = self.app.content.role_details
        return DeclarationRequest(
            application_id=self.app.application_id,
            applicant_name=self.app.applicant.name,
            pathway=self.app.pathway.value,
            kind=self.app.kind.value,
            role=role.role.value if role else None,
            job_title=role.job_title if role else None,
            employer=role.employer if role else None,
            areas_of_practice=[a.value for a in role.areas_of_practice] if role else [],
            scope_summary=role.scope_summary if role else None,
            declarer_name=declaration.declarer_name,
            declarer_role=declaration.declarer_role.value,
            expires_at=declaration.invited_at + self.input.policy.declaration_expiry,
        )

    def pending(self) -> list[Deadline]:
        """The planned deadlines not fired yet, earliest first."""
        plan = plan_deadlines(self.p.state, self.p.facts, self.input.policy)
        return [d for d in plan if d.key not in self.p.fired]

    def timers(self) -> list[Deadline | CpdDeadline]:
        """Every deadline the workflow waits for, earliest first: the application's and its
        CPD verification requests' (ties: the application's first)."""
        both: list[Deadline | CpdDeadline] = [*self.pending(), *self.cpd_pending()]
        return sorted(both, key=lambda d: d.due_at)

    def read_model(self) -> ReadModelUpdate:
        """The staff read-model row as things stand, with the step's audit rows."""
        app, p = self.app, self.p
        role = app.content.role_details
        pending = self.pending()
        summary = ApplicationSummary(
            application_id=app.application_id,
            member_id=app.applicant.member_id,
            applicant_name=app.applicant.name,
            registration_number=app.applicant.registration_number,
            pathway=app.pathway,
            route=app.route,
            kind=app.kind,
            state=p.state.value,
            areas_of_practice=role.areas_of_practice if role else [],
            assessor_id=p.assessor.assessor_id if p.assessor else None,
            queue=staff_queue(p.state, overdue=p.overdue),
            due_at=pending[0].due_at if pending else None,
            submitted_at=p.submitted_at,
            updated_at=self.now,
            version=p.event_seq,
        )
        return ReadModelUpdate(summary=summary, events=self.step.events)

    def begin(self, now: datetime) -> None:
        """Start a new step at ``now``: each event's changes are collected afresh."""
        self.now = now
        self.step = Step()

    # --- checks (validators) -------------------------------------------------------------

    def check(self, action: Action, actor: Actor) -> Refusal | None:
        """Whether ``actor`` may take ``action`` now: role and ownership, then the state."""
        reason = permission_refusal(
            action,
            actor,
            applicant_member_id=self.app.applicant.member_id,
            assessor_id=self.p.assessor.assessor_id if self.p.assessor else None,
        )
        if reason:
            return refused(RefusalKind.FORBIDDEN, reason)
        return self.check_state(_ALLOWED_AS.get(action, action))

    def check_state(self, action: Action) -> Refusal | None:
        """Whether the state allows ``action`` now (R10: submission only when ready)."""
        allowed = self.allowed()
        if _ALLOWED_AS.get(action, action) in allowed:
            return None
        if action in (Action.SUBMIT, Action.RESUBMIT):
            expected = (
                ApplicationState.DEFERRED if action == Action.RESUBMIT else ApplicationState.DRAFT
            )
            if self.p.state == expected and self.missing():
                return refused(
                    RefusalKind.NOT_READY, "the application is not ready", self.missing()
                )
        return not_allowed(action.value, self.p.state.value, allowed)

    def check_draft(self, cmd: SaveDraft) -> Refusal | None:
        if cmd.documents is not None:
            return field_refusal(
                RefusalKind.INVALID,
                "documents",
                "documents are added by uploading each one to the application",
                rule="R10",
            )
        if cmd.role_details and not role_fits_pathway(cmd.role_details.role, self.app.pathway):
            problem = role_pathway_problem(self.app)
            return Refusal(
                kind=RefusalKind.INVALID,
                message=f"{problem.field}: {problem.message}",
                problems=[problem],
            )
        return self._limits(self._drafted(cmd))

    def check_document(self, cmd: AddDocument) -> Refusal | None:
        content = self.app.content
        if content.document(cmd.document.document_id) is not None:
            return None
        return self._limits(
            content.model_copy(update={"documents": [*content.documents, cmd.document]})
        )

    def check_declarer(self, cmd: InviteDeclarer) -> Refusal | None:
        """R09: the declaration comes from a manager or practice educator, not the applicant."""
        if cmd.declarer_email.lower() == self.app.applicant.email.lower():
            return field_refusal(
                RefusalKind.INVALID,
                "declarer_email",
                "the declaration must come from your manager or practice educator, not from you",
                rule="R09",
            )
        return None

    def check_link(self, response: DeclarationResponse) -> Refusal | None:
        if self.p.declaration_token is None or response.token != self.p.declaration_token:
            return refused(
                RefusalKind.LINK_USED,
                "this declaration link has been used or has expired; ask the applicant to send "
                "a new invitation",
            )
        return self.check_state(Action.RESPOND_TO_DECLARATION)

    def check_replaced_assessor(self, cmd: AllocateAssessor) -> Refusal | None:
        """An officer names the assessor they replace: a stale page never reallocates."""
        current = self.p.assessor.assessor_id if self.p.assessor else None
        if cmd.replaces_assessor_id == current:
            return None
        return field_refusal(
            RefusalKind.CONFLICT,
            "replaces_assessor_id",
            f"the application is allocated to {current or 'nobody'}, not "
            f"{cmd.replaces_assessor_id or 'nobody'}; look again before allocating",
            rule="R12",
        )

    def check_findings(
        self, findings: list[Finding], *, complete: RecordAssessment | None
    ) -> Refusal | None:
        catalogue = self.input.catalogue
        if complete is not None:
            problems = assessment_problems(findings, complete.recommended_outcome, catalogue)
            message = "the assessment is incomplete"
        else:
            problems = feedback_outcome_problems(findings, catalogue)
            message = "the findings are not valid"
        return refused(RefusalKind.INVALID, message, problems) if problems else None

    def decided_outcome(self, action: Action, decision: Decision) -> Outcome | None:
        """The outcome a decision comes to: a ratification without one ratifies (R13)."""
        if action == Action.RATIFY and self.p.assessment is not None:
            return decision.outcome or self.p.assessment.recommended_outcome
        return decision.outcome

    def check_decision(self, action: Action, decision: Decision) -> Refusal | None:
        """R11/R13: an outcome; a reason to overrule or refuse; feedback for a deferral."""
        outcome = self.decided_outcome(action, decision)
        if outcome is None:
            return field_refusal(
                RefusalKind.INVALID, "outcome", "verification needs an outcome", rule="R11"
            )
        assessment = self.p.assessment
        if action == Action.RATIFY and assessment is not None:
            recommended = assessment.recommended_outcome
            if outcome != recommended and not decision.reason.strip():
                return field_refusal(
                    RefusalKind.INVALID,
                    "reason",
                    f"overruling the assessor's recommendation ({recommended.value}) needs a "
                    "reason",
                    rule="R13",
                )
        problems = feedback_outcome_problems(decision.feedback, self.input.catalogue)
        if problems:
            return refused(RefusalKind.INVALID, "the feedback is not valid", problems)
        if outcome == Outcome.DEFERRED:
            problems = deferral_feedback_problems(self._deferral_feedback(decision))
            if problems:
                return refused(RefusalKind.INVALID, "the deferral needs feedback", problems)
        if outcome == Outcome.NOT_ACCREDITED and not decision.reason.strip():
            return field_refusal(
                RefusalKind.INVALID,
                "reason",
                "say why the application is not accredited",
                rule="R13",
                code="missing",
            )
        return None

    # --- applicant -----------------------------------------------------------------------

    def created(self) -> None:
        if self.p.event_seq == 0:
            self._record("created", self._applicant(), None)

    def save_draft(self, cmd: SaveDraft) -> None:
        """R10: replace the sections given; nothing left out is touched."""
        old_cpd = self.app.content.cpd
        self._edited(self._drafted(cmd))
        changed = cmd.model_dump(exclude={"actor"}, exclude_none=True)
        self._record("save_draft", cmd.actor, ", ".join(sorted(changed)) or None)
        if cmd.cpd is not None:
            self.cpd_edited(old_cpd, cmd.actor)

    def add_document(self, cmd: AddDocument) -> None:
        content = self.app.content
        if content.document(cmd.document.document_id) is None:
            self._edited(
                content.model_copy(update={"documents": [*content.documents, cmd.document]})
            )
            self._record("add_document", cmd.actor, cmd.document.kind.value)

    def invite_declarer(self, cmd: InviteDeclarer, token: str) -> None:
        """R09: invite the manager or practice educator; a new invitation replaces the last."""
        declaration = Declaration(
            declarer_name=cmd.declarer_name,
            declarer_email=cmd.declarer_email,
            declarer_role=cmd.declarer_role,
            invited_at=self.now,
        )
        self.app = self.app.model_copy(update={"declaration": declaration})
        spend_link(self.p, SpentLink.REPLACED)
        self.p.declaration_token = token
        facts = self.p.facts
        self.p.facts = facts.model_copy(
            update={"invited_at": self.now, "invitation_seq": facts.invitation_seq + 1}
        )
        self._transition("invite_declarer", cmd.actor)
        self._email_declarer(Template.DECLARATION_INVITATION)

    def respond(self, response: DeclarationResponse) -> None:
        """R09: the declarer confirms, or declines with a reason that goes to the applicant."""
        declaration = self.app.declaration
        assert declaration is not None  # the check found the live token
        status = DeclarationStatus.CONFIRMED if response.confirm else DeclarationStatus.DECLINED
        answered = declaration.model_copy(
            update={"status": status, "responded_at": self.now, "reason": response.reason}
        )
        self.app = self.app.model_copy(update={"declaration": answered})
        spend_link(self.p, SpentLink.USED)
        declarer = Actor(
            id=str(declaration.declarer_email),
            role=Role.DECLARER,
            name=declaration.declarer_name,
        )
        trigger = "confirm_declaration" if response.confirm else "decline_declaration"
        self._transition(trigger, declarer, response.reason)
        if not response.confirm:
            self._email_applicant(
                Template.DECLARATION_DECLINED,
                declarer_name=declaration.declarer_name,
                reason=response.reason or "",
            )

    def submit(self, actor: Actor, trigger: str) -> None:
        """R10/R13: submit (or resubmit), then route: R11 to verification, R12 to an
        assessor (kept from before, or found by ``find_assessor``)."""
        self.p.submitted_at = self.now
        self.close_cpd_requests("the application was submitted")
        self._transition(trigger, actor)
        self._email_applicant(Template.SUBMISSION_RECEIPT)
        self._transition("route", SYSTEM)
        if self.p.state == ApplicationState.IN_ASSESSMENT:
            self._start_assessment_clock()
            self._email_assessor(Template.ASSESSOR_ALLOCATED)
        elif self.p.state == ApplicationState.AWAITING_ALLOCATION:
            self.step.find_assessor = self.allocation_request(None)

    def withdraw(self, actor: Actor, reason: str) -> None:
        self._transition("withdraw", actor, reason or None)
        self._email_applicant(Template.APPLICATION_CLOSED, reason=reason or "withdrawn")

    # --- staff ---------------------------------------------------------------------------

    def allocation_request(self, assessor_id: str | None) -> AllocationRequest:
        """R12: ask for an independent assessor (the one named, or any but the current)."""
        current = self.p.assessor
        return allocation_request(
            self.app,
            requested_assessor_id=assessor_id,
            exclude_assessor_ids=[current.assessor_id] if current and assessor_id is None else [],
        )

    def assessor_found(self, assessor: Assessor | None, reason: str | None) -> None:
        """After routing: allocate the assessor found, or queue for the officers."""
        if assessor is not None:
            self.allocate(assessor, SYSTEM, None)
            return
        self.p.queue_reason = reason
        self._record("allocation_needed", SYSTEM, reason)
        self._email_officers(Template.ALLOCATION_NEEDED, reason=reason or "")

    def allocate(self, assessor: Assessor, actor: Actor, reason: str | None) -> None:
        """R12: allocate (or reallocate); a released assessor is told."""
        p = self.p
        released = p.assessor
        if released is None or released.assessor_id != assessor.assessor_id:
            p.assessment_draft = None
        p.assessor = assessor
        p.queue_reason = None
        p.overdue = False
        self._start_assessment_clock()
        self._transition("allocate", actor, reason or f"allocated to {assessor.assessor_id}")
        self._email_assessor(Template.ASSESSOR_ALLOCATED)
        if released and released.assessor_id != assessor.assessor_id:
            self._email(
                Template.ASSESSOR_RELEASED,
                str(released.email),
                released.name,
                assessor_name=released.name,
            )

    def save_assessment_draft(self, cmd: SaveAssessmentDraft) -> None:
        assert self.p.assessor is not None
        self.p.assessment_draft = AssessmentDraft(
            assessor_id=self.p.assessor.assessor_id,
            findings=cmd.findings,
            recommended_outcome=cmd.recommended_outcome,
            summary=cmd.summary,
            saved_at=self.now,
        )
        self._record("assessment_draft_saved", cmd.actor, None)

    def record_assessment(self, cmd: RecordAssessment) -> None:
        """R12/R13: the allocated assessor's findings and recommended outcome."""
        assert self.p.assessor is not None
        self.p.assessment = Assessment(
            assessor_id=self.p.assessor.assessor_id,
            findings=cmd.findings,
            recommended_outcome=cmd.recommended_outcome,
            summary=cmd.summary,
            recorded_at=self.now,
        )
        self.p.overdue = False
        self.p.assessment_draft = None
        self._transition(
            "record_assessment", cmd.actor, f"recommends {cmd.recommended_outcome.value}"
        )

    def decide(self, action: Action, decision: Decision) -> None:
        """R11/R13/R14: award, defer with feedback, or refuse."""
        outcome = self.decided_outcome(action, decision)
        assert outcome is not None  # the check refused a decision without one
        self.p.outcome = outcome
        if outcome == Outcome.ACCREDITED:
            self._award(decision)
        elif outcome == Outcome.DEFERRED:
            self.p.feedback = self._deferral_feedback(decision)
            self.p.facts = self.p.facts.model_copy(update={"deferred_at": self.now})
            self._transition("defer", decision.actor, decision.reason or None)
            resubmit_by = self.now + self.input.policy.deferral_window
            self._email_applicant(
                Template.DEFERRAL,
                feedback=_feedback_text(self.p.feedback),
                resubmit_by=scheme_date(resubmit_by).isoformat(),
                reason=decision.reason,
            )
        else:
            self._transition("refuse", decision.actor, decision.reason or None)
            self._email_applicant(Template.OUTCOME_NOT_ACCREDITED, reason=decision.reason)

    # --- deadlines -----------------------------------------------------------------------

    def fire_due(self) -> bool:
        """Fire the earliest deadline if it is still planned and due (it may have moved)."""
        pending = self.timers()
        if not pending or pending[0].due_at > self.now:
            return False
        deadline = pending[0]
        if isinstance(deadline, CpdDeadline):
            self.fire_cpd_deadline(deadline)
            return True
        self.p.fired.append(deadline.key)
        self._deadline(deadline.kind)
        return True

    def _deadline(self, kind: DeadlineKind) -> None:
        if kind == DeadlineKind.DECLARATION_REMINDER:
            self._record("declaration_reminder", SYSTEM, None)
            self._email_declarer(Template.DECLARATION_REMINDER)
        elif kind == DeadlineKind.DECLARATION_EXPIRY:
            declaration = self.app.declaration
            assert declaration is not None
            expired = declaration.model_copy(update={"status": DeclarationStatus.EXPIRED})
            self.app = self.app.model_copy(update={"declaration": expired})
            spend_link(self.p, SpentLink.EXPIRED)
            self._transition("expire_declaration", SYSTEM, "the declarer did not respond in time")
            self._email_applicant(
                Template.DECLARATION_EXPIRED, declarer_name=declaration.declarer_name
            )
        elif kind == DeadlineKind.ASSESSOR_REMINDER:
            self._record("assessor_reminder", SYSTEM, None)
            self._email_assessor(Template.ASSESSOR_REMINDER)
        elif kind == DeadlineKind.ASSESSMENT_OVERDUE:
            self.p.overdue = True
            self._record("assessment_overdue", SYSTEM, "assessor service level exceeded")
            assessor = self.p.assessor
            self._email_officers(
                Template.ASSESSMENT_OVERDUE, assessor_name=assessor.name if assessor else ""
            )
        elif kind == DeadlineKind.DRAFT_IDLE_WARNING:
            close_at = self.pending()
            self._record("draft_closing_notice", SYSTEM, None)
            self._email_applicant(
                Template.DRAFT_CLOSING,
                closes_on=scheme_date(close_at[0].due_at).isoformat() if close_at else "",
            )
        else:
            reason = (
                "the deferral window ended without a resubmission"
                if kind == DeadlineKind.DEFERRAL_LAPSE
                else "the draft was not edited for too long"
            )
            self._transition("close", SYSTEM, reason)
            self._email_applicant(Template.APPLICATION_CLOSED, reason=reason)

    # --- changes -------------------------------------------------------------------------

    def _drafted(self, cmd: SaveDraft) -> ApplicationContent:
        changes = cmd.model_dump(exclude={"actor"}, exclude_none=True)
        update = {k: getattr(cmd, k) for k in changes}
        if cmd.cpd is not None:
            # R08/R16: an edit of what was verified withdraws the verification, and a draft
            # never brings one in.
            update["cpd"] = carry_verifications(self.app.content.cpd, cmd.cpd)
        return self.app.content.model_copy(update=update)

    def _edited(self, content: ApplicationContent) -> None:
        self.app = self.app.model_copy(update={"content": content})
        self.p.facts = self.p.facts.model_copy(update={"last_edited_at": self.now})

    def _limits(self, content: ApplicationContent) -> Refusal | None:
        found = content_problems(content, self.input.catalogue, self.input.policy.limits)
        if not found:
            return None
        kind, problems = found
        refusal_kind = RefusalKind.TOO_LARGE if kind == LimitKind.TOO_LARGE else RefusalKind.INVALID
        return refused(refusal_kind, "the application would be too large", problems)

    def _deferral_feedback(self, decision: Decision) -> list[Finding]:
        assessment = self.p.assessment
        return decision.feedback or (assessment.findings if assessment else [])

    def _start_assessment_clock(self) -> None:
        facts = self.p.facts
        self.p.facts = facts.model_copy(
            update={"allocated_at": self.now, "allocation_seq": facts.allocation_seq + 1}
        )

    def _award(self, decision: Decision) -> None:
        """R14/R20: the term, handed to the member's accreditation workflow, which keeps the
        register (R19) and the term from then on."""
        today = scheme_date(self.now)
        submitted_at = self.p.submitted_at
        accredited_from, expires_on = term_for_award(
            today,
            self.input.previous_expires_on,
            submitted_on=scheme_date(submitted_at) if submitted_at else None,
            keep_current_while_pending=self.input.policy.keep_current_while_reaccreditation_pending,
        )
        self.p.award = Award(
            awarded_on=today, accredited_from=accredited_from, expires_on=expires_on
        )
        self._transition("award", decision.actor, decision.reason or None)
        role = self.app.content.role_details
        assert role is not None  # readiness required it before submission
        self.step.award = AwardNotice(
            application_id=self.app.application_id,
            kind=self.app.kind,
            member=self.app.applicant,
            pathway=self.app.pathway,
            role=role.role,
            areas_of_practice=role.areas_of_practice,
            scope_summary=role.scope_summary,
            job_title=role.job_title,
            employer=role.employer,
            levels_held=[q.fheq_level for q in self.app.content.qualifications],
            awarded_on=today,
            accredited_from=accredited_from,
            expires_on=expires_on,
        )
        self._email_applicant(
            Template.OUTCOME_ACCREDITED,
            accredited_from=accredited_from.isoformat(),
            expires_on=expires_on.isoformat(),
        )

    def _transition(self, trigger: str, actor: Actor, reason: str | None = None) -> None:
        p = self.p
        before = p.state
        p.state = self.machine.fire(trigger)
        p.history.append(
            HistoryEntry(
                at=self.now,
                actor_id=actor.id,
                actor_role=actor.role,
                action=trigger,
                from_state=before.value,
                to_state=p.state.value,
                reason=brief(reason),
            )
        )
        del p.history[:-HISTORY_KEPT]
        if p.state in FINAL_STATES:
            spend_link(p, SpentLink.CLOSED)
            self.close_cpd_requests("the application closed")
        self._record(trigger, actor, reason, from_state=before)
        if self.app.kind == ApplicationKind.REACCREDITATION:
            self._tell_member(trigger, reason)

    def _tell_member(self, trigger: str, reason: str | None) -> None:
        """R20: keep the member's accreditation workflow told where its renewal stands (the
        award itself goes with its notice)."""
        app_id, now = self.app.application_id, self.now
        message: MemberMessage | None = None
        if trigger in ("submit", "resubmit"):
            message = ReaccreditationSubmitted(application_id=app_id, submitted_at=now)
        elif trigger in ("defer", "refuse"):
            outcome = Outcome.DEFERRED if trigger == "defer" else Outcome.NOT_ACCREDITED
            message = ReaccreditationDecided(application_id=app_id, outcome=outcome, decided_at=now)
        elif trigger in ("withdraw", "close"):
            message = ReaccreditationClosed(
                application_id=app_id, closed_at=now, reason=reason or ""
            )
        if message is not None:
            self.step.member_messages.append(message)

    def _record(
        self,
        action: str,
        actor: Actor,
        reason: str | None,
        *,
        from_state: ApplicationState | None = None,
    ) -> None:
        """An audit row for the event (the read-model row follows with the step)."""
        p = self.p
        if p.event_seq == 0 and action != "created":
            # An update can be handled before ``run`` starts: the application exists first.
            self._record("created", self._applicant(), None)
        p.event_seq += 1
        self.step.events.append(
            AuditEvent(
                event_id=f"{self.app.application_id}:{p.event_seq}",
                application_id=self.app.application_id,
                actor_id=actor.id,
                actor_role=actor.role,
                action=action,
                from_state=(from_state or p.state).value,
                to_state=p.state.value,
                reason=reason,
                at=self.now,
                sequence=p.event_seq,
            )
        )

    def _applicant(self) -> Actor:
        applicant = self.app.applicant
        return Actor(id=applicant.member_id, role=Role.APPLICANT, name=applicant.name)

    # --- emails --------------------------------------------------------------------------

    def _email(
        self, template: Template, to_email: str, to_name: str, **context: str | None
    ) -> None:
        app = self.app
        base = {
            "applicant_name": app.applicant.name,
            "application_id": app.application_id,
            "pathway": app.pathway.value,
            "kind": app.kind.value,
        }
        base.update({k: v or "" for k, v in context.items()})
        self.step.emails.append(
            Notification(
                key=f"{app.application_id}:{self.p.event_seq}:{template.value}:{to_email}",
                template=template,
                to_email=to_email,
                to_name=to_name,
                context=base,
            )
        )

    def _email_applicant(self, template: Template, **context: str | None) -> None:
        applicant = self.app.applicant
        self._email(template, str(applicant.email), applicant.name, **context)

    def _email_declarer(self, template: Template) -> None:
        declaration = self.app.declaration
        token = self.p.declaration_token
        assert declaration is not None and token is not None
        expires_at = declaration.invited_at + self.input.policy.declaration_expiry
        self._email(
            template,
            str(declaration.declarer_email),
            declaration.declarer_name,
            declarer_name=declaration.declarer_name,
            link=f"{self.input.declaration_link_base}/{self.app.application_id}/{token}",
            expires_on=scheme_date(expires_at).isoformat(),
        )

    def _email_assessor(self, template: Template) -> None:
        assessor = self.p.assessor
        assert assessor is not None
        overdue_at = [d for d in self.pending() if d.kind == DeadlineKind.ASSESSMENT_OVERDUE]
        self._email(
            template,
            str(assessor.email),
            assessor.name,
            assessor_name=assessor.name,
            due_on=scheme_date(overdue_at[0].due_at).isoformat() if overdue_at else "",
        )

    def _email_officers(self, template: Template, **context: str | None) -> None:
        self._email(template, str(self.input.officers_email), "Professional Officers", **context)


def _as_started(application: Application) -> Application:
    """``application`` as a new workflow takes it: without a declaration or any CPD
    verification, which come only as events (R08, R09, R16)."""
    content = application.content
    if any(record.verification is not None for record in content.cpd):
        content = content.model_copy(update={"cpd": carry_verifications([], content.cpd)})
    return application.model_copy(update={"declaration": None, "content": content})


def _feedback_text(feedback: list[Finding]) -> str:
    return "\n".join(
        f"- {f.outcome_code} ({f.level.value.replace('_', ' ')}): {f.comment}" for f in feedback
    )
