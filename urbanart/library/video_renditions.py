"""A video work's renditions for a screen: the H.264 file and its still fallback, both cached.

Like still renditions, each is made once per (content hash, profile key) and recorded in the
renditions table; the transcode runs in a worker process (imaging.video.jobs) with progress and
cancel, and its file goes into the media store only once whole. The still fallback is the poster
frame at the same size, fitted the same way, as JPEG: what a player that cannot play the video
(or a city that allows only stills) shows.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av.error
from sqlalchemy import select

from urbanart.errors import NotFound
from urbanart.imaging.renditions import RenditionProfile
from urbanart.imaging.video.jobs import run_transcode
from urbanart.imaging.video.probe import frame_rate, open_video, stream_duration, video_stream
from urbanart.imaging.video.profile import VideoProfile
from urbanart.imaging.video.transcode import CancelSignal, TranscodeFailed
from urbanart.library import store as keys
from urbanart.library.library import Library
from urbanart.library.models import MediaAsset, Rendition
from urbanart.library.renditions import (
    RenditionFailed,
    RenditionRecord,
    ensure_rendition,
    rendition_row,
)
from urbanart.library.video_files import original_file

VIDEO_FORMAT = "MP4"


@dataclass(frozen=True)
class VideoRenditions:
    """What a screen gets of a video work: the video, and the still to show instead."""

    video: RenditionRecord
    still: RenditionRecord
    duration_s: float


def still_profile(profile: VideoProfile) -> RenditionProfile:
    """The still fallback's profile: the video's size, fit and background, as JPEG."""
    return RenditionProfile(
        profile.width, profile.height, profile.fit, profile.background, format="JPEG"
    )


def _cached(library: Library, sha256: str, key: str) -> tuple[RenditionRecord | None, str, float]:
    with library.session() as session:
        asset = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha256))
        if asset is None:
            raise NotFound("media asset", sha256)
        if asset.kind != "video":
            raise RenditionFailed("it is not a video, so it has no video rendition")
        row = session.scalar(
            select(Rendition).where(Rendition.asset_id == asset.id, Rendition.profile_key == key)
        )
        found = None
        if row is not None and library.store.exists(row.store_key):
            found = RenditionRecord(
                sha256, row.profile_key, row.store_key, row.format, row.width, row.height,
                row.byte_size, row.sha256,
            )  # fmt: skip
        return found, asset.original_key, asset.duration_s or 0.0


def ensure_video_rendition(
    library: Library,
    sha256: str,
    profile: VideoProfile,
    *,
    progress: Callable[[float], None] | None = None,
    cancel: CancelSignal | None = None,
) -> VideoRenditions:
    """The cached video rendition and still fallback of a video asset for a profile, made now
    if missing. progress gets 0..1 while transcoding; cancel stops it (TranscodeCancelled, and
    nothing is stored). RenditionFailed when the work's file is at fault or no rendition fits
    the profile's byte budget."""
    key = profile.key()
    found, original_key, duration = _cached(library, sha256, key)
    still = ensure_rendition(library, sha256, still_profile(profile))
    if found is not None:
        return VideoRenditions(found, still, duration)
    with tempfile.TemporaryDirectory(prefix="urbanart-transcode-") as folder:
        out = Path(folder) / "rendition.mp4"
        try:
            with original_file(library.store, original_key) as source:
                result = run_transcode(source, out, profile, progress=progress, cancel=cancel)
        except FileNotFoundError:
            missing = f"its original ({original_key}) is missing from the media store"
            raise RenditionFailed(missing) from None
        except TranscodeFailed as exc:
            raise RenditionFailed(str(exc)) from None
        with out.open("rb") as handle:
            file_sha = hashlib.file_digest(handle, "sha256").hexdigest()
        byte_size = out.stat().st_size
        store_key = keys.rendition_key(sha256, key, "mp4")
        library.store.put_file(store_key, out)
    with library.session() as session:
        row = rendition_row(session, sha256, key)
        row.store_key = store_key
        row.format = VIDEO_FORMAT
        row.width, row.height = result.width, result.height
        row.byte_size = byte_size
        row.sha256 = file_sha
        session.flush()
        video = RenditionRecord(
            sha256, key, store_key, VIDEO_FORMAT, row.width, row.height, row.byte_size, row.sha256
        )
    return VideoRenditions(video, still, duration)


@dataclass(frozen=True)
class VideoFileFacts:
    """What a player is told about a video rendition file: its own length, rate and sound."""

    duration_s: float
    fps: float
    has_audio: bool


def video_file_facts(library: Library, record: RenditionRecord) -> VideoFileFacts:
    """The length, frame rate and sound of a stored video rendition, read from its header.

    Read from the file rather than the original's catalog facts: the rendition's frame rate is
    capped and its length is what a player loops over (the manifest's video.duration_s).
    Remembered by the file's own sha256 (its bytes never change), so a process reads each
    header once. RenditionFailed when the file gives no length."""
    known = _FILE_FACTS.get(record.file_sha256)
    if known is None:
        known = _FILE_FACTS[record.file_sha256] = _read_facts(library, record.store_key)
    return known


#: file sha256 -> facts; a few dozen bytes per video work.
_FILE_FACTS: dict[str, VideoFileFacts] = {}


def _read_facts(library: Library, store_key: str) -> VideoFileFacts:
    try:
        with original_file(library.store, store_key) as path, open_video(path) as container:
            stream = video_stream(container)
            seconds = stream_duration(container, stream) if stream is not None else None
            rate = frame_rate(stream) if stream is not None else None
            sound = len(container.streams.audio) > 0
    except FileNotFoundError:
        raise RenditionFailed(f"its video rendition ({store_key}) is missing") from None
    except av.error.FFmpegError as exc:
        raise RenditionFailed(f"its video rendition cannot be read ({exc})") from None
    if not seconds or seconds <= 0 or not rate:
        raise RenditionFailed(f"its video rendition ({store_key}) has no length or frame rate")
    return VideoFileFacts(round(seconds, 3), round(float(rate), 3), sound)
