"""Viewer pages carried over from the served release when what they are made from is unchanged.

Why: a page cached by its full context (pages.render_cached) still costs building that context
and digesting it, and a thousand screens' now-playing pages in every language cost a publish
far more than loading the library. A page's context is made from a few inputs that are cheap to
name: a screen's manifest version, a work's catalogue facts, texts and images, the public
address, the code and catalogues that render it. So each "unit" (one artwork, playlist, screen
or artist: its page in every language and its QR code; or the front and error pages) gets a
digest of those inputs, the release index records them, and a unit whose digest the served
release recorded is not built at all: its files are hard-linked from that release by the
sha256 the index holds. Any changed input gives a new digest and the unit is built as before.

A screen is two units, because its page and its timing change for different reasons: its page
("s/<id>", every language version and the QR code) is keyed by what the page shows (the
screen's name, city and languages, its playlists' names and works in order, the works' cards,
live and generative), not by the manifest's version; its programme.json ("s/<id>/programme.json",
programme_json.py) by the manifest's version, which names the timing it holds. A duration edit
changes the version, so only the small timing file is made again; the pages are carried.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from urbanart.i18n import LANGUAGES
from urbanart.memo import Recent
from urbanart.viewers import gone
from urbanart.viewers.output_cache import digest
from urbanart.viewers.pages import tree_url
from urbanart.viewers.where import WHERE_FILE

K = TypeVar("K")

#: Where a release index keeps its units' input digests (ReleaseIndex.extra).
INDEX_KEY = "page_inputs"
#: The unit of the home, not-found and "no longer showing" pages and the retired-ids record.
FRONT = "front"
#: Not a unit: the digest of what every unit shares (the pages' code, the address, the shared
#: settings), which no screen's input key covers (site.build_viewers).
COMMON = "common"
#: Kinds of page that have a QR code (qr/<kind>/<id>.svg and .png).
WITH_QR = frozenset({"a", "p", "s"})


#: How many units' names and paths are kept made (unit_name, unit_files): a fleet's every
#: screen, work, playlist and artist, with room; a name is a few dozen bytes.
NAMED_UNITS = 16_384


@lru_cache(maxsize=NAMED_UNITS)
def unit_name(kind: str, ident: int) -> str:
    """ "a/7", "p/3", "s/12", "artists/4": a unit's name, its pages' folder without the slash.
    Kept made, as unit_files: after one edit a publish names a fleet's thousand screens'
    units to carry them, and percent-encoding each part (tree_url) cost more than carrying."""
    return tree_url(kind, ident)


def page_files(folder: str) -> list[str]:
    """A page's files in every language: <folder>index.html and <folder><lang>/index.html."""
    return [f"{folder}index.html", *(f"{folder}{lang}/index.html" for lang in LANGUAGES)]


@lru_cache(maxsize=NAMED_UNITS)
def unit_files(kind: str, ident: int) -> tuple[str, ...]:
    """Every release file one unit makes: its pages in every language and its QR code."""
    files = page_files(unit_name(kind, ident) + "/")
    if kind in WITH_QR:
        files += [f"qr/{kind}/{ident}.svg", f"qr/{kind}/{ident}.png"]
    return tuple(files)


@lru_cache(maxsize=NAMED_UNITS)
def where_path(artwork_id: int) -> str:
    """The data file of a work's "where to see it" (where.WHERE_FILE, beside its page), and
    the name of its unit, apart from its page's (as a screen's programme.json is): an item's
    duration moves the data (its plays) and not the page (where.py), so the edit rewrites the
    one file."""
    return f"{unit_name('a', artwork_id)}/{WHERE_FILE}"


def front_files() -> list[str]:
    """The front unit's files: the home page and every error page, in every language, and the
    record of retired ids."""
    files = page_files("")
    for lang in (None, *LANGUAGES):
        files.extend(gone.error_page(kind, lang) for kind in ("", *gone.KINDS))
    return [*files, gone.GONE_RECORD]


def stable(value: Any) -> str:
    """JSON with sorted keys: equal data, equal text, whichever way it was read (a payload
    kept in the publish cache and one parsed from the served file order their keys apart)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


@dataclass
class Carry:
    """The units of one build: which were carried over (their files by sha256) and the input
    digest of every unit, for the new release's index."""

    previous_files: Mapping[str, str] = field(default_factory=dict)
    previous_inputs: Mapping[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    carried: dict[str, str] = field(default_factory=dict)

    def take(self, unit: str, files: Sequence[str], *parts: object) -> bool:
        """Record the unit's input digest (of parts); True when the served release holds every
        one of its files made from the same inputs (they are carried, not built)."""
        key = unit_digest(unit, parts)
        self.inputs[unit] = key
        return self.previous_inputs.get(unit) == key and self.keep(unit, files)

    def keep(self, unit: str, files: Sequence[str]) -> bool:
        """Carry the unit by the digest and files the served release recorded for it, without
        digesting its inputs again: only for a unit none of whose inputs can have changed
        (site.build_viewers says when). False, and nothing carried, when the served release
        lacks its record or any of its files."""
        key = self.previous_inputs.get(unit)
        if key is None:
            return False
        try:  # one pass in C: a fleet's thousand screens' units come here after every edit
            found = dict(zip(files, map(self.previous_files.__getitem__, files), strict=True))
        except KeyError:
            return False
        self.inputs[unit] = key
        self.carried.update(found)
        return True

    def keep_many(self, units: Mapping[K, tuple[str, Sequence[str]]]) -> set[K]:
        """keep() of each unit (name, files), by the caller's key: the keys of those carried.
        At once when the served release records every one and holds all their files (a
        fleet's thousand steady screens' pages after an edit: two passes in C over their
        names and files, not a call per unit); else one by one, exactly as keep()."""
        try:
            keys = {name: self.previous_inputs[name] for name, _files in units.values()}
            found = {
                path: self.previous_files[path] for _name, files in units.values() for path in files
            }
        except KeyError:
            return {key for key, (name, files) in units.items() if self.keep(name, files)}
        self.inputs.update(keys)
        self.carried.update(found)
        return set(units)


def unit_digest(unit: str, parts: tuple[object, ...]) -> str:
    """digest("page-unit", unit, *parts): a unit's input digest (Carry.take), kept in process by
    the unit and its parts when they are plain (_plain). Why: a publish after one edit keys a
    fleet's works, playlists and artists and its front pages again, nearly all from the very
    parts of the publish before, and each digest wrote and hashed their reprs again (the
    front's alone names every screen, ~80 KB). Plain parts are equal exactly when their reprs
    are, so a kept digest is the one digest() gives. Bounded; only ever a speed-up."""
    if not all(map(_plain, parts)):
        return digest("page-unit", unit, *parts)
    key = (unit, parts)
    known = _UNIT_DIGESTS.get(key)
    if known is None:
        known = digest("page-unit", unit, *parts)
        _UNIT_DIGESTS.put(key, known)
    return known


def _plain(part: object) -> bool:
    """A str, bytes, int (not a bool: True == 1, their reprs differ), None, or a tuple of them."""
    kind = type(part)
    if kind is str or kind is bytes or kind is int or part is None:
        return True
    return isinstance(part, tuple) and kind is tuple and all(map(_plain, part))


#: unit_digest's answers by (unit, parts): a fleet's works, playlists, artists and edited
#: screens, a few publishes over.
_UNIT_DIGESTS: Recent[tuple[str, tuple[object, ...]], str] = Recent(4096)
