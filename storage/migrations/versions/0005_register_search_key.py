"""Register search: a folded name and its trigram index, indexes for the order, kept counts.

``register_entries.search_key`` holds ``models.search.search_key(name)``, backfilled here with
that same function. Name searches match part of it through a trigram index: a ``pg_trgm`` GIN
index on PostgreSQL; on SQLite an FTS5 table with the trigram tokenizer over the column
(external content: it stores the index only), kept in step by triggers. The index on ``status``
alone gives way to ``(status, [pathway,] name, registration_number, id, search_key)``, which
serve the register's filter, its order and its paging from the index alone (the key, for names
too short for trigrams). ``register_counts`` keeps the number of entries per status and pathway,
through triggers, so the register's totals without a name need no scan.

A later revision that rebuilds ``register_entries`` on SQLite (batch mode copies the table) drops
its triggers with the old table and must create them again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.search import search_key

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_BATCH = 1000
FTS = "register_entries_fts"
TRIGRAM_INDEX = "ix_register_entries_search_key_trgm"

SQLITE_UP = [
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5(
        search_key, content='register_entries', content_rowid='id',
        tokenize='trigram case_sensitive 1'
    )""",
    f"""CREATE TRIGGER {FTS}_insert AFTER INSERT ON register_entries BEGIN
        INSERT INTO {FTS}(rowid, search_key) VALUES (new.id, new.search_key);
    END""",
    f"""CREATE TRIGGER {FTS}_delete AFTER DELETE ON register_entries BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_key) VALUES ('delete', old.id, old.search_key);
    END""",
    f"""CREATE TRIGGER {FTS}_update AFTER UPDATE OF id, search_key ON register_entries BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_key) VALUES ('delete', old.id, old.search_key);
        INSERT INTO {FTS}(rowid, search_key) VALUES (new.id, new.search_key);
    END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]

SQLITE_COUNTS_UP = [
    """CREATE TRIGGER register_counts_insert AFTER INSERT ON register_entries BEGIN
        INSERT INTO register_counts (status, pathway, entries) VALUES (new.status, new.pathway, 1)
        ON CONFLICT (status, pathway) DO UPDATE SET entries = entries + 1;
    END""",
    """CREATE TRIGGER register_counts_delete AFTER DELETE ON register_entries BEGIN
        UPDATE register_counts SET entries = entries - 1
        WHERE status = old.status AND pathway = old.pathway;
    END""",
    """CREATE TRIGGER register_counts_update AFTER UPDATE OF status, pathway ON register_entries
    WHEN old.status IS NOT new.status OR old.pathway IS NOT new.pathway BEGIN
        UPDATE register_counts SET entries = entries - 1
        WHERE status = old.status AND pathway = old.pathway;
        INSERT INTO register_counts (status, pathway, entries) VALUES (new.status, new.pathway, 1)
        ON CONFLICT (status, pathway) DO UPDATE SET entries = entries + 1;
    END""",
]

# Statement triggers: one change of the counts per statement (a bulk insert would otherwise
# update the same count row once per entry, each update slower than the last). Counts change in
# key order, so two statements moving entries opposite ways cannot deadlock. The function keeps
# the migration's ``search_path``, to find the table whoever writes.
_ADD_MOVES = """INSERT INTO register_counts AS counts (status, pathway, entries)
            SELECT status, pathway, SUM(change) FROM ({moves}) AS moves
            GROUP BY status, pathway HAVING SUM(change) <> 0 ORDER BY status, pathway
            ON CONFLICT (status, pathway)
            DO UPDATE SET entries = counts.entries + excluded.entries"""
_ARRIVING = "SELECT status, pathway, 1 AS change FROM new_rows"
_LEAVING = "SELECT status, pathway, -1 AS change FROM old_rows"

POSTGRES_COUNTS_UP = [
    f"""CREATE FUNCTION register_counts_track() RETURNS trigger
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
    """CREATE TRIGGER register_counts_insert AFTER INSERT ON register_entries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_counts_track()""",
    """CREATE TRIGGER register_counts_update AFTER UPDATE ON register_entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_counts_track()""",
    """CREATE TRIGGER register_counts_delete AFTER DELETE ON register_entries
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_counts_track()""",
]

POSTGRES_COUNTS_DOWN = [
    "DROP TRIGGER IF EXISTS register_counts_delete ON register_entries",
    "DROP TRIGGER IF EXISTS register_counts_update ON register_entries",
    "DROP TRIGGER IF EXISTS register_counts_insert ON register_entries",
    "DROP FUNCTION IF EXISTS register_counts_track()",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS register_counts_update",
    "DROP TRIGGER IF EXISTS register_counts_delete",
    "DROP TRIGGER IF EXISTS register_counts_insert",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TABLE IF EXISTS {FTS}",
]

entries = sa.table(
    "register_entries",
    sa.column("id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("search_key", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_key", sa.Text(), nullable=True))
    backfill(op.get_bind())
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.alter_column("search_key", existing_type=sa.Text(), nullable=False)
        batch_op.drop_index("ix_register_entries_status")
        batch_op.create_index(
            "ix_register_entries_status_name",
            ["status", "name", "registration_number", "id", "search_key"],
            unique=False,
        )
        batch_op.create_index(
            "ix_register_entries_status_pathway_name",
            ["status", "pathway", "name", "registration_number", "id", "search_key"],
            unique=False,
        )
    op.create_table(
        "register_counts",
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pathway", sa.String(length=16), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("status", "pathway", name=op.f("pk_register_counts")),
    )
    op.execute(
        "INSERT INTO register_counts (status, pathway, entries) "
        "SELECT status, pathway, COUNT(*) FROM register_entries GROUP BY status, pathway"
    )
    if op.get_bind().dialect.name == "postgresql":
        create_trigram_index(op.get_bind())
        statements = POSTGRES_COUNTS_UP
    else:
        statements = SQLITE_UP + SQLITE_COUNTS_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The extension stays: other schemas in the database may use it.
        statements = [*POSTGRES_COUNTS_DOWN, f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}"]
    else:
        statements = SQLITE_DOWN
    for statement in statements:
        op.execute(statement)
    op.drop_table("register_counts")
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_register_entries_status_pathway_name")
        batch_op.drop_index("ix_register_entries_status_name")
        batch_op.create_index("ix_register_entries_status", ["status"], unique=False)
        batch_op.drop_column("search_key")


def backfill(connection: sa.Connection) -> None:
    """Set every entry's key from its name, a batch of rows at a time in ``id`` order."""
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(entries.c.id, entries.c.name)
            .where(entries.c.id > last_id)
            .order_by(entries.c.id)
            .limit(BACKFILL_BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            entries.update().where(entries.c.id == sa.bindparam("row_id")),
            [{"row_id": row.id, "search_key": search_key(row.name)} for row in rows],
        )
        last_id = rows[-1].id


def create_trigram_index(connection: sa.Connection) -> None:
    """The ``pg_trgm`` GIN index on the key, the extension installed first if need be.

    A new extension goes in ``public``, not the first schema on the search path: dropping that
    schema would drop the extension, and every other schema's trigram index with it. The
    operator class is named with the schema it is in, which the search path may leave out.
    """
    extension_schema = (
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
    )
    schema = connection.scalar(sa.text(extension_schema))
    if schema is None:
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        schema = connection.scalar(sa.text(extension_schema))
    connection.execute(
        sa.text(
            f"CREATE INDEX {TRIGRAM_INDEX} ON register_entries "
            f"USING gin (search_key {schema}.gin_trgm_ops)"
        )
    )
