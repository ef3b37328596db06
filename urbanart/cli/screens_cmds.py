"""`urbanart screens`: the city screens artworks play on, each in its own time zone."""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from typing import Any

import click
from rich.markup import escape

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.lazy_group import LazyCommand, LazyGroup
from urbanart.cli.output import JSON, F, curator_errors, fields, print_json, stderr, table
from urbanart.curation import screens as scr
from urbanart.curation.records import ScheduleRecord, ScreenRecord
from urbanart.delivery.rotation import rotate_poll_token


def _screen_options(func: F) -> F:
    for option in reversed(
        (
            click.option("--city", help="City the screen is in, shown on its public page."),
            click.option("--address", help="Street address, for the curator and the map."),
            click.option(
                "--lat", type=click.FloatRange(-90, 90), help="Latitude in degrees (-90…90)."
            ),
            click.option(
                "--lon", type=click.FloatRange(-180, 180), help="Longitude in degrees (-180…180)."
            ),
            click.option(
                "--poll-interval",
                "poll_interval",
                type=click.IntRange(scr.POLL_MIN, scr.POLL_MAX),
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
            click.option("--notes", help="Anything worth remembering (never published)."),
            click.option(
                "--language",
                help="Language of its captions and now-playing page, optionally then a second "
                "one: ja,en (codes such as en, ja, pt-BR; English if not given).",
            ),
            click.option(
                "--video-max-mb",
                "video_max_mb",
                metavar="N",
                help=f"Largest video file the screen takes, in MB ({scr.VIDEO_MB_MIN}…"
                f'{scr.VIDEO_MB_MAX}; {scr.VIDEO_MB_DEFAULT} if not given; "" goes back to '
                f"{scr.VIDEO_MB_DEFAULT}). Video works are transcoded to fit.",
            ),
            click.option(
                "--video-sound/--no-video-sound",
                "video_sound",
                default=None,
                help="Keep the sound of video works on this screen (off if not given).",
            ),
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
    data["video_max_mb"] = (
        f"{record.video_max_mb} MB"
        if record.video_max_mb is not None
        else f"{scr.VIDEO_MB_DEFAULT} MB (default)"
    )
    data["video_sound"] = "kept" if record.video_sound else "none"
    for key in ("width", "height", "orientation", "default_playlist_id"):
        data.pop(key)
    fields(data.items())


#: Commands of this group that live with their own kind: the hub's (status) and the viewers' (sign).
_ELSEWHERE = {
    "status": LazyCommand(
        "urbanart.cli.hub_cmds:status",
        "Which screens are online, what they play, and whether they run the latest manifest.",
    ),
    "sign": LazyCommand(
        "urbanart.cli.viewer_cmds:sign",
        'Make a print-ready sign (300 dpi) for beside a screen: its QR code to the "now '
        "playing\" page, a call to action and the project's name.",
    ),
}


@click.group(cls=LazyGroup, lazy=_ELSEWHERE)
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
def add(state: CliState, /, name: str, tz: str, size: str, as_json: bool, **extra: Any) -> None:
    """Register a screen. It gets a poll token: the secret address of its manifest."""
    _show_screen(scr.add_screen(state.library(), name, tz=tz, size=size, **extra), as_json)


@screens.command("list")
@click.option("--group", help="Only screens in this group (id or name).")
@JSON
@pass_state
@curator_errors
def screens_list(state: CliState, group: str | None, as_json: bool) -> None:
    """List screens with their zone, size and default playlist."""
    library = state.library()
    records = scr.list_screens(library, group=group)
    warn_short_secrets(scr.short_push_secrets(library))
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
    state: CliState, /, screen: str, new_poll_token: bool, as_json: bool, **changes: Any
) -> None:
    """Change a screen. An empty --push-url "" or --default-playlist "" clears it."""
    library = state.library()
    record = scr.edit_screen(library, screen, **changes)
    if new_poll_token:  # the old address stops in the served tree too, not at the next publish
        record = rotate_poll_token(library, record.id)
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
    removal = scr.remove_screen(library, record.id)
    if as_json:
        print_json(removal.to_json())
    else:
        stderr.print(f"Removed screen {removal.screen.id} ({removal.screen.name}).")
    warn_untargeted(removal.untargeted)


def warn_short_secrets(names: Iterable[str]) -> None:
    """Secrets made before the minimum length still work; say which to replace, and how."""
    for name in names:
        stderr.print(
            f"[yellow]Screen {escape(name)!r} has a push secret shorter than "
            f"{scr.MIN_PUSH_SECRET} characters; give it a new one with `urbanart screens edit "
            f"{escape(shlex.quote(name))} --push-secret …` (and the same on its player).[/yellow]",
            highlight=False,
        )


def warn_untargeted(schedules: Iterable[ScheduleRecord]) -> None:
    """Name the schedules a removal left reaching no screen, with the command that fixes each."""
    for schedule in schedules:
        stderr.print(
            f"[yellow]{escape(scr.untargeted_warning(schedule))} Give it one with "
            f"`urbanart schedules edit {schedule.id} --screen …` or remove it.[/yellow]",
            highlight=False,
        )
