"""Where and when a work can be seen: the screens whose published timelines play it, and when.

Why from the manifests and not from the schedules: the published timelines are what the
screens will really play (docs/published-tree.md, "Which item plays when"), so the page and the
screens cannot disagree. A work plays on a screen wherever a timeline segment plays a playlist
holding it: from the segment's start S the playlist cycles, so the work's item at offset o in a
cycle of total T starts at S + o + n·T while that is before the segment's end.

The page is built at publish, so its "next time" is the first one from the window's start (the
same day gives the same bytes); the page's script moves it on to the next one from the phone's
clock, from the compact Plays published with it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo


class Plays(NamedTuple):
    """Where a work sits in one playlist of a screen, and the segments that play that playlist:
    it starts at S + offset + n·cycle for each (start S, end E) while that is before E."""

    cycle: int  # ms, the playlist's total
    offsets: tuple[tuple[int, int], ...]  # (offset ms, length ms) of each of its items
    segments: tuple[tuple[int, int], ...]  # (start ms, end ms), in time order, not overlapping


@lru_cache(maxsize=65_536)
def epoch_ms(text: str) -> int:
    """Milliseconds since the epoch of a manifest instant ("…Z"); cached, as a thousand
    screens' timelines share most of their boundaries."""
    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _length_ms(item: Mapping[str, Any]) -> int:
    return max(1, round(float(item["duration_s"]) * 1000))


def plays_by_work(payload: Mapping[str, Any]) -> dict[int, list[Plays]]:
    """For every work a screen's published timeline plays, where and in which segments.

    One pass over the timeline and one over each playlist: the segments are shared by every
    work of a playlist, so a publish costs segments + items per screen, not their product.
    """
    segments: dict[str, list[tuple[int, int]]] = {}
    for segment in payload["timeline"]:
        pid = segment["playlist"]
        if pid is not None:
            segments.setdefault(pid, []).append(
                (epoch_ms(segment["start"]), epoch_ms(segment["end"]))
            )
    found: dict[int, list[Plays]] = {}
    for pid, spans in segments.items():
        playlist = payload["playlists"].get(pid)
        if not playlist or not playlist["items"]:
            continue
        offset = 0
        offsets: dict[int, list[tuple[int, int]]] = {}
        for item in playlist["items"]:
            length = _length_ms(item)
            offsets.setdefault(int(item["artwork_id"]), []).append((offset, length))
            offset += length
        shared = tuple(sorted(spans))
        for aid, where in offsets.items():
            found.setdefault(aid, []).append(Plays(offset, tuple(where), shared))
    return found


def next_start(plays: Sequence[Plays], after_ms: int) -> int | None:
    """The first instant at or after after_ms at which the work starts playing; None if never."""
    best: int | None = None
    for cycle, offsets, segments in plays:
        first_open = bisect_right(segments, after_ms, key=lambda span: span[1])
        for start, end in segments[first_open:]:
            found: int | None = None
            for offset, _length in offsets:
                first = start + offset
                if first < after_ms:
                    first += -(-(after_ms - first) // cycle) * cycle  # whole cycles, rounded up
                if first < end and (found is None or first < found):
                    found = first
            if found is not None:
                if best is None or found < best:
                    best = found
                break
    return best


@dataclass(frozen=True)
class ScreenShowing:
    """One screen that shows the work in the published window, and its next start."""

    screen_id: int
    name: str
    city: str
    timezone: str
    next_ms: int | None
    plays: tuple[Plays, ...]

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
    payloads: Mapping[int, Mapping[str, Any]], cities: Mapping[int, str]
) -> dict[int, list[ScreenShowing]]:
    """artwork id -> every screen whose published window plays it, soonest first (then name)."""
    found: dict[int, list[ScreenShowing]] = {}
    for sid in sorted(payloads):
        payload = payloads[sid]
        after = epoch_ms(payload["window"]["from"])
        for aid, plays in plays_by_work(payload).items():
            found.setdefault(aid, []).append(
                ScreenShowing(
                    screen_id=sid,
                    name=payload["screen"]["name"],
                    city=cities.get(sid, ""),
                    timezone=payload["screen"]["timezone"],
                    next_ms=next_start(plays, after),
                    plays=tuple(plays),
                )
            )
    for showings in found.values():
        showings.sort(key=lambda s: (s.next_ms is None, s.next_ms or 0, s.name, s.screen_id))
    return found
