"""Manifest format 3 (video items) for the web player's tests, until the publisher writes it.

The publisher learns format 3 on another branch (/work/briefs/manifest3.md); until it does, the
web player's tests publish a real library, then serve a copy of that release whose manifest for
one screen is format 3, holding video items made here: a real H.264 rendition written by the
engine's own transcode, its JPEG still, both content-addressed under /media/, the payload
re-versioned and signed with the library's key by the engine's signing code. Once the publisher
emits video items, serve_v3 gives way to publishing a library that holds a video work.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.imaging.video_clips import Clip, frame_picture, write_clip
from urbanart.delivery.manifest import payload_text
from urbanart.delivery.signing import signing_key
from urbanart.imaging.video.profile import VideoProfile
from urbanart.imaging.video.transcode import transcode
from urbanart.library.library import Library, current_tree, published_root
from urbanart.protocol.manifest_format import version_of


@dataclass(frozen=True)
class VideoMedia:
    """A screen's video rendition and its still fallback (the poster frame, the same size)."""

    mp4: bytes
    still: bytes
    width: int
    height: int
    duration_s: float
    fps: float


def make_video(
    width: int,
    height: int,
    *,
    seconds: float = 2.0,
    fps: int = 24,
    profile: VideoProfile | None = None,
) -> VideoMedia:
    """A clip of the test pattern (tests/imaging/video_clips.py) transcoded by the engine into
    the screen's rendition: H.264 High, yuv420p, faststart, exactly width × height."""
    with tempfile.TemporaryDirectory(prefix="video-manifest-") as tmp:
        source = write_clip(
            Path(tmp) / "source.mp4",
            Clip(width=width, height=height, frames=round(seconds * fps), fps=fps),
        )
        result = transcode(
            source, Path(tmp) / "rendition.mp4", profile or VideoProfile(width, height)
        )
        mp4 = (Path(tmp) / "rendition.mp4").read_bytes()
    still = io.BytesIO()
    frame_picture(width, height, 0).save(still, format="JPEG", quality=90)
    return VideoMedia(
        mp4, still.getvalue(), result.width, result.height, result.duration_s, result.fps
    )


def media_url(body: bytes, ext: str) -> str:
    sha = hashlib.sha256(body).hexdigest()
    return f"/media/{sha[:2]}/{sha}.{ext}"


def video_item(
    like: dict[str, Any],
    video: VideoMedia,
    *,
    item_id: int,
    duration_s: float,
    transition: dict[str, Any] | None = None,
    media_type: str = "video",
    served_mp4: bytes | None = None,
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A format 3 video item modelled on `like` (an item of the same manifest: its artwork's
    credit, QR code…) and the files to serve for it, by URL. served_mp4 replaces the bytes
    served for the MP4 while the manifest keeps naming the genuine file (a tampering mirror)."""
    item = copy.deepcopy(like)
    mp4_url, still_url = media_url(video.mp4, "mp4"), media_url(video.still, "jpg")
    item.update(
        item_id=item_id,
        duration_s=duration_s,
        transition=transition or {"type": "cut", "seconds": 0},
        media_type=media_type,
        media={
            "url": still_url,
            "sha256": hashlib.sha256(video.still).hexdigest(),
            "size": len(video.still),
            "width": video.width,
            "height": video.height,
            "format": "JPEG",
            "animated": False,
        },
        video={
            "url": mp4_url,
            "sha256": hashlib.sha256(video.mp4).hexdigest(),
            "size": len(video.mp4),
            "width": video.width,
            "height": video.height,
            "format": "MP4",
            "codec": "h264",
            "duration_s": video.duration_s,
            "fps": video.fps,
            "has_audio": False,
        },
    )
    served = video.mp4 if served_mp4 is None else served_mp4
    return item, {mp4_url: served, still_url: video.still}


def serve_v3(
    library: Library,
    token: str,
    edit: Callable[[dict[str, Any]], None],
    files: dict[str, bytes],
    name: str = "v3",
) -> bytes:
    """Serve a copy of the current release whose manifest for this screen is format 3: every
    item gains media_type "image", then edit(payload) changes it (adds video items); the files
    (URL → bytes) are written into the copy; the payload is renumbered, re-versioned and signed
    with the library's key; the copy is swapped in like a publish. Returns the envelope."""
    published = published_root(library)
    release = published / "releases" / name
    shutil.copytree(current_tree(library).resolve(), release, symlinks=True)
    manifest = release / "screens" / token / "manifest.json"
    payload: dict[str, Any] = json.loads(json.loads(manifest.read_bytes())["payload"])
    payload["version"] = 3
    for playlist in payload["playlists"].values():
        for item in playlist["items"]:
            item.setdefault("media_type", "image")
    edit(payload)
    payload["sequence"] += 1
    payload["manifest_version"] = version_of(payload)
    for url, body in files.items():
        target = release / url.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)  # never write through a link into the shared media
        target.write_bytes(body)
    envelope = signing_key(library.home).sign_envelope(payload_text(payload)).encode()
    manifest.unlink()
    manifest.write_bytes(envelope)
    os.symlink(f"releases/{name}", published / "current.tmp")
    os.replace(published / "current.tmp", published / "current")
    return envelope
