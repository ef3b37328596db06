"""A group's own week: its schedules resolved on its first member's clock, with the same
explanations as `whatson` (the studio's Schedules view shows groups this way)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.curation.test_playlists_cli import make_playlist
from urbanart.curation import schedules, screens
from urbanart.curation.agenda import agenda, group_agenda, group_whats_on, week
from urbanart.curation.agenda_records import AgendaSegment
from urbanart.curation.records import TargetKind
from urbanart.curation.week import Week
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


def _spans(segments: Iterable[AgendaSegment]) -> list[tuple[str, str, str | None, str]]:
    return [(f"{s.start:%H:%M}", f"{s.end:%H:%M}", s.playlist, s.source) for s in segments]


def test_group_agenda_uses_the_first_member_zone_and_only_group_schedules(world) -> None:
    schedules.add_schedule(world, "Morning Light", groups=["World"], window="09:00-12:00")
    # Lisbon's own schedule is not the group's: it must not appear in the group's week.
    schedules.add_schedule(world, "Night Shift", screens=["Lisbon"], window="20:00-22:00")
    week = group_agenda(world, "World", datetime(2026, 6, 1), days=1)
    assert week.group is not None
    assert (week.group.group, week.group.member, week.timezone) == (
        "World",
        "Lisbon",
        "Europe/Lisbon",
    )
    assert week.group.members == ("Lisbon", "Tokyo")
    # No default playlist on the virtual screen: outside the window the group says nothing.
    assert _spans(week.segments) == [
        ("00:00", "09:00", None, "nothing"),
        ("09:00", "12:00", "Morning Light", "schedule"),
        ("12:00", "00:00", None, "nothing"),
    ]
    assert week.segments[1].start.utcoffset() == timedelta(hours=1)  # Lisbon summer time
    # The member's own agenda sees both, and its default in between.
    own = _spans(agenda(world, "Lisbon", datetime(2026, 6, 1), days=1).segments)
    assert ("20:00", "22:00", "Night Shift", "schedule") in own
    assert ("12:00", "20:00", "House Loop", "default") in own


def test_group_whats_on_names_the_winner_and_why_the_other_lost(world) -> None:
    low = schedules.add_schedule(world, "Morning Light", groups=["World"], name="base")
    high = schedules.add_schedule(
        world, "Night Shift", groups=["World"], name="late", priority=3, window="22:00-02:00"
    )
    answer = group_whats_on(world, "World", datetime(2026, 6, 2, 1, 30))  # past midnight
    assert answer.playlist == "Night Shift"
    assert answer.schedule is not None
    assert (answer.schedule.id, answer.schedule.name) == (high.id, "late")
    assert [(o.name, o.why) for o in answer.overridden] == [("base", "lower priority (0 < 3)")]
    assert answer.timezone == "Europe/Lisbon"
    assert answer.at.replace(tzinfo=None) == datetime(2026, 6, 2, 1, 30)
    assert low.id != high.id


def test_empty_group_reads_in_utc_and_bad_refs_are_curator_errors(world) -> None:
    schedules.add_schedule(world, "House Loop", groups=["Empty"], window="06:00-07:00")
    week = group_agenda(world, "Empty", datetime(2026, 6, 1), days=1)
    assert week.group is not None and week.group.member is None and week.timezone == "UTC"
    assert ("06:00", "07:00", "House Loop", "schedule") in _spans(week.segments)
    with pytest.raises(NotFound):
        group_agenda(world, "Nowhere", datetime(2026, 6, 1))
    with pytest.raises(InvalidValue, match="between 1 and"):
        group_agenda(world, "World", datetime(2026, 6, 1), days=0)


# The week the Schedules view draws --------------------------------------------------------------

FRI, SAT = 4, 5


def _cells(found: Week) -> list[tuple[int, str, str, str, bool]]:
    return [
        (b.day, f"{b.start // 60:02d}:{b.start % 60:02d}", f"{b.end // 60:02d}:{b.end % 60:02d}",
         b.playlist, b.default)
        for b in found.blocks
    ]  # fmt: skip


def test_week_splits_an_overnight_window_at_the_screens_own_midnight(world) -> None:
    late = schedules.add_schedule(
        world, "Night Shift", screens=["Tokyo"], name="late", days="fri", window="22:00-02:00"
    )
    now = datetime(2026, 6, 3, 12, 0, 30, tzinfo=UTC)
    found = week(world, (TargetKind.SCREEN, world_id(world, "Tokyo")), date(2026, 6, 4), now=now)
    assert found.monday == date(2026, 6, 1)
    assert (found.name, found.timezone, found.member) == ("Tokyo", "Asia/Tokyo", None)
    # Friday 22:00 to Saturday 02:00 on Tokyo's clock (13:00 to 17:00 UTC): two pieces.
    assert _cells(found) == [
        (FRI, "22:00", "24:00", "Night Shift", False),
        (SAT, "00:00", "02:00", "Night Shift", False),
    ]
    friday, saturday = found.blocks
    assert friday.schedule is not None and friday.schedule_id == late.id
    assert friday.segment_start == datetime(2026, 6, 5, 22, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert saturday.segment_end.utcoffset() == timedelta(hours=9)
    assert saturday.segment_end.astimezone(UTC) == datetime(2026, 6, 5, 17, tzinfo=UTC)
    # Now comes back on the screen's clock, to the minute.
    assert found.now == datetime(2026, 6, 3, 21, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert [s.id for s in found.schedules] == [late.id]


def test_week_marks_the_default_playlist_and_names_what_a_block_beats(world) -> None:
    base = schedules.add_schedule(world, "Morning Light", screens=["Lisbon"], name="base",
                                  window="09:00-12:00", days="mon")  # fmt: skip
    high = schedules.add_schedule(world, "Night Shift", screens=["Lisbon"], name="high",
                                  window="10:00-11:00", days="mon", priority=2)  # fmt: skip
    found = week(world, ("screen", world_id(world, "Lisbon")), date(2026, 6, 1))
    monday = [c for c in _cells(found) if c[0] == 0]
    assert monday == [
        (0, "00:00", "09:00", "House Loop", True),
        (0, "09:00", "10:00", "Morning Light", False),
        (0, "10:00", "11:00", "Night Shift", False),
        (0, "11:00", "12:00", "Morning Light", False),
        (0, "12:00", "24:00", "House Loop", True),
    ]
    assert all(b.schedule is None for b in found.blocks if b.default)
    beating = found.blocks[2]
    assert beating.schedule_id == high.id
    assert [(o.id, o.why) for o in beating.overridden] == [(base.id, "lower priority (0 < 2)")]
    # Every day of the week is covered by the default where no schedule plays.
    assert {b.day for b in found.blocks} == set(range(7))


def test_a_groups_week_shows_its_own_schedules_on_its_first_members_clock(world) -> None:
    mine = schedules.add_schedule(world, "Morning Light", groups=["World"], window="09:00-10:00")
    schedules.add_schedule(world, "Night Shift", screens=["Lisbon"], window="20:00-22:00")
    group_id = screens.get_group(world, "World").id
    found = week(world, (TargetKind.GROUP, group_id), date(2026, 6, 7))
    assert (found.target, found.name, found.member) == ((TargetKind.GROUP, group_id), "World",
                                                         "Lisbon")  # fmt: skip
    assert {b.playlist for b in found.blocks} == {"Morning Light"}
    assert len(found.blocks) == 7
    assert [s.id for s in found.schedules] == [mine.id]
    with pytest.raises(InvalidValue, match="must be screen or group"):
        week(world, ("playlist", group_id), date(2026, 6, 7))  # type: ignore[arg-type]


def world_id(library: Library, name: str) -> int:
    return screens.get_screen(library, name).id
