"""The push signature: an HMAC over a timestamp and the body, fresh within a window.

Why in the protocol: the studio signs each push (urbanart.delivery.push) and every receiver (the
player's push listener, a gateway in front of a screen) checks it; both must agree on the header
names, the signed bytes and the freshness window, and a receiver must not need the library.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-UrbanArt-Timestamp"
SIGNATURE_HEADER = "X-UrbanArt-Signature"
VERSION_HEADER = "X-UrbanArt-Manifest-Version"
#: Receivers refuse pushes whose timestamp is further than this from their clock (replays).
DEFAULT_TOLERANCE = 300
#: A timestamp is at most this many ASCII digits (seconds since 1970 need 10 until 2286).
_MAX_STAMP_DIGITS = 12
_SIGNATURE_PREFIX = "sha256="
_HEX = frozenset("0123456789abcdef")


def _key(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode("utf-8")


def sign_push(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """ "sha256=" + hex HMAC-SHA256(secret, "<timestamp>." + body)."""
    mac = hmac.new(_key(secret), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def push_headers(
    secret: str | bytes, body: bytes, manifest_version: str, *, timestamp: int | None = None
) -> dict[str, str]:
    """The headers of one push request: content type, timestamp, signature, manifest version."""
    stamp = int(time.time()) if timestamp is None else int(timestamp)
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign_push(secret, stamp, body),
        VERSION_HEADER: manifest_version,
    }


def _ascii_digits(text: str) -> bool:
    """str.isdigit() alone accepts "²" or "٣", which int() or the ASCII signing then chokes on."""
    return text.isascii() and text.isdigit() and len(text) <= _MAX_STAMP_DIGITS


def push_header_problem(
    timestamp: str | None,
    signature: str | None,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> tuple[int, str] | None:
    """Why a push must be refused from its headers alone, as (HTTP status, short reason), or None.

    Why before the body: the HMAC needs the body, but a missing, malformed or stale signature
    does not, so a receiver answers those without reading (or waiting for) a single body byte.
    400 means the headers are malformed (not ASCII digits, not "sha256=" + 64 lowercase hex);
    401 means they are well formed but absent or outside the freshness window."""
    if timestamp is None or signature is None:
        return 401, "push signature missing"
    text = timestamp.strip()
    if not _ascii_digits(text):
        return 400, f"{TIMESTAMP_HEADER} must be ASCII digits (seconds since 1970)"
    digest = signature.strip().removeprefix(_SIGNATURE_PREFIX)
    if (
        not signature.strip().startswith(_SIGNATURE_PREFIX)
        or len(digest) != 64
        or not (set(digest) <= _HEX)
    ):
        return 400, f"{SIGNATURE_HEADER} must be sha256= and 64 lowercase hex digits"
    current = time.time() if now is None else now
    if abs(current - int(text)) > tolerance:
        return 401, "push timestamp outside the freshness window"
    return None


def verify_push(
    secret: str | bytes,
    timestamp: str | int | None,
    signature: str | None,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """True only for a genuine, fresh push: the HMAC matches (compared in constant time) and the
    timestamp is within `tolerance` seconds of now, either way, so a captured push cannot be
    replayed later and a forged future one cannot be stored up. Receivers that must refuse even
    a replay inside the window also remember the signatures they have seen for that long."""
    if timestamp is None or signature is None:
        return False
    text = str(timestamp).strip()
    if not _ascii_digits(text):
        return False
    current = time.time() if now is None else now
    if abs(current - int(text)) > tolerance:
        return False
    expected = sign_push(secret, text, body)
    return hmac.compare_digest(expected.encode("ascii"), str(signature).encode("ascii", "replace"))
