"""`urbanart schedules`: when each playlist plays on which screens."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, F, curator_errors, fields, print_json, stderr, table
from urbanart.curation import schedules as scheds
from urbanart.curation.overlaps import overlaps_of
from urbanart.curation.records import ScheduleRecord
from urbanart.library.library import Library


def _warn_overlaps(library: Library, record: ScheduleRecord) -> None:
    """Flag what a saved schedule now fights with (same priority, same time, same screen)."""
    for overlap in overlaps_of(library, record.id):
        stderr.print(f"[yellow]warning[/] {escape(overlap.message)}")


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


def _when_options(func: F) -> F:
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
            click.option(
                "--priority",
                type=click.IntRange(-scheds.PRIORITY_LIMIT, scheds.PRIORITY_LIMIT),
                help="Higher wins; ties go to the newest schedule (default 0).",
            ),
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
    /,
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
    _warn_overlaps(state.library(), record)


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
    /,
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
    _warn_overlaps(state.library(), record)


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
