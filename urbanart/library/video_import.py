"""The worker side of importing a video: guard it, take its poster frame, store it untouched.

Runs in an import worker process, as prepare_file does for stills; the writer records the
catalog row. The original's bytes are stored as they came (content-addressed like stills); the
thumbnail and any still renditions asked for come from the poster frame, upright.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av.error

from urbanart.errors import ImportRefused
from urbanart.imaging.limits import ImportLimits
from urbanart.imaging.probe import MediaInfo
from urbanart.imaging.renditions import Rendition as RenditionImage
from urbanart.imaging.renditions import RenditionProfile, make_thumbnail, render
from urbanart.imaging.video.guard import guard_video
from urbanart.imaging.video.poster import default_poster_time, poster_image
from urbanart.imaging.video.sniff import VideoContainer
from urbanart.library import store as keys
from urbanart.library.store import MediaStore


@dataclass(frozen=True)
class VideoFacts:
    """What the catalog records of a video beyond what every asset has."""

    duration_s: float
    fps: float
    has_audio: bool
    poster_s: float


@dataclass(frozen=True)
class PreparedVideo:
    info: MediaInfo
    facts: VideoFacts
    original_key: str
    thumbnail_key: str
    renditions: tuple[tuple[str, str, RenditionImage], ...]


def prepare_video(
    path: str,
    size: int,
    sha: str,
    kind: VideoContainer,
    store: MediaStore,
    limits: ImportLimits,
    profiles: tuple[RenditionProfile, ...],
) -> PreparedVideo:
    """Guard, then store original, thumbnail and still renditions. ImportRefused says why not."""
    name = Path(path).name
    video = guard_video(path, name, kind, limits)
    poster_s = default_poster_time(video.duration_s)
    try:
        poster = poster_image(path, poster_s)
    except av.error.FFmpegError as exc:
        raise ImportRefused(name, f"damaged: no poster frame can be decoded ({exc})") from None
    variant = keys.poster_variant(poster_s)
    original = keys.original_key(sha, kind.extension)
    store.put_file(original, Path(path))
    thumb = make_thumbnail(poster)
    thumb_key = keys.thumbnail_key(sha, thumb.extension, variant)
    store.put(thumb_key, thumb.data)
    stills = []
    for profile in profiles:
        image = render(poster, profile)
        key = keys.rendition_key(sha, image.profile_key, image.extension, variant)
        store.put(key, image.data)
        stills.append((image.profile_key, key, image))
    info = MediaInfo(
        sha256=sha,
        format=kind.format,
        mime_type=kind.mime_type,
        width=video.width,
        height=video.height,
        frame_count=video.frame_count,
        byte_size=size,
        animated=True,
    )
    facts = VideoFacts(video.duration_s, video.fps, video.has_audio, poster_s)
    return PreparedVideo(info, facts, original, thumb_key, tuple(stills))
