"""screens.video_max_mb, screens.video_sound: a screen's video byte budget and sound (issue #12)

Operators' specs read "at most 25 MB, no sound": each screen now says both, and its video
renditions follow (both are part of the rendition's profile key, so a change makes a new one).
A null budget takes the library default (25 MB); sound is off unless the screen keeps it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-26 18:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("screens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("video_max_mb", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("video_sound", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("screens", schema=None) as batch_op:
        batch_op.drop_column("video_sound")
        batch_op.drop_column("video_max_mb")
