"""Key rotation: a paired player follows a new key its pinned key announced, and no other.

Real library, real hub, real player core, the real CLI for `key show`, `key rotate` and pairing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.player import build_demo_screen, wait_served
from tests.player.test_player_end_to_end import serve_tree_with_manifest
from urbanart.curation import playlists
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.delivery.signing import signing_key
from urbanart.library.library import Library
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player
from urbanart.protocol.envelope import key_id_of, make_announcement, sign_envelope
from urbanart.protocol.manifest_format import version_of

T0 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)


def test_a_paired_player_follows_a_rotated_key_and_refuses_a_forged_announcement(
    library: Library, tmp_path: Path, run_cli: Callable[..., object]
) -> None:
    world = build_demo_screen(library, now=T0)
    old_id = signing_key(library.home).key_id
    state = tmp_path / "player"
    with HubThread(library, check_interval=0.05) as hub:
        # Pairing over plain HTTP prints the fingerprint the studio shows.
        paired = run_cli(
            "player", "--hub", hub.url, "--token", world.token, "--state", str(state), "--pair-only"
        )
        assert paired.exit_code == 0, paired  # type: ignore[attr-defined]
        assert f"fingerprint {old_id}" in paired.stdout  # type: ignore[attr-defined]
        shown = run_cli("key", "show")
        assert f"Signing key fingerprint: {old_id}" in shown.stdout  # type: ignore[attr-defined]
        player = Player(state, clock=ManualClock(T0))
        try:
            assert player.poll_once().switched and player.pairing.key_id == old_id
            manifest_url = f"{hub.url}screens/{world.token}/manifest.json"

            # A forged announcement: a stranger's key "announces" itself as the pinned key's
            # successor and signs the manifest. Refused; the pinned key stays.
            genuine = json.loads(world.manifest_path().read_bytes())
            payload = json.loads(genuine["payload"])
            payload["sequence"] += 1
            payload["playlists"][str(world.day)]["items"][0]["title"] = "A stranger's picture"
            rogue_old, rogue_new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
            forged_announcement = make_announcement(rogue_old, rogue_new.public_key())
            forged_announcement["previous_key_id"] = old_id  # claims to come from the pinned key
            payload["key_announcement"] = forged_announcement
            payload["manifest_version"] = version_of(payload)
            forged = sign_envelope(rogue_new, json.dumps(payload)).encode()
            original = serve_tree_with_manifest(library, world.token, forged, "forged")
            wait_served(manifest_url, forged)
            refused = player.poll_once()
            assert refused.fetched.status == "refused"
            assert player.refused is not None and player.refused["reason"] == "bad-signature"
            assert "not signed by the pinned key" in player.refused["detail"]
            assert player.current is not None and player.current.payload["sequence"] == 1
            assert pairing.load(state).key_id == old_id  # type: ignore[union-attr]

            # The curator rotates the key and publishes: manifests are signed by the new key and
            # announce it, signed by the old one; the player follows and pins it.
            rotated = run_cli("key", "rotate")
            new_id = signing_key(library.home).key_id
            assert new_id != old_id and f"{new_id} replaces {old_id}" in rotated.stdout  # type: ignore[attr-defined]
            playlists.set_item(library, world.day, 1, duration=12)
            publish(library, now=T0)
            envelope = json.loads(world.manifest_path().read_bytes())
            announced = json.loads(envelope["payload"])["key_announcement"]
            assert envelope["key_id"] == new_id and announced["previous_key_id"] == old_id
            wait_served(manifest_url, world.manifest_path().read_bytes())
            assert player.poll_once().switched
            assert player.refused is None and player.pairing.key_id == new_id
            assert pairing.load(state).key_id == new_id  # type: ignore[union-attr]
            assert key_id_of(signing_key(library.home).public_key) == new_id
        finally:
            player.close()
        del original
        # Restarted, it trusts the new key and still plays the manifest it signed.
        again = Player(state, clock=ManualClock(T0))
        try:
            assert again.current is not None and again.current.payload["sequence"] == 2
            assert again.pairing.key_id == new_id
        finally:
            again.close()
