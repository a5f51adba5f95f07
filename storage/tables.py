"""The SQL tables: the read model, the audit trail, the email outbox, assessors and the register.

Enum values are stored as plain strings (not database enums) so adding a value needs no
migration; the pydantic models in ``models/records.py`` validate them on the way in and out.
Change a table here, then add an Alembic revision (``storage/migrations``) to match.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from models.search import search_key

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


REGISTER_SEARCH_FTS = "register_entries_fts"
"""SQLite: the FTS5 trigram table over ``register_entries.search_key`` (external content, kept
in step by triggers), and the prefix of the shadow tables FTS5 makes beside it."""

REGISTER_SEARCH_TRIGRAM_INDEX = "ix_register_entries_search_key_trgm"
"""PostgreSQL: the ``pg_trgm`` GIN index on ``register_entries.search_key``."""

REGISTER_AREA_TRIGRAM_INDEX = "ix_register_entry_areas_search_key_trgm"
"""PostgreSQL: the ``pg_trgm`` GIN index on ``register_entry_areas.search_key``."""


class RegisterEntryRow(Base):
    """R19: one public register entry; public fields only (no email, address or employer).

    ``search_key`` is the name as ``models.search.search_key`` folds it: set with the name on
    every ORM write; a Core ``INSERT`` or ``UPDATE`` that writes the name writes the key too
    (the column is ``NOT NULL``, so an insert cannot forget it). Name searches match part of it
    through a trigram index each dialect spells its own way (see ``is_search_index``); the
    composite indexes serve the register's filter, order and paging, and ``RegisterCountRow``
    its totals. The area filter reads ``RegisterEntryAreaRow`` instead, and its totals
    ``RegisterAreaCountRow``.
    """

    __tablename__ = "register_entries"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    registration_number: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str]
    search_key: Mapped[str] = mapped_column(Text)
    pathway: Mapped[str] = mapped_column(String(16))
    areas_of_practice: Mapped[list[str]] = mapped_column(JSON)
    scope_of_practice: Mapped[str] = mapped_column(Text)
    accredited_from: Mapped[date]
    expires_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index(
            "ix_register_entries_status_name",
            *("status", "name", "registration_number", "id", "search_key"),
        ),
        Index(
            "ix_register_entries_status_pathway_name",
            *("status", "pathway", "name", "registration_number", "id", "search_key"),
        ),
    )

    @validates("name")
    def _keep_search_key(self, _field: str, name: str) -> str:
        """Set ``search_key`` whenever the name is set."""
        self.search_key = search_key(name)
        return name


class RegisterCountRow(Base):
    """R19: how many register entries have each status and pathway, so totals need no scan.

    Kept by triggers on ``register_entries`` (made by migration 0005, on both dialects), which
    see every insert, update and delete whoever writes; a ``TRUNCATE`` bypasses them.
    """

    __tablename__ = "register_counts"

    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    pathway: Mapped[str] = mapped_column(String(16), primary_key=True)
    entries: Mapped[int]


class RegisterEntryAreaRow(Base):
    """R19: one row per register entry and area of practice it is accredited for.

    The areas are a JSON list in ``register_entries``, which no index can serve; this table
    holds each of them with a copy of the entry's fields the register filters, orders and pages
    by, so that ``(area, status, [pathway,] name, registration_number, entry_id, search_key)``
    serve an area's listing from the index alone, as the entries' own indexes serve the others.
    Written only by triggers on ``register_entries`` (made by migration 0007, on both dialects),
    which see every insert, update and delete whoever writes; a ``TRUNCATE`` bypasses them.
    PostgreSQL also has a ``pg_trgm`` GIN index on ``search_key``, for a name within an area.
    """

    __tablename__ = "register_entry_areas"

    entry_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    area: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    pathway: Mapped[str] = mapped_column(String(16))
    name: Mapped[str]
    registration_number: Mapped[str] = mapped_column(String(64))
    search_key: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_register_entry_areas_area_status_name",
            *("area", "status", "name", "registration_number", "entry_id", "search_key"),
        ),
        Index(
            "ix_register_entry_areas_area_status_pathway_name",
            *("area", "status", "pathway", "name", "registration_number", "entry_id", "search_key"),
        ),
    )


class RegisterAreaCountRow(Base):
    """R19: how many register entries have each area, status and pathway (``RegisterCountRow``
    for the area filter), kept by triggers on ``register_entry_areas`` (migration 0007)."""

    __tablename__ = "register_area_counts"

    area: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    pathway: Mapped[str] = mapped_column(String(16), primary_key=True)
    entries: Mapped[int]


def is_search_index(name: str | None, type_: str) -> bool:
    """Whether ``name`` is part of the register's trigram search, which the metadata leaves out.

    Migrations make these for one dialect each (an FTS5 table and its shadow tables on SQLite,
    ``pg_trgm`` GIN indexes on PostgreSQL); comparisons with the metadata skip them.

    Args:
        name: a table or index name, as Alembic's ``include_name`` hook receives it.
        type_: what it names: ``"table"``, ``"index"``, ...

    Returns:
        True for the search's own tables and index.
    """
    if name is None:
        return False
    if type_ == "table":
        return name == REGISTER_SEARCH_FTS or name.startswith(f"{REGISTER_SEARCH_FTS}_")
    return type_ == "index" and name in {REGISTER_SEARCH_TRIGRAM_INDEX, REGISTER_AREA_TRIGRAM_INDEX}


class DocumentContentRow(Base):
    """An uploaded document's bytes, kept once per content (``settings.document_store`` set to
    ``database``; ``api.document_store_db``). Rows are inserted, never updated."""

    __tablename__ = "document_contents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime]


class DocumentUploadRow(Base):
    """A document uploaded to an application: a document is read back only through the
    application it was uploaded to. The first upload of a document id is kept (a retry with
    the same id changes nothing)."""

    __tablename__ = "document_uploads"

    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("document_contents.sha256"))
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    uploaded_at: Mapped[datetime]
