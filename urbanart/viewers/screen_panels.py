"""A screen page's playlists as its no-script list shows them, each rendered once per version
and kept by what it shows (fragments.py).

Why: a screen's now-playing page is rebuilt whenever what it shows changes (not its timing:
programme_json.py), and an edit of one playlist's works changes that on every screen playing
it. Each of those pages lists all the screen's playlists, most of them unchanged and shared
with other screens: their cards were most of the page's rendering. A panel
(templates/_screen_playlist.html) is keyed by everything it is made from: the playlist's name,
link and entries (site._entry: every field, shown or not, so no field a card may show is left
out), the version's language and root, and the code and catalogues that write it
(pages.render_code). One build makes a panel once, however many screens show it; a later
publish takes it from the cache.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from urbanart.memo import Recent
from urbanart.viewers.fragments import kept_parts
from urbanart.viewers.output_cache import OutputCache, digest
from urbanart.viewers.pages import environment, render_code

#: Panel keys by (id of the entries list, name, link, language, root) -> (the list, its key).
_KEYS: Recent[tuple[int, str, str, str, str], tuple[object, str]] = Recent(8192)


def panel_key(playlist: Mapping[str, Any], *, lang: str, root: str) -> str:
    """The publish cache's key of one panel as one page version writes it."""
    shown = json.dumps(playlist, sort_keys=True, ensure_ascii=False)
    return digest("screen-playlist-panel", render_code(), lang, root, shown)


class ScreenPanels:
    """The panels of one build's screen pages. Screens showing the same playlist share its
    entries list (site._playlist_entries keeps them, between publishes too), so a panel's key
    is made once, not once per screen and publish: keys are remembered by that list's identity
    (the list is held with its key, so its id is never reused while remembered)."""

    def __init__(self, outputs: OutputCache | None) -> None:
        self.outputs = outputs

    def key(self, playlist: Mapping[str, Any], *, lang: str, root: str) -> str:
        items = playlist["items"]
        memo = (id(items), str(playlist["name"]), str(playlist["url"]), lang, root)
        known = _KEYS.get(memo)
        if known is None or known[0] is not items:
            known = (items, panel_key(playlist, lang=lang, root=root))
            _KEYS.put(memo, known)
        return known[1]

    def panels(
        self, playlists: Sequence[Mapping[str, Any]], *, lang: str, root: str
    ) -> list[Markup]:
        """Each playlist's panel for one version of a screen page, in the order given."""
        macro = environment(lang).get_template("_screen_playlist.html").module.playlist_panel  # type: ignore[attr-defined]

        def make(n: int) -> str:
            return str(macro(playlists[n], root, lang))

        if self.outputs is None:
            return [Markup(make(n)) for n in range(len(playlists))]  # noqa: S704 - rendered, escaped
        keys = [self.key(p, lang=lang, root=root) for p in playlists]
        return kept_parts(self.outputs, keys, make)
