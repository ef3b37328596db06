"""Renditions on demand: derive a file for a screen profile once, then serve it from the cache."""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256 as sha256_of

from sqlalchemy import select

from urbanart.errors import NotFound
from urbanart.imaging.normalize import open_image, to_srgb
from urbanart.imaging.renditions import RenditionProfile, make_thumbnail, render_bytes
from urbanart.library import store as keys
from urbanart.library.importer import store_rendition
from urbanart.library.library import Library
from urbanart.library.models import MediaAsset, Rendition


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


def ensure_rendition(library: Library, sha256: str, profile: RenditionProfile) -> RenditionRecord:
    """The cached rendition of an asset for a profile, derived now if it was never made."""
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
        original_key = asset.original_key
    data = library.store.get(original_key)
    _thumb, (image,) = render_bytes(data, [profile], with_thumbnail=False)
    store_key = store_rendition(library.store, sha256, image)
    with library.session() as session:
        asset = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha256))
        assert asset is not None
        row = session.scalar(
            select(Rendition).where(Rendition.asset_id == asset.id, Rendition.profile_key == key)
        )
        if row is None:
            row = Rendition(asset_id=asset.id, profile_key=key)
            session.add(row)
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
        original_key = asset.original_key
    thumb = make_thumbnail(to_srgb(open_image(library.store.get(original_key))))
    key = keys.thumbnail_key(sha256, thumb.extension)
    library.store.put(key, thumb.data)
    with library.session() as session:
        asset = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha256))
        assert asset is not None
        asset.thumbnail_key = key
    return key
