"""models.limits: how much an application may hold, so no payload nears Temporal's limit."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import TypeAdapter, ValidationError

from models.application import NarrativeSection
from models.dates import IsoDate
from models.enums import Pathway, Route
from models.limits import ContentLimits, LimitKind, content_problems
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
