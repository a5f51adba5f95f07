"""Accreditation summaries: one read-model row per member, for staff listings.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:24:49.667797
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accreditation_summaries",
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("registration_number", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("pathway", sa.String(length=16), nullable=True),
        sa.Column("accredited_from", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("term", sa.Integer(), nullable=False),
        sa.Column("membership_status", sa.String(length=32), nullable=False),
        sa.Column("indemnity_covered", sa.Boolean(), nullable=False),
        sa.Column("open_application_id", sa.String(length=64), nullable=True),
        sa.Column("scope_change_pending", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_accreditation_summaries")),
    )
    with op.batch_alter_table("accreditation_summaries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_accreditation_summaries_status_expires_on", ["status", "expires_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("accreditation_summaries", schema=None) as batch_op:
        batch_op.drop_index("ix_accreditation_summaries_status_expires_on")

    op.drop_table("accreditation_summaries")
