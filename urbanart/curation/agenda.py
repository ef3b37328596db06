"""What a screen plays at an instant or over the coming days, explained in a curator's words."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from urbanart.curation import zones
from urbanart.curation.agenda_records import (
    Agenda,
    AgendaSegment,
    GroupInfo,
    Overridden,
    ScheduleSummary,
    WhatsOn,
)
from urbanart.curation.records import TargetKind
from urbanart.curation.resolver import Timeline, explain, resolve
from urbanart.curation.rules import ScheduleRule, ScreenContext, format_weekdays
from urbanart.curation.schedules import list_schedules, rules_for_group, rules_for_screen
from urbanart.curation.week import Target, Week, blocks_for_week
from urbanart.errors import InvalidValue
from urbanart.library.library import Library
from urbanart.library.lookup import find
from urbanart.library.models import Schedule, Screen, ScreenGroup

MAX_DAYS = 62


def localize(at: datetime, tz: str) -> datetime:
    """An aware instant stays as it is; a naive one is read on the screen's wall clock.

    Curators think in the screen's local time ("what's on in Tokyo at 9 tonight?"), so a naive
    time means that, not UTC. In a repeated hour (clocks going back) the first pass is meant.
    """
    if at.tzinfo is not None and at.utcoffset() is not None:
        return at.astimezone(UTC)
    return at.replace(tzinfo=zones.zone(tz), fold=0).astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """ISO 8601 date-time as typed on the command line; may be naive (see localize)."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue(
            "time",
            text,
            "must be an ISO date-time such as 2026-06-01T21:30 or 2026-06-01T12:30Z",
            key="time",
        ) from None


def why_lost(loser: ScheduleRule, winner: ScheduleRule | None) -> str:
    """One phrase on why a schedule that applies does not play; mirrors resolver.rank_key."""
    if winner is None:
        return "not playing"
    if loser.priority < winner.priority:
        return f"lower priority ({loser.priority} < {winner.priority})"
    if loser.priority == winner.priority:
        if loser.created_at < winner.created_at:
            return "same priority, created earlier"
        if loser.created_at == winner.created_at and loser.id < winner.id:
            return "same priority, created at the same moment, lower id"
    return "overridden"


def _screen(library: Library, screen_ref: str | int) -> tuple[ScreenContext, list[ScheduleRule]]:
    with library.session() as session:
        screen = find(session, Screen, screen_ref, kind="screen")
        return rules_for_screen(session, screen.id)


def _names(library: Library, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    with library.session() as session:
        rows = session.execute(select(Schedule.id, Schedule.name).where(Schedule.id.in_(ids)))
        return {schedule_id: name for schedule_id, name in rows}


def _summary(rule: ScheduleRule, names: dict[int, str]) -> ScheduleSummary:
    return ScheduleSummary(
        id=rule.id,
        name=names.get(rule.id, ""),
        playlist=rule.playlist_name,
        playlist_id=rule.playlist_id,
        priority=rule.priority,
        created_at=rule.created_at,
        start_date=rule.start_date,
        end_date=rule.end_date,
        days=format_weekdays(rule.weekdays),
        window=str(rule.window) if rule.window else None,
        shared_instant=rule.shared_instant,
        reference_tz=rule.reference_tz if rule.shared_instant else None,
    )


def _loser(loser: ScheduleRule, winner: ScheduleRule | None, names: dict[int, str]) -> Overridden:
    return Overridden(
        id=loser.id,
        name=names.get(loser.id, ""),
        playlist=loser.playlist_name,
        priority=loser.priority,
        created_at=loser.created_at,
        why=why_lost(loser, winner),
    )


def _explain(
    context: ScreenContext,
    rules: list[ScheduleRule],
    at: datetime,
    names: dict[int, str],
    group: GroupInfo | None = None,
) -> WhatsOn:
    instant = localize(at, context.tz)
    found = explain(rules, context, instant)
    segment = found.segment
    tz = zones.zone(context.tz)
    return WhatsOn(
        screen=context.name,
        screen_id=context.id,
        at=instant.astimezone(tz),
        timezone=context.tz,
        playlist=segment.playlist_name,
        playlist_id=segment.playlist_id,
        source=segment.source,
        schedule=_summary(found.winner, names) if found.winner else None,
        overridden=tuple(_loser(r, found.winner, names) for r in found.losers),
        segment_start=segment.start.astimezone(tz),
        segment_end=segment.end.astimezone(tz),
        group=group,
    )


def whats_on(library: Library, screen_ref: str | int, at: datetime) -> WhatsOn:
    """The playlist playing at `at` (naive = screen wall clock), the winner and what it beat."""
    context, rules = _screen(library, screen_ref)
    return _explain(context, rules, at, _names(library, {r.id for r in rules}))


def _begin(context: ScreenContext, start: datetime | None, days: int) -> datetime:
    """The agenda's first instant (naive start = the screen's wall clock), days checked."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidValue("days", days, f"must be between 1 and {MAX_DAYS}", key="days")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return localize(start, context.tz) if start else now


def _segments(
    timeline: Timeline, context: ScreenContext, rules: list[ScheduleRule], names: dict[int, str]
) -> tuple[AgendaSegment, ...]:
    by_id = {r.id: r for r in rules}
    tz = zones.zone(context.tz)
    out = []
    for segment in timeline.segments:
        winner = by_id.get(segment.schedule_id) if segment.schedule_id is not None else None
        losers = [by_id[i] for i in segment.overridden if i in by_id]
        out.append(
            AgendaSegment(
                start=segment.start.astimezone(tz),
                end=segment.end.astimezone(tz),
                timezone=context.tz,
                playlist=segment.playlist_name,
                playlist_id=segment.playlist_id,
                source=segment.source,
                schedule=_summary(winner, names) if winner else None,
                overridden=tuple(_loser(r, winner, names) for r in losers),
            )
        )
    return tuple(out)


def agenda(
    library: Library, screen_ref: str | int, start: datetime | None = None, days: int = 1
) -> Agenda:
    """Segments over `days` from `start` (default now; naive = screen wall clock), in local time."""
    context, rules = _screen(library, screen_ref)
    begin = _begin(context, start, days)
    timeline = resolve(rules, context, begin, begin + timedelta(days=days))
    names = _names(library, {r.id for r in rules})
    return Agenda(context.name, context.tz, days, _segments(timeline, context, rules, names))


# Groups ------------------------------------------------------------------------------------------


def _group(
    library: Library, group_ref: str | int
) -> tuple[GroupInfo, ScreenContext, list[ScheduleRule], dict[int, str]]:
    """A group's own schedules as rules, on a virtual screen in its first member's zone.

    Resolving every member is what publishing does; a curator looking at a group wants to see
    what the group's schedules say. The first member (by name, as groups list them) lends its
    zone so the times read as they will on a real screen; an empty group reads in UTC. The
    virtual screen has no default playlist: where no group schedule applies, each member plays
    its own schedules or default, which is not the group's to say.
    """
    with library.session() as session:
        group = find(session, ScreenGroup, group_ref, kind="screen group")
        members = sorted(group.screens, key=lambda s: s.name)
        first = members[0] if members else None
        rules = rules_for_group(session, group.id)
        names = dict(
            session.execute(
                select(Schedule.id, Schedule.name).where(Schedule.id.in_([r.id for r in rules]))
            ).all()
        )
        info = GroupInfo(
            group=group.name,
            group_id=group.id,
            member=first.name if first else None,
            member_id=first.id if first else None,
            members=tuple(s.name for s in members),
            timezone=first.timezone if first else "UTC",
        )
    context = ScreenContext(id=0, name=info.member or info.group, tz=info.timezone)
    return info, context, rules, names


def group_agenda(
    library: Library, group_ref: str | int, start: datetime | None = None, days: int = 1
) -> Agenda:
    """What a group's own schedules play over `days` from `start`, as seen on its first member.

    `group` names the group, the member whose zone is used (None for an empty group, then UTC)
    and that zone; the segments have the same form as `agenda`'s. Members' own schedules (and
    other groups they belong to) may override these on a real screen; `agenda` per screen says
    the last word.
    """
    info, context, rules, names = _group(library, group_ref)
    begin = _begin(context, start, days)
    timeline = resolve(rules, context, begin, begin + timedelta(days=days))
    segments = _segments(timeline, context, rules, names)
    return Agenda(context.name, context.tz, days, segments, group=info)


def group_whats_on(library: Library, group_ref: str | int, at: datetime) -> WhatsOn:
    """Like `whats_on`, for a group's own schedules on its first member's clock (see _group)."""
    info, context, rules, names = _group(library, group_ref)
    return _explain(context, rules, at, names, group=info)


# The week the Schedules view draws ---------------------------------------------------------------


def week(library: Library, target: Target, day: date, *, now: datetime | None = None) -> Week:
    """The Monday-to-Sunday week holding `day` on the target's wall clock, ready to draw.

    A screen's week is what it plays (its schedules, its groups' and its default playlist); a
    group's is what its own schedules say on its first member's clock (see `group_agenda`).
    Eight days are resolved so a week whose clocks fall back (25 hours on Sunday) still reaches
    next Monday 00:00 on the wall clock; the blocks are clipped to the week and split at each
    local midnight. `now` (default: the current minute) is given back on the target's clock.
    """
    try:
        kind, target_id = TargetKind(target[0]), target[1]
    except ValueError:
        raise InvalidValue("target", target[0], "must be screen or group", key="target") from None
    monday = day - timedelta(days=day.weekday())
    start = datetime.combine(monday, time())
    if kind is TargetKind.GROUP:
        found = group_agenda(library, target_id, start, days=8)
        assert found.group is not None
        name, member = found.group.group, found.group.member
        reaching = list_schedules(library, group=target_id)
    else:
        found = agenda(library, target_id, start, days=8)
        name, member = found.screen, None
        reaching = list_schedules(library, screen=target_id)
    moment = (now or datetime.now(UTC)).astimezone(zones.zone(found.timezone))
    return Week(
        target=(kind, target_id),
        monday=monday,
        name=name,
        timezone=found.timezone,
        member=member,
        blocks=tuple(blocks_for_week(found.segments, monday)),
        schedules=tuple(reaching),
        now=moment.replace(second=0, microsecond=0),
    )


def screen_zone(library: Library, screen_ref: str | int) -> tuple[str, str]:
    """(screen name, IANA zone), for headings."""
    with library.session() as session:
        screen = find(session, Screen, screen_ref, kind="screen")
        return screen.name, screen.timezone
