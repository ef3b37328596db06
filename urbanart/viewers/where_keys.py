"""What a work's "where to see it" takes from the screens showing it, named cheaply per publish.

A work's page and its where.json (page_units.where_path) are units keyed by every screen whose
manifest holds the work: its id, its city and what the work's rows take from it (WhereKey:
where.py says why the page's rows and the data differ). A fleet's work is on ~700 screens, so
keying the 23 works of the bench named ~16,500 (screen, work) pairs, though after one edit of
ten screens all but a few are the pairs the publish before named.

So the screens are taken in blocks of BLOCK consecutive ids, and a work's keys are made from
its blocks' digests. A block's digests (and which works each of its screens holds) are a pure
function of its screens' ids, manifest versions (the digest of all a payload holds) and
cities, and of the code: they are kept in process by exactly those values (a bounded memo, only
ever a speed-up, never trusted by any other name). After an edit only the blocks holding a
changed, added or removed screen are made again; a work's keys digest its blocks' (at most
fleet/BLOCK short strings). Same inputs, same keys, whether the blocks were remembered or made.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from urbanart.memo import Recent
from urbanart.viewers.output_cache import OutputCache, digest
from urbanart.viewers.where import Plays, ScreenShowing, first_start, kept_plays

#: Screens per block: after an edit of ten screens of a thousand, ~80 screens' pairs are named
#: again, and a work's key digests ~125 block digests.
BLOCK = 8


class WhereKey(NamedTuple):
    """What a work's "where to see it" takes from one screen, digested: its data (the
    screen's name, time zone, window and the work's plays) and its page's rows (name, time
    zone and first_start: no plays, as a row shows no time; where.py)."""

    data: str
    page: str


#: A screen whose manifest holds a work its timeline never plays.
NOWHERE = WhereKey("-", "-")


@dataclass(frozen=True)
class _Block:
    """One block's screens as the works' keys see them."""

    #: screen id -> the works its manifest holds, in id order
    shows: dict[int, tuple[int, ...]]
    #: work id -> the block's screens holding it, in id order
    holding: dict[int, tuple[int, ...]]
    #: work id -> "<block>:<digest>" of its page's and of its data's parts in this block
    parts: dict[int, tuple[str, str]]
    #: work id -> city (stripped) -> the block's showings of the work there, made when first
    #: asked (where_places.py): a pure function of the block's screens, as all it holds.
    places: dict[int, dict[str, tuple[ScreenShowing, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )


#: Blocks by the code and their screens' (id, manifest version, city), undigested (a tuple
#: compared whole on a hit). Bounded: 1,024 blocks (~14 KB each with 23 works) are a fleet of
#: 8,000 screens, or a fleet of 1,000 and a hundred edits of ten screens.
_BLOCKS: Recent[tuple[str, tuple[tuple[int, str, str], ...]], _Block] = Recent(1024)


@dataclass(frozen=True)
class ScreenBlocks:
    """The published screens in blocks, for the works' keys (where_page, where_data) and the
    lists of which screen holds which work."""

    #: block number (screen id // BLOCK) -> block, in number order
    blocks: dict[int, _Block]

    def keys(self, artwork_id: int) -> tuple[str, str]:
        """The digests of what the work's page and its where.json take from the screens
        holding it: site.build_viewers keys the two units by them."""
        pages, data = self._parts.get(artwork_id, ((), ()))
        return _parts_digest("where-page", pages), _parts_digest("where-data", data)

    @cached_property
    def _parts(self) -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
        """work id -> its blocks' page parts and data parts, in block order: one pass over
        the blocks for every work (a fleet's ~125 blocks, asked for each of its works)."""
        pages: dict[int, list[str]] = {}
        data: dict[int, list[str]] = {}
        for block in self.blocks.values():
            for aid, (page, datum) in block.parts.items():
                if (known := pages.get(aid)) is None:
                    pages[aid], data[aid] = [page], [datum]
                else:
                    known.append(page)
                    data[aid].append(datum)
        return {aid: (tuple(pages[aid]), tuple(data[aid])) for aid in pages}

    def holding(self, artwork_id: int) -> list[int]:
        """The screens whose manifest holds the work, in id order."""
        return [sid for b in self.blocks.values() for sid in b.holding.get(artwork_id, ())]

    def shows(self, screen_id: int) -> tuple[int, ...]:
        """The works the screen's manifest holds, in id order."""
        return self.blocks[screen_id // BLOCK].shows[screen_id]


def _parts_digest(kind: str, parts: tuple[str, ...]) -> str:
    """digest(kind, list(parts)), kept in process by the parts themselves (the key is all it
    is made from): after an edit of ten screens a work's page parts are the strings named
    before, and only the works whose plays moved have new data parts. Each digest repr'd
    and hashed ~125 parts of ~70 bytes, for each of a fleet's works, twice. Bounded; only
    ever a speed-up."""
    key = (kind, parts)
    known = _PARTS_DIGESTS.get(key)
    if known is None:
        known = digest(kind, list(parts))
        _PARTS_DIGESTS.put(key, known)
    return known


#: _parts_digest's answers by (kind, parts): a fleet's works, both kinds, a few publishes.
_PARTS_DIGESTS: Recent[tuple[str, tuple[str, ...]], str] = Recent(1024)


def in_blocks(screen_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """Screen ids in blocks of BLOCK ids (block number -> its ids, both in order): how the
    in-process memos of a fleet's screens take them (here, site._published, site's whats-on).
    Kept in process by the ids as given (a build asks three times, and every publish of a
    fleet names the same thousand screens): a copy of the kept answer, never the kept dict."""
    ids = tuple(screen_ids)
    known = _IN_BLOCKS.get(ids)
    if known is None:
        blocks: dict[int, list[int]] = {}
        for sid in sorted(ids):
            blocks.setdefault(sid // BLOCK, []).append(sid)
        known = {number: tuple(members) for number, members in blocks.items()}
        _IN_BLOCKS.put(ids, known)
    return dict(known)


#: in_blocks' answers by the ids asked for, in the order given: a few fleets.
_IN_BLOCKS: Recent[tuple[int, ...], dict[int, tuple[int, ...]]] = Recent(8)


def screen_blocks(
    payloads: Mapping[int, Mapping[str, Any]],
    cities: Mapping[int, str],
    code: str,
    outputs: OutputCache | None = None,
) -> ScreenBlocks:
    """The payloads' screens in blocks of BLOCK ids, each remembered or made (module
    docstring); code: the digest of what makes the pages (site._pages_code)."""
    found: dict[int, _Block] = {}
    missing: dict[int, tuple[str, tuple[tuple[int, str, str], ...]]] = {}
    held: dict[int, tuple[_HeldKey, tuple[Mapping[str, Any], ...]]] = {}
    for number, ids in in_blocks(payloads).items():
        shown = tuple(map(payloads.__getitem__, ids))
        fast = (code, ids, tuple(map(id, shown)), tuple(map(cities.get, ids)))
        kept = _BLOCKS_HELD.get(fast)
        if kept is not None and all(a is b for a, b in zip(kept[0], shown, strict=True)):
            found[number] = kept[1]
            continue
        held[number] = (fast, shown)
        screens = tuple(
            (sid, str(payload["manifest_version"]), cities.get(sid, ""))
            for sid, payload in zip(ids, shown, strict=True)
        )
        ident = (code, screens)
        block = _BLOCKS.get(ident)
        if block is None:
            missing[number] = ident
        else:
            found[number] = block
    wanted = {sid: payloads[sid] for ident in missing.values() for sid, _v, _c in ident[1]}
    where_of = where_keys(wanted, code, outputs)
    for number, ident in missing.items():
        found[number] = _make_block(number, ident[1], payloads, where_of)
        _BLOCKS.put(ident, found[number])
    for number, (fast, shown) in held.items():
        _BLOCKS_HELD.put(fast, (shown, found[number]))
    return ScreenBlocks({number: found[number] for number in sorted(found)})


#: A block's payloads as _BLOCKS_HELD names them: the code, its screens' ids, the ids of their
#: payload objects (held beside the block, so no other object can take those ids while it is
#: kept) and their cities.
_HeldKey = tuple[str, tuple[int, ...], tuple[int, ...], tuple[str | None, ...]]
#: Blocks by their payload objects: the very payloads a block was found or made for (a
#: payload is never changed once built: delivery/kept_payloads.py) have its versions, so
#: after an edit of ten screens a fleet's other blocks are found without naming their
#: screens' versions again. Bounded as _BLOCKS; only ever a speed-up.
_BLOCKS_HELD: Recent[_HeldKey, tuple[tuple[Mapping[str, Any], ...], _Block]] = Recent(1024)


def _make_block(
    number: int,
    screens: tuple[tuple[int, str, str], ...],
    payloads: Mapping[int, Mapping[str, Any]],
    where_of: Mapping[int, Mapping[int, WhereKey]],
) -> _Block:
    shows: dict[int, tuple[int, ...]] = {}
    holding: dict[int, list[int]] = {}
    pages: dict[int, list[str]] = {}
    data: dict[int, list[str]] = {}
    in_entry: dict[int, list[int]] = {}  # id() of a (shared) playlist entry -> its works
    for sid, _version, city in screens:
        held: set[int] = set()
        for entry in payloads[sid]["playlists"].values():
            works_in = in_entry.get(id(entry))
            if works_in is None:
                works_in = in_entry[id(entry)] = [int(i["artwork_id"]) for i in entry["items"]]
            held.update(works_in)
        shows[sid] = tuple(sorted(held))
        place = f"{sid}{city!r}"  # repr: no newline, so the parts cannot run together
        for aid in shows[sid]:
            key = where_of[sid].get(aid, NOWHERE)
            holding.setdefault(aid, []).append(sid)
            pages.setdefault(aid, []).append(f"{place}{key.page}")
            data.setdefault(aid, []).append(f"{place}{key.data}")
    return _Block(
        shows=shows,
        holding={aid: tuple(sids) for aid, sids in holding.items()},
        parts={
            aid: (f"{number}:{digest(pages[aid])}", f"{number}:{digest(data[aid])}")
            for aid in pages
        },
    )


def where_keys(
    payloads: Mapping[int, Mapping[str, Any]], code: str, outputs: OutputCache | None = None
) -> dict[int, dict[int, WhereKey]]:
    """Per screen, per work its timeline plays: its WhereKey (the screen's city is keyed
    apart). A manifest's version is the digest of its whole payload, so the publish cache
    keeps these by it: a thousand screens carried over cost a lookup each, not a pass over
    their timelines."""
    found: dict[int, dict[int, WhereKey]] = {}
    for sid in sorted(payloads):
        remembered = _WHERE_KEYS.get((code, payloads[sid]["manifest_version"]))
        if remembered is not None:
            found[sid] = remembered
    # Only what this process does not remember is named in the cache (a digest each).
    cache_keys = {
        sid: digest("where-keys", code, p["manifest_version"])
        for sid, p in payloads.items()
        if sid not in found
    }
    if outputs is not None:  # a read of the rest, put whole below
        outputs.prefetch(cache_keys.values(), whole=True)
    for sid in sorted(cache_keys):
        remember = (code, payloads[sid]["manifest_version"])
        kept = outputs.get(cache_keys[sid], count=False) if outputs is not None else None
        if kept is not None:
            found[sid] = {int(aid): WhereKey(*keys) for aid, keys in json.loads(kept).items()}
            _WHERE_KEYS.put(remember, found[sid])
            continue
        payload = payloads[sid]
        screen = (payload["screen"]["name"], payload["screen"]["timezone"])
        head = (*screen, payload["window"]["from"])
        segments: dict[int, str] = {}  # a playlist's segments, shared by its works' Plays
        pages: dict[int | None, str] = {}  # by first start: a playlist's works share one
        found[sid] = {}
        for aid, plays in kept_plays(payload).items():
            first = first_start(plays)
            if first not in pages:
                pages[first] = digest("where-page", screen, first)
            found[sid][aid] = WhereKey(
                digest("where", head, plays_text(plays, segments)), pages[first]
            )
        _WHERE_KEYS.put(remember, found[sid])
        if outputs is not None:
            outputs.put(cache_keys[sid], json.dumps(found[sid], sort_keys=True).encode("utf-8"))
    return found


def plays_text(plays: Sequence[Plays], segments: dict[int, str]) -> bytes:
    """repr(list(plays)) as digest() writes a part (so the digest is the one of the list
    itself), each segments tuple written once per screen (segments: id -> its repr, for
    tuples held while it is used): a playlist's works share one, of a whole day's
    segments, and writing it again for each work was most of naming an edited screen."""
    parts = []
    for p in plays:
        shared = segments.get(id(p.segments))
        if shared is None:
            shared = segments[id(p.segments)] = repr(p.segments)
        parts.append(f"Plays(cycle={p.cycle!r}, offsets={p.offsets!r}, segments={shared})")
    return ("[" + ", ".join(parts) + "]").encode("utf-8", "surrogatepass")


#: where_keys' answers kept in process by the code and the manifest's version (what their
#: cache key is made from, undigested): a publish after one edit finds a thousand screens'
#: here, not parsed from the cache again. Bounded; only ever a speed-up (never changed once
#: made).
_WHERE_KEYS: Recent[tuple[str, str], dict[int, WhereKey]] = Recent(8192)
