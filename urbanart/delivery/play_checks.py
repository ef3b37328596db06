"""What a screen may claim it played: media of its own published manifests, at believable times.

Why: the poll token is the only credential a screen has, and it sits on a device in the street.
Proof of play feeds reports that artists and sponsors read, so a record is taken only when it
names media that one of *that screen's* published manifests lists (the current release or an
older one still on disk), starts no earlier than a day before the screen was registered or
first published for (whichever is earlier: a library can be published with an explicit date),
ends no later than a few minutes from now (clocks drift), and does not overlap the record before
it in the batch, nor a play already stored for the screen, by more than a transition (so a player
resending cannot store overlaps either: check_against_stored). A batch with any such record is
refused as a whole with 422 and the list of offending records, so a player (or its operator) can
see exactly which record and field is wrong.

The index of published media is rebuilt off the event loop whenever the hub swaps releases; at
start-up it is built before the first request is served.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger("urbanart.hub")

#: A play may start this long before the screen was registered (or first published for).
EARLIEST_SLACK = timedelta(days=1)
#: A play may end this far in the future of the hub's clock (players' clocks drift).
CLOCK_SKEW = timedelta(minutes=5)
#: Consecutive plays may overlap this much (a crossfade, a clock step on the device).
OVERLAP_TOLERANCE = timedelta(seconds=10)
#: The longest play the API accepts (api.schema.json): stored plays that may overlap a new one
#: start at most this long before it.
LONGEST_PLAY = timedelta(seconds=86400)
#: At most this many offending records are listed in a 422 answer.
LISTED_PROBLEMS = 50

_SHA_KEYS = ("sha256", "artwork_sha256")


@dataclass(frozen=True)
class PublishedFor:
    """What the hub has published for one screen: every media digest and the earliest window."""

    media: frozenset[str]
    earliest: datetime | None


def _digests(value: Any) -> Iterator[str]:
    """Every sha256 named anywhere in a manifest payload (items, media, future fallbacks)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                if key in _SHA_KEYS and isinstance(child, str) and len(child) == 64:
                    yield sys.intern(child.lower())
                elif isinstance(child, dict | list):
                    stack.append(child)
        elif isinstance(node, list):
            stack.extend(child for child in node if isinstance(child, dict | list))


def payload_of(data: bytes) -> dict[str, Any] | None:
    """The manifest payload inside a signed envelope (or a bare payload), None if unreadable."""
    try:
        value = json.loads(data)
        if isinstance(value, dict) and isinstance(value.get("payload"), str):
            value = json.loads(value["payload"])
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _window_start(payload: Mapping[str, Any]) -> datetime | None:
    window = payload.get("window")
    start = window.get("from") if isinstance(window, dict) else None
    if not isinstance(start, str):
        return None
    try:
        parsed = datetime.fromisoformat(start)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


class PublishedMedia:
    """poll token → PublishedFor, over the served release and the older ones kept on disk."""

    def __init__(self) -> None:
        self._by_token: dict[str, PublishedFor] = {}

    def get(self, token: str) -> PublishedFor | None:
        return self._by_token.get(token)

    def rebuild(self, manifests: Iterable[tuple[str, bytes]]) -> int:
        """Replace the index from (poll token, manifest file bytes) pairs; returns screens."""
        media: dict[str, set[str]] = {}
        earliest: dict[str, datetime] = {}
        for token, data in manifests:
            payload = payload_of(data)
            if payload is None:
                continue
            media.setdefault(token, set()).update(_digests(payload))
            start = _window_start(payload)
            if start is not None and (token not in earliest or start < earliest[token]):
                earliest[token] = start
        self._by_token = {  # one assignment: readers see the old index or the new one
            token: PublishedFor(frozenset(shas), earliest.get(token))
            for token, shas in media.items()
        }
        return len(self._by_token)


def kept_manifests(
    published: str | os.PathLike[str],
    served: Mapping[str, bytes | str] | None = None,
    *,
    skip: str | None = None,
) -> Iterator[tuple[str, bytes]]:
    """(token, bytes) of every screen manifest: the served ones (by token: their bytes, or the
    path of a file too large to be held in memory), then those of the releases kept on disk
    (docs/published-tree.md) but the folder skip (the real path of the served release)."""
    for token, held in (served or {}).items():
        if isinstance(held, bytes):
            yield token, held
            continue
        try:
            yield token, Path(held).read_bytes()
        except OSError:
            continue
    releases = Path(published) / "releases"
    try:
        folders = [f for f in releases.iterdir() if f.is_dir() and not f.name.startswith(".")]
    except OSError:
        return
    for folder in folders:
        if skip is not None and os.path.realpath(folder) == skip:
            continue
        screens = folder / "screens"
        try:
            tokens = [t.name for t in screens.iterdir()]
        except OSError:
            continue
        for token in tokens:
            try:
                data = (screens / token / "manifest.json").read_bytes()
            except OSError:
                continue
            yield token, data


# Checking a batch ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlayProblem:
    index: int
    field: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "reason": self.reason}


class PlaysRefused(Exception):
    """A batch with records that cannot be true; problems name each record and field."""

    def __init__(self, problems: list[PlayProblem]) -> None:
        first = problems[0]
        super().__init__(f"records/{first.index}/{first.field}: {first.reason}")
        self.problems = problems

    def body(self) -> dict[str, Any]:
        return {
            "error": "implausible plays",
            "detail": str(self),
            "records": [p.to_json() for p in self.problems[:LISTED_PROBLEMS]],
            "refused": len(self.problems),
        }


def check_plays(
    plays: list[Any],
    published: PublishedFor | None,
    registered: datetime | None,
    now: datetime,
) -> None:
    """Raise PlaysRefused unless every play is plausible for this screen (see module doc).

    plays: records (api.PlayIn) with record_id, artwork_sha256, started_at (aware UTC) and
    duration_s, in batch order. A record repeated in the batch (same id) is checked once for
    overlaps: it is the same play, stored once.
    """
    problems: list[PlayProblem] = []
    media = published.media if published is not None else frozenset()
    starts = [t for t in (registered, published.earliest if published else None) if t]
    earliest = min(starts) - EARLIEST_SLACK if starts else None
    latest_end = now + CLOCK_SKEW
    for i, play in enumerate(plays):
        if play.artwork_sha256 not in media:
            problems.append(
                PlayProblem(i, "artwork_sha256", "not in any manifest published for this screen")
            )
        start: datetime = play.started_at
        if earliest is not None and start < earliest:
            problems.append(
                PlayProblem(
                    i,
                    "started_at",
                    f"{start.isoformat()} is before this screen was registered or published"
                    f" for (earliest {earliest.isoformat()})",
                )
            )
        elif start + timedelta(seconds=play.duration_s) > latest_end:
            problems.append(
                PlayProblem(
                    i, "started_at", f"{start.isoformat()} plus duration_s ends in the future"
                )
            )
    first: dict[str, int] = {}
    for i, play in enumerate(plays):
        first.setdefault(play.record_id, i)
    order = sorted(first.values(), key=lambda i: plays[i].started_at)
    covered: tuple[datetime, int] | None = None  # the latest end so far, and whose it is
    for i in order:
        start = plays[i].started_at
        if covered is not None and start < covered[0] - OVERLAP_TOLERANCE:
            problems.append(
                PlayProblem(
                    i,
                    "started_at",
                    f"overlaps record {covered[1]}, which ends {covered[0].isoformat()}",
                )
            )
        end = start + timedelta(seconds=plays[i].duration_s)
        if covered is None or end > covered[0]:
            covered = (end, i)
    if problems:
        problems.sort(key=lambda p: p.index)
        raise PlaysRefused(problems)


def check_against_stored(
    new: Sequence[tuple[int, Any]], stored: Iterable[tuple[datetime, float]]
) -> None:
    """Raise PlaysRefused for new plays that overlap a play already stored for the screen.

    new: (index in the batch, record) of the records not stored yet; stored: (started_at,
    duration_s) of the screen's stored plays from LONGEST_PLAY before the earliest new one.
    Overlap means what it means within a batch: the later of two plays starts more than
    OVERLAP_TOLERANCE before the earlier one ends. O(log n) per new play: stored plays sorted
    by start, with the latest end among those starting up to each position.
    """
    spans = sorted((start, start + timedelta(seconds=duration)) for start, duration in stored)
    starts = [start for start, _end in spans]
    latest_end: list[datetime] = []
    for _start, end in spans:
        latest_end.append(end if not latest_end or end > latest_end[-1] else latest_end[-1])
    problems: list[PlayProblem] = []
    for index, play in new:
        start: datetime = play.started_at
        end = start + timedelta(seconds=play.duration_s)
        before = bisect_right(starts, start)  # stored plays starting at or before this one
        if before and start < latest_end[before - 1] - OVERLAP_TOLERANCE:
            problems.append(
                PlayProblem(
                    index,
                    "started_at",
                    f"overlaps a stored play, which ends {latest_end[before - 1].isoformat()}",
                )
            )
            continue
        later = bisect_left(starts, end - OVERLAP_TOLERANCE)  # stored ones starting inside it
        if later > before:
            problems.append(
                PlayProblem(
                    index,
                    "started_at",
                    f"overlaps a stored play, which starts {starts[before].isoformat()}",
                )
            )
    if problems:
        raise PlaysRefused(problems)
