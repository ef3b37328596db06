"""Parts of a page rendered once and kept in the publish cache by a digest of what they show.

Why: a page is rebuilt when anything it shows changes, but most of it is parts that did not: a
work's city rows (where_rows.py), a screen page's playlists (screen_panels.py). Each part's
key names its bytes exactly (its inputs, its version's language and links, and the code and
catalogues that write it: pages.render_code), so a kept part is the bytes rendering it again
would give, and a page is the join of its parts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup

from urbanart.viewers.output_cache import OutputCache


def kept_parts(
    outputs: OutputCache, keys: Sequence[str], make: Callable[[int], str]
) -> list[Markup]:
    """The HTML of each part (keys[n] its key; make(n) renders it, escaped by its template),
    from the cache where a publish kept it, else made and kept for the next publish. Parts are
    counted in their page's hit or miss, not on their own."""
    outputs.prefetch(keys)
    found = []
    for n, key in enumerate(keys):
        kept = outputs.get(key, count=False)
        if kept is None:
            html = make(n)
            outputs.put(key, html.encode("utf-8"))
        else:
            html = kept.decode("utf-8")
        found.append(Markup(html))  # noqa: S704 - rendered by an autoescaping template
    return found
