from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from activities import ReadModelActivities
from models.enums import RegisterStatus
from models.records import ReadModelUpdate
from storage.queries import audit_trail, list_accreditations, list_member_applications
from storage.tables import AuditEventRow
from tests.storage.factories import T0, accreditation, event, summary

Factory = sessionmaker[Session]

SUBMITTED = ReadModelUpdate(summary=summary(), events=[event()])
ALLOCATED = ReadModelUpdate(
    summary=summary(
        state="in_assessment",
        assessor_id="ASR-1",
        queue="assessment",
        due_at=T0 + timedelta(days=28),
        submitted_at=T0,
        updated_at=T0 + timedelta(minutes=5),
    ),
    events=[
        event(
            event_id="APP-1:2",
            action="allocate",
            from_state="submitted",
            to_state="in_assessment",
            reason="least loaded",
            at=T0 + timedelta(minutes=5),
        )
    ],
)


async def test_records_the_event_and_the_summary(session_factory: Factory) -> None:
    activities = ReadModelActivities(session_factory)

    await activities.record_application_event(SUBMITTED)
    await activities.record_application_event(ALLOCATED)

    with session_factory() as session:
        assert audit_trail(session=session, application_id="APP-1") == [
            SUBMITTED.events[0],
            ALLOCATED.events[0],
        ]
        assert list_member_applications(session=session, member_id="M-1") == [ALLOCATED.summary]


async def test_a_duplicate_event_is_ignored(session_factory: Factory) -> None:
    activities = ReadModelActivities(session_factory)

    await activities.record_application_event(SUBMITTED)
    await activities.record_application_event(SUBMITTED)

    with session_factory() as session:
        count = session.scalar(select(func.count()).select_from(AuditEventRow))
    assert count == 1


async def test_a_stale_summary_does_not_overwrite_a_newer_one(session_factory: Factory) -> None:
    activities = ReadModelActivities(session_factory)

    await activities.record_application_event(ALLOCATED)
    await activities.record_application_event(SUBMITTED)

    with session_factory() as session:
        assert list_member_applications(session=session, member_id="M-1") == [ALLOCATED.summary]
        # The older event still belongs in the trail, in time order.
        trail = audit_trail(session=session, application_id="APP-1")
    assert [e.event_id for e in trail] == ["APP-1:1", "APP-1:2"]


async def test_a_summary_with_the_same_version_and_time_is_written(
    session_factory: Factory,
) -> None:
    activities = ReadModelActivities(session_factory)
    same_time = ReadModelUpdate(
        summary=ALLOCATED.summary.model_copy(update={"queue": "ratification"}),
        events=[event(event_id="APP-1:3", at=ALLOCATED.events[0].at)],
    )

    await activities.record_application_event(ALLOCATED)
    await activities.record_application_event(same_time)

    with session_factory() as session:
        assert list_member_applications(session=session, member_id="M-1") == [same_time.summary]


async def test_the_version_orders_summaries_before_the_time(session_factory: Factory) -> None:
    activities = ReadModelActivities(session_factory)
    second = ALLOCATED.summary.model_copy(update={"version": 2, "updated_at": T0})
    first_but_later = SUBMITTED.summary.model_copy(
        update={"version": 1, "updated_at": T0 + timedelta(hours=1)}
    )

    await activities.record_application_event(ReadModelUpdate(summary=second, events=[event()]))
    await activities.record_application_event(
        ReadModelUpdate(summary=first_but_later, events=[event(event_id="APP-1:2")])
    )

    with session_factory() as session:
        assert list_member_applications(session=session, member_id="M-1") == [second]


async def test_r20_a_members_accreditation_summary_keeps_the_newest(
    session_factory: Factory,
) -> None:
    activities = ReadModelActivities(session_factory)
    lapsed = accreditation(status=RegisterStatus.LAPSED, indemnity_covered=False, version=3)

    await activities.record_accreditation(accreditation())
    await activities.record_accreditation(lapsed)
    await activities.record_accreditation(accreditation(version=2))  # late, out of order
    await activities.record_accreditation(lapsed)  # a retry

    with session_factory() as session:
        page = list_accreditations(session=session)
    assert page.items == [lapsed]


async def test_one_workflow_event_writes_all_its_audit_rows_at_once(
    session_factory: Factory,
) -> None:
    activities = ReadModelActivities(session_factory)
    both = ReadModelUpdate(summary=ALLOCATED.summary, events=[*SUBMITTED.events, *ALLOCATED.events])

    await activities.record_application_event(both)

    with session_factory() as session:
        trail = audit_trail(session=session, application_id="APP-1")
        assert [e.event_id for e in trail] == ["APP-1:1", "APP-1:2"]
        assert list_member_applications(session=session, member_id="M-1") == [ALLOCATED.summary]
