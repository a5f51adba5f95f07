"""R19: keep the public register's entries up to date."""

from __future__ import annotations

import functools
from concurrent.futures import Executor
from datetime import UTC, datetime

from sqlalchemy import Executable
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.metrics import REGISTER_WRITES, count
from activities.threads import in_thread
from models.records import RegisterEntry
from models.search import search_key
from storage.database import dialect_name, insert_for
from storage.tables import RegisterEntryRow


class RegisterActivities:
    """Writes register entries; ``RegisterEntry`` carries the public fields only.

    Each entry is written with its name's search key, which the register's name search matches.
    """

    def __init__(
        self, session_factory: sessionmaker[Session], *, threads: Executor | None = None
    ) -> None:
        self.session_factory = session_factory
        self.threads = threads

    @activity.defn(name="upsert_register_entry")
    async def upsert_register_entry(self, entry: RegisterEntry) -> None:
        """Insert the entry, or replace the one with the same registration number."""
        await in_thread(self.threads, self._upsert, entry)
        count(REGISTER_WRITES, status=entry.status.value)
        activity.logger.info(
            "register %s: %s until %s",
            entry.registration_number,
            entry.status,
            entry.expires_on,
            extra={"registration_number": entry.registration_number},
        )

    def _upsert(self, entry: RegisterEntry) -> None:
        values = {
            **entry.model_dump(),
            "search_key": search_key(entry.name),
            "updated_at": datetime.now(UTC),
        }
        with self.session_factory.begin() as session:
            session.connection().execute(_upsert(dialect_name(session)), values)


_COLUMNS = (*RegisterEntry.model_fields, "search_key", "updated_at")


@functools.cache
def _upsert(dialect: str) -> Executable:
    """Insert an entry or replace the one with its registration number (built once per
    dialect, executed with each entry's values)."""
    insert = insert_for(dialect, RegisterEntryRow)
    return insert.on_conflict_do_update(
        index_elements=[RegisterEntryRow.registration_number],
        set_={name: insert.excluded[name] for name in _COLUMNS},
    )
