"""A screen page's programme as the JSON its script reads, with each playlist's entries encoded
once and shared by every page that shows them.

Why: a now-playing page embeds its screen's programme (site._programme): the timeline, and per
playlist its entries, most of the JSON (a fleet screen's 23 KB: 22.7 KB of entries). An edit of
one playlist rebuilds the pages of every screen playing it in six versions, and each encoded all
its playlists' entries again, though screens showing a playlist share one entries list per
language and links (site._playlist_entries keeps them). Encoding the list once and joining the
text gives the same bytes: sorted keys and fixed separators make a value's JSON the same
wherever it sits, and json_for_script's escapes replace single characters, so escaping the
parts is escaping the whole.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from urbanart.memo import Recent
from urbanart.viewers.pages import json_for_script

#: Entries lists' JSON by the list's id, held with the list (so the id is not reused while
#: remembered). Bounded; only ever a speed-up.
_ENCODED: Recent[int, tuple[object, str]] = Recent(8192)
#: What stands in for a list while the rest is encoded: private-use characters and a nonce of
#: this process, so no text a curator typed can be taken for it (and if one were, it is found
#: more than once and the whole is encoded as before).
_MARK = f"\ue000{secrets.token_hex(8)}\ue000"


def _entries_json(entries: list[Any]) -> str:
    known = _ENCODED.get(id(entries))
    if known is None or known[0] is not entries:
        known = (entries, str(json_for_script(entries)))
        _ENCODED.put(id(entries), known)
    return known[1]


def programme_json(programme: Mapping[str, Any]) -> Markup:
    """json_for_script(programme), byte for byte, from each playlist's entries encoded once."""
    playlists = programme["playlists"]
    marks = {pid: f"{_MARK}{n}" for n, pid in enumerate(playlists)}
    shell = {
        **programme,
        "playlists": {pid: {**p, "items": marks[pid]} for pid, p in playlists.items()},
    }
    text = str(json_for_script(shell))
    for pid, mark in marks.items():
        quoted = json.dumps(mark, ensure_ascii=False)
        if text.count(quoted) != 1:
            return json_for_script(programme)
        text = text.replace(quoted, _entries_json(playlists[pid]["items"]))
    return Markup(text)  # noqa: S704 - json_for_script's output, joined
