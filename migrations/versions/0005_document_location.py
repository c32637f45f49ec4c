"""Where each document's file is: ``documents.location``, its absolute path.

A document is named relative to the working directory of the scan, so the
same file scanned from another directory came back under a second name, and
a scan could not tell a deleted file from one it merely names differently.
A nullable column added in place, with its index; documents stored before
this revision get their location when they are next read.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 11:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_documents_location"), ["location"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_location"))
        batch_op.drop_column("location")
