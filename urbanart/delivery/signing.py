"""The library's Ed25519 manifest-signing key: where it lives in a library home, made once.

The envelope it signs, and how screens verify it, is the protocol's (urbanart.protocol.envelope);
only the private key file is delivery's business.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from urbanart.durable import atomic_write
from urbanart.errors import InvalidValue, UrbanArtError
from urbanart.protocol.envelope import key_id_of, make_announcement, public_pem, sign_envelope

KEY_DIR = "keys"
KEY_FILE = "manifest-signing.pem"
#: The rotated key's announcement (signed by the previous key) and until when manifests carry it.
ANNOUNCEMENT_FILE = "key-announcement.json"
#: Retired private keys, kept (owner-only) so a mistaken rotation can be undone by hand.
RETIRED_DIR = "retired"
#: How long manifests announce a new key: a screen switched off for longer must be re-paired.
DEFAULT_GRACE = timedelta(days=30)


def key_path(home: str | os.PathLike[str]) -> Path:
    return Path(home) / KEY_DIR / KEY_FILE


@dataclass(frozen=True)
class SigningKey:
    """The library's private key with its public half and id; repr never shows key material."""

    private_key: Ed25519PrivateKey
    path: Path

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r}, path={str(self.path)!r})"

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    @property
    def public_pem(self) -> bytes:
        return public_pem(self.public_key)

    def sign_envelope(self, payload_text: str) -> str:
        """The signed envelope text for payload_text (see urbanart.protocol.envelope)."""
        return sign_envelope(self.private_key, payload_text)


def _write_new_key(path: Path) -> None:
    """Write a fresh key so that no reader ever sees a half file or a world-readable one.

    The key goes to a 0600 temporary file in the same folder, is fsynced, then hard-linked to its
    name: link() fails if another process won the race, and then both use the winner's key.
    """
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pem")
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: use its key
            os.link(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def signing_key(home: str | os.PathLike[str]) -> SigningKey:
    """The library's key, created on first use at <home>/keys/manifest-signing.pem."""
    path = key_path(home)
    if not path.exists():
        _write_new_key(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise UrbanArtError(
            f"The manifest signing key at {path} cannot be read; restore it from a backup "
            "(screens pin its public key, so a new key means re-pairing every screen)."
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise UrbanArtError(f"The manifest signing key at {path} is not an Ed25519 key.")
    return SigningKey(key, path)


def rotate_key(
    home: str | os.PathLike[str], *, now: datetime | None = None, grace: timedelta = DEFAULT_GRACE
) -> tuple[SigningKey, SigningKey]:
    """Make a new signing key; manifests published from now on are signed by it and, for
    `grace`, carry its announcement signed by the old key, so paired screens follow it.

    Returns (old, new). The announcement and a copy of the old key are written before the new
    key replaces the old one, so a crash in between leaves the old key in use and nothing lost.
    """
    if grace <= timedelta(0):
        raise InvalidValue("--grace-days", grace.days, "must be at least one day", key="grace")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    old = signing_key(home)
    new_private = Ed25519PrivateKey.generate()
    new_pem = new_private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    keys = Path(home) / KEY_DIR
    atomic_write(
        keys / RETIRED_DIR / f"{old.key_id}.pem",
        old.path.read_bytes(),
    )
    record = {
        "announcement": make_announcement(old.private_key, new_private.public_key()),
        "until": (now + grace).isoformat(),
    }
    atomic_write(keys / ANNOUNCEMENT_FILE, json.dumps(record, indent=1).encode("utf-8"))
    atomic_write(old.path, new_pem)
    return old, signing_key(home)


def current_announcement(
    home: str | os.PathLike[str], key: SigningKey, now: datetime
) -> dict[str, Any] | None:
    """The announcement manifests carry now: only for the key in use and within its grace."""
    try:
        record = json.loads((Path(home) / KEY_DIR / ANNOUNCEMENT_FILE).read_text("utf-8"))
        announcement = record["announcement"]
        until = datetime.fromisoformat(record["until"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if announcement.get("key_id") != key.key_id or now >= until:
        return None
    return dict(announcement)
