"""A live work's feed document: the latest frame of an artist's generator, signed by the library.

Why a signed document and not just "the newest JPEG": a screen in a city square shows whatever it
fetches, so it must know the frame came through our hub (Ed25519, the key it pinned for its
manifests), that the bytes are the ones the hub rendered (sha256 per profile), and that it is
newer than what it shows (a monotonically rising sequence; a replayed older document is refused).
The hub writes it (urbanart.live); every player reads it with this module alone.

The payload (canonical JSON inside the same envelope as manifests, see urbanart.protocol.envelope):

    {"format": "urbanart.live.feed", "feed": "<feed id>", "sequence": 17,
     "time": "2026-11-26T14:05:03Z", "interval_s": 5, "silence_s": 30,
     "frames": {"<profile key>": {"url": "/live/<feed id>/<sha256>.jpg", "sha256": "…",
                                  "size": 123456, "width": 1080, "height": 1920}},
     "keep_url": "/live/<feed id>/<sha256>.jpg" or null}

`sequence` is 0 and `frames` empty before the first frame. `time` is when the hub accepted the
frame; a player shows the work's still fallback once `time` is more than `silence_s` old.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from urbanart.protocol.canonical import canonical_json
from urbanart.protocol.envelope import SignatureInvalid, sign_envelope, verify_envelope

FEED_FORMAT = "urbanart.live.feed"
#: A feed id is public (it is in manifests and URLs); the generator's source token is not.
FEED_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_SHA = re.compile(r"[0-9a-f]{64}")
_FRAME_FIELDS = frozenset({"url", "sha256", "size", "width", "height"})


def feed_path(feed_id: str) -> str:
    """The feed document's URL path from the hub's root."""
    return f"/live/{feed_id}/feed.json"


def frame_url(feed_id: str, sha256: str, extension: str = "jpg") -> str:
    """A rendered frame's URL path: immutable, named by its own bytes."""
    return f"/live/{feed_id}/{sha256}.{extension}"


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_payload(
    feed_id: str,
    sequence: int,
    time: datetime,
    *,
    interval_s: float,
    silence_s: float,
    frames: Mapping[str, Mapping[str, Any]],
    keep_url: str | None = None,
    source_size: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """The payload for one frame (or, with sequence 0 and no frames, for a feed still waiting).

    source_size is the frame as the generator sent it (width, height): each profile's rendition
    is fitted to a screen's shape, so a page that shows the work itself (not one screen's view
    of it) picks the rendition closest to the source's proportions. Players ignore it."""
    payload: dict[str, Any] = {
        "format": FEED_FORMAT,
        "feed": feed_id,
        "sequence": sequence,
        "time": _instant(time),
        "interval_s": interval_s,
        "silence_s": silence_s,
        "frames": {key: dict(frame) for key, frame in frames.items()},
        "keep_url": keep_url,
    }
    if source_size is not None:
        payload["source"] = {"width": source_size[0], "height": source_size[1]}
    return payload


def work_frame(
    frames: Mapping[str, Mapping[str, Any]], source_size: tuple[int, int] | None
) -> Mapping[str, Any] | None:
    """The rendition that best shows the work itself (a phone's artwork page, "keep this
    image"): the one closest to the source's proportions, the largest among equals; the largest
    without a source size. static/live-frame.js `pick` is the same rule."""
    want = source_size[0] / source_size[1] if source_size and source_size[1] > 0 else 0.0

    def off(frame: Mapping[str, Any]) -> float:
        return abs(math.log(frame["width"] / frame["height"] / want)) if want else 0.0

    best: Mapping[str, Any] | None = None
    for frame in sorted(frames.values(), key=lambda f: str(f["url"])):
        if not (frame["width"] > 0 and frame["height"] > 0):
            continue
        if (
            best is None
            or off(frame) < off(best) - 0.01
            or (
                abs(off(frame) - off(best)) <= 0.01
                and frame["width"] * frame["height"] > best["width"] * best["height"]
            )
        ):
            best = frame
    return best


def sign_feed(private_key: Ed25519PrivateKey, payload: Mapping[str, Any]) -> bytes:
    """The feed document's bytes: the manifest envelope around the canonical payload."""
    return sign_envelope(private_key, canonical_json(dict(payload))).encode("utf-8")


def _check(payload: Mapping[str, Any], feed_id: str | None) -> None:
    if payload.get("format") != FEED_FORMAT:
        raise SignatureInvalid(f"The document is not a live feed ({payload.get('format')!r}).")
    if feed_id is not None and payload.get("feed") != feed_id:
        raise SignatureInvalid(
            f"The feed document is for feed {payload.get('feed')!r}, not {feed_id!r}."
        )
    sequence = payload.get("sequence")
    if type(sequence) is not int or sequence < 0:
        raise SignatureInvalid(f"The feed's sequence {sequence!r} is not a whole number ≥ 0.")
    frames = payload.get("frames")
    if not isinstance(frames, dict):
        raise SignatureInvalid("The feed's frames are not an object.")
    for key, frame in frames.items():
        if not isinstance(frame, dict) or set(frame) != _FRAME_FIELDS:
            raise SignatureInvalid(f"The feed's frame for {key!r} is malformed.")
        if not isinstance(frame["sha256"], str) or not _SHA.fullmatch(frame["sha256"]):
            raise SignatureInvalid(f"The feed's frame for {key!r} has no valid sha256.")
        if not isinstance(frame["url"], str) or not frame["url"].startswith("/live/"):
            raise SignatureInvalid(f"The feed's frame for {key!r} is not under /live/.")
    try:
        parse_time(payload)
    except (KeyError, TypeError, ValueError) as exc:
        raise SignatureInvalid(f"The feed's time {payload.get('time')!r} is malformed.") from exc


def verify_feed(
    document: bytes | str,
    pinned: Ed25519PublicKey | bytes | str,
    *,
    feed_id: str | None = None,
    after_sequence: int | None = None,
) -> dict[str, Any]:
    """The payload of a genuine feed document for `feed_id`, newer than `after_sequence`.

    SignatureInvalid for a forged or altered document, one for another feed, a malformed one, or
    (with after_sequence) one that would take the screen backwards: an attacker replaying an old
    but genuine document must not turn back what a city square shows. An equal sequence is
    accepted (the same document polled twice)."""
    payload = verify_envelope(document, pinned)
    _check(payload, feed_id)
    if after_sequence is not None and payload["sequence"] < after_sequence:
        raise SignatureInvalid(
            f"The feed went backwards: sequence {payload['sequence']} after {after_sequence}."
        )
    return payload


def parse_time(payload: Mapping[str, Any]) -> datetime:
    """When the hub accepted the feed's frame (aware UTC)."""
    return datetime.strptime(payload["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def is_silent(payload: Mapping[str, Any], now: datetime) -> bool:
    """True when the feed has no frame, or its newest is older than its silence_s: show the
    work's still fallback instead of a stale frame."""
    if not payload.get("frames"):
        return True
    return (now - parse_time(payload)).total_seconds() > float(payload["silence_s"])


def frame_for(payload: Mapping[str, Any], profile_key: str) -> Mapping[str, Any] | None:
    """The frame rendered for this screen's profile, or None (the screen shows its fallback)."""
    frame = payload.get("frames", {}).get(profile_key)
    return frame if isinstance(frame, Mapping) else None


def generative_seed(screen_id: int, item_start: datetime) -> str:
    """The seed a generative piece gets for one slot: the same screen and slot always get the
    same seed (two plays of one slot look alike; a phone page can show the same picture), and
    two screens or two slots get different ones."""
    text = f"{screen_id}:{int(item_start.timestamp())}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]
