"""The library's Ed25519 manifest-signing key and the signed envelope screens verify.

The payload travels as a string inside the envelope, so the signature covers exact bytes and a
player in any language verifies it without re-serialising JSON.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from urbanart.errors import UrbanArtError

ENVELOPE_FORMAT = "urbanart.manifest.signed"
KEY_DIR = "keys"
KEY_FILE = "manifest-signing.pem"
PUBLIC_KEY_FILE = "manifest-signing.pub"
_ENVELOPE_FIELDS = frozenset({"format", "key_id", "signature", "payload"})


class SignatureInvalid(UrbanArtError):
    """A manifest envelope is malformed, signed by another key, or its signature does not match."""


def canonical_json(value: Any) -> str:
    """The one JSON spelling used for everything that is hashed or signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def key_path(home: str | os.PathLike[str]) -> Path:
    return Path(home) / KEY_DIR / KEY_FILE


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """First 16 hex chars of sha256 of the raw public key: short enough to read, long enough to
    tell keys apart when a library's key is rotated."""
    return hashlib.sha256(_raw_public(public_key)).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes | str | Ed25519PublicKey) -> Ed25519PublicKey:
    """Accept a key object or its PEM text, which is what screens pin."""
    if isinstance(pem, Ed25519PublicKey):
        return pem
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise SignatureInvalid("The public key is not a PEM-encoded key.") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureInvalid("The public key is not an Ed25519 key.")
    return key


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
        return sign_envelope(self, payload_text)


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


def sign_envelope(key: SigningKey, payload_text: str) -> str:
    """The envelope text (canonical JSON) carrying payload_text and its signature.

    Ed25519 is deterministic, so the same payload always gives byte-identical envelopes, which
    keeps republishing idempotent and ETags stable.
    """
    signature = key.private_key.sign(payload_text.encode("utf-8"))
    return canonical_json(
        {
            "format": ENVELOPE_FORMAT,
            "key_id": key.key_id,
            "signature": base64.b64encode(signature).decode("ascii"),
            "payload": payload_text,
        }
    )


def verify_envelope(
    envelope: bytes | str, public_key: Ed25519PublicKey | bytes | str
) -> dict[str, Any]:
    """The payload of a genuine envelope; SignatureInvalid for anything else."""
    key = load_public_key(public_key)
    try:
        doc = json.loads(envelope)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SignatureInvalid("The manifest is not valid JSON.") from exc
    if not isinstance(doc, dict) or set(doc) != _ENVELOPE_FIELDS:
        raise SignatureInvalid(
            "The manifest is not a signed envelope (expected format, key_id, signature, payload)."
        )
    if doc["format"] != ENVELOPE_FORMAT:
        raise SignatureInvalid(f"The manifest format {doc['format']!r} is not {ENVELOPE_FORMAT}.")
    if not all(isinstance(doc[k], str) for k in _ENVELOPE_FIELDS):
        raise SignatureInvalid("The manifest envelope fields must all be strings.")
    expected = key_id_of(key)
    if doc["key_id"] != expected:
        raise SignatureInvalid(
            f"The manifest was signed by key {doc['key_id']!r}, not by the pinned key {expected!r}."
        )
    try:
        signature = base64.b64decode(doc["signature"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid("The manifest signature is not base64.") from exc
    try:
        key.verify(signature, doc["payload"].encode("utf-8"))
    except InvalidSignature as exc:
        raise SignatureInvalid(
            "The manifest signature does not match its content; it was altered."
        ) from exc
    try:
        payload = json.loads(doc["payload"])
    except ValueError as exc:
        raise SignatureInvalid("The signed payload is not valid JSON.") from exc
    if not isinstance(payload, dict):
        raise SignatureInvalid("The signed payload is not a JSON object.")
    return payload
