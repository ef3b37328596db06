"""A video work added to the delivery tests' small world: a short clip made with PyAV, imported,
approved and put in a playlist after a still, with screens that show it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.delivery.conftest import World
from tests.imaging.video_clips import Clip, write_clip
from urbanart.curation import playlists, screens
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library

#: 2 s at 12 fps: long enough to loop visibly, short enough to transcode in a moment.
CLIP = Clip(width=96, height=64, frames=24, fps=12)


@dataclass
class VideoWorld:
    world: World
    video_id: int  # the video artwork
    reel_id: int  # playlist: Red Harbour (a still), then the video
    lisbon_id: int  # 320×180 screen playing the reel by default
    odd_id: int  # 321×181 screen: no H.264 4:2:0 video fits it, so the video stays a still


def add_video(library: Library, world: World, folder: Path, *, clip: Clip = CLIP) -> VideoWorld:
    folder.mkdir(parents=True, exist_ok=True)
    path = write_clip(folder / "tide.mp4", clip)
    (result,) = import_items(
        library, [ImportItem(path, "Tidewater Machines")], ImportRun(workers=1)
    )
    assert result.status is Status.IMPORTED and result.artwork_id is not None, result.reason
    video_id = result.artwork_id
    catalog.edit_artwork(
        library, video_id, title="Tide", year=2026, status="approved", license="CC-BY-4.0"
    )
    reel = playlists.create_playlist(library, "Reel")
    playlists.add_items(library, reel.id, [world.works["Red Harbour"]], duration=5)
    playlists.add_items(library, reel.id, [video_id], duration=4)
    lisbon = screens.add_screen(
        library, "Lisbon Quay", tz="Europe/Lisbon", size="320x180", default_playlist=reel.id
    )
    odd = screens.add_screen(
        library, "Odd Wall", tz="Europe/Lisbon", size="321x181", default_playlist=reel.id
    )
    return VideoWorld(world, video_id, reel.id, lisbon.id, odd.id)
