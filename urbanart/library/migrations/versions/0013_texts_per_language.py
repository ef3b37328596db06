"""texts per language: artworks' title, description and alt text and artists' bio in other
languages, and each screen's language and optional second language

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "artwork_texts",
        sa.Column("artwork_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("alt_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artwork_id"],
            ["artworks.id"],
            name=op.f("fk_artwork_texts_artwork_id_artworks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("artwork_id", "language", name=op.f("pk_artwork_texts")),
    )
    op.create_table(
        "artist_texts",
        sa.Column("artist_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artist_id"],
            ["artists.id"],
            name=op.f("fk_artist_texts_artist_id_artists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("artist_id", "language", name=op.f("pk_artist_texts")),
    )
    with op.batch_alter_table("screens", schema=None) as batch_op:
        # Every screen before this revision showed English captions.
        batch_op.add_column(
            sa.Column("language", sa.String(35), nullable=False, server_default="en")
        )
        batch_op.add_column(sa.Column("second_language", sa.String(35), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("screens", schema=None) as batch_op:
        batch_op.drop_column("second_language")
        batch_op.drop_column("language")
    op.drop_table("artist_texts")
    op.drop_table("artwork_texts")
