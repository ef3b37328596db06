"""Pairing addresses: the same joins the player uses, from the hub or the library setting."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from urbanart.delivery import addresses
from urbanart.errors import InvalidValue
from urbanart.library.library import Library
from urbanart.library.settings import update_settings
from urbanart.player.pairing import Pairing, normalise_hub

TOKEN = "AbC-12_xyz"


@pytest.mark.parametrize(
    "base",
    ["http://127.0.0.1:8470", "http://127.0.0.1:8470/", "https://art.example.org/city/"],
)
@pytest.mark.no_database
def test_poll_url_is_what_a_paired_player_fetches(base: str) -> None:
    paired = Pairing(normalise_hub(base), TOKEN, b"")
    assert addresses.manifest_url(base, TOKEN) == paired.manifest_url
    assert addresses.manifest_url(base, TOKEN).endswith(f"/screens/{TOKEN}/manifest.json")


@pytest.mark.no_database
def test_player_url_keeps_a_path_prefix_and_carries_the_token() -> None:
    url = addresses.player_url("https://art.example.org/city", TOKEN)
    assert url == f"https://art.example.org/city/player/index.html?token={TOKEN}"


@pytest.mark.no_database
def test_player_command_pairs_the_native_player() -> None:
    command = addresses.player_command("http://127.0.0.1:8470", TOKEN)
    assert command == f"urbanart player --hub http://127.0.0.1:8470/ --token {TOKEN}"


@pytest.mark.no_database
def test_a_base_without_a_scheme_is_refused() -> None:
    with pytest.raises(InvalidValue, match="http"):
        addresses.manifest_url("hub.example:8470", TOKEN)


def test_hub_address_wins_over_the_setting(library: Library) -> None:
    update_settings(library, public_base_url="https://screens.example.org/")
    from_hub = addresses.screen_addresses(library, TOKEN, "http://127.0.0.1:8471", with_qr=False)
    assert from_hub.source == addresses.HUB
    assert from_hub.poll_url == f"http://127.0.0.1:8471/screens/{TOKEN}/manifest.json"
    assert from_hub.qr_png == b""
    from_setting = addresses.screen_addresses(library, TOKEN, None, with_qr=False)
    assert from_setting.source == addresses.SETTING
    assert from_setting.player_url.startswith("https://screens.example.org/player/index.html?")
    assert TOKEN not in repr(from_setting)  # the token names the manifest: keep it out of logs


def test_qr_code_is_a_square_png(library: Library) -> None:
    found = addresses.screen_addresses(library, TOKEN, "http://127.0.0.1:8470")
    image = Image.open(io.BytesIO(found.qr_png))
    assert image.format == "PNG"
    assert image.width == image.height > 100


def test_pairing_addresses_say_when_a_tablet_cannot_open_them(library: Library) -> None:
    on_loopback_hub = addresses.screen_addresses(
        library, TOKEN, "http://127.0.0.1:8470", with_qr=False
    )
    assert (
        on_loopback_hub.warning is not None
        and "urbanart serve --host 0.0.0.0" in on_loopback_hub.warning
    )
    on_shared_hub = addresses.screen_addresses(
        library, TOKEN, "http://192.168.1.20:8470", with_qr=False
    )
    assert on_shared_hub.warning is None
    default_setting = addresses.screen_addresses(library, TOKEN, None, with_qr=False)
    assert default_setting.warning is not None and "public_base_url" in default_setting.warning
    update_settings(library, public_base_url="https://screens.example.org/")
    assert addresses.screen_addresses(library, TOKEN, None, with_qr=False).warning is None
