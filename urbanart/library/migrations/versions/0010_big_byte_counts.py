"""big byte counts: file sizes and a screen's free disk as 64-bit integers

SQLite's INTEGER always holds 64 bits; PostgreSQL's is 32 bits, so a player's 12 GB of free
disk (or a file over 2 GiB) was refused there. Only PostgreSQL's columns change.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 08:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = (
    ("media_assets", "byte_size", False),
    ("renditions", "byte_size", False),
    ("screen_states", "free_disk_bytes", True),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, nullable in COLUMNS:
        op.alter_column(
            table, column, type_=sa.BigInteger(), existing_type=sa.Integer(),
            existing_nullable=nullable,
        )  # fmt: skip


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, nullable in COLUMNS:
        op.alter_column(
            table, column, type_=sa.Integer(), existing_type=sa.BigInteger(),
            existing_nullable=nullable,
        )  # fmt: skip
