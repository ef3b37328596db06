"""plays by screen and time: the index the hub's overlap check against stored plays uses

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 11:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_plays_screen_id_started_at", "plays", ["screen_id", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_plays_screen_id_started_at", table_name="plays")
