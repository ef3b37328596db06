"""The exhibition's Ed25519 manifest-signing key: where it lives, made once, and the guard that
refuses to publish with a key the screens did not pin.

By default the key lives in the library folder (<library>/keys). Several curators publishing one
exhibition (one shared catalogue) must sign with one key, or screens paired with one curator's
hub refuse the others' manifests: URBANART_SIGNING_KEY_FILE (or the per-user setting, see
urbanart.library.user_config) names a key file they share. The key is never stored in the
catalogue; only its public id is, as the key the screens pinned (``check_pinned_key``).

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
from sqlalchemy import select

from urbanart.durable import atomic_write
from urbanart.errors import InvalidValue, UrbanArtError
from urbanart.library.library import Library, current_tree
from urbanart.library.models import Setting
from urbanart.library.user_config import ENV_SIGNING_KEY_FILE, signing_key_file
from urbanart.protocol.envelope import (
    SignatureInvalid,
    key_id_of,
    load_public_key,
    make_announcement,
    public_pem,
    sign_envelope,
)
from urbanart.protocol.tree_layout import PUBLIC_KEY_PATH

KEY_DIR = "keys"
KEY_FILE = "manifest-signing.pem"
#: The rotated key's announcement (signed by the previous key) and until when manifests carry it.
ANNOUNCEMENT_FILE = "key-announcement.json"
#: Retired private keys, kept (owner-only) so a mistaken rotation can be undone by hand.
RETIRED_DIR = "retired"
#: How long manifests announce a new key: a screen switched off for longer must be re-paired.
DEFAULT_GRACE = timedelta(days=30)


def key_path(home: str | os.PathLike[str]) -> Path:
    """The key file in use: the shared one this machine names, else <home>/keys/…pem."""
    shared = signing_key_file()
    return shared if shared is not None else Path(home) / KEY_DIR / KEY_FILE


def _key_dir(home: str | os.PathLike[str]) -> Path:
    """Where the rotation's announcement and retired keys go: beside the key in use."""
    return key_path(home).parent


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
    keys = _key_dir(home)
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
        record = json.loads((_key_dir(home) / ANNOUNCEMENT_FILE).read_text("utf-8"))
        announcement = record["announcement"]
        until = datetime.fromisoformat(record["until"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if announcement.get("key_id") != key.key_id or now >= until:
        return None
    return dict(announcement)


#: The catalogue setting holding the public id of the key screens pinned (never the key).
PINNED_KEY_SETTING = "signing.pinned_key_id"


class KeyNotPinned(UrbanArtError):
    """Publishing would sign with a key the screens did not pin; nothing was published."""

    def __init__(self, expected: str, found: str, path: Path) -> None:
        self.expected = expected
        self.found = found
        self.path = path
        super().__init__(
            f"Not publishing: the screens expect manifests signed by key {expected} (the key "
            f"they were paired with), but the signing key configured here is {found}, at "
            f"{path}. Point {ENV_SIGNING_KEY_FILE} (or `urbanart curator --signing-key-file`) "
            "at the exhibition's shared key file; a new key needs `urbanart key rotate` on the "
            "machine holding the pinned one, or re-pairing every screen."
        )


def _published_key_id(library: Library) -> str | None:
    """The id of the public key in the tree being served: what screens paired with."""
    try:
        return key_id_of(load_public_key((current_tree(library) / PUBLIC_KEY_PATH).read_bytes()))
    except (OSError, SignatureInvalid, ValueError):
        return None


def pinned_key_id(library: Library) -> str | None:
    """The key id the exhibition's screens pinned: recorded in the catalogue at the first
    publish (every curator on the catalogue sees it), else the one this library published."""
    with library.session() as session:
        row = session.get(Setting, PINNED_KEY_SETTING)
    if row is not None:
        value = json.loads(row.value)
        if isinstance(value, str) and value:
            return value
    return _published_key_id(library)


def check_pinned_key(library: Library, key: SigningKey, now: datetime) -> None:
    """Refuse (KeyNotPinned) to publish with a key other than the one the screens pinned.

    A rotated key passes while manifests announce it signed by the pinned one (rotate_key),
    and from then on is the pinned key. The first publish records its key as the pinned one.
    """
    pinned = pinned_key_id(library)
    if pinned is not None and pinned != key.key_id:
        announcement = current_announcement(library.home, key, now)
        if announcement is None or announcement.get("previous_key_id") != pinned:
            raise KeyNotPinned(pinned, key.key_id, key.path)
    with library.session() as session:
        row = session.scalars(select(Setting).where(Setting.key == PINNED_KEY_SETTING)).first()
        value = json.dumps(key.key_id)
        if row is None:
            session.add(Setting(key=PINNED_KEY_SETTING, value=value))
        elif row.value != value:
            row.value = value
