"""push secrets apart: moved from screens.push_secret into the library's secrets file

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00.000000

Why: every copy of the catalogue (backups, dumps, a shared server) carried the secrets in
plaintext. The library hands the file's path over as the "push_secrets_path" attribute; without
one (alembic run by hand) a catalogue holding secrets is refused rather than losing them.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

from urbanart.library.secrets_store import FileSecretStore

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _store() -> FileSecretStore | None:
    path = context.config.attributes.get("push_secrets_path")
    return FileSecretStore(Path(path)) if path is not None else None


def upgrade() -> None:
    screens = sa.table("screens", sa.column("id", sa.Integer), sa.column("push_secret", sa.String))
    rows = op.get_bind().execute(
        sa.select(screens.c.id, screens.c.push_secret).where(screens.c.push_secret.is_not(None))
    )
    found: dict[int, str | None] = {int(i): s for i, s in rows if s}
    store = _store()
    if found and store is None:
        raise RuntimeError("push secrets would be lost: no push_secrets_path was handed over")
    if store is not None:
        store.write(found)  # before the column goes: a failure here leaves both intact
    with op.batch_alter_table("screens") as batch:
        batch.drop_column("push_secret")


def downgrade() -> None:
    with op.batch_alter_table("screens") as batch:
        batch.add_column(sa.Column("push_secret", sa.String(length=128), nullable=True))
    store = _store()
    if store is None:
        return
    screens = sa.table("screens", sa.column("id", sa.Integer), sa.column("push_secret", sa.String))
    for screen_id, secret in store.all().items():
        op.execute(screens.update().where(screens.c.id == screen_id).values(push_secret=secret))
