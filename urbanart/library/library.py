"""A library: one folder holding the catalog database and the media store, opened as one object."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from urbanart.errors import LibraryError
from urbanart.library import audit, change_feed, permissions
from urbanart.library import home as homes
from urbanart.library.concurrency import WRITING, stale_after
from urbanart.library.database import make_engine, migrate
from urbanart.library.s3 import location_from_env
from urbanart.library.secrets_store import FileSecretStore, PushSecretStore, secrets_path
from urbanart.library.store import MediaStore, open_media_store
from urbanart.library.undo import UndoHistory, UndoResult, recorder_for
from urbanart.library.user_config import curator_name


@dataclass
class Library:
    """An open library. Use ``Library.open`` and close it (or use it as a context manager)."""

    home: Path
    engine: Engine
    store: MediaStore
    backup: Path | None = None
    #: Undo and redo of curation edits, in memory for as long as this object is open.
    history: UndoHistory = field(default_factory=UndoHistory, init=False, repr=False)
    #: Push secrets, kept out of the catalogue (secrets_store.py); replaceable by another store.
    secrets: PushSecretStore = field(init=False, repr=False)
    #: Who edits through this object: the audit log and "changed by" messages name them.
    #: Read once from the user's settings (user_config.curator_name); tests set it directly.
    curator: str = field(default_factory=curator_name)
    _sessions: sessionmaker[Session] = field(init=False, repr=False)
    #: Names this open library in the change notifications it sends (change_feed.py).
    sender_id: str = field(default_factory=change_feed.new_sender_id, init=False, repr=False)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        audit.install(self._sessions)
        self.secrets = FileSecretStore(secrets_path(self.home))
        change_feed.announce_commits(self.engine, self._sessions, self.sender_id)

    @classmethod
    def open(
        cls,
        home: str | os.PathLike[str] | None = None,
        *,
        create: bool = True,
        database_url: str | None = None,
    ) -> Library:
        """Open (creating if allowed) and migrate the library at home.

        An existing library whose schema is older is copied to ``backups/`` before migrating,
        so nothing a curator made can be lost to a failed upgrade.
        """
        path = homes.resolve_home(home)
        media = location_from_env()  # a bad URBANART_MEDIA_URL is refused before any change
        db_path = path / homes.DATABASE_NAME
        url = database_url or os.environ.get(homes.ENV_DATABASE_URL)
        if url is None and not db_path.exists() and not create:
            raise LibraryError(f"No library at {path}; run `urbanart init` to create one.")
        try:
            permissions.private_folder(path)  # owner-only: it holds credentials
            if url is None:
                permissions.tighten_database(db_path)
        except OSError as exc:
            raise LibraryError(f"Cannot create the library folder {path}: {exc.strerror}") from exc
        engine = make_engine(url or f"sqlite:///{db_path}")
        sqlite_path = db_path if url is None else None
        try:
            backup = migrate(
                engine,
                sqlite_path=sqlite_path,
                backup_dir=path / homes.BACKUP_DIR,
                secrets_path=secrets_path(path),
            )
            permissions.tighten_backups(path / homes.BACKUP_DIR)
            permissions.tighten(secrets_path(path), permissions.PRIVATE_FILE)
        except LibraryError:
            engine.dispose()
            raise
        except Exception as exc:
            engine.dispose()
            where = db_path if url is None else engine.url.render_as_string(hide_password=True)
            raise LibraryError(f"Cannot open the library database at {where}: {exc}") from exc
        try:
            store = open_media_store(path / homes.MEDIA_DIR, media)
        except Exception:
            engine.dispose()
            raise
        return cls(home=path, engine=engine, store=store, backup=backup)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back whole if it raises.

        Inside an ``@undoable`` operation the unit also records the rows it changed (undo.py).
        Every edit of a curated row is stamped with ``curator`` and logged (audit.py); one that
        another curator's write overtook is refused whole with ``StaleEdit`` (concurrency.py).
        """
        info: dict[object, object] = {}
        try:
            with self._sessions() as session, session.begin():
                info = session.info
                info[audit.CURATOR] = self.curator
                recorder = recorder_for(self)
                if recorder is None:
                    yield session
                    return
                with recorder.recording(session):
                    yield session
        except StaleDataError:
            noted = info.get(WRITING)
            raise stale_after(self._sessions, noted if isinstance(noted, list) else []) from None

    @contextmanager
    def reading(self, session: Session | None = None) -> Iterator[Session]:
        """The caller's session when given, else a unit of work of its own (session()): for
        reads that a caller may make inside one unit with others (build_viewers reads five
        kinds of facts; each in a unit of its own cost a transaction's begin and end)."""
        if session is not None:
            yield session
            return
        with self.session() as own:
            yield own

    def listen_for_changes(
        self, on_change: Callable[[frozenset[str]], None]
    ) -> change_feed.ChangeListener | None:
        """Call on_change(tables) (from a listener thread) when another process sharing this
        PostgreSQL catalogue commits changes to those tables; "*" means "anything may have
        changed" (after a lost connection). None on SQLite, whose library one studio owns.
        Stop the listener before closing the library."""
        return change_feed.listen(self.engine, on_change, ignore_sender=self.sender_id)

    def undo(self) -> UndoResult:
        """Revert the newest curation edit; see urbanart.library.undo for what is undoable."""
        return self.history.undo(self)

    def redo(self) -> UndoResult:
        """Apply again the edit undone last."""
        return self.history.redo(self)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def published_root(library: Library) -> Path:
    """<library>/published: releases, shared media and the `current` link.

    Here, below delivery, because readers of the served tree (push, the hub, the viewers' links)
    need its place without importing the publisher that writes it.
    """
    return library.home / homes.PUBLISHED_DIR


def current_tree(library: Library) -> Path:
    """The document root to serve: published/current (a symlink to the served release)."""
    return published_root(library) / homes.CURRENT_LINK
