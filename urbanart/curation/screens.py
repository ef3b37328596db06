"""Screens and screen groups: what the CLI and the studio share, with curator-facing checks."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from urbanart.curation.records import GroupRecord, ScheduleRecord, ScreenRecord
from urbanart.curation.zones import known_zone_names, validate_zone, zone_reason
from urbanart.errors import InvalidValue
from urbanart.imaging.video.profile import DEFAULT_MAX_BYTES, MB
from urbanart.library.catalog import clean_text
from urbanart.library.concurrency import expect_version
from urbanart.library.language_codes import clean_languages
from urbanart.library.library import Library
from urbanart.library.lookup import find
from urbanart.library.models import Playlist, Schedule, Screen, ScreenGroup
from urbanart.library.undo import DataKind, undoable

MAX_SIDE = 16384
POLL_MIN, POLL_MAX = 5, 3600
#: A screen's video byte budget, in MB (millions of bytes): below 1 MB no video of any length
#: looks like anything; above 2000 MB no player's storage or link wants one work's file.
VIDEO_MB_MIN, VIDEO_MB_MAX = 1, 2000
#: What a screen with no limit of its own gets (the library's default video profile).
VIDEO_MB_DEFAULT = DEFAULT_MAX_BYTES // MB
DEFAULT_POLL = 60
SCREEN_FIELDS = (
    "name",
    "tz",
    "size",
    "city",
    "address",
    "lat",
    "lon",
    "poll_interval",
    "push_url",
    "push_secret",
    "default_playlist",
    "notes",
    "language",
    "video_max_mb",
    "video_sound",
)

#: Shortest push secret accepted: an HMAC key a laptop cannot guess offline from one signed push.
MIN_PUSH_SECRET = 32

_SIZE = re.compile(r"^\s*(\d+)\s*[x×X]\s*(\d+)\s*$")


# Validation -------------------------------------------------------------------------------------


@cache
def _zones_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def clean_timezone(value: Any, field: str = "time zone", key: str = "tz") -> str:
    """Return the canonical IANA name; "europe/berlin" is forgiven, "CEST" or "+02:00" is not.

    Offsets and abbreviations are refused because they do not follow daylight saving time, and
    a screen that shows the morning playlist an hour late for half the year is a silent bug.
    """
    text = "" if value is None else str(value).strip()
    name = _zones_by_lower().get(text.lower())
    try:
        return validate_zone(name or text)  # the resolver's own test, so both agree
    except InvalidValue:
        raise InvalidValue(field, text, zone_reason(text), key=key) from None


def timezone_choices() -> list[str]:
    """Every zone name a screen may take, sorted, for pickers that offer only valid choices.

    The resolver's own list of names (no ``posix/…``, no ``localtime``), so a picker never offers
    a name that saving would then refuse. Names only: opening six hundred zone files here would
    hold the interpreter for seconds while the studio does other work.
    """
    return sorted(known_zone_names())


def parse_size(value: Any) -> tuple[int, int]:
    """ "1920x1080" → (1920, 1080); both sides positive and at most 16384 pixels."""
    match = _SIZE.match(str(value or ""))
    if match is None:
        raise InvalidValue(
            "size", value, "must be WIDTHxHEIGHT in pixels, such as 1920x1080", key="size"
        )
    width, height = int(match[1]), int(match[2])
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise InvalidValue(
            "size", value, f"each side must be between 1 and {MAX_SIDE} pixels", key="size"
        )
    return width, height


def _coordinate(field: str, value: Any, bound: float, key: str) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidValue(field, value, "must be a number of degrees", key=key) from None
    if not math.isfinite(number) or not -bound <= number <= bound:
        raise InvalidValue(
            field, value, f"must be between -{bound:g} and {bound:g} degrees", key=key
        )
    return number


def clean_poll_interval(value: Any) -> int:
    try:
        seconds = int(str(value).strip())
    except ValueError:
        raise InvalidValue(
            "poll interval", value, "must be a whole number of seconds", key="poll_interval"
        ) from None
    if not POLL_MIN <= seconds <= POLL_MAX:
        raise InvalidValue(
            "poll interval",
            value,
            f"must be between {POLL_MIN} and {POLL_MAX} seconds",
            key="poll_interval",
        )
    return seconds


def clean_video_max_mb(value: Any) -> int | None:
    """A screen's video byte budget in whole MB (VIDEO_MB_MIN…VIDEO_MB_MAX); None or "" for
    the library default. InvalidValue naming the value otherwise, so nothing half-saves."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    else:
        try:
            number = int(str(value).strip())
        except ValueError:
            number = None
    if number is None:
        raise InvalidValue(
            "video size limit",
            value,
            "must be a whole number of MB, such as 25",
            key="video_max_mb",
        )
    if not VIDEO_MB_MIN <= number <= VIDEO_MB_MAX:
        raise InvalidValue(
            "video size limit",
            value,
            f"must be between {VIDEO_MB_MIN} and {VIDEO_MB_MAX} MB",
            key="video_max_mb",
        )
    return number


def clean_video_sound(value: Any) -> bool:
    """Keep the video's sound: a real boolean only, so "no" is never taken for True."""
    if not isinstance(value, bool):
        raise InvalidValue("keep video sound", value, "must be true or false", key="video_sound")
    return value


def clean_push_url(value: Any) -> str | None:
    text = clean_text("push URL", value, limit=500, key="push_url")
    if not text:
        return None
    if not re.match(r"^https?://[^\s/]+", text, re.IGNORECASE):
        raise InvalidValue(
            "push URL", text, "must be an http:// or https:// address", key="push_url"
        )
    return text


def _unique_name(
    session: Session, model: type[Any], name: str, kind: str, own_id: int | None
) -> None:
    stmt = select(model).where(func.lower(model.name) == name.lower())
    if own_id is not None:
        stmt = stmt.where(model.id != own_id)
    clash = session.scalar(stmt)
    if clash is not None:
        raise InvalidValue(
            "name",
            name,
            f"a {kind} with this name exists already (id {clash.id}); pick another",
            key="name",
        )


def rename_and_describe(
    session: Session,
    row: Any,
    kind: str,
    name: str | None,
    description: str | None,
) -> None:
    """Apply a new name (unique per kind, case-insensitively) and/or description to a row."""
    if name is not None:
        clean = clean_text("name", name, required=True, limit=200)
        _unique_name(session, type(row), clean, kind, row.id)
        row.name = clean
    if description is not None:
        row.description = clean_text("description", description)


def _screen_query() -> Any:
    return select(Screen).options(
        selectinload(Screen.default_playlist), selectinload(Screen.groups)
    )


def _find_screen(session: Session, ref: str | int) -> Screen:
    return find(session, Screen, ref, kind="screen")


def _find_group(session: Session, ref: str | int) -> ScreenGroup:
    return find(session, ScreenGroup, ref, kind="screen group")


def _default_playlist(session: Session, ref: Any) -> Playlist | None:
    if ref is None or str(ref).strip() == "":
        return None
    return find(session, Playlist, ref, kind="playlist")


# Screens ---------------------------------------------------------------------------------------


@undoable("Add screen '{result.name}'", DataKind.SCREENS)
def add_screen(
    library: Library,
    name: str,
    *,
    tz: str,
    size: str,
    city: str | None = None,
    address: str | None = None,
    lat: float | str | None = None,
    lon: float | str | None = None,
    poll_interval: int | str | None = None,
    push_url: str | None = None,
    push_secret: str | None = None,
    default_playlist: str | int | None = None,
    notes: str | None = None,
    language: str | Sequence[str] | None = None,
    video_max_mb: int | str | None = None,
    video_sound: bool | None = None,
) -> ScreenRecord:
    """Register a screen; it gets an unguessable poll token that names its manifest URL.

    language is its captions' language and an optional second one ("ja,en"); English if None.
    video_max_mb is its video renditions' byte budget in MB (None: VIDEO_MB_DEFAULT);
    video_sound keeps the works' sound in them (off if None: most public screens are silent).
    """
    name = clean_text("name", name, required=True, limit=200)
    zone = clean_timezone(tz)
    width, height = parse_size(size)
    url = clean_push_url(push_url)
    secret = clean_push_secret(push_secret)
    first, second = screen_language_pair("en" if language is None else language)
    budget_mb = clean_video_max_mb(video_max_mb)
    sound = False if video_sound is None else clean_video_sound(video_sound)
    with library.session() as session:
        _unique_name(session, Screen, name, "screen", None)
        screen = Screen(
            name=name,
            timezone=zone,
            width=width,
            height=height,
            city=clean_text("city", city, limit=200),
            address=clean_text("address", address, limit=500),
            latitude=_coordinate("latitude", lat, 90, "lat"),
            longitude=_coordinate("longitude", lon, 180, "lon"),
            poll_interval=DEFAULT_POLL
            if poll_interval is None
            else clean_poll_interval(poll_interval),
            poll_token=secrets.token_urlsafe(24),
            push_url=url,
            default_playlist=_default_playlist(session, default_playlist),
            notes=clean_text("notes", notes),
            language=first,
            second_language=second,
            video_max_mb=budget_mb,
            video_sound=sound,
        )
        session.add(screen)
        session.flush()
        # None also clears a secret left behind under a reused id.
        library.secrets.write({screen.id: (secret or secrets.token_urlsafe(32)) if url else None})
        return ScreenRecord.of(screen)


def screen_language_pair(value: str | Sequence[str]) -> tuple[str, str | None]:
    """A screen's language and optional second one from "ja,en" (or a list); InvalidValue
    naming the value for a code that is no language or a third language."""
    tags = clean_languages(value, most=2, key="language")
    return tags[0], tags[1] if len(tags) > 1 else None


def clean_push_secret(value: Any) -> str | None:
    """A push secret of at least MIN_PUSH_SECRET characters, or None (one is generated then).

    The message names the field and the length, never the secret itself.
    """
    secret = clean_text("push secret", value, limit=128, key="push_secret") or None
    if secret is not None and len(secret) < MIN_PUSH_SECRET:
        raise InvalidValue(
            "push secret",
            f"({len(secret)} characters)",
            f"must be at least {MIN_PUSH_SECRET} characters; leave it empty to have a strong "
            "one generated",
            key="push_secret",
        )
    return secret


def short_push_secrets(library: Library) -> list[str]:
    """Names of screens whose push secret predates the minimum length: they still work (a
    player holds the same secret), but the curator should give them a new one."""
    stored = library.secrets.all()
    with library.session() as session:
        rows = session.execute(select(Screen.id, Screen.name).order_by(Screen.name))
        return [name for id_, name in rows if 0 < len(stored.get(id_, "")) < MIN_PUSH_SECRET]


def list_screens(library: Library, group: str | int | None = None) -> list[ScreenRecord]:
    with library.session() as session:
        stmt = _screen_query().order_by(func.lower(Screen.name))
        if group is not None:
            found = _find_group(session, group)
            stmt = stmt.where(Screen.groups.any(ScreenGroup.id == found.id))
        return [ScreenRecord.of(s) for s in session.scalars(stmt)]


def get_screen(library: Library, ref: str | int) -> ScreenRecord:
    with library.session() as session:
        return ScreenRecord.of(_find_screen(session, ref))


@undoable("Edit screen '{result.name}'", DataKind.SCREENS)
def edit_screen(
    library: Library,
    ref: str | int,
    *,
    new_poll_token: bool = False,
    expected_version: int | None = None,
    **changes: Any,
) -> ScreenRecord:
    """Change a screen. An empty push URL, default playlist or video size limit clears it (the
    limit then is the default); None leaves it alone.

    expected_version is the version the editor read (StaleEdit when another curator saved the
    screen since)."""
    unknown = set(changes) - set(SCREEN_FIELDS)
    if unknown:
        raise InvalidValue(
            "field",
            sorted(unknown)[0],
            f"is not a screen field ({', '.join(SCREEN_FIELDS)})",
            key="field",
        )
    changes = {k: v for k, v in changes.items() if v is not None}
    with library.session() as session:
        screen = _find_screen(session, ref)
        expect_version(screen, expected_version)
        if "name" in changes:
            name = clean_text("name", changes["name"], required=True, limit=200)
            _unique_name(session, Screen, name, "screen", screen.id)
            screen.name = name
        if "tz" in changes:
            screen.timezone = clean_timezone(changes["tz"])
        if "size" in changes:
            screen.width, screen.height = parse_size(changes["size"])
        for key, limit in (("city", 200), ("address", 500), ("notes", 10_000)):
            if key in changes:
                setattr(screen, key, clean_text(key, changes[key], limit=limit))
        if "lat" in changes:
            screen.latitude = _coordinate("latitude", changes["lat"], 90, "lat")
        if "lon" in changes:
            screen.longitude = _coordinate("longitude", changes["lon"], 180, "lon")
        if "poll_interval" in changes:
            screen.poll_interval = clean_poll_interval(changes["poll_interval"])
        if "language" in changes:
            screen.language, screen.second_language = screen_language_pair(changes["language"])
        if "video_max_mb" in changes:
            screen.video_max_mb = clean_video_max_mb(changes["video_max_mb"])
        if "video_sound" in changes:
            screen.video_sound = clean_video_sound(changes["video_sound"])
        old_secret = library.secrets.get(screen.id)
        secret = old_secret
        if "push_secret" in changes:
            secret = clean_push_secret(changes["push_secret"])
        if "push_url" in changes:
            screen.push_url = clean_push_url(changes["push_url"])
        if not screen.push_url:
            secret = None  # nothing to sign for; a later URL gets a fresh secret
        elif not secret:
            secret = secrets.token_urlsafe(32)
        if "default_playlist" in changes:
            screen.default_playlist = _default_playlist(session, changes["default_playlist"])
        if new_poll_token:
            screen.poll_token = secrets.token_urlsafe(24)
        session.flush()
        if secret != old_secret:
            library.secrets.write({screen.id: secret})
        return ScreenRecord.of(screen)


def reveal_push_secret(library: Library, ref: str | int) -> str | None:
    """The screen's push secret (None when it has no push URL), to hand to its player once.

    Why it exists: the secret is generated here and ScreenRecord never carries it, yet the player
    next to the screen needs the same secret to accept signed pushes (``--push-secret-file``).
    The studio shows it once, right after it was generated; never log or print it elsewhere.
    """
    with library.session() as session:
        screen = _find_screen(session, ref)
        return library.secrets.get(screen.id) if screen.push_url else None


@dataclass(frozen=True)
class ScreenRemoval:
    """A removed screen, and the schedules its removal left reaching no screen at all."""

    screen: ScreenRecord
    untargeted: tuple[ScheduleRecord, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            **self.screen.to_json(),
            "untargeted_schedules": [s.to_json() for s in self.untargeted],
        }


@dataclass(frozen=True)
class GroupDeletion:
    """A deleted group, and the schedules its deletion left reaching no screen at all."""

    group: GroupRecord
    untargeted: tuple[ScheduleRecord, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            **self.group.to_json(),
            "untargeted_schedules": [s.to_json() for s in self.untargeted],
        }


def untargeted_warning(schedule: ScheduleRecord) -> str:
    """What every face says about a schedule a removal left idle (it is kept, not deleted)."""
    return (
        f"Schedule {schedule.id} ({schedule.name or schedule.playlist_name}) now reaches no "
        "screen; it is kept, but plays nowhere until it gets a screen or group again."
    )


def _reaching_no_screen(session: Session) -> set[int]:
    """Schedules with no screen of their own and no group that has a screen: they play nowhere."""
    stmt = select(Schedule.id).where(
        ~Schedule.screens.any(), ~Schedule.groups.any(ScreenGroup.screens.any())
    )
    return set(session.scalars(stmt))


def _delete_and_name_idle(
    session: Session, row: Screen | ScreenGroup
) -> tuple[ScheduleRecord, ...]:
    """Delete row and return the schedules that reached a screen before and reach none after.

    Only the ones this removal made idle are named: schedules already reaching nothing were
    pointed out when that happened. Bindings go by the database's ON DELETE CASCADE, so the
    session is expired before looking again.
    """
    before = _reaching_no_screen(session)
    session.delete(row)
    session.flush()
    session.expire_all()
    idle = _reaching_no_screen(session) - before
    if not idle:
        return ()
    stmt = (
        select(Schedule)
        .where(Schedule.id.in_(idle))
        .options(
            selectinload(Schedule.playlist),
            selectinload(Schedule.screens),
            selectinload(Schedule.groups),
        )
        .order_by(Schedule.id)
    )
    return tuple(ScheduleRecord.of(s) for s in session.scalars(stmt))


@undoable("Remove screen '{result.screen.name}'", DataKind.SCREENS, DataKind.SCHEDULES)
def remove_screen(library: Library, ref: str | int) -> ScreenRemoval:
    """Remove a screen; its group memberships and schedule bindings go with it.

    The result names the schedules left reaching no screen, so every face can warn the same way.
    """
    with library.session() as session:
        screen = _find_screen(session, ref)
        record = ScreenRecord.of(screen)
        removal = ScreenRemoval(record, _delete_and_name_idle(session, screen))
        library.secrets.write({record.id: None})  # undo puts it back (undo.py)
        return removal


# Groups ----------------------------------------------------------------------------------------


def _screens(session: Session, refs: Iterable[str | int]) -> list[Screen]:
    found: dict[int, Screen] = {}
    for ref in refs:
        screen = _find_screen(session, ref)
        found[screen.id] = screen
    return list(found.values())


@undoable("Create group '{result.name}'", DataKind.SCREENS)
def create_group(
    library: Library,
    name: str,
    screens: Iterable[str | int] = (),
    description: str | None = None,
) -> GroupRecord:
    name = clean_text("name", name, required=True, limit=200)
    with library.session() as session:
        _unique_name(session, ScreenGroup, name, "screen group", None)
        group = ScreenGroup(
            name=name,
            description=clean_text("description", description),
            screens=_screens(session, screens),
        )
        session.add(group)
        session.flush()
        return GroupRecord.of(group)


def list_groups(library: Library) -> list[GroupRecord]:
    with library.session() as session:
        stmt = (
            select(ScreenGroup)
            .options(selectinload(ScreenGroup.screens))
            .order_by(func.lower(ScreenGroup.name))
        )
        return [GroupRecord.of(g) for g in session.scalars(stmt)]


def get_group(library: Library, ref: str | int) -> GroupRecord:
    with library.session() as session:
        return GroupRecord.of(_find_group(session, ref))


@undoable("Edit group '{result.name}'", DataKind.SCREENS)
def edit_group(
    library: Library,
    ref: str | int,
    *,
    name: str | None = None,
    description: str | None = None,
    expected_version: int | None = None,
) -> GroupRecord:
    """Rename a group or change its description (StaleEdit when another curator saved it since
    the version the editor read)."""
    with library.session() as session:
        group = _find_group(session, ref)
        expect_version(group, expected_version)
        rename_and_describe(session, group, "screen group", name, description)
        session.flush()
        return GroupRecord.of(group)


@undoable("Add screens to group '{result.name}'", DataKind.SCREENS)
def add_to_group(library: Library, ref: str | int, screens: Iterable[str | int]) -> GroupRecord:
    """Add screens to a group; screens already in it are left as they are."""
    with library.session() as session:
        group = _find_group(session, ref)
        present = {s.id for s in group.screens}
        group.screens.extend(s for s in _screens(session, screens) if s.id not in present)
        session.flush()
        session.refresh(group)
        return GroupRecord.of(group)


@undoable("Remove screens from group '{result.name}'", DataKind.SCREENS)
def remove_from_group(
    library: Library, ref: str | int, screens: Iterable[str | int]
) -> GroupRecord:
    """Take screens out of a group; naming a screen that is not a member is an error."""
    with library.session() as session:
        group = _find_group(session, ref)
        members = {s.id for s in group.screens}
        leaving = _screens(session, screens)
        for screen in leaving:
            if screen.id not in members:
                raise InvalidValue(
                    "screen", screen.name, f"is not in the group {group.name!r}", key="screen"
                )
        ids = {s.id for s in leaving}
        group.screens = [s for s in group.screens if s.id not in ids]
        session.flush()
        return GroupRecord.of(group)


@undoable("Delete group '{result.group.name}'", DataKind.SCREENS, DataKind.SCHEDULES)
def delete_group(library: Library, ref: str | int) -> GroupDeletion:
    """Delete a group (its screens stay); schedules lose this group as a target.

    The result names the schedules left reaching no screen, so every face can warn the same way.
    """
    with library.session() as session:
        group = _find_group(session, ref)
        record = GroupRecord.of(group)
        return GroupDeletion(record, _delete_and_name_idle(session, group))
