"""The catalog's ORM models (SQLAlchemy 2 typed). They stay inside urbanart.library.

Everything outside the library layer gets plain records (see records.py), so the resolver, the
publisher and the studio never hold a session-bound object.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes portably: SQLite keeps no zone, PostgreSQL would."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Edited:
    """A row curators edit: its version (for optimistic concurrency) and who changed it last.

    Why a version: several studios and the CLI may edit one catalogue at once. Every ORM UPDATE
    or DELETE of such a row says ``WHERE version = <the version read>`` and bumps it
    (SQLAlchemy's ``version_id_col``), so a write based on data another curator changed since
    matches no row and is refused (urbanart.library.concurrency turns that into ``StaleEdit``).
    """

    version: Mapped[int] = mapped_column(Integer, server_default="1")
    #: The curator's name (urbanart.library.user_config.curator_name) of the last edit.
    updated_by: Mapped[str] = mapped_column(String(100), default="", server_default="")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


artwork_tags = Table(
    "artwork_tags",
    Base.metadata,
    Column("artwork_id", ForeignKey("artworks.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Artist(Edited, Base):
    __tablename__ = "artists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    #: How to reach the artist. Private: never published, never exported.
    contact: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    artworks: Mapped[list[Artwork]] = relationship(back_populates="artist")
    #: The bio in other languages than the base one (urbanart.library.texts).
    texts: Mapped[list[ArtistText]] = relationship(
        cascade="all, delete-orphan", order_by="ArtistText.language"
    )


class ArtistText(Base):
    """An artist's bio in one language; the base language's bio stays in ``artists.bio``."""

    __tablename__ = "artist_texts"

    artist_id: Mapped[int] = mapped_column(
        ForeignKey("artists.id", ondelete="CASCADE"), primary_key=True
    )
    #: A BCP 47 tag as urbanart.library.language_codes.clean_language gives it ("ja", "pt-BR").
    language: Mapped[str] = mapped_column(String(35), primary_key=True)
    bio: Mapped[str] = mapped_column(Text, default="")

    @property
    def name(self) -> str:
        """How the audit log names the row (audit._plain): its language and bio."""
        return f"{self.language}: {self.bio[:80]}"


class MediaAsset(Base):
    """One stored file, addressed by its content: the same bytes imported twice are one asset."""

    __tablename__ = "media_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(16))
    mime_type: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    frame_count: Mapped[int] = mapped_column(Integer, default=1)
    byte_size: Mapped[int] = mapped_column(BigInteger)  # over 2 GiB: 64 bits
    original_name: Mapped[str] = mapped_column(String(500))
    original_key: Mapped[str] = mapped_column(String(300))
    thumbnail_key: Mapped[str | None] = mapped_column(String(300))
    #: "image" (stills and animations) or "video"; the fields below are set for videos only.
    kind: Mapped[str] = mapped_column(String(8), default="image", server_default="image")
    duration_s: Mapped[float | None] = mapped_column(Float)
    fps: Mapped[float | None] = mapped_column(Float)
    has_audio: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Where the poster frame (thumbnail, still fallbacks, page poster) is taken, in seconds.
    poster_s: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="asset", cascade="all, delete-orphan"
    )


class Rendition(Base):
    """A derived file for one screen profile, cached by (content hash, profile key)."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("asset_id", "profile_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("media_assets.id", ondelete="CASCADE"))
    profile_key: Mapped[str] = mapped_column(String(120))
    store_key: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(16))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(BigInteger)  # over 2 GiB: 64 bits
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    asset: Mapped[MediaAsset] = relationship(back_populates="renditions")


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Artwork(Edited, Base):
    __tablename__ = "artworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    artist_id: Mapped[int] = mapped_column(
        ForeignKey("artists.id", ondelete="RESTRICT"), index=True
    )
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("media_assets.id", ondelete="RESTRICT"), unique=True
    )
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    alt_text: Mapped[str] = mapped_column(Text, default="")
    license: Mapped[str] = mapped_column(String(40), default="all-rights-reserved")
    ai_involvement: Mapped[str] = mapped_column(String(60), default="undisclosed", index=True)
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    artist: Mapped[Artist] = relationship(back_populates="artworks")
    asset: Mapped[MediaAsset] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=artwork_tags, order_by=Tag.name)
    #: Title, description and alt text in other languages (urbanart.library.texts).
    texts: Mapped[list[ArtworkText]] = relationship(
        cascade="all, delete-orphan", order_by="ArtworkText.language"
    )


class ArtworkText(Base):
    """An artwork's texts in one language; "" where that language lacks one.

    The base language's texts stay in the artwork's own columns, so everything that reads
    ``artworks.title`` keeps working unchanged.
    """

    __tablename__ = "artwork_texts"

    artwork_id: Mapped[int] = mapped_column(
        ForeignKey("artworks.id", ondelete="CASCADE"), primary_key=True
    )
    #: A BCP 47 tag as urbanart.library.language_codes.clean_language gives it ("ja", "pt-BR").
    language: Mapped[str] = mapped_column(String(35), primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    alt_text: Mapped[str] = mapped_column(Text, default="")

    @property
    def name(self) -> str:
        """How the audit log names the row (audit._plain): its language and texts."""
        texts = " / ".join(t[:80] for t in (self.title, self.description, self.alt_text) if t)
        return f"{self.language}: {texts}"


class Setting(Base):
    """Library-wide settings (public base URL, import limits…) as JSON text by key."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# Curation ---------------------------------------------------------------------------------------

screen_group_members = Table(
    "screen_group_members",
    Base.metadata,
    Column("group_id", ForeignKey("screen_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("screen_id", ForeignKey("screens.id", ondelete="CASCADE"), primary_key=True),
)

schedule_screens = Table(
    "schedule_screens",
    Base.metadata,
    Column("schedule_id", ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True),
    Column("screen_id", ForeignKey("screens.id", ondelete="CASCADE"), primary_key=True),
)

schedule_groups = Table(
    "schedule_groups",
    Base.metadata,
    Column("schedule_id", ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("screen_groups.id", ondelete="CASCADE"), primary_key=True),
)


class Screen(Edited, Base):
    """A physical screen somewhere in the world, with its own time zone and pixel size."""

    __tablename__ = "screens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    city: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    #: Seconds between manifest polls; "offline" is judged as a multiple of it.
    poll_interval: Mapped[int] = mapped_column(Integer, default=60)
    #: Unguessable; names the screen's manifest URL and authenticates its reports.
    poll_token: Mapped[str] = mapped_column(String(64), unique=True)
    #: Where pushes go. The HMAC key that signs them is not here but in the library's push
    #: secrets store (secrets_store.py), so no copy of the catalogue carries it.
    push_url: Mapped[str | None] = mapped_column(String(500))
    default_playlist_id: Mapped[int | None] = mapped_column(
        ForeignKey("playlists.id", ondelete="SET NULL")
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    #: The language of its captions and now-playing page (BCP 47), and an optional second one.
    language: Mapped[str] = mapped_column(String(35), default="en", server_default="en")
    second_language: Mapped[str | None] = mapped_column(String(35))
    #: Its video renditions' byte budget in MB (millions of bytes), as operators write it
    #: ("at most 25 MB"); None takes the library default (imaging.video.profile).
    video_max_mb: Mapped[int | None] = mapped_column(Integer)
    #: Whether its video renditions keep the work's sound (most public screens are silent).
    video_sound: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    default_playlist: Mapped[Playlist | None] = relationship()
    groups: Mapped[list[ScreenGroup]] = relationship(
        secondary=screen_group_members, back_populates="screens", order_by="ScreenGroup.name"
    )


class ScreenGroup(Edited, Base):
    __tablename__ = "screen_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    screens: Mapped[list[Screen]] = relationship(
        secondary=screen_group_members, back_populates="groups", order_by=Screen.name
    )


class Playlist(Edited, Base):
    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    items: Mapped[list[PlaylistItem]] = relationship(
        back_populates="playlist",
        order_by="PlaylistItem.position",
        cascade="all, delete-orphan",
    )


class PlaylistItem(Base):
    __tablename__ = "playlist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    artwork_id: Mapped[int] = mapped_column(
        ForeignKey("artworks.id", ondelete="RESTRICT"), index=True
    )
    duration_s: Mapped[float] = mapped_column(default=10.0)
    #: A video item's loops (1 = play once); duration_s is then loops × the video's length. None:
    #: duration_s is a fixed time (a still's, or a video cut at that time).
    loops: Mapped[int | None] = mapped_column(Integer, nullable=True)
    transition: Mapped[str] = mapped_column(String(20), default="cut")  # cut | crossfade
    transition_s: Mapped[float] = mapped_column(default=0.0)
    #: Whether the screen shows the caption and QR code over the work.
    overlay: Mapped[bool] = mapped_column(default=True)

    playlist: Mapped[Playlist] = relationship(back_populates="items")
    artwork: Mapped[Artwork] = relationship()


class Schedule(Edited, Base):
    """A playlist bound to screens and groups for dates, weekdays and a daily window."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    playlist_id: Mapped[int] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), index=True
    )
    priority: Mapped[int] = mapped_column(Integer, default=0)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    #: Weekdays as a 7-bit mask, bit 0 = Monday.
    weekdays: Mapped[int] = mapped_column(Integer, default=0b1111111)
    #: "HH:MM" wall-clock times; both NULL means all day; start > end runs past midnight.
    window_start: Mapped[str | None] = mapped_column(String(5))
    window_end: Mapped[str | None] = mapped_column(String(5))
    enabled: Mapped[bool] = mapped_column(default=True)
    shared_instant: Mapped[bool] = mapped_column(default=False)
    reference_tz: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    playlist: Mapped[Playlist] = relationship()
    screens: Mapped[list[Screen]] = relationship(secondary=schedule_screens, order_by=Screen.name)
    groups: Mapped[list[ScreenGroup]] = relationship(
        secondary=schedule_groups, order_by=ScreenGroup.name
    )


# Delivery ---------------------------------------------------------------------------------------


class Publication(Base):
    """One run of `publish`: when, what changed, and how it ended."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|done|failed
    #: JSON: per screen what changed (version before/after, items added/removed), totals.
    summary: Mapped[str] = mapped_column(Text, default="{}")


class PublishedManifest(Base):
    """The manifest version each screen was last given, so status can say "runs the latest"."""

    __tablename__ = "published_manifests"

    screen_id: Mapped[int] = mapped_column(
        ForeignKey("screens.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[str] = mapped_column(String(64))
    etag: Mapped[str] = mapped_column(String(80))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    publication_id: Mapped[int | None] = mapped_column(
        ForeignKey("publications.id", ondelete="SET NULL")
    )
    #: The manifest's `sequence`: only grows, so screens can refuse an older manifest replayed.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The manifest's `expires`; the refresh job re-publishes well before it.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScreenState(Base):
    """The latest a screen told the hub about itself (one row per screen, overwritten)."""

    __tablename__ = "screen_states"

    screen_id: Mapped[int] = mapped_column(
        ForeignKey("screens.id", ondelete="CASCADE"), primary_key=True
    )
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    manifest_version: Mapped[str | None] = mapped_column(String(64))
    playing_sha256: Mapped[str | None] = mapped_column(String(64))
    playing_title: Mapped[str | None] = mapped_column(String(300))
    player_version: Mapped[str | None] = mapped_column(String(60))
    free_disk_bytes: Mapped[int | None] = mapped_column(BigInteger)  # terabytes: 64 bits
    #: JSON list of the player's recent error strings.
    errors: Mapped[str] = mapped_column(Text, default="[]")
    #: JSON of the heartbeat's `refused` (a manifest the player would not take), or None.
    refused: Mapped[str | None] = mapped_column(Text)
    #: Set by the offline-marking job; cleared by the next heartbeat.
    offline_since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Heartbeat(Base):
    """Every heartbeat, for the history a screen operator asks about after an outage."""

    __tablename__ = "heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screens.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    body: Mapped[str] = mapped_column(Text)


class Play(Base):
    """Proof of play: one artwork shown on one screen, reported by the player."""

    __tablename__ = "plays"
    __table_args__ = (
        UniqueConstraint("screen_id", "record_id"),
        #: A new play is checked against the screen's stored plays around its time.
        Index("ix_plays_screen_id_started_at", "screen_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screens.id", ondelete="CASCADE"), index=True)
    #: The player's own id for the record; a retried batch carries the same ids.
    record_id: Mapped[str] = mapped_column(String(80))
    artwork_sha256: Mapped[str] = mapped_column(String(64), index=True)
    artwork_id: Mapped[int | None] = mapped_column(ForeignKey("artworks.id", ondelete="SET NULL"))
    playlist_name: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_s: Mapped[float] = mapped_column()
    manifest_version: Mapped[str | None] = mapped_column(String(64))
    #: A live work's play: how many distinct frames of its feed the screen showed (else None).
    frames_shown: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PushDelivery(Base):
    """One push of a manifest to a screen's push URL, with every attempt's outcome."""

    __tablename__ = "push_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screens.id", ondelete="CASCADE"), index=True)
    manifest_version: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    http_status: Mapped[int | None] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(default=False)
    #: Short, secret-free description of the last failure.
    error: Mapped[str | None] = mapped_column(Text)


class Lease(Base):
    """A named duty only one process may hold at a time (the timed-job runner), held by renewing
    it before it expires; a holder that dies stops renewing, so another takes over."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    #: host, pid and a random part; None when nobody ever held it.
    owner: Mapped[str | None] = mapped_column(String(200))
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Open calls (intake) ----------------------------------------------------------------------------


class Call(Base):
    """An open call: artists hand in works on its page until the deadline (urbanart.intake)."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The IANA zone the deadline was given in, so pages show it as the curator meant it.
    timezone: Mapped[str] = mapped_column(String(64))
    #: JSON list of accepted kinds ("still" today).
    kinds: Mapped[str] = mapped_column(Text, default='["still"]')
    max_files: Mapped[int] = mapped_column(Integer, default=5)
    max_bytes: Mapped[int] = mapped_column(Integer)
    #: JSON list of SPDX identifiers offered (the library's vocabulary).
    licenses: Mapped[str] = mapped_column(Text)
    ai_required: Mapped[bool] = mapped_column(default=True)
    terms: Mapped[str] = mapped_column(Text, default="")
    invite_only: Mapped[bool] = mapped_column(default=False)
    #: Unguessable: names the call's page URL, so an invite-only call cannot be found by counting.
    page_token: Mapped[str] = mapped_column(String(64), unique=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallInvite(Base):
    """A personal invite link to a call, revocable."""

    __tablename__ = "call_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Private: never published.
    email: Mapped[str] = mapped_column(String(320))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Submitter(Base):
    """An artist who handed in works to a call: personal data, kept until accepted or forgotten."""

    __tablename__ = "call_submitters"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    invite_id: Mapped[int | None] = mapped_column(
        ForeignKey("call_invites.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))
    bio: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    #: Private contact e-mail: never published.
    email: Mapped[str] = mapped_column(String(320), index=True)
    #: Unguessable: names the artist's private status page.
    status_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submissions: Mapped[list[Submission]] = relationship(
        back_populates="submitter", cascade="all, delete-orphan", order_by="Submission.id"
    )


class Submission(Base):
    """One work handed in to a call, with its metadata and where it stands in review."""

    __tablename__ = "call_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    submitter_id: Mapped[int] = mapped_column(
        ForeignKey("call_submitters.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    alt_text: Mapped[str] = mapped_column(Text, default="")
    license: Mapped[str] = mapped_column(String(40))
    ai_involvement: Mapped[str] = mapped_column(String(60))
    #: The artist's file name, made safe (no folders); the file lives in the intake folder.
    file_name: Mapped[str] = mapped_column(String(255))
    #: Folder of the file under the library's intake/works/ (random, one per submission).
    file_key: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    byte_size: Mapped[int] = mapped_column(Integer)
    #: A generative work's package: how many files it holds; None for stills and videos.
    package_files: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="received", index=True)
    #: The curator's message to the artist (declined, change requested).
    message: Mapped[str] = mapped_column(Text, default="")
    #: Why the file was refused when a curator accepted it (the importer's reason), or "".
    refusal: Mapped[str] = mapped_column(Text, default="", server_default="")
    artwork_id: Mapped[int | None] = mapped_column(ForeignKey("artworks.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    submitter: Mapped[Submitter] = relationship(back_populates="submissions")


# Live works (urbanart.live) ---------------------------------------------------------------------


class LiveWork(Base):
    """A live work: an artwork (its asset is the still fallback) fed by an artist's generator.

    The HMAC secret the generator signs with is not here: like push secrets it lives in an
    owner-only file beside the catalogue (urbanart.live.secrets)."""

    __tablename__ = "live_works"

    id: Mapped[int] = mapped_column(primary_key=True)
    artwork_id: Mapped[int] = mapped_column(
        ForeignKey("artworks.id", ondelete="CASCADE"), unique=True
    )
    #: Public: names the feed's URLs (/live/<feed_id>/…) in manifests.
    feed_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: The generator's source token (in the frames URL): secret-grade, never published.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    interval_s: Mapped[float] = mapped_column(Float)
    #: "none" | "count" | "duration" (urbanart.live.retention)
    retention_kind: Mapped[str] = mapped_column(String(10), default="none")
    #: frames (count) or seconds (duration); None for "none"
    retention_value: Mapped[int | None] = mapped_column(Integer)
    silence_s: Mapped[float] = mapped_column(Float)
    pull_url: Mapped[str | None] = mapped_column(String(2000))
    allow_keep: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The last accepted frame's sequence (0 before the first).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    frames_received: Mapped[int] = mapped_column(Integer, default=0)
    frames_refused: Mapped[int] = mapped_column(Integer, default=0)
    last_refusal: Mapped[str] = mapped_column(Text, default="")
    last_frame_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: JSON list of the rendition profile keys the published screens playing it need.
    profiles: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    artwork: Mapped[Artwork] = relationship()


class LiveFrame(Base):
    """One accepted frame of a live work, while retention keeps it."""

    __tablename__ = "live_frames"
    __table_args__ = (UniqueConstraint("live_work_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    live_work_id: Mapped[int] = mapped_column(
        ForeignKey("live_works.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    #: Of the original bytes the generator sent.
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    #: JSON {profile key: {url, sha256, size, width, height}}
    renditions: Mapped[str] = mapped_column(Text, default="{}")
    kept_artwork_id: Mapped[int | None] = mapped_column(
        ForeignKey("artworks.id", ondelete="SET NULL")
    )


class AuditEntry(Base):
    """One recorded change: who (the curator's name), when, what, to which row, before/after.

    Written in the same transaction as the edit it describes (urbanart.library.audit), so an
    edit refused or rolled back leaves no entry and every kept edit has one.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_kind_entity_id", "kind", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    curator: Mapped[str] = mapped_column(String(100))
    #: create | edit | delete | undo | redo
    action: Mapped[str] = mapped_column(String(20))
    #: artwork | artist | playlist | schedule | screen | group
    kind: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    #: One line for people: "Renamed 'Night' to 'Night walk'", "Added 2 items".
    summary: Mapped[str] = mapped_column(Text, default="")
    #: JSON {field: [before, after]} of the changed fields (never secrets).
    changes: Mapped[str] = mapped_column(Text, default="{}")
