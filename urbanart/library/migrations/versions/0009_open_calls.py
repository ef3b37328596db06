"""open calls: calls, personal invites, the artists who handed in, and their submissions

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("deadline", TZ, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("kinds", sa.Text(), nullable=False),
        sa.Column("max_files", sa.Integer(), nullable=False),
        sa.Column("max_bytes", sa.Integer(), nullable=False),
        sa.Column("licenses", sa.Text(), nullable=False),
        sa.Column("ai_required", sa.Boolean(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("invite_only", sa.Boolean(), nullable=False),
        sa.Column("page_token", sa.String(64), nullable=False),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("page_token", name=op.f("uq_calls_page_token")),
    )
    op.create_table(
        "call_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_call_invites_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_invites")),
        sa.UniqueConstraint("token", name=op.f("uq_call_invites_token")),
    )
    op.create_index(op.f("ix_call_invites_call_id"), "call_invites", ["call_id"])
    op.create_table(
        "call_submitters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("invite_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("status_token", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_call_submitters_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invite_id"],
            ["call_invites.id"],
            name=op.f("fk_call_submitters_invite_id_call_invites"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_submitters")),
        sa.UniqueConstraint("status_token", name=op.f("uq_call_submitters_status_token")),
    )
    op.create_index(op.f("ix_call_submitters_call_id"), "call_submitters", ["call_id"])
    op.create_index(op.f("ix_call_submitters_email"), "call_submitters", ["email"])
    op.create_table(
        "call_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submitter_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("alt_text", sa.Text(), nullable=False),
        sa.Column("license", sa.String(40), nullable=False),
        sa.Column("ai_involvement", sa.String(60), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_key", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("artwork_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["submitter_id"],
            ["call_submitters.id"],
            name=op.f("fk_call_submissions_submitter_id_call_submitters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["artwork_id"],
            ["artworks.id"],
            name=op.f("fk_call_submissions_artwork_id_artworks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_submissions")),
        sa.UniqueConstraint("file_key", name=op.f("uq_call_submissions_file_key")),
    )
    op.create_index(op.f("ix_call_submissions_submitter_id"), "call_submissions", ["submitter_id"])
    op.create_index(op.f("ix_call_submissions_state"), "call_submissions", ["state"])


def downgrade() -> None:
    op.drop_table("call_submissions")
    op.drop_table("call_submitters")
    op.drop_table("call_invites")
    op.drop_table("calls")
