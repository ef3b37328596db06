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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from urbanart.memo import Recent
from urbanart.viewers.where import (
    GROUP_ABOVE,
    SHOWING_ORDER,
    CityShowing,
    ScreenShowing,
    city_row,
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
        return section([], sorted(places.rows.values(), key=row_order))
    screens = [s for parts in places.cities.values() for shown in parts.values() for s in shown]
    return section(sorted(screens, key=SHOWING_ORDER), [])


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
