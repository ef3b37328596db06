"""Where and when a work can be seen: the screens whose published timelines play it, and when.

Why from the manifests and not from the schedules: the published timelines are what the
screens will really play (docs/published-tree.md, "Which item plays when"), so the page and the
screens cannot disagree. A work plays on a screen wherever a timeline segment plays a playlist
holding it: from the segment's start S the playlist cycles, so the work's item at offset o in a
cycle of total T starts at S + o + n·T while that is before the segment's end.

The page is built at publish, so its "next time" is the first one from the window's start (the
same day gives the same bytes); the page's script moves it on to the next one from the phone's
clock, from the compact spans published with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

#: One segment in which the work plays: (start ms, end ms, cycle ms, ((offset ms, length ms)…)).
Span = tuple[int, int, int, tuple[tuple[int, int], ...]]


def epoch_ms(text: str) -> int:
    """Milliseconds since the epoch of a manifest instant ("…Z")."""
    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _length_ms(item: Mapping[str, Any]) -> int:
    return max(1, round(float(item["duration_s"]) * 1000))


def play_spans(payload: Mapping[str, Any], artwork_id: int) -> list[Span]:
    """The segments of a screen's published timeline in which the work plays, in time order."""
    spans: list[Span] = []
    for segment in payload["timeline"]:
        pid = segment["playlist"]
        playlist = payload["playlists"].get(pid) if pid is not None else None
        if not playlist or not playlist["items"]:
            continue
        offset, plays = 0, []
        for item in playlist["items"]:
            length = _length_ms(item)
            if int(item["artwork_id"]) == artwork_id:
                plays.append((offset, length))
            offset += length
        if plays:
            start, end = epoch_ms(segment["start"]), epoch_ms(segment["end"])
            spans.append((start, end, offset, tuple(plays)))
    return sorted(spans)


def next_start(spans: Sequence[Span], after_ms: int) -> int | None:
    """The first instant at or after after_ms at which the work starts playing; None if never."""
    for start, end, cycle, plays in spans:
        if end <= after_ms:
            continue
        best: int | None = None
        for offset, _length in plays:
            first = start + offset
            if first < after_ms:
                first += -(-(after_ms - first) // cycle) * cycle  # whole cycles, rounded up
            if first < end and (best is None or first < best):
                best = first
        if best is not None:
            return best
    return None


@dataclass(frozen=True)
class ScreenShowing:
    """One screen that shows the work in the published window, and its next start."""

    screen_id: int
    name: str
    city: str
    timezone: str
    next_ms: int | None
    spans: tuple[Span, ...]

    @property
    def next_local(self) -> datetime | None:
        """The next start in the screen's own time zone."""
        if self.next_ms is None:
            return None
        return datetime.fromtimestamp(self.next_ms / 1000, UTC).astimezone(ZoneInfo(self.timezone))

    @property
    def next_utc(self) -> str | None:
        if self.next_ms is None:
            return None
        moment = datetime.fromtimestamp(self.next_ms / 1000, UTC)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def where_to_see(
    payloads: Mapping[int, Mapping[str, Any]], cities: Mapping[int, str], artwork_id: int
) -> list[ScreenShowing]:
    """Every screen whose published window plays the work, soonest first (then by name)."""
    found = []
    for sid, payload in payloads.items():
        spans = play_spans(payload, artwork_id)
        if not spans:
            continue
        after = epoch_ms(payload["window"]["from"])
        found.append(
            ScreenShowing(
                screen_id=sid,
                name=payload["screen"]["name"],
                city=cities.get(sid, ""),
                timezone=payload["screen"]["timezone"],
                next_ms=next_start(spans, after),
                spans=tuple(spans),
            )
        )
    return sorted(found, key=lambda s: (s.next_ms is None, s.next_ms or 0, s.name, s.screen_id))
