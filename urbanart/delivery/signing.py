"""The library's Ed25519 manifest-signing key: where it lives in a library home, made once.

The envelope it signs, and how screens verify it, is the protocol's (urbanart.protocol.envelope);
only the private key file is delivery's business.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from urbanart.errors import UrbanArtError
from urbanart.protocol.envelope import key_id_of, public_pem, sign_envelope

KEY_DIR = "keys"
KEY_FILE = "manifest-signing.pem"


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
