"""A work's "where to see it" (where.where_section), kept per work and moved on block by block.

Why: a work on a fleet is shown by hundreds of screens in about a hundred cities, and after an
edit on ten screens its where.json is made again (its plays moved). Reading every screen's
showings again, sorting them all and grouping them by city (where.where_to_see, by_city) cost
a publish a few milliseconds per work, though all but the edited screens' blocks were the ones
the publish before read. So each work keeps, in process, its showings by city and by block
(where_keys.py's blocks of BLOCK screens) and its city rows; a publish swaps the parts of the
blocks that are not the very objects it kept (a block is remembered by its screens' ids,
manifest versions and cities, and the code: where_keys._BLOCKS), and makes again only the rows
of the cities those blocks touch.

Sound: a block's showings of a work are a pure function of the block's screens (their ids,
cities and manifests, named by their versions), so a kept block is its showings; a block made
again (a changed screen, or one the memo forgot) is a new object and is read afresh. The
answer is where_section(where_to_see(...)[work]) for the same screens, byte for byte (a test
compares the two after edits). Bounded; only ever a speed-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, count
from operator import is_not
from typing import Any

from urbanart.memo import Recent
from urbanart.viewers.where import (
    GROUP_ABOVE,
    SHOWING_ORDER,
    CityShowing,
    DataParts,
    ScreenShowing,
    city_row,
    data_entry,
    data_parts,
    listed_screens,
    number_text,
    row_order,
    section,
    showings_of,
)
from urbanart.viewers.where_keys import ScreenBlocks, _Block


@dataclass(frozen=True)
class _Places:
    """One work's showings as the last publish that asked for it found them."""

    #: block number -> the block holding the work (the very object read)
    blocks: dict[int, _Block]
    #: city (stripped) -> block number -> that block's showings of the work in the city
    cities: dict[str, dict[int, tuple[ScreenShowing, ...]]]
    #: city -> its row (where.city_row)
    rows: dict[str, CityShowing]


#: Each recent work's _Places, by its id (checked against the blocks, never trusted by it).
_PLACES: Recent[int, _Places] = Recent(4096)


def where_of(
    artwork_id: int,
    blocks: ScreenBlocks,
    payloads: Mapping[int, Mapping[str, Any]],
    cities: Mapping[int, str],
) -> dict[str, Any]:
    """where.where_section of every screen whose published window plays the work, from the
    blocks the publish named (where_keys.screen_blocks of these payloads and cities)."""
    places = _places(artwork_id, blocks, payloads, cities)
    if sum(row.count for row in places.rows.values()) > GROUP_ABOVE:
        screens, rows = [], sorted(places.rows.values(), key=row_order)
    else:
        shown = [s for parts in places.cities.values() for held in parts.values() for s in held]
        screens, rows = sorted(shown, key=SHOWING_ORDER), []
    listed = listed_screens(screens, rows)
    before = _DATA.get(artwork_id)
    data = (moved_data(listed, before) if before is not None else None) or data_parts(listed)
    _DATA.put(artwork_id, data)
    return section(screens, rows, data.text().encode("utf-8"))


#: Each recent work's where.json parts, by its id (never trusted by it: moved_data checks them
#: against the screens listed now). Bounded; only ever a speed-up.
_DATA: Recent[int, DataParts] = Recent(1024)


def moved_data(listed: Sequence[ScreenShowing], before: DataParts) -> DataParts | None:
    """where.data_parts(listed), moved on from the parts of the screens listed before, when
    the screens listed are the same ids in the same order and all but a few are the very
    showings listed before (an edit on ten screens makes theirs anew); None when not so sure.

    Why: after such an edit a fleet work's data is made again (its plays moved) from ~300
    listed screens, and its numbering loop read every one of them again, ~0.5 ms per work.

    Sound when each plays' JSON of a changed screen that is not as it was is replaced by one
    new plays, the same on every changed screen naming it (and named by no other screen, before
    or now), and each new plays replaces one old: then every plays is first named by the same
    screen at the same place as before, so it keeps its number (the new takes the old's), and
    the screens not changed keep their entries."""
    if len(listed) != len(before.listed) or len(before.entries) != len(listed):
        return None  # another number of screens, or a screen listed twice
    changed = list(compress(count(), map(is_not, listed, before.listed)))  # in C: ~300 screens
    if not changed:
        return before
    if len(changed) > len(listed) // 4:
        return None
    swap: dict[str, str] = {}  # an old plays -> its new one
    back: dict[str, str] = {}  # a new plays -> the old it replaces
    slots: dict[str, int] = {}  # an old plays -> how many changed screens name it
    for i in changed:
        now, was = listed[i], before.listed[i]
        if now.screen_id != was.screen_id or len(now.plays_json) != len(was.plays_json):
            return None
        for new, old in zip(now.plays_json, was.plays_json, strict=True):
            if swap.setdefault(old, new) != new or back.setdefault(new, old) != old:
                return None
            slots[old] = slots.get(old, 0) + 1
    swapped = {old: new for old, new in swap.items() if old != new}
    named = dict(before.named)
    for old, new in swapped.items():
        if before.named[old] != slots[old] or new in before.numbers:
            return None  # the old is named by a screen not changed, or the new was named
        named[new] = named.pop(old)
    plays = list(map(swapped.get, before.numbers, before.numbers))  # each, or its new one
    numbers = dict(zip(plays, range(len(plays)), strict=True))
    entries = dict(before.entries)
    for i in changed:
        now = listed[i]
        entries[str(now.screen_id)] = data_entry(
            now, [number_text(numbers[p]) for p in now.plays_json]
        )
    return DataParts(tuple(listed), numbers, entries, before.order, named)


def _places(
    artwork_id: int,
    blocks: ScreenBlocks,
    payloads: Mapping[int, Mapping[str, Any]],
    cities: Mapping[int, str],
) -> _Places:
    """The work's places, the kept ones moved on by the blocks that are not the kept objects."""
    holding = {n: b for n, b in blocks.blocks.items() if artwork_id in b.holding}
    kept = _PLACES.get(artwork_id)
    before = kept.blocks if kept is not None else {}
    changed = [
        n for n in sorted(holding.keys() | before.keys()) if holding.get(n) is not before.get(n)
    ]
    if kept is not None and not changed:
        return kept
    by_city = dict(kept.cities) if kept is not None else {}
    rows = dict(kept.rows) if kept is not None else {}
    touched: set[str] = set()

    def parts(city: str) -> dict[int, tuple[ScreenShowing, ...]]:
        """The city's parts, copied once before changing them (the kept ones stay as they were)."""
        if city not in touched:
            touched.add(city)
            by_city[city] = dict(by_city.get(city, {}))
        return by_city[city]

    for number in changed:
        if (old := before.get(number)) is not None:
            for city in old.places[artwork_id]:
                parts(city).pop(number, None)
        if (new := holding.get(number)) is not None:
            for city, shown in block_places(new, artwork_id, payloads, cities).items():
                parts(city)[number] = shown
    for city in touched:
        if by_city[city]:
            screens = [s for shown in by_city[city].values() for s in shown]
            rows[city] = city_row(city, screens)
        else:
            del by_city[city]
            rows.pop(city, None)
    made = _Places(holding, by_city, rows)
    _PLACES.put(artwork_id, made)
    return made


def block_places(
    block: _Block,
    artwork_id: int,
    payloads: Mapping[int, Mapping[str, Any]],
    cities: Mapping[int, str],
) -> dict[str, tuple[ScreenShowing, ...]]:
    """city (stripped) -> the block's showings of the work there (its screens holding the work
    whose timeline plays it), made once per block and work and kept on the block."""
    known = block.places.get(artwork_id)
    if known is None:
        found: dict[str, list[ScreenShowing]] = {}
        for sid in block.holding.get(artwork_id, ()):
            showing = showings_of(sid, payloads[sid], cities.get(sid, "")).get(artwork_id)
            if showing is not None:
                found.setdefault(showing.city.strip(), []).append(showing)
        known = block.places[artwork_id] = {city: tuple(s) for city, s in found.items()}
    return known
