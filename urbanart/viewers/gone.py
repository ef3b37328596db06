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
from collections.abc import Collection, Iterable, Mapping

#: The record of retired ids, at the tree's root: {"a": [ids], "p": [ids], "s": [ids]}.
GONE_RECORD = "gone.json"
#: The page any static server answers unknown paths with (nginx: error_page 404 /404.html).
NOT_FOUND_PAGE = "404.html"
#: Kinds of public page: artwork, playlist, screen (the tree's folder names).
KINDS = ("a", "p", "s")

_PAGE = re.compile(r"^([aps])/(\d+)/index\.html$")
#: A URL naming one page's things: /a/7, /a/7/, /a/7/index.html, /a/7/ja/, /qr/a/7.svg, …
_URL = re.compile(
    r"^/(?:qr/)?([aps])/(\d+)(?:/|/index\.html|\.svg|\.png|/([a-z]{2,3})(?:/|/index\.html)?)?$"
)
#: A language version's folder anywhere in a URL: /a/7/ja/, /ja/, /artists/3/pt/index.html.
_LANGUAGE = re.compile(r"/([a-z]{2,3})(?:/|/index\.html)?$")


def gone_page(kind: str) -> str:
    """Tree path of the "no longer showing" page of one kind (gone/a.html…)."""
    return f"gone/{kind}.html"


def error_page(kind: str, lang: str | None = None) -> str:
    """Tree path of an error page in one language: kind "" is "not found" (404.html at the
    root, as static servers expect; ja/404.html…), a kind its "no longer showing" page
    (gone/a.html; gone/ja/a.html…). lang None is the default language's page."""
    if not kind:
        return f"{lang}/{NOT_FOUND_PAGE}" if lang else NOT_FOUND_PAGE
    return f"gone/{lang}/{kind}.html" if lang else gone_page(kind)


def url_language(url: str) -> str | None:
    """The language a URL asked for by its last folder ("/a/7/ja/" → "ja"), if any."""
    match = _LANGUAGE.search(url)
    return match.group(1) if match else None


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
    before: Mapping[str, Collection[int]] | None = None,
) -> dict[str, list[int]]:
    """Ids that had a page (or were already gone) and have none in this release, by kind.
    before: page_ids(previous_files), when the caller knows them without a pass over the
    release's files (site.build_viewers: the pages of the build that made that release)."""
    before = page_ids(previous_files) if before is None else before
    remembered = read_record(previous_record)
    result: dict[str, list[int]] = {}
    for kind in KINDS:
        now = set(published.get(kind, ()))
        result[kind] = sorted((set(before.get(kind, ())) | remembered[kind]) - now)
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
