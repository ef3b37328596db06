"""Schedules: which playlist plays on which screens when, and their conversion to resolver rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from urbanart.curation.records import (
    ALL_DAYS_MASK,
    ScheduleRecord,
    days_text,
    days_to_mask,
    mask_to_days,
)
from urbanart.curation.rules import DailyWindow, ScheduleRule, ScreenContext, parse_weekdays
from urbanart.curation.screens import clean_timezone
from urbanart.errors import InvalidValue, NotFound
from urbanart.library.catalog import clean_text
from urbanart.library.concurrency import expect_version
from urbanart.library.library import Library
from urbanart.library.lookup import find
from urbanart.library.models import (
    Playlist,
    PlaylistItem,
    Schedule,
    Screen,
    ScreenGroup,
    schedule_groups,
    schedule_screens,
    screen_group_members,
)
from urbanart.library.undo import DataKind, quoted, undoable

#: Priorities are small integers curators compare at a glance; the bound stops typos like 10000.
PRIORITY_LIMIT = 1000
_CLEAR = ("", "none", "-")
_ALL_DAY = ("", "none", "all-day", "all day", "-")


# Validation -------------------------------------------------------------------------------------


def parse_date(field: str, value: Any, key: str) -> date | None:
    """An ISO date (2026-06-01); "" or "none" clears it, meaning "open-ended"."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    text = str(value).strip()
    if text.lower() in _CLEAR:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(field, text, "must be an ISO date such as 2026-06-01", key=key) from None


def parse_window(value: Any) -> tuple[str, str] | None:
    """ "22:00-02:00" → ("22:00", "02:00"); an all-day schedule has no window (None)."""
    if value is None or str(value).strip().lower() in _ALL_DAY:
        return None
    window = DailyWindow.parse(str(value))
    text = str(window)
    start, _, end = text.partition("-")
    return start, end


def parse_days(value: Any) -> int:
    if value is None:
        return ALL_DAYS_MASK
    return days_to_mask(parse_weekdays(str(value)))


def clean_priority(value: Any) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidValue(
            "priority", value, "must be a whole number such as 0 or 5", key="priority"
        ) from None
    if not -PRIORITY_LIMIT <= number <= PRIORITY_LIMIT:
        raise InvalidValue(
            "priority",
            value,
            f"must be between -{PRIORITY_LIMIT} and {PRIORITY_LIMIT}",
            key="priority",
        )
    return number


def _check_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidValue(
            "end date",
            end.isoformat(),
            f"is before the start date {start.isoformat()}; "
            "a schedule must end on or after the day it starts",
            key="end_date",
        )


def _playable(session: Session, playlist: Playlist) -> Playlist:
    """A schedule for an empty playlist would put a blank screen in a city; refuse it early."""
    count = session.scalar(
        select(func.count())
        .select_from(PlaylistItem)
        .where(PlaylistItem.playlist_id == playlist.id)
    )
    if not count:
        raise InvalidValue(
            "playlist", playlist.name, "has no items; add artworks first", key="playlist"
        )
    return playlist


def _screens(session: Session, refs: Iterable[str | int]) -> list[Screen]:
    found: dict[int, Screen] = {}
    for ref in refs:
        screen = find(session, Screen, ref, kind="screen")
        found[screen.id] = screen
    return list(found.values())


def _groups(session: Session, refs: Iterable[str | int]) -> list[ScreenGroup]:
    found: dict[int, ScreenGroup] = {}
    for ref in refs:
        group = find(session, ScreenGroup, ref, kind="screen group")
        found[group.id] = group
    return list(found.values())


def _validate(schedule: Schedule) -> None:
    """Build the rule the resolver will see, so anything it would refuse is refused now."""
    if not schedule.screens and not schedule.groups:
        raise InvalidValue(
            "targets",
            "",
            "a schedule needs at least one --screen or --group to play on",
            key="targets",
        )
    if schedule.reference_tz != "UTC" and not schedule.shared_instant:
        raise InvalidValue(
            "reference time zone",
            schedule.reference_tz,
            "only applies with --shared-instant (otherwise each screen uses its own zone)",
            key="reference_tz",
        )
    _check_dates(schedule.start_date, schedule.end_date)
    _rule(
        schedule.id or 0,
        schedule.playlist_id or 0,
        "",
        schedule.priority,
        schedule.created_at or datetime.now().astimezone(),
        schedule.start_date,
        schedule.end_date,
        schedule.weekdays,
        schedule.window_start,
        schedule.window_end,
        schedule.enabled,
        schedule.shared_instant,
        schedule.reference_tz,
    )


def _find(session: Session, ref: str | int) -> Schedule:
    return find(session, Schedule, ref, kind="schedule")


def _record(session: Session, schedule_id: int) -> ScheduleRecord:
    session.flush()
    session.expire_all()
    schedule = session.scalar(
        select(Schedule)
        .where(Schedule.id == schedule_id)
        .options(
            selectinload(Schedule.playlist),
            selectinload(Schedule.screens),
            selectinload(Schedule.groups),
        )
    )
    assert schedule is not None
    return ScheduleRecord.of(schedule)


# Operations ------------------------------------------------------------------------------------


def _label(verb: str) -> Callable[[ScheduleRecord, Mapping[str, Any]], str]:
    def label(result: ScheduleRecord, _arguments: Mapping[str, Any]) -> str:
        name = (
            quoted(result.name) if result.name else f"{result.id} of {quoted(result.playlist_name)}"
        )
        return f"{verb} schedule {name}"

    return label


#: Longest name a schedule may carry (the column's bound); described names are cut to fit.
NAME_LIMIT = 200


def describe(
    playlist: str,
    days_mask: int,
    window: tuple[str, str] | None,
    screens: Iterable[str],
    groups: Iterable[str],
) -> str:
    """A name that says what an unnamed schedule does: "Morning loop · weekdays 09:00-12:00 ·
    Berlin Wall, Tokyo Shibuya".

    Lists and pickers then tell two schedules of one playlist apart without opening them.
    """
    when = f"{days_text(days_mask)} {'-'.join(window) if window else 'all day'}"
    places = [*sorted(screens), *(f"group {g}" for g in sorted(groups))]
    where = ", ".join(places[:2]) + (f" +{len(places) - 2}" if len(places) > 2 else "")
    text = " · ".join(part for part in (playlist, when, where) if part)
    return text if len(text) <= NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


def _named(schedule: Schedule) -> None:
    """Give an unnamed schedule a descriptive name (see `describe`)."""
    if schedule.name:
        return
    window = (
        (schedule.window_start, schedule.window_end)
        if schedule.window_start is not None and schedule.window_end is not None
        else None
    )
    schedule.name = describe(
        schedule.playlist.name,
        schedule.weekdays,
        window,
        (s.name for s in schedule.screens),
        (g.name for g in schedule.groups),
    )


def _new_schedule(
    session: Session,
    playlist: str | int,
    *,
    screens: Iterable[str | int] = (),
    groups: Iterable[str | int] = (),
    start_date: Any = None,
    end_date: Any = None,
    days: str | None = None,
    window: str | None = None,
    priority: Any = 0,
    shared_instant: bool = False,
    reference_tz: str | None = None,
    name: str | None = None,
    enabled: bool = True,
) -> Schedule:
    """A checked, named new schedule added to the session (flushed, so it has an id)."""
    start = parse_date("start date", start_date, "start_date")
    end = parse_date("end date", end_date, "end_date")
    _check_dates(start, end)
    mask = parse_days(days)
    span = parse_window(window)
    zone = (
        "UTC"
        if reference_tz is None
        else clean_timezone(reference_tz, "reference time zone", "reference_tz")
    )
    schedule = Schedule(
        name=clean_text("name", name, limit=NAME_LIMIT),
        playlist=_playable(session, find(session, Playlist, playlist, kind="playlist")),
        priority=clean_priority(priority),
        start_date=start,
        end_date=end,
        weekdays=mask,
        window_start=span[0] if span else None,
        window_end=span[1] if span else None,
        enabled=enabled,
        shared_instant=shared_instant,
        reference_tz=zone,
        screens=_screens(session, screens),
        groups=_groups(session, groups),
    )
    _validate(schedule)
    _named(schedule)
    session.add(schedule)
    session.flush()
    return schedule


@undoable(_label("Add"), DataKind.SCHEDULES)
def add_schedule(
    library: Library,
    playlist: str | int,
    *,
    screens: Iterable[str | int] = (),
    groups: Iterable[str | int] = (),
    start_date: Any = None,
    end_date: Any = None,
    days: str | None = None,
    window: str | None = None,
    priority: Any = 0,
    shared_instant: bool = False,
    reference_tz: str | None = None,
    name: str | None = None,
    enabled: bool = True,
) -> ScheduleRecord:
    """Bind a playlist to screens and groups for dates, weekdays and a daily window.

    Without a name the schedule is named after what it does (`describe`).
    """
    with library.session() as session:
        schedule = _new_schedule(
            session,
            playlist,
            screens=screens,
            groups=groups,
            start_date=start_date,
            end_date=end_date,
            days=days,
            window=window,
            priority=priority,
            shared_instant=shared_instant,
            reference_tz=reference_tz,
            name=name,
            enabled=enabled,
        )
        return _record(session, schedule.id)


def _change_schedule(
    session: Session,
    ref: str | int,
    *,
    playlist: str | int | None = None,
    screens: Iterable[str | int] | None = None,
    groups: Iterable[str | int] | None = None,
    start_date: Any = None,
    end_date: Any = None,
    days: str | None = None,
    window: str | None = None,
    priority: Any = None,
    shared_instant: bool | None = None,
    reference_tz: str | None = None,
    name: str | None = None,
    enabled: bool | None = None,
) -> Schedule:
    """Apply edit_schedule's changes to the stored schedule in the session, checked."""
    schedule = _find(session, ref)
    if playlist is not None:
        schedule.playlist = _playable(session, find(session, Playlist, playlist, kind="playlist"))
    if screens is not None:
        schedule.screens = _screens(session, screens)
    if groups is not None:
        schedule.groups = _groups(session, groups)
    if start_date is not None:
        schedule.start_date = parse_date("start date", start_date, "start_date")
    if end_date is not None:
        schedule.end_date = parse_date("end date", end_date, "end_date")
    if days is not None:
        schedule.weekdays = parse_days(days)
    if window is not None:
        span = parse_window(window)
        schedule.window_start, schedule.window_end = span if span else (None, None)
    if priority is not None:
        schedule.priority = clean_priority(priority)
    if shared_instant is not None:
        schedule.shared_instant = shared_instant
        if not shared_instant and reference_tz is None:
            schedule.reference_tz = "UTC"
    if reference_tz is not None:
        schedule.reference_tz = clean_timezone(reference_tz, "reference time zone", "reference_tz")
    if name is not None:
        schedule.name = clean_text("name", name, limit=NAME_LIMIT)
    if enabled is not None:
        schedule.enabled = enabled
    _validate(schedule)
    _named(schedule)
    session.flush()
    return schedule


@undoable(_label("Edit"), DataKind.SCHEDULES)
def edit_schedule(
    library: Library,
    ref: str | int,
    *,
    playlist: str | int | None = None,
    screens: Iterable[str | int] | None = None,
    groups: Iterable[str | int] | None = None,
    start_date: Any = None,
    end_date: Any = None,
    days: str | None = None,
    window: str | None = None,
    priority: Any = None,
    shared_instant: bool | None = None,
    reference_tz: str | None = None,
    name: str | None = None,
    enabled: bool | None = None,
    expected_version: int | None = None,
) -> ScheduleRecord:
    """Change a schedule; None leaves a field alone, screens/groups given replace those targets.

    An empty string clears a date (open-ended) or the window (all day); an empty name gives the
    schedule a name describing it again. expected_version is the version the editor read
    (StaleEdit when another curator saved the schedule since).
    """
    with library.session() as session:
        expect_version(_find(session, ref), expected_version)
        schedule = _change_schedule(
            session,
            ref,
            playlist=playlist,
            screens=screens,
            groups=groups,
            start_date=start_date,
            end_date=end_date,
            days=days,
            window=window,
            priority=priority,
            shared_instant=shared_instant,
            reference_tz=reference_tz,
            name=name,
            enabled=enabled,
        )
        return _record(session, schedule.id)


class _Discard(Exception):
    """Raised out of a session to roll back a trial save, carrying what it found."""

    def __init__(self, found: object) -> None:
        super().__init__("trial save discarded")
        self.found = found


def try_saving(
    library: Library,
    ref: str | int | None,
    look: Callable[[Session, Schedule], Any],
    fields: Mapping[str, Any],
) -> Any:
    """Save as add_schedule (ref None) or edit_schedule would, call look(session, schedule)
    on the result, then roll everything back and return what look returned.

    For checks a form runs before saving ("this would overlap …"): the same validation and
    naming as a real save, with nothing stored. Errors are raised as the save would raise them.
    """
    values = dict(fields)
    try:
        with library.session() as session:
            if ref is None:
                schedule = _new_schedule(session, values.pop("playlist"), **values)
            else:
                schedule = _change_schedule(session, ref, **values)
            raise _Discard(look(session, schedule))
    except _Discard as discarded:
        return discarded.found


def get_schedule(library: Library, ref: str | int) -> ScheduleRecord:
    with library.session() as session:
        return _record(session, _find(session, ref).id)


def list_schedules(
    library: Library,
    *,
    screen: str | int | None = None,
    playlist: str | int | None = None,
    group: str | int | None = None,
) -> list[ScheduleRecord]:
    """Schedules, optionally only those reaching a screen (directly or via a group)."""
    with library.session() as session:
        stmt = (
            select(Schedule)
            .options(
                selectinload(Schedule.playlist),
                selectinload(Schedule.screens),
                selectinload(Schedule.groups),
            )
            .order_by(Schedule.priority.desc(), Schedule.created_at.desc(), Schedule.id.desc())
        )
        if playlist is not None:
            stmt = stmt.where(
                Schedule.playlist_id == find(session, Playlist, playlist, kind="playlist").id
            )
        if group is not None:
            found = find(session, ScreenGroup, group, kind="screen group")
            stmt = stmt.where(Schedule.groups.any(ScreenGroup.id == found.id))
        if screen is not None:
            target = find(session, Screen, screen, kind="screen")
            ids = _schedule_ids_for(session, [target.id])
            stmt = stmt.where(Schedule.id.in_(ids.get(target.id, set())))
        return [ScheduleRecord.of(s) for s in session.scalars(stmt)]


def without_targets(library: Library) -> list[ScheduleRecord]:
    """Schedules bound to no screen and no group: they play nowhere.

    A schedule loses its last target when its screens or groups are removed; it is kept (a
    curator may re-target it) but should be pointed out, since it silently does nothing.
    """
    with library.session() as session:
        stmt = (
            select(Schedule)
            .where(~Schedule.screens.any(), ~Schedule.groups.any())
            .options(selectinload(Schedule.playlist))
            .order_by(Schedule.id)
        )
        return [ScheduleRecord.of(s) for s in session.scalars(stmt)]


@undoable(_label("Remove"), DataKind.SCHEDULES)
def remove_schedule(library: Library, ref: str | int) -> ScheduleRecord:
    with library.session() as session:
        schedule = _find(session, ref)
        record = _record(session, schedule.id)
        session.delete(session.get(Schedule, record.id))
        return record


# Rules for the resolver ------------------------------------------------------------------------

_RULE_COLUMNS = (
    Schedule.id,
    Schedule.playlist_id,
    Playlist.name,
    Schedule.priority,
    Schedule.created_at,
    Schedule.start_date,
    Schedule.end_date,
    Schedule.weekdays,
    Schedule.window_start,
    Schedule.window_end,
    Schedule.enabled,
    Schedule.shared_instant,
    Schedule.reference_tz,
)

_windows: dict[tuple[str, str], DailyWindow] = {}
_weekdays: dict[int, frozenset[int]] = {}


def _rule(
    schedule_id: int,
    playlist_id: int,
    playlist_name: str,
    priority: int,
    created_at: datetime,
    start_date: date | None,
    end_date: date | None,
    weekdays: int,
    window_start: str | None,
    window_end: str | None,
    enabled: bool,
    shared_instant: bool,
    reference_tz: str,
) -> ScheduleRule:
    window = None
    if window_start is not None and window_end is not None:
        key = (window_start, window_end)
        window = _windows.get(key)
        if window is None:
            window = _windows[key] = DailyWindow.parse(f"{window_start}-{window_end}")
    days = _weekdays.get(weekdays)
    if days is None:
        days = _weekdays[weekdays] = mask_to_days(weekdays)
    return ScheduleRule(
        id=schedule_id,
        playlist_id=playlist_id,
        playlist_name=playlist_name,
        priority=priority,
        created_at=created_at,
        start_date=start_date,
        end_date=end_date,
        weekdays=days,
        window=window,
        enabled=enabled,
        shared_instant=shared_instant,
        reference_tz=reference_tz,
    )


def _schedule_ids_for(session: Session, screen_ids: list[int] | None) -> dict[int, set[int]]:
    """screen id → ids of the schedules bound to it directly or through any of its groups."""
    direct = select(schedule_screens.c.screen_id, schedule_screens.c.schedule_id)
    via_group = select(screen_group_members.c.screen_id, schedule_groups.c.schedule_id).join(
        schedule_groups, schedule_groups.c.group_id == screen_group_members.c.group_id
    )
    if screen_ids is not None:
        direct = direct.where(schedule_screens.c.screen_id.in_(screen_ids))
        via_group = via_group.where(screen_group_members.c.screen_id.in_(screen_ids))
    out: dict[int, set[int]] = {}
    for stmt in (direct, via_group):
        for screen_id, schedule_id in session.connection().execute(stmt):
            out.setdefault(screen_id, set()).add(schedule_id)
    return out


def _load(
    session: Session, screen_ids: list[int] | None
) -> dict[int, tuple[ScreenContext, list[ScheduleRule]]]:
    """Four set-based queries whatever the number of screens: screens, bindings, schedules."""
    session.flush()  # Core queries below must see what this unit of work changed
    default = Playlist.__table__.alias("default_playlist")
    screen_stmt = select(
        Screen.id, Screen.name, Screen.timezone, Screen.default_playlist_id, default.c.name
    ).outerjoin(default, default.c.id == Screen.default_playlist_id)
    if screen_ids is not None:
        screen_stmt = screen_stmt.where(Screen.id.in_(screen_ids))
    contexts = {
        row[0]: ScreenContext(
            id=row[0],
            name=row[1],
            tz=row[2],
            default_playlist_id=row[3],
            default_playlist_name=row[4],
        )
        for row in session.connection().execute(screen_stmt)
    }
    bindings = _schedule_ids_for(session, screen_ids)
    rule_stmt = select(*_RULE_COLUMNS).join(Playlist, Playlist.id == Schedule.playlist_id)
    if screen_ids is not None:
        wanted = set().union(*bindings.values()) if bindings else set()
        rule_stmt = rule_stmt.where(Schedule.id.in_(wanted))
    rules = {row[0]: _rule(*tuple(row)) for row in session.connection().execute(rule_stmt)}
    return {
        screen_id: (
            context,
            [rules[i] for i in sorted(bindings.get(screen_id, ())) if i in rules],
        )
        for screen_id, context in contexts.items()
    }


def rules_for_screens(
    session: Session, screen_ids: list[int] | None
) -> dict[int, tuple[ScreenContext, list[ScheduleRule]]]:
    """The resolver's input for these screens (None: every screen), in the caller's session."""
    return _load(session, screen_ids)


def screens_reached(session: Session, schedule_id: int) -> list[int]:
    """Ids of the screens a schedule plays on, directly or through its groups, sorted."""
    return sorted(
        screen_id
        for screen_id, ids in _schedule_ids_for(session, None).items()
        if schedule_id in ids
    )


def rules_for_screen(
    session_or_library: Session | Library, screen_id: int
) -> tuple[ScreenContext, list[ScheduleRule]]:
    """The resolver's input for one screen: its context and every schedule that reaches it."""
    if isinstance(session_or_library, Library):
        with session_or_library.session() as session:
            return rules_for_screen(session, screen_id)
    loaded = _load(session_or_library, [screen_id])
    if screen_id not in loaded:
        raise NotFound("screen", screen_id)
    return loaded[screen_id]


def rules_for_group(session: Session, group_id: int) -> list[ScheduleRule]:
    """The rules of the schedules bound to a group itself (not to its members one by one)."""
    rows = session.execute(
        select(*_RULE_COLUMNS)
        .join(Playlist, Playlist.id == Schedule.playlist_id)
        .join(schedule_groups, schedule_groups.c.schedule_id == Schedule.id)
        .where(schedule_groups.c.group_id == group_id)
    )
    return [_rule(*tuple(row)) for row in rows]


def load_all(library: Library) -> dict[int, tuple[ScreenContext, list[ScheduleRule]]]:
    """Every screen's resolver input, loaded with a handful of column-only queries.

    Rules are built once per schedule and shared between the screens they reach (they are
    frozen), so 5,000 schedules over 1,000 screens cost 5,000 rule objects, not one per binding.
    """
    with library.session() as session:
        return _load(session, None)
