"""The demo's screens, groups, playlists and schedules: real, current, explainable, added once."""

from __future__ import annotations

from datetime import date, datetime

from tests.conftest import DEMO, copy_from_template, demo_collection
from urbanart.curation import playlists, schedules, screens
from urbanart.curation.agenda import whats_on
from urbanart.curation.demo import SCREENS, has_curation, load_demo_curation
from urbanart.library.library import Library


def test_the_demo_curation_is_added_once_and_explains_itself(tmp_path) -> None:
    # The demo collection (load_demo) as the other folders' demo tests get it: a copy of one
    # imported once per session and database, not an import pool started for this test.
    copy_from_template(DEMO, demo_collection, tmp_path / "lib")
    with Library.open(tmp_path / "lib") as library:
        assert not has_curation(library)
        made = load_demo_curation(library, today=date(2026, 11, 23))
        assert (made.screens, made.groups, made.playlists, made.schedules) == (5, 2, 3, 5)
        assert "5 screens" in made.message

        listed = {s.name: s for s in screens.list_screens(library)}
        assert set(listed) == {row[0] for row in SCREENS}
        tokyo = listed["Shibuya Crossing Tower"]
        assert (tokyo.width, tokyo.height, tokyo.timezone) == (1080, 1920, "Asia/Tokyo")
        assert all(p.items for p in playlists.list_playlists(library))

        # Lisbon at 22:30 on its own clock: the evening schedule beats the late show.
        at = whats_on(library, "Lisbon Metro Wall", datetime(2026, 11, 24, 22, 30))
        assert at.playlist == "Night Shift"
        assert at.schedule is not None and at.schedule.name == "Evenings"
        assert [lost.name for lost in at.overridden] == ["Lisbon late show"]
        # Mornings fall back to the screen's default playlist.
        morning = whats_on(library, "Lisbon Metro Wall", datetime(2026, 11, 24, 9, 0))
        assert (morning.playlist, morning.source) == ("Morning Light", "default")

        again = load_demo_curation(library)
        assert again.screens == 0 and "no demo curation" in again.message
        assert len(schedules.list_schedules(library)) == 5
