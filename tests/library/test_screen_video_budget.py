"""A screen's byte budget is what the Publish check measures its video works against, and a
part of the rendition's key: a tighter budget says when a long work cannot fit it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imaging.video_clips import Clip, write_clip
from urbanart.curation import playlists, screens
from urbanart.imaging.video.profile import DEFAULT_MAX_BYTES
from urbanart.library import catalog
from urbanart.library.import_sources import scan
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library
from urbanart.library.video_renditions import screen_video_profile, video_budgets

#: 200 s at one frame a second, tiny: long enough that 1 MB leaves too few bits a second.
LONG_CLIP = Clip(width=32, height=32, frames=200, fps=1)


@pytest.mark.no_database
def test_the_profile_key_holds_budget_and_sound() -> None:
    default = screen_video_profile(320, 180)
    assert default.max_bytes == DEFAULT_MAX_BYTES and not default.keep_sound
    assert screen_video_profile(320, 180, None, False).key() == default.key()
    keys = {
        default.key(),
        screen_video_profile(320, 180, 8).key(),
        screen_video_profile(320, 180, None, True).key(),
        screen_video_profile(320, 180, 8, True).key(),
    }
    assert len(keys) == 4
    assert screen_video_profile(320, 180, 8).max_bytes == 8_000_000


def test_a_screens_budget_is_what_the_publish_check_measures(
    library: Library, tmp_path: Path
) -> None:
    path = write_clip(tmp_path / "slow.mp4", LONG_CLIP)
    (result,) = import_items(library, scan([str(path)], artist="Nova"), ImportRun(workers=1))
    assert result.status is Status.IMPORTED, result.reason
    catalog.edit_artwork(library, result.artwork_id, title="Slow", status="approved")
    reel = playlists.create_playlist(library, "Reel")
    playlists.add_items(library, reel.id, [result.artwork_id])
    for name, budget in (("A roomy", None), ("B tight", 1)):
        screens.add_screen(
            library,
            name,
            tz="UTC",
            size="320x180",
            default_playlist=reel.id,
            video_max_mb=budget,
        )

    roomy, tight = video_budgets(library)
    assert (roomy.screen, roomy.budget_bytes, roomy.fits) == ("A roomy", DEFAULT_MAX_BYTES, True)
    assert (tight.screen, tight.budget_bytes, tight.fits) == ("B tight", 1_000_000, False)
    assert "1,000,000 bytes" in tight.reason

    screens.edit_screen(library, "B tight", video_max_mb=25)
    assert video_budgets(library)[1].fits
