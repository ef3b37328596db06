"""`urbanart whatson`: what a screen plays at a moment, or its agenda in local time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import click

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, curator_errors, fields, print_json, table
from urbanart.curation import agenda as agendas
from urbanart.curation.agenda_records import Overridden, ScheduleSummary


def _local(moment: datetime) -> str:
    return moment.strftime("%a %Y-%m-%d %H:%M")


def _winner(schedule: ScheduleSummary | None) -> str:
    if schedule is None:
        return ""
    if schedule.name:
        return f"{schedule.name} (#{schedule.id}, priority {schedule.priority})"
    return f"#{schedule.id} (priority {schedule.priority})"


def _losers(losers: Iterable[Overridden]) -> str:
    return "; ".join(f"{o.name or '#' + str(o.id)}: {o.why}" for o in losers)


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
            print_json(answer.to_json())
            return
        fields(
            (
                ("screen", answer.screen),
                ("local time", f"{answer.at.isoformat()} ({answer.timezone})"),
                ("UTC", answer.at.astimezone(UTC).isoformat()),
                ("playlist", answer.playlist or "nothing"),
                ("source", str(answer.source)),
                ("schedule", _winner(answer.schedule)),
                ("overridden", _losers(answer.overridden)),
            )
        )
        return
    found = agendas.agenda(library, screen, when, days or 1)
    if as_json:
        print_json(found.to_json())
        return
    table(
        f"{found.screen} ({found.timezone}), next {found.days} day(s), local time",
        ("from", "until", "playlist", "source", "schedule", "overridden"),
        (
            (
                _local(s.start),
                _local(s.end),
                s.playlist or "nothing",
                str(s.source),
                _winner(s.schedule),
                _losers(s.overridden),
            )
            for s in found.segments
        ),
    )
