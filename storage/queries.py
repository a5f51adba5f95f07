"""Read functions the API uses: the public register, staff queues, audit trails, listings.

Every function takes keyword-only arguments and a caller-owned ``Session``; none writes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Select, String, cast, func, select, table
from sqlalchemy import column as table_column
from sqlalchemy.orm import Session

from models.enums import ApplicationKind, AreaOfPractice, Pathway, RegisterStatus
from models.records import AccreditationSummary, ApplicationSummary, AuditEvent, RegisterEntry
from models.search import search_key
from storage.tables import (
    REGISTER_SEARCH_FTS,
    AccreditationSummaryRow,
    ApplicationSummaryRow,
    AuditEventRow,
    RegisterCountRow,
    RegisterEntryRow,
)

MAX_PAGE_SIZE = 100
MAX_OFFSET = 1_000_000
"""The furthest any listing pages; past it, narrow the search instead."""

TRIGRAM = 3
"""The shortest name key a trigram index can look up."""

FTS_LOOKUP_LIMIT = 10_000
"""SQLite: past this many entries holding a name key, scanning the ordered index is cheaper
than reading each entry by rowid and sorting them."""

_REGISTER_FTS = table(REGISTER_SEARCH_FTS, table_column("rowid"), table_column("search_key"))

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
        name: any part of the name, whatever its case, accents and punctuation (compared by
            ``models.search.search_key``); blank matches every name, punctuation alone none.
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
    entry = RegisterEntryRow
    match = None
    if name and name.strip():
        key = search_key(name)
        if not key:  # punctuation alone: no name is punctuation
            return Page[RegisterEntry](total=0, items=[])
        match = _name_matches(session, key)
    by_rowid = match is not None and match.by_rowid
    conditions = _register_filters(
        registration_number, pathway, area_of_practice, current_only, status_indexed=not by_rowid
    )
    if match is not None:
        conditions.append(match.condition)
    if match is None and not registration_number and area_of_practice is None:
        total = _kept_total(session, pathway, current_only)
    else:
        total = session.scalar(select(func.count()).select_from(entry).where(*conditions)) or 0
    rows = _page_rows(session, conditions, total, limit, offset)
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


class _NameMatch(NamedTuple):
    """The condition matching a name key; ``by_rowid`` when SQLite should read rows by rowid."""

    condition: ColumnElement[bool]
    by_rowid: bool = False


def _register_filters(
    registration_number: str | None,
    pathway: Pathway | None,
    area_of_practice: AreaOfPractice | None,
    current_only: bool,
    *,
    status_indexed: bool = True,
) -> list[ColumnElement[bool]]:
    """The register search's conditions other than the name.

    ``status_indexed=False`` tests the status as an expression, which SQLite finds no index
    for: the name's matches, read by rowid, are then its way in. Through an index on status it
    would test every current entry against the matches instead.
    """
    entry = RegisterEntryRow
    conditions: list[ColumnElement[bool]] = []
    if registration_number:
        conditions.append(entry.registration_number == registration_number.strip())
    if pathway is not None:
        conditions.append(entry.pathway == pathway.value)
    if area_of_practice is not None:
        # The areas are a JSON list of enum values; matching the quoted value in its text is
        # exact (values hold no quotes) and portable, where JSON operators differ per dialect.
        conditions.append(
            cast(entry.areas_of_practice, String).contains(
                f'"{area_of_practice.value}"', autoescape=True
            )
        )
    if current_only:
        status = entry.status if status_indexed else entry.status.concat("")
        conditions.append(status == RegisterStatus.CURRENT.value)
    return conditions


def _name_matches(session: Session, key: str) -> _NameMatch:
    """Entries whose ``search_key`` contains ``key``, found the cheapest way the dialect has.

    PostgreSQL's ``pg_trgm`` GIN index serves ``LIKE`` itself, and its planner weighs it against
    the ordered indexes. On SQLite the FTS5 trigram table finds the entries holding ``key`` (a
    phrase of its trigrams matches exactly where the key is a substring), read by rowid; when
    more than ``FTS_LOOKUP_LIMIT`` entries hold it, or the key is shorter than a trigram,
    ``LIKE`` on the column is cheaper, tested along the index that holds the order and the key.
    """
    contains = RegisterEntryRow.search_key.contains(key, autoescape=True)
    if session.get_bind().dialect.name != "sqlite" or len(key) < TRIGRAM:
        return _NameMatch(contains)
    # A key holds letters, digits and single spaces only, so quoting it makes one FTS5 phrase.
    phrase = _REGISTER_FTS.c.search_key.match(f'"{key}"')
    holding = session.scalar(select(func.count()).select_from(_REGISTER_FTS).where(phrase)) or 0
    if holding > FTS_LOOKUP_LIMIT:
        return _NameMatch(contains)
    return _NameMatch(RegisterEntryRow.id.in_(select(_REGISTER_FTS.c.rowid).where(phrase)), True)


def _kept_total(session: Session, pathway: Pathway | None, current_only: bool) -> int:
    """How many entries have the pathway (if given) and status, from the counts kept for them."""
    counts = RegisterCountRow
    query = select(func.coalesce(func.sum(counts.entries), 0))
    if pathway is not None:
        query = query.where(counts.pathway == pathway.value)
    if current_only:
        query = query.where(counts.status == RegisterStatus.CURRENT.value)
    return session.scalar(query) or 0


def _page_rows(
    session: Session,
    conditions: list[ColumnElement[bool]],
    total: int,
    limit: int,
    offset: int,
) -> list[RegisterEntryRow]:
    """The entries on the page, ordered by name then registration number.

    Their ids come first, read along the index that holds the order (or from the name's
    matches), from whichever end of the ``total`` matches the page is nearer: a page near the
    end skips the fewest entries backwards. Only the page's own rows are then read whole.
    """
    size = min(limit, total - offset)
    if size <= 0:
        return []
    order = [RegisterEntryRow.name, RegisterEntryRow.registration_number]
    ids = select(RegisterEntryRow.id).where(*conditions).limit(size)
    skipped_after = total - offset - size
    if offset <= skipped_after:
        ids = ids.order_by(*order).offset(offset)
    else:
        ids = ids.order_by(*(column.desc() for column in order)).offset(skipped_after)
    page = ids.subquery()
    query = select(RegisterEntryRow).join(page, RegisterEntryRow.id == page.c.id)
    return list(session.scalars(query.order_by(*order)))


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
