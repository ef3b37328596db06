"""`urbanart playlists`: ordered artworks with durations, transitions and overlays."""

from __future__ import annotations

import click

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, F, curator_errors, fields, print_json, stderr, table
from urbanart.curation import playlist_file
from urbanart.curation import playlists as plays
from urbanart.curation.records import PlaylistRecord


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _duration(total: float) -> str:
    minutes, seconds = divmod(round(total), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _show_playlist(record: PlaylistRecord, as_json: bool) -> None:
    if as_json:
        print_json(record.to_json())
        return
    fields(
        (
            ("id", record.id),
            ("name", record.name),
            ("description", record.description),
            ("items", record.item_count),
            ("total", _duration(record.total_seconds)),
        )
    )
    if record.items:
        table(
            None,
            ("#", "artwork", "title", "artist", "duration", "transition", "overlay"),
            (
                (
                    i.position,
                    i.artwork_id,
                    i.title,
                    i.artist,
                    _seconds(i.duration),
                    i.transition
                    if i.transition == "cut"
                    else f"{i.transition} {_seconds(i.transition_s)}",
                    "yes" if i.overlay else "no",
                )
                for i in record.items
            ),
        )


@click.group()
def playlists() -> None:
    """Ordered lists of approved artworks with durations and transitions."""


@playlists.command("create")
@click.argument("name")
@click.option("--description")
@JSON
@pass_state
@curator_errors
def playlists_create(state: CliState, name: str, description: str | None, as_json: bool) -> None:
    """Create an empty playlist."""
    _show_playlist(plays.create_playlist(state.library(), name, description), as_json)


@playlists.command("list")
@JSON
@pass_state
@curator_errors
def playlists_list(state: CliState, as_json: bool) -> None:
    """List playlists with their length."""
    records = plays.list_playlists(state.library())
    if as_json:
        print_json([r.to_json() for r in records])
        return
    table(
        None,
        ("id", "name", "items", "total"),
        ((r.id, r.name, r.item_count, _duration(r.total_seconds)) for r in records),
    )


@playlists.command("show")
@click.argument("playlist")
@JSON
@pass_state
@curator_errors
def playlists_show(state: CliState, playlist: str, as_json: bool) -> None:
    """Show a playlist and its items, numbered as move and remove-item expect."""
    _show_playlist(plays.get_playlist(state.library(), playlist), as_json)


@playlists.command("edit")
@click.argument("playlist")
@click.option("--name", help="New name.")
@click.option("--description")
@JSON
@pass_state
@curator_errors
def playlists_edit(
    state: CliState, playlist: str, name: str | None, description: str | None, as_json: bool
) -> None:
    """Rename a playlist or change its description."""
    record = plays.edit_playlist(state.library(), playlist, name=name, description=description)
    _show_playlist(record, as_json)


@playlists.command("rename")
@click.argument("playlist")
@click.argument("new_name")
@JSON
@pass_state
@curator_errors
def playlists_rename(state: CliState, playlist: str, new_name: str, as_json: bool) -> None:
    """Rename a playlist; its schedules keep playing it."""
    _show_playlist(plays.rename_playlist(state.library(), playlist, new_name), as_json)


@playlists.command("delete")
@click.argument("playlist")
@click.option("--force", is_flag=True, help="Also remove the schedules that play it.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@JSON
@pass_state
@curator_errors
def playlists_delete(state: CliState, playlist: str, force: bool, yes: bool, as_json: bool) -> None:
    """Delete a playlist (refused while schedules play it, unless --force)."""
    library = state.library()
    record = plays.get_playlist(library, playlist)
    if not yes:
        click.confirm(f"Delete the playlist {record.name!r}?", abort=True)
    removed = plays.delete_playlist(library, record.id, force=force)
    if as_json:
        print_json(removed.to_json())
    else:
        stderr.print(f"Deleted playlist {removed.id} ({removed.name}).")


def _item_options(func: F) -> F:
    for option in reversed(
        (
            click.option("--duration", help="Seconds on screen (more than 0, at most 86400)."),
            click.option(
                "--transition",
                type=click.Choice(["cut", "crossfade"], case_sensitive=False),
                help="How the work replaces the previous one.",
            ),
            click.option(
                "--transition-seconds", "transition_seconds", help="Crossfade length in seconds."
            ),
        )
    ):
        func = option(func)
    return func


@playlists.command("add")
@click.argument("playlist")
@click.argument("artworks", metavar="ARTWORK...", nargs=-1, required=True)
@_item_options
@click.option("--no-overlay", is_flag=True, help="Hide the caption and QR code over these works.")
@click.option("--at", "position", type=int, help="Insert at this position instead of the end.")
@JSON
@pass_state
@curator_errors
def playlists_add(
    state: CliState,
    playlist: str,
    artworks: tuple[str, ...],
    duration: str | None,
    transition: str | None,
    transition_seconds: str | None,
    no_overlay: bool,
    position: int | None,
    as_json: bool,
) -> None:
    """Add approved artworks (ids or titles) to a playlist; all are added or none."""
    record = plays.add_items(
        state.library(),
        playlist,
        artworks,
        duration=duration,
        transition=transition,
        transition_seconds=transition_seconds,
        overlay=not no_overlay,
        position=position,
    )
    _show_playlist(record, as_json)


@playlists.command("move")
@click.argument("playlist")
@click.argument("from_position", metavar="FROM")
@click.argument("to_position", metavar="TO")
@JSON
@pass_state
@curator_errors
def playlists_move(
    state: CliState, playlist: str, from_position: str, to_position: str, as_json: bool
) -> None:
    """Move the item at position FROM to position TO, numbered as `playlists show` shows them."""
    record = plays.move_item(state.library(), playlist, from_position, to_position)
    _show_playlist(record, as_json)


@playlists.command("remove-item")
@click.argument("playlist")
@click.argument("position")
@JSON
@pass_state
@curator_errors
def playlists_remove_item(state: CliState, playlist: str, position: str, as_json: bool) -> None:
    """Remove the item at POSITION; the ones after it move up."""
    _show_playlist(plays.remove_item(state.library(), playlist, position), as_json)


@playlists.command("set-item")
@click.argument("playlist")
@click.argument("position")
@_item_options
@click.option("--overlay/--no-overlay", default=None, help="Show the caption and QR code.")
@JSON
@pass_state
@curator_errors
def playlists_set_item(
    state: CliState,
    playlist: str,
    position: str,
    duration: str | None,
    transition: str | None,
    transition_seconds: str | None,
    overlay: bool | None,
    as_json: bool,
) -> None:
    """Change the duration, transition or overlay of the item at POSITION."""
    record = plays.set_item(
        state.library(),
        playlist,
        position,
        duration=duration,
        transition=transition,
        transition_seconds=transition_seconds,
        overlay=overlay,
    )
    _show_playlist(record, as_json)


@playlists.command("export")
@click.argument("playlist")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (default: stdout)."
)
@click.option("--json", "as_json", is_flag=True, help="With -o: print a JSON summary.")
@pass_state
@curator_errors
def playlists_export(state: CliState, playlist: str, output: str | None, as_json: bool) -> None:
    """Write a playlist as an open urbanart.playlist file (see docs/playlist-format.md)."""
    data = playlist_file.export_playlist(state.library(), playlist)
    if output is None:
        print_json(data)
        return
    path = playlist_file.write_file(output, data)
    if as_json:
        print_json({"file": str(path), "name": data["name"], "items": len(data["items"])})
    else:
        stderr.print(f"Wrote {data['name']!r} ({len(data['items'])} items) to {path}.")


@playlists.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", help="Import under this name instead of the one in the file.")
@JSON
@pass_state
@curator_errors
def playlists_import(state: CliState, file: str, name: str | None, as_json: bool) -> None:
    """Create a playlist from a file; its works must be in the library (by SHA-256) and approved."""
    data = playlist_file.read_file(file)
    _show_playlist(playlist_file.import_playlist(state.library(), data, name=name), as_json)
