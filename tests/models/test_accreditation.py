"""models.accreditation and models.lifecycle: a member's accreditation after award
(R14, R15, R17, R18, R20, R22, R23)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from models.accreditation import (
    AccreditationProgress,
    AwardNotice,
    MembershipChanged,
    ReaccreditationClosed,
    ReaccreditationDecided,
    ReaccreditationSubmitted,
    ScopeChanged,
    accreditation_workflow_id,
)
from models.application import Applicant, RoleDetails
from models.commands import Actor
from models.dates import add_years, expiry_date
from models.enums import (
    ApplicationKind,
    AreaOfPractice,
    FheqLevel,
    MembershipStatus,
    Outcome,
    Pathway,
    PractitionerRole,
    RegisterStatus,
    Role,
)
from models.lifecycle import (
    HISTORY_LIMIT,
    SEEN_LIMIT,
    Lifecycle,
    status_after_lapse,
)
from models.lifecycle_deadlines import LifecycleDeadlineKind, start_of
from models.pathways import PATHWAY_LEVEL, PATHWAY_ROLE
from models.policy import Policy
from models.refusals import RefusalKind
from tests.builders import applicant

AWARDED = date(2025, 6, 16)
NOW = datetime(2025, 6, 16, 12, tzinfo=UTC)


def notice(
    member: Applicant | None = None,
    *,
    pathway: Pathway = Pathway.AP_L4,
    levels: list[FheqLevel] | None = None,
    kind: ApplicationKind = ApplicationKind.INITIAL,
    application_id: str = "app-1",
    accredited_from: date = AWARDED,
    scope_summary: str = "Plain-film imaging",
) -> AwardNotice:
    return AwardNotice(
        application_id=application_id,
        kind=kind,
        member=member or applicant(),
        pathway=pathway,
        role=PATHWAY_ROLE[pathway],
        areas_of_practice=[AreaOfPractice.CLINICAL_IMAGING],
        scope_summary=scope_summary,
        levels_held=levels if levels is not None else [PATHWAY_LEVEL[pathway]],
        awarded_on=AWARDED,
        accredited_from=accredited_from,
        expires_on=expiry_date(accredited_from),
    )


def lifecycle(status: MembershipStatus = MembershipStatus.RADIOGRAPHIC_ASSISTANT) -> Lifecycle:
    member = applicant(membership_status=status)
    return Lifecycle(AccreditationProgress(member=member, membership_status=status), Policy())


def awarded(**kwargs: object) -> Lifecycle:
    life = lifecycle()
    life.award(notice(**kwargs), NOW)  # type: ignore[arg-type]
    return life


def membership(event_id: str, status: MembershipStatus, at: datetime = NOW) -> MembershipChanged:
    return MembershipChanged(event_id=event_id, status=status, effective_at=at)


def test_the_workflow_id_is_stable_per_member() -> None:
    assert accreditation_workflow_id("M0001") == "accreditation-M0001"


def test_r14_r22_an_award_makes_it_current_and_the_member_accredited() -> None:
    life = lifecycle()

    change = life.award(notice(), NOW)

    assert change is not None
    # The first term needs no fresh history: no continue-as-new for it (issue 9).
    assert (change.action, change.rewrite_register, change.new_term, change.template) == (
        "awarded",
        True,
        False,
        None,
    )
    view = life.view()
    assert view.status == RegisterStatus.CURRENT
    assert (view.accredited_from, view.expires_on) == (AWARDED, date(2027, 6, 16))
    assert view.membership_status == MembershipStatus.ACCREDITED_AP
    assert view.indemnity_covered is True
    entry = life.register_entry()
    assert entry is not None
    assert entry.status == RegisterStatus.CURRENT
    assert entry.scope_of_practice == "Plain-film imaging"


def test_r14_an_award_notice_needs_a_term_that_ends_after_it_starts() -> None:
    with pytest.raises(ValidationError, match="expires_on"):
        AwardNotice.model_validate(notice().model_dump() | {"expires_on": AWARDED})


def test_r20_a_renewal_starts_a_new_term_and_tells_the_member() -> None:
    life = awarded()
    old_expiry = date(2027, 6, 16)

    change = life.award(
        notice(
            kind=ApplicationKind.REACCREDITATION, application_id="app-2", accredited_from=old_expiry
        ),
        NOW + timedelta(days=600),
    )

    assert change is not None
    assert (change.action, change.template, change.new_term) == (
        "renewed",
        "accreditation_renewed",
        True,
    )
    assert change.context == {"expires_on": add_years(old_expiry, 2).isoformat()}
    assert life.p.term == 2
    assert life.view().expires_on == date(2029, 6, 16)
    assert all(":2" in d.key for d in life.pending_deadlines())


def test_an_award_seen_twice_or_older_than_the_current_one_changes_nothing() -> None:
    life = awarded(accredited_from=date(2026, 1, 1), application_id="app-new")
    before = life.p.model_copy(deep=True)

    assert (
        life.award(notice(accredited_from=date(2026, 1, 1), application_id="app-new"), NOW) is None
    )
    assert life.award(notice(application_id="app-old"), NOW) is None
    assert life.p.accreditation == before.accreditation
    assert life.p.term == 1


def test_r23_cancellation_suspends_and_rejoining_before_expiry_restores() -> None:
    life = awarded()

    suspended = life.membership(membership("e1", MembershipStatus.CANCELLED), NOW)
    assert suspended is not None
    assert (suspended.action, suspended.template, suspended.rewrite_register) == (
        "suspended",
        "accreditation_suspended",
        True,
    )
    assert life.view().indemnity_covered is False
    entry = life.register_entry()
    assert entry is not None and entry.status == RegisterStatus.SUSPENDED

    later = NOW + timedelta(days=30)
    restored = life.membership(
        membership("e2", MembershipStatus.RADIOGRAPHIC_ASSISTANT, later), later
    )
    assert restored is not None
    assert (restored.action, restored.template) == ("restored", "accreditation_restored")
    view = life.view()
    assert (view.status, view.expires_on) == (RegisterStatus.CURRENT, date(2027, 6, 16))
    assert view.membership_status == MembershipStatus.ACCREDITED_AP
    assert view.indemnity_covered is True


def test_r23_rejoining_on_or_after_the_expiry_date_does_not_restore() -> None:
    life = awarded()
    life.membership(membership("e1", MembershipStatus.CANCELLED), NOW)
    expiry = start_of(date(2027, 6, 16))

    change = life.membership(
        membership("e2", MembershipStatus.RADIOGRAPHIC_ASSISTANT, expiry), expiry
    )

    assert change is not None and change.action == "membership_changed"
    assert life.p.status == RegisterStatus.SUSPENDED
    lapse = life.pending_deadlines()[-1]
    assert lapse.kind == LifecycleDeadlineKind.EXPIRY
    assert life.deadline(lapse, expiry).action == "lapsed"
    assert life.view().status == RegisterStatus.LAPSED


def test_r23_membership_messages_out_of_order_or_twice_change_nothing() -> None:
    life = awarded()
    cancel = membership("e1", MembershipStatus.CANCELLED, NOW)
    rejoin = membership("e2", MembershipStatus.ACCREDITED_AP, NOW + timedelta(hours=1))

    assert life.membership(rejoin, NOW) is not None
    assert life.membership(cancel, NOW) is None  # older than the rejoin
    assert life.membership(rejoin, NOW) is None  # seen
    assert life.p.status == RegisterStatus.CURRENT


def test_r23_an_award_to_a_cancelled_member_is_suspended_and_not_covered() -> None:
    life = lifecycle(MembershipStatus.CANCELLED)

    life.award(notice(), NOW)

    assert life.view().status == RegisterStatus.SUSPENDED
    assert life.view().indemnity_covered is False


def test_r20_r22_the_lapse_ends_accredited_membership_status() -> None:
    life = awarded()
    lapse = life.pending_deadlines()[-1]

    change = life.deadline(lapse, start_of(date(2027, 6, 16)))

    assert (change.action, change.template, change.rewrite_register) == (
        "lapsed",
        "accreditation_lapsed",
        True,
    )
    assert change.context == {"expired_on": "2027-06-16"}
    assert life.p.membership_status == MembershipStatus.RADIOGRAPHIC_ASSISTANT
    assert life.pending_deadlines() == []
    assert status_after_lapse(MembershipStatus.ACCREDITED_MA) == (
        MembershipStatus.RADIOGRAPHIC_ASSISTANT
    )
    assert status_after_lapse(MembershipStatus.NON_MEMBER) == MembershipStatus.NON_MEMBER


def test_r20_a_reminder_says_how_many_days_are_left() -> None:
    life = awarded()
    reminder = life.pending_deadlines()[0]

    change = life.deadline(reminder, reminder.due_at)

    assert change.context == {"days_left": "90", "expires_on": "2027-06-16"}
    assert reminder.key in life.p.fired
    assert reminder not in life.pending_deadlines()


@pytest.mark.parametrize(
    ("pathway", "levels", "directed_to"),
    [
        (Pathway.AP_L4, [FheqLevel.L4, FheqLevel.L5], Pathway.AP_L5),
        (Pathway.AP_L5, [FheqLevel.L4], Pathway.AP_L4),
        (Pathway.AP_L4, [FheqLevel.OTHER], Pathway.AP_L4),
        (Pathway.MA_L4, [FheqLevel.L5], Pathway.MA_L4),
    ],
)
def test_r15_r17_a_reaccreditation_application_is_directed_to_its_pathway(
    pathway: Pathway, levels: list[FheqLevel], directed_to: Pathway
) -> None:
    life = awarded(pathway=pathway, levels=levels)

    application = life.reaccreditation_application("app-r", None)

    assert application.pathway == directed_to
    assert (application.kind, application.route) == (ApplicationKind.REACCREDITATION, None)
    assert application.content.role_details == life.p.accreditation.role_details()  # type: ignore[union-attr]
    assert application.applicant.membership_status == life.p.membership_status


def member_actor(member_id: str = "M0001") -> Actor:
    return Actor(id=member_id, role=Role.APPLICANT)


def test_r15_r23_who_may_start_a_reaccreditation_and_when() -> None:
    first = lifecycle().reaccreditation_refusal(member_actor())
    assert first is not None
    assert (first.kind, first.message) == (
        RefusalKind.NOT_ACCREDITED,
        "there is no accreditation to re-accredit; apply for one",
    )
    life = awarded()
    assert life.reaccreditation_refusal(member_actor()) is None
    assert life.reaccreditation_refusal(Actor(id="o", role=Role.OFFICER)) is None
    refused = life.reaccreditation_refusal(member_actor("M0002"))
    assert refused is not None and refused.kind == "Forbidden"
    refused = life.reaccreditation_refusal(Actor(id="a", role=Role.ASSESSOR))
    assert refused is not None and refused.kind == "Forbidden"

    life.reaccreditation_started(life.reaccreditation_application("app-r", None), member_actor())
    refused = life.reaccreditation_refusal(member_actor())
    assert refused is not None and refused.kind == "AlreadyOpen"

    life.deadline(life.pending_deadlines()[-1], start_of(date(2027, 6, 16)))
    refused = life.reaccreditation_refusal(member_actor())
    assert refused is not None and refused.kind == "Lapsed"


def test_r15_the_view_says_whether_the_member_may_start_a_reaccreditation_now() -> None:
    assert (lifecycle().view().may_start_reaccreditation, lifecycle().view().status) == (
        False,
        None,
    )
    life = awarded()
    view = life.view()
    assert (view.may_start_reaccreditation, view.reaccreditation_refusal) == (True, None)
    life.reaccreditation_started(life.reaccreditation_application("app-r", None), member_actor())
    view = life.view()
    assert view.may_start_reaccreditation is False
    assert view.reaccreditation_refusal == "re-accreditation application app-r is already open"


NEW_SCOPE = RoleDetails(
    role=PractitionerRole.ASSISTANT_PRACTITIONER,
    job_title="Assistant practitioner",
    employer="Northgate Hospitals NHS Trust",
    areas_of_practice=[AreaOfPractice.CLINICAL_IMAGING, AreaOfPractice.RADIOTHERAPY],
    scope_summary="Plain-film imaging and radiotherapy support",
)


def test_r18_a_scope_change_is_recorded_and_defaults_the_reaccreditation_scope() -> None:
    life = awarded()
    change = life.scope(
        ScopeChanged(event_id="s1", role_details=NEW_SCOPE, reason="new duties", changed_at=NOW)
    )

    assert change is not None
    assert (change.template, change.rewrite_register) == ("scope_change_recorded", False)
    view = life.view()
    assert view.pending_scope == NEW_SCOPE
    assert view.scope_summary == "Plain-film imaging"  # still the assessed scope
    application = life.reaccreditation_application("app-r", None)
    assert application.content.role_details == NEW_SCOPE

    life.reaccreditation_started(application, member_actor())
    award = notice(
        kind=ApplicationKind.REACCREDITATION,
        application_id="app-r",
        accredited_from=date(2027, 6, 16),
        scope_summary=NEW_SCOPE.scope_summary,
    ).model_copy(update={"areas_of_practice": NEW_SCOPE.areas_of_practice})
    assert life.award(award, NOW) is not None
    view = life.view()
    assert view.pending_scope is None
    assert view.scope_summary == NEW_SCOPE.scope_summary
    assert view.open_application_id is None


def test_r20_submission_deferral_and_refusal_of_the_open_reaccreditation() -> None:
    life = awarded()
    life.reaccreditation_started(life.reaccreditation_application("app-r", None), member_actor())
    other = ReaccreditationSubmitted(application_id="app-x", submitted_at=NOW)
    assert life.submitted(other) is None  # not the open application

    first = ReaccreditationSubmitted(application_id="app-r", submitted_at=NOW)
    deferral = ReaccreditationDecided(
        application_id="app-r", outcome=Outcome.DEFERRED, decided_at=NOW + timedelta(days=1)
    )
    assert life.decided(deferral, NOW) is not None
    assert life.submitted(first) is None  # overtaken by the deferral
    resubmitted = ReaccreditationSubmitted(application_id="app-r", submitted_at=NOW + timedelta(2))
    assert life.submitted(resubmitted) is not None
    assert life.p.reaccreditation_submitted_at == resubmitted.submitted_at

    refusal = ReaccreditationDecided(
        application_id="app-r", outcome=Outcome.NOT_ACCREDITED, decided_at=NOW + timedelta(9)
    )
    change = life.decided(refusal, NOW)
    assert change is not None and change.action == "reaccreditation_not_accredited"
    assert life.p.open_application_id is None
    assert life.p.status == RegisterStatus.CURRENT  # the current term runs on


def test_a_closed_reaccreditation_frees_the_member_to_start_another() -> None:
    life = awarded()
    life.reaccreditation_started(life.reaccreditation_application("app-r", None), member_actor())

    change = life.closed(
        ReaccreditationClosed(application_id="app-r", closed_at=NOW, reason="withdrawn")
    )

    assert change is not None and change.reason == "withdrawn"
    assert life.reaccreditation_refusal(member_actor()) is None


def test_r13_r20_an_award_is_never_a_decision_message_it_goes_as_its_notice() -> None:
    with pytest.raises(ValidationError, match="award notice"):
        ReaccreditationDecided(application_id="a", outcome=Outcome.ACCREDITED, decided_at=NOW)
    ReaccreditationDecided(application_id="a", outcome=Outcome.DEFERRED, decided_at=NOW)


def test_remembered_message_keys_and_history_are_bounded() -> None:
    life = awarded()
    for n in range(SEEN_LIMIT + 50):
        status = MembershipStatus.CANCELLED if n % 2 else MembershipStatus.ACCREDITED_AP
        change = life.membership(membership(f"e{n}", status, NOW + timedelta(minutes=n)), NOW)
        assert change is not None
        life.record(change, NOW)

    assert len(life.p.seen) == SEEN_LIMIT
    assert len(life.p.history) == HISTORY_LIMIT
    assert life.p.seen[-1] == f"membership:e{SEEN_LIMIT + 49}"
