"""video works: each media asset's kind, and a video's length, frame rate, sound and poster time

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 08:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media_assets", schema=None) as batch_op:
        # Every asset before this revision is a still or an animation.
        batch_op.add_column(
            sa.Column("kind", sa.String(length=8), nullable=False, server_default="image")
        )
        batch_op.add_column(sa.Column("duration_s", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("fps", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("has_audio", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("poster_s", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media_assets", schema=None) as batch_op:
        batch_op.drop_column("poster_s")
        batch_op.drop_column("has_audio")
        batch_op.drop_column("fps")
        batch_op.drop_column("duration_s")
        batch_op.drop_column("kind")
