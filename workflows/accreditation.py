"""One long-lived workflow per member: the accreditation after award, for years.

It holds the member's accreditation, membership and indemnity, fires expiry reminders and the
lapse on exact timers re-planned after every change, starts re-accreditations as child
application workflows, and continues as new at each new term. ``models.lifecycle`` decides
every rule; activities write the register and send the emails.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    # pydantic's EmailStr imports these lazily; loading them here keeps them out of the sandbox.
    import email_validator  # noqa: F401
    import idna  # noqa: F401

    from activities.notifications import NotificationActivities
    from activities.read_model import ReadModelActivities
    from activities.register import RegisterActivities
    from models.accreditation import (
        ACCREDITATION_WORKFLOW,
        AWARD,
        AccreditationInput,
        AccreditationProgress,
        AccreditationView,
        AwardNotice,
        MembershipChanged,
        ReaccreditationClosed,
        ReaccreditationDecided,
        ReaccreditationSubmitted,
        ScopeChanged,
        StartReaccreditation,
        accreditation_workflow_id,
    )
    from models.commands import (
        APPLICATION_WORKFLOW,
        ApplicationInput,
        application_workflow_id,
    )
    from models.lifecycle import Change, Lifecycle
    from models.lifecycle_deadlines import start_of
    from models.records import Notification
    from workflows import search_attributes as sa
    from workflows.deadlines import deadline_due
    from workflows.refusals import refuse
    from workflows.side_effects import SideEffects

__all__ = ["AccreditationWorkflow", "accreditation_workflow_id"]


@workflow.defn(name=ACCREDITATION_WORKFLOW)
class AccreditationWorkflow:
    @workflow.init
    def __init__(self, input: AccreditationInput) -> None:
        self._input = input
        progress = input.progress or AccreditationProgress(
            member=input.member, membership_status=input.member.membership_status
        )
        self._life = Lifecycle(progress, input.policy)
        self._new_term = False
        self._effects = SideEffects()
        self._register_write: asyncio.Future[None] | None = None

    @workflow.run
    async def run(self, input: AccreditationInput) -> None:
        self._upsert_search_attributes()
        while True:
            if self._new_term or workflow.info().is_continue_as_new_suggested():
                await self._continue_as_new()
            pending = self._life.pending_deadlines()
            if await deadline_due(pending[0].due_at if pending else None, self._version):
                self._fire_due_deadline()

    def _version(self) -> int:
        return self._life.p.changes

    async def _continue_as_new(self) -> None:
        """Carry all state into a fresh run once every handler and side effect is done.

        A signal handled while earlier side effects settle starts more; they settle too.
        """
        await self._effects.settle()
        workflow.continue_as_new(self._input.model_copy(update={"progress": self._life.p}))

    # --- query ---------------------------------------------------------------------------

    @workflow.query
    def view(self) -> AccreditationView:
        """The member's accreditation, membership, indemnity and pending deadlines."""
        return self._life.view()

    # --- signals -------------------------------------------------------------------------

    @workflow.signal(name=AWARD)
    def award(self, notice: AwardNotice) -> None:
        """R14/R22: an award (initial, or a re-accreditation) sets the term it carries."""
        self._apply(self._life.award(notice, workflow.now()))

    @workflow.signal
    def reaccreditation_submitted(self, message: ReaccreditationSubmitted) -> None:
        self._apply(self._life.submitted(message))

    @workflow.signal
    def reaccreditation_decided(self, message: ReaccreditationDecided) -> None:
        self._apply(self._life.decided(message, workflow.now()))

    @workflow.signal
    def reaccreditation_closed(self, message: ReaccreditationClosed) -> None:
        self._apply(self._life.closed(message))

    @workflow.signal
    def membership_changed(self, message: MembershipChanged) -> None:
        """R23: cancellation suspends; rejoining before expiry restores."""
        self._apply(self._life.membership(message, workflow.now()))

    @workflow.signal
    def scope_changed(self, message: ScopeChanged) -> None:
        """R18: recorded; the register keeps the assessed scope until re-accredited."""
        self._apply(self._life.scope(message))

    # --- update --------------------------------------------------------------------------

    @workflow.update
    async def start_reaccreditation(self, cmd: StartReaccreditation) -> str:
        """R15/R17: start a re-accreditation as a child application; returns its id."""
        self._check_may_start(cmd)  # again: two requests may pass their validators together
        application = self._life.reaccreditation_application(
            f"app-{workflow.uuid4().hex}", cmd.role_details
        )
        acc = self._life.p.accreditation
        assert acc is not None
        self._apply(self._life.reaccreditation_started(application, cmd.actor))
        await workflow.start_child_workflow(
            APPLICATION_WORKFLOW,
            ApplicationInput(
                application=application,
                catalogue=self._input.catalogue.for_pathway(application.pathway),
                policy=self._input.policy,
                declaration_link_base=self._input.declaration_link_base,
                cpd_verification_link_base=self._input.cpd_verification_link_base,
                officers_email=self._input.officers_email,
                non_member_fee_pence=self._input.non_member_fee_pence,
                previous_expires_on=acc.expires_on,
            ),
            id=application_workflow_id(application.application_id),
            parent_close_policy=ParentClosePolicy.ABANDON,
            search_attributes=sa.for_new_application(application),
        )
        return application.application_id

    @start_reaccreditation.validator
    def _validate_start_reaccreditation(self, cmd: StartReaccreditation) -> None:
        self._check_may_start(cmd)

    def _check_may_start(self, cmd: StartReaccreditation) -> None:
        refuse(self._life.reaccreditation_refusal(cmd.actor))

    # --- changes and their side effects --------------------------------------------------

    def _fire_due_deadline(self) -> None:
        """Fire the earliest deadline if it is still planned and due (it may have moved)."""
        pending = self._life.pending_deadlines()
        if pending and pending[0].due_at <= workflow.now():
            self._apply(self._life.deadline(pending[0], workflow.now()))

    def _apply(self, change: Change | None) -> None:
        """Record a change, rewrite the register entry and tell the member, as it says."""
        if change is None:
            return
        self._new_term = self._new_term or change.new_term
        workflow.logger.info(
            "member %s: %s, accreditation %s",
            self._life.p.member.member_id,
            change.key,
            self._life.p.status,
        )
        self._life.record(change, workflow.now())
        self._upsert_search_attributes()
        self._effects.write(
            ReadModelActivities.record_accreditation, self._life.summary(workflow.now())
        )
        entry = self._life.register_entry()
        if change.rewrite_register and entry is not None:
            # One write at a time: the public register must end as the last change left it.
            self._register_write = self._effects.after(
                self._register_write, RegisterActivities.upsert_register_entry, entry
            )
        if change.template:
            member = self._life.p.member
            notification = Notification(
                key=f"{accreditation_workflow_id(member.member_id)}:{change.key}",
                template=change.template,
                to_email=member.email,
                to_name=member.name,
                context=change.context,
            )
            self._effects.activity(NotificationActivities.send_notification, notification)

    def _upsert_search_attributes(self) -> None:
        """What an operator filters by in the Temporal UI, upserted where it changed."""
        p = self._life.p
        acc = p.accreditation
        sa.upsert_changed(
            sa.change(sa.MEMBER_ID, p.member.member_id),
            sa.change(sa.ACCREDITATION_STATUS, p.status.value if p.status else None),
            sa.change(sa.ACCREDITATION_EXPIRY, start_of(acc.expires_on) if acc else None),
            sa.change(sa.PATHWAY, acc.pathway.value if acc else None),
        )
