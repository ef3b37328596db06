"""What the Schedules view says, as plain text: week titles, schedule rows, "what is on".

Pure functions of engine records (no widgets, no engine calls); colours arrive as data (hex
names the widget took from its palette), so the wording can be tested without a QApplication.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape as _html_escape

from urbanart.curation.agenda_records import WhatsOn
from urbanart.curation.records import GroupRecord, ScheduleRecord, ScreenRecord, TargetKind
from urbanart.curation.resolver import Source
from urbanart.curation.week import Week

SCHEDULE_COLUMNS = ("Name", "Playlist", "Dates", "Days", "Window", "Priority", "On", "Targets")
NAME, PLAYLIST, DATES, DAYS, WINDOW, PRIORITY, ON, TARGETS = range(len(SCHEDULE_COLUMNS))
#: Above this many targets the cell starts with how many there are (the names may be cut).
LISTED_TARGETS = 3


def escape(text: str) -> str:
    """Text safe inside the what-is-on rich text (quotes are left as they are)."""
    return _html_escape(text, quote=False)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    """ "3 – 9 June 2024", or "27 May – 02 Jun 2024" when the week spans two months."""
    sunday = monday + timedelta(days=6)
    if sunday.month == monday.month:
        return f"{monday.day} – {sunday.day} {sunday:%B %Y}"
    return f"{monday:%d %b} – {sunday:%d %b %Y}"


def screen_entry(screen: ScreenRecord) -> str:
    """A screen in the target list: its name over its city and zone."""
    where = " · ".join(p for p in (screen.city, screen.timezone) if p)
    return f"{screen.name}\n{where}"


def group_entry(group: GroupRecord) -> str:
    n = len(group.screens)
    return f"{group.name}\n{n} screen{'s' if n != 1 else ''}"


def week_heading(data: Week) -> str:
    return data.name if data.target[0] is TargetKind.SCREEN else f"Group {data.name}"


def zone_text(data: Week, screen: ScreenRecord | None) -> str:
    """Whose clock the week is drawn on: the screen's zone (and city), or a group's member."""
    if data.target[0] is TargetKind.GROUP:
        seen = f"{data.member} ({data.timezone})" if data.member else "UTC (no members yet)"
        return f"as seen on {seen}"
    city = f"{screen.city} · " if screen and screen.city else ""
    return f"{city}times in {data.timezone}"


def moment_hint(data: Week) -> str:
    return f"On the {data.target[0]}'s clock ({data.timezone}). Click the week to pick a moment."


def empty_week_message(data: Week) -> str:
    """What the grid says when nothing plays (empty when something does)."""
    if data.blocks:
        return ""
    if data.target[0] is TargetKind.SCREEN:
        return "Nothing plays this week: no schedule applies and there is no default playlist."
    return "None of this group's schedules play this week."


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def date_span(start: date | None, end: date | None) -> str:
    """Dates as a curator says them, short enough for a table column at 1280 px:
    "always", "3 Dec 2026 only", "26 Nov – 26 Dec 2026", "from 3 Dec 2026", "until 1 Jul 2024"."""
    if start is None and end is None:
        return "always"
    if start is None:
        assert end is not None
        return f"until {_day(end)}"
    if end is None:
        return f"from {_day(start)}"
    if start == end:
        return f"{_day(start)} only"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {_day(end)}"
    return f"{_day(start)} – {_day(end)}"


def schedule_cells(record: ScheduleRecord) -> list[str]:
    """One schedule's row in the list, in SCHEDULE_COLUMNS order."""
    dates = date_span(record.start_date, record.end_date)
    window = record.window or "all day"
    if record.shared_instant:
        window += f" ({record.reference_tz})"
    return [
        record.name or f"#{record.id}",
        record.playlist_name,
        dates,
        record.days,
        window,
        str(record.priority),
        "yes" if record.enabled else "no",
        targets_cell(record),
    ]


def schedule_targets(record: ScheduleRecord) -> str:
    return ", ".join([*record.screens, *(f"group {g}" for g in record.groups)])


def targets_cell(record: ScheduleRecord) -> str:
    """The Targets cell: the names, led by their count when there are many, so a cell cut to
    the table's width still says how far the schedule reaches (the tooltip lists them all)."""
    names = schedule_targets(record)
    screens, groups = len(record.screens), len(record.groups)
    if screens + groups <= LISTED_TARGETS:
        return names
    counts = [
        f"{n} {word}{'s' if n != 1 else ''}"
        for n, word in ((screens, "screen"), (groups, "group"))
        if n
    ]
    return f"{', '.join(counts)}: {names}"


def schedule_tooltip(record: ScheduleRecord) -> str:
    return f"Schedule #{record.id}, created {record.created_at:%Y-%m-%d %H:%M}"


def list_heading(name: str, *, reaching: bool, count: int) -> str:
    return f"Schedules {'reaching' if reaching else 'of'} {name}  ({count})"


def list_hint(has_schedules: bool) -> str:
    if has_schedules:
        return "Strongest first. Schedules reach a screen directly or through its groups."
    return "No schedules yet: create one with New schedule…"


def remove_question(record: ScheduleRecord) -> str:
    return (
        f"Remove {record.label} ({record.playlist_name})? "
        "Screens stop playing it after the next publication."
    )


def whatson_html(
    answer: WhatsOn, kind: TargetKind, muted: str, chip: tuple[str, str] | None
) -> str:
    """The explanation of one moment: what plays, the schedule that wins, and those it beat.

    muted is the colour name of secondary text; chip the (fill, text) colour names of the
    playing playlist's block on the week (None when nothing plays).
    """
    parts = [
        f"<p>{answer.at:%a %d %b %Y, %H:%M} "
        f"<span style='color:{muted}'>({escape(answer.timezone)})</span></p>"
    ]
    if answer.playlist and chip is not None:
        fill, text = chip
        parts.append(
            f"<p style='font-size:large'><span style='background:{fill};"
            f"color:{text}'>&nbsp;{escape(answer.playlist)}&nbsp;</span></p>"
        )
    else:
        parts.append("<p style='font-size:large'><b>Nothing</b></p>")
    winner = answer.schedule
    if winner:
        created = winner.created_at.astimezone()
        name = escape(winner.name) or "unnamed"
        parts.append(
            f"<p><b>Wins:</b> {name} (#{winner.id})<br>"
            f"priority {winner.priority} · created {created:%Y-%m-%d %H:%M}<br>"
            f"{escape(winner.days)} · {escape(winner.window or 'all day')}</p>"
        )
    elif answer.source is Source.DEFAULT:
        parts.append("<p>No schedule applies: the screen's default playlist plays.</p>")
    elif kind is TargetKind.GROUP:
        parts.append(
            "<p>None of the group's schedules applies: each member plays its own "
            "schedules or default.</p>"
        )
    else:
        parts.append("<p>No schedule applies and the screen has no default playlist.</p>")
    if answer.overridden:
        rows = "".join(
            f"<li><b>{escape(o.name) or 'unnamed'}</b> (#{o.id}, priority "
            f"{o.priority})<br>plays {escape(o.playlist)}<br>"
            f"<i>{escape(o.why)}</i></li>"
            for o in answer.overridden
        )
        parts.append(f"<p><b>Overridden:</b></p><ul style='margin-left:-20px'>{rows}</ul>")
    elif winner:
        parts.append("<p>No other schedule applies at this moment.</p>")
    return "".join(parts)
