"""Whether links and QR codes can be opened away from this computer, and how to fix them.

Every public link (artwork and playlist pages, `urbanart link`, printed signs, the screens'
pairing QR) starts with the library's ``public_base_url``. While that is a loopback address
(localhost, 127.x.x.x, ::1) it only opens on the curator's own machine: a phone scanning a sign
gets nothing. The CLI and the studio show the same warning, worded here once.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from urbanart.library.settings import LibrarySettings

#: An address a curator can copy into the fix command (documentation domain, RFC 2606).
EXAMPLE_ADDRESS = "https://art.example.org"
#: The command that sets the public address (`urbanart settings --help`).
SET_ADDRESS_COMMAND = f"urbanart settings --set public_base_url={EXAMPLE_ADDRESS}"
#: The command that serves the tree on the local network (`urbanart serve --help`).
SHARE_HUB_COMMAND = "urbanart serve --host 0.0.0.0"


def is_loopback_url(url: str) -> bool:
    """Whether url's host is this computer only: localhost (and *.localhost), 127.0.0.0/8, ::1."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return False
    if not host:
        return False
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_address_warning(settings: LibrarySettings) -> str | None:
    """A curator's sentence when the public address is loopback, else None.

    Says what goes wrong (phones and screens elsewhere cannot open the links) and the exact
    command, or the studio's Preferences, that fixes it.
    """
    url = settings.public_base_url
    if not is_loopback_url(url):
        return None
    return (
        f"The public address is {url}, which only opens on this computer: phones and "
        "screens elsewhere cannot open these links or QR codes. Set the address people "
        f"reach the published pages at: run `{SET_ADDRESS_COMMAND}` (with your own address), "
        "or in the studio choose Edit ▸ Preferences… ▸ Public address."
    )


def hub_only_here_warning(hub_url: str) -> str | None:
    """A curator's sentence when the running hub listens on this computer only, else None.

    For the pairing QR, which points at the hub: a tablet cannot open 127.0.0.1.
    """
    if not is_loopback_url(hub_url):
        return None
    return (
        f"The hub listens on this computer only ({hub_url}): a screen's tablet or phone "
        "cannot open this QR code. Share the hub on the local network: in the studio, "
        f"Hub ▸ Share on the Local Network; on the command line, `{SHARE_HUB_COMMAND}`."
    )
