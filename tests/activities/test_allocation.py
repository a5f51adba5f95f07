from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from activities import AllocationActivities
from models.enums import AreaOfPractice
from models.records import Assessor
from storage.tables import ApplicationSummaryRow, AssessorRow
from tests.storage.factories import allocation_request, assessor, summary

Factory = sessionmaker[Session]
CI = AreaOfPractice.CLINICAL_IMAGING
RT = AreaOfPractice.RADIOTHERAPY


def add_assessors(session_factory: Factory, *assessors: Assessor) -> None:
    with session_factory.begin() as session:
        session.add_all(AssessorRow(**a.model_dump()) for a in assessors)


def add_open_assessments(session_factory: Factory, assessor_id: str, count: int) -> None:
    with session_factory.begin() as session:
        session.add_all(
            ApplicationSummaryRow(
                **summary(
                    application_id=f"{assessor_id}-{n}",
                    assessor_id=assessor_id,
                    state="in_assessment",
                ).model_dump()
            )
            for n in range(count)
        )


async def allocate(session_factory: Factory, **overrides: Any) -> str | None:
    result = await AllocationActivities(session_factory).allocate_assessor(
        allocation_request(**overrides)
    )
    return None if result.assessor is None else result.assessor.assessor_id


async def test_r12_own_employer_refused_whatever_the_case_and_spacing(
    session_factory: Factory,
) -> None:
    add_assessors(
        session_factory,
        assessor(assessor_id="ASR-A", employer="  southmoor   UNIVERSITY hospitals "),
        assessor(assessor_id="ASR-B", employer="Northgate Hospitals"),
    )
    add_open_assessments(session_factory, "ASR-B", 5)

    assert await allocate(session_factory) == "ASR-B"


async def test_r12_self_refused(session_factory: Factory) -> None:
    add_assessors(
        session_factory,
        assessor(assessor_id="ASR-A", member_id="M-1", employer="Elsewhere"),
        assessor(assessor_id="ASR-B", member_id="M-2", employer="Northgate Hospitals"),
    )
    add_open_assessments(session_factory, "ASR-B", 3)

    assert await allocate(session_factory) == "ASR-B"


async def test_r12_area_matching_needs_one_shared_area(session_factory: Factory) -> None:
    add_assessors(
        session_factory,
        assessor(assessor_id="ASR-A", areas_of_practice=[CI]),
        assessor(assessor_id="ASR-B", areas_of_practice=[AreaOfPractice.OTHER, RT]),
    )

    assert await allocate(session_factory, areas_of_practice=[RT]) == "ASR-B"
    assert await allocate(session_factory, areas_of_practice=[RT, CI]) == "ASR-A"


async def test_r12_least_loaded_first_then_by_id(session_factory: Factory) -> None:
    add_assessors(
        session_factory,
        assessor(assessor_id="ASR-C"),
        assessor(assessor_id="ASR-B"),
        assessor(assessor_id="ASR-A"),
    )
    add_open_assessments(session_factory, "ASR-A", 2)
    add_open_assessments(session_factory, "ASR-B", 1)
    add_open_assessments(session_factory, "ASR-C", 1)
    # Finished assessments are not open workload.
    with session_factory.begin() as session:
        session.add(
            ApplicationSummaryRow(
                **summary(
                    application_id="done", assessor_id="ASR-B", state="accredited"
                ).model_dump()
            )
        )

    assert await allocate(session_factory) == "ASR-B"


async def test_r12_a_retry_does_not_count_the_application_against_its_assessor(
    session_factory: Factory,
) -> None:
    add_assessors(session_factory, assessor(assessor_id="ASR-A"), assessor(assessor_id="ASR-B"))
    add_open_assessments(session_factory, "ASR-B", 1)
    with session_factory.begin() as session:
        session.add(
            ApplicationSummaryRow(
                **summary(
                    application_id="APP-1", assessor_id="ASR-A", state="in_assessment"
                ).model_dump()
            )
        )

    assert await allocate(session_factory) == "ASR-A"


async def test_r12_inactive_and_excluded_assessors_are_skipped(session_factory: Factory) -> None:
    add_assessors(
        session_factory,
        assessor(assessor_id="ASR-A", active=False),
        assessor(assessor_id="ASR-B"),
        assessor(assessor_id="ASR-C"),
    )

    assert await allocate(session_factory, exclude_assessor_ids=["ASR-B"]) == "ASR-C"


async def test_r12_none_available_gives_the_reason(session_factory: Factory) -> None:
    add_assessors(
        session_factory,
        assessor(assessor_id="ASR-A", member_id="M-1"),
        assessor(assessor_id="ASR-B", employer="SOUTHMOOR University Hospitals"),
        assessor(assessor_id="ASR-C", areas_of_practice=[RT]),
    )
    activities = AllocationActivities(session_factory)

    result = await activities.allocate_assessor(allocation_request())
    no_one = await activities.allocate_assessor(
        allocation_request(areas_of_practice=[AreaOfPractice.OTHER])
    )

    assert result.assessor is None
    assert result.reason == (
        "Every active assessor covering the application's areas of practice (clinical imaging) "
        "has a conflict of interest or was excluded: 1 is the applicant; "
        "1 works for the applicant's employer."
    )
    assert no_one.assessor is None
    assert no_one.reason == "No active assessor covers the application's areas of practice (other)."


async def test_r12_a_requested_assessor_is_checked_alone(session_factory: Factory) -> None:
    add_assessors(
        session_factory,
        assessor(assessor_id="ASR-A"),
        assessor(assessor_id="ASR-B", name="Bea Busy", employer="Southmoor University Hospitals"),
        assessor(assessor_id="ASR-C", active=False),
    )
    add_open_assessments(session_factory, "ASR-A", 4)
    activities = AllocationActivities(session_factory)

    chosen = await activities.allocate_assessor(allocation_request(requested_assessor_id="ASR-A"))
    conflicted = await activities.allocate_assessor(
        allocation_request(requested_assessor_id="ASR-B")
    )
    inactive = await activities.allocate_assessor(allocation_request(requested_assessor_id="ASR-C"))

    assert chosen.assessor is not None and chosen.assessor.assessor_id == "ASR-A"
    assert conflicted.assessor is None
    assert conflicted.reason == (
        "The requested assessor (Bea Busy, ASR-B) works for the applicant's employer."
    )
    assert inactive.assessor is None
    assert inactive.reason == "ASR-C is not an active assessor."
