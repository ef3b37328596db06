"""A rotated poll token stops at once, in the API and in the served tree, with no publish."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import requests

from tests.delivery.conftest import World
from tests.delivery.hub_fixtures import running_hub
from urbanart.curation import screens
from urbanart.delivery.publisher import publish
from urbanart.delivery.rotation import rotate_poll_token
from urbanart.delivery.signing import signing_key
from urbanart.library.library import Library, current_tree
from urbanart.library.models import Publication, PublishedManifest
from urbanart.protocol.envelope import verify_envelope

BEAT = {
    "playing": None,
    "manifest_version": "v0",
    "player_version": "2.0.0",
    "free_disk_bytes": 1,
    "errors": [],
}


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    """The hub notices a swapped tree within its check interval; give it that, no more."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def publications(library: Library) -> int:
    with library.session() as session:
        return session.query(Publication).count()


def test_rotation_stops_the_old_token_and_serves_the_new_one_without_a_publish(
    library: Library, world: World
) -> None:
    publish(library)
    tokyo = world.screens["Tokyo"]
    old = screens.get_screen(library, tokyo).poll_token
    old_manifest = (current_tree(library) / "screens" / old / "manifest.json").read_bytes()
    before = publications(library)
    with running_hub(library, check_interval=0.05) as hub:
        base = hub.url

        def beat(token: str) -> int:
            url = f"{base}api/v1/screens/{token}/heartbeat"
            return requests.post(url, json=BEAT, timeout=10).status_code

        def manifest(token: str) -> requests.Response:
            return requests.get(f"{base}screens/{token}/manifest.json", timeout=10)

        assert beat(old) == 200 and manifest(old).status_code == 200

        new = rotate_poll_token(library, tokyo).poll_token

        assert new != old
        assert beat(old) == 404  # the very next report is refused, before any cache reload
        assert not (current_tree(library) / "screens" / old).exists()
        assert eventually(lambda: manifest(old).status_code == 404)
        assert eventually(lambda: manifest(new).status_code == 200)
        assert eventually(lambda: beat(new) == 200)
        served = manifest(new).content
    assert publications(library) == before  # no publication was made
    payload = verify_envelope(served, signing_key(library.home).public_pem)
    assert payload["hub"]["heartbeat"] == f"/api/v1/screens/{new}/heartbeat"
    assert old not in served.decode()
    old_payload = json.loads(json.loads(old_manifest)["payload"])
    assert payload["playlists"] == old_payload["playlists"]  # the same programme, re-keyed
    with library.session() as session:
        assert session.get(PublishedManifest, tokyo).version == payload["manifest_version"]
    other = screens.get_screen(library, world.screens["Berlin"]).poll_token
    assert (current_tree(library) / "screens" / other / "manifest.json").is_file()


def test_the_next_publish_after_a_rotation_keeps_the_new_token(
    library: Library, world: World
) -> None:
    publish(library)
    new = rotate_poll_token(library, world.screens["Quito"]).poll_token
    publish(library)
    tree = current_tree(library)
    assert (tree / "screens" / new / "manifest.json").is_file()
    assert len(list((tree / "screens").iterdir())) == 3


def test_rotating_an_unpublished_screen_changes_only_the_token(
    library: Library, world: World
) -> None:
    old = screens.get_screen(library, world.screens["Berlin"]).poll_token
    new = rotate_poll_token(library, "Berlin Kiosk").poll_token
    assert new != old and screens.get_screen(library, world.screens["Berlin"]).poll_token == new


def test_cli_new_poll_token_rekeys_the_served_tree(library: Library, world: World, run_cli) -> None:
    publish(library)
    old = screens.get_screen(library, world.screens["Tokyo"]).poll_token
    result = run_cli("screens", "edit", "Tokyo Tower", "--new-poll-token", "--json")
    assert result.exit_code == 0, result.stderr
    new = result.json()["poll_token"]
    tree = current_tree(library)
    assert not (tree / "screens" / old).exists()
    assert (tree / "screens" / new / "manifest.json").is_file()
