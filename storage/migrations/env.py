"""Alembic environment: run migrations on the connection ``storage.migrate`` hands over.

Run from the alembic CLI, it connects to ``ACCRED_DATABASE_URL`` instead.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from storage.database import make_engine
from storage.tables import Base, UtcDateTime, is_search_index


def render_item(type_: str, obj: Any, _autogen_context: AutogenContext) -> str | Literal[False]:
    # Revisions must not import storage.tables: they have to keep working as the code moves on.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    # The register's trigram search is made by hand per dialect, outside the metadata.
    return not is_search_index(name, type_)


def run_migrations(connection: Connection) -> None:
    # Batch mode lets later revisions alter columns on SQLite, which has little ALTER TABLE.
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")

given = context.config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    from settings import get_settings

    engine = make_engine(get_settings().database_url)
    with engine.begin() as connection:
        run_migrations(connection)
    engine.dispose()
