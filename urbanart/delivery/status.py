"""Which screens are online, what they play and whether they run the latest manifest.

A screen is *offline* when nothing was heard from it (heartbeat or manifest poll) for
``OFFLINE_MULTIPLE`` (3) times its poll interval, and never less than ``OFFLINE_FLOOR`` (3 minutes):
one or two missed polls are normal on city networks (a router rebooting, a slow 4G cell), three
in a row are not, and the floor keeps fast-polling test screens from flapping. The hub writes poll
times every 30 s, well under the floor, so a polling screen is never judged offline by delay.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from urbanart.delivery.api import WRITE_LOCK
from urbanart.library.library import Library
from urbanart.library.models import PublishedManifest, Screen, ScreenState

OFFLINE_MULTIPLE = 3
OFFLINE_FLOOR = timedelta(minutes=3)


class OnlineState(StrEnum):
    """Whether a screen is heard from (see the module docstring for when it counts as offline)."""

    ONLINE = "online"
    OFFLINE = "offline"
    NEVER_SEEN = "never seen"


class LatestManifest(StrEnum):
    """Whether a screen runs the manifest last published for it."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"  # never reported one, or nothing is published for it


def offline_after(poll_interval: int | None) -> timedelta:
    """How long a screen may stay silent before it counts as offline."""
    return max(OFFLINE_FLOOR, timedelta(seconds=OFFLINE_MULTIPLE * (poll_interval or 0)))


def _last_seen(state: ScreenState) -> datetime:
    if state.last_poll_at is not None and state.last_poll_at > state.last_seen_at:
        return state.last_poll_at
    return state.last_seen_at


@dataclass(frozen=True)
class ScreenStatus:
    """What an operator asks about a screen; never its push secret."""

    screen_id: int
    name: str
    city: str
    timezone: str
    state: OnlineState
    last_seen_at: datetime | None
    last_poll_at: datetime | None
    offline_since: datetime | None
    offline_after_s: int
    now_playing: str | None
    playing_sha256: str | None
    manifest_version: str | None
    published_version: str | None
    latest_manifest: LatestManifest
    player_version: str | None
    free_disk_bytes: int | None
    errors: tuple[str, ...]
    #: The last manifest the screen refused (reason, source, detail, at), or None.
    refused: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
        data["errors"] = list(self.errors)
        return data


def _errors(text: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(str(e) for e in value) if isinstance(value, list) else ()


def _refused(text: str | None) -> dict[str, Any] | None:
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def refusal_line(refused: dict[str, Any] | None) -> str | None:
    """One line for the curator: which manifest the screen refused, when and why."""
    if not refused:
        return None
    source = refused.get("source") or "a"
    line = f"refused {source} manifest ({refused.get('reason')}) at {refused.get('at')}"
    detail = refused.get("detail")
    return f"{line}: {detail}" if detail else line


def screen_statuses(library: Library, now: datetime | None = None) -> list[ScreenStatus]:
    """Every screen's status, by name."""
    now = now or datetime.now(UTC)
    with library.session() as session:
        rows = session.execute(
            select(Screen, ScreenState, PublishedManifest)
            .outerjoin(ScreenState, ScreenState.screen_id == Screen.id)
            .outerjoin(PublishedManifest, PublishedManifest.screen_id == Screen.id)
            .order_by(Screen.name)
        ).all()
        result = []
        for screen, state, published in rows:
            limit = offline_after(screen.poll_interval)
            published_version = published.version if published is not None else None
            if state is None:
                result.append(
                    ScreenStatus(
                        screen_id=screen.id,
                        name=screen.name,
                        city=screen.city,
                        timezone=screen.timezone,
                        state=OnlineState.NEVER_SEEN,
                        last_seen_at=None,
                        last_poll_at=None,
                        offline_since=None,
                        offline_after_s=int(limit.total_seconds()),
                        now_playing=None,
                        playing_sha256=None,
                        manifest_version=None,
                        published_version=published_version,
                        latest_manifest=LatestManifest.UNKNOWN,
                        player_version=None,
                        free_disk_bytes=None,
                        errors=(),
                    )
                )
                continue
            seen = _last_seen(state)
            if published_version is None or state.manifest_version is None:
                latest = LatestManifest.UNKNOWN
            else:
                latest = (
                    LatestManifest.YES
                    if state.manifest_version == published_version
                    else LatestManifest.NO
                )
            result.append(
                ScreenStatus(
                    screen_id=screen.id,
                    name=screen.name,
                    city=screen.city,
                    timezone=screen.timezone,
                    state=OnlineState.OFFLINE if now - seen > limit else OnlineState.ONLINE,
                    last_seen_at=seen,
                    last_poll_at=state.last_poll_at,
                    offline_since=state.offline_since,
                    offline_after_s=int(limit.total_seconds()),
                    now_playing=state.playing_title,
                    playing_sha256=state.playing_sha256,
                    manifest_version=state.manifest_version,
                    published_version=published_version,
                    latest_manifest=latest,
                    player_version=state.player_version,
                    free_disk_bytes=state.free_disk_bytes,
                    errors=_errors(state.errors),
                    refused=_refused(state.refused),
                )
            )
    return result


def mark_offline(library: Library, now: datetime | None = None) -> int:
    """Set offline_since on screens that just crossed the threshold; returns how many.

    offline_since is the moment the silence crossed the threshold (last seen + limit), not the
    moment this job ran, so the recorded outage does not depend on the job's schedule. The next
    heartbeat (or flushed poll) clears it. Screens never seen are left alone.
    """
    now = now or datetime.now(UTC)
    marked = 0
    with WRITE_LOCK, library.session() as session:
        rows = session.execute(
            select(ScreenState, Screen.poll_interval)
            .join(Screen, Screen.id == ScreenState.screen_id)
            .where(ScreenState.offline_since.is_(None))
        ).all()
        for state, poll_interval in rows:
            limit = offline_after(poll_interval)
            seen = _last_seen(state)
            if now - seen > limit:
                state.offline_since = seen + limit
                marked += 1
    return marked
