"""Where a screen runs a generative work: the package's entry on the hub, told the screen's id
and size and the slot's seed (docs/published-tree.md, "Generative works").

Why a URL: the web player's sandboxed iframe loads the package's files itself from the hub,
where they are served with a CSP that allows no network. The Qt player instead runs the files
its own cache verified (`GenerativePiece`, urbanart.player.package_cache), so the piece needs no
network at all and plays offline. A player that cannot run it shows `media`, the still.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from urbanart.protocol.live_feed import generative_seed

_BASE = re.compile(r"/media/gen/[0-9a-f]{64}/")


def generative_of(item: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The item's `generative` entry when it is a generative item this player can run (v3),
    else None: any other item plays its video or its still."""
    if item is None or item.get("media_type") != "generative":
        return None
    package = item.get("generative")
    if not isinstance(package, Mapping) or package.get("entry") != "index.html":
        return None
    return package if _BASE.fullmatch(str(package.get("base_url", ""))) else None


@dataclass(frozen=True)
class GenerativePiece:
    """A piece ready to run from the screen's own disk: its files' bytes (each verified against
    the manifest's sha256), its entry and the query the screen gives it."""

    entry: str
    query: str
    files: Mapping[str, bytes] = field(repr=False)


def piece_query(screen: Mapping[str, Any], started_at: datetime) -> str:
    """`screen=&width=&height=&seed=` for this screen and slot (docs/published-tree.md)."""
    return urlencode(
        {
            "screen": screen["id"],
            "width": screen["width"],
            "height": screen["height"],
            "seed": generative_seed(int(screen["id"]), started_at),
        }
    )


def packages_needed(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every runnable package the payload's playlists name, once each."""
    found: dict[str, Mapping[str, Any]] = {}
    for playlist in payload.get("playlists", {}).values():
        for item in playlist.get("items", []):
            package = generative_of(item)
            if package is not None:
                found.setdefault(str(package["base_url"]), package)
    return list(found.values())


def generative_url(
    hub_url: str,
    screen: Mapping[str, Any],
    item: Mapping[str, Any] | None,
    started_at: datetime | None,
) -> str | None:
    """The entry's URL with ?screen=&width=&height=&seed=, or None when the item is not a
    generative one (or has no start: nothing plays)."""
    package = generative_of(item)
    if package is None or started_at is None:
        return None
    query = piece_query(screen, started_at)
    return f"{hub_url.rstrip('/')}{package['base_url']}{package['entry']}?{query}"
