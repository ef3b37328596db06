"""`urbanart screens|groups|playlists|schedules|whatson`: curating what plays on which screen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import curator_errors, fields, print_json, stderr, table
from urbanart.curation import agenda as agendas
from urbanart.curation import playlist_file
from urbanart.curation import playlists as plays
from urbanart.curation import schedules as scheds
from urbanart.curation import screens as scr
from urbanart.curation.records import (
    GroupRecord,
    PlaylistRecord,
    ScheduleRecord,
    ScreenRecord,
)
from urbanart.library.library import Library

JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _duration(total: float) -> str:
    minutes, seconds = divmod(round(total), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


# Screens ---------------------------------------------------------------------------------------


def _screen_options(func):  # type: ignore[no-untyped-def]
    for option in reversed(
        (
            click.option("--city"),
            click.option("--address"),
            click.option("--lat", help="Latitude in degrees (-90…90)."),
            click.option("--lon", help="Longitude in degrees (-180…180)."),
            click.option(
                "--poll-interval",
                "poll_interval",
                help="Seconds between the screen's manifest polls (5…3600, default 60).",
            ),
            click.option(
                "--push-url",
                "push_url",
                help="http(s) URL the studio pushes updates to; a signing secret is generated.",
            ),
            click.option(
                "--push-secret", "push_secret", help="Use this HMAC secret instead of a new one."
            ),
            click.option(
                "--default-playlist",
                "default_playlist",
                help="Playlist (id or name) played when no schedule applies.",
            ),
            click.option("--notes"),
        )
    ):
        func = option(func)
    return func


def _show_screen(record: ScreenRecord, as_json: bool) -> None:
    if as_json:
        print_json(record.to_json())
        return
    data = record.to_json()
    data["groups"] = ", ".join(record.groups)
    data["size"] = f"{record.width}×{record.height} ({record.orientation})"
    data["poll_interval"] = f"{record.poll_interval} s"
    for key in ("width", "height", "orientation", "default_playlist_id"):
        data.pop(key)
    fields(data.items())


@click.group()
def screens() -> None:
    """The city screens artworks play on, each in its own time zone."""


@screens.command()
@click.argument("name")
@click.option("--tz", required=True, help="IANA time zone, such as Europe/Berlin or Asia/Tokyo.")
@click.option("--size", required=True, help="Pixels as WIDTHxHEIGHT, such as 1920x1080.")
@_screen_options
@JSON
@pass_state
@curator_errors
def add(state: CliState, name: str, tz: str, size: str, as_json: bool, **extra: Any) -> None:
    """Register a screen. It gets a poll token: the secret address of its manifest."""
    _show_screen(scr.add_screen(state.library(), name, tz=tz, size=size, **extra), as_json)


@screens.command("list")
@click.option("--group", help="Only screens in this group (id or name).")
@JSON
@pass_state
@curator_errors
def screens_list(state: CliState, group: str | None, as_json: bool) -> None:
    """List screens with their zone, size and default playlist."""
    records = scr.list_screens(state.library(), group=group)
    if as_json:
        print_json([r.to_json() for r in records])
        return
    table(
        None,
        ("id", "name", "city", "time zone", "size", "default playlist", "groups"),
        (
            (
                r.id,
                r.name,
                r.city,
                r.timezone,
                f"{r.width}×{r.height}",
                r.default_playlist_name,
                ", ".join(r.groups),
            )
            for r in records
        ),
    )


@screens.command("show")
@click.argument("screen")
@JSON
@pass_state
@curator_errors
def screens_show(state: CliState, screen: str, as_json: bool) -> None:
    """Show one screen (by id or name), including its poll token."""
    _show_screen(scr.get_screen(state.library(), screen), as_json)


@screens.command("edit")
@click.argument("screen")
@click.option("--name", help="New name.")
@click.option("--tz", help="IANA time zone.")
@click.option("--size", help="WIDTHxHEIGHT in pixels.")
@_screen_options
@click.option(
    "--new-poll-token",
    is_flag=True,
    help="Issue a new poll token (the old manifest address stops working).",
)
@JSON
@pass_state
@curator_errors
def screens_edit(
    state: CliState, screen: str, new_poll_token: bool, as_json: bool, **changes: Any
) -> None:
    """Change a screen. An empty --push-url "" or --default-playlist "" clears it."""
    record = scr.edit_screen(state.library(), screen, new_poll_token=new_poll_token, **changes)
    _show_screen(record, as_json)


@screens.command("remove")
@click.argument("screen")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@JSON
@pass_state
@curator_errors
def screens_remove(state: CliState, screen: str, yes: bool, as_json: bool) -> None:
    """Remove a screen; its group memberships and schedule targets go with it."""
    library = state.library()
    record = scr.get_screen(library, screen)
    if not yes:
        click.confirm(f"Remove the screen {record.name!r}?", abort=True)
    before = {s.id for s in scheds.without_targets(library)}
    removed = scr.remove_screen(library, record.id)
    if as_json:
        print_json(removed.to_json())
    else:
        stderr.print(f"Removed screen {removed.id} ({removed.name}).")
    _warn_untargeted(library, before)


# Groups ----------------------------------------------------------------------------------------


def _show_group(record: GroupRecord, as_json: bool) -> None:
    if as_json:
        print_json(record.to_json())
        return
    data = record.to_json()
    data["screens"] = ", ".join(record.screens)
    data.pop("screen_ids")
    fields(data.items())


@click.group()
def groups() -> None:
    """Named sets of screens, so one schedule can reach many."""


@groups.command("create")
@click.argument("name")
@click.option("--screen", "screen_refs", multiple=True, help="A member screen (repeatable).")
@click.option("--description")
@JSON
@pass_state
@curator_errors
def groups_create(
    state: CliState,
    name: str,
    screen_refs: tuple[str, ...],
    description: str | None,
    as_json: bool,
) -> None:
    """Create a group, optionally with its first screens."""
    record = scr.create_group(state.library(), name, screen_refs, description)
    _show_group(record, as_json)


@groups.command("list")
@JSON
@pass_state
@curator_errors
def groups_list(state: CliState, as_json: bool) -> None:
    """List groups and their screens."""
    records = scr.list_groups(state.library())
    if as_json:
        print_json([r.to_json() for r in records])
        return
    table(
        None,
        ("id", "name", "screens", "members"),
        ((r.id, r.name, len(r.screens), ", ".join(r.screens)) for r in records),
    )


@groups.command("show")
@click.argument("group")
@JSON
@pass_state
@curator_errors
def groups_show(state: CliState, group: str, as_json: bool) -> None:
    """Show one group (by id or name)."""
    _show_group(scr.get_group(state.library(), group), as_json)


@groups.command("add")
@click.argument("group")
@click.argument("screen_refs", metavar="SCREEN...", nargs=-1, required=True)
@JSON
@pass_state
@curator_errors
def groups_add(state: CliState, group: str, screen_refs: tuple[str, ...], as_json: bool) -> None:
    """Add screens to a group."""
    _show_group(scr.add_to_group(state.library(), group, screen_refs), as_json)


@groups.command("remove")
@click.argument("group")
@click.argument("screen_refs", metavar="SCREEN...", nargs=-1, required=True)
@JSON
@pass_state
@curator_errors
def groups_remove(state: CliState, group: str, screen_refs: tuple[str, ...], as_json: bool) -> None:
    """Take screens out of a group (the screens themselves stay)."""
    _show_group(scr.remove_from_group(state.library(), group, screen_refs), as_json)


@groups.command("delete")
@click.argument("group")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@JSON
@pass_state
@curator_errors
def groups_delete(state: CliState, group: str, yes: bool, as_json: bool) -> None:
    """Delete a group; its screens stay, schedules stop reaching them through it."""
    library = state.library()
    record = scr.get_group(library, group)
    if not yes:
        click.confirm(f"Delete the group {record.name!r}?", abort=True)
    before = {s.id for s in scheds.without_targets(library)}
    removed = scr.delete_group(library, record.id)
    if as_json:
        print_json(removed.to_json())
    else:
        stderr.print(f"Deleted group {removed.id} ({removed.name}).")
    _warn_untargeted(library, before)


def _warn_untargeted(library: Library, before: set[int]) -> None:
    """Name the schedules this removal left reaching no screen (they are kept, but idle)."""
    for schedule in scheds.without_targets(library):
        if schedule.id not in before:
            stderr.print(
                f"[yellow]Schedule {schedule.id} ({schedule.name or schedule.playlist_name}) now "
                "reaches no screen; give it one with `urbanart schedules edit "
                f"{schedule.id} --screen …` or remove it.[/yellow]"
            )


# Playlists -------------------------------------------------------------------------------------


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


def _item_options(func):  # type: ignore[no-untyped-def]
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


# Schedules -------------------------------------------------------------------------------------


def _show_schedule(record: ScheduleRecord, as_json: bool) -> None:
    if as_json:
        print_json(record.to_json())
        return
    data = record.to_json()
    data["screens"] = ", ".join(record.screens)
    data["groups"] = ", ".join(record.groups)
    data["window"] = record.window or "all day"
    data.pop("weekdays")
    if not record.shared_instant:
        data.pop("reference_tz")
    fields(data.items())


def _when_options(func):  # type: ignore[no-untyped-def]
    for option in reversed(
        (
            click.option("--from", "start_date", help="First day, ISO date (2026-06-01)."),
            click.option("--to", "end_date", help="Last day, inclusive, ISO date."),
            click.option("--days", help="mon,tue,… or mon-fri, weekdays, weekend, all."),
            click.option(
                "--window",
                help="Daily HH:MM-HH:MM on the screen's clock; 22:00-02:00 runs past midnight "
                "and belongs to the day it starts.",
            ),
            click.option("--priority", help="Higher wins; ties go to the newest schedule."),
            click.option(
                "--reference-tz",
                "reference_tz",
                help="With --shared-instant: the zone the dates and window are read in "
                "(default UTC).",
            ),
            click.option("--name", help="A name to recognise the schedule by."),
        )
    ):
        func = option(func)
    return func


@click.group()
def schedules() -> None:
    """When each playlist plays on which screens, by date, weekday, daily window and priority."""


@schedules.command("add")
@click.argument("playlist")
@click.option("--screen", "screen_refs", multiple=True, help="A target screen (repeatable).")
@click.option("--group", "group_refs", multiple=True, help="A target group (repeatable).")
@_when_options
@click.option(
    "--shared-instant",
    is_flag=True,
    help="Switch every screen at the same real instant (read in --reference-tz) instead of "
    "at each screen's local time.",
)
@click.option("--disable", is_flag=True, help="Create it switched off.")
@JSON
@pass_state
@curator_errors
def schedules_add(
    state: CliState,
    playlist: str,
    screen_refs: tuple[str, ...],
    group_refs: tuple[str, ...],
    shared_instant: bool,
    disable: bool,
    as_json: bool,
    priority: str | None,
    **when: Any,
) -> None:
    """Schedule PLAYLIST on screens and/or groups (at least one --screen or --group)."""
    record = scheds.add_schedule(
        state.library(),
        playlist,
        screens=screen_refs,
        groups=group_refs,
        shared_instant=shared_instant,
        enabled=not disable,
        priority=0 if priority is None else priority,
        **when,
    )
    _show_schedule(record, as_json)


@schedules.command("list")
@click.option("--screen", help="Only schedules reaching this screen (directly or via a group).")
@click.option("--group", help="Only schedules targeting this group.")
@click.option("--playlist", help="Only schedules playing this playlist.")
@JSON
@pass_state
@curator_errors
def schedules_list(
    state: CliState,
    screen: str | None,
    group: str | None,
    playlist: str | None,
    as_json: bool,
) -> None:
    """List schedules, strongest first."""
    records = scheds.list_schedules(state.library(), screen=screen, group=group, playlist=playlist)
    if as_json:
        print_json([r.to_json() for r in records])
        return
    table(
        None,
        ("id", "name", "playlist", "prio", "dates", "days", "window", "targets", "on"),
        (
            (
                r.id,
                r.name,
                r.playlist_name,
                r.priority,
                f"{r.start_date or '…'} → {r.end_date or '…'}",
                r.days,
                (r.window or "all day") + (f" ({r.reference_tz})" if r.shared_instant else ""),
                ", ".join([*r.screens, *(f"group {g}" for g in r.groups)]),
                "yes" if r.enabled else "no",
            )
            for r in records
        ),
    )


@schedules.command("show")
@click.argument("schedule")
@JSON
@pass_state
@curator_errors
def schedules_show(state: CliState, schedule: str, as_json: bool) -> None:
    """Show one schedule (by id or name)."""
    _show_schedule(scheds.get_schedule(state.library(), schedule), as_json)


@schedules.command("edit")
@click.argument("schedule")
@click.option("--playlist", help="Play another playlist.")
@click.option("--screen", "screen_refs", multiple=True, help="Replace the target screens.")
@click.option("--group", "group_refs", multiple=True, help="Replace the target groups.")
@click.option("--clear-screens", is_flag=True, help="Remove every target screen.")
@click.option("--clear-groups", is_flag=True, help="Remove every target group.")
@_when_options
@click.option(
    "--shared-instant/--local-time",
    "shared_instant",
    default=None,
    help="Same real instant everywhere, or each screen's own clock.",
)
@click.option("--enable/--disable", "enabled", default=None, help="Switch the schedule on or off.")
@JSON
@pass_state
@curator_errors
def schedules_edit(
    state: CliState,
    schedule: str,
    playlist: str | None,
    screen_refs: tuple[str, ...],
    group_refs: tuple[str, ...],
    clear_screens: bool,
    clear_groups: bool,
    shared_instant: bool | None,
    enabled: bool | None,
    as_json: bool,
    **when: Any,
) -> None:
    """Change a schedule. --from "" / --to "" open the dates; --window "" means all day."""
    record = scheds.edit_schedule(
        state.library(),
        schedule,
        playlist=playlist,
        screens=[] if clear_screens else (screen_refs or None),
        groups=[] if clear_groups else (group_refs or None),
        shared_instant=shared_instant,
        enabled=enabled,
        **when,
    )
    _show_schedule(record, as_json)


@schedules.command("remove")
@click.argument("schedule")
@JSON
@pass_state
@curator_errors
def schedules_remove(state: CliState, schedule: str, as_json: bool) -> None:
    """Remove a schedule."""
    removed = scheds.remove_schedule(state.library(), schedule)
    if as_json:
        print_json(removed.to_json())
    else:
        stderr.print(f"Removed schedule {removed.id} ({removed.label}).")


# What's on -------------------------------------------------------------------------------------


def _local(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%a %Y-%m-%d %H:%M")


def _winner(schedule: dict[str, Any] | None) -> str:
    if schedule is None:
        return ""
    if schedule["name"]:
        return f"{schedule['name']} (#{schedule['id']}, priority {schedule['priority']})"
    return f"#{schedule['id']} (priority {schedule['priority']})"


def _losers(losers: list[dict[str, Any]]) -> str:
    return "; ".join(f"{o['name'] or '#' + str(o['id'])}: {o['why']}" for o in losers)


@click.command()
@click.argument("screen")
@click.option(
    "--at",
    help="ISO date-time. Without an offset it is the SCREEN's local wall-clock time "
    "(2026-06-01T21:30 = 21:30 where the screen hangs); add Z or +02:00 for an exact instant.",
)
@click.option(
    "--days",
    type=click.IntRange(1, agendas.MAX_DAYS),
    help="Show an agenda for this many days (default 1; from --at, else from now).",
)
@JSON
@pass_state
@curator_errors
def whatson(state: CliState, screen: str, at: str | None, days: int | None, as_json: bool) -> None:
    """What SCREEN plays: at one moment (--at), or an agenda in the screen's local time."""
    library = state.library()
    when = agendas.parse_instant(at) if at else None
    if when is not None and days is None:
        answer = agendas.whats_on(library, screen, when)
        if as_json:
            print_json(answer)
            return
        fields(
            (
                ("screen", answer["screen"]),
                ("local time", f"{answer['local_time']} ({answer['timezone']})"),
                ("UTC", answer["at"]),
                ("playlist", answer["playlist"] or "nothing"),
                ("source", answer["source"]),
                ("schedule", _winner(answer["schedule"])),
                ("overridden", _losers(answer["overridden"])),
            )
        )
        return
    count = days or 1
    segments = agendas.agenda(library, screen, when, count)
    name, zone = agendas.screen_zone(library, screen)
    if as_json:
        print_json({"screen": name, "timezone": zone, "days": count, "segments": segments})
        return
    table(
        f"{name} ({zone}), next {count} day(s), local time",
        ("from", "until", "playlist", "source", "schedule", "overridden"),
        (
            (
                _local(s["local_start"]),
                _local(s["local_end"]),
                s["playlist"] or "nothing",
                s["source"],
                _winner(s["schedule"]),
                _losers(s["overridden"]),
            )
            for s in segments
        ),
    )
