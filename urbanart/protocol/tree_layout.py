"""Where a player finds things in a published tree: its manifest, the signing key, the media.

Why here: the publisher writes these paths and every player (the native one, the web player, a
third-party one) joins them onto the hub URL it was paired with; one definition keeps both sides
agreeing byte for byte. The full layout is docs/published-tree.md.
"""

from __future__ import annotations

#: The Ed25519 public key (PEM) a screen pins when it is paired.
PUBLIC_KEY_PATH = "keys/manifest-signing.pub"


def manifest_path(token: str) -> str:
    """The screen's signed manifest, relative to the tree's root (no leading slash)."""
    return f"screens/{token}/manifest.json"


def media_url(sha256: str, extension: str) -> str:
    """A content-addressed media file's URL from the tree's root: /media/<sha[:2]>/<sha>.<ext>."""
    return f"/media/{sha256[:2]}/{sha256}.{extension}"


#: Where generative works' HTML5 packages are in the tree: /media/gen/<package sha256>/<path>.
GENERATIVE_PREFIX = "/media/gen/"

#: The Content-Security-Policy every file under GENERATIVE_PREFIX is served with (the hub sends
#: it; docs/published-tree.md asks nginx and bucket operators to send the same): a piece runs its
#: own scripts, styles, images and fonts, and reaches no network at all. A header, so the
#: artist's files are served byte for byte as they were imported.
GENERATIVE_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'none'"
)
