"""models.cpd_verification: verified CPD (R08, R16): who may verify, what counts, what an edit
withdraws; the links that carry requests (models.progress.CpdLinks); readiness and the
coverage map counting by the application's policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from models.application import Application, ApplicationContent, CpdRecord
from models.application_lifecycle import ApplicationLifecycle
from models.commands import Actor, ApplicationInput, SaveDraft
from models.coverage import coverage, cpd_verified
from models.cpd_verification import (
    CpdDeadlineKind,
    CpdVerification,
    CpdVerificationStatus,
    VerifiedBy,
    Verifier,
    answered,
    carry_verifications,
    counts_as_verified,
    cpd_verification_deadlines,
    expired,
    is_live,
    marked_by_service,
    normalised_name,
    pending_request,
    request_problems,
    requested,
    same_substance,
    verification_request,
    verifier_problems,
    withdrawn,
    withdrawn_verifications,
)
from models.dates import add_years
from models.enums import ApplicationKind, Pathway, Role, Route
from models.policy import Policy
from models.progress import (
    CPD_SPENT_LINKS_KEPT,
    ApplicationProgress,
    CpdLinks,
    SpentLink,
    next_cpd_request_id,
    open_cpd_link,
    spend_cpd_link,
    spend_cpd_links,
)
from models.readiness import MIN_VERIFIED_CPD, readiness
from tests.builders import (
    TODAY,
    applicant,
    at,
    complete_application,
    pathway_catalogue,
    with_content,
)

OLD_RULE = Policy()
NEW_RULE = Policy(cpd_verification_required=True)
NOW = at(TODAY)
MEMBER = applicant()
VERIFIER = Verifier(
    name="Sam Educator",
    email="sam.educator@northgate.example.org",
    professional_registration="HCPC RA123456",
)


def record(
    title: str = "Audit of repeat rates",
    *,
    days_ago: int = 30,
    outcomes: tuple[str, ...] = ("AP4.1",),
    verified_by: str | None = None,
    verification: CpdVerification | None = None,
) -> CpdRecord:
    return CpdRecord(
        title=title,
        activity_date=TODAY - timedelta(days=days_ago),
        verified_by=verified_by,
        learning_outcomes=list(outcomes),
        verification=verification,
    )


def confirmed(request_id: str = "cpd-1", at_: datetime = NOW) -> CpdVerification:
    return answered(
        requested(VERIFIER, request_id, at_ - timedelta(days=2), NEW_RULE),
        confirm=True,
        reason=None,
        now=at_,
    )


def by_portal(request_id: str = "cpd-1") -> CpdVerification:
    return marked_by_service("portal", request_id, NOW)


def ready_but_cpd(records: list[CpdRecord]) -> Application:
    """A non-approved application that is ready but for its CPD, which is ``records``."""
    return with_content(complete_application(Pathway.AP_L4, Route.NON_APPROVED), cpd=records)


def cpd_problems(application: Application, policy: Policy) -> list[str]:
    problems = readiness(application, pathway_catalogue(application.pathway), TODAY, policy=policy)
    return [p.message for p in problems if p.code == "cpd_insufficient"]


# --- what counts (R08, R16) -----------------------------------------------------------------------


def test_r08_applicant_typed_verified_by_counts_only_without_the_policy_flag() -> None:
    typed = record(verified_by="Sam Educator")
    assert counts_as_verified(typed, TODAY, OLD_RULE) is True  # the rule old histories ran with
    assert counts_as_verified(typed, TODAY, NEW_RULE) is False  # the applicant's own word


def test_r08_without_the_flag_the_old_rule_is_unchanged() -> None:
    # Old histories carry no verification; a confirmed one without a typed name was never
    # possible under the old rule, and the old rule is kept exactly.
    assert counts_as_verified(record(verification=confirmed()), TODAY, OLD_RULE) is False
    assert counts_as_verified(record(verified_by="  "), TODAY, OLD_RULE) is False
    assert cpd_verified(record(verified_by="Jo"), TODAY) is True  # no policy: the defaults


@pytest.mark.parametrize(
    "verification",
    [confirmed(), by_portal()],
    ids=["confirmed_by_verifier", "marked_by_service"],
)
def test_r08_a_confirmed_verification_counts_under_the_flag(
    verification: CpdVerification,
) -> None:
    assert counts_as_verified(record(verification=verification), TODAY, NEW_RULE) is True
    assert cpd_verified(record(verification=verification), TODAY, policy=NEW_RULE) is True


def test_r08_a_service_marked_record_counts_and_says_it_was_the_service() -> None:
    mark = by_portal()
    assert (mark.status, mark.by, mark.service_caller) == (
        CpdVerificationStatus.CONFIRMED,
        VerifiedBy.SERVICE,
        "portal",
    )
    assert counts_as_verified(record(verification=mark), TODAY, NEW_RULE)


def test_r08_a_declined_verification_does_not_count() -> None:
    pending = requested(VERIFIER, "cpd-1", NOW - timedelta(days=1), NEW_RULE)
    declined = answered(pending, confirm=False, reason="I did not attend this audit", now=NOW)
    assert declined.status == CpdVerificationStatus.DECLINED
    assert declined.reason == "I did not attend this audit"
    assert counts_as_verified(record(verification=declined), TODAY, NEW_RULE) is False


@pytest.mark.parametrize(
    "status_of",
    [
        lambda v: v,  # still requested
        expired,
        lambda v: withdrawn(v, "cancelled by the applicant"),
    ],
    ids=["requested", "expired", "withdrawn"],
)
def test_r08_only_confirmed_counts(
    status_of: Callable[[CpdVerification], CpdVerification],
) -> None:
    pending = requested(VERIFIER, "cpd-1", NOW - timedelta(days=1), NEW_RULE)
    verification = status_of(pending)
    assert counts_as_verified(record(verification=verification), TODAY, NEW_RULE) is False


@pytest.mark.parametrize(
    ("activity_date", "counts"),
    [
        (date(2023, 6, 16), True),  # exactly two years ago
        (date(2023, 6, 15), False),  # two years and a day
        (date(2025, 6, 16), True),  # today
        (date(2025, 6, 17), False),  # the future
    ],
)
def test_r16_a_confirmed_record_counts_only_within_the_same_two_years(
    activity_date: date, counts: bool
) -> None:
    confirmed_record = CpdRecord(title="CPD", activity_date=activity_date, verification=by_portal())
    assert counts_as_verified(confirmed_record, date(2025, 6, 16), NEW_RULE) is counts


def test_r08_r10_readiness_counts_by_the_policy() -> None:
    typed = [record(f"Typed {i}", verified_by="Sam Educator") for i in range(MIN_VERIFIED_CPD)]
    application = ready_but_cpd(typed)
    assert cpd_problems(application, OLD_RULE) == []
    assert readiness(application, pathway_catalogue(Pathway.AP_L4), TODAY) == []  # default
    [message] = cpd_problems(application, NEW_RULE)
    assert "0 qualify" in message
    assert "verifier" in message

    verified = [record(f"Verified {i}", verification=confirmed(f"cpd-{i}")) for i in range(5)] + [
        record("By the portal", verification=by_portal("cpd-9"))
    ]
    assert cpd_problems(ready_but_cpd(verified), NEW_RULE) == []


def test_r16_reaccreditation_counts_by_the_policy_too() -> None:
    application = complete_application(Pathway.MA_L4, None, ApplicationKind.REACCREDITATION)
    assert cpd_problems(application, OLD_RULE) == []
    assert [m for m in cpd_problems(application, NEW_RULE) if "0 qualify" in m]


def test_r08_the_coverage_map_flags_verified_by_the_policy() -> None:
    code = pathway_catalogue(Pathway.AP_L4).outcome_codes()[0]
    records = [
        record("Typed", outcomes=(code,), verified_by="Sam Educator"),
        record("Confirmed", outcomes=(code,), verification=confirmed()),
    ]
    application = ready_but_cpd(records)
    catalogue = pathway_catalogue(Pathway.AP_L4)
    old = coverage(application, catalogue, TODAY)[0].cpd
    new = coverage(application, catalogue, TODAY, policy=NEW_RULE)[0].cpd
    assert [e.verified for e in old] == [True, False]
    assert [e.verified for e in new] == [False, True]


def test_r08_the_workflow_counts_by_the_policy_in_its_input() -> None:
    records = [record(f"Typed {i}", verified_by="Sam Educator") for i in range(6)]
    application = ready_but_cpd(records)
    catalogue = pathway_catalogue(Pathway.AP_L4)
    for policy, ready in ((OLD_RULE, True), (NEW_RULE, False)):
        life = ApplicationLifecycle(
            ApplicationInput(application=application, catalogue=catalogue, policy=policy), NOW
        )
        codes = {p.code for p in life.missing()}
        assert ("cpd_insufficient" not in codes) is ready
        assert {e.verified for e in life.view().coverage[0].cpd} == {ready}


# --- who may verify (R08) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email", ["m0001@members.example.org", "M0001@Members.Example.ORG", "m0001@MEMBERS.example.org"]
)
def test_r08_the_applicants_own_email_is_refused_as_verifier(email: str) -> None:
    verifier = VERIFIER.model_copy(update={"email": email})
    problems = verifier_problems(verifier, MEMBER)
    assert [(p.rule, p.code, p.field) for p in problems] == [
        ("R08", "verifier_is_applicant", "verifier.email")
    ]


@pytest.mark.parametrize(
    "name", ["Alex Example", "alex example", "  ALEX   EXAMPLE ", "Dr Alex Example", "Álex Example"]
)
def test_r08_the_applicants_own_name_is_refused_as_verifier(name: str) -> None:
    verifier = Verifier(
        name=name, email="someone.else@example.org", professional_registration="HCPC RA1"
    )
    problems = verifier_problems(verifier, MEMBER)
    assert [(p.rule, p.code, p.field) for p in problems] == [
        ("R08", "verifier_is_applicant", "verifier.name")
    ]


def test_r08_the_applicants_own_registration_is_refused_as_verifiers() -> None:
    verifier = VERIFIER.model_copy(update={"professional_registration": "ap-0001"})
    assert [p.field for p in verifier_problems(verifier, MEMBER)] == [
        "verifier.professional_registration"
    ]


def test_r08_someone_else_may_verify() -> None:
    assert verifier_problems(VERIFIER, MEMBER) == []


def test_r08_a_name_of_punctuation_only_is_no_name() -> None:
    verifier = VERIFIER.model_copy(update={"name": "--"})
    assert [p.code for p in verifier_problems(verifier, MEMBER)] == ["verifier_name_missing"]


def test_r08_names_compare_without_accents_case_punctuation_or_titles() -> None:
    assert normalised_name("Dr  Ann-Marie O'Neil") == "ann marie oneil"
    assert normalised_name("\u00c1NN\u2013MARIE O\u2019NEIL") == "ann marie oneil"
    assert normalised_name("Dr") == "dr"  # a title alone is kept


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 201),
        ("email", "not-an-email"),
        ("professional_registration", ""),
    ],
)
def test_r08_a_verifier_is_bounded(field: str, value: str) -> None:
    data = VERIFIER.model_dump() | {field: value}
    with pytest.raises(ValidationError):
        Verifier.model_validate(data)


def test_r08_a_request_names_a_record_that_is_not_yet_verified() -> None:
    records = [record(), record("Done", verification=confirmed())]
    assert request_problems(records, 0, VERIFIER, MEMBER) == []
    assert [p.code for p in request_problems(records, 1, VERIFIER, MEMBER)] == [
        "cpd_already_verified"
    ]
    assert [p.field for p in request_problems(records, 2, VERIFIER, MEMBER)] == ["cpd[2]"]
    own = VERIFIER.model_copy(update={"email": MEMBER.email})
    assert [p.field for p in request_problems(records, 0, own, MEMBER)] == ["verifier.email"]


# --- a verification's shape and life (R08) --------------------------------------------------------


def test_r08_a_declined_verification_needs_a_reason() -> None:
    pending = requested(VERIFIER, "cpd-1", NOW, NEW_RULE)
    for reason in (None, "", "   "):
        with pytest.raises(ValidationError, match="reason"):
            answered(pending, confirm=False, reason=reason, now=NOW + timedelta(hours=1))


def test_r08_a_request_expires_by_the_policy_and_is_answered_only_while_live() -> None:
    policy = Policy(cpd_verification_required=True, cpd_verification_expiry_days=10)
    pending = requested(VERIFIER, "cpd-1", NOW, policy)
    assert pending.expires_at == NOW + timedelta(days=10)
    assert is_live(pending, NOW + timedelta(days=10) - timedelta(seconds=1))
    assert not is_live(pending, NOW + timedelta(days=10))
    with pytest.raises(ValueError, match="not live"):
        answered(pending, confirm=True, reason=None, now=NOW + timedelta(days=10))
    done = answered(pending, confirm=True, reason=None, now=NOW + timedelta(days=1))
    with pytest.raises(ValueError, match="not live"):
        answered(done, confirm=True, reason=None, now=NOW + timedelta(days=2))
    with pytest.raises(ValueError, match="not pending"):
        expired(done)
    assert expired(pending).status == CpdVerificationStatus.EXPIRED


@pytest.mark.parametrize(
    "data",
    [
        # a verifier's request names the verifier and expires
        {"by": "verifier", "status": "requested"},
        {"by": "verifier", "status": "requested", "verifier": VERIFIER.model_dump()},
        # a service names its caller, only confirms (or takes back), and has no link
        {"by": "service", "status": "confirmed", "responded_at": NOW},
        {"by": "service", "status": "requested", "service_caller": "portal"},
        {"by": "service", "status": "declined", "service_caller": "portal", "reason": "x"},
        {
            "by": "service",
            "status": "confirmed",
            "service_caller": "portal",
            "responded_at": NOW,
            "expires_at": NOW,
        },
        # an answer has its time
        {
            "by": "verifier",
            "status": "confirmed",
            "verifier": VERIFIER.model_dump(),
            "expires_at": NOW,
        },
    ],
)
def test_r08_a_verification_is_coherent(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CpdVerification.model_validate({"request_id": "cpd-1", "requested_at": NOW, **data})


def test_r08_existing_cpd_payloads_still_validate() -> None:
    old = {"title": "Audit", "activity_date": "2025-05-01", "verified_by": "Sam Educator"}
    assert CpdRecord.model_validate(old).verification is None
    assert Policy.model_validate({"declaration_expiry_days": 14}).cpd_verification_required is False
    assert (
        ApplicationProgress.model_validate({"facts": {"last_edited_at": NOW.isoformat()}}).cpd_links
        == CpdLinks()
    )


def test_r08_a_verification_round_trips_through_json() -> None:
    content = ApplicationContent(cpd=[record(verification=confirmed()), record("B")])
    assert ApplicationContent.model_validate_json(content.model_dump_json()) == content


# --- editing withdraws; carrying over keeps (R08, R16) --------------------------------------------


def test_r08_editing_a_verified_records_substance_withdraws_its_verification() -> None:
    old = [record(verification=confirmed())]
    for edit in (
        {"title": "Audit of reject rates"},
        {"activity_date": TODAY - timedelta(days=31)},
        {"learning_outcomes": ["AP4.1", "AP4.2"]},
    ):
        new = [old[0].model_copy(update=edit | {"verification": None})]
        carried = carry_verifications(old, new)
        assert carried[0].verification is None
        assert withdrawn_verifications(old, carried) == [old[0].verification]
        assert counts_as_verified(carried[0], TODAY, NEW_RULE) is False


def test_r16_a_carried_over_record_keeps_its_verification() -> None:
    verification = confirmed()
    old = [record("First"), record(verification=verification)]
    # The applicant reorders the list, adds a record, respaces the title, reorders outcomes and
    # rewrites the note: nothing verified changed.
    moved = record("  Audit   of repeat rates ", verified_by="my manager")
    new = [record("New"), moved, record("First")]
    carried = carry_verifications(old, new)
    assert [r.verification for r in carried] == [None, verification, None]
    assert carried[1].title == moved.title  # what the applicant wrote now
    assert withdrawn_verifications(old, carried) == []
    assert counts_as_verified(carried[1], TODAY, NEW_RULE) is True


def test_r08_a_draft_cannot_bring_in_a_verification() -> None:
    forged = by_portal("cpd-99")
    carried = carry_verifications([record()], [record(verification=forged)])
    assert carried[0].verification is None
    # Not even by copying a real one onto another record.
    real = confirmed("cpd-1")
    old = [record("Verified", verification=real), record("Other")]
    carried = carry_verifications(old, [record("Other", verification=real)])
    assert [r.verification for r in carried] == [None]


def test_r08_each_verification_is_carried_at_most_once() -> None:
    first, second = confirmed("cpd-1"), by_portal("cpd-2")
    old = [record(verification=first), record(verification=second)]
    carried = carry_verifications(old, [record(), record(), record()])
    assert [r.verification for r in carried] == [first, second, None]


def test_r08_a_pending_request_follows_its_record_and_its_link_stays_live() -> None:
    pending = requested(VERIFIER, "cpd-3", NOW, NEW_RULE)
    old = [record("A"), record(verification=pending)]
    carried = carry_verifications(old, [record(), record("A")])
    assert pending_request(carried, "cpd-3") == 0
    links = CpdLinks(live={"secret": "cpd-3"})
    application = ready_but_cpd(carried)
    shown = verification_request(application, links, "secret", NOW + timedelta(days=1))
    assert shown is not None
    assert (shown.title, shown.verifier_name, shown.applicant_name) == (
        "Audit of repeat rates",
        "Sam Educator",
        "Alex Example",
    )
    assert "email" not in shown.model_dump()


def test_r08_a_draft_saved_through_the_lifecycle_carries_and_strips() -> None:
    verification = confirmed()
    application = ready_but_cpd([record(verification=verification), record("Other")])
    life = ApplicationLifecycle(
        ApplicationInput(
            application=application,
            catalogue=pathway_catalogue(Pathway.AP_L4),
            progress=ApplicationProgress.model_validate({"facts": {"last_edited_at": NOW}}),
        ),
        NOW,
    )
    actor = Actor(id=MEMBER.member_id, role=Role.APPLICANT)
    edited = [record("Other", verification=by_portal("cpd-7")), record()]
    life.save_draft(SaveDraft(actor=actor, cpd=edited))
    assert [r.verification for r in life.app.content.cpd] == [None, verification]
    life.save_draft(SaveDraft(actor=actor, cpd=[record(days_ago=40)]))
    assert [r.verification for r in life.app.content.cpd] == [None]


def test_r08_a_new_workflow_starts_without_verifications() -> None:
    application = ready_but_cpd([record(verification=by_portal())])
    life = ApplicationLifecycle(
        ApplicationInput(application=application, catalogue=pathway_catalogue(Pathway.AP_L4)),
        NOW,
    )
    assert [r.verification for r in life.app.content.cpd] == [None]
    assert life.app.declaration is None


# --- links and deadlines (R08) --------------------------------------------------------------------


def test_r08_a_link_is_single_use_and_remembered_with_its_fate() -> None:
    links = CpdLinks()
    first, second = next_cpd_request_id(links), next_cpd_request_id(links)
    assert (first, second, links.issued) == ("cpd-1", "cpd-2", 2)
    open_cpd_link(links, "t1", first)
    open_cpd_link(links, "t2", second)
    spend_cpd_link(links, "t1", SpentLink.USED)
    spend_cpd_link(links, "t1", SpentLink.EXPIRED)  # already spent: its fate stays
    spend_cpd_links(links, [second, "cpd-404"], SpentLink.WITHDRAWN)
    assert links.live == {}
    assert links.spent == {"t1": SpentLink.USED, "t2": SpentLink.WITHDRAWN}


def test_r08_spent_links_remembered_are_bounded() -> None:
    links = CpdLinks()
    for i in range(CPD_SPENT_LINKS_KEPT + 5):
        open_cpd_link(links, f"t{i}", f"cpd-{i}")
        spend_cpd_link(links, f"t{i}", SpentLink.USED)
    assert len(links.spent) == CPD_SPENT_LINKS_KEPT
    assert "t0" not in links.spent


def test_r08_an_unknown_spent_expired_or_withdrawn_link_shows_nothing() -> None:
    pending = requested(VERIFIER, "cpd-1", NOW, NEW_RULE)
    application = ready_but_cpd([record(verification=pending)])
    links = CpdLinks(live={"live": "cpd-1", "gone": "cpd-2"})
    later = NOW + timedelta(days=1)
    assert verification_request(application, links, "live", later) is not None
    assert verification_request(application, links, "unknown", later) is None
    assert verification_request(application, links, "gone", later) is None  # withdrawn by edit
    assert verification_request(application, links, "live", pending.expires_at or NOW) is None
    answered_app = ready_but_cpd(
        [record(verification=answered(pending, confirm=True, reason=None, now=later))]
    )
    assert verification_request(answered_app, links, "live", later) is None


def test_r08_reminders_and_expiry_follow_the_policy() -> None:
    policy = Policy(cpd_verification_expiry_days=20, cpd_verification_reminder_days=[21, 7, 14])
    pending = requested(VERIFIER, "cpd-1", NOW, policy)
    records = [record(verification=pending), record("Done", verification=confirmed("cpd-2"))]
    plan = cpd_verification_deadlines(records, policy)
    assert [(d.kind, d.due_at - NOW) for d in plan] == [
        (CpdDeadlineKind.REMINDER, timedelta(days=7)),
        (CpdDeadlineKind.REMINDER, timedelta(days=14)),
        (CpdDeadlineKind.EXPIRY, timedelta(days=20)),
    ]
    assert len({d.key for d in plan}) == 3
    assert {d.request_id for d in plan} == {"cpd-1"}


def test_r08_policy_defaults_for_verification() -> None:
    policy = Policy()
    assert policy.cpd_verification_required is False
    assert policy.cpd_verification_expiry == timedelta(days=28)
    assert policy.cpd_verification_reminder_days == [7, 21]


# --- properties -----------------------------------------------------------------------------------

TITLES = st.sampled_from(["Audit", " Audit ", "audit", "Course", "Study day"])
CODES = st.lists(st.sampled_from(["AP4.1", "AP4.2", "AP4.3"]), max_size=3)
DAYS = st.integers(-3, 800)


@st.composite
def verifications(draw: st.DrawFn) -> CpdVerification | None:
    request_id = f"cpd-{draw(st.integers(1, 10_000))}"
    kind = draw(st.sampled_from(["none", "requested", "confirmed", "declined", "service"]))
    if kind == "none":
        return None
    if kind == "service":
        return by_portal(request_id)
    pending = requested(VERIFIER, request_id, NOW - timedelta(days=1), NEW_RULE)
    if kind == "requested":
        return pending
    return answered(pending, confirm=kind == "confirmed", reason="not mine", now=NOW)


@st.composite
def records(draw: st.DrawFn) -> CpdRecord:
    return CpdRecord(
        title=draw(TITLES),
        activity_date=TODAY - timedelta(days=draw(DAYS)),
        verified_by=draw(st.sampled_from([None, "", "  ", "Sam Educator"])),
        learning_outcomes=draw(CODES),
        verification=draw(verifications()),
    )


def unique_ids(items: list[CpdRecord]) -> list[CpdRecord]:
    """Request ids are unique within an application: renumber them."""
    return [
        r.model_copy(
            update={"verification": r.verification.model_copy(update={"request_id": f"cpd-{i}"})}
        )
        if r.verification
        else r
        for i, r in enumerate(items)
    ]


@given(old=st.lists(records(), max_size=6).map(unique_ids), new=st.lists(records(), max_size=6))
def test_r08_carrying_never_invents_reuses_or_keeps_a_changed_verification(
    old: list[CpdRecord], new: list[CpdRecord]
) -> None:
    carried = carry_verifications(old, new)
    assert len(carried) == len(new)
    olds = [r.verification for r in old if r.verification is not None]
    kept = [r.verification for r in carried if r.verification is not None]
    # Every verification kept is an old one, each at most once.
    assert all(v in olds for v in kept)
    assert len({v.request_id for v in kept}) == len(kept)
    for before, after in zip(new, carried, strict=True):
        # Only the verification changes; a kept one belongs to an old record of the same substance.
        assert after.model_copy(update={"verification": before.verification}) == before
        if after.verification is not None:
            assert any(
                o.verification == after.verification and same_substance(o, after) for o in old
            )
    # What was not kept is reported withdrawn, in the old order.
    assert withdrawn_verifications(old, carried) == [v for v in olds if v not in kept]


@given(old=st.lists(records(), max_size=6).map(unique_ids))
def test_r16_saving_the_same_list_again_keeps_every_verification(old: list[CpdRecord]) -> None:
    stripped = [r.model_copy(update={"verification": None}) for r in old]
    assert carry_verifications(old, stripped) == old
    assert carry_verifications(old, old) == old


@given(item=records(), flag=st.booleans())
def test_r08_what_counts_under_each_rule(item: CpdRecord, flag: bool) -> None:
    policy = Policy(cpd_verification_required=flag)
    recent = add_years(TODAY, -2) <= item.activity_date <= TODAY
    if flag:
        v = item.verification
        expected = v is not None and v.status == CpdVerificationStatus.CONFIRMED
    else:
        expected = bool((item.verified_by or "").strip())
    assert counts_as_verified(item, TODAY, policy) is (recent and expected)
    assert cpd_verified(item, TODAY, policy=policy) is counts_as_verified(item, TODAY, policy)


NAMES = st.sampled_from(["Alex Example", "Ann-Marie O'Neil", "Zoë Brontë", "Li Wei"])


@given(
    name=NAMES,
    change=st.sampled_from(
        [str.upper, str.lower, str.title, lambda s: f"  {s}  ", lambda s: "Dr " + s]
    ),
)
def test_r08_the_applicant_cannot_verify_under_another_spelling(
    name: str, change: Callable[[str], str]
) -> None:
    member = MEMBER.model_copy(update={"name": name})
    spelled = change(name)
    verifier = Verifier(
        name=spelled, email=str(MEMBER.email).upper(), professional_registration="X1"
    )
    fields = {p.field for p in verifier_problems(verifier, member)}
    assert fields == {"verifier.email", "verifier.name"}
