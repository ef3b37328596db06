"""Schedule rules, daily windows and screen context: the plain values the resolver works on."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from urbanart.curation.zones import validate_zone
from urbanart.errors import InvalidValue

__all__ = [
    "EPOCH",
    "WEEKDAYS",
    "DailyWindow",
    "ScheduleRule",
    "ScreenContext",
    "format_weekdays",
    "parse_weekdays",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index 0..6 = date.weekday()
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIDNIGHT = time(0, 0)

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_WINDOW_HINT = "write it as HH:MM-HH:MM, for example 09:00-17:30 or 22:00-02:00"
_DAYS_HINT = "use mon…sun, ranges such as mon-fri, or weekdays, weekend or all"
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_GROUPS = {
    "all": frozenset(range(7)),
    "daily": frozenset(range(7)),
    "everyday": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekend": frozenset({5, 6}),
    "weekends": frozenset({5, 6}),
}


def _hhmm(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _parse_clock(piece: str, text: str, *, is_end: bool) -> time:
    match = _CLOCK.fullmatch(piece.strip())
    if match is None:
        raise InvalidValue(
            "window", text, f"{piece.strip()!r} is not a time; {_WINDOW_HINT}", key="window"
        )
    hour, minute = int(match.group(1)), int(match.group(2))
    if (hour, minute) == (24, 0):
        if not is_end:
            raise InvalidValue(
                "window", text, "24:00 can only end a window; start at 00:00", key="window"
            )
        return MIDNIGHT
    if hour > 23 or minute > 59:
        raise InvalidValue(
            "window",
            text,
            f"{piece.strip()!r} is not a time of day; hours run 00-23 and minutes 00-59 "
            "(24:00 may end a window)",
            key="window",
        )
    return time(hour, minute)


@dataclass(frozen=True)
class DailyWindow:
    """A daily stretch of wall-clock time, minute precision, possibly running past midnight.

    start > end means the window runs past midnight into the next day, and it belongs to the day
    it starts on: "fri 22:00-02:00" plays from Friday 22:00 to Saturday 02:00. An end of 00:00
    (written "24:00") means "until midnight". start == end is refused rather than guessed: it
    could mean "all day" or "never", and leaving the window out already says "all day".
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        for name, value in (("start", self.start), ("end", self.end)):
            if not isinstance(value, time) or value.tzinfo is not None:
                raise InvalidValue(
                    "window", value, f"the {name} must be a wall-clock time", key="window"
                )
            if value.second or value.microsecond:
                raise InvalidValue(
                    "window", value.isoformat(), f"the {name} must be a whole minute", key="window"
                )
        if self.start == self.end:
            raise InvalidValue(
                "window",
                f"{_hhmm(self.start)}-{_hhmm(self.end)}",
                "start and end are the same; leave the window out to play all day",
                key="window",
            )

    @classmethod
    def parse(cls, text: str) -> DailyWindow:
        """Read "HH:MM-HH:MM" ("24:00" may end a window); InvalidValue says what is wrong."""
        if not isinstance(text, str):
            raise InvalidValue("window", text, _WINDOW_HINT, key="window")
        parts = re.split(r"\s*[-–—]\s*", text.strip())
        if len(parts) != 2 or not all(parts):
            raise InvalidValue("window", text, _WINDOW_HINT, key="window")
        start = _parse_clock(parts[0], text, is_end=False)
        end = _parse_clock(parts[1], text, is_end=True)
        if start == end:
            raise InvalidValue(
                "window",
                text,
                "start and end are the same; leave the window out to play all day",
                key="window",
            )
        return cls(start, end)

    @property
    def overnight(self) -> bool:
        """True when the window runs past midnight into the next day (an end of 24:00 does not)."""
        return self.end != MIDNIGHT and self.start > self.end

    def __str__(self) -> str:
        end = "24:00" if self.end == MIDNIGHT else _hhmm(self.end)
        return f"{_hhmm(self.start)}-{end}"


def _day_index(token: str, text: str) -> int:
    word = token.strip().lower()
    if len(word) >= 3:
        for index, name in enumerate(_FULL_NAMES):
            if name.startswith(word):
                return index
    raise InvalidValue(
        "days", text, f"{token.strip()!r} is not a weekday; {_DAYS_HINT}", key="days"
    )


def parse_weekdays(text: str) -> frozenset[int]:
    """Read weekdays as a curator writes them: "mon,tue,fri", "mon-fri", "weekdays", "all"…

    Ranges wrap past Sunday ("fri-mon" is Friday to Monday). Names are case-insensitive and may
    be abbreviated to three letters or more. An empty choice is refused: a rule that plays on no
    day is almost always a mistake, and disabling the rule says "never" explicitly.
    """
    if not isinstance(text, str):
        raise InvalidValue("days", text, _DAYS_HINT, key="days")
    days: set[int] = set()
    for raw in re.split(r"[,\s;]+", text.strip()):
        if not raw:
            continue
        token = raw.lower()
        if token in _DAY_GROUPS:
            days |= _DAY_GROUPS[token]
            continue
        ends = re.split(r"[-–—]", token)
        if len(ends) == 2:
            first, last = _day_index(ends[0], text), _day_index(ends[1], text)
            span = (last - first) % 7
            days.update((first + step) % 7 for step in range(span + 1))
        elif len(ends) == 1:
            days.add(_day_index(token, text))
        else:
            raise InvalidValue(
                "days", text, f"{raw!r} is not a weekday range; {_DAYS_HINT}", key="days"
            )
    if not days:
        raise InvalidValue("days", text.strip(), f"no weekday chosen; {_DAYS_HINT}", key="days")
    return frozenset(days)


def format_weekdays(days: Iterable[int]) -> str:
    """The inverse of parse_weekdays, shortest common form first ("all", "weekdays", "mon,wed")."""
    chosen = frozenset(days)
    for word in ("all", "weekdays", "weekend"):
        if chosen == _DAY_GROUPS[word]:
            return word
    return ",".join(WEEKDAYS[index] for index in sorted(chosen))


def _check_date(name: str, value: object, key: str) -> None:
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise InvalidValue(name, value, "must be a calendar date such as 2026-03-31", key=key)


@dataclass(frozen=True)
class ScheduleRule:
    """One schedule: play a playlist on some dates, weekdays and daily window, at a priority.

    Dates, weekdays and the window are read on the screen's own wall clock by default, so "09:00"
    means nine in the morning wherever the screen hangs. With shared_instant they are read in
    reference_tz instead, so every screen in the world switches at the same real instant (a
    global launch, a minute of silence). Among rules that apply at once, the highest priority
    wins, then the most recently created, then the higher id: see resolver.rank_key.
    """

    id: int
    playlist_id: int
    playlist_name: str
    priority: int = 0
    created_at: datetime = EPOCH  # aware; stored normalised to UTC
    start_date: date | None = None  # inclusive; None = open
    end_date: date | None = None  # inclusive; None = open
    weekdays: frozenset[int] = field(default=frozenset(range(7)))
    window: DailyWindow | None = None  # None = all day
    enabled: bool = True
    shared_instant: bool = False
    reference_tz: str = "UTC"  # read only when shared_instant

    def __post_init__(self) -> None:
        if not isinstance(self.created_at, datetime) or self.created_at.utcoffset() is None:
            raise InvalidValue(
                "created at",
                self.created_at,
                "has no time zone; store creation times in UTC",
                key="created_at",
            )
        object.__setattr__(self, "created_at", self.created_at.astimezone(UTC))
        _check_date("start date", self.start_date, "start_date")
        _check_date("end date", self.end_date, "end_date")
        if (
            self.start_date is not None
            and self.end_date is not None
            and self.end_date < self.start_date
        ):
            raise InvalidValue(
                "end date",
                self.end_date.isoformat(),
                f"is before the start date {self.start_date.isoformat()}; "
                "a schedule must end on or after the day it starts",
                key="end_date",
            )
        days = self.weekdays
        if isinstance(days, str):
            raise InvalidValue(
                "days", days, "pass weekday numbers; parse text with parse_weekdays", key="days"
            )
        days = frozenset(days)
        if not days:
            raise InvalidValue("days", "", f"no weekday chosen; {_DAYS_HINT}", key="days")
        for day in days:
            if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                raise InvalidValue(
                    "days", day, "weekdays are numbered 0 (mon) to 6 (sun)", key="days"
                )
        object.__setattr__(self, "weekdays", days)
        if self.window is not None and not isinstance(self.window, DailyWindow):
            raise InvalidValue("window", self.window, _WINDOW_HINT, key="window")
        validate_zone(self.reference_tz)

    parse_weekdays = staticmethod(parse_weekdays)

    def zone_for(self, screen_tz: str) -> str:
        """The zone whose wall clock this rule's dates, weekdays and window are read in."""
        return self.reference_tz if self.shared_instant else screen_tz


@dataclass(frozen=True)
class ScreenContext:
    """What the resolver needs to know about a screen: its zone and its fallback playlist."""

    id: int
    name: str
    tz: str  # IANA
    default_playlist_id: int | None = None
    default_playlist_name: str | None = None

    def __post_init__(self) -> None:
        validate_zone(self.tz)
