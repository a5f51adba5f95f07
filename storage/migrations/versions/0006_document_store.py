"""The document store in the database: contents once per sha256, uploads per application.

Used when ``ACCRED_DOCUMENT_STORE=database`` (``api.document_store_db``), so that every API
process on the database serves every upload. The tables are made whatever the setting, and stay
empty with the directory store. Nothing is copied from a document directory.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_contents",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_document_contents")),
    )
    op.create_table(
        "document_uploads",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["document_contents.sha256"],
            name=op.f("fk_document_uploads_sha256_document_contents"),
        ),
        sa.PrimaryKeyConstraint("application_id", "document_id", name=op.f("pk_document_uploads")),
    )


def downgrade() -> None:
    op.drop_table("document_uploads")
    op.drop_table("document_contents")
