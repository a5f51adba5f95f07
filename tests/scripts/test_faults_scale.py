"""The fault-injection check scaled out: two workers and two APIs on one PostgreSQL database,
applications driven through both APIs in turn while one worker and one API are killed.

The run gets a database of its own on the test server (``faults_<uuid>``), dropped afterwards.
Each API has a document directory of its own, so every document downloaded back through the
other API (the script checks each one) came from the database store.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from scripts.faults import leftover_processes
from tests.scripts.test_faults import run_faults, table_row

ROOT = Path(__file__).resolve().parents[2]
RUN_SECONDS = 110
APPLICATIONS = 12


def libpq(url: str) -> str:
    """A SQLAlchemy URL as libpq spells it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def fresh_database(postgres_url: str) -> Iterator[str]:
    """An empty database of the test's own on the PostgreSQL server, dropped afterwards."""
    name = f"faults_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(libpq(postgres_url), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq(postgres_url), autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def stored_files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


@pytest.mark.postgres
def test_two_workers_and_two_apis_through_a_worker_kill_and_an_api_kill(
    tmp_path: Path, fresh_database: str
) -> None:
    workdir = tmp_path / "run"
    code, output = run_faults(
        workdir,
        "--applications", str(APPLICATIONS), "--faults", "worker,api", "--kills", "1",
        "--workers", "2", "--apis", "2", "--database-url", fresh_database,
        seconds=RUN_SECONDS,
    )  # fmt: skip
    assert code == 0, output
    assert re.search(r"stack up: API http://\S+, http://\S+, ", output), output
    assert "2 worker(s), documents in the database" in output
    for kind in ("worker", "api"):
        assert f"fault {kind} 1/1: kill -9 {kind} (pid" in output
        assert f"fault {kind} 1/1: {kind} back" in output
    half = APPLICATIONS // 2
    expected = {"kills": 1, "driven": half, "completed": half, "lost": 0, "dup register": 0}
    expected |= {"dup emails": 0, "dup apps": 0, "stuck": 0}
    for row in ("worker", "api"):
        figures = table_row(output, row)
        figures.pop("resent emails")  # reported, not failed (see test_faults.py)
        assert figures == {"phase": row, **expected}, output
    total = table_row(output, "total")
    assert (total["driven"], total["completed"], total["lost"]) == (APPLICATIONS,) * 2 + (0,)
    assert re.search(rf"^OK: {APPLICATIONS} of {APPLICATIONS} applications", output, re.M)
    assert "no process left behind" in output
    assert leftover_processes(workdir.resolve()) == []

    # Every document is in the database, none in either API's directory.
    engine = create_engine(fresh_database)
    try:
        with engine.connect() as connection:
            uploads = connection.execute(text("SELECT COUNT(*) FROM document_uploads")).scalar()
    finally:
        engine.dispose()
    assert uploads == 2 * APPLICATIONS
    assert stored_files(workdir / "documents") == []
    assert stored_files(workdir / "documents-2") == []
