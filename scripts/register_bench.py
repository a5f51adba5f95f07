"""Benchmark the public register's search (R19) on a register of realistic size.

Loads ``--rows`` entries (90% current) into a fresh, migrated SQLite file and, when the server
answers, into a schema of its own on PostgreSQL (dropped afterwards), then times each search
three ways: the query function (``storage.queries.search_register``), ``GET /register`` over
HTTP against the app (in process, through httpx's ASGI transport) and the raw SQL the function
sends, run straight on the driver. Figures are p50 / p95 in milliseconds.

python scripts/register_bench.py                      # 100,000 entries, both databases
python scripts/register_bench.py --rows 20000 --repeat 20 --no-postgres --explain
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file, only scripts/ would be on the path
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from sqlalchemy import Engine, event, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from api.main import create_app  # noqa: E402
from models.enums import AreaOfPractice, Pathway, RegisterStatus  # noqa: E402
from models.search import search_key  # noqa: E402
from settings import Settings  # noqa: E402
from storage.database import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.queries import search_register  # noqa: E402
from storage.tables import RegisterEntryRow  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOAL_MS = 20.0
PAGE = 20
SEARCHED_NAME = "Zoë Ó Briain-Łukasiewicz"


def _words(text: str) -> tuple[str, ...]:
    """The space-separated words of ``text``."""
    return tuple(text.split())


FIRST_NAMES = _words(
    """
    Aaliyah Abdul Ada Adebayo Aisha Alan Alice Amara Amir Ana Anders Andrew Ann Aoife Arjun Asha
    Beatriz Ben Bethan Björn Bogdan Bríd Callum Carmen Catrin Chen Chidi Chloe Ciarán Claire
    Dafydd Daniel David Deepa Dmitri Eilidh Elif Emma Eoin Ewa Fatima Fiona Florian François
    Gareth Grace Grzegorz Hana Hannah Hamza Heidi Ian Ifeoma Imran Ingrid Isla Jakub James Jana
    Jens José Joanna Jürgen Kai Karen Kateřina Kavya Kwame Lars Laura Leila Liam Lucía Łucja
    Maeve Malgorzata Marek María Mark Mary Mei Mohammed Niamh Nikolai Noor Olu Oisín Paula
    Pedro Priya Rachel Rhys Rosa Ruth Sanjay Sara Seán Siân Siobhán Søren Sophie Tomás Tariq
    Thomas Úna Valentina Wei Yasmin Zainab Zoë Zofia
    """
)
SURNAMES = (
    "Ó Briain",
    "Ó Súilleabháin",
    "Y\u0131lmaz",
    *_words(
        """
        Abbott Adeyemi Ahmed Ali Andersen Bailey Baker Begum Bennett Brown Byrne Campbell Chen
        Clarke Collins Cooper Davies Dąbrowski Doherty Dvořák Edwards Evans Fernández Fischer
        Fitzgerald García Gómez Green Griffiths Hall Hansen Harris Hughes Hussain Jackson James
        Jankowski Jenkins Johnson Jones Kaur Kelly Khan Kowalczyk Kumar Lewis Lindqvist López
        Łukasiewicz MacDonald McCarthy Mohamed Morgan Müller Murphy Nguyễn Nowak O'Brien O'Connor
        O'Neill Okafor Owen Patel Pérez Phillips Price Quinn Reid Roberts Robinson Rodríguez Rossi
        Schmidt Scott Shah Singh Smith Smith-Jones Søndergaard Stewart Taylor Thomas Thompson
        Turner Walker Walsh Watson White Williams Wilson Wiśniewski Wood Wright Young Zieliński
        """
    ),
)


@dataclass(frozen=True)
class Case:
    """One search: a label and the filters ``search_register`` and ``GET /register`` take."""

    label: str
    params: dict[str, Any]


@dataclass
class Result:
    """The timings of one case, in milliseconds, and what it found."""

    case: Case
    total: int
    query_ms: list[float] = field(default_factory=list)
    http_ms: list[float] = field(default_factory=list)
    raw_ms: list[float] = field(default_factory=list)


def entry_names(count: int, rng: random.Random) -> Iterator[str]:
    """``count`` names: a first name, sometimes a second, a surname, sometimes double-barrelled."""
    for index in range(count):
        if index == count // 2:
            yield SEARCHED_NAME
            continue
        first = rng.choice(FIRST_NAMES)
        if rng.random() < 0.2:
            first = f"{first} {rng.choice(FIRST_NAMES)}"
        surname = rng.choice(SURNAMES)
        if rng.random() < 0.05:
            surname = f"{surname}-{rng.choice(SURNAMES)}"
        yield f"{first} {surname}"


def entry_rows(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` register rows: 90% current, 5% suspended, 5% lapsed; pathways and areas mixed."""
    rng = random.Random(seed)
    pathways = list(Pathway)
    areas = list(AreaOfPractice)
    now = datetime.now(UTC)
    rows = []
    for index, name in enumerate(entry_names(count, rng)):
        roll = rng.random()
        status = (
            RegisterStatus.CURRENT
            if roll < 0.9 or name == SEARCHED_NAME
            else RegisterStatus.SUSPENDED
            if roll < 0.95
            else RegisterStatus.LAPSED
        )
        pathway = rng.choice(pathways)
        start = date(2026, 1, 1) + timedelta(days=rng.randrange(700))
        rows.append(
            {
                "registration_number": f"{pathway.value[:2].upper()}-{index + 1:07d}",
                "name": name,
                "search_key": search_key(name),
                "pathway": pathway.value,
                "areas_of_practice": sorted(a.value for a in rng.sample(areas, rng.randint(1, 2))),
                "scope_of_practice": "Plain film imaging of the appendicular skeleton",
                "accredited_from": start,
                "expires_on": start + timedelta(days=730),
                "status": status.value,
                "updated_at": now,
            }
        )
    return rows


def load(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` in batches; PostgreSQL then vacuums and analyses the table and its rows
    per area, as autovacuum would after a bulk load.

    ``RETURNING`` makes SQLAlchemy send a thousand rows a statement (on PostgreSQL it would
    otherwise send one a statement, and the count triggers would fire once a row).
    """
    batch = 5000
    statement = insert(RegisterEntryRow).returning(RegisterEntryRow.id)
    with engine.begin() as connection:
        for start in range(0, len(rows), batch):
            connection.execute(statement, rows[start : start + batch]).all()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE register_entries, register_entry_areas"))


def cases(sessions: sessionmaker[Session]) -> list[Case]:
    """The searches timed: Unicode and ASCII names, short and common parts, an area of practice
    alone, with a pathway and with a name, first, middle and last pages."""

    def page_at(share: float, **params: Any) -> dict[str, Any]:
        """``params`` with the offset of the page ``share`` of the way through the matches."""
        with sessions() as session:
            total = search_register(session=session, limit=1, **params).total
        return params | {"offset": max(round(total * share) - PAGE, 0)}

    radiotherapy, ap_l4 = AreaOfPractice.RADIOTHERAPY, Pathway.AP_L4
    return [
        Case("name: the whole Unicode name", {"name": SEARCHED_NAME}),
        Case("name: 'Ó Briain'", {"name": "Ó Briain"}),
        Case("name: 'lukasiewicz' (no accents)", {"name": "lukasiewicz"}),
        Case("name: 'briain-lukasiewicz'", {"name": "briain-lukasiewicz"}),
        Case("name: 'zoe'", {"name": "zoe"}),
        Case("name: 'Smith'", {"name": "Smith"}),
        Case("name: 'son' (many), first page", {"name": "son"}),
        Case("name: 'son' (many), middle page", page_at(0.5, name="son")),
        Case("name: 'son' (many), last page", page_at(1, name="son")),
        Case("name: 'ma' (2 letters), first page", {"name": "ma"}),
        Case("name: 'ma' (2 letters), last page", page_at(1, name="ma")),
        Case("name: 'e' (1 letter), last page", page_at(1, name="e")),
        Case("name: 'Smith' + pathway", {"name": "Smith", "pathway": Pathway.AP_L4}),
        Case("no name, first page", {}),
        Case("no name, middle page", page_at(0.5)),
        Case("no name, last page", page_at(1)),
        Case("pathway, last page", page_at(1, pathway=Pathway.MA_L4)),
        Case("area, first page", {"area_of_practice": radiotherapy}),
        Case("area, middle page", page_at(0.5, area_of_practice=radiotherapy)),
        Case("area, last page", page_at(1, area_of_practice=radiotherapy)),
        Case("area + pathway, first page", {"area_of_practice": radiotherapy, "pathway": ap_l4}),
        Case(
            "area + pathway, middle page",
            page_at(0.5, area_of_practice=radiotherapy, pathway=ap_l4),
        ),
        Case("area + pathway, last page", page_at(1, area_of_practice=radiotherapy, pathway=ap_l4)),
        Case(
            "area + name 'lukasiewicz'", {"area_of_practice": radiotherapy, "name": "lukasiewicz"}
        ),
        Case("area + name 'Smith'", {"area_of_practice": radiotherapy, "name": "Smith"}),
        Case("area + name 'son', first page", {"area_of_practice": radiotherapy, "name": "son"}),
        Case("area + name 'son', last page", page_at(1, area_of_practice=radiotherapy, name="son")),
        Case(
            "area + name 'e' (1 letter), middle page",
            page_at(0.5, area_of_practice=radiotherapy, name="e"),
        ),
        Case(
            "area + pathway + name 'Smith'",
            {"area_of_practice": radiotherapy, "pathway": ap_l4, "name": "Smith"},
        ),
        Case("registration number", {"registration_number": "AP-0000001"}),
    ]


def timed(run: Callable[[], Any]) -> float:
    """How long ``run()`` takes, in milliseconds."""
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1000


def query_params(case: Case) -> dict[str, Any]:
    """The case as ``GET /register`` query parameters."""
    params: dict[str, Any] = {"limit": PAGE}
    for name, value in case.params.items():
        params[name] = getattr(value, "value", value)
    return params


def captured_sql(engine: Engine, run: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The statements and parameters ``run()`` sends through ``engine``."""
    statements: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        statements.append((args[2], args[3]))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return statements


def run_raw(engine: Engine, statements: list[tuple[str, Any]]) -> None:
    """Run ``statements`` straight on the driver, fetching every row."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        cursor.close()
    finally:
        connection.close()


def measure(
    engine: Engine, sessions: sessionmaker[Session], all_cases: list[Case], repeat: int
) -> list[Result]:
    """Time every case through the query function, over HTTP and as raw SQL."""
    results = []
    for case in all_cases:

        def search(case: Case = case) -> int:
            with sessions() as session:
                page = search_register(session=session, limit=PAGE, **case.params)
            return page.total

        total = search()
        result = Result(case, total)
        statements = captured_sql(engine, search)
        for _ in range(repeat):
            result.query_ms.append(timed(search))
            result.raw_ms.append(timed(functools.partial(run_raw, engine, statements)))
        results.append(result)
    asyncio.run(measure_http(sessions, results, repeat))
    return results


async def measure_http(sessions: sessionmaker[Session], results: list[Result], repeat: int) -> None:
    """Time ``GET /register`` for every case, checking it answers as the query function does."""
    with tempfile.TemporaryDirectory() as documents:
        settings = Settings(_env_file=None, document_store_path=Path(documents))
        app = create_app(settings, session_factory=sessions)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            for result in results:
                params = query_params(result.case)
                for attempt in range(repeat + 1):
                    start = time.perf_counter()
                    response = await http.get("/register", params=params)
                    elapsed = (time.perf_counter() - start) * 1000
                    response.raise_for_status()
                    if attempt == 0:  # the first request warms the route up
                        if response.json()["total"] != result.total:
                            raise SystemExit(f"{result.case.label}: HTTP total differs")
                        continue
                    result.http_ms.append(elapsed)


def p50_p95(samples: list[float]) -> str:
    """``samples`` as "p50 / p95" in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):6.1f} / {p95:6.1f}"


def report(title: str, results: list[Result]) -> None:
    """Print one database's figures, with the worst p95 over HTTP against the goal."""
    print(f"\n{title}")
    header = f"{'search':40} {'matches':>8}  {'query fn':>15}  {'HTTP':>15}  {'raw SQL':>15}"
    print(header)
    print("-" * len(header))
    for r in results:
        figures = f"{p50_p95(r.query_ms)}  {p50_p95(r.http_ms)}  {p50_p95(r.raw_ms)}"
        print(f"{r.case.label:40} {r.total:8,}  {figures}")
    worst = max(results, key=lambda r: sorted(r.http_ms)[round(0.95 * (len(r.http_ms) - 1))])
    worst_p95 = sorted(worst.http_ms)[round(0.95 * (len(worst.http_ms) - 1))]
    verdict = "meets" if worst_p95 <= GOAL_MS else "MISSES"
    print(f"worst HTTP p95: {worst_p95:.1f} ms ({worst.case.label}): {verdict} {GOAL_MS:.0f} ms")


def explain(engine: Engine, sessions: sessionmaker[Session], all_cases: list[Case]) -> None:
    """Print each case's query plans."""
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    for case in all_cases:
        print(f"\n-- {case.label}")

        def search(case: Case = case) -> None:
            with sessions() as session:
                search_register(session=session, limit=PAGE, **case.params)

        for statement, parameters in captured_sql(engine, search):
            connection = engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute(prefix + statement, parameters)
                for row in cursor.fetchall():
                    print("   ", " ".join(str(part) for part in row))
            finally:
                connection.close()


def bench(title: str, url: str, rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """Migrate and load the database at ``url``, then time and report every case."""
    upgrade(url)
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        start = time.perf_counter()
        load(engine, rows)
        loaded = time.perf_counter() - start
        all_cases = cases(sessions)
        if args.explain:
            explain(engine, sessions, all_cases)
        results = measure(engine, sessions, all_cases, args.repeat)
        load_average = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        report(
            f"{title}: {len(rows):,} entries, loaded in {loaded:.1f} s; "
            f"{args.repeat} runs a search; load average {load_average} on {os.cpu_count()} CPUs",
            results,
        )
    finally:
        engine.dispose()


def postgres_schema_url(server_url: str) -> tuple[str, Callable[[], None]] | None:
    """A fresh schema on the server and a function dropping it; None when it is unreachable."""
    libpq = make_url(server_url).set(drivername="postgresql").render_as_string(False)
    schema = f"register_bench_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(libpq, autocommit=True, connect_timeout=3) as connection:
            connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    except psycopg.OperationalError as err:
        print(f"\nPostgreSQL skipped: {' '.join(str(err).split())}")
        return None

    def drop() -> None:
        with psycopg.connect(libpq, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))

    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="entries to load")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each search")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("ACCRED_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    )
    parser.add_argument("--explain", action="store_true", help="print each search's plans")
    args = parser.parse_args(argv)
    rows = entry_rows(args.rows, args.seed)
    with tempfile.TemporaryDirectory() as directory:
        bench("SQLite", f"sqlite:///{Path(directory) / 'register.db'}", rows, args)
    if not args.no_postgres:
        schema = postgres_schema_url(args.postgres_url)
        if schema is not None:
            url, drop = schema
            try:
                bench("PostgreSQL", url, rows, args)
            finally:
                drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
