"""Library settings, declared once with types, defaults, units and ranges, stored as JSON.

Each field of ``LibrarySettings`` carries a ``SettingSpec`` (label, unit, allowed range) in its
metadata, so the CLI's ``urbanart settings``, the studio's Preferences dialog and validation all
read the same declaration instead of keeping their own lists.
"""

from __future__ import annotations

import json
import re
from dataclasses import Field, asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from urbanart.errors import InvalidValue
from urbanart.imaging.limits import MIB, ImportLimits
from urbanart.library.library import Library
from urbanart.library.models import Setting
from urbanart.library.s3 import parse_bucket_url

#: How many days each published manifest covers unless a caller says otherwise.
DEFAULT_LOOK_AHEAD_DAYS = 7
#: How long media no kept manifest uses stay on disk, for screens still on an older manifest.
DEFAULT_MEDIA_GRACE_DAYS = 7
#: What a curator's "this is a colour" looks like to the rendition code (imaging.renditions).
#: Heartbeat history kept for an outage inquiry; plays kept for a year's reports and a margin.
DEFAULT_HEARTBEATS_KEEP_DAYS = 30
DEFAULT_PLAYS_KEEP_DAYS = 400
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
MEGAPIXEL = 1_000_000


class Unit(StrEnum):
    """What a setting's value means, so forms can pick a widget and show it in curators' units."""

    TEXT = "text"
    NUMBER = "number"  # a plain whole number
    URL = "url"
    COLOUR = "colour"
    BYTES = "bytes"  # shown in MB (MiB, as the import limits count them)
    PIXELS = "pixels"  # shown in megapixels
    DAYS = "days"


@dataclass(frozen=True)
class SettingSpec:
    """How one setting is named for a curator, what it holds and which values it accepts."""

    label: str
    unit: Unit
    help: str = ""
    minimum: int | None = None
    maximum: int | None = None


def _setting(default: Any, spec: SettingSpec) -> Any:
    return field(default=default, metadata={"spec": spec})


@dataclass(frozen=True)
class LibrarySettings:
    """Every knob a curator may turn for a whole library."""

    #: Where the published tree is reachable by phones and screens (links and QR codes).
    public_base_url: str = _setting(
        "http://localhost:8470",
        SettingSpec(
            "Public address",
            Unit.URL,
            "Where phones and screens elsewhere reach the published pages, e.g. "
            "https://art.example.org; every link and QR code starts with it.",
        ),
    )
    #: Largest file accepted by import, in bytes.
    max_import_bytes: int = _setting(
        ImportLimits.max_bytes,
        SettingSpec(
            "Largest file", Unit.BYTES, "Bigger files are refused by import.", MIB, 1 << 40
        ),
    )
    #: Largest frame accepted by import, in pixels (decompression-bomb guard).
    max_import_pixels: int = _setting(
        ImportLimits.max_pixels,
        SettingSpec(
            "Largest image",
            Unit.PIXELS,
            "Width × height of one frame; larger images are refused.",
            MEGAPIXEL,
            2_000 * MEGAPIXEL,
        ),
    )
    #: Largest animation accepted by import, in pixels over all frames (frames×width×height).
    max_import_total_pixels: int = _setting(
        ImportLimits.max_total_pixels,
        SettingSpec(
            "Largest animation",
            Unit.PIXELS,
            "Frames × width × height of an animation; larger ones are refused.",
            MEGAPIXEL,
            100_000 * MEGAPIXEL,
        ),
    )
    #: Memory (address space) each import worker process may use, in bytes.
    import_worker_memory: int = _setting(
        ImportLimits.worker_memory_bytes,
        SettingSpec(
            "Memory per import worker",
            Unit.BYTES,
            "A file that needs more to decode is refused.",
            256 * MIB,
            1 << 40,
        ),
    )
    #: Longest video accepted by import, in seconds.
    max_video_seconds: int = _setting(
        ImportLimits.max_video_seconds,
        SettingSpec(
            "Longest video (seconds)",
            Unit.NUMBER,
            "Videos that run longer are refused by import; screens loop short works.",
            1,
            24 * 3600,
        ),
    )
    #: Colour transparent artworks are shown on in renditions.
    rendition_background: str = _setting(
        ImportLimits.background,
        SettingSpec(
            "Background of transparent works",
            Unit.COLOUR,
            "A colour like #1a2b3c, shown behind transparent parts on screens.",
        ),
    )
    #: How many days ahead each published manifest covers (`urbanart publish --days` overrides).
    look_ahead_days: int = _setting(
        DEFAULT_LOOK_AHEAD_DAYS,
        SettingSpec(
            "Look-ahead",
            Unit.DAYS,
            "How far ahead each screen's published schedule reaches; screens keep playing "
            "that long without hearing from the hub.",
            1,
            366,
        ),
    )
    #: Days media no kept manifest uses stay published, for screens still on an older one.
    media_grace_days: int = _setting(
        DEFAULT_MEDIA_GRACE_DAYS,
        SettingSpec(
            "Media grace",
            Unit.DAYS,
            "How long media nothing plays any more stays published, for screens that have "
            "not fetched their new schedule yet.",
            1,
            365,
        ),
    )

    #: s3://BUCKET/PREFIX every publish also uploads the published tree to (empty: none).
    publish_target: str = _setting(
        "",
        SettingSpec(
            "Publish to bucket",
            Unit.TEXT,
            "s3://BUCKET/PREFIX: every publish also uploads the published tree there, for "
            "screens that fetch through a CDN. Empty: the hub serves it alone.",
        ),
    )
    #: The S3-compatible service's endpoint for publish_target (empty: AWS, or the
    #: URBANART_S3_ENDPOINT_URL environment variable).
    publish_endpoint_url: str = _setting(
        "",
        SettingSpec(
            "Bucket endpoint",
            Unit.TEXT,
            "For MinIO, R2 or another S3-compatible service, e.g. https://minio.example.org; "
            "empty for AWS. Credentials come from the environment or ~/.aws, never from here.",
        ),
    )
    #: Days each screen's heartbeat history is kept (the hub's timed job prunes older rows).
    heartbeats_keep_days: int = _setting(
        DEFAULT_HEARTBEATS_KEEP_DAYS,
        SettingSpec(
            "Keep heartbeat history",
            Unit.DAYS,
            "How long each screen's heartbeat history (what it said, minute by minute) is "
            "kept for looking into an outage; older entries are removed every hour.",
            1,
            3650,
        ),
    )
    #: Days proof-of-play records are kept (by when the play started), then pruned.
    plays_keep_days: int = _setting(
        DEFAULT_PLAYS_KEEP_DAYS,
        SettingSpec(
            "Keep plays",
            Unit.DAYS,
            "How long proof-of-play records are kept for reports; plays that started earlier "
            "are removed every hour. Export reports you need for longer first.",
            1,
            36500,
        ),
    )

    def import_limits(self) -> ImportLimits:
        return ImportLimits(
            max_bytes=self.max_import_bytes,
            max_pixels=self.max_import_pixels,
            max_total_pixels=self.max_import_total_pixels,
            background=self.rendition_background,
            worker_memory_bytes=self.import_worker_memory,
            max_video_seconds=self.max_video_seconds,
        )


def _spec_of(f: Field[Any]) -> SettingSpec:
    spec = f.metadata.get("spec")
    if isinstance(spec, SettingSpec):
        return spec
    # A setting declared without a spec still gets a form field, named after itself.
    unit = Unit.NUMBER if isinstance(f.default, int) else Unit.TEXT
    return SettingSpec(f.name.replace("_", " ").capitalize(), unit, minimum=1)


def setting_specs() -> dict[str, SettingSpec]:
    """Every setting's spec by name, in declaration order (the order forms show them in)."""
    return {f.name: _spec_of(f) for f in fields(LibrarySettings)}


def check_public_base_url(raw: object) -> str:
    """The address trimmed, or InvalidValue naming public_base_url and what is wrong with it.

    Why strict: every link, QR code and printed sign starts with it; a typo here is printed on
    paper before anyone notices the links do not open.
    """
    text = str(raw).strip()
    name = "public_base_url"
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidValue(
            name, raw, "must start with https:// (or http://), e.g. https://art.example.org",
            key=name,
        )  # fmt: skip
    try:
        host, _port = parts.hostname, parts.port
    except ValueError:
        raise InvalidValue(
            name, raw, "has a port that is not a number from 1 to 65535", key=name
        ) from None
    if not host:
        raise InvalidValue(name, raw, "has no host name, e.g. https://art.example.org", key=name)
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise InvalidValue(
            name, raw, "must not have a ?query or #fragment; links are added after it", key=name
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidValue(name, raw, "must not carry a user name or password", key=name)
    return text


def _coerce(name: str, raw: Any) -> Any:
    spec = setting_specs()[name]
    default = getattr(LibrarySettings, name)
    if name == "public_base_url":
        return check_public_base_url(raw)
    if isinstance(default, int):
        try:
            value = int(str(raw).strip()) if isinstance(raw, str) else int(raw)
        except (TypeError, ValueError):
            raise InvalidValue(name, raw, "must be a whole number", key=name) from None
        low = spec.minimum if spec.minimum is not None else 1
        if value < low or (spec.maximum is not None and value > spec.maximum):
            raise InvalidValue(name, raw, _range_text(spec, low), key=name)
        return value
    text = str(raw).strip()
    if name == "publish_target" and text:
        parse_bucket_url(text, field=name, key=name)
    if name == "publish_endpoint_url" and text and not text.startswith(("http://", "https://")):
        raise InvalidValue(name, raw, "must start with https:// (or http://)", key=name)
    if spec.unit is Unit.COLOUR and not _COLOUR.fullmatch(text):
        raise InvalidValue(name, raw, "must be a colour like #1a2b3c", key=name)
    return text


def _range_text(spec: SettingSpec, low: int) -> str:
    unit = {Unit.BYTES: "bytes", Unit.PIXELS: "pixels", Unit.DAYS: "days"}.get(spec.unit, "")
    if spec.maximum is None:
        return f"must be at least {low:,} {unit}".rstrip()
    return f"must be from {low:,} to {spec.maximum:,} {unit}".rstrip()


def load_settings(library: Library) -> LibrarySettings:
    with library.session() as session:
        stored = {row.key: json.loads(row.value) for row in session.scalars(select(Setting))}
    known = {f.name for f in fields(LibrarySettings)}
    return LibrarySettings(**{k: v for k, v in stored.items() if k in known})


def update_settings(library: Library, **changes: Any) -> LibrarySettings:
    """Validate every change first, then store them all: one bad value stores nothing."""
    known = {f.name for f in fields(LibrarySettings)}
    for name in changes:
        if name not in known:
            raise InvalidValue(
                "setting",
                name,
                f"is unknown; known settings: {', '.join(sorted(known))}",
                key="setting",
            )
    current = load_settings(library)
    updated = replace(current, **{k: _coerce(k, v) for k, v in changes.items()})
    with library.session() as session:
        for name, value in asdict(updated).items():
            session.merge(Setting(key=name, value=json.dumps(value)))
    return updated
