from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from storage.database import make_engine
from storage.migrate import upgrade
from storage.tables import Base, is_search_index


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """What the migrations' own comparison includes (storage/migrations/env.py)."""
    return not is_search_index(name, type_)


def table_names(engine: Engine) -> set[str]:
    """The database's tables, less the register search's own (SQLite's FTS5 tables)."""
    return {name for name in inspect(engine).get_table_names() if include_name(name, "table", {})}


def test_head_matches_the_table_metadata(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_twice_changes_nothing(db_url: str, engine: Engine) -> None:
    upgrade(db_url)

    assert table_names(engine) == set(Base.metadata.tables) | {"alembic_version"}


def test_sqlite_file_gets_its_directory_and_wal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'a.db'}"
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            mode = connection.execute(text("PRAGMA journal_mode")).scalar_one()
            foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar_one()
    finally:
        engine.dispose()

    assert (tmp_path / "nested" / "dir" / "a.db").exists()
    assert (mode, foreign_keys) == ("wal", 1)


@pytest.mark.postgres
def test_workers_starting_together_migrate_in_turn(postgres_url: str) -> None:
    """Several workers upgrading one empty PostgreSQL database at once all succeed."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    server = make_engine(postgres_url)
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            runs = [
                pool.submit(upgrade, url.render_as_string(hide_password=False)) for _ in range(3)
            ]
            for run in runs:
                run.result(timeout=60)
        engine = make_engine(url.render_as_string(hide_password=False))
        try:
            assert table_names(engine) == set(Base.metadata.tables) | {"alembic_version"}
        finally:
            engine.dispose()
    finally:
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()
