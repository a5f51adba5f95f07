"""Register search by area of practice: one row per entry and area, and kept counts.

``register_entries.areas_of_practice`` is a JSON list, which no index can serve, so the area
filter read and tested every current entry. ``register_entry_areas`` holds one row per entry and
area, with a copy of the entry's status, pathway, name, registration number and search key:
``(area, status, [pathway,] name, registration_number, entry_id, search_key)`` then serve an
area's filter, order and paging from the index alone, as 0005's indexes do for the entries
(PostgreSQL also gets a ``pg_trgm`` GIN index on its key, for a name within an area).
``register_area_counts`` keeps the number of rows per area, status and pathway, so the area's
totals need no scan.

Both are kept in step by triggers, as 0005 keeps the FTS table and ``register_counts``: triggers
on ``register_entries`` rewrite an entry's area rows whenever it is inserted, deleted or changes
a copied field or its areas (whoever writes, the register activity's upsert included), and
triggers on ``register_entry_areas`` keep the counts. Existing entries are copied here, with
writers to ``register_entries`` held off on PostgreSQL until the triggers are in place.

Like 0005's, the triggers on ``register_entries`` go with the table if a later revision rebuilds
it on SQLite (batch mode copies the table), and must then be created again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-16 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AREAS = "register_entry_areas"
COUNTS = "register_area_counts"
TRIGRAM_INDEX = "ix_register_entry_areas_search_key_trgm"

COPIED = ("status", "pathway", "name", "registration_number", "search_key")
"""The entry's fields each of its area rows holds, beside ``entry_id`` and ``area``."""

_COLUMNS = ", ".join(("entry_id", "area", *COPIED))


def _copy(row: str, areas: str) -> str:
    """``SELECT`` of the area rows of entry ``row``, its areas in ``areas.value``."""
    fields = ", ".join(f"{row}.{field}" for field in COPIED)
    return f"SELECT DISTINCT {row}.id, areas.value, {fields} FROM {areas}"


def _sqlite_areas(row: str) -> str:
    return f"json_each({row}.areas_of_practice) AS areas"


def _postgres_areas(row: str) -> str:
    return f"json_array_elements_text({row}.areas_of_practice) AS areas(value)"


_SQLITE_CHANGED = " OR ".join(
    f"old.{field} IS NOT new.{field}" for field in ("id", *COPIED, "areas_of_practice")
)

SQLITE_UP = [
    f"""CREATE TRIGGER {AREAS}_insert AFTER INSERT ON register_entries BEGIN
        INSERT INTO {AREAS} ({_COLUMNS}) {_copy("new", _sqlite_areas("new"))};
    END""",
    f"""CREATE TRIGGER {AREAS}_delete AFTER DELETE ON register_entries BEGIN
        DELETE FROM {AREAS} WHERE entry_id = old.id;
    END""",
    f"""CREATE TRIGGER {AREAS}_update
    AFTER UPDATE OF id, {", ".join(COPIED)}, areas_of_practice ON register_entries
    WHEN {_SQLITE_CHANGED} BEGIN
        DELETE FROM {AREAS} WHERE entry_id = old.id;
        INSERT INTO {AREAS} ({_COLUMNS}) {_copy("new", _sqlite_areas("new"))};
    END""",
    f"""CREATE TRIGGER {COUNTS}_insert AFTER INSERT ON {AREAS} BEGIN
        INSERT INTO {COUNTS} (area, status, pathway, entries)
        VALUES (new.area, new.status, new.pathway, 1)
        ON CONFLICT (area, status, pathway) DO UPDATE SET entries = entries + 1;
    END""",
    f"""CREATE TRIGGER {COUNTS}_delete AFTER DELETE ON {AREAS} BEGIN
        UPDATE {COUNTS} SET entries = entries - 1
        WHERE area = old.area AND status = old.status AND pathway = old.pathway;
    END""",
    f"""CREATE TRIGGER {COUNTS}_update AFTER UPDATE OF area, status, pathway ON {AREAS}
    WHEN old.area IS NOT new.area OR old.status IS NOT new.status
        OR old.pathway IS NOT new.pathway BEGIN
        UPDATE {COUNTS} SET entries = entries - 1
        WHERE area = old.area AND status = old.status AND pathway = old.pathway;
        INSERT INTO {COUNTS} (area, status, pathway, entries)
        VALUES (new.area, new.status, new.pathway, 1)
        ON CONFLICT (area, status, pathway) DO UPDATE SET entries = entries + 1;
    END""",
]

SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {COUNTS}_update",
    f"DROP TRIGGER IF EXISTS {COUNTS}_delete",
    f"DROP TRIGGER IF EXISTS {COUNTS}_insert",
    f"DROP TRIGGER IF EXISTS {AREAS}_update",
    f"DROP TRIGGER IF EXISTS {AREAS}_delete",
    f"DROP TRIGGER IF EXISTS {AREAS}_insert",
]

# Statement triggers with transition tables, as 0005's counts: one statement on the area rows
# per statement on the entries. An update rewrites the area rows of the entries whose copied
# fields or areas changed (paired by id; the JSON compared as jsonb, which has equality), and
# leaves the others alone. The functions keep the migration's ``search_path``, to find the
# tables whoever writes.
_UNCHANGED = (
    "EXISTS (SELECT FROM {other} WHERE {other}.id = {row}.id AND ({other_fields}) "
    "IS NOT DISTINCT FROM ({row_fields}))"
)


def _unchanged(row: str, other: str) -> str:
    """Whether entry ``row`` has a twin in transition table ``other`` with the same fields."""

    def fields(table: str) -> str:
        copied = ", ".join(f"{table}.{field}" for field in COPIED)
        return f"{copied}, {table}.areas_of_practice::jsonb"

    return _UNCHANGED.format(
        row=row, other=other, other_fields=fields(other), row_fields=fields(row)
    )


_INSERT_AREAS = f"INSERT INTO {AREAS} ({_COLUMNS}) {_copy('new_rows', '{areas}')}"
_DELETE_AREAS = f"DELETE FROM {AREAS} USING old_rows WHERE {AREAS}.entry_id = old_rows.id"

_ADD_MOVES = f"""INSERT INTO {COUNTS} AS counts (area, status, pathway, entries)
            SELECT area, status, pathway, SUM(change) FROM ({{moves}}) AS moves
            GROUP BY area, status, pathway HAVING SUM(change) <> 0
            ORDER BY area, status, pathway
            ON CONFLICT (area, status, pathway)
            DO UPDATE SET entries = counts.entries + excluded.entries"""
_ARRIVING = "SELECT area, status, pathway, 1 AS change FROM new_rows"
_LEAVING = "SELECT area, status, pathway, -1 AS change FROM old_rows"

_NEW_AREAS = f"new_rows, {_postgres_areas('new_rows')}"

POSTGRES_UP = [
    f"""CREATE FUNCTION {AREAS}_track() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_INSERT_AREAS.format(areas=_NEW_AREAS)};
        ELSIF TG_OP = 'DELETE' THEN
            {_DELETE_AREAS};
        ELSE
            {_DELETE_AREAS} AND NOT {_unchanged("old_rows", "new_rows")};
            {_INSERT_AREAS.format(areas=_NEW_AREAS)}
            WHERE NOT {_unchanged("new_rows", "old_rows")};
        END IF;
        RETURN NULL;
    END
    $$""",
    f"""CREATE TRIGGER {AREAS}_insert AFTER INSERT ON register_entries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {AREAS}_track()""",
    f"""CREATE TRIGGER {AREAS}_update AFTER UPDATE ON register_entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {AREAS}_track()""",
    f"""CREATE TRIGGER {AREAS}_delete AFTER DELETE ON register_entries
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {AREAS}_track()""",
    f"""CREATE FUNCTION {COUNTS}_track() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_ADD_MOVES.format(moves=_ARRIVING)};
        ELSIF TG_OP = 'DELETE' THEN
            {_ADD_MOVES.format(moves=_LEAVING)};
        ELSE
            {_ADD_MOVES.format(moves=f"{_ARRIVING} UNION ALL {_LEAVING}")};
        END IF;
        RETURN NULL;
    END
    $$""",
    f"""CREATE TRIGGER {COUNTS}_insert AFTER INSERT ON {AREAS}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {COUNTS}_track()""",
    f"""CREATE TRIGGER {COUNTS}_update AFTER UPDATE ON {AREAS}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {COUNTS}_track()""",
    f"""CREATE TRIGGER {COUNTS}_delete AFTER DELETE ON {AREAS}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {COUNTS}_track()""",
]

POSTGRES_DOWN = [
    f"DROP TRIGGER IF EXISTS {AREAS}_delete ON register_entries",
    f"DROP TRIGGER IF EXISTS {AREAS}_update ON register_entries",
    f"DROP TRIGGER IF EXISTS {AREAS}_insert ON register_entries",
    f"DROP FUNCTION IF EXISTS {AREAS}_track()",
    f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}",
]
"""Run before the tables are dropped (with their indexes and the counts' triggers), after
which ``POSTGRES_DOWN_AFTER`` drops the counts' function."""

POSTGRES_DOWN_AFTER = [f"DROP FUNCTION IF EXISTS {COUNTS}_track()"]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # Writers wait from here to the end of the migration, so none falls between the copy
        # below and the triggers; readers go on.
        op.execute("LOCK TABLE register_entries IN SHARE ROW EXCLUSIVE MODE")
    op.create_table(
        AREAS,
        sa.Column("entry_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pathway", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("registration_number", sa.String(length=64), nullable=False),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", "area", name=op.f("pk_register_entry_areas")),
    )
    op.create_table(
        COUNTS,
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pathway", sa.String(length=16), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area", "status", "pathway", name=op.f("pk_register_area_counts")),
    )
    areas = _postgres_areas("entries") if postgres else _sqlite_areas("entries")
    every_entry = _copy("entries", f"register_entries AS entries, {areas}")
    op.execute(f"INSERT INTO {AREAS} ({_COLUMNS}) {every_entry}")
    op.execute(
        f"INSERT INTO {COUNTS} (area, status, pathway, entries) "
        f"SELECT area, status, pathway, COUNT(*) FROM {AREAS} GROUP BY area, status, pathway"
    )
    with op.batch_alter_table(AREAS, schema=None) as batch_op:
        batch_op.create_index(
            "ix_register_entry_areas_area_status_name",
            ["area", "status", "name", "registration_number", "entry_id", "search_key"],
            unique=False,
        )
        batch_op.create_index(
            "ix_register_entry_areas_area_status_pathway_name",
            ["area", "status", "pathway", "name", "registration_number", "entry_id", "search_key"],
            unique=False,
        )
    if postgres:
        create_trigram_index(op.get_bind())
        op.execute(f"ANALYZE {AREAS}")  # the planner's statistics, before autovacuum's
    for statement in POSTGRES_UP if postgres else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
    op.drop_table(COUNTS)
    op.drop_table(AREAS)
    if postgres:
        for statement in POSTGRES_DOWN_AFTER:
            op.execute(statement)


def create_trigram_index(connection: sa.Connection) -> None:
    """The ``pg_trgm`` GIN index on the area rows' key, in the extension's schema (0005 made
    the extension, in ``public`` unless it was already elsewhere)."""
    schema = connection.scalar(
        sa.text(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
        )
    )
    if schema is None:
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        schema = "public"
    connection.execute(
        sa.text(
            f"CREATE INDEX {TRIGRAM_INDEX} ON {AREAS} USING gin (search_key {schema}.gin_trgm_ops)"
        )
    )
