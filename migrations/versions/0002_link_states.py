"""Link states on checks (state before/after each check) and indexes for nightly runs.

The new columns are nullable and added in place (SQLite ``ADD COLUMN``, no
table copy), so upgrading a large database only costs building the indexes.
Checks written before this revision have no states: they never count as
transitions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 03:55:08.066736
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state_before", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("state_after", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_checks_run_id_state_after", ["run_id", "state_after"], unique=False
        )

    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_links_last_verdict"), ["last_verdict"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_links_last_verdict"))

    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_index("ix_checks_run_id_state_after")
        batch_op.drop_column("state_after")
        batch_op.drop_column("state_before")
