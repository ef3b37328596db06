"""The signed manifest envelope: Ed25519 signing and verification, key ids and public keys.

The payload travels as a string inside the envelope, so the signature covers exact bytes and a
player in any language verifies it without re-serialising JSON. Where the library keeps its
private key is delivery's business (urbanart.delivery.signing); this module only needs the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from urbanart.errors import UrbanArtError
from urbanart.protocol.canonical import canonical_json

ENVELOPE_FORMAT = "urbanart.manifest.signed"
ANNOUNCEMENT_FORMAT = "urbanart.key-announcement"
_ENVELOPE_FIELDS = frozenset({"format", "key_id", "signature", "payload"})


class SignatureInvalid(UrbanArtError):
    """A manifest envelope is malformed, signed by another key, or its signature does not match."""


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


def sign_envelope(private_key: Ed25519PrivateKey, payload_text: str) -> str:
    """The envelope text (canonical JSON) carrying payload_text and its signature.

    Ed25519 is deterministic, so the same payload always gives byte-identical envelopes, which
    keeps republishing idempotent and ETags stable.
    """
    signature = private_key.sign(payload_text.encode("utf-8"))
    return canonical_json(
        {
            "format": ENVELOPE_FORMAT,
            "key_id": key_id_of(private_key.public_key()),
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


def _envelope_key_id(envelope: bytes | str) -> str | None:
    """The key id an envelope names, or None when it is not even an envelope (then the strict
    check below says why)."""
    try:
        doc = json.loads(envelope)
    except (ValueError, UnicodeDecodeError):
        return None
    key_id = doc.get("key_id") if isinstance(doc, dict) else None
    return key_id if isinstance(key_id, str) else None


def announcement_message(public_key_pem: str, previous_key_id: str) -> bytes:
    """The exact bytes the old key signs to vouch for the new one (canonical JSON)."""
    return canonical_json(
        {
            "format": ANNOUNCEMENT_FORMAT,
            "previous_key_id": previous_key_id,
            "public_key": public_key_pem,
        }
    ).encode("utf-8")


def make_announcement(old_key: Ed25519PrivateKey, new_public: Ed25519PublicKey) -> dict[str, str]:
    """What a manifest carries (as `key_announcement`) while screens move to a rotated key:
    the new public key, signed by the key the screens pinned."""
    pem = public_pem(new_public).decode("ascii")
    previous = key_id_of(old_key.public_key())
    signature = old_key.sign(announcement_message(pem, previous))
    return {
        "public_key": pem,
        "key_id": key_id_of(new_public),
        "previous_key_id": previous,
        "signature": base64.b64encode(signature).decode("ascii"),
    }


def announced_key(announcement: Any, pinned: Ed25519PublicKey | bytes | str) -> Ed25519PublicKey:
    """The new key an announcement introduces, when the pinned key signed it; SignatureInvalid
    otherwise (another key signed it, or it was altered)."""
    pinned_key = load_public_key(pinned)
    if not isinstance(announcement, dict) or not all(
        isinstance(announcement.get(k), str)
        for k in ("public_key", "key_id", "previous_key_id", "signature")
    ):
        raise SignatureInvalid("The manifest is signed by another key and announces none.")
    if announcement["previous_key_id"] != key_id_of(pinned_key):
        raise SignatureInvalid(
            f"The key announcement comes from key {announcement['previous_key_id']!r}, not from "
            f"the pinned key {key_id_of(pinned_key)!r}."
        )
    new_key = load_public_key(announcement["public_key"])
    if key_id_of(new_key) != announcement["key_id"]:
        raise SignatureInvalid("The key announcement's key id does not match its key.")
    try:
        signature = base64.b64decode(announcement["signature"], validate=True)
        pinned_key.verify(
            signature, announcement_message(announcement["public_key"], key_id_of(pinned_key))
        )
    except (binascii.Error, ValueError, InvalidSignature) as exc:
        raise SignatureInvalid(
            "The key announcement is not signed by the pinned key; the new key is refused."
        ) from exc
    return new_key


def verify_following(
    envelope: bytes | str, pinned: Ed25519PublicKey | bytes | str
) -> tuple[dict[str, Any], Ed25519PublicKey | None]:
    """The payload of a genuine envelope and, when it is signed by a rotated key that the pinned
    key announced, that new key (the caller pins it once it accepts the manifest).

    Why both checks for a new key: the announcement proves the old key vouches for the new one;
    the envelope's own signature proves the new key signed this payload. A key announced by any
    other key, or a payload altered after signing, is refused (SignatureInvalid).
    """
    pinned_key = load_public_key(pinned)
    signer = _envelope_key_id(envelope)
    if signer is None or signer == key_id_of(pinned_key):
        return verify_envelope(envelope, pinned_key), None
    try:
        unverified = json.loads(json.loads(envelope)["payload"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SignatureInvalid("The signed payload is not valid JSON.") from exc
    announcement = unverified.get("key_announcement") if isinstance(unverified, dict) else None
    if announcement is None:
        raise SignatureInvalid(
            f"The manifest was signed by key {signer!r}, not by the pinned key "
            f"{key_id_of(pinned_key)!r}."
        )
    new_key = announced_key(announcement, pinned_key)
    payload = verify_envelope(envelope, new_key)
    return payload, new_key
