"""`urbanart player`: pair this machine with a screen and play it (Qt window or headless)."""

from __future__ import annotations

import logging
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

import click

from urbanart.cli.output import curator_errors
from urbanart.player import pairing
from urbanart.player.core import Player

GUI_ENTRY_POINT = "urbanart-player"


def gui_command(state: Path, languages: Sequence[str] = ()) -> list[str]:
    """How to start the Qt player in its own process: the engine never imports ui or Qt.

    The installed `urbanart-player` gui script when there is one (no console window on
    Windows), else `python -m ui.player` from this interpreter. `languages` (the player's
    --language) is passed on as the window's own --language.
    """
    extra = ["--language", ",".join(languages)] if languages else []
    for ep in entry_points(group="gui_scripts"):
        if ep.name == GUI_ENTRY_POINT:
            script = shutil.which(ep.name) or shutil.which(
                ep.name, path=str(Path(sys.executable).parent)
            )
            if script:
                return [script, "--state", str(state), *extra]
    return [sys.executable, "-m", "ui.player", "--state", str(state), *extra]


def _run_headless(player: Player, push_port: int | None, push_secret: str | None) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    listener = None
    if push_port is not None and push_secret:
        from urbanart.player.push_listener import PushListener

        listener = PushListener(player, push_secret, port=push_port)
        click.echo(f"Listening for signed pushes on port {listener.start()}.")
    try:
        player.run(stop)
    except KeyboardInterrupt:
        pass
    finally:
        if listener is not None:
            listener.stop()
        player.close()


@click.command("player")
@click.option("--hub", "hub_url", help="The hub's base URL, e.g. http://hub.example:8470/.")
@click.option("--token", help="The screen's poll token (from `urbanart screens show`).")
@click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the player keeps its pairing, manifests, media and reports.",
)
@click.option("--headless", is_flag=True, help="Run without a window, logging what plays.")
@click.option("--pair-only", is_flag=True, help="Pair (print the key fingerprint) and exit.")
@click.option(
    "--public-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The library's manifest-signing key (PEM) to pin, instead of fetching it.",
)
@click.option("--push-port", type=click.IntRange(1, 65535), help="Accept signed pushes here.")
@click.option(
    "--push-secret-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="File holding the screen's push secret (required with --push-port).",
)
@click.option(
    "--language",
    "language",
    help="The caption's fixed words (the AI disclosure) in these languages, e.g. ja,en "
    "(default: the languages the published screen names, else English; window only).",
)
@curator_errors
def player_command(
    hub_url: str | None,
    token: str | None,
    state_dir: Path | None,
    headless: bool,
    pair_only: bool,
    public_key: Path | None,
    push_port: int | None,
    push_secret_file: Path | None,
    language: str | None,
) -> None:
    """Play a screen's schedule on this machine, and keep playing when the network fails.

    The first run pairs: it stores the hub and token and pins the library's signing key (fetched
    from the hub unless --public-key is given). Later runs need no options; a different key is
    refused.
    """
    from urbanart.library.language_codes import clean_languages

    languages = clean_languages(language)  # a wrong code fails here, before pairing
    state = state_dir or pairing.default_state()
    existing = pairing.load(state)
    if hub_url or token or public_key:
        if existing is None and not (hub_url and token):
            raise click.UsageError("The first run needs both --hub and --token.")
        paired = pairing.pair(
            state,
            hub_url or existing.hub_url,  # type: ignore[union-attr]
            token or existing.token,  # type: ignore[union-attr]
            public_key_pem=public_key.read_bytes() if public_key else None,
        )
        click.echo(f"Paired with {paired.hub_url} (signing key {paired.key_id}).")
        if paired.hub_url.startswith("http://") and existing is None and public_key is None:
            # Trust on first use over plain HTTP: anyone in between could have swapped the key.
            click.echo(
                f"The key was fetched over plain HTTP: check that its fingerprint {paired.key_id} "
                "is the one `urbanart key show` prints in the studio (or pass --public-key)."
            )
    elif existing is None:
        raise click.UsageError("This player is not paired yet; pass --hub and --token.")
    if pair_only:
        return
    if push_port is not None and push_secret_file is None:
        raise click.UsageError("--push-port needs --push-secret-file.")
    secret = push_secret_file.read_text("utf-8").strip() if push_secret_file else None
    if headless:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        _run_headless(Player(state), push_port, secret)
        return
    command = gui_command(state, languages)
    if push_port is not None:
        command += ["--push-port", str(push_port), "--push-secret-file", str(push_secret_file)]
    sys.exit(subprocess.call(command))
