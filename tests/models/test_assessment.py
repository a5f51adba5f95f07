"""What makes an assessment complete (R12, R13)."""

from __future__ import annotations

from models.application import Finding
from models.assessment import (
    assessment_problems,
    deferral_feedback_problems,
    feedback_outcome_problems,
)
from models.enums import FindingLevel, Outcome, Pathway
from tests.builders import pathway_catalogue

CATALOGUE = pathway_catalogue(Pathway.AP_L4)
CODES = CATALOGUE.outcome_codes()


def findings(level: FindingLevel = FindingLevel.MET, comment: str = "seen") -> list[Finding]:
    return [Finding(outcome_code=c, level=level, comment=comment) for c in CODES]


def test_r13_accredited_with_every_outcome_met_is_complete() -> None:
    assert assessment_problems(findings(), Outcome.ACCREDITED, CATALOGUE) == []


def test_r13_every_outcome_needs_exactly_one_finding() -> None:
    some = [*findings()[1:], findings()[1], Finding(outcome_code="XX.9", level=FindingLevel.MET)]
    codes = {p.code for p in assessment_problems(some, Outcome.NOT_ACCREDITED, CATALOGUE)}
    assert codes == {"finding_missing", "finding_repeated", "finding_unknown"}


def test_r13_accreditation_needs_every_outcome_met() -> None:
    partly = findings()
    partly[2] = Finding(outcome_code=CODES[2], level=FindingLevel.PARTLY_MET, comment="thin")
    [problem] = assessment_problems(partly, Outcome.ACCREDITED, CATALOGUE)
    assert problem.code == "accredited_with_unmet" and CODES[2] in problem.message


def test_r13_a_deferral_gives_feedback_per_outcome_not_fully_met() -> None:
    assert deferral_feedback_problems(findings())[0].code == "deferral_without_feedback"
    silent = findings(FindingLevel.NOT_MET, comment=" ")
    problems = deferral_feedback_problems(silent)
    assert [p.field for p in problems] == [f"feedback.{c}" for c in CODES]
    assert deferral_feedback_problems(findings(FindingLevel.PARTLY_MET, "add a case study")) == []


def test_r13_feedback_speaks_of_each_outcome_of_the_pathway_at_most_once() -> None:
    assert feedback_outcome_problems(findings(), CATALOGUE) == []
    odd = [*findings(), findings()[0], Finding(outcome_code="XX.9", level=FindingLevel.NOT_MET)]
    problems = feedback_outcome_problems(odd, CATALOGUE)
    assert [(p.code, p.field) for p in problems] == [
        ("feedback_repeated", f"feedback.{CODES[0]}"),
        ("feedback_unknown", "feedback.XX.9"),
    ]
