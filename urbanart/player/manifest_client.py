"""Polling a screen's manifest: conditional GET, signature check against the pinned key, jitter.

Why each piece: If-None-Match makes a poll with nothing new a tiny 304; the Ed25519 check means
only the library's pinned key can change what a city screen shows; the payload is also checked
against its schema, its own version hash and the known format version, so a signed but broken
or future manifest is refused rather than crashing the player; jitter spreads thousands of
screens' polls so they never hit the hub in step after an outage.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from urbanart.protocol.envelope import SignatureInvalid, public_pem, verify_following
from urbanart.protocol.freshness import ManifestStale, Reason
from urbanart.protocol.manifest_format import (
    FORMAT,
    SUPPORTED_VERSIONS,
    schema_errors,
    version_of,
)

JITTER = 0.2
MIN_RETRY = 5.0


class ManifestRefused(SignatureInvalid):
    """The manifest is not genuine, not for a version this player knows, or inconsistent."""


def refusal_reason(exc: SignatureInvalid) -> Reason:
    """What a heartbeat calls this refusal."""
    if isinstance(exc, ManifestStale):
        return exc.reason
    if isinstance(exc, ManifestRefused):
        return Reason.INVALID
    return Reason.BAD_SIGNATURE


@dataclass(frozen=True)
class Fetched:
    """One poll's outcome: status is "new", "not-modified", "refused" (a manifest arrived but is
    not genuine or not acceptable) or "error"."""

    status: str
    envelope: bytes | None = None
    payload: Mapping[str, Any] | None = None
    etag: str | None = None
    error: str | None = None
    #: Set with status "refused": why (a Reason value).
    reason: str | None = None
    #: A rotated signing key the pinned key announced and that signed this manifest (PEM).
    new_key: bytes | None = None


def verify_manifest(envelope: bytes, public_key_pem: bytes) -> dict[str, Any]:
    """The payload of a genuine, well-formed manifest; ManifestRefused (a SignatureInvalid)
    otherwise."""
    return verify_following_key(envelope, public_key_pem)[0]


def verify_following_key(
    envelope: bytes, public_key_pem: bytes
) -> tuple[dict[str, Any], bytes | None]:
    """As verify_manifest, also accepting a manifest signed by a new key the pinned key
    announced (key rotation); then the new key's PEM comes second, for the player to pin once
    it takes the manifest."""
    payload, new_key = verify_following(envelope, public_key_pem)
    if payload.get("format") != FORMAT or payload.get("version") not in SUPPORTED_VERSIONS:
        raise ManifestRefused(
            f"Manifest format {payload.get('format')!r} version {payload.get('version')!r} is "
            "not one this player knows; update the player."
        )
    errors = list(schema_errors(payload))
    if errors:
        raise ManifestRefused(f"The manifest breaks its schema: {errors[0]}")
    if payload["manifest_version"] != version_of(payload):
        raise ManifestRefused("The manifest's version does not match its content.")
    return payload, None if new_key is None else public_pem(new_key)


def next_delay(interval: float, failures: int = 0, rng: random.Random | None = None) -> float:
    """Seconds until the next poll: the interval ±20 %; after failures, a shorter capped
    exponential backoff (5 s, 10 s, 20 s … up to the interval) so a short outage ends quickly."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not security
    base = interval if failures == 0 else min(interval, MIN_RETRY * 2 ** (failures - 1))
    return max(1.0, base * rng.uniform(1 - JITTER, 1 + JITTER))


class ManifestClient:
    """Fetches one screen's manifest over a shared session."""

    def __init__(
        self,
        manifest_url: str,
        public_key_pem: bytes,
        session: requests.Session,
        *,
        timeout: float = 10.0,
    ) -> None:
        self.manifest_url = manifest_url
        self.public_key_pem = public_key_pem
        self.session = session
        self.timeout = timeout

    def fetch(self, etag: str | None) -> Fetched:
        headers = {"Accept": "application/json"}
        if etag:
            headers["If-None-Match"] = etag
        try:
            response = self.session.get(self.manifest_url, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            return Fetched("error", error=f"manifest poll failed: {type(exc).__name__}")
        if response.status_code == 304:
            return Fetched("not-modified", etag=etag)
        if response.status_code != 200:
            return Fetched("error", error=f"manifest poll answered HTTP {response.status_code}")
        body = response.content
        try:
            payload, new_key = verify_following_key(body, self.public_key_pem)
        except SignatureInvalid as exc:
            return Fetched(
                "refused",
                etag=response.headers.get("ETag"),
                error=f"refused: {exc}",
                reason=refusal_reason(exc),
            )
        return Fetched("new", body, payload, response.headers.get("ETag"), new_key=new_key)
