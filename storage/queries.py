"""Read functions the API uses: the public register, staff queues, audit trails, listings.

Every function takes keyword-only arguments and a caller-owned ``Session``; none writes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session

from models.enums import ApplicationKind, AreaOfPractice, Pathway, RegisterStatus
from models.records import AccreditationSummary, ApplicationSummary, AuditEvent, RegisterEntry
from storage.tables import (
    AccreditationSummaryRow,
    ApplicationSummaryRow,
    AuditEventRow,
    RegisterEntryRow,
)

MAX_PAGE_SIZE = 100
MAX_OFFSET = 1_000_000
"""The furthest any listing pages; past it, narrow the search instead."""

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of results and the number of matches across all pages."""

    model_config = ConfigDict(frozen=True)

    total: int
    items: list[T]


class QueueItem(BaseModel):
    """An application waiting in a staff queue; ``overdue`` when its deadline has passed."""

    model_config = ConfigDict(frozen=True)

    summary: ApplicationSummary
    overdue: bool


def search_register(
    *,
    session: Session,
    name: str | None = None,
    registration_number: str | None = None,
    pathway: Pathway | None = None,
    area_of_practice: AreaOfPractice | None = None,
    current_only: bool = True,
    limit: int = 20,
    offset: int = 0,
) -> Page[RegisterEntry]:
    """R19: search the public register.

    Args:
        session: an open session.
        name: a case-insensitive part of the name.
        registration_number: the exact registration number.
        pathway: only entries on this pathway.
        area_of_practice: only entries accredited for this area.
        current_only: leave out suspended and lapsed entries (the public default).
        limit: page size, 1 to ``MAX_PAGE_SIZE``.
        offset: how many matches to skip.

    Returns:
        The page of entries, ordered by name then registration number.
    """
    _check_page(limit, offset)
    query = select(RegisterEntryRow)
    if name:
        query = query.where(
            func.lower(RegisterEntryRow.name).contains(name.strip().lower(), autoescape=True)
        )
    if registration_number:
        query = query.where(RegisterEntryRow.registration_number == registration_number.strip())
    if pathway is not None:
        query = query.where(RegisterEntryRow.pathway == pathway.value)
    if area_of_practice is not None:
        # The areas are a JSON list of enum values; matching the quoted value in its text is
        # exact (values hold no quotes) and portable, where JSON operators differ per dialect.
        query = query.where(
            cast(RegisterEntryRow.areas_of_practice, String).contains(
                f'"{area_of_practice.value}"', autoescape=True
            )
        )
    if current_only:
        query = query.where(RegisterEntryRow.status == RegisterStatus.CURRENT.value)
    query = query.order_by(RegisterEntryRow.name, RegisterEntryRow.registration_number)
    total, rows = _page(session, query, limit, offset)
    return Page[RegisterEntry](total=total, items=[_register_entry(row) for row in rows])


def verify_register_entry(*, session: Session, registration_number: str) -> RegisterEntry | None:
    """R19: the entry with this registration number, whatever its status, or ``None``."""
    row = session.scalars(
        select(RegisterEntryRow).where(
            RegisterEntryRow.registration_number == registration_number.strip()
        )
    ).one_or_none()
    return None if row is None else _register_entry(row)


def list_queue(
    *,
    session: Session,
    queue: str | None,
    now: datetime,
    overdue_only: bool = False,
    pathway: Pathway | None = None,
    kind: ApplicationKind | None = None,
    assessor_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[QueueItem]:
    """A staff queue, most urgent first (by deadline; no deadline last).

    Args:
        session: an open session.
        queue: the queue name, e.g. ``awaiting_allocation``; None for every queue.
        now: the time that decides what is overdue (``due_at < now``).
        overdue_only: only the applications past their deadline.
        pathway: only applications on this pathway.
        kind: only initial applications, or only re-accreditations.
        assessor_id: only applications allocated to this assessor.
        limit: page size, 1 to ``MAX_PAGE_SIZE``.
        offset: how many matches to skip.

    Returns:
        The page of queue items.
    """
    _check_page(limit, offset)
    summary = ApplicationSummaryRow
    query = select(summary).where(summary.queue.is_not(None))
    filters = {"queue": queue, "pathway": pathway, "kind": kind, "assessor_id": assessor_id}
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(summary, column) == value)
    if overdue_only:
        query = query.where(ApplicationSummaryRow.due_at < now)
    query = query.order_by(
        ApplicationSummaryRow.due_at.is_(None),
        ApplicationSummaryRow.due_at,
        ApplicationSummaryRow.application_id,
    )
    total, rows = _page(session, query, limit, offset)
    items = [
        QueueItem(summary=_summary(row), overdue=row.due_at is not None and row.due_at < now)
        for row in rows
    ]
    return Page[QueueItem](total=total, items=items)


def list_accreditations(
    *,
    session: Session,
    status: RegisterStatus | None = None,
    expiring_before: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[AccreditationSummary]:
    """Members' accreditations, soonest expiry first (staff listings, e.g. expiring soon).

    Args:
        session: an open session.
        status: only accreditations in this status (current, suspended, lapsed).
        expiring_before: only those expiring before this date.
        limit: page size, 1 to ``MAX_PAGE_SIZE``.
        offset: how many matches to skip.

    Returns:
        The page of accreditation summaries.
    """
    _check_page(limit, offset)
    row = AccreditationSummaryRow
    query = select(row)
    if status is not None:
        query = query.where(row.status == status)
    if expiring_before is not None:
        query = query.where(row.expires_on < expiring_before)
    query = query.order_by(row.expires_on.is_(None), row.expires_on, row.member_id)
    total, rows = _page(session, query, limit, offset)
    items = [AccreditationSummary.model_validate(r, from_attributes=True) for r in rows]
    return Page[AccreditationSummary](total=total, items=items)


def audit_trail(*, session: Session, application_id: str) -> list[AuditEvent]:
    """An application's audit events in the order the workflow recorded them."""
    rows = session.scalars(
        select(AuditEventRow)
        .where(AuditEventRow.application_id == application_id)
        .order_by(AuditEventRow.sequence, AuditEventRow.at, AuditEventRow.id)
    )
    return [AuditEvent.model_validate(row, from_attributes=True) for row in rows]


def list_member_applications(*, session: Session, member_id: str) -> list[ApplicationSummary]:
    """A member's applications, most recently changed first."""
    rows = session.scalars(
        select(ApplicationSummaryRow)
        .where(ApplicationSummaryRow.member_id == member_id)
        .order_by(ApplicationSummaryRow.updated_at.desc(), ApplicationSummaryRow.application_id)
    )
    return [_summary(row) for row in rows]


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}")
    if not 0 <= offset <= MAX_OFFSET:
        raise ValueError(f"offset must be between 0 and {MAX_OFFSET}, not {offset}")


def _page(session: Session, query: Select[Any], limit: int, offset: int) -> tuple[int, list[Any]]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(session.scalars(query.limit(limit).offset(offset)))
    return total or 0, rows


def _register_entry(row: RegisterEntryRow) -> RegisterEntry:
    return RegisterEntry.model_validate(row, from_attributes=True)


def _summary(row: ApplicationSummaryRow) -> ApplicationSummary:
    return ApplicationSummary.model_validate(row, from_attributes=True)
