"""`urbanart whatson`: what a screen plays at a moment, or its agenda in local time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, curator_errors, fields, print_json, table
from urbanart.curation import agenda as agendas


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
