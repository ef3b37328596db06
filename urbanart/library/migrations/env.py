"""Alembic environment: runs with the engine the library hands over (never a URL in a .ini).

On SQLite a batch migration rebuilds a table (create a copy, move the rows, drop the old one).
With foreign keys enforced, dropping a table that other rows point at fails (artworks point at
media_assets), so, as SQLite's own ALTER TABLE procedure says, foreign keys are switched off
for the migration and the whole database is checked with ``PRAGMA foreign_key_check`` before
the migration's transaction commits; a violation fails the upgrade and the backup made before
it stays the curator's copy.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.exc import IntegrityError

from urbanart.library.models import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Outside any transaction: SQLite ignores this pragma inside one.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise IntegrityError(
                        "PRAGMA foreign_key_check", None, Exception(f"rows point nowhere: {broken}")
                    )
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()  # end any transaction, so the pragma takes effect
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
