"""Time-zone helpers: validate IANA names and find where a zone's UTC offset changes.

The resolver never does wall-clock arithmetic across an offset change. Instead it cuts a range of
real time into pieces over which a zone's UTC offset is constant; inside one piece, wall time is
UTC plus a fixed offset, so local windows map to UTC by a single subtraction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from difflib import get_close_matches
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from urbanart.errors import InvalidValue

__all__ = [
    "OffsetPiece",
    "offset_at",
    "offset_pieces",
    "transitions",
    "validate_zone",
    "zone",
    "zone_for_city",
    "zone_reason",
]

ZONE_REASON = "is not an IANA time zone such as Europe/Berlin"

# Offsets are probed this often, then each change is bisected to the second. Real zones never
# change offset twice within an hour, so nothing is missed at this step.
_PROBE = 3600


class OffsetPiece(NamedTuple):
    """A stretch of real time [start, end) over which a zone keeps one UTC offset."""

    start: datetime  # aware UTC
    end: datetime  # aware UTC, exclusive
    offset: timedelta  # wall clock minus UTC


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    # Loading "localtime", "posixrules" or "posix/…" would work but they are not IANA names a
    # curator should store; the canonical list rules them out.
    # Some systems list their own "localtime" link; "Factory" means "zone not configured".
    not_places = {"localtime", "posixrules", "Factory"}
    return frozenset(
        name
        for name in available_timezones()
        if name not in not_places and not name.startswith(("posix/", "right/"))
    )


def known_zone_names() -> frozenset[str]:
    """The IANA names a screen or schedule may use (what `zone` accepts)."""
    return _known_zones()


def zone_suggestions(text: object) -> tuple[str, ...]:
    """Known zones closest to a mistyped name ("Europe/Lisbo" → Europe/Lisbon), best first.

    Compared case-insensitively on the whole name, then on the city part alone, so "Lisbo" and
    "europe/lisbo" find Europe/Lisbon too.
    """
    word = str(text or "").strip().lower().replace(" ", "_")
    if not word:
        return ()
    by_lower = {name.lower(): name for name in sorted(_known_zones())}
    found = get_close_matches(word, list(by_lower), n=3, cutoff=0.75)
    if found:
        return tuple(by_lower[match] for match in found)
    by_city = {
        name.rsplit("/", 1)[-1].lower(): name for name in sorted(_known_zones()) if "/" in name
    }
    return tuple(by_city[c] for c in get_close_matches(word, list(by_city), n=3, cutoff=0.75))


def zone_reason(text: object) -> str:
    """Why a name is refused, with the closest known zones when there are any."""
    close = zone_suggestions(text)
    if not close:
        return ZONE_REASON
    return f"{ZONE_REASON}; did you mean {' or '.join(close)}?"


def zone_for_city(city: str, among: Iterable[str] | None = None) -> str | None:
    """The zone named after a city ("Lisbon" → Europe/Lisbon, "new york" → America/New_York).

    IANA names each zone after its most populous city, so matching the last part of the name
    finds the zone of those cities; other towns (Porto, Kyoto) get None and the curator picks.
    No hand-kept city table: the tz database on this machine is the only list. Good enough to
    propose, never to decide: the register dialog only pre-fills the zone. `among` (default:
    every known zone) lets a caller that already holds the list avoid reading the disk.
    """
    word = city.strip().lower().replace(" ", "_")
    if not word:
        return None
    matches = sorted(
        name for name in _known_zones() if "/" in name and name.rsplit("/", 1)[-1].lower() == word
    )
    # Fewest parts first (America/Indiana/… is a county), then alphabetical: deterministic.
    return min(matches, key=lambda name: (name.count("/"), name)) if matches else None


@lru_cache(maxsize=1024)
def _load(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; InvalidValue naming the value when it is not one."""
    if not isinstance(name, str) or not name or name not in _known_zones():
        raise InvalidValue("time zone", name, zone_reason(name), key="timezone")
    try:
        return _load(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidValue("time zone", name, ZONE_REASON, key="timezone") from exc


def validate_zone(name: str) -> str:
    """Return the name unchanged if it is a known IANA zone, else raise InvalidValue."""
    zone(name)
    return name


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(
            what, value.isoformat(), "has no time zone; pass an aware datetime", key=what
        )
    return value.astimezone(UTC)


def offset_at(name: str, instant: datetime) -> timedelta:
    """The zone's UTC offset (wall clock minus UTC) at a real instant."""
    offset = _aware(instant, "instant").astimezone(zone(name)).utcoffset()
    assert offset is not None
    return offset


def _offset_seconds(tz: ZoneInfo, second: int) -> int:
    offset = datetime.fromtimestamp(second, tz=tz).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def _first_change(tz: ZoneInfo, lo: int, hi: int, offset: int) -> int:
    """The first whole second in (lo, hi] whose offset differs from `offset` (hi's must)."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_seconds(tz, mid) == offset:
            lo = mid
        else:
            hi = mid
    return hi


_DAY_SECONDS = 86_400


@lru_cache(maxsize=65_536)
def _day(name: str, day: int) -> tuple[int, tuple[tuple[int, int], ...]]:
    """(offset at the day's first second, changes as (second the new offset starts, new offset)).

    Day `day` is UTC day number `day` since 1970. A change belongs to the day when it happens in
    (day start, next day start], so each change is listed exactly once. Caching per day rather
    than per range lets sliding ranges ("the next seven days", asked again every minute) reuse
    almost everything.
    """
    tz = zone(name)
    first = day * _DAY_SECONDS
    start_offset = current = _offset_seconds(tz, first)
    changes: list[tuple[int, int]] = []
    for probe in range(first, first + _DAY_SECONDS, _PROBE):
        nxt = probe + _PROBE
        seen = _offset_seconds(tz, nxt)
        lo = probe
        while seen != current:
            at = _first_change(tz, lo, nxt, current)
            current = _offset_seconds(tz, at)
            changes.append((at, current))
            lo = at
    return start_offset, tuple(changes)


@lru_cache(maxsize=4096)
def _pieces(name: str, start: datetime, end: datetime) -> tuple[OffsetPiece, ...]:
    start_s, end_s = start.timestamp(), end.timestamp()
    first_day = int(start_s // _DAY_SECONDS)
    last_day = int(end_s // _DAY_SECONDS)
    offset, _ = _day(name, first_day)
    pieces: list[OffsetPiece] = []
    piece_start = start
    for day in range(first_day, last_day + 1):
        for at, new_offset in _day(name, day)[1]:
            if at <= start_s:
                offset = new_offset  # happened before the range opens
            elif at < end_s:
                boundary = datetime.fromtimestamp(at, tz=UTC)
                pieces.append(OffsetPiece(piece_start, boundary, timedelta(seconds=offset)))
                piece_start, offset = boundary, new_offset
    pieces.append(OffsetPiece(piece_start, end, timedelta(seconds=offset)))
    return tuple(pieces)


def offset_pieces(name: str, start: datetime, end: datetime) -> tuple[OffsetPiece, ...]:
    """Cut [start, end) into pieces of constant UTC offset in the zone, in order.

    Cached per (zone, range), over a cache per (zone, UTC day): resolving many screens over the
    same week costs one search per zone, and a range that slides forward only searches its new
    days. Offsets are probed hourly and each change is bisected to the second, so changes at odd
    times and by odd amounts (Australia/Lord_Howe moves by 30 minutes) are found exactly.
    """
    start_utc = _aware(start, "start")
    end_utc = _aware(end, "end")
    if end_utc <= start_utc:
        raise InvalidValue(
            "end", end.isoformat(), f"is not after the start {start.isoformat()}", key="end"
        )
    return _pieces(name, start_utc, end_utc)


def transitions(name: str, start: datetime, end: datetime) -> tuple[datetime, ...]:
    """The UTC instants inside (start, end) at which the zone's offset changes."""
    return tuple(piece.start for piece in offset_pieces(name, start, end)[1:])
