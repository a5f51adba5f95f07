"""R12: which assessor may assess an application, and who is chosen.

An independent CoR assessor with knowledge of the applicant's area of practice; never the
applicant, never someone from the applicant's employer (policy: conflict of interest); the
least loaded first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from models.application import Application
from models.application_machine import ApplicationState
from models.records import AllocationRequest, AllocationResult, Assessor

INACTIVE = "is not active"
NO_SHARED_AREA = "does not cover the application's areas of practice"
IS_APPLICANT = "is the applicant"
SAME_EMPLOYER = "works for the applicant's employer"
EXCLUDED = "was excluded for this application"
CONFLICTS = frozenset({IS_APPLICANT, SAME_EMPLOYER, EXCLUDED})

WORKLOAD_STATES = frozenset({ApplicationState.IN_ASSESSMENT})
"""R12's workload: an assessor's applications in these states (allocated, not yet assessed)."""


def allocation_request(
    application: Application,
    *,
    requested_assessor_id: str | None = None,
    exclude_assessor_ids: Sequence[str] = (),
) -> AllocationRequest:
    """R12: what an allocation for ``application`` is checked against: its applicant, their
    employer (as in the role details, else as the membership system knows it) and its areas."""
    role = application.content.role_details
    return AllocationRequest(
        application_id=application.application_id,
        applicant_member_id=application.applicant.member_id,
        applicant_employer=role.employer if role else application.applicant.employer,
        areas_of_practice=role.areas_of_practice if role else [],
        exclude_assessor_ids=list(exclude_assessor_ids),
        requested_assessor_id=requested_assessor_id,
    )


def choose_assessor(
    request: AllocationRequest, assessors: Sequence[Assessor], workload: Mapping[str, int]
) -> AllocationResult:
    """R12: the eligible assessor with the fewest open assessments (ties by ``assessor_id``).

    When the request names an assessor (an officer's choice), only that one is checked.
    """
    if request.requested_assessor_id is not None:
        return _check_requested(request, assessors)
    refused: Counter[str] = Counter()
    eligible = []
    for assessor in assessors:
        why_not = refusal(request, assessor)
        if why_not is None:
            eligible.append(assessor)
        elif why_not in CONFLICTS:
            refused[why_not] += 1
    if eligible:
        chosen = min(eligible, key=lambda a: (workload.get(a.assessor_id, 0), a.assessor_id))
        return AllocationResult(assessor=chosen)
    return AllocationResult(assessor=None, reason=_no_assessor_reason(request, refused))


def refusal(request: AllocationRequest, assessor: Assessor) -> str | None:
    """Why ``assessor`` may not assess the application (R12), or ``None`` when they may.

    Eligible: active, covers at least one of the application's areas, is not the applicant,
    does not work for the applicant's employer and is not excluded by the request.
    """
    if not assessor.active:
        return INACTIVE
    if not set(request.areas_of_practice) & set(assessor.areas_of_practice):
        return NO_SHARED_AREA
    if assessor.member_id is not None and assessor.member_id == request.applicant_member_id:
        return IS_APPLICANT
    if _normalise(assessor.employer) == _normalise(request.applicant_employer):
        return SAME_EMPLOYER
    if assessor.assessor_id in request.exclude_assessor_ids:
        return EXCLUDED
    return None


def _check_requested(request: AllocationRequest, assessors: Sequence[Assessor]) -> AllocationResult:
    wanted = request.requested_assessor_id
    assessor = next((a for a in assessors if a.assessor_id == wanted), None)
    if assessor is None:
        return AllocationResult(assessor=None, reason=f"{wanted} is not an active assessor.")
    why_not = refusal(request, assessor)
    if why_not is None:
        return AllocationResult(assessor=assessor)
    return AllocationResult(
        assessor=None,
        reason=f"The requested assessor ({assessor.name}, {wanted}) {why_not}.",
    )


def _normalise(employer: str) -> str:
    return " ".join(employer.split()).casefold()


def _no_assessor_reason(request: AllocationRequest, refused: Counter[str]) -> str:
    if not request.areas_of_practice:
        return "The application names no area of practice, so no assessor can be matched."
    areas = ", ".join(sorted(area.value.replace("_", " ") for area in request.areas_of_practice))
    if not refused:
        return f"No active assessor covers the application's areas of practice ({areas})."
    why = "; ".join(f"{count} {reason}" for reason, count in sorted(refused.items()))
    return (
        f"Every active assessor covering the application's areas of practice ({areas}) "
        f"has a conflict of interest or was excluded: {why}."
    )
