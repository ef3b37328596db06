"""The Qt player's caption in the screen's languages: --language if given, else the languages
the screen's manifest names (read again when the player takes a new manifest), else English;
and `urbanart player --language` passes them to the window."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

pytest.importorskip("PySide6")

from tests.player import DemoScreen, build_demo_screen, wait_served
from ui.player.__main__ import languages_of, parser
from ui.player.window import PlayerWindow
from urbanart.cli.main import cli
from urbanart.cli.player_cmd import gui_command
from urbanart.curation import screens
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.i18n import gettext
from urbanart.library.library import Library
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player

T0 = datetime(2025, 6, 10, 12, 0, 3, tzinfo=UTC)  # the Day playlist, captions on


@pytest.fixture
def served(
    library: Library, tmp_path: Path
) -> Iterator[tuple[Player, ManualClock, DemoScreen, str]]:
    """A paired player holding the screen's first (English-only) manifest; the hub stays up."""
    world = build_demo_screen(library, now=T0)
    with HubThread(library) as hub:
        pairing.pair(tmp_path / "player", hub.url, world.token)
        clock = ManualClock(T0)
        player = Player(tmp_path / "player", clock=clock)
        assert player.poll_once().switched
        try:
            yield player, clock, world, hub.url
        finally:
            player.close()


def _republish(world: DemoScreen, hub_url: str, player: Player, language: str) -> None:
    """The screen's languages changed, published, served and taken by the player."""
    screens.edit_screen(world.library, world.screen_id, language=language)
    publish(world.library, now=T0)
    wait_served(f"{hub_url}screens/{world.token}/manifest.json", world.manifest_path().read_bytes())
    player.next_poll_at = T0  # due now
    assert player.poll_once().switched


def _caption(window: PlayerWindow) -> str:
    """The caption's text as shown (its markup's escapes undone)."""
    return html.unescape(window.overlay.caption.text())


def _window(qtbot: Any, player: Player, clock: ManualClock, **options: Any) -> PlayerWindow:
    window = PlayerWindow(player, clock=clock, network=False, tick_ms=60_000, **options)
    qtbot.addWidget(window)
    window.resize(640, 360)
    window.show()
    qtbot.waitExposed(window)
    window.refresh()
    return window


def test_the_caption_follows_the_languages_of_each_manifest_taken(qtbot: Any, served: Any) -> None:
    player, clock, world, hub_url = served
    window = _window(qtbot, player, clock)
    item = window.shown_item
    assert item is not None and item["ai_involvement"] != "undisclosed" and item["overlay"]
    english = item["ai_disclosure"]
    assert "languages" not in world.payload()["screen"]
    assert english in _caption(window)  # an English-only screen: English

    _republish(world, hub_url, player, "ja,en")
    assert world.payload()["screen"]["languages"] == ["ja", "en"]
    window.refresh()  # the same work goes on: only its caption's language changes
    assert window.shown_item is not None and window.shown_item["item_id"] == item["item_id"]
    japanese = gettext("ja", english)
    assert japanese != english
    assert japanese in _caption(window)
    assert english not in _caption(window)

    _republish(world, hub_url, player, "de")
    window.refresh()
    assert gettext("de", english) in _caption(window) != japanese


def test_languages_given_to_the_player_win_over_the_manifests(qtbot: Any, served: Any) -> None:
    player, clock, world, hub_url = served
    _republish(world, hub_url, player, "ja,en")
    window = _window(qtbot, player, clock, languages=["pt"])
    item = window.shown_item
    assert item is not None
    english = item["ai_disclosure"]
    assert gettext("pt", english) in _caption(window)
    assert gettext("ja", english) not in _caption(window)


def test_urbanart_player_passes_its_language_to_the_window(tmp_path: Path) -> None:
    command = gui_command(tmp_path / "state", ("ja", "en"))
    args = parser().parse_args(command[command.index("--state") :])
    assert languages_of(args) == ["ja", "en"]
    assert args.state == tmp_path / "state"
    plain = gui_command(tmp_path / "state")
    assert "--language" not in plain
    assert languages_of(parser().parse_args(plain[plain.index("--state") :])) == []


def test_urbanart_player_refuses_a_wrong_language_before_pairing(tmp_path: Path) -> None:
    state = tmp_path / "state"
    result = CliRunner().invoke(
        cli,
        ["player", "--hub", "http://127.0.0.1:9/", "--token", "x" * 20, "--state", str(state),
         "--language", "ja,12"],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "12" in result.output and "language" in result.output
    assert not state.exists() or not any(state.iterdir())  # nothing paired
