"""Initial tables: application summaries, audit events, outbox, assessors, register entries.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 08:24:30.441003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "application_summaries",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("registration_number", sa.String(length=64), nullable=False),
        sa.Column("pathway", sa.String(length=16), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("areas_of_practice", sa.JSON(), nullable=False),
        sa.Column("assessor_id", sa.String(length=64), nullable=True),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_application_summaries")),
    )
    with op.batch_alter_table("application_summaries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_application_summaries_assessor_id_state", ["assessor_id", "state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_application_summaries_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            "ix_application_summaries_queue_due_at", ["queue", "due_at"], unique=False
        )

    op.create_table(
        "assessors",
        sa.Column("assessor_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=True),
        sa.Column("employer", sa.String(length=200), nullable=False),
        sa.Column("areas_of_practice", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("assessor_id", name=op.f("pk_assessors")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("from_state", sa.String(length=64), nullable=True),
        sa.Column("to_state", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_events_event_id")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_events_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("to_email", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    op.create_table(
        "register_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("registration_number", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("pathway", sa.String(length=16), nullable=False),
        sa.Column("areas_of_practice", sa.JSON(), nullable=False),
        sa.Column("scope_of_practice", sa.Text(), nullable=False),
        sa.Column("accredited_from", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_entries")),
        sa.UniqueConstraint(
            "registration_number", name=op.f("uq_register_entries_registration_number")
        ),
    )
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_register_entries_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_register_entries_status"))

    op.drop_table("register_entries")
    op.drop_table("outbox")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_application_id"))

    op.drop_table("audit_events")
    op.drop_table("assessors")
    with op.batch_alter_table("application_summaries", schema=None) as batch_op:
        batch_op.drop_index("ix_application_summaries_queue_due_at")
        batch_op.drop_index(batch_op.f("ix_application_summaries_member_id"))
        batch_op.drop_index("ix_application_summaries_assessor_id_state")

    op.drop_table("application_summaries")
