"""submission refusals: why a handed-in work's file was refused, kept with the submission

The library's importer may refuse a handed-in file when a curator accepts it (a duplicate of an
artwork already in the library, or limits tightened since the hand-in). The reason was only
answered to that curator; now it stays with the submission, so the artist's status page, the
Review view and ``calls review --json`` show it.

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-26 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refusal", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("call_submissions", schema=None) as batch_op:
        batch_op.drop_column("refusal")
