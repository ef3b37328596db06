"""What a screen shows at an instant, from a verified manifest payload and the clock alone (pure).

Every player (this core, the Qt window, the web player, the "now playing" page) applies the same
rule from docs/published-tree.md, so they agree without talking to each other:

* inside a timeline segment that plays playlist P from instant S, the item at t is found from
  ``(t - S) mod total(P)``, items in order, each for its ``duration_s``;
* a crossfade runs during the first ``transition.seconds`` of the incoming item;
* outside the manifest's window (a player that lost the network for longer than the look-ahead)
  the default playlist loops, anchored at the window edge nearest to t (``from`` before the
  window, ``until`` after it), so players still agree there;
* a segment whose playlist is null, unknown or empty shows nothing (a neutral black screen);
* inside a video item (manifest v3) that began at s, the video shows position
  ``(t - s) mod video.duration_s``: it loops, and is cut when the item's ``duration_s`` ends.

Arithmetic is in integer milliseconds (durations are published with at most 3 decimals), so a
boundary instant gives the same answer in Python and in JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from urbanart.protocol.manifest_format import item_media

_MS = timedelta(milliseconds=1)


def parse_instant(text: str) -> datetime:
    """A manifest instant ("2025-06-01T00:00:00Z") as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def duration_ms(item: Mapping[str, Any]) -> int:
    return max(1, round(float(item["duration_s"]) * 1000))


@dataclass(frozen=True)
class Showing:
    """What is on screen at `at`, and until when nothing changes.

    `item` is None for a neutral screen. `started_at` is when this occurrence of the item began
    by the rule (not when this player began showing it). `fade` is the crossfade progress in
    [0, 1) while `previous` fades out, else None.
    """

    at: datetime
    item: Mapping[str, Any] | None
    index: int
    playlist_id: str | None
    playlist_name: str | None
    source: str
    segment_start: datetime | None
    started_at: datetime | None
    ends_at: datetime | None
    next_change: datetime | None
    fade: float | None = None
    previous: Mapping[str, Any] | None = None

    @property
    def key(self) -> tuple[Any, ...] | None:
        """Identifies one occurrence of one item: equal keys mean nothing changed on screen."""
        if self.item is None:
            return None
        return (self.playlist_id, self.index, self.started_at, self.item["media"]["sha256"])


def _segment_at(
    timeline: Sequence[Mapping[str, Any]], at: datetime
) -> tuple[Mapping[str, Any], datetime, datetime] | None:
    for segment in timeline:
        start, end = parse_instant(segment["start"]), parse_instant(segment["end"])
        if start <= at < end:
            return segment, start, end
    return None


def _nothing(at: datetime, source: str, next_change: datetime | None) -> Showing:
    return Showing(at, None, -1, None, None, source, None, None, None, next_change)


def _cycle(
    payload: Mapping[str, Any],
    playlist_id: str | None,
    anchor: datetime,
    at: datetime,
    source: str,
    limit: datetime | None,
) -> Showing:
    """The item of playlist_id at `at` when it loops from `anchor`, changing no later than limit."""
    playlist = payload.get("playlists", {}).get(playlist_id) if playlist_id else None
    items = list(playlist["items"]) if playlist else []
    if not playlist or not items:
        return _nothing(at, source, limit)
    lengths = [duration_ms(i) for i in items]
    total = sum(lengths)
    elapsed = (at - anchor) // _MS
    position = elapsed % total
    index, offset = 0, position
    while offset >= lengths[index]:
        offset -= lengths[index]
        index += 1
    started = anchor + (elapsed - offset) * _MS  # on the anchor's millisecond grid
    ends = started + lengths[index] * _MS
    next_change = ends if limit is None else min(ends, limit)
    return Showing(
        at,
        items[index],
        index,
        playlist_id,
        playlist["name"],
        source,
        anchor,
        started,
        ends,
        next_change,
    )


def _showing(payload: Mapping[str, Any], at: datetime) -> Showing:
    window = payload["window"]
    found = _segment_at(payload["timeline"], at)
    if found is not None:
        segment, start, end = found
        return _cycle(payload, segment["playlist"], start, at, segment["source"], end)
    w_from, w_until = parse_instant(window["from"]), parse_instant(window["until"])
    default = payload.get("default_playlist")
    if at < w_from:
        return _cycle(payload, default, w_from, at, "default", w_from)
    return _cycle(payload, default, w_until, at, "default", None)


def what_plays(payload: Mapping[str, Any], at: datetime) -> Showing:
    """The answer for instant `at` (aware), with the crossfade phase when one is running."""
    at = at.astimezone(UTC)
    now = _showing(payload, at)
    item = now.item
    if item is None or now.started_at is None:
        return now
    transition = item.get("transition") or {}
    fade_ms = round(float(transition.get("seconds", 0)) * 1000)
    if transition.get("type") != "crossfade" or fade_ms <= 0:
        return now
    into = (at - now.started_at) // _MS
    if into >= fade_ms:
        return now
    before = _showing(payload, now.started_at - _MS).item
    if before is None:
        return now  # nothing was on screen before: the work simply appears
    fade_end = now.started_at + fade_ms * _MS
    next_change = fade_end if now.next_change is None else min(now.next_change, fade_end)
    return Showing(
        now.at,
        item,
        now.index,
        now.playlist_id,
        now.playlist_name,
        now.source,
        now.segment_start,
        now.started_at,
        now.ends_at,
        next_change,
        fade=into / fade_ms,
        previous=before,
    )


def video_of(item: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The item's `video` entry when it is a video item (v3), else None: an item of a
    media_type this player does not know plays its still, `media`."""
    if item is None or item.get("media_type") != "video":
        return None
    video = item.get("video")
    return video if isinstance(video, Mapping) else None


def video_position_s(showing: Showing) -> float | None:
    """Where in its video the showing item is at showing.at: (t - s) mod video.duration_s,
    in whole milliseconds like the rest of the rule (None for a still or nothing)."""
    video = video_of(showing.item)
    if video is None or showing.started_at is None:
        return None
    length = max(1, round(float(video["duration_s"]) * 1000))
    into = (showing.at - showing.started_at) // _MS
    return (into % length) / 1000


def media_needed(payload: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every media entry the payload can show, stills and videos, by sha256 (what must be
    cached before a switch)."""
    found: dict[str, Mapping[str, Any]] = {}
    for playlist in payload.get("playlists", {}).values():
        for item in playlist.get("items", []):
            for media in item_media(item):
                found.setdefault(media["sha256"], media)
    return found
