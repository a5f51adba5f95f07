"""R19: the register's name search on the folded key, its indexes, kept totals and migration.

Every test runs on SQLite and PostgreSQL (the ``session_factory`` and ``db_url`` fixtures).
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import Engine, delete, event, insert, inspect, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from activities import RegisterActivities
from api.main import create_app
from models.enums import AreaOfPractice, Pathway, RegisterStatus
from models.records import RegisterEntry
from models.search import search_key
from settings import Settings
from storage import queries
from storage.database import make_engine, make_session_factory
from storage.migrate import alembic_config
from storage.queries import search_register
from storage.tables import REGISTER_SEARCH_TRIGRAM_INDEX as TRIGRAM_INDEX
from storage.tables import RegisterAreaCountRow, RegisterEntryAreaRow, RegisterEntryRow
from tests.storage.factories import T0, register_entry

Factory = sessionmaker[Session]

UNICODE_NAME = "Zoë Ó Briain-Łukasiewicz"
PARTS_OF_THE_NAME = [
    UNICODE_NAME,
    "zoe",
    "Ó Briain",
    "o briain",
    "Łukasiewicz",
    "lukasiewicz",
    "briain-lukasiewicz",
]
NAMES = [
    UNICODE_NAME,
    "Zoe Smith",
    "Ann O'Brien",
    "Bob Annand",
    "Søren Ørsted",
    "Jürgen Straße",
    "Siân Lloyd-Jones",
    "Bríd Ní Bhriain",
    "Amy Lee",
    "Al Li",
    "Σίσυφος Παπαδόπουλος",
]


def add_entries(session_factory: Factory, *entries: RegisterEntry) -> None:
    with session_factory.begin() as session:
        session.add_all(RegisterEntryRow(**e.model_dump(), updated_at=T0) for e in entries)


def entries_named(*names: str, **overrides: Any) -> list[RegisterEntry]:
    """One current entry per name, numbered in order, with ``overrides`` for all."""
    return [
        register_entry(registration_number=f"AP-{n:03d}", name=name, **overrides)
        for n, name in enumerate(names, start=1)
    ]


def found(session_factory: Factory, **search: Any) -> list[str]:
    with session_factory() as session:
        page = search_register(session=session, **search)
    return [entry.name for entry in page.items]


@pytest.fixture(params=["trigram", "scan"])
def both_ways(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Name searches through the trigram index, then (on SQLite) by scanning the ordered index."""
    if request.param == "scan":
        monkeypatch.setattr(queries, "FTS_LOOKUP_LIMIT", 0)
    else:  # however few entries an area has
        monkeypatch.setattr(queries, "SCANS_PER_LOOKUP", 0)
    return str(request.param)


@pytest.fixture
def register(session_factory: Factory) -> Factory:
    add_entries(session_factory, *entries_named(*NAMES))
    return session_factory


@pytest.mark.parametrize("query", PARTS_OF_THE_NAME)
def test_r19_any_part_of_a_unicode_name_finds_it(
    register: Factory, both_ways: str, query: str
) -> None:
    assert UNICODE_NAME in found(register, name=query)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("ZOË", [UNICODE_NAME, "Zoe Smith"]),
        ("zoë", [UNICODE_NAME, "Zoe Smith"]),
        ("soren orsted", ["Søren Ørsted"]),
        ("SØREN", ["Søren Ørsted"]),
        ("strasse", ["Jürgen Straße"]),
        ("JURGEN STRASSE", ["Jürgen Straße"]),
        ("sian lloyd jones", ["Siân Lloyd-Jones"]),
        ("obrien", []),
        ("o'brien", ["Ann O'Brien"]),
        ("O\u2019BRIEN", ["Ann O'Brien"]),
        ("ni bhriain", ["Bríd Ní Bhriain"]),
        ("briain", [UNICODE_NAME]),
        ("ΣΊΣΥΦΟΣ", ["Σίσυφος Παπαδόπουλος"]),
        ("παπαδοπουλος", ["Σίσυφος Παπαδόπουλος"]),
    ],
)
def test_r19_search_ignores_case_accents_and_punctuation(
    register: Factory, both_ways: str, query: str, names: list[str]
) -> None:
    assert sorted(found(register, name=query)) == sorted(names)


@pytest.mark.parametrize(("query", "names"), [("li", ["Al Li"]), ("e", None), ("ł", None)])
def test_r19_short_names_are_searched_too(
    register: Factory, query: str, names: list[str] | None
) -> None:
    expected = names or [n for n in NAMES if search_key(query) in search_key(n)]

    assert sorted(found(register, name=query, limit=100)) == sorted(expected)


def test_r19_search_answers_as_a_plain_filter_on_every_page(
    session_factory: Factory, both_ways: str
) -> None:
    statuses = itertools.cycle([RegisterStatus.CURRENT] * 3 + [RegisterStatus.LAPSED])
    names = [f"{first} {last}" for first in NAMES[:6] for last in ("Ånn", "Lee", "Ó Neill")]
    entries = [
        register_entry(registration_number=f"AP-{n:03d}", name=name, status=next(statuses))
        for n, name in enumerate(names)
    ]
    add_entries(session_factory, *entries)
    with session_factory() as session:
        listing = search_register(session=session, limit=100).items

    for query, limit in itertools.product(["ann", "LEE", "o neill", "zoe", "ø", "xyz"], [1, 4]):
        expected = [e for e in listing if search_key(query) in search_key(e.name)]
        for offset in range(len(expected) + 2):
            with session_factory() as session:
                page = search_register(session=session, name=query, limit=limit, offset=offset)
            assert page.total == len(expected), (query, offset)
            assert page.items == expected[offset : offset + limit], (query, limit, offset)


def test_r19_filters_combine_with_the_name(session_factory: Factory, both_ways: str) -> None:
    add_entries(
        session_factory,
        register_entry(registration_number="AP-1", name="Zoë Ward"),
        register_entry(registration_number="AP-2", name="Zoe Ward", pathway=Pathway.AP_L5),
        register_entry(
            registration_number="MA-1",
            name="Zoé Ward",
            pathway=Pathway.MA_L4,
            areas_of_practice=[AreaOfPractice.BREAST_SCREENING],
        ),
        register_entry(registration_number="AP-3", name="Zoe Ward", status=RegisterStatus.LAPSED),
    )

    def numbers(**search: Any) -> list[str]:
        with session_factory() as session:
            page = search_register(session=session, name="zoe ward", **search)
        assert page.total == len(page.items)
        return [entry.registration_number for entry in page.items]

    assert sorted(numbers()) == ["AP-1", "AP-2", "MA-1"]
    assert numbers(pathway=Pathway.AP_L5) == ["AP-2"]
    assert numbers(area_of_practice=AreaOfPractice.BREAST_SCREENING) == ["MA-1"]
    assert numbers(registration_number="AP-1") == ["AP-1"]
    assert sorted(numbers(current_only=False)) == ["AP-1", "AP-2", "AP-3", "MA-1"]


def test_r19_totals_follow_every_insert_update_and_delete(session_factory: Factory) -> None:
    add_entries(session_factory, *entries_named("A One", "B Two", "C Three", "D Four"))
    add_entries(
        session_factory,
        register_entry(registration_number="MA-1", name="E Five", pathway=Pathway.MA_L4),
    )
    with session_factory.begin() as session:
        session.execute(
            update(RegisterEntryRow)
            .where(RegisterEntryRow.registration_number == "AP-001")
            .values(status=RegisterStatus.SUSPENDED.value)
        )
        session.execute(
            update(RegisterEntryRow)
            .where(RegisterEntryRow.registration_number == "AP-002")
            .values(pathway=Pathway.MA_L4.value)
        )
        session.execute(
            update(RegisterEntryRow)
            .where(RegisterEntryRow.registration_number == "AP-003")
            .values(scope_of_practice="unchanged status and pathway")
        )
        session.execute(
            delete(RegisterEntryRow).where(RegisterEntryRow.registration_number == "AP-004")
        )

    def total(**search: Any) -> int:
        with session_factory() as session:
            page = search_register(session=session, limit=100, **search)
        assert page.total == len(page.items)
        return page.total

    assert total() == 3
    assert total(pathway=Pathway.MA_L4) == 2
    assert total(pathway=Pathway.AP_L4) == 1
    assert total(current_only=False) == 4
    assert total(current_only=False, pathway=Pathway.AP_L4) == 2
    assert total(pathway=Pathway.AP_L5) == 0


AREAS = list(AreaOfPractice)


def varied_entries(count: int, *, first: int = 0) -> list[RegisterEntry]:
    """``count`` entries numbered from ``first``: names that repeat (the registration number
    then orders them), every pathway, one area or two (once the same area twice), and two in
    five not current."""
    names = [f"{given} {last}" for given in NAMES[:5] for last in ("Ånn", "Lee", "Ó Neill")]
    statuses = [RegisterStatus.CURRENT] * 3 + [RegisterStatus.LAPSED, RegisterStatus.SUSPENDED]
    pathways = list(Pathway)
    entries = []
    for n in range(first, first + count):
        areas = [AREAS[n % 5]] if n % 3 else [AREAS[n % 5], AREAS[(n * 7 + 2) % 5]]
        entries.append(
            register_entry(
                registration_number=f"AP-{n:03d}",
                name=names[(n * 7) % len(names)],
                pathway=pathways[n % len(pathways)],
                status=statuses[n % len(statuses)],
                areas_of_practice=areas,
            )
        )
    return entries


def whole_register(session_factory: Factory) -> list[RegisterEntry]:
    """Every entry, whatever its status, in the register's order."""
    with session_factory() as session:
        page = search_register(session=session, current_only=False, limit=100)
    assert page.total == len(page.items)
    return page.items


def plainly_filtered(
    entries: list[RegisterEntry],
    area: AreaOfPractice,
    *,
    pathway: Pathway | None = None,
    name: str | None = None,
    registration_number: str | None = None,
    current_only: bool = True,
) -> list[RegisterEntry]:
    """What the register's filters keep of ``entries``, by plain Python."""
    return [
        e
        for e in entries
        if area in e.areas_of_practice
        and (pathway is None or e.pathway == pathway)
        and (name is None or search_key(name) in search_key(e.name))
        and (registration_number is None or e.registration_number == registration_number)
        and (not current_only or e.status == RegisterStatus.CURRENT)
    ]


def test_r19_area_filter_answers_as_a_plain_filter_on_every_page(
    session_factory: Factory, both_ways: str
) -> None:
    add_entries(session_factory, *varied_entries(60))
    listing = whole_register(session_factory)
    assert len(listing) == 60
    searches: list[dict[str, Any]] = [
        {},
        {"pathway": Pathway.AP_L4},
        {"pathway": Pathway.MA_L4},
        {"name": "ann"},
        {"name": "o neill"},
        {"name": "lee", "pathway": Pathway.AP_L5},
        {"name": "e"},  # shorter than a trigram
        {"name": "xyz"},
        {"current_only": False},
        {"current_only": False, "name": "zoe", "pathway": Pathway.AP_L4},
        {"registration_number": "AP-003"},
        {"registration_number": "AP-004", "name": "zoe"},
    ]

    for area, search in itertools.product(AREAS, searches):
        expected = plainly_filtered(listing, area, **search)
        for offset in range(len(expected) + 2):  # the first, every middle and the last page
            with session_factory() as session:
                page = search_register(
                    session=session, area_of_practice=area, limit=3, offset=offset, **search
                )
            assert page.total == len(expected), (area, search, offset)
            assert page.items == expected[offset : offset + 3], (area, search, offset)


def assert_areas_follow_the_entries(session_factory: Factory) -> None:
    """The rows per area and their counts hold what the entries say, and every area's search
    (with each pathway, current or not) answers as a plain filter of the whole register."""
    with session_factory() as session:
        entries = list(session.scalars(select(RegisterEntryRow)))
        area_rows = {
            tuple(row)
            for row in session.execute(
                select(
                    RegisterEntryAreaRow.entry_id,
                    RegisterEntryAreaRow.area,
                    RegisterEntryAreaRow.status,
                    RegisterEntryAreaRow.pathway,
                    RegisterEntryAreaRow.name,
                    RegisterEntryAreaRow.registration_number,
                    RegisterEntryAreaRow.search_key,
                )
            )
        }
        counts = {
            (row.area, row.status, row.pathway): row.entries
            for row in session.scalars(select(RegisterAreaCountRow))
            if row.entries
        }
    expected_rows = {
        (e.id, area, e.status, e.pathway, e.name, e.registration_number, search_key(e.name))
        for e in entries
        for area in e.areas_of_practice
    }
    assert area_rows == expected_rows
    assert counts == Counter((area, status, pathway) for _, area, status, pathway, *_ in area_rows)

    listing = whole_register(session_factory)
    for area, pathway, current_only in itertools.product(AREAS, [None, *Pathway], [True, False]):
        search: dict[str, Any] = {"pathway": pathway, "current_only": current_only}
        expected = plainly_filtered(listing, area, **search)
        with session_factory() as session:
            page = search_register(session=session, area_of_practice=area, limit=100, **search)
        assert (page.total, page.items) == (len(expected), expected), (area, search)


async def test_r19_area_totals_follow_every_insert_update_and_delete(
    session_factory: Factory,
) -> None:
    entry = RegisterEntryRow
    add_entries(session_factory, *varied_entries(30))
    assert_areas_follow_the_entries(session_factory)

    defaults = {"search_key": "", "updated_at": T0}
    rows = [
        e.model_dump() | defaults | {"search_key": search_key(e.name)}
        for e in varied_entries(5, first=30)
    ]
    with session_factory.begin() as session:  # one statement inserting several entries
        session.execute(insert(entry).values(rows))
    assert_areas_follow_the_entries(session_factory)

    with session_factory.begin() as session:  # the ORM: new areas, a new name
        first, second = session.scalars(select(entry).order_by(entry.id).limit(2))
        first.areas_of_practice = [AreaOfPractice.OTHER, AreaOfPractice.RADIOTHERAPY]
        second.name = "Zoë Nowak"
    assert_areas_follow_the_entries(session_factory)

    with session_factory.begin() as session:  # statements changing several entries each
        session.execute(
            update(entry)
            .where(entry.pathway == Pathway.MA_L4.value)
            .values(status=RegisterStatus.SUSPENDED.value)
        )
        session.execute(
            update(entry)
            .where(entry.registration_number.in_(["AP-003", "AP-010", "AP-011"]))
            .values(areas_of_practice=[AreaOfPractice.AAA_SCREENING], pathway=Pathway.AP_L5.value)
        )
        session.execute(update(entry).values(scope_of_practice="nothing the register filters"))
        session.execute(
            update(entry)
            .where(entry.registration_number == "AP-012")
            .values(name="Ann Zed", search_key=search_key("Ann Zed"))
        )
    assert_areas_follow_the_entries(session_factory)

    with session_factory.begin() as session:
        session.execute(delete(entry).where(entry.status == RegisterStatus.LAPSED.value))
    assert_areas_follow_the_entries(session_factory)

    activities = RegisterActivities(session_factory)  # the register activity's upsert
    new = register_entry(registration_number="AP-900", name="Amy Upsert")
    await activities.upsert_register_entry(new)
    assert_areas_follow_the_entries(session_factory)
    await activities.upsert_register_entry(
        new.model_copy(
            update={
                "areas_of_practice": [AreaOfPractice.BREAST_SCREENING, AreaOfPractice.OTHER],
                "status": RegisterStatus.SUSPENDED,
            }
        )
    )
    await activities.upsert_register_entry(
        register_entry(registration_number="AP-001", name="Renamed By Upsert")
    )
    assert_areas_follow_the_entries(session_factory)

    with session_factory.begin() as session:
        session.execute(delete(entry))
    assert_areas_follow_the_entries(session_factory)
    with session_factory() as session:
        assert search_register(session=session, area_of_practice=AREAS[0]).total == 0


async def test_r19_http_register_filters_by_area_pathway_and_name(
    session_factory: Factory, tmp_path: Path
) -> None:
    add_entries(session_factory, *varied_entries(40))
    listing = whole_register(session_factory)
    settings = Settings(_env_file=None, document_store_path=tmp_path)
    app = create_app(settings, session_factory=session_factory)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        for params in [
            {"area_of_practice": "radiotherapy"},
            {"area_of_practice": "clinical_imaging", "pathway": "AP_L4"},
            {"area_of_practice": "other", "name": "LEE"},
        ]:
            area = AreaOfPractice(params["area_of_practice"])
            pathway = Pathway(params["pathway"]) if "pathway" in params else None
            expected = plainly_filtered(listing, area, pathway=pathway, name=params.get("name"))
            for offset in (0, len(expected) // 2, max(len(expected) - 2, 0)):
                response = await http.get(
                    "/register", params=params | {"limit": 2, "offset": offset}
                )
                assert response.status_code == 200
                page = response.json()
                assert page["total"] == len(expected), params
                numbers = [item["registration_number"] for item in page["items"]]
                assert numbers == [e.registration_number for e in expected[offset : offset + 2]]


def test_r19_a_new_name_replaces_the_old_in_searches(register: Factory, both_ways: str) -> None:
    with register.begin() as session:
        row = session.scalars(
            select(RegisterEntryRow).where(RegisterEntryRow.name == UNICODE_NAME)
        ).one()
        row.name = "Zoë Nowak"

    assert found(register, name="lukasiewicz") == []
    assert found(register, name="zoe nowak") == ["Zoë Nowak"]


def test_r19_a_page_past_the_end_is_empty_with_the_total(register: Factory) -> None:
    with register() as session:
        page = search_register(session=session, name="zoe", offset=5)
        listing = search_register(session=session, offset=len(NAMES))

    assert (page.total, page.items) == (2, [])
    assert (listing.total, listing.items) == (len(NAMES), [])


@pytest.mark.parametrize("query", PARTS_OF_THE_NAME)
async def test_r19_http_register_finds_a_unicode_name_by_any_part(
    register: Factory, tmp_path: Path, query: str
) -> None:
    settings = Settings(_env_file=None, document_store_path=tmp_path)
    app = create_app(settings, session_factory=register)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        response = await http.get("/register", params={"name": query})

    assert response.status_code == 200
    page = response.json()
    assert UNICODE_NAME in [item["name"] for item in page["items"]]
    assert page["total"] == len(page["items"])


def test_r19_migration_backfills_keys_counts_and_index(db_url: str) -> None:
    """Rows written before the search key existed are found once the database is upgraded."""
    migrate(db_url, "0004", down=True)
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            for n, (name, status) in enumerate(
                [(UNICODE_NAME, "current"), ("Zoe Smith", "current"), ("Ann Lee", "lapsed")]
            ):
                connection.execute(INSERT_BEFORE_0005, legacy_row(n, name, status))
        migrate(db_url, "head")
        sessions = make_session_factory(engine)

        with sessions() as session:
            keys = session.execute(select(RegisterEntryRow.name, RegisterEntryRow.search_key))
            assert {name: key for name, key in keys} == {
                UNICODE_NAME: "zoe o briain lukasiewicz",
                "Zoe Smith": "zoe smith",
                "Ann Lee": "ann lee",
            }
        for query in PARTS_OF_THE_NAME:
            assert UNICODE_NAME in found(sessions, name=query), query
        assert sorted(found(sessions, name="zoë")) == sorted([UNICODE_NAME, "Zoe Smith"])
        with sessions() as session:
            assert search_register(session=session).total == 2
            assert search_register(session=session, current_only=False).total == 3
    finally:
        engine.dispose()


def test_migration_downgrades_and_upgrades_again(db_url: str) -> None:
    migrate(db_url, "0004", down=True)
    migrate(db_url, "head")
    migrate(db_url, "0004", down=True)
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(INSERT_BEFORE_0005, legacy_row(1, "Ann Lee", "current"))
            columns = connection.execute(text("SELECT * FROM register_entries")).keys()
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()

    assert "search_key" not in columns
    assert not {"register_counts", "register_entries_fts"} & tables


def test_r19_migration_0007_copies_areas_and_downgrades_cleanly(db_url: str) -> None:
    """Entries written before 0007 are found by area once upgraded; back at 0006 nothing of
    0007 is left, and entries are still written and counted."""
    migrate(db_url, "0006", down=True)
    engine = make_engine(db_url)
    try:
        sessions = make_session_factory(engine)
        add_entries(sessions, *varied_entries(20))
        migrate(db_url, "head")
        assert_areas_follow_the_entries(sessions)
        assert objects_of_0007(engine)

        migrate(db_url, "0006", down=True)
        engine.dispose()  # PostgreSQL: no cached metadata of the dropped tables
        tables = set(inspect(engine).get_table_names())
        assert not {"register_entry_areas", "register_area_counts"} & tables
        assert objects_of_0007(engine) == set()
        add_entries(sessions, *varied_entries(5, first=20))
        with sessions() as session:
            assert search_register(session=session, current_only=False).total == 25

        migrate(db_url, "head")
        assert_areas_follow_the_entries(sessions)
    finally:
        engine.dispose()


def objects_of_0007(engine: Engine) -> set[str]:
    """The triggers, functions and indexes of migration 0007 in the test's database."""
    names = "(name LIKE 'register_entry_areas%' OR name LIKE 'register_area_counts%'"
    names += " OR name LIKE 'ix_register_entry_areas%')"
    if engine.dialect.name == "sqlite":
        query = f"SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index') AND {names}"
    else:
        here = "current_schema()::regnamespace"
        query = f"""SELECT name FROM (
            SELECT tgname::text AS name FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid
            WHERE NOT tgisinternal AND relnamespace = {here}
            UNION ALL SELECT proname::text FROM pg_proc WHERE pronamespace = {here}
            UNION ALL SELECT relname::text FROM pg_class WHERE relkind = 'i'
            AND relnamespace = {here}
        ) AS objects WHERE {names}"""
    with engine.connect() as connection:
        return set(connection.execute(text(query)).scalars())


def test_r19_area_search_reads_the_area_indexes(session_factory: Factory) -> None:
    """An area's listing is read in order from the index of its rows per area (no sort); on
    SQLite, a name within an area is read from the FTS5 table and looked up by entry id."""
    areas = [[area] for area in AREAS] + [[AREAS[0], AREAS[1]], [AREAS[2], AREAS[4]]]
    pathways = list(Pathway)
    rows = [
        {
            "registration_number": f"AP-{n:05d}",
            "name": f"Name {n:05d} Sample",
            "search_key": f"name {n:05d} sample",
            "areas_of_practice": areas[n % len(areas)],
            "pathway": pathways[n % len(pathways)].value,
            "updated_at": T0,
        }
        for n in range(3000)
    ]
    defaults = register_entry().model_dump(exclude={"registration_number", "name"})
    with session_factory.begin() as session:
        session.execute(insert(RegisterEntryRow).values([defaults | row for row in rows]))
        session.add(
            RegisterEntryRow(
                **register_entry(
                    name=UNICODE_NAME, areas_of_practice=[AreaOfPractice.RADIOTHERAPY]
                ).model_dump(),
                updated_at=T0,
            )
        )

    radiotherapy = {"area_of_practice": AreaOfPractice.RADIOTHERAPY}
    with session_factory() as session:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":  # what autovacuum does after a bulk insert
            index = "ix_register_entry_areas_search_key_trgm"
            session.execute(text(f"SELECT gin_clean_pending_list('{index}')"))
            session.execute(text("ANALYZE register_entries, register_entry_areas"))
        alone = plans_of_search(session, **radiotherapy)
        last_page = plans_of_search(session, offset=550, **radiotherapy)
        with_pathway = plans_of_search(session, pathway=Pathway.MA_L4, **radiotherapy)
        with_name = plans_of_search(session, name="lukasiewicz", **radiotherapy)

    for plans in (alone, last_page):
        assert "ix_register_entry_areas_area_status_name" in plans, plans
    assert "ix_register_entry_areas_area_status_pathway_name" in with_pathway, with_pathway
    for plans in (alone, last_page, with_pathway):  # only the page's own rows are sorted
        assert plans.count("TEMP B-TREE") <= 1, plans
        assert "Sort Key: register_entry_areas" not in plans, plans
    if dialect == "sqlite":
        assert "register_entries_fts VIRTUAL TABLE" in with_name, with_name
        assert "USING PRIMARY KEY" in with_name or "sqlite_autoindex" in with_name, with_name
        assert "ix_register_entry_areas_area" not in with_name, with_name
    else:
        assert "ix_register_entry_areas_search_key_trgm" in with_name, with_name


def test_r19_name_search_uses_the_trigram_index(session_factory: Factory) -> None:
    """SQLite reads the name's matches from its FTS5 table by rowid, instead of testing every
    current entry; PostgreSQL's planner picks the pg_trgm index for a selective name."""
    rows = [
        {
            "registration_number": f"AP-{n:05d}",
            "name": f"Name {n:05d} Sample",
            "search_key": f"name {n:05d} sample",
            "updated_at": T0,
        }
        for n in range(3000)
    ]
    defaults = register_entry().model_dump(exclude={"registration_number", "name"})
    with session_factory.begin() as session:
        session.execute(insert(RegisterEntryRow).values([defaults | row for row in rows]))
        session.add(
            RegisterEntryRow(**register_entry(name=UNICODE_NAME).model_dump(), updated_at=T0)
        )

    with session_factory() as session:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":  # what autovacuum does after a bulk insert
            session.execute(text(f"SELECT gin_clean_pending_list('{TRIGRAM_INDEX}')"))
            session.execute(text("ANALYZE register_entries"))
        plans = plans_of_search(session, name="lukasiewicz")

    if dialect == "sqlite":
        assert "register_entries_fts VIRTUAL TABLE" in plans
        assert "USING INTEGER PRIMARY KEY" in plans
        assert "(status=?)" not in plans
    else:
        assert f"Bitmap Index Scan on {TRIGRAM_INDEX}" in plans


INSERT_BEFORE_0005 = text(
    "INSERT INTO register_entries (registration_number, name, pathway, areas_of_practice,"
    " scope_of_practice, accredited_from, expires_on, status, updated_at)"
    " VALUES (:number, :name, 'AP_L4', '[\"clinical_imaging\"]', 'Plain film',"
    " :accredited_from, :expires_on, :status, :updated_at)"
)


def legacy_row(n: int, name: str, status: str) -> dict[str, Any]:
    """A register row as revision 0004 holds it."""
    entry = register_entry()
    return {
        "number": f"AP-{n:03d}",
        "name": name,
        "status": status,
        "accredited_from": entry.accredited_from,
        "expires_on": entry.expires_on,
        "updated_at": T0,
    }


def migrate(url: str, revision: str, *, down: bool = False) -> None:
    """Bring the database at ``url`` up or down to ``revision``."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            if down:
                command.downgrade(config, revision)
            else:
                command.upgrade(config, revision)
    finally:
        engine.dispose()


def plans_of_search(session: Session, **search: Any) -> str:
    """The database's plans of the statements ``search_register`` sends for ``search``."""
    sent: list[tuple[str, Any]] = []
    connection = session.connection()

    def capture(*args: Any) -> None:
        sent.append((args[2], args[3]))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        search_register(session=session, **search)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    explain = "EXPLAIN QUERY PLAN" if connection.dialect.name == "sqlite" else "EXPLAIN"
    plans: list[str] = []
    for statement, parameters in sent:
        rows = connection.exec_driver_sql(f"{explain} {statement}", parameters)
        plans.extend(str(row[-1]) for row in rows)
    return "\n".join(plans)
