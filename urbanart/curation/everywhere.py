"""Today everywhere: what every screen plays around now, on one real-time axis.

A curator with screens in Tokyo, Berlin and New York wants to see at a glance what plays in each
city now and over the next hours, without switching between screens' weeks. Every screen is
resolved (the same resolver that publishes) over one stretch of real time; each row also says
the screen's local time now, since "now" is evening in one city and morning in another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from urbanart.curation import zones
from urbanart.curation.resolver import Source, resolve_all
from urbanart.curation.schedules import load_all
from urbanart.library.library import Library
from urbanart.library.models import Screen

__all__ = ["Everywhere", "ScreenNow", "Stretch", "today_everywhere"]

#: The axis: this long before now and after it, so the coming evening is in view.
HOURS_BEFORE = 6
HOURS_AFTER = 18


@dataclass(frozen=True)
class Stretch:
    """A stretch of real time over which one thing plays on a screen."""

    start: datetime  # aware UTC
    end: datetime  # aware UTC, exclusive
    playlist: str | None  # None: nothing plays
    playlist_id: int | None
    source: Source


@dataclass(frozen=True)
class ScreenNow:
    """One screen's row: where it is, its clock now, what plays now and around now."""

    screen_id: int
    name: str
    city: str
    timezone: str
    local_now: datetime  # aware, the screen's zone
    playing: str | None  # the playlist playing now; None when nothing does
    source: Source  # schedule, default playlist or nothing
    stretches: tuple[Stretch, ...]


@dataclass(frozen=True)
class Everywhere:
    """Every screen over [start, end) of real time, east first (the furthest ahead)."""

    start: datetime  # aware UTC
    end: datetime
    now: datetime
    screens: tuple[ScreenNow, ...]


def today_everywhere(
    library: Library,
    now: datetime | None = None,
    *,
    before: timedelta = timedelta(hours=HOURS_BEFORE),
    after: timedelta = timedelta(hours=HOURS_AFTER),
) -> Everywhere:
    """Every screen resolved over [now - before, now + after), ordered by UTC offset (east
    first), then name; `now` (aware, default the current minute) is marked on every row."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    start, end = moment - before, moment + after
    inputs = load_all(library)
    with library.session() as session:
        cities = dict(session.execute(select(Screen.id, Screen.city)).all())
    timelines = resolve_all(inputs, start, end, losers=False)
    rows: list[ScreenNow] = []
    for screen_id, (context, _rules) in inputs.items():
        timeline = timelines[screen_id]
        stretches = tuple(
            Stretch(s.start, s.end, s.playlist_name, s.playlist_id, s.source)
            for s in timeline.segments
        )
        current = timeline.at(moment)
        rows.append(
            ScreenNow(
                screen_id=screen_id,
                name=context.name,
                city=cities.get(screen_id) or "",
                timezone=context.tz,
                local_now=moment.astimezone(zones.zone(context.tz)),
                playing=current.playlist_name,
                source=current.source,
                stretches=stretches,
            )
        )
    rows.sort(key=lambda row: (-(row.local_now.utcoffset() or timedelta()), row.name.lower()))
    return Everywhere(start=start, end=end, now=moment, screens=tuple(rows))
