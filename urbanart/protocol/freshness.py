"""Which genuine manifest a screen may take: its own, not older than what it holds, not expired.

Why a signature is not enough: the library key signs every manifest it ever made, so a mirror or
a man in the middle could replay an old one (bringing a withdrawn work back), one whose window
ended long ago (freezing the screen), or another screen's (screen 1 then plays and reports as
screen 2). As TUF does for software updates, every payload names its screen (its hub paths carry
the screen's poll token, and `screen.id`), a `sequence` that only grows per screen and an
`expires` instant; a player refuses a manifest that fails any of these and keeps what it holds.
The web player (urbanart/player/web/player.js) applies the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from urbanart.protocol.envelope import SignatureInvalid
from urbanart.protocol.hub_api import screen_api_paths


class Reason(StrEnum):
    """Why a player refused a manifest; sent in its heartbeat's `refused.reason`."""

    OTHER_SCREEN = "other-screen"
    ROLLBACK = "rollback"
    EXPIRED = "expired"
    BAD_SIGNATURE = "bad-signature"
    INVALID = "invalid"  # signed, but a format version or schema this player does not accept


class ManifestStale(SignatureInvalid):
    """A genuine manifest this screen must not take (see Reason); nothing changes."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_instant(text: str) -> datetime:
    """An instant written as the manifest writes them (UTC, trailing Z)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def is_expired(payload: Mapping[str, Any], now: datetime) -> bool:
    return parse_instant(str(payload["expires"])) <= now


def check_admissible(
    payload: Mapping[str, Any],
    *,
    token: str,
    held: Mapping[str, Any] | None,
    now: datetime,
) -> None:
    """Raise ManifestStale unless this verified payload may replace `held` on the screen whose
    poll token is `token` at `now`.

    `held` is the newest manifest the player keeps (playing or waiting for its media). The same
    manifest again (same version) is always admissible: it changes nothing.
    """
    if dict(payload["hub"]) != screen_api_paths(token) or (
        held is not None and payload["screen"]["id"] != held["screen"]["id"]
    ):
        raise ManifestStale(
            Reason.OTHER_SCREEN,
            f"The manifest is for screen {payload['screen']['id']} "
            f"({payload['screen']['name']!r}), not for this screen.",
        )
    if held is not None and payload["manifest_version"] == held["manifest_version"]:
        return
    if held is not None and int(payload["sequence"]) <= int(held["sequence"]):
        raise ManifestStale(
            Reason.ROLLBACK,
            f"The manifest has sequence {payload['sequence']}, not above the sequence "
            f"{held['sequence']} this screen holds (an old manifest replayed).",
        )
    if is_expired(payload, now):
        raise ManifestStale(
            Reason.EXPIRED,
            f"The manifest expired at {payload['expires']} (a frozen or replayed manifest).",
        )
