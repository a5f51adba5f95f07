"""R12/R13: what makes an assessment or an officer's decision complete."""

from __future__ import annotations

from collections import Counter

from models.application import Finding
from models.catalogue import PathwayCatalogue
from models.enums import FindingLevel, Outcome
from models.errors import Problem


def assessment_problems(
    findings: list[Finding], outcome: Outcome, catalogue: PathwayCatalogue
) -> list[Problem]:
    """Every reason an assessor's findings and recommendation cannot be recorded.

    Findings cover each learning outcome of the pathway exactly once; an ``accredited``
    recommendation needs every outcome met; a deferral needs at least one outcome not fully
    met, with a comment on each such outcome telling the applicant what more is needed.
    """
    problems: list[Problem] = []
    codes = catalogue.outcome_codes()
    counts = Counter(f.outcome_code for f in findings)
    for code in codes:
        if counts[code] == 0:
            problems.append(
                _problem("finding_missing", f"findings.{code}", f"no finding for {code}")
            )
        elif counts[code] > 1:
            problems.append(
                _problem(
                    "finding_repeated", f"findings.{code}", f"{code} has more than one finding"
                )
            )
    for code in sorted(set(counts) - set(codes)):
        problems.append(
            _problem(
                "finding_unknown",
                f"findings.{code}",
                f"{code} is not a learning outcome of the {catalogue.pathway.value} pathway",
            )
        )
    unmet = [f for f in findings if f.level != FindingLevel.MET]
    if outcome == Outcome.ACCREDITED and unmet:
        listed = ", ".join(f.outcome_code for f in unmet)
        problems.append(
            _problem(
                "accredited_with_unmet",
                "recommended_outcome",
                f"accreditation needs every outcome met; not met: {listed}",
            )
        )
    if outcome == Outcome.DEFERRED:
        problems += deferral_feedback_problems(findings)
    return problems


def feedback_outcome_problems(
    feedback: list[Finding], catalogue: PathwayCatalogue
) -> list[Problem]:
    """Feedback speaks of the pathway's learning outcomes, each at most once (which also bounds
    how much a decision can carry)."""
    codes = set(catalogue.outcome_codes())
    counts = Counter(f.outcome_code for f in feedback)
    return [
        _problem(
            "feedback_unknown" if code not in codes else "feedback_repeated",
            f"feedback.{code}",
            f"{code} is not a learning outcome of the {catalogue.pathway.value} pathway"
            if code not in codes
            else f"{code} has more than one piece of feedback",
        )
        for code, count in counts.items()
        if code not in codes or count > 1
    ]


def deferral_feedback_problems(feedback: list[Finding]) -> list[Problem]:
    """R13: a deferral tells the applicant, per learning outcome, what more evidence is needed."""
    unmet = [f for f in feedback if f.level != FindingLevel.MET]
    if not unmet:
        return [
            _problem(
                "deferral_without_feedback",
                "feedback",
                "a deferral needs feedback on at least one learning outcome not fully met",
            )
        ]
    return [
        _problem(
            "feedback_comment_missing",
            f"feedback.{f.outcome_code}",
            f"say what more evidence is needed for {f.outcome_code}",
        )
        for f in unmet
        if not f.comment.strip()
    ]


def _problem(code: str, field: str, message: str) -> Problem:
    return Problem(rule="R13", code=code, field=field, message=message)
