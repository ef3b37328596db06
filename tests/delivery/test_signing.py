"""The manifest-signing key: made once, private, stable; envelopes verify only when genuine."""

from __future__ import annotations

import base64
import json
import stat
import sys
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from urbanart.delivery.signing import key_path, signing_key
from urbanart.protocol.canonical import canonical_json
from urbanart.protocol.envelope import (
    ENVELOPE_FORMAT,
    SignatureInvalid,
    key_id_of,
    public_pem,
    sign_envelope,
    verify_envelope,
)

#: Pure functions and documents: nothing here reaches a catalogue, so one run suffices.
pytestmark = pytest.mark.no_database

PAYLOAD = canonical_json({"format": "urbanart.manifest", "note": "Grüße — 東京"})


def test_key_is_created_once_private_and_reused(tmp_path: Path) -> None:
    first = signing_key(tmp_path)
    path = key_path(tmp_path)
    assert path == tmp_path / "keys" / "manifest-signing.pem"
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS8
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = signing_key(tmp_path)
    assert again.key_id == first.key_id and again.public_pem == first.public_pem
    assert [p.name for p in path.parent.iterdir()] == ["manifest-signing.pem"]  # no temp left


def test_concurrent_first_use_agrees_on_one_key(tmp_path: Path) -> None:
    ids: list[str] = []
    threads = [
        threading.Thread(target=lambda: ids.append(signing_key(tmp_path).key_id)) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1


def test_key_id_is_sixteen_hex_of_the_raw_public_key(tmp_path: Path) -> None:
    key = signing_key(tmp_path)
    assert len(key.key_id) == 16 and int(key.key_id, 16) >= 0
    assert key.key_id == key_id_of(key.public_key)
    assert "PRIVATE" not in repr(key) and key.key_id in repr(key)


def test_envelope_round_trip_is_deterministic(tmp_path: Path) -> None:
    key = signing_key(tmp_path)
    envelope = sign_envelope(key.private_key, PAYLOAD)
    assert envelope == key.sign_envelope(PAYLOAD)  # Ed25519 is deterministic: stable ETags
    doc = json.loads(envelope)
    assert set(doc) == {"format", "key_id", "signature", "payload"}
    assert doc["format"] == ENVELOPE_FORMAT and doc["payload"] == PAYLOAD
    assert verify_envelope(envelope.encode("utf-8"), key.public_pem) == json.loads(PAYLOAD)
    assert verify_envelope(envelope, key.public_key) == json.loads(PAYLOAD)


def _tampered(envelope: str, **changes: object) -> bytes:
    doc = json.loads(envelope)
    doc.update(changes)
    return json.dumps(doc).encode("utf-8")


def test_tampering_wrong_keys_and_malformed_envelopes_are_refused(tmp_path: Path) -> None:
    key = signing_key(tmp_path)
    envelope = sign_envelope(key.private_key, PAYLOAD)
    altered = PAYLOAD.replace("Grüße", "Hallo")
    other = Ed25519PrivateKey.generate()
    forged_sig = base64.b64encode(other.sign(PAYLOAD.encode())).decode()
    cases = {
        "altered payload": _tampered(envelope, payload=altered),
        "signature of another key": _tampered(envelope, signature=forged_sig),
        "not base64": _tampered(envelope, signature="***"),
        "wrong format": _tampered(envelope, format="something.else"),
        "extra field": _tampered(envelope, extra="x"),
        "not json": b"{nope",
        "a list": b"[]",
        "payload not json": _tampered(
            envelope,
            payload="nope",
            signature=base64.b64encode(key.private_key.sign(b"nope")).decode(),
        ),
    }
    for name, data in cases.items():
        with pytest.raises(SignatureInvalid):
            verify_envelope(data, key.public_pem)
        assert name  # each case is named for the failure report
    with pytest.raises(SignatureInvalid, match="pinned key"):
        verify_envelope(envelope, public_pem(other.public_key()))
    with pytest.raises(SignatureInvalid):
        verify_envelope(envelope, b"not a pem")
