"""Read functions the API uses: the public register, staff queues, audit trails, listings.

Every function takes keyword-only arguments and a caller-owned ``Session``; none writes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Generic, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Select, func, select, table
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
    RegisterAreaCountRow,
    RegisterCountRow,
    RegisterEntryAreaRow,
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

SCANS_PER_LOOKUP = 25
"""SQLite: reading an entry's row per area by the id the FTS5 table gives costs about as much
as testing this many entries along an area's ordered index. That index holds fewer entries than
the register's, so a name within an area is read by id only when fewer than this share of the
area's entries hold it."""

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
    # An area's entries are read from their rows per area, whose indexes hold the area; a
    # registration number finds its one entry through the entries' own unique index.
    source = _AREAS if area_of_practice is not None and not registration_number else _ENTRIES
    name_condition = None
    by_rowid = False
    if name and name.strip():
        key = search_key(name)
        if not key:  # punctuation alone: no name is punctuation
            return Page[RegisterEntry](total=0, items=[])
        scanned = None
        if source is _AREAS:
            scanned = functools.partial(
                _kept_total, session, pathway, area_of_practice, current_only
            )
        name_condition = _name_rowids(session, key, source.id, scanned)
        by_rowid = name_condition is not None
        if name_condition is None:
            name_condition = source.table.search_key.contains(key, autoescape=True)
    conditions = _register_filters(
        source,
        registration_number,
        pathway,
        area_of_practice,
        current_only,
        indexed=not by_rowid,
    )
    if name_condition is not None:
        conditions.append(name_condition)
    if name_condition is None and not registration_number:
        total = _kept_total(session, pathway, area_of_practice, current_only)
    else:
        counted = select(func.count()).select_from(source.table).where(*conditions)
        total = session.scalar(counted) or 0
    rows = _page_rows(session, source, conditions, total, limit, offset)
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


class _Source(NamedTuple):
    """The table a register search filters, orders and pages: the entries, or their rows per
    area (``area`` set), which copy every field it needs and point at their entry by ``id``."""

    table: type[RegisterEntryRow] | type[RegisterEntryAreaRow]
    id: ColumnElement[int]
    area: ColumnElement[str] | None


_ENTRIES = _Source(RegisterEntryRow, RegisterEntryRow.id.expression, None)
_AREAS = _Source(
    RegisterEntryAreaRow,
    RegisterEntryAreaRow.entry_id.expression,
    RegisterEntryAreaRow.area.expression,
)


def _register_filters(
    source: _Source,
    registration_number: str | None,
    pathway: Pathway | None,
    area_of_practice: AreaOfPractice | None,
    current_only: bool,
    *,
    indexed: bool = True,
) -> list[ColumnElement[bool]]:
    """The register search's conditions on ``source`` other than the name.

    ``indexed=False`` tests the status and the area as expressions, which SQLite finds no index
    for: the name's matches, read by id (the entries' rowid, or the leading column of the
    primary key of their rows per area), are then its way in. Through an index on status or
    area it would test every current entry against the matches instead. On the entries, an
    area is looked up in their rows per area by that primary key.
    """
    row = source.table
    conditions: list[ColumnElement[bool]] = []
    if registration_number:
        conditions.append(row.registration_number == registration_number.strip())
    if pathway is not None:
        conditions.append(row.pathway == pathway.value)
    if area_of_practice is not None:
        if source.area is None:  # the entries: the entry has a row for the area
            areas = RegisterEntryAreaRow
            conditions.append(
                select(areas.entry_id)
                .where(areas.entry_id == RegisterEntryRow.id, areas.area == area_of_practice.value)
                .exists()
            )
        else:
            area = source.area if indexed else source.area.concat("")
            conditions.append(area == area_of_practice.value)
    if current_only:
        status = row.status if indexed else row.status.concat("")
        conditions.append(status == RegisterStatus.CURRENT.value)
    return conditions


def _name_rowids(
    session: Session, key: str, ids: ColumnElement[int], scanned: Callable[[], int] | None
) -> ColumnElement[bool] | None:
    """SQLite: the entries holding ``key``, read by id, when that is the cheapest way.

    The FTS5 trigram table finds them (a phrase of its trigrams matches exactly where the key
    is a substring). ``LIKE`` on the key, tested along the ordered index that holds it, is
    cheaper when the key is shorter than a trigram, when more than ``FTS_LOOKUP_LIMIT`` entries
    hold it, or when more than a ``SCANS_PER_LOOKUP``-th of the ``scanned()`` entries that index
    would test (an area's) do. PostgreSQL's ``pg_trgm`` GIN indexes serve ``LIKE`` themselves,
    and its planner weighs them against the ordered indexes.

    Args:
        session: an open session.
        key: the name's search key.
        ids: the entry ids of the table searched (the entries', or their rows per area's).
        scanned: how many entries the ordered index would test, when not the whole register.

    Returns:
        The condition on ``ids``, or None to test the key with ``LIKE``.
    """
    if session.get_bind().dialect.name != "sqlite" or len(key) < TRIGRAM:
        return None
    # A key holds letters, digits and single spaces only, so quoting it makes one FTS5 phrase.
    phrase = _REGISTER_FTS.c.search_key.match(f'"{key}"')
    holding = session.scalar(select(func.count()).select_from(_REGISTER_FTS).where(phrase)) or 0
    if holding > FTS_LOOKUP_LIMIT:
        return None
    if scanned is not None and holding * SCANS_PER_LOOKUP > scanned():
        return None
    return ids.in_(select(_REGISTER_FTS.c.rowid).where(phrase))


def _kept_total(
    session: Session,
    pathway: Pathway | None,
    area_of_practice: AreaOfPractice | None,
    current_only: bool,
) -> int:
    """How many entries have the pathway and area (if given) and status, from the counts kept
    for them."""
    counts: type[RegisterCountRow] | type[RegisterAreaCountRow]
    if area_of_practice is None:
        counts = RegisterCountRow
        query = select(func.coalesce(func.sum(counts.entries), 0))
    else:
        counts = RegisterAreaCountRow
        query = select(func.coalesce(func.sum(counts.entries), 0)).where(
            RegisterAreaCountRow.area == area_of_practice.value
        )
    if pathway is not None:
        query = query.where(counts.pathway == pathway.value)
    if current_only:
        query = query.where(counts.status == RegisterStatus.CURRENT.value)
    return session.scalar(query) or 0


def _page_rows(
    session: Session,
    source: _Source,
    conditions: list[ColumnElement[bool]],
    total: int,
    limit: int,
    offset: int,
) -> list[RegisterEntryRow]:
    """The entries on the page, ordered by name then registration number.

    Their ids come first, read from ``source`` along the index that holds the order (or from
    the name's matches), from whichever end of the ``total`` matches the page is nearer: a page
    near the end skips the fewest entries backwards. Only the page's own entries are then read
    whole.
    """
    size = min(limit, total - offset)
    if size <= 0:
        return []
    order = [source.table.name, source.table.registration_number]
    ids = select(source.id.label("id")).where(*conditions).limit(size)
    skipped_after = total - offset - size
    if offset <= skipped_after:
        ids = ids.order_by(*order).offset(offset)
    else:
        ids = ids.order_by(*(column.desc() for column in order)).offset(skipped_after)
    page = ids.subquery()
    query = select(RegisterEntryRow).join(page, RegisterEntryRow.id == page.c.id)
    return list(
        session.scalars(query.order_by(RegisterEntryRow.name, RegisterEntryRow.registration_number))
    )


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
