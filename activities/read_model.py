"""The read model and the audit trail: what staff queues, listings and auditors read."""

from __future__ import annotations

from concurrent.futures import Executor

from sqlalchemy import and_, or_
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.threads import in_thread
from models.records import AccreditationSummary, ReadModelUpdate
from storage.database import dialect_insert
from storage.tables import AccreditationSummaryRow, ApplicationSummaryRow, AuditEventRow


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
        summary = update.summary.model_dump()
        with self.session_factory.begin() as session:
            if update.events:
                session.connection().execute(
                    dialect_insert(session, AuditEventRow)
                    .values([event.model_dump() for event in update.events])
                    .on_conflict_do_nothing(index_elements=[AuditEventRow.event_id])
                )
            insert = dialect_insert(session, ApplicationSummaryRow)
            stored, incoming = ApplicationSummaryRow, insert.excluded
            session.connection().execute(
                insert.values(summary).on_conflict_do_update(
                    index_elements=[ApplicationSummaryRow.application_id],
                    set_={name: incoming[name] for name in summary},
                    where=or_(
                        stored.version < incoming.version,
                        # Same version: a retry, or a caller that leaves version at 0.
                        and_(
                            stored.version == incoming.version,
                            stored.updated_at <= incoming.updated_at,
                        ),
                    ),
                )
            )

    @activity.defn(name="record_accreditation")
    async def record_accreditation(self, summary: AccreditationSummary) -> None:
        """Upsert the member's accreditation summary unless a newer one is stored."""
        await in_thread(self.threads, self._record_accreditation, summary)

    def _record_accreditation(self, summary: AccreditationSummary) -> None:
        values = summary.model_dump()
        with self.session_factory.begin() as session:
            insert = dialect_insert(session, AccreditationSummaryRow)
            session.connection().execute(
                insert.values(values).on_conflict_do_update(
                    index_elements=[AccreditationSummaryRow.member_id],
                    set_={name: insert.excluded[name] for name in values},
                    where=AccreditationSummaryRow.version <= insert.excluded.version,
                )
            )
