from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from activities import ReadModelActivities
from models.enums import ApplicationKind, AreaOfPractice, Pathway, RegisterStatus, Role
from models.records import ApplicationSummary, AuditEvent, RegisterEntry
from storage.queries import (
    audit_trail,
    list_accreditations,
    list_member_applications,
    list_queue,
    search_register,
    verify_register_entry,
)
from storage.tables import ApplicationSummaryRow, AuditEventRow, RegisterEntryRow
from tests.storage.factories import T0, accreditation, event, register_entry, summary

Factory = sessionmaker[Session]


def add_entries(session_factory: Factory, *entries: RegisterEntry) -> None:
    with session_factory.begin() as session:
        session.add_all(RegisterEntryRow(**e.model_dump(), updated_at=T0) for e in entries)


def add_summaries(session_factory: Factory, *summaries: ApplicationSummary) -> None:
    with session_factory.begin() as session:
        session.add_all(ApplicationSummaryRow(**s.model_dump()) for s in summaries)


def add_events(session_factory: Factory, *events: AuditEvent) -> None:
    with session_factory.begin() as session:
        session.add_all(AuditEventRow(**e.model_dump()) for e in events)


@pytest.fixture
def register(session_factory: Factory) -> Factory:
    add_entries(
        session_factory,
        register_entry(registration_number="AP-1", name="Ann O'Brien"),
        register_entry(
            registration_number="AP-2",
            name="Bob Annand",
            pathway=Pathway.AP_L5,
            areas_of_practice=[AreaOfPractice.RADIOTHERAPY, AreaOfPractice.OTHER],
        ),
        register_entry(registration_number="AP-3", name="Cat Lapsed", status=RegisterStatus.LAPSED),
        register_entry(
            registration_number="MA-1",
            name="Dee Screen",
            pathway=Pathway.MA_L4,
            areas_of_practice=[AreaOfPractice.BREAST_SCREENING],
        ),
    )
    return session_factory


def numbers(entries: list[RegisterEntry]) -> list[str]:
    return [entry.registration_number for entry in entries]


def test_r19_search_lists_current_entries_by_name(register: Factory) -> None:
    with register() as session:
        page = search_register(session=session)

    assert page.total == 3
    assert numbers(page.items) == ["AP-1", "AP-2", "MA-1"]


def test_r19_search_name_is_a_case_insensitive_substring(register: Factory) -> None:
    with register() as session:
        page = search_register(session=session, name="  ANN ")

    assert numbers(page.items) == ["AP-1", "AP-2"]


def test_r19_search_treats_like_wildcards_literally(register: Factory) -> None:
    with register() as session:
        assert search_register(session=session, name="%").total == 0
        assert search_register(session=session, name="o'b").total == 1


def test_r19_search_by_pathway_area_and_number(register: Factory) -> None:
    with register() as session:
        by_pathway = search_register(session=session, pathway=Pathway.AP_L5)
        by_area = search_register(session=session, area_of_practice=AreaOfPractice.RADIOTHERAPY)
        by_number = search_register(session=session, registration_number="MA-1")

    assert numbers(by_pathway.items) == ["AP-2"]
    assert numbers(by_area.items) == ["AP-2"]
    assert numbers(by_number.items) == ["MA-1"]


def test_r19_search_can_include_entries_no_longer_current(register: Factory) -> None:
    with register() as session:
        page = search_register(session=session, current_only=False)

    assert numbers(page.items) == ["AP-1", "AP-2", "AP-3", "MA-1"]


def test_r19_search_paginates_with_the_full_total(register: Factory) -> None:
    with register() as session:
        page = search_register(session=session, limit=2, offset=1)

    assert page.total == 3
    assert numbers(page.items) == ["AP-2", "MA-1"]


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (101, 0), (10, -1)])
def test_search_refuses_a_bad_page(register: Factory, limit: int, offset: int) -> None:
    with register() as session, pytest.raises(ValueError):
        search_register(session=session, limit=limit, offset=offset)


def test_r19_verify_finds_an_entry_whatever_its_status(register: Factory) -> None:
    with register() as session:
        lapsed = verify_register_entry(session=session, registration_number="AP-3")
        missing = verify_register_entry(session=session, registration_number="AP-404")

    assert lapsed == register_entry(
        registration_number="AP-3", name="Cat Lapsed", status=RegisterStatus.LAPSED
    )
    assert missing is None


def test_queue_lists_most_urgent_first_and_flags_overdue(session_factory: Factory) -> None:
    add_summaries(
        session_factory,
        summary(application_id="A-late", queue="allocation", due_at=T0 - timedelta(days=1)),
        summary(application_id="A-none", queue="allocation", due_at=None),
        summary(application_id="A-soon", queue="allocation", due_at=T0 + timedelta(days=2)),
        summary(application_id="B-other", queue="ratification", due_at=T0 - timedelta(days=9)),
    )

    with session_factory() as session:
        page = list_queue(session=session, queue="allocation", now=T0)
        overdue = list_queue(session=session, queue="allocation", now=T0, overdue_only=True)

    assert page.total == 3
    assert [(i.summary.application_id, i.overdue) for i in page.items] == [
        ("A-late", True),
        ("A-soon", False),
        ("A-none", False),
    ]
    assert [i.summary.application_id for i in overdue.items] == ["A-late"]
    assert page.items[0].summary == summary(
        application_id="A-late", queue="allocation", due_at=T0 - timedelta(days=1)
    )


def test_queue_filters_by_pathway_kind_and_assessor(session_factory: Factory) -> None:
    add_summaries(
        session_factory,
        summary(application_id="mine", queue="awaiting_assessment", assessor_id="ASR-1"),
        summary(
            application_id="theirs", queue="awaiting_assessment", assessor_id="ASR-2", due_at=T0
        ),
        summary(application_id="ma", queue="awaiting_assessment", pathway=Pathway.MA_L4),
        summary(
            application_id="renewal",
            queue="awaiting_ratification",
            assessor_id="ASR-1",
            kind=ApplicationKind.REACCREDITATION,
            route=None,
        ),
        summary(application_id="draft", queue=None, assessor_id="ASR-1"),
    )

    def ids(**filters: Any) -> list[str]:
        with session_factory() as session:
            page = list_queue(session=session, now=T0, **filters)
        return sorted(i.summary.application_id for i in page.items)

    assert ids(queue="awaiting_assessment", pathway=Pathway.AP_L4) == ["mine", "theirs"]
    assert ids(queue=None, assessor_id="ASR-1") == ["mine", "renewal"]
    assert ids(queue=None, kind=ApplicationKind.REACCREDITATION) == ["renewal"]


def test_audit_trail_follows_the_workflow_sequence_for_same_time_events(
    session_factory: Factory,
) -> None:
    add_events(
        session_factory,
        event(event_id="APP-1:2", action="save_draft", at=T0, sequence=2),
        event(event_id="APP-1:1", action="created", at=T0, sequence=1),
    )

    with session_factory() as session:
        trail = audit_trail(session=session, application_id="APP-1")

    assert [e.action for e in trail] == ["created", "save_draft"]


def test_audit_trail_is_in_order_of_time_then_arrival(session_factory: Factory) -> None:
    add_events(
        session_factory,
        event(event_id="e3", action="allocate", at=T0 + timedelta(hours=1)),
        event(event_id="e1", action="submit", at=T0),
        event(event_id="e2", action="route", at=T0, actor_role=Role.SYSTEM),
        event(event_id="x1", application_id="APP-other", at=T0),
    )

    with session_factory() as session:
        trail = audit_trail(session=session, application_id="APP-1")

    assert [e.event_id for e in trail] == ["e1", "e2", "e3"]
    assert trail[1].actor_role is Role.SYSTEM


def test_member_applications_most_recent_first(session_factory: Factory) -> None:
    add_summaries(
        session_factory,
        summary(application_id="old", updated_at=T0),
        summary(application_id="new", updated_at=T0 + timedelta(days=30)),
        summary(application_id="theirs", member_id="M-2"),
    )

    with session_factory() as session:
        listed = list_member_applications(session=session, member_id="M-1")

    assert [s.application_id for s in listed] == ["new", "old"]


def test_r20_accreditations_expiring_soonest_first_filtered_by_status(
    session_factory: Factory,
) -> None:
    records = [
        accreditation(member_id="late", expires_on=T0.date() + timedelta(days=300)),
        accreditation(member_id="soon", expires_on=T0.date() + timedelta(days=30)),
        accreditation(member_id="gone", status=RegisterStatus.LAPSED, expires_on=T0.date()),
    ]
    activities = ReadModelActivities(session_factory)
    for record in records:
        asyncio.run(activities.record_accreditation(record))

    def ids(**filters: Any) -> list[str]:
        with session_factory() as session:
            return [a.member_id for a in list_accreditations(session=session, **filters).items]

    assert ids() == ["gone", "soon", "late"]
    assert ids(status=RegisterStatus.CURRENT) == ["soon", "late"]
    assert ids(status=RegisterStatus.CURRENT, expiring_before=T0.date() + timedelta(days=90)) == [
        "soon"
    ]
