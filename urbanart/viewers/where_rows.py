"""A work's city rows ("where to see it"), each rendered once and kept by what it shows.

Why: a work on a fleet is listed in about a hundred cities, in every language version of its
page, and a change on ten screens (renamed, moved, or given a schedule that starts the work at
another instant) changes at most those screens' cities' rows. Rendering the whole list again was
most of such a publish (a work's page is rebuilt when any of its screens' rows may change; no
longer when only durations do, where.py). So each row (templates/_where_city.html, without its
position, which the page writes) is kept in the publish cache under a digest of everything it
shows: the city, its count, its listed screens (id, name), the page version's language and links
(root, lang_path) and the code and catalogues that write it. No time: the script writes those
(where.py), so a row's bytes do not move with a duration.
A row whose inputs are unchanged is the same bytes; a page is the join of its rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from urbanart.viewers.fragments import kept_parts
from urbanart.viewers.output_cache import OutputCache, digest
from urbanart.viewers.pages import environment, render_code
from urbanart.viewers.where import CityShowing


def row_inputs(row: CityShowing) -> tuple[object, ...]:
    """Everything _where_city.html reads of a row (its times are the script's, where.py)."""
    return (row.city, row.count, tuple((s.screen_id, s.name) for s in row.screens))


def row_digest(row: CityShowing) -> str:
    """The digest of what a row shows, the same in every version of the page (made once per
    row, not once per version)."""
    return digest("where-city-row", render_code(), row_inputs(row))


def row_key(row: CityShowing, *, lang: str, root: str, lang_path: str, shows: str = "") -> str:
    """The publish cache's key of one row as one page version writes it (shows: its
    row_digest, when already made): that digest and the version, joined, not hashed again (a
    page's hundred rows in six versions; repr quotes each part, so the key is unambiguous)."""
    return f"{shows or row_digest(row)}:{lang!r}:{root!r}:{lang_path!r}"


def city_rows(
    rows: Sequence[CityShowing],
    *,
    lang: str,
    root: str,
    lang_path: str,
    outputs: OutputCache | None = None,
    shows: Sequence[str] = (),
) -> list[Markup]:
    """Each row's HTML for one version of a work's page, from the cache where a publish wrote
    the same row before, else rendered (and kept for the next publish). shows: the rows'
    row_digest, made once for the page's versions."""
    macro = environment(lang).get_template("_where_city.html").module.city_row  # type: ignore[attr-defined]
    if outputs is None:
        return [Markup(macro(row, root, lang_path)) for row in rows]  # noqa: S704 - rendered, escaped
    shown = shows or [row_digest(row) for row in rows]
    keys = [
        row_key(row, lang=lang, root=root, lang_path=lang_path, shows=made)
        for row, made in zip(rows, shown, strict=True)
    ]
    return kept_parts(outputs, keys, lambda n: str(macro(rows[n], root, lang_path)))
