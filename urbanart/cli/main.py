"""Entry point of the `urbanart` command and its top-level options."""

from __future__ import annotations

import click

from urbanart import __version__
from urbanart.cli.artists import artists
from urbanart.cli.artworks import artworks
from urbanart.cli.context import CliState
from urbanart.cli.delivery_cmds import publish_command, push_command
from urbanart.cli.groups_cmds import groups
from urbanart.cli.hub_cmds import report, serve, status
from urbanart.cli.key_cmds import key
from urbanart.cli.library_cmds import demo, import_command, init, settings
from urbanart.cli.player_cmd import player_command
from urbanart.cli.playlists_cmds import playlists
from urbanart.cli.schedules_cmds import schedules
from urbanart.cli.screens_cmds import screens
from urbanart.cli.studio_cmd import studio
from urbanart.cli.viewer_cmds import link, sign
from urbanart.cli.whatson_cmd import whatson


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


for command in (
    init,
    demo,
    import_command,
    settings,
    artists,
    artworks,
    screens,
    groups,
    playlists,
    schedules,
    whatson,
    publish_command,
    push_command,
    serve,
    report,
    studio,
    player_command,
    link,
    key,
):
    cli.add_command(command)
screens.add_command(status)  # `urbanart screens status` (hub_cmds), in the curation group
screens.add_command(sign)  # `urbanart screens sign` (viewer_cmds): a printed sign with its QR code


def main() -> None:
    cli(prog_name="urbanart")


if __name__ == "__main__":
    main()
