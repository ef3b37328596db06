"""A video's poster frame: which moment of the video stands for it as a still.

The poster gives the thumbnail, the still fallback each screen gets (players that cannot play
the video, cities that allow only stills) and the page's poster. Changing it makes a new
thumbnail at once and drops the still renditions made from the old one; they are made again
from the new frame when next asked for (the store keys carry the poster time, so nothing cached
anywhere shows the old picture under a new name).
"""

from __future__ import annotations

import av.error
from PIL import Image
from sqlalchemy import select

from urbanart.errors import InvalidValue, UrbanArtError
from urbanart.imaging.renditions import Rendition as RenditionImage
from urbanart.imaging.renditions import RenditionProfile, make_thumbnail, render
from urbanart.imaging.video.poster import check_poster_time, poster_image
from urbanart.library import store as keys
from urbanart.library.library import Library
from urbanart.library.lookup import find
from urbanart.library.models import Artwork, MediaAsset
from urbanart.library.records import ArtworkRecord
from urbanart.library.video_files import original_file

#: Rendition formats made from the poster frame (the video renditions are MP4 and stay).
STILL_FORMATS = frozenset({"JPEG", "WEBP", "PNG"})


class PosterFailed(UrbanArtError):
    """The stored video gives no frame at that time (damaged since import, or missing)."""


def grab_poster(library: Library, original_key: str, at_s: float) -> Image.Image:
    """The upright poster frame of a stored original, as a Pillow image."""
    try:
        with original_file(library.store, original_key) as path:
            return poster_image(path, at_s)
    except FileNotFoundError:
        raise PosterFailed(
            f"its original ({original_key}) is missing from the media store"
        ) from None
    except av.error.FFmpegError as exc:
        raise PosterFailed(f"no frame can be decoded at {at_s:g} s ({exc})") from None


def set_poster(library: Library, ref: str | int, at_s: object) -> ArtworkRecord:
    """Take the poster frame of a video artwork at at_s seconds (InvalidValue key poster_at when
    the work is no video or the time lies outside it; nothing changes then)."""
    with library.session() as session:
        artwork = find(session, Artwork, ref, kind="artwork", name_attr="title")
        asset = artwork.asset
        if asset.kind != "video" or not asset.duration_s:
            raise InvalidValue(
                "poster time", at_s, "only a video has a poster frame", key="poster_at"
            )
        seconds = check_poster_time(at_s, asset.duration_s)
        sha, original_key, artwork_id = asset.sha256, asset.original_key, artwork.id
    image = grab_poster(library, original_key, seconds)
    thumb = make_thumbnail(image)
    thumb_key = keys.thumbnail_key(sha, thumb.extension, keys.poster_variant(seconds))
    library.store.put(thumb_key, thumb.data)
    stale: list[str] = []
    with library.session() as session:
        stored = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha))
        assert stored is not None
        asset = stored
        if asset.thumbnail_key and asset.thumbnail_key != thumb_key:
            stale.append(asset.thumbnail_key)
        asset.thumbnail_key = thumb_key
        asset.poster_s = seconds
        for row in list(asset.renditions):
            if row.format in STILL_FORMATS:
                stale.append(row.store_key)
                asset.renditions.remove(row)
        session.flush()
        record = ArtworkRecord.of(session.get_one(Artwork, artwork_id))
    for key in stale:
        if key != thumb_key:
            library.store.delete(key)
    return record


def still_from_poster(
    library: Library, sha: str, original_key: str, poster_s: float, profile: RenditionProfile
) -> tuple[str, RenditionImage]:
    """A screen's still fallback of a video: the poster frame fitted as stills are; stored, with
    its store key (which names the poster time)."""
    image = render(grab_poster(library, original_key, poster_s), profile)
    key = keys.rendition_key(sha, image.profile_key, image.extension, keys.poster_variant(poster_s))
    library.store.put(key, image.data)
    return key, image
