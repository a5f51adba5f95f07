"""Migration 0006 (the document store's tables) goes down and up again on both databases."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect, text

from storage.migrate import alembic_config
from storage.tables import Base

DOCUMENT_TABLES = {"document_contents", "document_uploads"}


def migrate(engine: Engine, direction: str, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)


def test_0006_downgrades_and_upgrades(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= DOCUMENT_TABLES

    migrate(engine, "downgrade", "0005")
    engine.dispose()  # PostgreSQL: no cached metadata of the dropped tables
    tables = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

    assert not DOCUMENT_TABLES & tables
    assert version == "0005"
    assert "register_entries" in tables  # what 0005 made stays

    migrate(engine, "upgrade", "head")
    engine.dispose()
    assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
