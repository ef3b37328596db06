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
from urbanart.imaging.video.profile import DEFAULT_MAX_BYTES, MB, VideoProfile
from urbanart.imaging.video.transcode import CancelSignal, TranscodeFailed, plan_for
from urbanart.library import store as keys
from urbanart.library.library import Library
from urbanart.library.models import (
    Artwork,
    MediaAsset,
    PlaylistItem,
    Rendition,
    Schedule,
    Screen,
)
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
                sha256,
                row.profile_key,
                row.store_key,
                row.format,
                row.width,
                row.height,
                row.byte_size,
                row.sha256,
            )
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


# What the Publish check shows: each screen's video renditions and their byte budgets ------------

#: Below this average bitrate per million pixels a budget is met only with a visibly soft picture
#: (x264 High at 30 fps: about 1 Mb/s per megapixel is where street-distance detail goes).
SOFT_BITS_PER_PIXEL_S = 1.0


def screen_video_profile(
    width: int, height: int, max_mb: int | None = None, keep_sound: bool = False
) -> VideoProfile:
    """The video rendition a screen gets: its exact size, letterboxed like its stills, the
    default frame-rate cap, and the screen's own byte budget (max_mb, in millions of bytes as
    operators write "at most 25 MB"; None takes the default) and sound setting. Both are in the
    profile's key, so changing either makes a new rendition. H.264 needs even sizes: an
    odd-sized screen gets no video (the publisher keeps its still and warns; the Publish check
    says why)."""
    budget = DEFAULT_MAX_BYTES if max_mb is None else max_mb * MB
    return VideoProfile(width, height, "contain", max_bytes=budget, keep_sound=keep_sound)


@dataclass(frozen=True)
class VideoBudget:
    """One video work on one screen: its rendition's size (made) or its ceiling (not yet)."""

    screen_id: int
    screen: str
    artwork_id: int
    title: str
    duration_s: float
    budget_bytes: int
    made_bytes: int | None  # the cached rendition's size; None until it is made
    fits: bool  # False: no rendition of this length can stay inside the budget
    soft: bool  # it fits, at a bitrate low enough to show (see SOFT_BITS_PER_PIXEL_S)
    reason: str  # why it does not fit, or is soft ("" when neither)


def budget_for(profile: VideoProfile, duration_s: float, has_audio: bool) -> tuple[bool, bool, str]:
    """(fits, soft, reason) for a video of duration_s in profile, by the transcoder's own plan
    (urbanart.imaging.video.transcode.plan_for: the same bitrate cap a transcode would use)."""
    try:
        plan = plan_for(
            (profile.width, profile.height),
            0,
            None,
            duration_s,
            profile,
            has_audio and profile.keep_sound,
        )
    except TranscodeFailed as exc:
        return False, False, str(exc)
    floor = SOFT_BITS_PER_PIXEL_S * profile.width * profile.height
    if plan.maxrate < floor:
        return (
            True,
            True,
            (
                f"{duration_s:.0f} s in {profile.max_bytes / 1e6:.0f} MB allows only "
                f"{plan.maxrate / 1e6:.1f} Mb/s at {profile.width}×{profile.height}: "
                "the picture will look soft"
            ),
        )
    return True, False, ""


def video_budgets(library: Library) -> list[VideoBudget]:
    """Every screen's video works (from its default playlist and its schedules, directly or
    through its groups) with their rendition sizes against the screen's byte budget.

    Reads only: nothing is transcoded. A rendition already made gives its real size; one not
    made yet gives the budget as its ceiling, and whether that budget can be met at all."""
    with library.session() as session:
        screens = session.scalars(select(Screen).order_by(Screen.name)).all()
        out: list[VideoBudget] = []
        for screen in screens:
            playlist_ids = {screen.default_playlist_id} - {None}
            group_ids = {group.id for group in screen.groups}
            for schedule in session.scalars(select(Schedule)).all():
                if not schedule.enabled:
                    continue
                if screen in schedule.screens or group_ids & {g.id for g in schedule.groups}:
                    playlist_ids.add(schedule.playlist_id)
            if not playlist_ids:
                continue
            rows = session.execute(
                select(Artwork.id, Artwork.title, MediaAsset)
                .join(PlaylistItem, PlaylistItem.artwork_id == Artwork.id)
                .join(MediaAsset, MediaAsset.id == Artwork.asset_id)
                .where(PlaylistItem.playlist_id.in_(playlist_ids), MediaAsset.kind == "video")
                .distinct()
                .order_by(Artwork.title, Artwork.id)
            ).all()
            profile = screen_video_profile(
                screen.width, screen.height, screen.video_max_mb, screen.video_sound
            )
            key = profile.key()
            for artwork_id, title, asset in rows:
                duration = asset.duration_s or 0.0
                made = next((r.byte_size for r in asset.renditions if r.profile_key == key), None)
                fits, soft, reason = budget_for(profile, duration, asset.has_audio)
                out.append(
                    VideoBudget(
                        screen.id,
                        screen.name,
                        artwork_id,
                        title,
                        duration,
                        profile.max_bytes,
                        made,
                        fits,
                        soft,
                        reason,
                    )
                )
        return out


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
