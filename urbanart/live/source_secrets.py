"""Live sources' HMAC secrets, kept apart from the catalogue like push secrets.

Why apart: the catalogue is copied (backups, dumps, a shared PostgreSQL server) and every copy
of a secret is one more place it can leak from. The database names the source (its token); the
secret that signs its frames lives only in this owner-only file, keyed by live work id.
"""

from __future__ import annotations

from pathlib import Path

from urbanart.library.secrets_store import FileSecretStore

LIVE_SECRETS_NAME = "live-secrets.json"


class LiveSecretStore(FileSecretStore):
    """The live sources' secrets file in a library folder, keyed by live work id."""

    def __init__(self, home: Path) -> None:
        super().__init__(
            Path(home) / LIVE_SECRETS_NAME,
            section="live_secrets",
            what="live secrets",
            remedy="give each live work a new secret",
        )
