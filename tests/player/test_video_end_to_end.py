"""A video work the whole way, for real: a PyAV clip → import → playlist (a still, then the video
twice) → publish → the hub on 127.0.0.1 → a paired player core, and the MP4 the hub serves."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import requests
from PIL import Image

from tests.imaging.video_clips import Clip, top_level_boxes, write_clip
from urbanart.curation import playlists, screens
from urbanart.delivery.publisher import publish, screen_video_profile
from urbanart.delivery.server import HubThread
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
STILL_S = 5


def imported(library: Library, path: Path, title: str) -> int:
    (result,) = import_items(library, [ImportItem(path, "Harbour Lights")], ImportRun(workers=1))
    assert result.status is Status.IMPORTED and result.artwork_id is not None, result.reason
    catalog.edit_artwork(
        library, result.artwork_id, title=title, status="approved", license="CC-BY-4.0"
    )
    return result.artwork_id


def test_the_right_item_and_video_position_play_at_each_clock_time(
    library: Library, tmp_path: Path
) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    Image.new("RGB", (320, 200), (200, 120, 30)).save(sources / "still.png")
    write_clip(sources / "tide.mov", Clip(width=96, height=64, frames=30, fps=12, audio=True,
                                          container="mov"))  # fmt: skip
    still_id = imported(library, sources / "still.png", "Amber")
    video_id = imported(library, sources / "tide.mov", "Tide")
    reel = playlists.create_playlist(library, "Reel")
    playlists.add_items(library, reel.id, [still_id], duration=STILL_S)
    playlists.add_items(library, reel.id, [video_id], loops=2)
    screen = screens.add_screen(
        library, "Harbour", tz="Europe/Lisbon", size="320x180", default_playlist=reel.id
    )
    publish(library, now=T0)

    hub = HubThread(library, check_interval=0.05)
    url = hub.start()
    state = tmp_path / "player"
    player: Player | None = None
    try:
        pairing.pair(state, url, screen.poll_token)
        player = Player(state, clock=ManualClock(T0))
        assert player.poll_once().switched
        payload = player.current.payload if player.current else {}
        assert payload["version"] == 3
        items = payload["playlists"][str(reel.id)]["items"]
        video = items[1]["video"]
        length_ms = round(video["duration_s"] * 1000)
        assert round(items[1]["duration_s"] * 1000) == 2 * length_ms  # two loops on screen
        # The rule, written out for this screen: the Reel loops from the window's start (the
        # default playlist fills the whole window), the still for 5 s, then the video twice.
        start = T0.replace(hour=0, minute=0)  # the window starts at the UTC day's start
        assert payload["window"]["from"] == "2026-05-04T00:00:00Z"
        cycle_ms = STILL_S * 1000 + 2 * length_ms
        checks = [
            (3_000, None),  # the still
            (STILL_S * 1000, 0),  # the video's first frame
            (STILL_S * 1000 + 1_250, 1_250),  # 1.25 s into the first loop
            (STILL_S * 1000 + length_ms + 500, 500),  # the second loop
            (cycle_ms + 1_000, None),  # the still again
        ]
        for day_offset in (timedelta(0), timedelta(hours=9, minutes=41)):
            anchor = start + day_offset
            # align to the next cycle start after anchor, on the screen's millisecond grid
            into = (anchor - start) // timedelta(milliseconds=1) % cycle_ms
            base = anchor + timedelta(milliseconds=cycle_ms - into)
            for offset_ms, position_ms in checks:
                t = base + timedelta(milliseconds=offset_ms)
                frame = player.tick(t)
                assert frame.item is not None and frame.path is not None, t
                if position_ms is None:
                    assert frame.item["artwork_id"] == still_id, t
                    assert frame.video_path is None and frame.video_position_s is None
                else:
                    assert frame.item["artwork_id"] == video_id, t
                    assert frame.video_path is not None, t
                    assert frame.video_position_s == position_ms / 1000, t
                    data = frame.video_path.read_bytes()
                    assert hashlib.sha256(data).hexdigest() == video["sha256"]
                    with Image.open(frame.path) as still:  # the fallback, same size
                        assert still.size == (320, 180)

        # A damaged video on disk: the screen shows the item's still instead, never nothing.
        cached = player.cache.path_for(video)
        cached.write_bytes(b"not a video")
        t = base + timedelta(milliseconds=cycle_ms + STILL_S * 1000 + 100)
        frame = player.tick(t)
        assert frame.item is not None and frame.item["artwork_id"] == video_id
        assert frame.path is not None and frame.video_path is None

        # What the hub serves: H.264 yuv420p, faststart, within the budget, no sound.
        response = requests.get(url.rstrip("/") + video["url"], timeout=10)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "video/mp4"
        served = tmp_path / "served.mp4"
        served.write_bytes(response.content)
        assert hashlib.sha256(response.content).hexdigest() == video["sha256"]
        boxes = top_level_boxes(response.content)
        assert boxes.index("moov") < boxes.index("mdat")
        assert len(response.content) <= screen_video_profile(320, 180).max_bytes
        with av.open(str(served)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            assert stream.codec_context.format.name == "yuv420p"
            assert (stream.codec_context.width, stream.codec_context.height) == (320, 180)
            assert len(container.streams.audio) == 0  # the source had sound; screens get none
        ranged = requests.get(
            url.rstrip("/") + video["url"], headers={"Range": "bytes=0-99"}, timeout=10
        )
        assert ranged.status_code == 206 and ranged.content == response.content[:100]
    finally:
        if player is not None:
            player.close()
        hub.stop()
