"""The demo's live work: `urbanart demo` adds it, approved, with a collage as its still, and the
demo schedules put it on screens by day."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from urbanart.curation import playlists
from urbanart.curation.agenda import whats_on
from urbanart.curation.demo import LIVE_PLAYLIST, LIVE_SCREENS
from urbanart.library.catalog import get_artwork
from urbanart.library.library import Library
from urbanart.live.demo import (
    ARTIST,
    TITLE,
    demo_generator_command,
    demo_live_work,
    load_demo_live,
)
from urbanart.live.works import live_works


def test_the_demo_command_adds_the_live_work_and_schedules_it_by_day(run_cli, home: Path) -> None:
    result = run_cli("demo")
    assert result.exit_code == 0, result.stderr
    assert "4 playlists, 6 schedules" in result.stderr
    with Library.open(home) as library:
        found = demo_live_work(library)
        assert found is not None
        live_id, artwork_id, token = found
        [state] = live_works(library)
        assert (state.title, state.artist, state.interval_s) == (TITLE, ARTIST, 5.0)
        assert state.retention == "none"
        artwork = get_artwork(library, artwork_id)
        assert artwork.status == "approved"
        assert (artwork.asset.width, artwork.asset.height) == (1920, 1080)  # the generator's still
        playlist = playlists.get_playlist(library, LIVE_PLAYLIST)
        assert [item.artwork_id for item in playlist.items] == [artwork_id]
        for screen in LIVE_SCREENS:
            midday = whats_on(library, screen, datetime(2026, 11, 24, 12, 0))
            assert midday.playlist == LIVE_PLAYLIST, screen
        evening = whats_on(library, LIVE_SCREENS[0], datetime(2026, 11, 24, 21, 0))
        assert evening.playlist != LIVE_PLAYLIST  # by day only: the evenings stay as they were

        assert load_demo_live(library) == artwork_id  # a second demo adds no second live work
        assert len(live_works(library)) == 1
        assert demo_live_work(library) == (live_id, artwork_id, token)


def test_the_generator_command_runs_live_run_beside_the_library(tmp_path: Path) -> None:
    command = demo_generator_command(tmp_path, "TOKEN", "http://127.0.0.1:8470", every_s=5)
    assert command[:3] == [sys.executable, "-m", "urbanart.cli.main"]
    assert command[3:5] == ["--home", str(tmp_path)]
    separator = command.index("--")
    assert command[5:separator] == ["live", "run", "TOKEN", "--hub", "http://127.0.0.1:8470"]
    assert "--secret" not in command  # read from the library, never on a command line
    program = command[separator + 1 :]
    assert program[1:3] == ["-m", "urbanart.live.demo_generator"]
    assert program[program.index("--out") + 1] == "{out}"
    assert program[program.index("--every") + 1] == "5"
