"""What the published tree remembers about pages that are gone, and which page answers for them.

Why a record in the tree: a work taken off every playlist simply has no page in the next
release, so without memory the hub cannot tell "retired" (410, the QR on a poster still points
here) from "never existed" (404). Each publish carries the record forward: every artwork,
playlist or screen page the previous release had (or remembered as gone) and this one has not.
This module is only layout and parsing (no templates), so the hub can use it cheaply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

#: The record of retired ids, at the tree's root: {"a": [ids], "p": [ids], "s": [ids]}.
GONE_RECORD = "gone.json"
#: The page any static server answers unknown paths with (nginx: error_page 404 /404.html).
NOT_FOUND_PAGE = "404.html"
#: Kinds of public page: artwork, playlist, screen (the tree's folder names).
KINDS = ("a", "p", "s")

_PAGE = re.compile(r"^([aps])/(\d+)/index\.html$")
#: A URL naming one page's things: /a/7, /a/7/, /a/7/index.html, /qr/a/7.svg, /qr/a/7.png.
_URL = re.compile(r"^/(?:qr/)?([aps])/(\d+)(?:/|/index\.html|\.svg|\.png)?$")


def gone_page(kind: str) -> str:
    """Tree path of the "no longer showing" page of one kind (gone/a.html…)."""
    return f"gone/{kind}.html"


def page_ids(files: Iterable[str]) -> dict[str, set[int]]:
    """Ids with a page among tree paths, by kind."""
    found: dict[str, set[int]] = {kind: set() for kind in KINDS}
    for path in files:
        match = _PAGE.match(path)
        if match:
            found[match.group(1)].add(int(match.group(2)))
    return found


def read_record(data: bytes | None) -> dict[str, frozenset[int]]:
    """The record's ids by kind; an absent or damaged record remembers nothing (never fails)."""
    empty = {kind: frozenset[int]() for kind in KINDS}
    if not data:
        return empty
    try:
        doc = json.loads(data)
        return {
            kind: frozenset(int(i) for i in doc.get(kind, []) if isinstance(i, int))
            for kind in KINDS
        }
    except (ValueError, TypeError, AttributeError):
        return empty


def retired(
    previous_files: Iterable[str],
    previous_record: bytes | None,
    published: Mapping[str, Iterable[int]],
) -> dict[str, list[int]]:
    """Ids that had a page (or were already gone) and have none in this release, by kind."""
    before = page_ids(previous_files)
    remembered = read_record(previous_record)
    result: dict[str, list[int]] = {}
    for kind in KINDS:
        now = set(published.get(kind, ()))
        result[kind] = sorted((before[kind] | remembered[kind]) - now)
    return result


def record_bytes(ids: Mapping[str, Iterable[int]]) -> bytes:
    """The record as published: sorted, so an unchanged record is byte-identical."""
    doc = {kind: sorted(set(ids.get(kind, ()))) for kind in KINDS}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")


def named_page(url: str) -> tuple[str, int] | None:
    """(kind, id) when a URL path names an artwork, playlist or screen page or its QR code."""
    match = _URL.match(url)
    if match is None:
        return None
    return match.group(1), int(match.group(2))
