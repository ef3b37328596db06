"""A screen's own video settings reach what it plays (issue #12): the screen that keeps sound
gets a rendition with the work's audio track, a silent one gets none, and a screen's byte budget
is the one its rendition is made within."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import av

from tests.delivery.conftest import World
from tests.delivery.test_publish import manifests
from tests.delivery.video_world import add_video
from tests.imaging.video_clips import Clip
from urbanart.curation import screens
from urbanart.delivery.publisher import publish
from urbanart.library.library import Library, current_tree

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
#: One second with sound, small: two screens transcode it in a moment.
SOUND_CLIP = Clip(width=96, height=64, frames=12, fps=12, audio=True)


def _video(payload: dict, playlist_id: int) -> dict:
    items = payload["playlists"][str(playlist_id)]["items"]
    (video,) = [item["video"] for item in items if "video" in item]
    return video


def _audio_tracks(root: Path, video: dict) -> int:
    with av.open(str(root / video["url"].lstrip("/"))) as container:
        return len(container.streams.audio)


def test_sound_and_budget_follow_each_screens_settings(
    library: Library, world: World, tmp_path: Path
) -> None:
    videos = add_video(library, world, tmp_path / "clips", clip=SOUND_CLIP)
    screens.edit_screen(library, videos.lisbon_id, video_sound=True)
    silent = screens.add_screen(
        library,
        "Silent Quay",
        tz="UTC",
        size="320x180",
        default_playlist=videos.reel_id,
        video_max_mb=1,
    )

    publish(library, now=NOW)
    found = manifests(library)
    root = current_tree(library)
    loud = _video(found[videos.lisbon_id][1], videos.reel_id)
    quiet = _video(found[silent.id][1], videos.reel_id)
    assert loud["has_audio"] is True and _audio_tracks(root, loud) == 1
    assert quiet["has_audio"] is False and _audio_tracks(root, quiet) == 0
    assert loud["sha256"] != quiet["sha256"]  # one rendition per setting, same screen size
    assert quiet["size"] <= 1_000_000  # within the screen's own budget
    assert (root / quiet["url"].lstrip("/")).stat().st_size == quiet["size"]

    # The same settings share one rendition; changed ones reach the next publish.
    screens.edit_screen(library, videos.lisbon_id, video_sound=False, video_max_mb=1)
    publish(library, now=NOW)
    again = _video(manifests(library)[videos.lisbon_id][1], videos.reel_id)
    assert again["has_audio"] is False and again["sha256"] == quiet["sha256"]
