"""`urbanart playlists`: ordered artworks with durations, transitions and overlays."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, F, curator_errors, fields, print_json, stderr, table
from urbanart.curation import playlist_file
from urbanart.curation import playlists as plays
from urbanart.curation.records import PlaylistRecord
from urbanart.library.library import Library


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _duration(total: float) -> str:
    minutes, seconds = divmod(round(total), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _looped(loops: int | None) -> str:
    if loops is None:
        return ""
    return " (plays once)" if loops == 1 else f" ({loops} loops)"


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
                    _seconds(i.duration) + _looped(i.loops),
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


def _shows_playlist(
    name: str, *params: Callable[[F], F]
) -> Callable[[Callable[..., PlaylistRecord]], click.Command]:
    """Register `urbanart playlists NAME PLAYLIST …` for an engine call that returns the playlist.

    Every such command takes the playlist (id or name) first, then its own params, then
    --json, and shows the playlist as it is afterwards; written once here, not per command.
    """

    def register(action: Callable[..., PlaylistRecord]) -> click.Command:
        @functools.wraps(action)
        def command(state: CliState, /, as_json: bool, **values: Any) -> None:
            _show_playlist(action(state.library(), **values), as_json)

        callback: Callable[..., Any] = pass_state(curator_errors(command))
        decorators: tuple[Callable[[Any], Any], ...] = (click.argument("playlist"), *params, JSON)
        for decorate in reversed(decorators):
            callback = decorate(callback)
        return playlists.command(name)(callback)

    return register


_DESCRIPTION = click.option("--description", help="A line or two saying what the playlist is for.")


@playlists.command("create")
@click.argument("name")
@_DESCRIPTION
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


@_shows_playlist("show")
def playlists_show(library: Library, playlist: str) -> PlaylistRecord:
    """Show a playlist and its items, numbered as move and remove-item expect."""
    return plays.get_playlist(library, playlist)


@_shows_playlist("edit", click.option("--name", help="New name."), _DESCRIPTION)
def playlists_edit(
    library: Library, playlist: str, name: str | None, description: str | None
) -> PlaylistRecord:
    """Rename a playlist or change its description."""
    return plays.edit_playlist(library, playlist, name=name, description=description)


@_shows_playlist("rename", click.argument("new_name"))
def playlists_rename(library: Library, playlist: str, new_name: str) -> PlaylistRecord:
    """Rename a playlist; its schedules keep playing it."""
    return plays.rename_playlist(library, playlist, new_name)


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


#: What an item's look takes, for `add` (its default) and `set-item` (a change); the engine
#: checks the bounds that depend on each other (a crossfade shorter than the item).
_ITEM_OPTIONS = (
    click.option(
        "--duration",
        type=click.FloatRange(0, plays.MAX_DURATION, min_open=True),
        help="Seconds on screen (more than 0, at most 86400); a video is cut at this time.",
    ),
    click.option(
        "--loops",
        type=click.IntRange(1, plays.MAX_LOOPS),
        help="A video only: play it this many times (its length × N on screen).",
    ),
    click.option(
        "--play-once",
        "play_once",
        is_flag=True,
        help="A video only: on screen for exactly its own length (the default when added).",
    ),
    click.option(
        "--transition",
        type=click.Choice(["cut", "crossfade"], case_sensitive=False),
        help="How the work replaces the previous one.",
    ),
    click.option(
        "--transition-seconds",
        "transition_seconds",
        type=click.FLOAT,
        help="Crossfade length in seconds (less than the item's duration).",
    ),
)


@_shows_playlist(
    "add",
    click.argument("artworks", metavar="ARTWORK...", nargs=-1, required=True),
    *_ITEM_OPTIONS,
    click.option(
        "--no-overlay", is_flag=True, help="Hide the caption and QR code over these works."
    ),
    click.option(
        "--at",
        "position",
        type=click.INT,
        help="Insert at this position instead of the end.",
    ),
)
def playlists_add(
    library: Library,
    playlist: str,
    artworks: tuple[str, ...],
    no_overlay: bool,
    position: int | None,
    **look: Any,
) -> PlaylistRecord:
    """Add approved artworks (ids or titles) to a playlist; all are added or none."""
    return plays.add_items(
        library, playlist, artworks, overlay=not no_overlay, position=position, **look
    )


@_shows_playlist(
    "move",
    click.argument("from_position", metavar="FROM"),
    click.argument("to_position", metavar="TO"),
)
def playlists_move(
    library: Library, playlist: str, from_position: str, to_position: str
) -> PlaylistRecord:
    """Move the item at position FROM to position TO, numbered as `playlists show` shows them."""
    return plays.move_item(library, playlist, from_position, to_position)


@_shows_playlist("remove-item", click.argument("position"))
def playlists_remove_item(library: Library, playlist: str, position: str) -> PlaylistRecord:
    """Remove the item at POSITION; the ones after it move up."""
    return plays.remove_item(library, playlist, position)


@_shows_playlist(
    "set-item",
    click.argument("position"),
    *_ITEM_OPTIONS,
    click.option("--overlay/--no-overlay", default=None, help="Show the caption and QR code."),
)
def playlists_set_item(
    library: Library, playlist: str, position: str, overlay: bool | None, **look: Any
) -> PlaylistRecord:
    """Change the duration (a video's loops), transition or overlay of the item at POSITION."""
    return plays.set_item(library, playlist, position, overlay=overlay, **look)


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
