"""several curators: a version and the last editor on every edited row, and the audit log

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: The tables of rows curators edit (urbanart.library.models.Edited).
EDITED = ("artists", "artworks", "screens", "screen_groups", "playlists", "schedules")


def upgrade() -> None:
    for table in EDITED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer(), nullable=False, server_default="1")
            )
            batch_op.add_column(
                sa.Column("updated_by", sa.String(100), nullable=False, server_default="")
            )
            if table == "screen_groups":
                batch_op.add_column(
                    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True)
                )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("curator", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_kind_entity_id", "audit_log", ["kind", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_kind_entity_id", table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    for table in reversed(EDITED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "screen_groups":
                batch_op.drop_column("updated_at")
            batch_op.drop_column("updated_by")
            batch_op.drop_column("version")
