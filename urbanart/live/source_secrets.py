"""Live sources' HMAC secrets, kept apart from the catalogue like push secrets.

Why apart: the catalogue is copied (backups, dumps, a shared PostgreSQL server) and every copy
of a secret is one more place it can leak from. The database names the source (its token); the
secret that signs its frames lives only in this owner-only file, keyed by live work id.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path

from urbanart.durable import atomic_write
from urbanart.errors import LibraryError

LIVE_SECRETS_NAME = "live-secrets.json"
_FORMAT = 1


class LiveSecretStore:
    """Secrets in one JSON file, replaced atomically and created owner-only (0600)."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / LIVE_SECRETS_NAME
        self._lock = threading.Lock()

    def _read(self) -> dict[int, str]:
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise LibraryError(
                f"The live secrets file {self.path} cannot be read ({exc}); restore it from a "
                "copy, or give each live work a new secret."
            ) from None
        secrets = data.get("live_secrets") if isinstance(data, dict) else None
        if not isinstance(secrets, dict):
            raise LibraryError(f"The live secrets file {self.path} is not in a known format.")
        return {int(k): str(v) for k, v in secrets.items()}

    def get(self, live_work_id: int) -> str | None:
        with self._lock:
            return self._read().get(live_work_id)

    def all(self) -> dict[int, str]:
        with self._lock:
            return self._read()

    def write(self, changes: Mapping[int, str | None]) -> None:
        """Set each work's secret; None removes it. All or nothing."""
        if not changes:
            return
        with self._lock:
            secrets = self._read()
            for work_id, secret in changes.items():
                if secret is None:
                    secrets.pop(work_id, None)
                else:
                    secrets[work_id] = secret
            stored = {str(k): secrets[k] for k in sorted(secrets)}
            body = json.dumps({"format": _FORMAT, "live_secrets": stored}, indent=1)
            atomic_write(self.path, body.encode(), mode=0o600)
