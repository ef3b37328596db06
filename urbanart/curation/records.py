"""Plain records of screens, groups, playlists and schedules: how curation data leaves a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from urbanart.curation.rules import WEEKDAYS, format_weekdays
from urbanart.library.models import Playlist, PlaylistItem, Schedule, Screen, ScreenGroup
from urbanart.library.records import JsonRecord

ALL_DAYS_MASK = 0b1111111


class TargetKind(StrEnum):
    """What a schedule plays on: one screen, or every screen of a group."""

    SCREEN = "screen"
    GROUP = "group"


def mask_to_days(mask: int) -> frozenset[int]:
    return frozenset(i for i in range(7) if mask >> i & 1)


def days_to_mask(days: frozenset[int] | set[int]) -> int:
    return sum(1 << d for d in days)


def days_text(mask: int) -> str:
    """Weekdays as a curator would type them (and `--days` accepts back): all, weekdays, mon,wed…"""
    return format_weekdays(mask_to_days(mask))


def window_text(start: str | None, end: str | None) -> str | None:
    """The daily window as "HH:MM-HH:MM", or None when the schedule runs all day."""
    if start is None or end is None:
        return None
    return f"{start}-{end}"


def orientation(width: int, height: int) -> str:
    return "portrait" if height > width else "landscape"


@dataclass(frozen=True)
class ScreenRecord(JsonRecord):
    """A screen as the CLI and studio show it; the push secret stays inside the library."""

    id: int
    name: str
    city: str
    address: str
    latitude: float | None
    longitude: float | None
    timezone: str
    width: int
    height: int
    size: str
    orientation: str
    poll_interval: int
    #: The screen's address (its manifest URL is built from it), so curators need to see it.
    poll_token: str
    push_url: str | None
    has_push_secret: bool
    default_playlist_id: int | None
    default_playlist_name: str | None
    groups: tuple[str, ...]
    notes: str
    created_at: datetime
    updated_at: datetime
    #: The row's version when read: what an editor passes back as expected_version.
    version: int = 1
    #: The curator who saved it last ("" before anyone did).
    updated_by: str = ""
    #: Its captions' and now-playing page's language (BCP 47), and an optional second one.
    language: str = "en"
    second_language: str | None = None
    #: Its video renditions' byte budget in MB (None: the library default) and whether they
    #: keep the work's sound.
    video_max_mb: int | None = None
    video_sound: bool = False

    @classmethod
    def of(cls, screen: Screen) -> ScreenRecord:
        default = screen.default_playlist
        return cls(
            id=screen.id,
            name=screen.name,
            city=screen.city,
            address=screen.address,
            latitude=screen.latitude,
            longitude=screen.longitude,
            timezone=screen.timezone,
            width=screen.width,
            height=screen.height,
            size=f"{screen.width}x{screen.height}",
            orientation=orientation(screen.width, screen.height),
            poll_interval=screen.poll_interval,
            poll_token=screen.poll_token,
            push_url=screen.push_url,
            has_push_secret=bool(screen.push_url),  # a secret is kept for every push URL
            default_playlist_id=default.id if default is not None else None,
            default_playlist_name=default.name if default is not None else None,
            groups=tuple(sorted(g.name for g in screen.groups)),
            notes=screen.notes,
            created_at=screen.created_at,
            updated_at=screen.updated_at,
            version=screen.version,
            updated_by=screen.updated_by,
            language=screen.language or "en",
            second_language=screen.second_language,
            video_max_mb=screen.video_max_mb,
            video_sound=bool(screen.video_sound),
        )


@dataclass(frozen=True)
class GroupRecord(JsonRecord):
    id: int
    name: str
    description: str
    screens: tuple[str, ...]
    screen_ids: tuple[int, ...]
    created_at: datetime
    #: The row's version when read: what an editor passes back as expected_version.
    version: int = 1
    #: The curator who saved it last ("" before anyone did).
    updated_by: str = ""
    updated_at: datetime | None = None

    @classmethod
    def of(cls, group: ScreenGroup) -> GroupRecord:
        members = sorted(group.screens, key=lambda s: s.name)  # as the relationship orders them
        return cls(
            id=group.id,
            name=group.name,
            description=group.description,
            screens=tuple(s.name for s in members),
            screen_ids=tuple(s.id for s in members),
            created_at=group.created_at,
            version=group.version,
            updated_by=group.updated_by,
            updated_at=group.updated_at,
        )


@dataclass(frozen=True)
class ItemRecord(JsonRecord):
    """One entry of a playlist; position is 1-based, as the CLI shows and accepts it."""

    id: int
    position: int
    artwork_id: int
    title: str
    artist: str
    sha256: str
    duration: float
    transition: str
    transition_s: float
    overlay: bool
    #: A video item's loops (1: play once), None for a fixed time or a still.
    loops: int | None = None

    @classmethod
    def of(cls, item: PlaylistItem) -> ItemRecord:
        artwork = item.artwork
        return cls(
            id=item.id,
            position=item.position,
            artwork_id=artwork.id,
            title=artwork.title,
            artist=artwork.artist.name,
            sha256=artwork.asset.sha256,
            duration=item.duration_s,
            transition=item.transition,
            transition_s=item.transition_s,
            overlay=item.overlay,
            loops=item.loops,
        )


@dataclass(frozen=True)
class PlaylistRecord(JsonRecord):
    id: int
    name: str
    description: str
    items: tuple[ItemRecord, ...]
    item_count: int
    total_seconds: float
    created_at: datetime
    updated_at: datetime
    #: The row's version when read: what an editor passes back as expected_version.
    version: int = 1
    #: The curator who saved it last ("" before anyone did).
    updated_by: str = ""

    @classmethod
    def of(cls, playlist: Playlist) -> PlaylistRecord:
        items = tuple(ItemRecord.of(i) for i in sorted(playlist.items, key=lambda i: i.position))
        return cls(
            id=playlist.id,
            name=playlist.name,
            description=playlist.description,
            items=items,
            item_count=len(items),
            total_seconds=round(sum(i.duration for i in items), 3),
            created_at=playlist.created_at,
            updated_at=playlist.updated_at,
            version=playlist.version,
            updated_by=playlist.updated_by,
        )


@dataclass(frozen=True)
class ScheduleRecord(JsonRecord):
    id: int
    name: str
    playlist_id: int
    playlist_name: str
    priority: int
    start_date: date | None
    end_date: date | None
    #: Weekdays as `--days` accepts them: "all", "weekdays", "weekend" or "mon,wed,…".
    days: str
    weekdays: tuple[str, ...]
    #: "HH:MM-HH:MM" on the screen wall clock (reference_tz if shared_instant); None = all day.
    window: str | None
    enabled: bool
    shared_instant: bool
    reference_tz: str
    screens: tuple[str, ...]
    groups: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    #: The row's version when read: what an editor passes back as expected_version.
    version: int = 1
    #: The curator who saved it last ("" before anyone did).
    updated_by: str = ""

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleRecord:
        return cls(
            id=schedule.id,
            name=schedule.name,
            playlist_id=schedule.playlist_id,
            playlist_name=schedule.playlist.name,
            priority=schedule.priority,
            start_date=schedule.start_date,
            end_date=schedule.end_date,
            days=days_text(schedule.weekdays),
            weekdays=tuple(WEEKDAYS[d] for d in sorted(mask_to_days(schedule.weekdays))),
            window=window_text(schedule.window_start, schedule.window_end),
            enabled=schedule.enabled,
            shared_instant=schedule.shared_instant,
            reference_tz=schedule.reference_tz,
            screens=tuple(sorted(s.name for s in schedule.screens)),
            groups=tuple(sorted(g.name for g in schedule.groups)),
            created_at=schedule.created_at,
            updated_at=schedule.updated_at,
            version=schedule.version,
            updated_by=schedule.updated_by,
        )

    @property
    def label(self) -> str:
        """How messages name the schedule: its name when it has one, else its id."""
        return self.name or f"schedule {self.id}"
