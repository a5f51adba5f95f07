"""How much an application may hold, so every workflow payload stays far below Temporal's.

Temporal refuses a payload over 2 MB and then cannot finish the workflow task that carried it;
an application's content travels in update inputs, query answers and continue-as-new, so it is
bounded here once and checked by the update validators before anything reaches history. The
numbers are settings (``ContentLimits`` travels in the workflow's policy).
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from models.application import ApplicationContent
from models.catalogue import PathwayCatalogue
from models.errors import Problem

HISTORY_KEPT = 100
"""History entries an application's view and progress keep (the audit trail keeps them all)."""

HISTORY_REASON_CHARS = 1000
"""How much of a reason a history entry keeps (the audit trail keeps it whole)."""


def brief(reason: str | None) -> str | None:
    """``reason`` as a history entry keeps it: at most ``HISTORY_REASON_CHARS`` characters."""
    if reason is None or len(reason) <= HISTORY_REASON_CHARS:
        return reason
    return reason[: HISTORY_REASON_CHARS - 1] + "…"


class ContentLimits(BaseModel):
    """The most an application's content may hold."""

    model_config = ConfigDict(frozen=True)

    max_cpd_records: int = Field(60, gt=0)
    max_qualifications: int = Field(10, gt=0)
    max_documents: int = Field(40, gt=0)
    max_content_bytes: int = Field(256 * 1024, gt=0, description="the content as JSON")


class LimitKind(StrEnum):
    """Whether a refusal is about size (HTTP 413) or shape (HTTP 422)."""

    TOO_LARGE = "too_large"
    INVALID = "invalid"


def content_problems(
    content: ApplicationContent, catalogue: PathwayCatalogue, limits: ContentLimits
) -> tuple[LimitKind, list[Problem]] | None:
    """What in ``content`` is past the limits, or ``None`` when it fits.

    Narrative sections: at most one per learning outcome of the pathway, none for an unknown
    code. Then the counts, then the size of the whole content as JSON.
    """
    shape = _narrative_problems(content, catalogue)
    if shape:
        return LimitKind.INVALID, shape
    counted = [
        ("cpd", len(content.cpd), limits.max_cpd_records, "CPD records"),
        (
            "qualifications",
            len(content.qualifications),
            limits.max_qualifications,
            "qualifications",
        ),
        ("documents", len(content.documents), limits.max_documents, "documents"),
    ]
    problems = [
        _too_large(field, f"at most {limit} {what} may be entered; this has {count}")
        for field, count, limit, what in counted
        if count > limit
    ]
    if not problems:
        size = len(content.model_dump_json().encode())
        if size > limits.max_content_bytes:
            problems.append(
                _too_large(
                    "content",
                    f"the application may hold at most {limits.max_content_bytes} bytes of "
                    f"text; this would hold {size}",
                )
            )
    return (LimitKind.TOO_LARGE, problems) if problems else None


def _narrative_problems(content: ApplicationContent, catalogue: PathwayCatalogue) -> list[Problem]:
    known = set(catalogue.outcome_codes())
    problems = [
        Problem(
            rule="limits",
            code="narrative_outcome_unknown",
            field=f"narrative[{i}].outcome_code",
            message=f"{s.outcome_code!r} is not a learning outcome of the "
            f"{catalogue.pathway.value} pathway",
        )
        for i, s in enumerate(content.narrative)
        if s.outcome_code not in known
    ]
    repeated = [
        code for code, n in Counter(s.outcome_code for s in content.narrative).items() if n > 1
    ]
    problems += [
        Problem(
            rule="limits",
            code="narrative_outcome_repeated",
            field=f"narrative.{code}",
            message=f"learning outcome {code} has more than one narrative section; keep one",
        )
        for code in repeated
        if code in known
    ]
    return problems


def _too_large(field: str, message: str) -> Problem:
    return Problem(rule="limits", code="too_large", field=field, message=message)
