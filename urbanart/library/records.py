"""Plain records of catalog rows, the only shape in which catalog data leaves the library layer."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from urbanart.library.models import Artist, Artwork, MediaAsset
from urbanart.library.vocabulary import disclosure, license_url


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


class JsonRecord:
    """Mixin for the record dataclasses below: their fields as JSON-ready values."""

    if TYPE_CHECKING:  # what dataclasses.asdict asks of its argument
        __dataclass_fields__: ClassVar[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = _jsonable(asdict(self))
        return out


@dataclass(frozen=True)
class ArtistRecord(JsonRecord):
    id: int
    name: str
    bio: str
    website: str
    location: str
    contact: str
    artwork_count: int
    created_at: datetime
    #: The row's version when read: what an editor passes back as expected_version.
    version: int = 1
    #: The curator who saved it last ("" before anyone did).
    updated_by: str = ""
    updated_at: datetime | None = None

    @classmethod
    def of(cls, artist: Artist, artwork_count: int) -> ArtistRecord:
        return cls(
            id=artist.id,
            name=artist.name,
            bio=artist.bio,
            website=artist.website,
            location=artist.location,
            contact=artist.contact,
            artwork_count=artwork_count,
            created_at=artist.created_at,
            version=artist.version,
            updated_by=artist.updated_by,
            updated_at=artist.updated_at,
        )


@dataclass(frozen=True)
class AssetRecord(JsonRecord):
    sha256: str
    format: str
    mime_type: str
    width: int
    height: int
    frame_count: int
    byte_size: int
    original_name: str
    original_key: str
    thumbnail_key: str | None
    kind: str = "image"
    duration_s: float | None = None
    fps: float | None = None
    has_audio: bool = False
    poster_s: float | None = None

    @classmethod
    def of(cls, asset: MediaAsset) -> AssetRecord:
        return cls(
            sha256=asset.sha256,
            format=asset.format,
            mime_type=asset.mime_type,
            width=asset.width,
            height=asset.height,
            frame_count=asset.frame_count,
            byte_size=asset.byte_size,
            original_name=asset.original_name,
            original_key=asset.original_key,
            thumbnail_key=asset.thumbnail_key,
            kind=asset.kind or "image",
            duration_s=asset.duration_s,
            fps=asset.fps,
            has_audio=bool(asset.has_audio),
            poster_s=asset.poster_s,
        )


@dataclass(frozen=True)
class ArtworkRecord(JsonRecord):
    id: int
    title: str
    artist_id: int
    artist_name: str
    year: int | None
    description: str
    alt_text: str
    tags: tuple[str, ...]
    license: str
    license_url: str | None
    ai_involvement: str
    ai_disclosure: str
    status: str
    asset: AssetRecord
    created_at: datetime
    updated_at: datetime
    #: The row's version when read: what an editor passes back as expected_version.
    version: int = 1
    #: The curator who saved it last ("" before anyone did).
    updated_by: str = ""

    @property
    def kind(self) -> str:
        """ "image" or "video": what players and pages show it as."""
        return self.asset.kind

    def to_json(self) -> dict[str, Any]:
        """The record, with the media facts a script asks of a work first-hand at the top level
        (kind, displayed size, and for videos length, frame rate, sound and poster time)."""
        out = super().to_json()
        asset = self.asset
        out |= {"kind": asset.kind, "width": asset.width, "height": asset.height}
        out |= {"duration_s": asset.duration_s, "fps": asset.fps, "has_audio": asset.has_audio}
        out["poster_s"] = asset.poster_s
        return out

    @classmethod
    def of(cls, artwork: Artwork) -> ArtworkRecord:
        return cls(
            id=artwork.id,
            title=artwork.title,
            artist_id=artwork.artist_id,
            artist_name=artwork.artist.name,
            year=artwork.year,
            description=artwork.description,
            alt_text=artwork.alt_text,
            tags=tuple(sorted(tag.name for tag in artwork.tags)),
            license=artwork.license,
            license_url=license_url(artwork.license),
            ai_involvement=artwork.ai_involvement,
            ai_disclosure=disclosure(artwork.ai_involvement),
            status=artwork.status,
            asset=AssetRecord.of(artwork.asset),
            created_at=artwork.created_at,
            updated_at=artwork.updated_at,
            version=artwork.version,
            updated_by=artwork.updated_by,
        )
