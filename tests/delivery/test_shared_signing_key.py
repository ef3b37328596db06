"""One signing key per exhibition: curators on one catalogue share a key file, and a studio
configured with another key is refused before it publishes anything screens would refuse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.delivery.conftest import World
from urbanart.delivery.publisher import publish
from urbanart.delivery.signing import KeyNotPinned, pinned_key_id, rotate_key, signing_key
from urbanart.library.library import Library, current_tree
from urbanart.player.manifest_client import verify_manifest
from urbanart.protocol.tree_layout import PUBLIC_KEY_PATH, manifest_path

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def second(world: World, tmp_path: Path) -> Iterator[Library]:
    """A second curator's library folder on the first one's catalogue (its own published tree)."""
    url = world.library.engine.url.render_as_string(hide_password=False)  # SQLite or PostgreSQL
    library = Library.open(tmp_path / "second-curator", database_url=url)
    yield library
    library.close()


def _token(world: World) -> str:
    from urbanart.curation.screens import get_screen

    return get_screen(world.library, next(iter(world.screens.values()))).poll_token


def test_two_libraries_sharing_the_key_file_both_publish_for_the_same_screens(
    world: World, second: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "exhibition" / "manifest-signing.pem"
    monkeypatch.setenv("URBANART_SIGNING_KEY_FILE", str(shared))
    publish(world.library, now=NOW)
    assert shared.is_file() and not (world.library.home / "keys").exists()
    paired_with = (current_tree(world.library) / PUBLIC_KEY_PATH).read_bytes()  # as a screen pins

    publish(second, now=NOW)
    token = _token(world)
    envelope = (current_tree(second) / manifest_path(token)).read_bytes()
    payload = verify_manifest(envelope, paired_with)
    assert payload["screen"]["id"] == next(iter(world.screens.values()))
    assert pinned_key_id(second) == signing_key(second.home).key_id


def test_publishing_with_another_key_than_the_screens_pinned_is_refused_naming_both(
    world: World, second: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("URBANART_SIGNING_KEY_FILE", str(tmp_path / "shared.pem"))
    publish(world.library, now=NOW)
    expected = signing_key(world.library.home).key_id

    other = tmp_path / "laptop" / "my-own.pem"
    monkeypatch.setenv("URBANART_SIGNING_KEY_FILE", str(other))
    with pytest.raises(KeyNotPinned) as refused:
        publish(second, now=NOW)
    message = str(refused.value)
    assert expected in message and str(other) in message
    assert refused.value.found == signing_key(second.home).key_id != expected
    assert not current_tree(second).exists()  # nothing published
    assert pinned_key_id(world.library) == expected  # and the pin did not move

    monkeypatch.delenv("URBANART_SIGNING_KEY_FILE")  # the library's own key: refused too
    with pytest.raises(KeyNotPinned, match=expected):
        publish(world.library, now=NOW)


def test_a_rotated_shared_key_passes_while_announced_and_becomes_the_pinned_one(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("URBANART_SIGNING_KEY_FILE", str(tmp_path / "shared" / "key.pem"))
    publish(world.library, now=NOW)
    old, new = rotate_key(world.library.home, now=NOW)
    assert (tmp_path / "shared" / "retired" / f"{old.key_id}.pem").is_file()
    publish(world.library, now=NOW)
    assert pinned_key_id(world.library) == new.key_id


def test_key_show_says_where_the_key_is_and_which_one_screens_expect(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:
    publish(world.library, now=NOW)
    pinned = signing_key(world.library.home).key_id
    other = tmp_path / "other.pem"
    monkeypatch.setenv("URBANART_SIGNING_KEY_FILE", str(other))
    shown = run_cli("key", "show", "--json").json()
    assert shown["path"] == str(other) and shown["pinned_key_id"] == pinned != shown["key_id"]
    assert f"Screens expect key {pinned}" in run_cli("key", "show").stdout
    refused = run_cli("publish")
    assert refused.exit_code == 1
    assert pinned in refused.stderr and "other.pem" in refused.stderr
