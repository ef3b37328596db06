"""How long a video item stays on screen: play once (the default), N loops or a fixed time, from
the engine, the CLI, undo and the playlist file; stills refuse loops."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.imaging.video_clips import Clip, write_clip
from urbanart.curation import playlist_file, playlists
from urbanart.errors import InvalidValue
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library


@pytest.fixture
def works(library: Library, tmp_path: Path) -> dict[str, int]:
    from PIL import Image

    Image.new("RGB", (64, 48), (10, 120, 200)).save(tmp_path / "still.png")
    write_clip(tmp_path / "clip.mp4", Clip(width=64, height=48, frames=30, fps=12))
    ids = {}
    for title, name in (("Still", "still.png"), ("Clip", "clip.mp4")):
        (result,) = import_items(
            library, [ImportItem(tmp_path / name, "Nova")], ImportRun(workers=1)
        )
        assert result.status is Status.IMPORTED and result.artwork_id is not None, result.reason
        catalog.edit_artwork(library, result.artwork_id, title=title, status="approved")
        ids[title] = result.artwork_id
    return ids


def length_of(library: Library, artwork_id: int) -> float:
    duration = catalog.get_artwork(library, artwork_id).asset.duration_s
    assert duration is not None and duration > 0
    return duration


def test_a_video_plays_once_by_default_and_a_still_keeps_its_ten_seconds(
    library: Library, works: dict[str, int]
) -> None:
    reel = playlists.create_playlist(library, "Reel")
    record = playlists.add_items(library, reel.id, [works["Still"], works["Clip"]])
    still, clip = record.items
    assert (still.duration, still.loops) == (playlists.DEFAULT_DURATION, None)
    assert clip.loops == 1
    assert clip.duration == round(length_of(library, works["Clip"]), 3)


def test_loops_multiply_the_length_a_fixed_time_cuts_and_play_once_restores(
    library: Library, works: dict[str, int]
) -> None:
    length = length_of(library, works["Clip"])
    reel = playlists.create_playlist(library, "Reel")
    playlists.add_items(library, reel.id, [works["Clip"]], loops=3)
    item = playlists.get_playlist(library, reel.id).items[0]
    assert (item.loops, item.duration) == (3, round(3 * length, 3))
    item = playlists.set_item(library, reel.id, 1, duration=4).items[0]
    assert (item.loops, item.duration) == (None, 4.0)  # a fixed time: the last loop is cut
    item = playlists.set_item(library, reel.id, 1, play_once=True).items[0]
    assert (item.loops, item.duration) == (1, round(length, 3))
    item = playlists.set_item(library, reel.id, 1, overlay=False).items[0]
    assert item.loops == 1 and not item.overlay  # other edits keep the timing


def test_loops_on_a_still_or_two_timings_at_once_are_refused_naming_the_field(
    library: Library, works: dict[str, int]
) -> None:
    reel = playlists.create_playlist(library, "Reel")
    with pytest.raises(InvalidValue) as still:
        playlists.add_items(library, reel.id, [works["Clip"], works["Still"]], loops=2)
    assert still.value.key == "loops" and "'Still' is a still" in str(still.value)
    assert playlists.get_playlist(library, reel.id).items == ()  # all or nothing
    with pytest.raises(InvalidValue) as both:
        playlists.add_items(library, reel.id, [works["Clip"]], loops=2, duration=5)
    assert both.value.key == "loops"
    with pytest.raises(InvalidValue) as zero:
        playlists.add_items(library, reel.id, [works["Clip"]], loops=0)
    assert zero.value.key == "loops"
    assert playlists.get_playlist(library, reel.id).items == ()


def test_undo_brings_back_the_previous_loops(library: Library, works: dict[str, int]) -> None:
    reel = playlists.create_playlist(library, "Reel")
    playlists.add_items(library, reel.id, [works["Clip"]], loops=2)
    before = playlists.get_playlist(library, reel.id).items[0]
    playlists.set_item(library, reel.id, 1, duration=3)
    library.undo()
    after = playlists.get_playlist(library, reel.id).items[0]
    assert (after.loops, after.duration) == (before.loops, before.duration) == (2, before.duration)


def test_the_cli_sets_loops_and_play_once_and_refuses_loops_on_a_still(
    library: Library, works: dict[str, int], run_cli
) -> None:
    length = round(length_of(library, works["Clip"]), 3)
    playlists.create_playlist(library, "Reel")
    added = run_cli("playlists", "add", "Reel", str(works["Clip"]), "--loops", "2", "--json")
    assert added.exit_code == 0, added.stderr
    assert added.json()["items"][0]["loops"] == 2
    shown = run_cli("playlists", "show", "Reel")
    assert "(2 loops)" in shown.stdout
    once = run_cli("playlists", "set-item", "Reel", "1", "--play-once", "--json")
    assert once.json()["items"][0]["duration"] == length
    refused = run_cli("playlists", "add", "Reel", str(works["Still"]), "--loops", "2")
    assert refused.exit_code == 2 and "only a video plays in loops" in refused.stderr


def test_a_playlist_file_carries_loops_and_the_reader_recomputes_the_time(
    library: Library, works: dict[str, int], tmp_path: Path
) -> None:
    reel = playlists.create_playlist(library, "Reel")
    playlists.add_items(library, reel.id, [works["Still"]], duration=6)
    playlists.add_items(library, reel.id, [works["Clip"]], loops=2)
    data = playlist_file.export_playlist(library, reel.id)
    still, clip = data["items"]
    assert "loops" not in still and clip["loops"] == 2
    clip["duration"] = 999  # a hand-edited file: loops decide, against this library's video
    copy = playlist_file.import_playlist(library, json.loads(json.dumps(data)), name="Copy")
    assert [(i.loops, i.duration) for i in copy.items] == [
        (None, 6.0),
        (2, round(2 * length_of(library, works["Clip"]), 3)),
    ]
    still["loops"] = 2
    with pytest.raises(InvalidValue) as refused:
        playlist_file.import_playlist(library, data, name="Broken")
    assert refused.value.key == "playlist_file" and "$.items[0].loops" in str(refused.value)
