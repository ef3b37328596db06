"""Where and when a work can be seen: the screens whose published timelines play it, and when.

Why from the manifests and not from the schedules: the published timelines are what the
screens will really play (docs/published-tree.md, "Which item plays when"), so the page and the
screens cannot disagree. A work plays on a screen wherever a timeline segment plays a playlist
holding it: from the segment's start S the playlist cycles, so the work's item at offset o in a
cycle of total T starts at S + o + n·T while that is before the segment's end.

The page's HTML says where (cities, counts, screens, links) and no time: its script writes the
next times from the phone's clock and the compact Plays in the work's WHERE_FILE. Why: a time
built at publish moves whenever an item's duration does, and so did the page's order (soonest
first) and its choice of a city's screens; editing one playlist's item then rewrote every
version of its works' pages (six of about 150 KB each on a fleet) where only their data moved.
So rows are ordered, and a city's screens chosen, by what durations do not move: the first
instant from the window's start at which a playlist holding the work starts playing on the
screen (first_ms: its first segment start in the work's Plays), then name, then id. The script
re-sorts by the real next times.

A work on many screens (more than GROUP_ABOVE) is listed by city, not by screen: a passer-by
wants "where near me, and when next", not 730 rows. One row per city (by its soonest first_ms,
then name; screens without a city last, under "Other places") with its number of screens and
its SCREENS_PER_CITY screens of soonest first_ms, linked.

The script moves a city's "next" on from the plays of the screens its row lists, not of all its
screens. Why: the data then grows with the rows shown (at most SCREENS_PER_CITY screens each),
not with the fleet. Merging all of a city's screens into one schedule does not shrink it: each
screen's segments start at their own instants (so the cycles have their own phase), and a fleet
whose screens run their own schedules has about as many distinct Plays as screens (the bench's
735 screens of a work: 932). The cost is that an unlisted screen of the city may start sooner
than the row says; but the row's "next" is then always a time at a screen it links to, where
the passer-by is sent anyway.

The script's data is a file of its own beside the page (WHERE_FILE), not a copy in each
language version: it was most of each version's bytes (about 130 KB of a fleet work's 280 KB),
written, cached and hashed six times per work by every publish that touched the work, and sent
to every phone that opened the page, which shows its rows without it anyway.

It is fetched at a fixed address (no `?v=<digest>`) and revalidated on every load (fetch with
`cache: "no-cache"`; the hub serves it `no-cache` with an ETag, a bucket marks it so too): a
digest in the page's link would change the page's bytes whenever the data's do, which is the
very rewrite the data file is apart to avoid. A page may then read data from a newer (or older)
release than its own, so the data is keyed by what does not drift between releases: each screen
by its id ("screens"), and a city's row takes the next times of the screens it lists that the
data has (no row index). The script skips what it cannot match (a screen the data no longer
lists keeps no time), so a stale pair never breaks the page nor puts a time on the wrong row.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from operator import attrgetter
from typing import Any, NamedTuple

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


def kept_plays(payload: Mapping[str, Any]) -> dict[int, list[Plays]]:
    """plays_by_work, kept in process by the manifest's version (the digest of all the
    payload holds), for where_keys and showings_of: after an edit both read the edited
    screens' timelines, and the second reading was the first's again. Never changed once made;
    bounded; only ever a speed-up."""
    version = payload.get("manifest_version")
    if not isinstance(version, str):
        return plays_by_work(payload)
    known = _PLAYS.get(version)
    if known is None:
        known = plays_by_work(payload)
        _PLAYS.put(version, known)
    return known


#: kept_plays' answers, by manifest version: the screens edited by the last publish or two
#: (where_keys reads them, then showings_of), not a fleet's (their showings are kept whole).
_PLAYS: Recent[str, dict[int, list[Plays]]] = Recent(64)


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


def first_start(plays: Sequence[Plays]) -> int | None:
    """The first instant of the window at which a playlist holding the work starts playing on
    the screen (its first segment start): what the page orders by, as no duration moves it."""
    return min((p.segments[0][0] for p in plays if p.segments), default=None)


@dataclass(frozen=True)
class ScreenShowing:
    """One screen whose published window plays a playlist holding the work.

    Kept in process by the screen's manifest version (where_to_see), so what each derives for
    the page (its order, its plays as JSON) is made once in its life, not by every publish that
    lists it: after one edit, all but the edited screens' come ready.
    """

    screen_id: int
    name: str
    city: str
    timezone: str
    first_ms: int | None  # first_start of its plays: the page's order (module docstring)
    # Not part of a page's digest (pages.context_digest): the work's WHERE_FILE carries them.
    plays: tuple[Plays, ...] = field(metadata={"digest": False})

    @cached_property
    def order(self) -> tuple[bool, int, str, int]:
        """Soonest first_ms first (None last), then name, then id: the page's order."""
        return (self.first_ms is None, self.first_ms or 0, self.name, self.screen_id)

    @cached_property
    def plays_json(self) -> tuple[str, ...]:
        """Each of its plays as where_section's data writes it (compact JSON)."""
        return tuple(
            json.dumps([p.cycle, p.offsets, p.segments], separators=(",", ":")) for p in self.plays
        )

    @cached_property
    def data_head(self) -> str:
        """Its entry in the data's "screens", up to its plays' indexes: '"<id>":[[<zone>,['."""
        return f'"{self.screen_id}":[[{_json_text(self.timezone)},['


@dataclass(frozen=True)
class CityShowing:
    """One city's row: how many of its screens show the work, the soonest first_ms among them
    and the screens its row lists (soonest first_ms first). city "" gathers the screens
    without a city."""

    city: str
    count: int
    first_ms: int | None
    screens: tuple[ScreenShowing, ...]

    @property
    def more(self) -> int:
        """The city's screens its row counts but does not name."""
        return self.count - len(self.screens)


def by_city(showings: Sequence[ScreenShowing]) -> list[CityShowing]:
    """The screens as one row per city: the city of the soonest first_ms first, then by name;
    the screens without a city last."""
    cities: dict[str, list[ScreenShowing]] = {}
    for showing in showings:  # no list made per screen (a fleet work's are hundreds)
        city = showing.city.strip()
        if (screens := cities.get(city)) is None:
            cities[city] = [showing]
        else:
            screens.append(showing)
    rows = [city_row(city, screens) for city, screens in cities.items()]
    rows.sort(key=row_order)
    return rows


def city_row(city: str, screens: Collection[ScreenShowing]) -> CityShowing:
    """One city's row from its screens showing the work, in any order (city: stripped)."""
    ordered = sorted(screens, key=SHOWING_ORDER)
    return CityShowing(
        city=city,
        count=len(ordered),
        first_ms=ordered[0].first_ms,
        screens=tuple(ordered[:SCREENS_PER_CITY]),
    )


def row_order(row: CityShowing) -> tuple[bool, bool, int, str, tuple[bool, int, str, int]]:
    """The rows' order (by_city): the city of the soonest first_ms first, then by name; cities
    equal in both by their soonest screen's order, so rows made in any order sort alike."""
    return (
        row.city == "",
        row.first_ms is None,
        row.first_ms or 0,
        row.city.casefold(),
        row.screens[0].order,
    )


#: The sort key of a ScreenShowing (its order), for sort and sorted: the page's order.
SHOWING_ORDER = attrgetter("order")


@lru_cache(maxsize=1024)
def _json_text(text: str) -> str:
    """A string as the data's JSON writes it (a fleet has a few dozen time zones)."""
    return json.dumps(text, ensure_ascii=False)


def where_section(showings: Sequence[ScreenShowing]) -> dict[str, Any]:
    """What a work's page shows of where to see it (artwork.html): "where", one row per screen
    (GROUP_ABOVE screens or fewer) or "where_cities", one per city; "where_zones", the time
    zones of the cities' listed screens (the script names a city's time in its zone's words);
    "where_data", the script's data for exactly the screens listed, the same in every language
    (the work's WHERE_FILE, so written once, not into each of its page's versions):

        {"plays": [[cycle, [[offset, length]…], [[start, end]…]]…],   each distinct Plays once
         "screens": {"<screen id>": [[zone, [plays index…]]]}}      every screen listed

    A screen's next start is the soonest over its plays; a city row's, the soonest of the
    screens it lists, told in that screen's zone.
    """
    grouped = len(showings) > GROUP_ABOVE
    return section([] if grouped else list(showings), by_city(showings) if grouped else [])


def section(
    screens: Sequence[ScreenShowing],
    cities: Sequence[CityShowing],
    data: bytes | None = None,
) -> dict[str, Any]:
    """where_section's answer from its rows: screens (GROUP_ABOVE or fewer, in order), or
    cities (by_city's rows of more); the other empty. data: where_data of the listed screens,
    when the caller made it (where_places moves a work's on from the publish before)."""
    return {
        "where": list(screens),
        "where_cities": list(cities),
        "where_zones": sorted({s.timezone for c in cities for s in c.screens}),
        "where_data": data
        if data is not None
        else where_data(listed_screens(screens, cities)).encode("utf-8"),
    }


def listed_screens(
    screens: Sequence[ScreenShowing], cities: Sequence[CityShowing]
) -> list[ScreenShowing]:
    """The screens a section's rows list, in order: its screens, or its cities' listed ones."""
    return [s for c in cities for s in c.screens] if cities else list(screens)


def where_data(listed: Sequence[ScreenShowing]) -> str:
    """The text of json.dumps({"plays": …, "screens": …}, ensure_ascii=False, sort_keys=True,
    separators=(",", ":")) for the screens listed (where_section): DataParts.text."""
    return data_parts(listed).text()


@dataclass(frozen=True)
class DataParts:
    """A where.json's parts, joined from each listed screen's ready parts (ScreenShowing.
    plays_json, data_head) instead of encoding the data whole: a fleet work's data is about
    130 KB, and encoding it again was most of its cost after an edit on ten screens.

    Each distinct Plays is numbered in the order the listed screens first name it; two are the
    same exactly when their JSON is (they hold only ints), and a str keeps its hash, so the
    numbering hashes no segments."""

    #: the screens listed, in order
    listed: tuple[ScreenShowing, ...]
    #: each distinct plays' JSON -> its number, in number order
    numbers: dict[str, int]
    #: screen id (text) -> its entry in "screens"
    entries: dict[str, str]
    #: the entries' ids in the data's order (as text, sorted)
    order: tuple[str, ...]
    #: each distinct plays' JSON -> how many times the listed screens name it
    named: dict[str, int]

    def text(self) -> str:
        screens = ",".join([self.entries[sid] for sid in self.order])
        return '{"plays":[' + ",".join(self.numbers) + '],"screens":{' + screens + "}}"


def data_parts(listed: Sequence[ScreenShowing]) -> DataParts:
    """DataParts of the screens listed (where_data)."""
    index: dict[str, int] = {}
    named: dict[str, int] = {}
    entries: dict[str, str] = {}
    for s in listed:  # a loop, not comprehensions: a fleet work lists ~300 screens
        numbers = []
        for p in s.plays_json:
            n = index.get(p)
            if n is None:
                n = index[p] = len(index)
                named[p] = 1
            else:
                named[p] += 1
            numbers.append(_NUMBERS[n] if n < len(_NUMBERS) else str(n))  # number_text, inline
        entries[str(s.screen_id)] = data_entry(s, numbers)
    return DataParts(tuple(listed), index, entries, tuple(sorted(entries)), named)


def data_entry(showing: ScreenShowing, numbers: Sequence[str]) -> str:
    """A listed screen's entry in the data's "screens", its plays by their numbers (as text)."""
    return showing.data_head + ",".join(numbers) + "]]]"


def number_text(n: int) -> str:
    """A plays' number as the data writes it."""
    return _NUMBERS[n] if n < len(_NUMBERS) else str(n)


#: The plays' numbers as where_data writes them, made once.
_NUMBERS = tuple(str(n) for n in range(4096))


def where_to_see(
    payloads: Mapping[int, Mapping[str, Any]],
    cities: Mapping[int, str],
    works: Collection[int] | None = None,
) -> dict[int, list[ScreenShowing]]:
    """artwork id -> every screen whose published window plays it, by first_ms (then name);
    works: only these. The whole reading: a publish keeps each work's showings and moves
    them on by the blocks an edit changed (where_places.where_of), which gives
    where_section of this, byte for byte (its tests compare the two)."""
    found: dict[int, list[ScreenShowing]] = {}
    for sid in sorted(payloads):
        shown = showings_of(sid, payloads[sid], cities.get(sid, ""))
        for aid in shown if works is None else [a for a in works if a in shown]:
            found.setdefault(aid, []).append(shown[aid])
    for showings in found.values():
        showings.sort(key=SHOWING_ORDER)
    return found


#: Each recent screen's showings, by its id, city and manifest_version (a digest of the whole
#: payload): a work's "where to see it" reads a thousand screens' timelines, and after one edit
#: all but a few are the ones the previous publish read, their ScreenShowings (and what each
#: derives, once) ready. Bounded; only ever a speed-up.
_KEPT: Recent[tuple[int, str, str], dict[int, ScreenShowing]] = Recent(8192)


def showings_of(sid: int, payload: Mapping[str, Any], city: str) -> dict[int, ScreenShowing]:
    """artwork id -> the screen's showing of it, for every work its manifest plays."""
    version = payload.get("manifest_version")
    key = (sid, city, version) if isinstance(version, str) else None
    kept = _KEPT.get(key) if key is not None else None
    if kept is not None:
        return kept
    name, zone = payload["screen"]["name"], payload["screen"]["timezone"]
    made = {
        aid: ScreenShowing(sid, name, city, zone, first_start(plays), tuple(plays))
        for aid, plays in kept_plays(payload).items()
    }
    if key is not None:
        _KEPT.put(key, made)
    return made
