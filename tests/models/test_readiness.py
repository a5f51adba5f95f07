"""models.readiness: what stands between an application and submission (R02-R10, R16)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.application import Application, CpdRecord, NarrativeSection
from models.dates import add_years
from models.enums import (
    ApplicationKind,
    DeclarationStatus,
    DocumentKind,
    Pathway,
    PractitionerRole,
    Route,
)
from models.errors import Problem
from models.readiness import MIN_VERIFIED_CPD, readiness
from models.refusals import RefusalKind, refused
from tests.builders import (
    TODAY,
    certificate_document,
    complete_application,
    complete_reaccreditation,
    cpd_records,
    declaration,
    draft_application,
    narrative,
    other_level,
    pathway_catalogue,
    qualification,
    scope_of_practice_document,
    with_content,
)

PATHWAYS = list(Pathway)
ROUTES = list(Route)


def problems_of(application: Application, today: date = TODAY) -> list[Problem]:
    return readiness(application, pathway_catalogue(application.pathway), today)


def codes(problems: list[Problem]) -> set[tuple[str, str, str]]:
    return {(p.rule, p.code, p.field) for p in problems}


def with_qualification_completed(application: Application, completed_on: date) -> Application:
    first = application.content.qualifications[0].model_copy(update={"completed_on": completed_on})
    return with_content(application, qualifications=[first])


# --- complete applications are ready ---------------------------------------------------------


@pytest.mark.parametrize("pathway", PATHWAYS)
@pytest.mark.parametrize("route", ROUTES)
def test_r03_complete_initial_application_is_ready_on_every_pathway_and_route(
    pathway: Pathway, route: Route
) -> None:
    assert problems_of(complete_application(pathway, route)) == []


@pytest.mark.parametrize("pathway", PATHWAYS)
def test_r16_complete_reaccreditation_is_ready_on_every_pathway(pathway: Pathway) -> None:
    assert problems_of(complete_reaccreditation(pathway)) == []


# --- R10: every missing item at once ---------------------------------------------------------


def test_r10_empty_non_approved_draft_reports_every_missing_item_at_once() -> None:
    draft = draft_application(Pathway.AP_L4, Route.NON_APPROVED)
    problems = problems_of(draft)
    outcome_fields = {
        ("R08", "narrative_outcome_missing", f"narrative.{code}")
        for code in pathway_catalogue(Pathway.AP_L4).outcome_codes()
    }
    assert codes(problems) == {
        ("R06", "role_details_missing", "role_details"),
        ("R06", "scope_of_practice_missing", "documents"),
        ("R08", "qualification_missing", "qualifications"),
        ("R08", "cpd_insufficient", "cpd"),
        ("R09", "declaration_incomplete", "declaration"),
        *outcome_fields,
    }
    assert len(problems) == len(codes(problems))
    assert all(p.message for p in problems)


def test_r10_empty_approved_draft_reports_every_missing_item_at_once() -> None:
    problems = problems_of(draft_application(Pathway.MA_L4, Route.APPROVED))
    assert codes(problems) == {
        ("R06", "role_details_missing", "role_details"),
        ("R06", "scope_of_practice_missing", "documents"),
        ("R07", "qualification_missing", "qualifications"),
        ("R09", "declaration_incomplete", "declaration"),
    }


def test_r10_several_gaps_in_a_filled_application_are_all_reported() -> None:
    application = complete_application(Pathway.AP_L5, Route.NON_APPROVED)
    old = add_years(TODAY, -3) - timedelta(days=1)
    gappy = with_content(
        with_qualification_completed(application, old),
        documents=[certificate_document("doc-cert-0")],
        narrative=narrative(Pathway.AP_L5, omit=("AP5.2",)),
        cpd=cpd_records(TODAY, 5),
    ).model_copy(update={"declaration": declaration(DeclarationStatus.INVITED)})

    problems = problems_of(gappy)

    assert codes(problems) == {
        ("R06", "scope_of_practice_missing", "documents"),
        ("R04", "qualification_not_recent", "qualifications[0].completed_on"),
        ("R08", "narrative_outcome_missing", "narrative.AP5.2"),
        ("R08", "cpd_insufficient", "cpd"),
        ("R09", "declaration_incomplete", "declaration"),
    }


def test_r10_not_ready_refusal_lists_every_problem_in_its_message() -> None:
    problems = problems_of(draft_application(Pathway.MA_L4, Route.APPROVED))
    refusal = refused(RefusalKind.NOT_READY, "the application is not ready", problems)
    assert refusal.problems == problems
    for problem in problems:
        assert f"{problem.field}: {problem.message}" in refusal.message


def test_r10_checking_readiness_changes_nothing_entered() -> None:
    application = with_content(complete_application(Pathway.AP_L4, Route.NON_APPROVED), cpd=[])
    before = application.model_dump()
    assert problems_of(application)
    assert application.model_dump() == before


# --- R02: role and level follow the pathway --------------------------------------------------


@pytest.mark.parametrize(
    ("pathway", "role"),
    [
        (Pathway.MA_L4, PractitionerRole.ASSISTANT_PRACTITIONER),
        (Pathway.AP_L4, PractitionerRole.MAMMOGRAPHY_ASSOCIATE),
        (Pathway.AP_L5, PractitionerRole.MAMMOGRAPHY_ASSOCIATE),
    ],
)
@pytest.mark.parametrize("kind", list(ApplicationKind))
def test_r02_role_that_does_not_fit_the_pathway_is_refused(
    pathway: Pathway, role: PractitionerRole, kind: ApplicationKind
) -> None:
    application = (
        complete_reaccreditation(pathway)
        if kind == ApplicationKind.REACCREDITATION
        else complete_application(pathway, Route.APPROVED)
    )
    wrong_role = application.content.role_details.model_copy(update={"role": role})  # type: ignore[union-attr]
    problems = problems_of(with_content(application, role_details=wrong_role))

    assert codes(problems) == {("R02", "role_pathway_mismatch", "role_details.role")}
    assert pathway.value in problems[0].message


@pytest.mark.parametrize("pathway", PATHWAYS)
def test_r02_qualification_level_must_fit_the_pathway(pathway: Pathway) -> None:
    application = complete_application(pathway, Route.NON_APPROVED)
    wrong = application.content.qualifications[0].model_copy(
        update={"fheq_level": other_level(pathway)}
    )
    problems = problems_of(with_content(application, qualifications=[wrong]))
    assert codes(problems) == {
        ("R02", "qualification_level_mismatch", "qualifications[0].fheq_level")
    }


def test_r02_approved_programme_level_is_taken_from_the_list() -> None:
    application = complete_application(Pathway.AP_L5, Route.APPROVED)
    entered = application.content.qualifications[0].model_copy(
        update={"fheq_level": other_level(Pathway.AP_L5)}
    )
    assert problems_of(with_content(application, qualifications=[entered])) == []


# --- R04: qualification recency --------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_r04_qualification_completed_exactly_three_years_ago_is_accepted(route: Route) -> None:
    application = complete_application(Pathway.AP_L4, route)
    on_the_day = with_qualification_completed(application, date(2022, 6, 16))
    assert problems_of(on_the_day, today=date(2025, 6, 16)) == []


@pytest.mark.parametrize("route", ROUTES)
def test_r04_qualification_completed_three_years_and_a_day_ago_is_refused(route: Route) -> None:
    application = complete_application(Pathway.AP_L4, route)
    too_old = with_qualification_completed(application, date(2022, 6, 15))
    problems = problems_of(too_old, today=date(2025, 6, 16))
    assert codes(problems) == {
        ("R04", "qualification_not_recent", "qualifications[0].completed_on")
    }


def test_r04_qualification_completed_in_the_future_is_refused() -> None:
    application = complete_application(Pathway.MA_L4, Route.APPROVED)
    future = with_qualification_completed(application, TODAY + timedelta(days=1))
    assert codes(problems_of(future)) == {
        ("R04", "qualification_not_recent", "qualifications[0].completed_on")
    }


def test_r04_qualification_completed_today_is_accepted() -> None:
    application = complete_application(Pathway.MA_L4, Route.APPROVED)
    assert problems_of(with_qualification_completed(application, TODAY)) == []


def test_r04_recency_is_measured_on_the_day_of_submission() -> None:
    application = with_qualification_completed(
        complete_application(Pathway.AP_L4, Route.APPROVED), date(2022, 6, 16)
    )
    assert problems_of(application, today=date(2025, 6, 16)) == []
    assert problems_of(application, today=date(2025, 6, 17))


def test_r04_does_not_apply_to_reaccreditation() -> None:
    application = complete_reaccreditation(Pathway.AP_L4)
    old = application.content.qualifications[0]
    assert old.completed_on < add_years(TODAY, -3)
    assert problems_of(application) == []


# --- R06: role details and scope of practice -------------------------------------------------


def test_r06_scope_of_practice_document_is_required() -> None:
    application = complete_application(Pathway.AP_L4, Route.APPROVED)
    without_scope = with_content(
        application,
        documents=application.content.documents_of(DocumentKind.CERTIFICATE),
    )
    assert codes(problems_of(without_scope)) == {("R06", "scope_of_practice_missing", "documents")}


def test_r06_role_details_are_required() -> None:
    application = with_content(
        complete_application(Pathway.MA_L4, Route.APPROVED), role_details=None
    )
    assert codes(problems_of(application)) == {("R06", "role_details_missing", "role_details")}


def test_r06_a_certificate_does_not_stand_in_for_the_scope_of_practice() -> None:
    application = complete_application(Pathway.AP_L4, Route.APPROVED)
    mislabelled = with_content(
        application, documents=[certificate_document("doc-cert-0"), certificate_document("x")]
    )
    assert ("R06", "scope_of_practice_missing", "documents") in codes(problems_of(mislabelled))


# --- R07: approved route ---------------------------------------------------------------------


@pytest.mark.parametrize("pathway", PATHWAYS)
def test_r07_approved_programme_from_another_pathway_is_refused(pathway: Pathway) -> None:
    application = complete_application(pathway, Route.APPROVED)
    elsewhere = next(p for p in PATHWAYS if p != pathway)
    foreign_id = pathway_catalogue(elsewhere).programmes[0].id
    foreign = application.content.qualifications[0].model_copy(update={"programme_id": foreign_id})
    problems = problems_of(with_content(application, qualifications=[foreign]))
    assert ("R07", "programme_not_approved", "qualifications[0].programme_id") in codes(problems)
    assert pathway.value in next(p.message for p in problems if p.code == "programme_not_approved")


def test_r07_programme_missing_from_the_list_is_refused() -> None:
    application = complete_application(Pathway.AP_L4, Route.APPROVED)
    unlisted = application.content.qualifications[0].model_copy(update={"programme_id": None})
    problems = problems_of(with_content(application, qualifications=[unlisted]))
    assert codes(problems) == {("R07", "programme_not_approved", "qualifications[0].programme_id")}


def test_r07_certificate_is_required() -> None:
    application = complete_application(Pathway.AP_L4, Route.APPROVED)
    uncertified = application.content.qualifications[0].model_copy(
        update={"certificate_document_id": None}
    )
    problems = problems_of(with_content(application, qualifications=[uncertified]))
    assert codes(problems) == {
        ("R07", "certificate_missing", "qualifications[0].certificate_document_id")
    }


@pytest.mark.parametrize("document_id", ["doc-scope", "doc-not-uploaded"])
def test_r07_certificate_must_be_an_uploaded_certificate(document_id: str) -> None:
    application = complete_application(Pathway.MA_L4, Route.APPROVED)
    wrong = application.content.qualifications[0].model_copy(
        update={"certificate_document_id": document_id}
    )
    problems = problems_of(with_content(application, qualifications=[wrong]))
    assert codes(problems) == {
        ("R07", "certificate_missing", "qualifications[0].certificate_document_id")
    }


def test_r07_approved_route_needs_no_narrative_or_cpd() -> None:
    application = complete_application(Pathway.AP_L5, Route.APPROVED)
    assert application.content.narrative == []
    assert application.content.cpd == []
    assert problems_of(application) == []


# --- R08: non-approved route -----------------------------------------------------------------


@pytest.mark.parametrize("missing", ["title", "awarding_body"])
def test_r08_qualification_details_are_required(missing: str) -> None:
    application = complete_application(Pathway.AP_L4, Route.NON_APPROVED)
    partial = application.content.qualifications[0].model_copy(update={missing: None})
    problems = problems_of(with_content(application, qualifications=[partial]))
    assert codes(problems) == {("R08", "qualification_details_missing", "qualifications[0]")}


def test_r08_certificate_is_required() -> None:
    application = complete_application(Pathway.AP_L4, Route.NON_APPROVED)
    problems = problems_of(with_content(application, documents=[scope_of_practice_document()]))
    assert codes(problems) == {
        ("R08", "certificate_missing", "qualifications[0].certificate_document_id")
    }


@pytest.mark.parametrize("pathway", PATHWAYS)
def test_r08_narrative_missing_one_outcome_lists_that_outcome(pathway: Pathway) -> None:
    missing = pathway_catalogue(pathway).outcome_codes()[2]
    application = with_content(
        complete_application(pathway, Route.NON_APPROVED),
        narrative=narrative(pathway, omit=(missing,)),
    )
    problems = problems_of(application)
    assert codes(problems) == {("R08", "narrative_outcome_missing", f"narrative.{missing}")}
    assert missing in problems[0].message


def test_r08_blank_narrative_section_does_not_evidence_its_outcome() -> None:
    sections = narrative(Pathway.MA_L4)
    sections[0] = NarrativeSection(outcome_code=sections[0].outcome_code, text="   \n")
    application = with_content(
        complete_application(Pathway.MA_L4, Route.NON_APPROVED), narrative=sections
    )
    assert codes(problems_of(application)) == {
        ("R08", "narrative_outcome_missing", f"narrative.{sections[0].outcome_code}")
    }


def test_r08_narrative_for_an_outcome_of_another_pathway_is_reported() -> None:
    sections = [*narrative(Pathway.AP_L4), NarrativeSection(outcome_code="MA4.1", text="Hi")]
    application = with_content(
        complete_application(Pathway.AP_L4, Route.NON_APPROVED), narrative=sections
    )
    problems = problems_of(application)
    index = len(sections) - 1
    assert codes(problems) == {
        ("R08", "narrative_outcome_unknown", f"narrative[{index}].outcome_code")
    }
    assert "AP_L4" in problems[0].message


def test_r08_narrative_is_checked_against_the_catalogue_given() -> None:
    application = complete_application(Pathway.AP_L4, Route.NON_APPROVED)
    catalogue = pathway_catalogue(Pathway.AP_L4)
    extra = catalogue.outcomes[0].model_copy(update={"code": "AP4.99"})
    bigger = catalogue.model_copy(update={"outcomes": [*catalogue.outcomes, extra]})
    assert codes(readiness(application, bigger, TODAY)) == {
        ("R08", "narrative_outcome_missing", "narrative.AP4.99")
    }


def cpd_problem(application: Application, today: date = TODAY) -> list[Problem]:
    return [p for p in problems_of(application, today) if p.code == "cpd_insufficient"]


@pytest.mark.parametrize(
    ("count", "ready"), [(MIN_VERIFIED_CPD - 1, False), (MIN_VERIFIED_CPD, True)]
)
def test_r08_five_verified_cpd_are_not_enough_six_are(count: int, ready: bool) -> None:
    application = with_content(
        complete_application(Pathway.AP_L4, Route.NON_APPROVED), cpd=cpd_records(TODAY, count)
    )
    problems = cpd_problem(application)
    assert (problems == []) is ready
    if not ready:
        assert problems[0].rule == "R08"
        assert problems[0].field == "cpd"
        assert f"{count} qualify" in problems[0].message


def test_r08_unverified_cpd_does_not_count() -> None:
    records = [
        *cpd_records(TODAY, 5),
        *cpd_records(TODAY, 3, verified=False),
        CpdRecord(title="Blank verifier", activity_date=TODAY, verified_by="  "),
    ]
    application = with_content(complete_application(Pathway.AP_L4, Route.NON_APPROVED), cpd=records)
    assert "5 qualify" in cpd_problem(application)[0].message


def test_r08_cpd_exactly_two_years_old_counts() -> None:
    today = date(2025, 6, 16)
    records = [*cpd_records(today, 5), *cpd_records(today, 1, days_ago=0)]
    records[-1] = records[-1].model_copy(update={"activity_date": date(2023, 6, 16)})
    application = with_content(
        complete_application(Pathway.AP_L5, Route.NON_APPROVED, today=today), cpd=records
    )
    assert cpd_problem(application, today) == []


def test_r08_cpd_two_years_and_a_day_old_does_not_count() -> None:
    today = date(2025, 6, 16)
    records = cpd_records(today, 6)
    records[-1] = records[-1].model_copy(update={"activity_date": date(2023, 6, 15)})
    application = with_content(
        complete_application(Pathway.AP_L5, Route.NON_APPROVED, today=today), cpd=records
    )
    assert "5 qualify" in cpd_problem(application, today)[0].message


def test_r08_cpd_dated_in_the_future_does_not_count() -> None:
    records = cpd_records(TODAY, 6)
    records[0] = records[0].model_copy(update={"activity_date": TODAY + timedelta(days=1)})
    application = with_content(complete_application(Pathway.MA_L4, Route.NON_APPROVED), cpd=records)
    assert "5 qualify" in cpd_problem(application)[0].message


# --- R09: the declaration --------------------------------------------------------------------


def declaration_problems(application: Application) -> list[Problem]:
    return [p for p in problems_of(application) if p.field == "declaration"]


def test_r09_missing_declaration_asks_for_an_invitation() -> None:
    application = complete_application(Pathway.AP_L4, Route.APPROVED).model_copy(
        update={"declaration": None}
    )
    [problem] = declaration_problems(application)
    assert (problem.rule, problem.code) == ("R09", "declaration_incomplete")
    assert "invite your manager or practice educator" in problem.message


def test_r09_invited_declaration_says_who_it_is_waiting_for() -> None:
    application = complete_application(Pathway.AP_L4, Route.APPROVED).model_copy(
        update={"declaration": declaration(DeclarationStatus.INVITED)}
    )
    [problem] = declaration_problems(application)
    assert problem.message == "waiting for Jo Manager to complete the declaration"


def test_r09_declined_declaration_gives_the_reason() -> None:
    declined = declaration(DeclarationStatus.DECLINED, reason="scope not agreed with me")
    application = complete_application(Pathway.AP_L4, Route.NON_APPROVED).model_copy(
        update={"declaration": declined}
    )
    [problem] = declaration_problems(application)
    assert problem.rule == "R09"
    assert "Jo Manager declined the declaration: scope not agreed with me" in problem.message
    assert "invite them again" in problem.message


def test_r09_expired_declaration_asks_for_a_new_invitation() -> None:
    application = complete_application(Pathway.MA_L4, Route.APPROVED).model_copy(
        update={"declaration": declaration(DeclarationStatus.EXPIRED)}
    )
    [problem] = declaration_problems(application)
    assert problem.message == "the declaration invitation expired; invite your declarer again"


def test_r09_confirmed_declaration_is_complete() -> None:
    application = complete_application(Pathway.MA_L4, Route.APPROVED)
    assert application.declaration is not None
    assert application.declaration.status == DeclarationStatus.CONFIRMED
    assert declaration_problems(application) == []


# --- R16: re-accreditation -------------------------------------------------------------------


def test_r16_reaccreditation_needs_certificates_for_every_qualification() -> None:
    application = complete_reaccreditation(Pathway.AP_L5)
    first, second = application.content.qualifications
    third = second.model_copy(update={"certificate_document_id": "doc-cert-2"})
    uncertified = second.model_copy(update={"certificate_document_id": None})
    problems = problems_of(with_content(application, qualifications=[first, uncertified, third]))
    assert codes(problems) == {
        ("R16", "certificate_missing", "qualifications[1].certificate_document_id"),
        ("R16", "certificate_missing", "qualifications[2].certificate_document_id"),
    }


def test_r16_reaccreditation_needs_qualifications() -> None:
    application = with_content(complete_reaccreditation(Pathway.AP_L4), qualifications=[])
    assert codes(problems_of(application)) == {("R16", "qualification_missing", "qualifications")}


def test_r16_empty_reaccreditation_reports_every_missing_item_under_r16() -> None:
    draft = draft_application(Pathway.MA_L4, None, ApplicationKind.REACCREDITATION)
    problems = problems_of(draft)
    assert {p.rule for p in problems} == {"R16"}
    assert {p.code for p in problems} == {
        "role_details_missing",
        "scope_of_practice_missing",
        "qualification_missing",
        "narrative_outcome_missing",
        "cpd_insufficient",
        "declaration_incomplete",
    }
    narrative_fields = {p.field for p in problems if p.code == "narrative_outcome_missing"}
    assert narrative_fields == {
        f"narrative.{c}" for c in pathway_catalogue(Pathway.MA_L4).outcome_codes()
    }


def test_r16_reaccreditation_needs_narrative_and_six_recent_verified_cpd() -> None:
    application = with_content(
        complete_reaccreditation(Pathway.AP_L4),
        narrative=narrative(Pathway.AP_L4, omit=("AP4.1",)),
        cpd=[*cpd_records(TODAY, 5), *cpd_records(TODAY, 1, days_ago=800)],
    )
    assert codes(problems_of(application)) == {
        ("R16", "narrative_outcome_missing", "narrative.AP4.1"),
        ("R16", "cpd_insufficient", "cpd"),
    }


def test_r16_reaccreditation_declaration_is_required() -> None:
    application = complete_reaccreditation(Pathway.AP_L4).model_copy(update={"declaration": None})
    assert codes(problems_of(application)) == {("R16", "declaration_incomplete", "declaration")}


def test_r16_reaccreditation_qualification_needs_no_listed_programme() -> None:
    application = complete_reaccreditation(Pathway.MA_L4)
    extra = qualification(Pathway.MA_L4, None, TODAY, certificate_document_id="doc-cert-0")
    assert (
        problems_of(
            with_content(application, qualifications=[*application.content.qualifications, extra])
        )
        == []
    )
