"""How a member's accreditation changes after award (R14, R15, R17, R18, R20, R22, R23).

``Lifecycle`` applies one message or deadline to an ``AccreditationProgress`` and says what
changed (a ``Change``: the history entry, the email, whether the register entry is rewritten).
A message seen before, or older than what it would replace, changes nothing (``None``).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from models.accreditation import (
    Accreditation,
    AccreditationProgress,
    AccreditationView,
    AwardNotice,
    LifecycleEvent,
    MembershipChanged,
    ReaccreditationClosed,
    ReaccreditationDecided,
    ReaccreditationSubmitted,
    ScopeChanged,
)
from models.application import Application, ApplicationContent, RoleDetails
from models.commands import Actor
from models.dates import scheme_date
from models.enums import (
    ApplicationKind,
    MembershipStatus,
    Outcome,
    RegisterStatus,
    Role,
)
from models.lifecycle_deadlines import (
    LifecycleDeadline,
    LifecycleDeadlineKind,
    TermFacts,
    plan_lifecycle_deadlines,
    start_of,
)
from models.membership import indemnity_covered, is_member, status_after_award
from models.pathways import reaccreditation_pathway
from models.policy import Policy
from models.records import AccreditationSummary, RegisterEntry
from models.refusals import Refusal, RefusalKind, refused
from models.templates import Template
from models.views import DeadlineView

SEEN_LIMIT = 200
"""Message keys remembered for de-duplication; older ones are refused by their timestamps."""
HISTORY_LIMIT = 20

_OFFICERS = frozenset({Role.OFFICER, Role.ADMIN})
_ACCREDITED_MEMBERSHIP = frozenset({MembershipStatus.ACCREDITED_AP, MembershipStatus.ACCREDITED_MA})
CANCELLED_REASON = "your Society of Radiographers membership was cancelled"


class Change(BaseModel):
    """What one message or deadline changed."""

    key: str = Field(description="the event's unique key: notification keys derive from it")
    action: str
    reason: str | None = None
    application_id: str | None = None
    template: Template | None = None
    context: dict[str, str] = Field(default_factory=dict)
    rewrite_register: bool = False
    new_term: bool = False


def status_after_lapse(status: MembershipStatus) -> MembershipStatus:
    """R22: accredited membership status lasts only while the accreditation does."""
    if status in _ACCREDITED_MEMBERSHIP:
        return MembershipStatus.RADIOGRAPHIC_ASSISTANT
    return status


def same_scope(a: RoleDetails, b: RoleDetails) -> bool:
    """Whether two role details describe the same scope of practice (R18)."""
    return (
        a.role == b.role
        and set(a.areas_of_practice) == set(b.areas_of_practice)
        and a.scope_summary.strip() == b.scope_summary.strip()
    )


class Lifecycle:
    """The rules over one member's ``AccreditationProgress`` (mutated in place)."""

    def __init__(self, progress: AccreditationProgress, policy: Policy) -> None:
        self.p = progress
        self.policy = policy

    # --- messages ------------------------------------------------------------------------

    def award(self, notice: AwardNotice, now: datetime) -> Change | None:
        """R14/R20/R22: apply the term an award carries; an older award changes nothing."""
        p = self.p
        if not self._first_time(notice.key):
            return None
        if p.open_application_id == notice.application_id:
            self._close_open_application()
        current = p.accreditation
        if current is not None and notice.accredited_from < current.accredited_from:
            return None
        renewal = current is not None and notice.kind == ApplicationKind.REACCREDITATION
        p.member = notice.member.model_copy(update={"membership_status": p.membership_status})
        p.accreditation = Accreditation.from_notice(notice)
        p.membership_status = status_after_award(p.membership_status, notice.pathway)
        p.status = (
            RegisterStatus.SUSPENDED
            if p.membership_status == MembershipStatus.CANCELLED
            else RegisterStatus.CURRENT
        )
        p.term += 1
        p.term_started_at = now
        p.fired = []
        if p.pending_scope and same_scope(
            p.pending_scope.role_details, p.accreditation.role_details()
        ):
            p.pending_scope = None
        return Change(
            key=notice.key,
            action="renewed" if renewal else "awarded",
            application_id=notice.application_id,
            # The application workflow already sent the initial award's outcome email.
            template=Template.ACCREDITATION_RENEWED if renewal else None,
            context={"expires_on": notice.expires_on.isoformat()},
            rewrite_register=True,
            # A new term starts a fresh history; the first term's history is short already.
            new_term=p.term > 1,
        )

    def submitted(self, message: ReaccreditationSubmitted) -> Change | None:
        """R20: a submitted re-accreditation may keep the accreditation current past expiry."""
        p = self.p
        if not self._first_time(message.key) or message.application_id != p.open_application_id:
            return None
        latest = max(
            (t for t in (p.reaccreditation_submitted_at, p.reaccreditation_decided_at) if t),
            default=None,
        )
        if latest is not None and message.submitted_at <= latest:
            return None
        p.reaccreditation_submitted_at = message.submitted_at
        return Change(
            key=message.key,
            action="reaccreditation_submitted",
            application_id=message.application_id,
        )

    def decided(self, message: ReaccreditationDecided, now: datetime) -> Change | None:
        """R20: a refusal ends the wait; a deferral waits for resubmission (an award renews
        through ``award``)."""
        p = self.p
        if not self._first_time(message.key) or message.application_id != p.open_application_id:
            return None
        if message.outcome == Outcome.NOT_ACCREDITED:
            self._close_open_application()
            return Change(
                key=message.key,
                action="reaccreditation_not_accredited",
                application_id=message.application_id,
            )
        submitted = p.reaccreditation_submitted_at
        if submitted is not None and message.decided_at < submitted:
            return None
        p.reaccreditation_submitted_at = None
        p.reaccreditation_decided_at = message.decided_at
        return Change(
            key=message.key,
            action="reaccreditation_deferred",
            application_id=message.application_id,
        )

    def closed(self, message: ReaccreditationClosed) -> Change | None:
        p = self.p
        if not self._first_time(message.key) or message.application_id != p.open_application_id:
            return None
        self._close_open_application()
        return Change(
            key=message.key,
            action="reaccreditation_closed",
            application_id=message.application_id,
            reason=message.reason or None,
        )

    def membership(self, message: MembershipChanged, now: datetime) -> Change | None:
        """R22/R23: cancellation suspends; rejoining before expiry restores the same term."""
        p = self.p
        if not self._first_time(message.key):
            return None
        if p.membership_changed_at is not None and message.effective_at < p.membership_changed_at:
            return None
        p.membership_changed_at = message.effective_at
        acc = p.accreditation
        running = acc is not None and p.status in (RegisterStatus.CURRENT, RegisterStatus.SUSPENDED)
        if message.status == MembershipStatus.CANCELLED:
            p.membership_status = MembershipStatus.CANCELLED
            if p.status == RegisterStatus.CURRENT:
                p.status = RegisterStatus.SUSPENDED
                return Change(
                    key=message.key,
                    action="suspended",
                    reason=CANCELLED_REASON,
                    template=Template.ACCREDITATION_SUSPENDED,
                    context={"reason": CANCELLED_REASON},
                    rewrite_register=True,
                )
        elif acc is not None and running:
            p.membership_status = status_after_award(message.status, acc.pathway)
            restorable = p.status == RegisterStatus.SUSPENDED and is_member(message.status)
            if restorable and now < start_of(acc.expires_on):
                p.status = RegisterStatus.CURRENT
                return Change(
                    key=message.key,
                    action="restored",
                    reason="membership renewed before expiry",
                    template=Template.ACCREDITATION_RESTORED,
                    context={"expires_on": acc.expires_on.isoformat()},
                    rewrite_register=True,
                )
        else:
            p.membership_status = message.status
        return Change(key=message.key, action="membership_changed", reason=message.status.value)

    def scope(self, message: ScopeChanged) -> Change | None:
        """R18: record the new scope; the old assessed scope stays accredited until re-awarded."""
        p = self.p
        if not self._first_time(message.key) or p.accreditation is None:
            return None
        if p.pending_scope is not None and message.changed_at < p.pending_scope.changed_at:
            return None
        if same_scope(message.role_details, p.accreditation.role_details()):
            p.pending_scope = None
        else:
            p.pending_scope = message
        return Change(
            key=message.key,
            action="scope_changed",
            reason=message.reason or None,
            template=Template.SCOPE_CHANGE_RECORDED,
            context={
                "scope_summary": message.role_details.scope_summary,
                "reason": message.reason or "not given",
            },
        )

    # --- re-accreditation ----------------------------------------------------------------

    def reaccreditation_refusal(self, actor: Actor) -> Refusal | None:
        """R15/R23: why ``actor`` may not start a re-accreditation now."""
        p = self.p
        if actor.role == Role.APPLICANT:
            if actor.id != p.member.member_id:
                return refused(RefusalKind.FORBIDDEN, f"{actor.id} is not the accredited member")
        elif actor.role not in _OFFICERS:
            return refused(
                RefusalKind.FORBIDDEN,
                f"'start_reaccreditation' is not for the {actor.role.value} role",
            )
        if p.accreditation is None:
            return refused(
                RefusalKind.NOT_ACCREDITED,
                "there is no accreditation to re-accredit; apply for one",
            )
        if p.status == RegisterStatus.LAPSED:
            return refused(
                RefusalKind.LAPSED,
                f"the accreditation lapsed on {p.accreditation.expires_on.isoformat()}; "
                "a new (initial) application is needed",
            )
        if p.open_application_id is not None:
            return refused(
                RefusalKind.ALREADY_OPEN,
                f"re-accreditation application {p.open_application_id} is already open",
            )
        return None

    def reaccreditation_application(
        self, application_id: str, role_details: RoleDetails | None
    ) -> Application:
        """R17: the new application, on the pathway the member is directed to.

        The scope defaults to a recorded change of scope (R18), else to the accredited one.
        """
        p = self.p
        acc = p.accreditation
        assert acc is not None  # the refusal checked it
        details = role_details or (
            p.pending_scope.role_details if p.pending_scope else acc.role_details()
        )
        return Application(
            application_id=application_id,
            applicant=p.member.model_copy(update={"membership_status": p.membership_status}),
            pathway=reaccreditation_pathway(details.role, acc.levels_held),
            route=None,
            kind=ApplicationKind.REACCREDITATION,
            content=ApplicationContent(role_details=details),
        )

    def reaccreditation_started(self, application: Application, actor: Actor) -> Change:
        self.p.open_application_id = application.application_id
        self.p.reaccreditation_submitted_at = None
        self.p.reaccreditation_decided_at = None
        return Change(
            key=f"started:{application.application_id}",
            action="reaccreditation_started",
            reason=f"by {actor.role.value} {actor.id}",
            application_id=application.application_id,
            template=Template.REACCREDITATION_STARTED,
            context={
                "application_id": application.application_id,
                "pathway": application.pathway.value,
            },
        )

    # --- deadlines -----------------------------------------------------------------------

    def pending_deadlines(self) -> list[LifecycleDeadline]:
        """The current term's deadlines not fired yet, earliest first."""
        p = self.p
        if p.accreditation is None or p.status is None or p.term_started_at is None:
            return []
        submitted = p.reaccreditation_submitted_at
        facts = TermFacts(
            term=p.term,
            status=p.status,
            expires_on=p.accreditation.expires_on,
            term_started_at=p.term_started_at,
            reaccreditation_submitted_on=scheme_date(submitted) if submitted else None,
        )
        return [d for d in plan_lifecycle_deadlines(facts, self.policy) if d.key not in p.fired]

    def deadline(self, deadline: LifecycleDeadline, now: datetime) -> Change:
        """R20: a reminder before expiry, or the lapse on the expiry date."""
        p = self.p
        acc = p.accreditation
        assert acc is not None  # deadlines are planned only for an accreditation
        p.fired.append(deadline.key)
        if deadline.kind == LifecycleDeadlineKind.EXPIRY_REMINDER:
            return Change(
                key=deadline.key,
                action="expiry_reminder",
                template=Template.EXPIRY_REMINDER,
                context={
                    "days_left": str((acc.expires_on - scheme_date(now)).days),
                    "expires_on": acc.expires_on.isoformat(),
                },
            )
        p.status = RegisterStatus.LAPSED
        p.membership_status = status_after_lapse(p.membership_status)
        return Change(
            key=deadline.key,
            action="lapsed",
            reason="no re-accreditation was awarded by the expiry date",
            template=Template.ACCREDITATION_LAPSED,
            context={"expired_on": acc.expires_on.isoformat()},
            rewrite_register=True,
        )

    # --- records -------------------------------------------------------------------------

    def record(self, change: Change, now: datetime) -> None:
        """Add ``change`` to the short history (the oldest entries drop off)."""
        p = self.p
        p.changes += 1
        acc = p.accreditation
        p.history.append(
            LifecycleEvent(
                at=now,
                action=change.action,
                status=p.status,
                accredited_from=acc.accredited_from if acc else None,
                expires_on=acc.expires_on if acc else None,
                application_id=change.application_id,
                reason=change.reason,
            )
        )
        del p.history[:-HISTORY_LIMIT]

    def register_entry(self) -> RegisterEntry | None:
        """R19: the public register entry (public fields only), once there is an accreditation."""
        p = self.p
        acc = p.accreditation
        if acc is None or p.status is None:
            return None
        return RegisterEntry(
            registration_number=p.member.registration_number,
            name=p.member.name,
            pathway=acc.pathway,
            areas_of_practice=acc.areas_of_practice,
            scope_of_practice=acc.scope_summary,
            accredited_from=acc.accredited_from,
            expires_on=acc.expires_on,
            status=p.status,
        )

    def summary(self, now: datetime) -> AccreditationSummary:
        """The staff read-model row as things stand."""
        view = self.view()
        return AccreditationSummary(
            member_id=view.member_id,
            name=view.name,
            registration_number=view.registration_number,
            status=view.status,
            pathway=view.pathway,
            accredited_from=view.accredited_from,
            expires_on=view.expires_on,
            term=view.term,
            membership_status=view.membership_status,
            indemnity_covered=view.indemnity_covered,
            open_application_id=view.open_application_id,
            scope_change_pending=view.pending_scope is not None,
            updated_at=now,
            version=self.p.changes,
        )

    def view(self) -> AccreditationView:
        p = self.p
        acc = p.accreditation
        refusal = self.reaccreditation_refusal(Actor(id=p.member.member_id, role=Role.APPLICANT))
        return AccreditationView(
            member_id=p.member.member_id,
            name=p.member.name,
            registration_number=p.member.registration_number,
            status=p.status,
            pathway=acc.pathway if acc else None,
            role=acc.role if acc else None,
            scope_summary=acc.scope_summary if acc else None,
            areas_of_practice=acc.areas_of_practice if acc else [],
            accredited_from=acc.accredited_from if acc else None,
            expires_on=acc.expires_on if acc else None,
            term=p.term,
            membership_status=p.membership_status,
            indemnity_covered=indemnity_covered(
                p.membership_status, p.status == RegisterStatus.CURRENT
            ),
            open_application_id=p.open_application_id,
            reaccreditation_submitted_at=p.reaccreditation_submitted_at,
            pending_scope=p.pending_scope.role_details if p.pending_scope else None,
            may_start_reaccreditation=refusal is None,
            reaccreditation_refusal=refusal.message if refusal else None,
            deadlines=[
                DeadlineView(name=d.kind.value, due_at=d.due_at) for d in self.pending_deadlines()
            ],
            history=p.history,
        )

    # --- helpers -------------------------------------------------------------------------

    def _first_time(self, key: str) -> bool:
        """Remember ``key``; False when it was seen already (a repeated message)."""
        if key in self.p.seen:
            return False
        self.p.seen.append(key)
        del self.p.seen[:-SEEN_LIMIT]
        return True

    def _close_open_application(self) -> None:
        self.p.open_application_id = None
        self.p.reaccreditation_submitted_at = None
        self.p.reaccreditation_decided_at = None
