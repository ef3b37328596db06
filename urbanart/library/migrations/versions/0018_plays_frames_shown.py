"""plays.frames_shown: how many frames of a live work's feed a screen showed during one play

A live work's play (issue #13) is proven like any other by its time on screen, and also by how
many distinct frames of the artist's generator the screen showed: an artist paid per exposure, or
checking that a slow city screen kept up, needs that figure. Null for every other play.

Revision ID: 0018
Revises: 0016
Create Date: 2026-11-26 14:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frames_shown", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.drop_column("frames_shown")
