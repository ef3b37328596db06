"""video items: how many times a playlist item's video plays (null: a fixed time, or a still)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("playlist_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("loops", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("playlist_items", schema=None) as batch_op:
        batch_op.drop_column("loops")
