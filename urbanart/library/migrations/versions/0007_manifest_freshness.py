"""manifest freshness: each screen's manifest sequence and expiry, and the refusal it reports

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("published_manifests", schema=None) as batch_op:
        # 0: nothing numbered yet; the next publish gives every screen sequence 1 or more.
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("screen_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refused", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("screen_states", schema=None) as batch_op:
        batch_op.drop_column("refused")
    with op.batch_alter_table("published_manifests", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("sequence")
