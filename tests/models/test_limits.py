"""models.limits: how much an application may hold, so no payload nears Temporal's limit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from models.application import Assessment, Finding, NarrativeSection
from models.dates import IsoDate
from models.enums import FindingLevel, Outcome, Pathway, Role, Route
from models.limits import (
    HISTORY_KEPT,
    HISTORY_REASON_CHARS,
    ContentLimits,
    LimitKind,
    brief,
    content_problems,
)
from models.views import ApplicationView, HistoryEntry
from tests.builders import complete_application, pathway_catalogue

CATALOGUE = pathway_catalogue(Pathway.AP_L5)
COMPLETE = complete_application(Pathway.AP_L5, Route.NON_APPROVED).content


def test_a_complete_application_fits_the_default_limits() -> None:
    assert content_problems(COMPLETE, CATALOGUE, ContentLimits()) is None


def test_narrative_sections_one_per_outcome_of_the_pathway() -> None:
    first = COMPLETE.narrative[0]
    unknown = NarrativeSection(outcome_code="MA-LO1", text="another pathway's outcome")
    found = content_problems(
        COMPLETE.model_copy(update={"narrative": [*COMPLETE.narrative, first, unknown]}),
        CATALOGUE,
        ContentLimits(),
    )
    assert found is not None
    kind, problems = found
    assert kind == LimitKind.INVALID
    assert [p.code for p in problems] == ["narrative_outcome_unknown", "narrative_outcome_repeated"]
    assert problems[1].field == f"narrative.{first.outcome_code}"


@pytest.mark.parametrize(
    ("field", "limits"),
    [
        ("cpd", ContentLimits(max_cpd_records=5)),
        ("qualifications", ContentLimits(max_qualifications=1)),
        ("documents", ContentLimits(max_documents=1)),
        ("content", ContentLimits(max_content_bytes=1000)),
    ],
)
def test_counts_and_size_past_the_limits_are_too_large(field: str, limits: ContentLimits) -> None:
    content = COMPLETE
    if field == "qualifications":
        content = content.model_copy(update={"qualifications": content.qualifications * 2})
    found = content_problems(content, CATALOGUE, limits)
    assert found is not None
    kind, problems = found
    assert kind == LimitKind.TOO_LARGE
    assert [p.field for p in problems] == [field]
    assert "at most" in problems[0].message


def test_the_size_limit_is_exact() -> None:
    size = len(COMPLETE.model_dump_json().encode())
    assert content_problems(COMPLETE, CATALOGUE, ContentLimits(max_content_bytes=size)) is None
    found = content_problems(COMPLETE, CATALOGUE, ContentLimits(max_content_bytes=size - 1))
    assert found is not None
    assert found[1][0].message.endswith(f"this would hold {size}")


@pytest.mark.parametrize("value", [0, 1700000000, "0", "2027-1-1", "2027-02-30", "soon"])
def test_dates_are_iso_dates_only(value: object) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(IsoDate).validate_python(value)


def test_iso_dates_and_dates_pass() -> None:
    adapter = TypeAdapter(IsoDate)
    assert adapter.validate_python("2027-02-28") == date(2027, 2, 28)
    assert adapter.validate_python(date(2027, 2, 28)) == date(2027, 2, 28)
    assert adapter.validate_json('"2027-02-28"') == date(2027, 2, 28)


def test_history_keeps_a_brief_reason() -> None:
    assert brief(None) is None
    assert brief("short") == "short"
    long = brief("x" * 5000)
    assert long is not None
    assert len(long) == HISTORY_REASON_CHARS and long.endswith("…")


def test_the_largest_view_within_the_limits_stays_far_below_temporals_two_megabytes() -> None:
    """Content at its limit, every free text at its longest in four-byte characters, and a full
    history: the largest thing an update returns or continue-as-new carries."""
    wide = "𝄞" * 20_000
    codes = CATALOGUE.outcome_codes()
    application = complete_application(Pathway.AP_L5, Route.NON_APPROVED)
    narrative = [NarrativeSection(outcome_code=c, text=wide[: 20_000 // 4]) for c in codes]
    content = application.content.model_copy(update={"narrative": narrative})
    assert content_problems(content, CATALOGUE, ContentLimits()) is None
    findings = [
        Finding(outcome_code=c, level=FindingLevel.NOT_MET, comment=wide[:4000]) for c in codes
    ]
    entry = HistoryEntry(
        at=datetime(2027, 1, 1, tzinfo=UTC),
        actor_id="x" * 128,
        actor_role=Role.OFFICER,
        action="allocate",
        from_state="in_assessment",
        to_state="in_assessment",
        reason=brief(wide),
    )
    view = ApplicationView(
        state="deferred",
        application=application.model_copy(update={"content": content}),
        missing=[],
        allowed_actions=[],
        deadlines=[],
        history=[entry] * HISTORY_KEPT,
        assessment=Assessment(
            assessor_id="a",
            findings=findings,
            recommended_outcome=Outcome.DEFERRED,
            summary=wide[:4000],
            recorded_at=datetime(2027, 1, 1, tzinfo=UTC),
        ),
        feedback=[f.model_dump(mode="json") for f in findings],
    )
    assert len(view.model_dump_json().encode()) < 1_500_000
