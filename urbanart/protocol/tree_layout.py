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
