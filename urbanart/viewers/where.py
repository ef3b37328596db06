"""Where and when a work can be seen: the screens whose published timelines play it, and when.

Why from the manifests and not from the schedules: the published timelines are what the
screens will really play (docs/published-tree.md, "Which item plays when"), so the page and the
screens cannot disagree. A work plays on a screen wherever a timeline segment plays a playlist
holding it: from the segment's start S the playlist cycles, so the work's item at offset o in a
cycle of total T starts at S + o + n·T while that is before the segment's end.

The page is built at publish, so its "next time" is the first one from the window's start (the
same day gives the same bytes); the page's script moves it on to the next one from the phone's
clock, from the compact Plays published with it.

A work on many screens (more than GROUP_ABOVE) is listed by city, not by screen: a passer-by
wants "where near me, and when next", not 730 rows. One row per city (soonest first; screens
without a city last, under "Other places") with its number of screens, its soonest next start
and its SCREENS_PER_CITY soonest screens, linked.

The script moves a city's "next" on from the plays of the screens its row lists, not of all its
screens. Why: the data then grows with the rows shown (at most SCREENS_PER_CITY screens each),
not with the fleet. Merging all of a city's screens into one schedule does not shrink it: each
screen's segments start at their own instants (so the cycles have their own phase), and a fleet
whose screens run their own schedules has about as many distinct Plays as screens (the bench's
735 screens of a work: 932). The cost is that, later in the window, an unlisted screen of the
city may start sooner than the row says; but the row's "next" is then always a time at a screen
it links to, where the passer-by is sent anyway. At publish both agree: the listed screens are
the city's soonest.

The script's data is a file of its own beside the page (WHERE_FILE), not a copy in each
language version: it was most of each version's bytes (about 130 KB of a fleet work's 280 KB),
written, cached and hashed six times per work by every publish that touched the work, and sent
to every phone that opened the page, which shows its rows and first times without it anyway.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from urbanart.memo import Recent

#: A work on more screens than this is listed by city (CityShowing), not screen by screen.
GROUP_ABOVE = 8
#: How many of a city's screens its row names (its soonest); the rest are counted.
SCREENS_PER_CITY = 3
#: The script's data of a work's "where to see it" (where_section), beside its page's versions
#: in a/<id>/: fetched by artwork.js, once for every language.
WHERE_FILE = "where.json"


class Plays(NamedTuple):
    """Where a work sits in one playlist of a screen, and the segments that play that playlist:
    it starts at S + offset + n·cycle for each (start S, end E) while that is before E."""

    cycle: int  # ms, the playlist's total
    offsets: tuple[tuple[int, int], ...]  # (offset ms, length ms) of each of its items
    segments: tuple[tuple[int, int], ...]  # (start ms, end ms), in time order, not overlapping


@lru_cache(maxsize=65_536)
def epoch_ms(text: str) -> int:
    """Milliseconds since the epoch of a manifest instant ("…Z"); cached, as a thousand
    screens' timelines share most of their boundaries."""
    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _length_ms(item: Mapping[str, Any]) -> int:
    return max(1, round(float(item["duration_s"]) * 1000))


def plays_by_work(payload: Mapping[str, Any]) -> dict[int, list[Plays]]:
    """For every work a screen's published timeline plays, where and in which segments.

    One pass over the timeline and one over each playlist: the segments are shared by every
    work of a playlist, so a publish costs segments + items per screen, not their product.
    """
    segments: dict[str, list[tuple[int, int]]] = {}
    for segment in payload["timeline"]:
        pid = segment["playlist"]
        if pid is not None:
            segments.setdefault(pid, []).append(
                (epoch_ms(segment["start"]), epoch_ms(segment["end"]))
            )
    found: dict[int, list[Plays]] = {}
    for pid, spans in segments.items():
        playlist = payload["playlists"].get(pid)
        if not playlist or not playlist["items"]:
            continue
        offset = 0
        offsets: dict[int, list[tuple[int, int]]] = {}
        for item in playlist["items"]:
            length = _length_ms(item)
            offsets.setdefault(int(item["artwork_id"]), []).append((offset, length))
            offset += length
        shared = tuple(sorted(spans))
        for aid, where in offsets.items():
            found.setdefault(aid, []).append(Plays(offset, tuple(where), shared))
    return found


def next_start(plays: Sequence[Plays], after_ms: int) -> int | None:
    """The first instant at or after after_ms at which the work starts playing; None if never."""
    best: int | None = None
    for cycle, offsets, segments in plays:
        first_open = bisect_right(segments, after_ms, key=lambda span: span[1])
        for start, end in segments[first_open:]:
            found: int | None = None
            for offset, _length in offsets:
                first = start + offset
                if first < after_ms:
                    first += -(-(after_ms - first) // cycle) * cycle  # whole cycles, rounded up
                if first < end and (found is None or first < found):
                    found = first
            if found is not None:
                if best is None or found < best:
                    best = found
                break
    return best


class _NextStart:
    """A row's next start (ms since the epoch, None: not again) told in its time zone."""

    next_ms: int | None
    timezone: str

    @property
    def next_local(self) -> datetime | None:
        """The next start in the row's own time zone."""
        return _local(self.next_ms, self.timezone)

    @property
    def next_utc(self) -> str | None:
        return _utc(self.next_ms)


@dataclass(frozen=True)
class ScreenShowing(_NextStart):
    """One screen that shows the work in the published window, and its next start."""

    screen_id: int
    name: str
    city: str
    timezone: str
    next_ms: int | None
    # Not part of a page's digest (pages.context_digest): the page's where_data carries them.
    plays: tuple[Plays, ...] = field(metadata={"digest": False})


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    # ZoneInfo keeps only a few zones alive; a page of a hundred cities would reload the rest.
    return ZoneInfo(name)


def _local(instant_ms: int | None, zone: str) -> datetime | None:
    if instant_ms is None:
        return None
    return datetime.fromtimestamp(instant_ms / 1000, UTC).astimezone(_zone(zone))


def _utc(instant_ms: int | None) -> str | None:
    if instant_ms is None:
        return None
    moment = datetime.fromtimestamp(instant_ms / 1000, UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class CityShowing(_NextStart):
    """One city's row: how many of its screens show the work, the soonest next start among
    them (in the zone of the screen it is on) and the soonest few screens. city "" gathers the
    screens without a city."""

    city: str
    count: int
    next_ms: int | None
    timezone: str
    screens: tuple[ScreenShowing, ...]
    # (time zone, distinct Plays) of the listed screens: what the script moves the city's next
    # start on from (module docstring); in the page's where_data, so not digested.
    zones: tuple[tuple[str, tuple[Plays, ...]], ...] = field(metadata={"digest": False})

    @property
    def more(self) -> int:
        """The city's screens its row counts but does not name."""
        return self.count - len(self.screens)


def by_city(showings: Sequence[ScreenShowing]) -> list[CityShowing]:
    """The screens (soonest first, as where_to_see gives them) as one row per city: soonest
    city first, then by name; the screens without a city last."""
    cities: dict[str, list[ScreenShowing]] = {}
    for showing in showings:
        cities.setdefault(showing.city.strip(), []).append(showing)
    rows = []
    for city, screens in cities.items():
        ordered = sorted(screens, key=_soonest)
        zones: dict[str, dict[Plays, None]] = {}
        for screen in ordered[:SCREENS_PER_CITY]:
            zones.setdefault(screen.timezone, {}).update(dict.fromkeys(screen.plays))
        first = ordered[0]
        rows.append(
            CityShowing(
                city=city,
                count=len(ordered),
                next_ms=first.next_ms,
                timezone=first.timezone,
                screens=tuple(ordered[:SCREENS_PER_CITY]),
                zones=tuple((zone, tuple(plays)) for zone, plays in zones.items()),
            )
        )
    rows.sort(key=lambda r: (r.city == "", r.next_ms is None, r.next_ms or 0, r.city.casefold()))
    return rows


def _soonest(s: ScreenShowing) -> tuple[bool, int, str, int]:
    return (s.next_ms is None, s.next_ms or 0, s.name, s.screen_id)


def where_section(showings: Sequence[ScreenShowing]) -> dict[str, Any]:
    """What a work's page shows of where to see it (artwork.html): "where", one row per screen
    (GROUP_ABOVE screens or fewer) or "where_cities", one per city; and "where_data", the
    script's data for exactly what is shown, the same in every language (the work's
    WHERE_FILE, so written once, not into each of its page's versions; "where_version" names
    its bytes):

        {"plays": [[cycle, [[offset, length]…], [[start, end]…]]…],   each distinct Plays once
         "screens": {"<screen id>": [[zone, [plays index…]]]},       every screen row shown
         "cities": {"<row index>": [[zone, [plays index…]]…]}}       every city row shown

    A row's next start is the soonest over its groups, told in that group's zone.
    """
    index: dict[Plays, int] = {}
    # Each Plays object is looked up by its identity first: a fleet work's rows list hundreds,
    # many shared among screens (where_to_see), and hashing one hashes all its segments.
    known: dict[int, tuple[Plays, int]] = {}

    def number(plays: Plays) -> int:
        seen = known.get(id(plays))
        if seen is None:
            seen = known[id(plays)] = (plays, index.setdefault(plays, len(index)))
        return seen[1]

    def groups(zones: Iterable[tuple[str, Iterable[Plays]]]) -> list[list[Any]]:
        return [[zone, [number(p) for p in plays]] for zone, plays in zones]

    grouped = len(showings) > GROUP_ABOVE
    cities = by_city(showings) if grouped else []
    listed = [s for c in cities for s in c.screens] if grouped else list(showings)
    screens = {str(s.screen_id): groups([(s.timezone, s.plays)]) for s in listed}
    rows = {str(n): groups(c.zones) for n, c in enumerate(cities)}
    data = {
        "plays": [[p.cycle, p.offsets, p.segments] for p in index],
        "screens": screens,
        "cities": rows,
    }
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return {
        "where": [] if grouped else list(showings),
        "where_cities": cities,
        "where_data": text.encode("utf-8"),
        "where_version": hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
    }


def where_to_see(
    payloads: Mapping[int, Mapping[str, Any]],
    cities: Mapping[int, str],
    works: Collection[int] | None = None,
) -> dict[int, list[ScreenShowing]]:
    """artwork id -> every screen whose published window plays it, soonest first (then name);
    works: only these (a publish lists the screens of the few works whose pages it builds, not
    the thirty-odd each of a thousand screens plays)."""
    found: dict[int, list[ScreenShowing]] = {}
    for sid in sorted(payloads):
        payload = payloads[sid]
        shown = _showings(payload)
        for aid in shown if works is None else [a for a in works if a in shown]:
            next_ms, plays = shown[aid]
            found.setdefault(aid, []).append(
                ScreenShowing(
                    screen_id=sid,
                    name=payload["screen"]["name"],
                    city=cities.get(sid, ""),
                    timezone=payload["screen"]["timezone"],
                    next_ms=next_ms,
                    plays=plays,
                )
            )
    for showings in found.values():
        showings.sort(key=_soonest)
    return found


#: What each recent manifest plays, by its manifest_version (a digest of the whole payload):
#: a work's "where to see it" reads a thousand screens' timelines, and after one edit all but
#: a few are the ones the previous publish read. Bounded; only ever a speed-up.
_KEPT: Recent[str, dict[int, tuple[int | None, tuple[Plays, ...]]]] = Recent(8192)


def _showings(payload: Mapping[str, Any]) -> dict[int, tuple[int | None, tuple[Plays, ...]]]:
    """artwork id -> (next start from the window's start, the plays) for one manifest."""
    version = payload.get("manifest_version")
    kept = _KEPT.get(version) if isinstance(version, str) else None
    if kept is not None:
        return kept
    after = epoch_ms(payload["window"]["from"])
    made = {
        aid: (next_start(plays, after), tuple(plays))
        for aid, plays in plays_by_work(payload).items()
    }
    if isinstance(version, str):
        _KEPT.put(version, made)
    return made
