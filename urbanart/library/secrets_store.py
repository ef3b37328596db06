"""Push secrets, kept apart from the catalogue: an owner-only file in the library folder.

Why apart: the catalogue database is copied (backups before each migration, dumps, a shared
PostgreSQL server), and every copy of a push secret is one more place it can leak from. The
database says which screens push (their push URL); the secrets themselves live only here,
keyed by screen id. ``PushSecretStore`` is the interface the engine uses, so a team running
PostgreSQL on several machines can swap the file for a shared secret service later.

The OS keyring is not used: it would add a dependency, and a player host or a headless hub has
no keyring to unlock. The file is 0600 inside the library's 0700 folder.

Writes happen inside the catalogue edit's write transaction (``Library.session``), so the
database's write lock also orders writers of this file across processes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from urbanart.durable import atomic_write
from urbanart.errors import LibraryError

SECRETS_NAME = "secrets.json"
_FORMAT = 1


class PushSecretStore(Protocol):
    """Where push secrets live, by screen id."""

    def get(self, screen_id: int) -> str | None:
        """The screen's push secret, or None when it has none."""
        ...

    def all(self) -> dict[int, str]:
        """Every stored secret by screen id."""
        ...

    def write(self, changes: Mapping[int, str | None]) -> None:
        """Set each screen's secret; None removes it. All or nothing."""
        ...


class FileSecretStore:
    """Secrets in one JSON file, replaced atomically and created owner-only (0600).

    `section` names the map inside the file and `what` the secrets in messages, so push secrets
    and live sources' secrets (urbanart.live.source_secrets) share one implementation."""

    def __init__(
        self,
        path: Path,
        *,
        section: str = "push_secrets",
        what: str = "push secrets",
        remedy: str = "delete it and give each pushing screen a new secret",
    ) -> None:
        self.path = path
        self.section, self.what, self.remedy = section, what, remedy
        self._lock = threading.Lock()

    def _read(self) -> dict[int, str]:
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise LibraryError(
                f"The {self.what} file {self.path} cannot be read ({exc}); restore it from a "
                f"copy, or {self.remedy}."
            ) from None
        secrets = data.get(self.section) if isinstance(data, dict) else None
        if not isinstance(secrets, dict):
            raise LibraryError(f"The {self.what} file {self.path} is not in a known format.")
        return {int(k): str(v) for k, v in secrets.items()}

    def get(self, screen_id: int) -> str | None:
        with self._lock:
            return self._read().get(screen_id)

    def all(self) -> dict[int, str]:
        with self._lock:
            return self._read()

    def write(self, changes: Mapping[int, str | None]) -> None:
        """Set each id's secret; None removes it. All or nothing."""
        if not changes:
            return
        with self._lock:
            secrets = self._read()
            for screen_id, secret in changes.items():
                if secret is None:
                    secrets.pop(screen_id, None)
                else:
                    secrets[screen_id] = secret
            stored = {str(k): secrets[k] for k in sorted(secrets)}
            body = json.dumps({"format": _FORMAT, self.section: stored}, indent=1)
            atomic_write(self.path, body.encode(), mode=0o600)


def secrets_path(home: Path) -> Path:
    return home / SECRETS_NAME
