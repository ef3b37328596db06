"""A group's own week: its schedules resolved on its first member's clock, with the same
explanations as `whatson` (the studio's Schedules view shows groups this way)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.curation.test_playlists_cli import make_playlist
from urbanart.curation import schedules, screens
from urbanart.curation.agenda import agenda, group_agenda, group_whats_on
from urbanart.errors import InvalidValue, NotFound
from urbanart.library.library import Library


@pytest.fixture
def world(run_cli, tmp_path: Path, home: Path):
    for name in ("Night Shift", "Morning Light", "House Loop"):
        make_playlist(run_cli, tmp_path, name)
    with Library.open(home) as library:
        screens.add_screen(library, "Tokyo", tz="Asia/Tokyo", size="1080x1920")
        screens.add_screen(
            library, "Lisbon", tz="Europe/Lisbon", size="1920x1080", default_playlist="House Loop"
        )
        screens.create_group(library, "World", ["Tokyo", "Lisbon"])
        screens.create_group(library, "Empty")
        yield library


def _spans(segments: list[dict]) -> list[tuple[str, str, str | None, str]]:
    return [
        (s["local_start"][11:16], s["local_end"][11:16], s["playlist"], s["source"])
        for s in segments
    ]


def test_group_agenda_uses_the_first_member_zone_and_only_group_schedules(world) -> None:
    schedules.add_schedule(world, "Morning Light", groups=["World"], window="09:00-12:00")
    # Lisbon's own schedule is not the group's: it must not appear in the group's week.
    schedules.add_schedule(world, "Night Shift", screens=["Lisbon"], window="20:00-22:00")
    week = group_agenda(world, "World", datetime(2026, 6, 1), days=1)
    assert (week["group"], week["member"], week["timezone"]) == ("World", "Lisbon", "Europe/Lisbon")
    assert week["members"] == ["Lisbon", "Tokyo"]
    # No default playlist on the virtual screen: outside the window the group says nothing.
    assert _spans(week["segments"]) == [
        ("00:00", "09:00", None, "nothing"),
        ("09:00", "12:00", "Morning Light", "schedule"),
        ("12:00", "00:00", None, "nothing"),
    ]
    assert week["segments"][1]["local_start"].endswith("+01:00")  # Lisbon summer time
    # The member's own agenda sees both, and its default in between.
    own = _spans(agenda(world, "Lisbon", datetime(2026, 6, 1), days=1))
    assert ("20:00", "22:00", "Night Shift", "schedule") in own
    assert ("12:00", "20:00", "House Loop", "default") in own


def test_group_whats_on_names_the_winner_and_why_the_other_lost(world) -> None:
    low = schedules.add_schedule(world, "Morning Light", groups=["World"], name="base")
    high = schedules.add_schedule(
        world, "Night Shift", groups=["World"], name="late", priority=3, window="22:00-02:00"
    )
    answer = group_whats_on(world, "World", datetime(2026, 6, 2, 1, 30))  # past midnight
    assert answer["playlist"] == "Night Shift"
    assert answer["schedule"]["id"] == high.id
    assert answer["schedule"]["name"] == "late"
    assert [(o["name"], o["why"]) for o in answer["overridden"]] == [
        ("base", "lower priority (0 < 3)")
    ]
    assert answer["timezone"] == "Europe/Lisbon"
    assert answer["local_time"].startswith("2026-06-02T01:30")
    assert low.id != high.id


def test_empty_group_reads_in_utc_and_bad_refs_are_curator_errors(world) -> None:
    schedules.add_schedule(world, "House Loop", groups=["Empty"], window="06:00-07:00")
    week = group_agenda(world, "Empty", datetime(2026, 6, 1), days=1)
    assert week["member"] is None and week["timezone"] == "UTC"
    assert ("06:00", "07:00", "House Loop", "schedule") in _spans(week["segments"])
    with pytest.raises(NotFound):
        group_agenda(world, "Nowhere", datetime(2026, 6, 1))
    with pytest.raises(InvalidValue, match="between 1 and"):
        group_agenda(world, "World", datetime(2026, 6, 1), days=0)
