"""Renditions on demand: derive a file for a screen profile once, then serve it from the cache."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import sha256 as sha256_of

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbanart.errors import NotFound, UrbanArtError
from urbanart.imaging.normalize import open_image, to_srgb
from urbanart.imaging.renditions import Rendition as RenditionImage
from urbanart.imaging.renditions import RenditionProfile, make_thumbnail, render_bytes
from urbanart.library import store as keys
from urbanart.library.importer import store_rendition
from urbanart.library.library import Library
from urbanart.library.models import MediaAsset, Rendition
from urbanart.library.package_import import GENERATIVE, find_still
from urbanart.library.video_poster import PosterFailed, grab_poster, still_from_poster

# What Pillow raises on a broken or hostile file (OSError included: decoding happens in memory
# here, so an OSError from it is never the disk's).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error, IndexError)


class RenditionFailed(UrbanArtError):
    """A work's own file cannot give a rendition (undecodable, missing original): that work is
    left out of what is published. Disk and I/O errors are not this: they raise OSError."""


@dataclass(frozen=True)
class RenditionRecord:
    sha256: str  # of the source asset
    profile_key: str
    store_key: str
    format: str
    width: int
    height: int
    byte_size: int
    file_sha256: str  # of the rendition's own bytes, for players to verify


def _record(asset_sha: str, row: Rendition) -> RenditionRecord:
    return RenditionRecord(
        asset_sha, row.profile_key, row.store_key, row.format, row.width, row.height,
        row.byte_size, row.sha256,
    )  # fmt: skip


def made_renditions(
    library: Library, wanted: Iterable[tuple[str, str]], *, session: Session | None = None
) -> dict[tuple[str, str], RenditionRecord]:
    """The renditions already made among (asset sha256, profile key) pairs, whose files are in
    the store, in one query: a publish asks for every work's renditions for every screen
    profile at once, and one query each cost a fleet's publish more than its schedules' load.
    Pairs left out are for ensure_rendition to make. session: the caller's (Library.reading)."""
    pairs = set(wanted)
    if not pairs:
        return {}
    hashes = {sha for sha, _key in pairs}
    profiles = {key for _sha, key in pairs}
    found: dict[tuple[str, str], RenditionRecord] = {}
    with library.reading(session) as session:
        # The record's columns alone, of the profiles asked for: the assets' renditions for
        # every other screen profile are not read, and no ORM object is made for any.
        rows = session.execute(
            select(
                MediaAsset.sha256,
                Rendition.profile_key,
                Rendition.store_key,
                Rendition.format,
                Rendition.width,
                Rendition.height,
                Rendition.byte_size,
                Rendition.sha256,
            )
            .join(Rendition, Rendition.asset_id == MediaAsset.id)
            .where(MediaAsset.sha256.in_(hashes), Rendition.profile_key.in_(profiles))
        )
        for sha, key, store_key, fmt, width, height, size, file_sha in rows:
            if (sha, key) in pairs and library.store.exists(store_key):
                found[(sha, key)] = RenditionRecord(
                    sha, key, store_key, fmt, width, height, size, file_sha
                )
    return found


def ensure_rendition(library: Library, sha256: str, profile: RenditionProfile) -> RenditionRecord:
    """The cached rendition of an asset for a profile, derived now if it was never made.

    RenditionFailed when the work's own file is at fault; OSError when the disk is (reading the
    original or writing the rendition), which the caller must not mistake for the work's fault.
    """
    key = profile.key()
    with library.session() as session:
        asset = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha256))
        if asset is None:
            raise NotFound("media asset", sha256)
        row = session.scalar(
            select(Rendition).where(Rendition.asset_id == asset.id, Rendition.profile_key == key)
        )
        if row is not None and library.store.exists(row.store_key):
            return _record(sha256, row)
        original_key = _source_key(library, asset)
        video = asset.kind == "video"
        poster_s = asset.poster_s or 0.0
    if video:  # a video's still rendition is its fallback: the poster frame, fitted
        try:
            store_key, image = still_from_poster(library, sha256, original_key, poster_s, profile)
        except PosterFailed as exc:
            raise RenditionFailed(str(exc)) from None
        return _remember(library, sha256, key, store_key, image)
    try:
        data = library.store.get(original_key)
    except FileNotFoundError:
        missing = f"its original ({original_key}) is missing from the media store"
        raise RenditionFailed(missing) from None
    try:
        _thumb, (image,) = render_bytes(data, [profile], with_thumbnail=False)
    except _DECODE_ERRORS as exc:  # decoding bytes in memory: only the file itself is at fault
        detail = str(exc).strip() or type(exc).__name__
        raise RenditionFailed(f"its image cannot be decoded ({detail})") from None
    store_key = store_rendition(library.store, sha256, image)
    return _remember(library, sha256, key, store_key, image)


def _source_key(library: Library, asset: MediaAsset) -> str:
    """The image renditions are made from: the original, or a generative package's still."""
    if asset.kind == GENERATIVE:
        return find_still(library.store, asset.sha256) or keys.fallback_key(asset.sha256, "png")
    return asset.original_key


def rendition_row(session: Session, sha256: str, key: str) -> Rendition:
    """The rendition row of an asset for one profile, added when there is none yet (stills and
    videos record theirs the same way)."""
    asset = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha256))
    assert asset is not None
    row = session.scalar(
        select(Rendition).where(Rendition.asset_id == asset.id, Rendition.profile_key == key)
    )
    if row is None:
        row = Rendition(asset_id=asset.id, profile_key=key)
        session.add(row)
    return row


def _remember(
    library: Library, sha256: str, key: str, store_key: str, image: RenditionImage
) -> RenditionRecord:
    """Record a rendition just stored (replacing the row of one whose file went missing)."""
    with library.session() as session:
        row = rendition_row(session, sha256, key)
        row.store_key = store_key
        row.format = image.format
        row.width, row.height = image.width, image.height
        row.byte_size = len(image.data)
        row.sha256 = sha256_of(image.data).hexdigest()
        session.flush()
        return _record(sha256, row)


def ensure_thumbnail(library: Library, sha256: str) -> str:
    """The thumbnail's store key, derived again if the file went missing."""
    with library.session() as session:
        asset = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha256))
        if asset is None:
            raise NotFound("media asset", sha256)
        if asset.thumbnail_key and library.store.exists(asset.thumbnail_key):
            return asset.thumbnail_key
        original_key = _source_key(library, asset)
        video, poster_s = asset.kind == "video", asset.poster_s or 0.0
    if video:
        thumb = make_thumbnail(grab_poster(library, original_key, poster_s))
        key = keys.thumbnail_key(sha256, thumb.extension, keys.poster_variant(poster_s))
    else:
        thumb = make_thumbnail(to_srgb(open_image(library.store.get(original_key))))
        key = keys.thumbnail_key(sha256, thumb.extension)
    library.store.put(key, thumb.data)
    with library.session() as session:
        asset = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha256))
        assert asset is not None
        asset.thumbnail_key = key
    return key
