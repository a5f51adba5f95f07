"""The SQL tables: the read model, the audit trail, the email outbox, assessors and the register.

Enum values are stored as plain strings (not database enums) so adding a value needs no
migration; the pydantic models in ``models/records.py`` validate them on the way in and out.
Change a table here, then add an Alembic revision (``storage/migrations``) to match.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Date, DateTime, Dialect, Index, MetaData, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names, so migrations name the same thing on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every dialect.

    SQLite keeps no offset, so values are normalised to UTC on the way in (a naive value is taken
    to be UTC already) and come back aware. Stored text then also sorts and compares correctly.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime, date: Date, str: String(200)}


class ApplicationSummaryRow(Base):
    """One row per application: ``ApplicationSummary`` for staff queues and listings."""

    __tablename__ = "application_summaries"

    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), index=True)
    applicant_name: Mapped[str]
    registration_number: Mapped[str] = mapped_column(String(64))
    pathway: Mapped[str] = mapped_column(String(16))
    route: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(64))
    areas_of_practice: Mapped[list[str]] = mapped_column(JSON)
    assessor_id: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(server_default="0")

    __table_args__ = (
        Index("ix_application_summaries_queue_due_at", "queue", "due_at"),
        Index("ix_application_summaries_assessor_id_state", "assessor_id", "state"),
    )


class AccreditationSummaryRow(Base):
    """One row per member: ``AccreditationSummary`` for staff listings (e.g. expiring soon)."""

    __tablename__ = "accreditation_summaries"

    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str]
    registration_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(16))
    pathway: Mapped[str | None] = mapped_column(String(16))
    accredited_from: Mapped[date | None]
    expires_on: Mapped[date | None]
    term: Mapped[int]
    membership_status: Mapped[str] = mapped_column(String(32))
    indemnity_covered: Mapped[bool]
    open_application_id: Mapped[str | None] = mapped_column(String(64))
    scope_change_pending: Mapped[bool]
    updated_at: Mapped[datetime]
    version: Mapped[int]

    __table_args__ = (
        Index("ix_accreditation_summaries_status_expires_on", "status", "expires_on"),
    )


class AuditEventRow(Base):
    """Append-only: rows are inserted, never updated or deleted. ``id`` keeps arrival order."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True)
    application_id: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
    sequence: Mapped[int] = mapped_column(server_default="0")


class OutboxRow(Base):
    """An email to send once; ``key`` is the workflow's idempotency key for it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    template: Mapped[str] = mapped_column(String(64))
    to_email: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)


class AssessorRow(Base):
    """A CoR assessor (R12)."""

    __tablename__ = "assessors"

    assessor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str]
    email: Mapped[str] = mapped_column(String(320))
    member_id: Mapped[str | None] = mapped_column(String(64))
    employer: Mapped[str]
    areas_of_practice: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool]


class RegisterEntryRow(Base):
    """R19: one public register entry; public fields only (no email, address or employer)."""

    __tablename__ = "register_entries"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    registration_number: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str]
    pathway: Mapped[str] = mapped_column(String(16))
    areas_of_practice: Mapped[list[str]] = mapped_column(JSON)
    scope_of_practice: Mapped[str] = mapped_column(Text)
    accredited_from: Mapped[date]
    expires_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), index=True)
    updated_at: Mapped[datetime]
