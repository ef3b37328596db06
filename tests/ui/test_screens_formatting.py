"""The Screens view's wording, as plain functions: no QApplication, no library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ui.views.screens.formatting import (
    UNTARGETED_ADVICE,
    group_entry,
    group_tooltip,
    is_stale,
    removal_notice,
    state_summary,
    updated_text,
)
from urbanart.curation.records import GroupRecord
from urbanart.delivery.status import OnlineState

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def group(screens: tuple[str, ...], description: str = "") -> GroupRecord:
    ids = tuple(range(1, len(screens) + 1))
    return GroupRecord(3, "Lobby", description, screens, ids, NOW)


def test_the_summary_counts_each_state_in_the_engine_order_and_skips_absent_ones() -> None:
    states = [OnlineState.OFFLINE, OnlineState.ONLINE, OnlineState.OFFLINE]
    assert state_summary(states, in_group=False) == "3 screens · 1 online · 2 offline"


def test_one_screen_is_singular_and_an_empty_group_says_how_to_fill_it() -> None:
    assert state_summary([OnlineState.NEVER_SEEN], in_group=True) == "1 screen · 1 never seen"
    assert state_summary([], in_group=True).startswith("No screens in this group yet")
    assert state_summary([], in_group=False) == "No screens registered yet"


def test_a_group_entry_shows_its_size_and_its_tooltip_falls_back_to_its_members() -> None:
    assert group_entry(group(("Hall",))) == "Lobby\n1 screen"
    assert group_entry(group(())) == "Lobby\n0 screens"
    assert group_tooltip(group(("Hall", "Door"))) == "Hall, Door"
    assert group_tooltip(group(("Hall",), "By the entrance")) == "By the entrance"
    assert group_tooltip(group(())) == "No screens yet"


def test_the_table_is_stale_after_one_refresh_period_or_before_any_load() -> None:
    assert is_stale(None, NOW, 10_000)
    assert not is_stale(NOW - timedelta(seconds=10), NOW, 10_000)
    assert is_stale(NOW - timedelta(seconds=10, milliseconds=1), NOW, 10_000)


def test_the_update_line_is_on_this_computers_clock() -> None:
    local = NOW.astimezone().strftime("%H:%M:%S")
    assert updated_text(NOW, 10_000) == f"Updated {local} · refreshes every 10 s"


def test_a_removal_notice_adds_advice_only_when_schedules_were_left_idle() -> None:
    assert removal_notice("Removed the screen “Hall”.", []) == "Removed the screen “Hall”."
    lines = removal_notice("Removed.", ["Schedule 4 now reaches no screen."]).splitlines()
    assert lines == ["Removed.", "Schedule 4 now reaches no screen.", UNTARGETED_ADVICE]
