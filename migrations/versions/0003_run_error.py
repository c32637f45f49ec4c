"""Why a run failed: ``runs.error`` holds the message of the error that stopped it.

A nullable column added in place (SQLite ``ADD COLUMN``, no table copy). Runs
recorded before this revision have no message.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 09:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("error")
