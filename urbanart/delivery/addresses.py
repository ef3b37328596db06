"""Where a screen finds its manifest and web player: the addresses a curator pairs it with.

Why one module: the studio, the CLI and the player must agree on these paths byte for byte (the
player joins ``screens/<token>/manifest.json`` onto the hub URL it was paired with, the web player
reads ``?token=`` from ``player/index.html``); a curator who copies an address that differs by a
slash gets a screen that polls a 404 forever. The base is the running hub when there is one,
else the library's ``public_base_url`` setting (where screens on other networks reach the tree).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from urllib.parse import quote, urljoin

from urbanart.errors import InvalidValue
from urbanart.library.library import Library
from urbanart.library.public_address import hub_only_here_warning, public_address_warning
from urbanart.library.settings import load_settings
from urbanart.protocol.tree_layout import manifest_path
from urbanart.viewers import qr

#: The web player's page inside the published tree (docs/published-tree.md).
PLAYER_PAGE = "player/index.html"
#: Pixels per QR module for the studio's on-screen pairing code (small, still crisp).
STUDIO_QR_SCALE = 4

HUB, SETTING = "hub", "setting"


def hub_root(base_url: str) -> str:
    """The base URL with exactly one trailing slash, so relative paths join under it."""
    text = base_url.strip()
    if not text.lower().startswith(("http://", "https://")):
        raise InvalidValue("address", text, "must start with http:// or https://", key="address")
    return text if text.endswith("/") else text + "/"


def manifest_url(base_url: str, token: str) -> str:
    """The poll URL: what a paired player fetches (same join as player.pairing.Pairing)."""
    return urljoin(hub_root(base_url), manifest_path(token))


def player_url(base_url: str, token: str) -> str:
    """The web player's address for a screen; the page reads its poll token from ?token=."""
    return urljoin(hub_root(base_url), PLAYER_PAGE) + "?token=" + quote(token, safe="")


def player_command(base_url: str, token: str) -> str:
    """The command that pairs the native player (``urbanart player``) with this screen."""
    return f"urbanart player --hub {shlex.quote(hub_root(base_url))} --token {shlex.quote(token)}"


@dataclass(frozen=True)
class ScreenAddresses:
    """A screen's pairing addresses from one base, plus a QR code of the web-player URL."""

    base_url: str
    #: HUB when the base is the running hub, SETTING when it is the library's public_base_url.
    source: str
    poll_url: str
    player_url: str
    player_command: str
    #: PNG of a QR code of player_url (empty when not asked for).
    qr_png: bytes
    #: Why a tablet or phone elsewhere cannot open these addresses, and how to fix it; or None.
    warning: str | None = None

    def __repr__(self) -> str:  # the token is a secret: it names the screen's manifest URL
        return f"ScreenAddresses(base_url={self.base_url!r}, source={self.source!r})"


def screen_addresses(
    library: Library,
    token: str,
    hub_url: str | None = None,
    *,
    with_qr: bool = True,
    qr_scale: int = STUDIO_QR_SCALE,
) -> ScreenAddresses:
    """Addresses for the screen with this poll token, from the hub's URL or the library setting.

    Reads the library settings when no hub URL is given (so call it off the GUI thread), and
    renders the QR code (choosing its mask is the slow part).
    """
    if hub_url:
        base, source = hub_root(hub_url), HUB
        warning = hub_only_here_warning(base)
    else:
        settings = load_settings(library)
        base, source = hub_root(settings.public_base_url), SETTING
        warning = public_address_warning(settings)
    web = player_url(base, token)
    return ScreenAddresses(
        base_url=base,
        source=source,
        poll_url=manifest_url(base, token),
        player_url=web,
        player_command=player_command(base, token),
        qr_png=qr.png_bytes(web, scale=qr_scale) if with_qr else b"",
        warning=warning,
    )
