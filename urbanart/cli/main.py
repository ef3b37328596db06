"""Entry point of the `urbanart` command and its top-level options.

Each command's module is imported only when that command runs (see lazy_group), so
`urbanart --version` and `urbanart --help` start in a fraction of the engine's import time.
"""

from __future__ import annotations

import click

from urbanart import __version__
from urbanart.cli.context import CliState
from urbanart.cli.lazy_group import LazyCommand, LazyGroup

#: Every top-level command: where it lives and the line `urbanart --help` shows for it (the
#: first sentence of its docstring; tests/cli/test_cli_surface.py keeps the two in step).
COMMANDS = {
    "init": LazyCommand(
        "urbanart.cli.library_cmds:init",
        "Create the library (its catalogue and media store) if it does not exist yet.",
    ),
    "demo": LazyCommand(
        "urbanart.cli.library_cmds:demo",
        "Fill the library with the demo: 24 works by 8 fictional collectives, and screens, "
        "groups, playlists and schedules to go with them (only on a library without any).",
    ),
    "import": LazyCommand(
        "urbanart.cli.library_cmds:import_command",
        "Import image files and folders (a folder of sub-folders: one artist per sub-folder).",
    ),
    "settings": LazyCommand(
        "urbanart.cli.library_cmds:settings",
        "Show or change library settings: the public address (public_base_url), import limits, "
        "rendition background, look-ahead, media grace and how long heartbeats and plays are "
        "kept (in days).",
    ),
    "artists": LazyCommand(
        "urbanart.cli.artists:artists", "The artists whose works are in the library."
    ),
    "calls": LazyCommand(
        "urbanart.cli.calls_cmds:calls",
        "Open calls: artists hand in their works on a page the hub serves; curators review them.",
    ),
    "artworks": LazyCommand("urbanart.cli.artworks:artworks", "The artworks in the library."),
    "screens": LazyCommand(
        "urbanart.cli.screens_cmds:screens",
        "The city screens artworks play on, each in its own time zone.",
    ),
    "groups": LazyCommand(
        "urbanart.cli.groups_cmds:groups",
        "Named sets of screens, so one schedule can reach many.",
    ),
    "playlists": LazyCommand(
        "urbanart.cli.playlists_cmds:playlists",
        "Ordered lists of approved artworks with durations and transitions.",
    ),
    "schedules": LazyCommand(
        "urbanart.cli.schedules_cmds:schedules",
        "When each playlist plays on which screens, by date, weekday, daily window and priority.",
    ),
    "whatson": LazyCommand(
        "urbanart.cli.whatson_cmd:whatson",
        "What SCREEN plays: at one moment (--at), or an agenda in the screen's local time.",
    ),
    "publish": LazyCommand(
        "urbanart.cli.delivery_cmds:publish_command",
        "Publish every screen's signed manifest and media, and push it to changed screens.",
    ),
    "push": LazyCommand(
        "urbanart.cli.delivery_cmds:push_command",
        "Push the current manifest to screens with a push URL, or show the delivery log.",
    ),
    "serve": LazyCommand(
        "urbanart.cli.hub_cmds:serve",
        "Serve the published tree and the screens' API until Ctrl+C, and run timed jobs.",
    ),
    "report": LazyCommand(
        "urbanart.cli.hub_cmds:report", "Reports from what the screens told the hub."
    ),
    "studio": LazyCommand(
        "urbanart.cli.studio_cmd:studio", "Open the desktop studio on this library."
    ),
    "player": LazyCommand(
        "urbanart.cli.player_cmd:player_command",
        "Play a screen's schedule on this machine, and keep playing when the network fails.",
    ),
    "link": LazyCommand(
        "urbanart.cli.viewer_cmds:link",
        "Print the public page URL of an artwork or playlist (id or name), and write its QR code.",
    ),
    "curator": LazyCommand(
        "urbanart.cli.curator_cmds:curator",
        'Show or set your curator name (the audit log and "changed by" messages show it) and '
        "the shared signing key file.",
    ),
    "audit": LazyCommand(
        "urbanart.cli.curator_cmds:audit",
        "Who changed what, when: every curation edit, newest first (all, or one thing's).",
    ),
    "live": LazyCommand(
        "urbanart.cli.live_cmds:live",
        "Live works: an artist's generator sends frames to the hub; screens show the newest.",
    ),
    "key": LazyCommand(
        "urbanart.cli.key_cmds:key",
        "The library's manifest-signing key (screens pin it when they are paired).",
    ),
}


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="URBANART_HOME",
    help="Library folder (default: URBANART_HOME, else your user data folder).",
)
@click.version_option(__version__, prog_name="urbanart")
@click.pass_context
def cli(ctx: click.Context, home: str | None) -> None:
    """Urban Art Studio: collect artworks, curate them for city screens, deliver and share them."""
    state = CliState(home)
    ctx.obj = state
    ctx.call_on_close(state.close)


def main() -> None:
    cli(prog_name="urbanart")


if __name__ == "__main__":
    main()
