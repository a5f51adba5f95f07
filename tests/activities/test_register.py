from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker

from activities import RegisterActivities
from models.enums import AreaOfPractice, RegisterStatus
from models.records import RegisterEntry
from storage.queries import search_register, verify_register_entry
from storage.tables import RegisterEntryRow
from tests.storage.factories import register_entry

Factory = sessionmaker[Session]


def test_r19_register_table_holds_public_fields_only() -> None:
    columns = {column.key for column in inspect(RegisterEntryRow).columns}

    assert columns == set(RegisterEntry.model_fields) | {"id", "search_key", "updated_at"}
    assert not {"email", "address", "employer", "evidence"} & columns


async def test_r19_upsert_then_search_and_verify(session_factory: Factory) -> None:
    entry = register_entry()

    await RegisterActivities(session_factory).upsert_register_entry(entry)

    with session_factory() as session:
        found = search_register(session=session, name="sam")
        verified = verify_register_entry(session=session, registration_number="AP-000001")
    assert found.items == [entry]
    assert verified == entry


async def test_r19_upsert_is_idempotent_and_replaces_by_registration_number(
    session_factory: Factory,
) -> None:
    activities = RegisterActivities(session_factory)
    entry = register_entry()
    suspended = register_entry(
        status=RegisterStatus.SUSPENDED,
        areas_of_practice=[AreaOfPractice.CLINICAL_IMAGING, AreaOfPractice.OTHER],
    )

    await activities.upsert_register_entry(entry)
    await activities.upsert_register_entry(entry)
    await activities.upsert_register_entry(suspended)
    await activities.upsert_register_entry(suspended)

    with session_factory() as session:
        rows = list(session.scalars(select(RegisterEntryRow)))
        current = search_register(session=session)
        verified = verify_register_entry(session=session, registration_number="AP-000001")
    assert len(rows) == 1
    assert current.total == 0
    assert verified == suspended


async def test_r19_upsert_keeps_the_name_s_search_key(session_factory: Factory) -> None:
    activities = RegisterActivities(session_factory)

    await activities.upsert_register_entry(register_entry(name="Zoë Ó Briain-Łukasiewicz"))
    with session_factory() as session:
        found = search_register(session=session, name="o briain lukasiewicz")
    await activities.upsert_register_entry(register_entry(name="Zoë Nowak"))
    with session_factory() as session:
        old_name = search_register(session=session, name="lukasiewicz")
        new_name = search_register(session=session, name="ZOE NOWAK")

    assert [entry.name for entry in found.items] == ["Zoë Ó Briain-Łukasiewicz"]
    assert old_name.total == 0
    assert [entry.name for entry in new_name.items] == ["Zoë Nowak"]
