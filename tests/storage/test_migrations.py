from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from storage.database import make_engine
from storage.migrate import upgrade
from storage.tables import Base


def test_head_matches_the_table_metadata(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_twice_changes_nothing(db_url: str, engine: Engine) -> None:
    upgrade(db_url)

    tables = set(inspect(engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


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
