"""Artists and artworks: the catalog operations the CLI and the studio share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from urbanart.errors import InvalidValue
from urbanart.library.concurrency import expect_version
from urbanart.library.library import Library
from urbanart.library.lookup import find
from urbanart.library.models import Artist, Artwork, MediaAsset, Tag
from urbanart.library.package_import import GENERATIVE, package_keys
from urbanart.library.records import ArtistRecord, ArtworkRecord
from urbanart.library.undo import DataKind, quoted, undoable
from urbanart.library.vocabulary import (
    normalize_license,
    normalize_source_type,
    normalize_status,
)

ARTIST_FIELDS = ("name", "bio", "website", "location", "contact")
ARTWORK_FIELDS = (
    "title",
    "artist",
    "year",
    "description",
    "alt_text",
    "tags",
    "license",
    "ai_involvement",
    "status",
)


def clean_text(
    field: str, value: Any, *, required: bool = False, limit: int = 10_000, key: str | None = None
) -> str:
    """Trimmed text within a length limit; the one rule for every free-text field.

    `field` names it for the curator; `key` is its identifier for forms, when not `field` itself.
    """
    key = key or field
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise InvalidValue(field, value, "must not be empty", key=key)
    if len(text) > limit:
        raise InvalidValue(field, text[:40] + "…", f"is longer than {limit} characters", key=key)
    return text


def clean_year(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        raise InvalidValue("year", value, "must be a year such as 2024", key="year") from None
    if not 1000 <= year <= 2200:
        raise InvalidValue("year", value, "must be between 1000 and 2200", key="year")
    return year


def clean_tags(value: str | Iterable[str] | None) -> list[str]:
    """Tags arrive as "a, b; c" from sheets and forms; store them trimmed, lower-case, unique."""
    if value is None:
        return []
    parts = value.replace(";", ",").split(",") if isinstance(value, str) else list(value)
    seen: dict[str, None] = {}
    for part in parts:
        tag = part.strip().lower()
        if tag:
            if len(tag) > 100:
                raise InvalidValue(
                    "tags", tag[:40] + "…", "a tag is longer than 100 characters", key="tags"
                )
            seen[tag] = None
    return list(seen)


def clean_artwork_fields(changes: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise artwork fields; the same rules for CLI, CSV sheets and the studio."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in ARTWORK_FIELDS:
            raise InvalidValue(
                "field", key, f"is not an artwork field ({', '.join(ARTWORK_FIELDS)})", key="field"
            )
        if key == "title":
            out[key] = clean_text("title", value, required=True, limit=300)
        elif key == "artist":
            out[key] = clean_text("artist", value, required=True, limit=200)
        elif key == "year":
            out[key] = clean_year(value)
        elif key in ("description", "alt_text"):
            out[key] = clean_text(key, value)
        elif key == "tags":
            out[key] = clean_tags(value)
        elif key == "license":
            out[key] = normalize_license(str(value))
        elif key == "ai_involvement":
            out[key] = normalize_source_type(str(value))
        elif key == "status":
            out[key] = normalize_status(str(value))
    return out


def _artwork_count(session: Session, artist_id: int) -> int:
    stmt = select(func.count()).select_from(Artwork).where(Artwork.artist_id == artist_id)
    return session.scalar(stmt) or 0


def get_or_create_artist(session: Session, name: str) -> Artist:
    name = clean_text("artist", name, required=True, limit=200)
    artist = session.scalar(select(Artist).where(func.lower(Artist.name) == name.lower()))
    if artist is None:
        artist = Artist(name=name)
        session.add(artist)
        session.flush()
    return artist


def set_tags(session: Session, artwork: Artwork, names: list[str]) -> None:
    existing = {t.name: t for t in session.scalars(select(Tag).where(Tag.name.in_(names)))}
    tags = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
            existing[name] = tag
        tags.append(tag)
    artwork.tags = tags


# Artists ---------------------------------------------------------------------------------------


@undoable("Add artist '{result.name}'", DataKind.ARTISTS)
def add_artist(library: Library, name: str, **fields: Any) -> ArtistRecord:
    name = clean_text("name", name, required=True, limit=200)
    with library.session() as session:
        clash = session.scalar(select(Artist).where(func.lower(Artist.name) == name.lower()))
        if clash is not None:
            raise InvalidValue(
                "name", name, f"an artist with this name exists already (id {clash.id})", key="name"
            )
        artist = Artist(name=name)
        _apply_artist(artist, fields)
        session.add(artist)
        session.flush()
        return ArtistRecord.of(artist, 0)


def _apply_artist(artist: Artist, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        if value is None:
            continue
        if key not in ARTIST_FIELDS:
            raise InvalidValue(
                "field", key, f"is not an artist field ({', '.join(ARTIST_FIELDS)})", key="field"
            )
        limit = {"name": 200, "website": 500, "location": 200, "contact": 500}.get(key, 10_000)
        text = clean_text(key, value, required=key == "name", limit=limit)
        if key == "website" and text and not text.startswith(("http://", "https://")):
            raise InvalidValue(
                "website", text, "must start with http:// or https://", key="website"
            )
        setattr(artist, key, text)


@undoable("Edit artist '{result.name}'", DataKind.ARTISTS)
def edit_artist(library: Library, ref: str | int, **fields: Any) -> ArtistRecord:
    """Change an artist's fields. ``expected_version=`` among them is the version the editor
    read (StaleEdit when another curator saved the artist since)."""
    expected_version = fields.pop("expected_version", None)
    with library.session() as session:
        artist = find(session, Artist, ref, kind="artist")
        expect_version(artist, expected_version)
        new_name = fields.get("name")
        if new_name:
            stmt = select(Artist).where(
                func.lower(Artist.name) == str(new_name).strip().lower(), Artist.id != artist.id
            )
            if session.scalar(stmt) is not None:
                raise InvalidValue(
                    "name", new_name, "another artist has this name already", key="name"
                )
        _apply_artist(artist, fields)
        session.flush()
        return ArtistRecord.of(artist, _artwork_count(session, artist.id))


def get_artist(library: Library, ref: str | int) -> ArtistRecord:
    with library.session() as session:
        artist = find(session, Artist, ref, kind="artist")
        return ArtistRecord.of(artist, _artwork_count(session, artist.id))


def list_artists(library: Library) -> list[ArtistRecord]:
    with library.session() as session:
        counts = dict(
            session.execute(
                select(Artwork.artist_id, func.count()).group_by(Artwork.artist_id)
            ).all()
        )
        artists = session.scalars(select(Artist).order_by(func.lower(Artist.name)))
        return [ArtistRecord.of(a, counts.get(a.id, 0)) for a in artists]


# Artworks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArtworkFilter:
    artist: str | None = None
    tag: str | None = None
    status: str | None = None
    ai_involvement: str | None = None
    text: str | None = None


def _artwork_query() -> Any:
    return select(Artwork).options(
        selectinload(Artwork.artist), selectinload(Artwork.asset), selectinload(Artwork.tags)
    )


def list_artworks(library: Library, filters: ArtworkFilter | None = None) -> list[ArtworkRecord]:
    f = filters or ArtworkFilter()
    with library.session() as session:
        stmt = _artwork_query().order_by(Artwork.id)
        if f.artist:
            artist = find(session, Artist, f.artist, kind="artist")
            stmt = stmt.where(Artwork.artist_id == artist.id)
        if f.tag:
            stmt = stmt.where(Artwork.tags.any(Tag.name == f.tag.strip().lower()))
        if f.status:
            stmt = stmt.where(Artwork.status == normalize_status(f.status))
        if f.ai_involvement:
            stmt = stmt.where(Artwork.ai_involvement == normalize_source_type(f.ai_involvement))
        if f.text:
            like = f"%{f.text.strip().lower()}%"
            stmt = stmt.join(Artist).where(
                or_(
                    func.lower(Artwork.title).like(like),
                    func.lower(Artist.name).like(like),
                    func.lower(Artwork.description).like(like),
                )
            )
        return [ArtworkRecord.of(a) for a in session.scalars(stmt)]


def count_artworks(library: Library) -> int:
    with library.session() as session:
        return session.scalar(select(func.count()).select_from(Artwork)) or 0


def get_artwork(library: Library, ref: str | int) -> ArtworkRecord:
    with library.session() as session:
        return ArtworkRecord.of(find(session, Artwork, ref, kind="artwork", name_attr="title"))


def _edit_label(result: ArtworkRecord, arguments: Mapping[str, Any]) -> str:
    changes = {
        k: v for k, v in arguments["changes"].items() if v is not None and k != "expected_version"
    }
    if set(changes) == {"status"}:
        return f"Mark {quoted(result.title)} {result.status}"
    return f"Edit artwork {quoted(result.title)}"


@undoable(_edit_label, DataKind.ARTWORKS)
def edit_artwork(library: Library, ref: str | int, **changes: Any) -> ArtworkRecord:
    """Change an artwork's fields. ``expected_version=`` among them is the version the editor
    read (StaleEdit when another curator saved the artwork since)."""
    expected_version = changes.pop("expected_version", None)
    clean = clean_artwork_fields({k: v for k, v in changes.items() if v is not None})
    with library.session() as session:
        artwork = find(session, Artwork, ref, kind="artwork", name_attr="title")
        expect_version(artwork, expected_version)
        _apply_artwork(session, artwork, clean)
        session.flush()
        return ArtworkRecord.of(artwork)


def _apply_artwork(session: Session, artwork: Artwork, clean: Mapping[str, Any]) -> None:
    for key, value in clean.items():
        if key == "artist":
            artwork.artist = get_or_create_artist(session, value)
        elif key == "tags":
            set_tags(session, artwork, value)
        else:
            setattr(artwork, key, value)


def _edit_many_label(result: list[ArtworkRecord], arguments: Mapping[str, Any]) -> str:
    changes = {k: v for k, v in arguments["changes"].items() if v is not None}
    noun = quoted(result[0].title) if len(result) == 1 else f"{len(result)} artworks"
    if set(changes) == {"status"}:
        return f"Mark {noun} {result[0].status}"
    return f"Edit {noun}"


@undoable(_edit_many_label, DataKind.ARTWORKS)
def edit_artworks(
    library: Library, refs: Iterable[str | int], **changes: Any
) -> list[ArtworkRecord]:
    """Give several artworks the same changes: all or none, and one undo step.

    Curators approve or relicense hundreds of works at once (``artworks edit`` with filters);
    one refused value or unknown work must leave every work as it was. A title names one work,
    so it is refused for more than one.
    """
    clean = clean_artwork_fields({k: v for k, v in changes.items() if v is not None})
    with library.session() as session:
        works: dict[int, Artwork] = {}
        for ref in refs:
            work = find(session, Artwork, ref, kind="artwork", name_attr="title")
            works.setdefault(work.id, work)
        if not works:
            raise InvalidValue(
                "artworks", "", "name at least one artwork (id or title)", key="artworks"
            )
        if "title" in clean and len(works) > 1:
            raise InvalidValue(
                "title",
                clean["title"],
                f"a title names one work, not {len(works)}; edit titles one at a time",
                key="title",
            )
        for work in works.values():
            _apply_artwork(session, work, clean)
        session.flush()
        return [ArtworkRecord.of(work) for work in works.values()]


def _status_label(result: list[ArtworkRecord], arguments: Mapping[str, Any]) -> str:
    noun = quoted(result[0].title) if len(result) == 1 else f"{len(result)} artworks"
    return f"Mark {noun} {normalize_status(arguments['status'])}"


@undoable(_status_label, DataKind.ARTWORKS)
def set_status(library: Library, refs: Iterable[str | int], status: str) -> list[ArtworkRecord]:
    """Give several artworks one review status: all or none, and one undo step."""
    clean = normalize_status(status)
    with library.session() as session:
        works = [find(session, Artwork, ref, kind="artwork", name_attr="title") for ref in refs]
        if not works:
            raise InvalidValue(
                "artworks", "", "name at least one artwork (id or title)", key="artworks"
            )
        for work in works:
            work.status = clean
        session.flush()
        return [ArtworkRecord.of(work) for work in works]


def remove_artwork(library: Library, ref: str | int) -> ArtworkRecord:
    """Remove an artwork and its media; files go only after the rows are gone for good.

    Not undoable: the media files are deleted, so there would be nothing to restore.
    """
    with library.session() as session:
        artwork = find(session, Artwork, ref, kind="artwork", name_attr="title")
        record = ArtworkRecord.of(artwork)
        asset = artwork.asset
        keys = [asset.original_key, asset.thumbnail_key, *(r.store_key for r in asset.renditions)]
        keys.extend(package_keys(asset.sha256) if asset.kind == GENERATIVE else ())
        session.delete(artwork)
        session.flush()
        session.delete(asset)
    for key in keys:
        if key:
            library.store.delete(key)
    return record


def asset_for(session: Session, sha256: str) -> MediaAsset | None:
    return session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha256))
