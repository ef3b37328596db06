"""live works: a generator's feed of frames (live_works) and the frames retention keeps

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "live_works",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artwork_id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.String(64), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("interval_s", sa.Float(), nullable=False),
        sa.Column("retention_kind", sa.String(10), nullable=False),
        sa.Column("retention_value", sa.Integer(), nullable=True),
        sa.Column("silence_s", sa.Float(), nullable=False),
        sa.Column("pull_url", sa.String(2000), nullable=True),
        sa.Column("allow_keep", sa.Boolean(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("frames_received", sa.Integer(), nullable=False),
        sa.Column("frames_refused", sa.Integer(), nullable=False),
        sa.Column("last_refusal", sa.Text(), nullable=False),
        sa.Column("last_frame_at", TZ, nullable=True),
        sa.Column("profiles", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["artwork_id"],
            ["artworks.id"],
            name=op.f("fk_live_works_artwork_id_artworks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_works")),
        sa.UniqueConstraint("artwork_id", name=op.f("uq_live_works_artwork_id")),
        sa.UniqueConstraint("feed_id", name=op.f("uq_live_works_feed_id")),
        sa.UniqueConstraint("token", name=op.f("uq_live_works_token")),
    )
    op.create_table(
        "live_frames",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("live_work_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("renditions", sa.Text(), nullable=False),
        sa.Column("kept_artwork_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["live_work_id"],
            ["live_works.id"],
            name=op.f("fk_live_frames_live_work_id_live_works"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["kept_artwork_id"],
            ["artworks.id"],
            name=op.f("fk_live_frames_kept_artwork_id_artworks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_frames")),
        sa.UniqueConstraint("live_work_id", "sequence", name=op.f("uq_live_frames_live_work_id")),
    )
    op.create_index(op.f("ix_live_frames_live_work_id"), "live_frames", ["live_work_id"])
    op.create_index(op.f("ix_live_frames_received_at"), "live_frames", ["received_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_live_frames_received_at"), table_name="live_frames")
    op.drop_index(op.f("ix_live_frames_live_work_id"), table_name="live_frames")
    op.drop_table("live_frames")
    op.drop_table("live_works")
