"""The web player's static files, as the publisher writes them into each release under player/."""

from __future__ import annotations

from importlib import resources

#: Source file name in urbanart/player/web → path in the published tree.
WEB_FILES = {
    "index.html": "player/index.html",
    "player.js": "player/player.js",
    "player.css": "player/player.css",
    "sw.js": "player/sw.js",
}


def web_player_files() -> dict[str, bytes]:
    """{tree path: bytes} for the release; plain files, no build step, no external scripts."""
    folder = resources.files("urbanart.player").joinpath("web")
    return {target: folder.joinpath(name).read_bytes() for name, target in WEB_FILES.items()}
