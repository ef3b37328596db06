"""The public-address warning: loopback addresses cannot be opened by phones and screens."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from urbanart.cli.main import cli
from urbanart.library.library import Library
from urbanart.library.public_address import (
    SET_ADDRESS_COMMAND,
    SHARE_HUB_COMMAND,
    hub_only_here_warning,
    is_loopback_url,
    public_address_warning,
)
from urbanart.library.settings import LibrarySettings, load_settings


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8470",
        "http://LOCALHOST.:8470/",
        "http://studio.localhost/",
        "http://127.0.0.1:8470",
        "http://127.0.0.5/",
        "http://[::1]:8470/",
    ],
)
@pytest.mark.no_database
def test_loopback_addresses_get_the_warning_with_the_fix(url: str) -> None:
    warning = public_address_warning(LibrarySettings(public_base_url=url))
    assert warning is not None
    assert url in warning
    assert "phones and screens elsewhere cannot open" in warning
    assert f"`{SET_ADDRESS_COMMAND}`" in warning
    assert "Preferences" in warning


@pytest.mark.parametrize(
    "url",
    [
        "https://art.example.org",
        "http://192.168.1.20:8470/",
        "http://[2001:db8::1]/",
        "http://localhost-art.example.org/",
        "http://127.0.0.1.example.org/",
    ],
)
@pytest.mark.no_database
def test_addresses_others_can_reach_get_no_warning(url: str) -> None:
    assert not is_loopback_url(url)
    assert public_address_warning(LibrarySettings(public_base_url=url)) is None


@pytest.mark.no_database
def test_the_hub_warning_names_the_hub_address_and_how_to_share_it() -> None:
    warning = hub_only_here_warning("http://127.0.0.1:8470/")
    assert warning is not None and "127.0.0.1:8470" in warning
    assert f"`{SHARE_HUB_COMMAND}`" in warning
    assert hub_only_here_warning("http://192.168.1.20:8470/") is None


def test_the_quoted_command_really_sets_the_address(library: Library) -> None:
    """The fix the warning quotes, run as typed, succeeds and silences the warning."""
    assert public_address_warning(load_settings(library)) is not None
    args = SET_ADDRESS_COMMAND.split()
    assert args[0] == "urbanart"
    result = CliRunner().invoke(cli, ["--home", str(library.home), *args[1:]])
    assert result.exit_code == 0, result.output
    assert load_settings(library).public_base_url == "https://art.example.org"
    assert public_address_warning(load_settings(library)) is None


def test_the_quoted_serve_command_parses(library: Library) -> None:
    """`urbanart serve --host 0.0.0.0` is a valid command line (checked without serving)."""
    name, *args = SHARE_HUB_COMMAND.split()[1:]
    parent = cli.make_context("urbanart", ["--home", str(library.home), name])
    command = cli.get_command(parent, name)
    assert command is not None
    host = args[-1]
    with command.make_context(name, list(args), parent=parent) as context:
        assert context.params["host"] == host
