"""Pairing: the hub URL, the screen's poll token and the pinned manifest-signing key, on disk.

Why trust on first use: a screen is set up once by someone standing next to it; the key it
fetches then (or is given with --public-key) is pinned, and from then on a manifest signed by any
other key is refused, so a hijacked network or a rogue hub cannot put other pictures on a city
screen. A later key change is refused here too; re-pairing means deleting the state folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import platformdirs
import requests

from urbanart.durable import atomic_write
from urbanart.errors import UrbanArtError
from urbanart.protocol.envelope import SignatureInvalid, key_id_of, load_public_key
from urbanart.protocol.tree_layout import PUBLIC_KEY_PATH, manifest_path

PAIRING_FILE = "pairing.json"
KEY_FILE = "pinned-key.pem"


def default_state() -> Path:
    """The player's state folder (pairing, pinned key, media cache) when none is given."""
    return Path(platformdirs.user_state_dir("urbanart", appauthor=False)) / "player"


class PairingError(UrbanArtError):
    """The player cannot be paired (hub unreachable, not a key, or the key changed)."""


@dataclass(frozen=True)
class Pairing:
    hub_url: str
    token: str
    public_key_pem: bytes

    @property
    def key_id(self) -> str:
        return key_id_of(load_public_key(self.public_key_pem))

    @property
    def manifest_url(self) -> str:
        return urljoin(self.hub_url, manifest_path(self.token))

    def __repr__(self) -> str:  # the token is a secret: it names the screen's manifest URL
        return f"Pairing(hub_url={self.hub_url!r}, key_id={self.key_id!r})"


def normalise_hub(url: str) -> str:
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        raise PairingError(f"The hub URL {url!r} must start with http:// or https://.")
    return url if url.endswith("/") else url + "/"


def load(state: Path) -> Pairing | None:
    try:
        info = json.loads((state / PAIRING_FILE).read_text("utf-8"))
        pem = (state / KEY_FILE).read_bytes()
    except (OSError, ValueError):
        return None
    return Pairing(info["hub_url"], info["token"], pem)


def fetch_key(hub_url: str, session: requests.Session, timeout: float = 10.0) -> bytes:
    try:
        response = session.get(urljoin(hub_url, PUBLIC_KEY_PATH), timeout=timeout)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise PairingError(
            f"Could not fetch the signing key from {hub_url}: {type(exc).__name__}."
        ) from None
    return response.content


def _checked(pem: bytes) -> bytes:
    try:
        load_public_key(pem)
    except SignatureInvalid as exc:
        raise PairingError(f"Not a usable manifest-signing key: {exc}") from None
    return pem


def pair(
    state: Path,
    hub_url: str,
    token: str,
    *,
    public_key_pem: bytes | None = None,
    session: requests.Session | None = None,
) -> Pairing:
    """Store hub and token; pin the key on first pairing, refuse a different key afterwards.

    A later pairing may change the hub URL or the token (the screen moved, the token was
    rotated); the pinned key stays unless it is the same key.
    """
    state.mkdir(parents=True, exist_ok=True)
    hub = normalise_hub(hub_url)
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        raise PairingError("The poll token must be the URL-safe token shown by the studio.")
    existing = load(state)
    if existing is not None:
        pinned = existing.public_key_pem
        offered_pem = public_key_pem
        if offered_pem is None:
            try:  # best effort: offline re-pairing keeps the pinned key
                offered_pem = fetch_key(hub, session or requests.Session())
            except PairingError:
                offered_pem = None
        if offered_pem is not None:
            offered = key_id_of(load_public_key(_checked(offered_pem)))
            if offered != existing.key_id:
                raise PairingError(
                    f"This player trusts key {existing.key_id}; refusing key {offered}. "
                    "Delete the player's state folder to pair it with another library."
                )
        pem = pinned
    elif public_key_pem is not None:
        pem = _checked(public_key_pem)
    else:
        pem = _checked(fetch_key(hub, session or requests.Session()))
    atomic_write(state / KEY_FILE, pem)
    atomic_write(
        state / PAIRING_FILE,
        json.dumps({"hub_url": hub, "token": token}, indent=1).encode(),
        mode=0o600,  # the poll token is a secret
    )
    return Pairing(hub, token, pem)


def adopt_key(state: Path, public_key_pem: bytes) -> Pairing:
    """Pin a rotated key the pinned key announced (the caller verified the announcement and a
    manifest the new key signed); one atomic file replace, so a crash leaves either key whole."""
    existing = load(state)
    if existing is None:
        raise PairingError(f"The player in {state} is not paired.")
    pem = _checked(public_key_pem)
    atomic_write(state / KEY_FILE, pem)
    return Pairing(existing.hub_url, existing.token, pem)
