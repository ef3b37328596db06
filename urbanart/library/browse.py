"""Fast browsing of the catalog: light grid rows and filter choices, read with SQLAlchemy Core.

The studio's grid shows every artwork of a library (10,000 and more) and filters it as the
curator types. Building full ``ArtworkRecord``s through the ORM for that costs an object graph
per row; here one Core query selects only the columns a grid cell needs, does the search and
the filters in the database, and hands back small frozen rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, String, exists, func, or_, select, type_coerce

from urbanart.errors import InvalidValue
from urbanart.library.library import Library
from urbanart.library.models import Artist, Artwork, MediaAsset, Tag, artwork_tags
from urbanart.library.vocabulary import normalize_source_type, normalize_status

#: How the grid can be ordered; "newest" is the order of import, latest first.
SortOrder = Literal["newest", "oldest", "title", "artist"]
SORT_ORDERS: tuple[SortOrder, ...] = ("newest", "oldest", "title", "artist")

_TAG_SEPARATOR = "\x1f"  # a tag can hold commas; the unit separator it cannot


@dataclass(frozen=True, slots=True)
class BrowseRow:
    """What one grid cell shows and needs to fetch its thumbnail; nothing more."""

    id: int
    title: str
    artist_id: int
    artist: str
    status: str
    ai_involvement: str
    thumbnail_key: str | None
    sha256: str
    width: int
    height: int
    tags: tuple[str, ...]
    year: int | None = None
    license: str = ""
    kind: str = "image"  # "image", "animation" or "video": what the list view's Kind shows
    byte_size: int = 0
    added: str = ""  # when it was imported, UTC, as stored ("2026-05-01 09:30:00.000000")
    duration_s: float | None = None  # a video's length (the grid's duration badge)


@dataclass(frozen=True)
class BrowseQuery:
    """Search text and filters; None (or empty text) means "any"."""

    text: str | None = None
    artist_id: int | None = None
    tag: str | None = None
    status: str | None = None
    ai_involvement: str | None = None
    ids: tuple[int, ...] | None = None
    sort: SortOrder = "newest"


@dataclass(frozen=True)
class FilterChoices:
    """The values the grid's filter bar offers, each with how many works carry it."""

    artists: tuple[tuple[int, str, int], ...]  # (id, name, works)
    tags: tuple[tuple[str, int], ...]  # (tag, works)
    total: int


def _tags_column() -> Any:
    """The artwork's tags joined into one string, computed per row by a correlated subquery."""
    return (
        select(func.aggregate_strings(Tag.name, _TAG_SEPARATOR))
        .select_from(artwork_tags.join(Tag, Tag.id == artwork_tags.c.tag_id))
        .where(artwork_tags.c.artwork_id == Artwork.id)
        .correlate(Artwork)
        .scalar_subquery()
    )


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def browse_statement(query: BrowseQuery | None = None) -> Select[*tuple[Any, ...]]:
    """The Core SELECT behind ``browse_rows``; exposed so benchmarks can time it alone."""
    q = query or BrowseQuery()
    stmt = (
        select(
            Artwork.id,
            Artwork.title,
            Artwork.artist_id,
            Artist.name,
            Artwork.status,
            Artwork.ai_involvement,
            MediaAsset.thumbnail_key,
            MediaAsset.sha256,
            MediaAsset.width,
            MediaAsset.height,
            _tags_column(),
            Artwork.year,
            Artwork.license,
            MediaAsset.mime_type,
            MediaAsset.frame_count,
            MediaAsset.byte_size,
            type_coerce(Artwork.created_at, String),
            MediaAsset.duration_s,
        )
        .join_from(Artwork, Artist, Artist.id == Artwork.artist_id)
        .join(MediaAsset, MediaAsset.id == Artwork.asset_id)
    )
    if q.ids is not None:
        stmt = stmt.where(Artwork.id.in_(q.ids))
    if q.artist_id is not None:
        stmt = stmt.where(Artwork.artist_id == q.artist_id)
    if q.status:
        stmt = stmt.where(Artwork.status == normalize_status(q.status))
    if q.ai_involvement:
        stmt = stmt.where(Artwork.ai_involvement == normalize_source_type(q.ai_involvement))
    if q.tag:
        stmt = stmt.where(_has_tag(func.lower(Tag.name) == q.tag.strip().lower()))
    if q.text and q.text.strip():
        like = _like(q.text)
        stmt = stmt.where(
            or_(
                func.lower(Artwork.title).like(like, escape="\\"),
                func.lower(Artist.name).like(like, escape="\\"),
                func.lower(Artwork.description).like(like, escape="\\"),
                _has_tag(Tag.name.like(like, escape="\\")),
            )
        )
    order: dict[str, tuple[Any, ...]] = {
        "newest": (Artwork.id.desc(),),
        "oldest": (Artwork.id,),
        "title": (func.lower(Artwork.title), Artwork.id),
        "artist": (func.lower(Artist.name), func.lower(Artwork.title), Artwork.id),
    }
    return stmt.order_by(*order[q.sort])


def _has_tag(condition: Any) -> Any:
    return exists(
        select(artwork_tags.c.tag_id)
        .join(Tag, Tag.id == artwork_tags.c.tag_id)
        .where(artwork_tags.c.artwork_id == Artwork.id, condition)
    )


def browse_rows(
    library: Library, query: BrowseQuery | None = None, *, limit: int | None = None
) -> list[BrowseRow]:
    """Grid rows matching query, in its sort order; one query however many works match.

    With limit, only the first rows of that same order: the studio paints its first screenful
    of a large library from them while the whole list loads (every order ends in the id, so the
    first rows are exactly the start of the whole list).
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidValue(
            "limit", limit, "must be a whole number of rows, at least 1", key="limit"
        )
    statement = browse_statement(query)
    if limit is not None:
        statement = statement.limit(limit)
    with library.engine.connect() as conn:
        return [_row(*values) for values in conn.execute(statement)]


def _row(*values: Any) -> BrowseRow:
    # Positional and inline: this runs once per work, 10,000 times when the studio opens.
    *head, tags, year, license_, mime, frames, byte_size, added, duration = values
    split = tuple(sorted(tags.split(_TAG_SEPARATOR))) if tags else ()
    kind = "video" if mime.startswith("video/") else "animation" if frames > 1 else "image"
    return BrowseRow(*head, split, year, license_, kind, byte_size, added or "", duration)  # type: ignore[call-arg]


def kind_of(mime_type: str, frame_count: int) -> str:
    """The kind of work a curator sorts by: a still image, an animation or a video."""
    if mime_type.startswith("video/"):
        return "video"
    return "animation" if frame_count > 1 else "image"


def filter_choices(library: Library) -> FilterChoices:
    """Artists and tags in use, with counts, for the filter bar's menus."""
    with library.engine.connect() as conn:
        artists = conn.execute(
            select(Artist.id, Artist.name, func.count(Artwork.id))
            .join_from(Artist, Artwork, Artwork.artist_id == Artist.id, isouter=True)
            .group_by(Artist.id, Artist.name)
            .order_by(func.lower(Artist.name))
        ).all()
        tags = conn.execute(
            select(Tag.name, func.count(artwork_tags.c.artwork_id))
            .join_from(Tag, artwork_tags, artwork_tags.c.tag_id == Tag.id)
            .group_by(Tag.name)
            .order_by(Tag.name)
        ).all()
        total = conn.scalar(select(func.count()).select_from(Artwork)) or 0
    return FilterChoices(
        artists=tuple((int(i), str(n), int(c)) for i, n, c in artists),
        tags=tuple((str(n), int(c)) for n, c in tags),
        total=int(total),
    )
