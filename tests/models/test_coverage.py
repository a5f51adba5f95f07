"""models.coverage: every learning outcome of the pathway against its evidence (R08, R16), and
the readiness check (R10) reading the same computation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.application import Application, CpdRecord, NarrativeSection
from models.application_lifecycle import ApplicationLifecycle
from models.commands import ApplicationInput
from models.coverage import OutcomeCoverage, Verdict, coverage, cpd_verified, evidence_rule
from models.dates import add_years
from models.enums import ApplicationKind, Pathway, Route
from models.readiness import readiness
from tests.builders import (
    TODAY,
    at,
    complete_application,
    complete_reaccreditation,
    draft_application,
    narrative,
    pathway_catalogue,
    with_content,
)

PATHWAYS = list(Pathway)


def map_of(application: Application, today: date = TODAY) -> dict[str, OutcomeCoverage]:
    """The coverage rows keyed by outcome code."""
    rows = coverage(application, pathway_catalogue(application.pathway), today)
    return {row.outcome_code: row for row in rows}


def cpd(
    title: str, *codes: str, verified_by: str | None = "Sam Educator", days_ago: int = 30
) -> CpdRecord:
    return CpdRecord(
        title=title,
        activity_date=TODAY - timedelta(days=days_ago),
        verified_by=verified_by,
        learning_outcomes=list(codes),
    )


# --- every outcome listed ---------------------------------------------------------------------


@pytest.mark.parametrize("pathway", PATHWAYS)
def test_r08_every_learning_outcome_of_the_pathway_is_listed_in_catalogue_order(
    pathway: Pathway,
) -> None:
    application = complete_application(pathway, Route.NON_APPROVED)
    catalogue = pathway_catalogue(pathway)
    rows = coverage(application, catalogue, TODAY)
    assert [(r.outcome_code, r.title) for r in rows] == [
        (o.code, o.title) for o in catalogue.outcomes
    ]
    assert all(r.verdict == Verdict.COVERED for r in rows)


@pytest.mark.parametrize("pathway", PATHWAYS)
def test_r16_reaccreditation_lists_every_learning_outcome(pathway: Pathway) -> None:
    rows = coverage(complete_reaccreditation(pathway), pathway_catalogue(pathway), TODAY)
    assert [r.outcome_code for r in rows] == pathway_catalogue(pathway).outcome_codes()
    assert {r.verdict for r in rows} == {Verdict.COVERED}


@pytest.mark.parametrize("pathway", PATHWAYS)
def test_r16_an_empty_reaccreditation_needs_evidence_for_every_outcome(pathway: Pathway) -> None:
    draft = draft_application(pathway, None, ApplicationKind.REACCREDITATION)
    rows = coverage(draft, pathway_catalogue(pathway), TODAY)
    assert [r.outcome_code for r in rows] == pathway_catalogue(pathway).outcome_codes()
    for row in rows:
        assert (row.narrative_present, row.narrative_length, row.cpd) == (False, 0, [])
        assert row.verdict == Verdict.NEEDS_EVIDENCE


def test_r07_the_approved_route_has_no_coverage_map() -> None:
    application = complete_application(Pathway.AP_L4, Route.APPROVED)
    assert evidence_rule(application) is None
    assert coverage(application, pathway_catalogue(Pathway.AP_L4), TODAY) == []


def test_r08_r16_the_rule_each_application_evidences_its_outcomes_by() -> None:
    assert evidence_rule(complete_application(Pathway.MA_L4, Route.NON_APPROVED)) == "R08"
    assert evidence_rule(complete_reaccreditation(Pathway.MA_L4)) == "R16"


def test_r08_coverage_follows_the_catalogue_given() -> None:
    application = complete_application(Pathway.AP_L4, Route.NON_APPROVED)
    catalogue = pathway_catalogue(Pathway.AP_L4)
    extra = catalogue.outcomes[0].model_copy(update={"code": "AP4.99", "title": "An extra"})
    bigger = catalogue.model_copy(update={"outcomes": [*catalogue.outcomes, extra]})
    rows = coverage(application, bigger, TODAY)
    assert rows[-1].outcome_code == "AP4.99"
    assert rows[-1].title == "An extra"
    assert rows[-1].verdict == Verdict.NEEDS_EVIDENCE


# --- the narrative: present, length, verdict --------------------------------------------------


def test_r08_narrative_length_counts_the_text_without_surrounding_spaces() -> None:
    sections = narrative(Pathway.AP_L4)
    code = sections[0].outcome_code
    sections[0] = NarrativeSection(outcome_code=code, text="  \nTwelve chars\n ")
    rows = map_of(
        with_content(complete_application(Pathway.AP_L4, Route.NON_APPROVED), narrative=sections)
    )
    row = rows[code]
    assert row.narrative_present is True
    assert row.narrative_length == len("Twelve chars")
    assert row.verdict == Verdict.COVERED


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_r08_a_blank_section_is_no_narrative_and_needs_evidence(text: str) -> None:
    sections = narrative(Pathway.MA_L4)
    code = sections[1].outcome_code
    sections[1] = NarrativeSection(outcome_code=code, text=text)
    rows = map_of(
        with_content(complete_application(Pathway.MA_L4, Route.NON_APPROVED), narrative=sections)
    )
    row = rows[code]
    assert (row.narrative_present, row.narrative_length) == (False, 0)
    assert row.verdict == Verdict.NEEDS_EVIDENCE


def test_r08_a_missing_section_needs_evidence_and_the_others_stay_covered() -> None:
    missing = pathway_catalogue(Pathway.AP_L5).outcome_codes()[2]
    application = with_content(
        complete_application(Pathway.AP_L5, Route.NON_APPROVED),
        narrative=narrative(Pathway.AP_L5, omit=(missing,)),
    )
    verdicts = {code: row.verdict for code, row in map_of(application).items()}
    assert verdicts.pop(missing) == Verdict.NEEDS_EVIDENCE
    assert set(verdicts.values()) == {Verdict.COVERED}


def test_r08_a_section_for_an_unknown_outcome_is_not_listed() -> None:
    sections = [*narrative(Pathway.AP_L4), NarrativeSection(outcome_code="MA4.1", text="Hi")]
    application = with_content(
        complete_application(Pathway.AP_L4, Route.NON_APPROVED), narrative=sections
    )
    assert "MA4.1" not in map_of(application)


# --- CPD mapped to each outcome ----------------------------------------------------------------


def test_r08_cpd_mapped_to_each_outcome_with_its_verified_flag() -> None:
    first, second, third = pathway_catalogue(Pathway.AP_L4).outcome_codes()[:3]
    records = [
        cpd("Audit", first, second),
        cpd("Unverified course", first, verified_by=None),
        cpd("Blank verifier", first, verified_by="   "),
        cpd("Old study day", second, days_ago=365 * 2 + 5),
        cpd("Not mapped"),
        cpd("Another pathway's outcome", "MA4.1"),
        cpd("Mapped twice", second, second),
    ]
    application = with_content(complete_application(Pathway.AP_L4, Route.NON_APPROVED), cpd=records)
    rows = map_of(application)

    def listed(code: str) -> list[tuple[int, str, bool]]:
        return [(e.index, e.title, e.verified) for e in rows[code].cpd]

    assert listed(first) == [
        (0, "Audit", True),
        (1, "Unverified course", False),
        (2, "Blank verifier", False),
    ]
    assert listed(second) == [
        (0, "Audit", True),
        (3, "Old study day", False),
        (6, "Mapped twice", True),
    ]
    assert listed(third) == []
    assert rows[first].cpd[0].activity_date == TODAY - timedelta(days=30)


def test_r08_cpd_does_not_decide_an_outcomes_verdict() -> None:
    written, unwritten = pathway_catalogue(Pathway.AP_L4).outcome_codes()[:2]
    application = with_content(
        complete_application(Pathway.AP_L4, Route.NON_APPROVED),
        narrative=narrative(Pathway.AP_L4, omit=(unwritten,)),
        cpd=[cpd(f"Verified {i}", unwritten) for i in range(6)],
    )
    rows = map_of(application)
    # Narrative and no CPD mapped: covered (the six verified CPD are counted overall).
    assert rows[written].cpd == []
    assert rows[written].verdict == Verdict.COVERED
    # Six verified CPD mapped but no narrative: still needs evidence.
    assert len(rows[unwritten].cpd) == 6
    assert rows[unwritten].verdict == Verdict.NEEDS_EVIDENCE


@pytest.mark.parametrize(
    ("verified_by", "activity_date", "counts"),
    [
        ("Sam Educator", date(2023, 6, 16), True),  # exactly two years ago
        ("Sam Educator", date(2023, 6, 15), False),  # two years and a day
        ("Sam Educator", date(2025, 6, 16), True),  # today
        ("Sam Educator", date(2025, 6, 17), False),  # the future
        (None, date(2025, 1, 1), False),
        ("  ", date(2025, 1, 1), False),
    ],
)
def test_r08_cpd_verified_is_verified_by_someone_and_from_the_last_two_years(
    verified_by: str | None, activity_date: date, counts: bool
) -> None:
    record = CpdRecord(title="CPD", activity_date=activity_date, verified_by=verified_by)
    assert cpd_verified(record, date(2025, 6, 16)) is counts


def test_r08_cpd_verified_is_what_readiness_counts() -> None:
    today = date(2025, 6, 16)
    records = [cpd(f"CPD {i}", days_ago=10) for i in range(5)]
    records.append(CpdRecord(title="Edge", activity_date=add_years(today, -2), verified_by="Jo"))
    records.append(CpdRecord(title="Too old", activity_date=date(2023, 6, 15), verified_by="Jo"))
    application = with_content(
        complete_application(Pathway.AP_L4, Route.NON_APPROVED, today=today), cpd=records
    )
    assert sum(cpd_verified(r, today) for r in records) == 6
    assert readiness(application, pathway_catalogue(Pathway.AP_L4), today) == []


# --- R10: readiness and the map agree -----------------------------------------------------------

UNKNOWN_CODE = "ZZ9.9"
TEXTS = st.one_of(
    st.sampled_from(["", " ", "\n\t", "\u00a0", "x", "  My reflection.  "]),
    st.text(max_size=12),
)


@st.composite
def applications(draw: st.DrawFn) -> Application:
    pathway = draw(st.sampled_from(PATHWAYS))
    kind, route = draw(
        st.sampled_from(
            [
                (ApplicationKind.INITIAL, Route.APPROVED),
                (ApplicationKind.INITIAL, Route.NON_APPROVED),
                (ApplicationKind.REACCREDITATION, None),
            ]
        )
    )
    codes = st.sampled_from([*pathway_catalogue(pathway).outcome_codes(), UNKNOWN_CODE])
    sections = draw(
        st.lists(st.builds(NarrativeSection, outcome_code=codes, text=TEXTS), max_size=12)
    )
    records = draw(
        st.lists(
            st.builds(
                CpdRecord,
                title=st.sampled_from(["Audit", "Course"]),
                activity_date=st.integers(-3, 800).map(lambda d: TODAY - timedelta(days=d)),
                verified_by=st.sampled_from([None, "", "  ", "Sam Educator"]),
                learning_outcomes=st.lists(codes, max_size=3),
            ),
            max_size=8,
        )
    )
    return with_content(draft_application(pathway, route, kind), narrative=sections, cpd=records)


@given(application=applications())
def test_r10_readiness_and_coverage_agree(application: Application) -> None:
    catalogue = pathway_catalogue(application.pathway)
    rows = coverage(application, catalogue, TODAY)
    problems = readiness(application, catalogue, TODAY)
    rule = evidence_rule(application)

    # Readiness asks for narrative on exactly the outcomes the map says need evidence.
    missing = [p for p in problems if p.code == "narrative_outcome_missing"]
    assert [p.field for p in missing] == [
        f"narrative.{r.outcome_code}" for r in rows if r.verdict == Verdict.NEEDS_EVIDENCE
    ]
    assert {p.rule for p in missing} <= {rule}

    # The map lists every outcome (none on the approved route), each verdict from the
    # narrative alone, each mapped CPD record flagged as readiness would count it.
    if rule is None:
        assert rows == []
        return
    assert [r.outcome_code for r in rows] == catalogue.outcome_codes()
    earliest = add_years(TODAY, -2)
    for row in rows:
        texts = [
            s.text for s in application.content.narrative if s.outcome_code == row.outcome_code
        ]
        written = any(t.strip() for t in texts)
        assert row.narrative_present is written
        assert row.narrative_length == sum(len(t.strip()) for t in texts)
        assert row.verdict == (Verdict.COVERED if written else Verdict.NEEDS_EVIDENCE)
        mapped = [
            (i, c)
            for i, c in enumerate(application.content.cpd)
            if row.outcome_code in c.learning_outcomes
        ]
        assert [e.index for e in row.cpd] == [i for i, _ in mapped]
        for evidence, (_, record) in zip(row.cpd, mapped, strict=True):
            assert evidence.verified is (
                bool((record.verified_by or "").strip())
                and earliest <= record.activity_date <= TODAY
            )


# --- the JSON view carries the map --------------------------------------------------------------


@pytest.mark.parametrize("route", list(Route))
def test_r08_the_application_view_carries_the_coverage_map(route: Route) -> None:
    application = with_content(
        complete_application(Pathway.AP_L4, route),
        cpd=[cpd("Audit", pathway_catalogue(Pathway.AP_L4).outcome_codes()[0])],
    )
    catalogue = pathway_catalogue(Pathway.AP_L4)
    life = ApplicationLifecycle(
        ApplicationInput(application=application, catalogue=catalogue), now=at(TODAY)
    )
    view = life.view()
    assert view.coverage == coverage(application, catalogue, TODAY)
    assert bool(view.coverage) is (route == Route.NON_APPROVED)
    dumped = view.model_dump(mode="json")["coverage"]
    if dumped:
        assert dumped[0]["verdict"] == "covered"
        assert dumped[0]["cpd"][0] == {
            "index": 0,
            "title": "Audit",
            "activity_date": (TODAY - timedelta(days=30)).isoformat(),
            "verified": True,
        }
