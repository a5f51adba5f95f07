"""Engines and sessions for SQLite files and PostgreSQL (``postgresql+psycopg://``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; for a SQLite file, create its directory first.

    SQLite runs in WAL mode (readers do not block the writer) with foreign keys on and a busy
    timeout, because the API and several activity threads share the file. Commits sync at WAL
    checkpoints (``synchronous=NORMAL``, SQLite's advice for WAL): a power cut may lose the last
    commits but never corrupts the file. PostgreSQL, for production, keeps its own settings.

    Args:
        url: a SQLAlchemy URL, e.g. ``sqlite:///var/accreditation.db`` or
            ``postgresql+psycopg://user@host:5432/db``.

    Returns:
        The engine.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
    )
    event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (activities return them)."""
    return sessionmaker(engine, expire_on_commit=False)


def dialect_name(session: Session) -> str:
    """The session's database dialect: ``sqlite`` or ``postgresql``."""
    return session.get_bind().dialect.name


def insert_for(dialect: str, table: Any) -> sqlite.Insert | postgresql.Insert:
    """``dialect_insert`` by the dialect's name, for statements built once and cached."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def dialect_insert(session: Session, table: Any) -> sqlite.Insert | postgresql.Insert:
    """An INSERT that supports ``on_conflict_do_nothing``/``_do_update`` on either dialect.

    Both dialects spell "insert or ignore/update" as ``ON CONFLICT``; a single statement avoids
    the read-then-write race between concurrent activity attempts.
    """
    return insert_for(dialect_name(session), table)
