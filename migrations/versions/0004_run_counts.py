"""A run's counts per verdict on its row: ``runs.counts``, written when the run ends.

Reports, the link-rot chart and ``--baseline`` read a run's counts; counting
its checks instead made ``db prune`` rewrite what past runs found.  A nullable
JSON column added in place (SQLite ``ADD COLUMN``, no table copy, no scan of
the checks): runs recorded before this revision keep counting their checks,
and ``db prune`` writes their counts before it deletes any of them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:00:00.000000
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
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("counts")
