"""call_submissions.package_files: how many files a handed-in generative work's package holds

Open calls take generative works (HTML5 packages, issue #13): the guard counts the package's
files when the artist hands it in, and the Review view says "Generative (HTML5)" with that
count without unzipping the package again. Null for stills and videos, which is also how a
submission is known to be a package.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("package_files", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("call_submissions", schema=None) as batch_op:
        batch_op.drop_column("package_files")
