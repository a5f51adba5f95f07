"""The read model and the audit trail: what staff queues, listings and auditors read."""

from __future__ import annotations

import functools
from concurrent.futures import Executor

from sqlalchemy import Executable, and_, or_
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.threads import in_thread
from models.records import AccreditationSummary, ApplicationSummary, ReadModelUpdate
from storage.database import dialect_name, insert_for
from storage.tables import AccreditationSummaryRow, ApplicationSummaryRow, AuditEventRow

# The statements are built once per dialect and executed with each call's values: building
# and caching a statement afresh for every event costs the worker more than running it.


@functools.cache
def _audit_insert(dialect: str) -> Executable:
    """Audit rows, each once per ``event_id``."""
    return insert_for(dialect, AuditEventRow).on_conflict_do_nothing(
        index_elements=[AuditEventRow.event_id]
    )


@functools.cache
def _summary_upsert(dialect: str) -> Executable:
    """The application's summary, unless the stored one is newer (a higher ``version``, or
    the same one updated later)."""
    insert = insert_for(dialect, ApplicationSummaryRow)
    stored, incoming = ApplicationSummaryRow, insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[ApplicationSummaryRow.application_id],
        set_={name: incoming[name] for name in ApplicationSummary.model_fields},
        where=or_(
            stored.version < incoming.version,
            and_(stored.version == incoming.version, stored.updated_at <= incoming.updated_at),
        ),
    )


@functools.cache
def _accreditation_upsert(dialect: str) -> Executable:
    """The member's accreditation summary, unless a newer one is stored."""
    insert = insert_for(dialect, AccreditationSummaryRow)
    return insert.on_conflict_do_update(
        index_elements=[AccreditationSummaryRow.member_id],
        set_={name: insert.excluded[name] for name in AccreditationSummary.model_fields},
        where=AccreditationSummaryRow.version <= insert.excluded.version,
    )


class ReadModelActivities:
    """Records an application's event (its audit row and new summary, together) and a
    member's accreditation summary."""

    def __init__(
        self, session_factory: sessionmaker[Session], *, threads: Executor | None = None
    ) -> None:
        self.session_factory = session_factory
        self.threads = threads

    @activity.defn(name="record_application_event")
    async def record_application_event(self, update: ReadModelUpdate) -> None:
        """Append the event's audit rows (each once per ``event_id``) and upsert the summary.

        A summary older than the stored one (lower ``version``, then earlier ``updated_at``) is
        ignored: activities may finish out of order.
        """
        await in_thread(self.threads, self._record, update)

    def _record(self, update: ReadModelUpdate) -> None:
        with self.session_factory.begin() as session:
            dialect, connection = dialect_name(session), session.connection()
            if update.events:
                events = [event.model_dump() for event in update.events]
                connection.execute(_audit_insert(dialect), events)
            connection.execute(_summary_upsert(dialect), update.summary.model_dump())

    @activity.defn(name="record_accreditation")
    async def record_accreditation(self, summary: AccreditationSummary) -> None:
        """Upsert the member's accreditation summary unless a newer one is stored."""
        await in_thread(self.threads, self._record_accreditation, summary)

    def _record_accreditation(self, summary: AccreditationSummary) -> None:
        with self.session_factory.begin() as session:
            session.connection().execute(
                _accreditation_upsert(dialect_name(session)), summary.model_dump()
            )
