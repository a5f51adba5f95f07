"""Bring a database to the latest schema with Alembic; tables are only ever made this way.

New revisions: ``.venv/bin/alembic -c storage/alembic.ini revision --autogenerate -m "..."``
(against ``ACCRED_DATABASE_URL``). Upgrade the configured database: ``python -m storage.migrate``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from storage.database import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")

# Any fixed number: PostgreSQL advisory locks are named by one. Workers starting together take
# turns to migrate instead of racing on the same DDL.
MIGRATION_LOCK = 0x_C0_12_AC_C2


def alembic_config() -> Config:
    """An Alembic configuration built in code (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(url: str) -> None:
    """Apply every pending migration to the database at ``url``.

    Args:
        url: a SQLAlchemy URL, as accepted by ``storage.database.make_engine``.
    """
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


if __name__ == "__main__":
    from settings import get_settings

    upgrade(get_settings().database_url)
