"""Each screen's video works against its byte budget (what the studio's Publish check shows):
found through default playlists and schedules (directly and through groups), real sizes once
made, and the transcoder's own plan saying when a budget cannot be met."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imaging.video_clips import Clip, write_clip
from urbanart.curation import playlists, schedules, screens
from urbanart.imaging.video.profile import VideoProfile
from urbanart.library import catalog
from urbanart.library.import_sources import scan
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library
from urbanart.library.video_renditions import (
    budget_for,
    ensure_video_rendition,
    screen_video_profile,
    video_budgets,
)


@pytest.mark.no_database
def test_budget_for_follows_the_transcoders_bitrate_cap() -> None:
    portrait = VideoProfile(1080, 1920)
    assert budget_for(portrait, 20.0, False) == (True, False, "")
    fits, soft, reason = budget_for(portrait, 300.0, False)  # 25 MB over 5 min: 0.6 Mb/s
    assert fits and soft and "Mb/s" in reason and "soft" in reason
    tiny = VideoProfile(1080, 1920, max_bytes=100_000)
    fits, soft, reason = budget_for(tiny, 30.0, False)
    assert not fits and not soft and "100,000 bytes" in reason
    assert budget_for(tiny, 5.0, False)[0]  # the same budget holds a shorter video


def _import(library: Library, path: Path) -> int:
    (result,) = import_items(library, scan([str(path)], artist="Nova"), ImportRun(workers=1))
    assert result.status is Status.IMPORTED, result.reason
    catalog.set_status(library, [result.artwork_id], "approved")
    return int(result.artwork_id)


def test_video_budgets_per_screen(library: Library, tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "tide.mp4", Clip(width=96, height=64, frames=24))
    video = _import(library, clip)
    catalog.edit_artwork(library, video, title="Tide")
    still_clip = write_clip(tmp_path / "other.mp4", Clip(width=64, height=64, frames=12))
    other = _import(library, still_clip)
    catalog.edit_artwork(library, other, title="Unused")
    day = playlists.create_playlist(library, "Day")
    playlists.add_items(library, day.id, [video])
    night = playlists.create_playlist(library, "Night")
    playlists.add_items(library, night.id, [video])
    screens.add_screen(library, "A kiosk", tz="UTC", size="320x180", default_playlist=day.id)
    b = screens.add_screen(library, "B tower", tz="UTC", size="180x320")
    screens.add_screen(library, "C dark", tz="UTC", size="320x180")  # plays nothing
    group = screens.create_group(library, "Towers", screens=[b.id])
    schedules.add_schedule(library, night.id, groups=[group.id], window="20:00-23:00")

    found = video_budgets(library)
    assert [(f.screen, f.title) for f in found] == [("A kiosk", "Tide"), ("B tower", "Tide")]
    assert all(f.made_bytes is None and f.fits and not f.soft for f in found)
    assert found[0].duration_s == pytest.approx(2.0, abs=0.05)
    assert found[0].budget_bytes == screen_video_profile(320, 180).max_bytes

    sha = catalog.get_artwork(library, video).asset.sha256
    made = ensure_video_rendition(library, sha, screen_video_profile(320, 180))
    again = {f.screen: f for f in video_budgets(library)}
    assert again["A kiosk"].made_bytes == made.video.byte_size > 0
    assert again["B tower"].made_bytes is None  # its own size: not made yet
