"""The Schedules view: create and edit schedules, see their blocks in the week, ask what is on.

Every test works in the week of Monday 1 June 2026 on a screen in Lisbon (summer time), so the
expected blocks do not depend on today's date. Screens, playlists and schedules get names no
demo data uses; counts of them are never asserted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QDateTime, QPoint, Qt, QTime
from PySide6.QtWidgets import QMessageBox

from ui.dialogs.schedule_dialog import ScheduleDialog
from ui.main_window import MainWindow
from ui.views.schedules.view import SchedulesView
from ui.widgets.week_view import hhmm
from urbanart.curation import agenda, playlists, schedules, screens
from urbanart.curation.records import TargetKind
from urbanart.library.browse import BrowseQuery, browse_rows
from urbanart.library.library import Library

WEEK = date(2026, 6, 3)  # a Wednesday; its week starts Monday 1 June
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@dataclass
class World:
    home: Path
    lisbon: int
    tokyo: int
    group: int
    dawn: int  # playlist ids
    dusk: int


@pytest.fixture
def world(demo_home: Path) -> World:
    """Two screens, a group and two playlists made with engine calls before the window opens."""
    with Library.open(demo_home) as library:
        approved = [r.id for r in browse_rows(library, BrowseQuery(status="approved"))]
        dawn = playlists.create_playlist(library, "Sched Dawn Walk")
        playlists.add_items(library, dawn.id, approved[:2])
        dusk = playlists.create_playlist(library, "Sched Dusk Loop")
        playlists.add_items(library, dusk.id, approved[2:4])
        lisbon = screens.add_screen(
            library, "Sched Lisbon Quay", tz="Europe/Lisbon", size="1920x1080", city="Lisbon"
        )
        tokyo = screens.add_screen(
            library, "Sched Tokyo Arcade", tz="Asia/Tokyo", size="1080x1920", city="Tokyo"
        )
        group = screens.create_group(library, "Sched Far East", [tokyo.id])
    return World(demo_home, lisbon.id, tokyo.id, group.id, dawn.id, dusk.id)


def open_schedules(qtbot, open_window, world: World) -> tuple[MainWindow, SchedulesView]:
    window = open_window(world.home)
    window.show_view("schedules")
    view = window.views["schedules"]
    assert isinstance(view, SchedulesView)
    qtbot.waitUntil(lambda: view.target is not None, timeout=10_000)
    view.select_target(("screen", world.lisbon))
    view.show_week(WEEK)
    qtbot.waitUntil(
        lambda: (
            view.data is not None
            and view.data.target == ("screen", world.lisbon)
            and view.data.monday == date(2026, 6, 1)
        ),
        timeout=10_000,
    )
    return window, view


def open_new_dialog(qtbot, view: SchedulesView) -> ScheduleDialog:
    qtbot.mouseClick(view.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.dialog is not None and view.dialog.isVisible(), timeout=10_000)
    dialog = view.dialog
    assert dialog is not None
    return dialog


def pick_days(qtbot, dialog: ScheduleDialog, days: set[int]) -> None:
    """Click the weekday toggles until exactly `days` are on (all start on)."""
    for index, button in enumerate(dialog.day_buttons):
        if button.isChecked() != (index in days):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert [b.isChecked() for b in dialog.day_buttons] == [i in days for i in range(7)]


def set_window(qtbot, dialog: ScheduleDialog, start: str, end: str) -> None:
    if not dialog.has_window.isChecked():
        qtbot.mouseClick(dialog.has_window, Qt.MouseButton.LeftButton)
    dialog.window_start.setTime(QTime.fromString(start, "HH:mm"))
    dialog.window_end.setTime(QTime.fromString(end, "HH:mm"))


def set_dates(qtbot, dialog: ScheduleDialog, start: date, end: date) -> None:
    for check, edit, value in (
        (dialog.has_start, dialog.start_date, start),
        (dialog.has_end, dialog.end_date, end),
    ):
        if not check.isChecked():
            qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
        assert edit.isEnabled()
        edit.setDate(QDate(value.year, value.month, value.day))


def choose_playlist(dialog: ScheduleDialog, playlist_id: int) -> None:
    index = dialog.playlist.findData(playlist_id)
    assert index >= 0
    dialog.playlist.setCurrentIndex(index)


def blocks_of(view: SchedulesView, playlist: str) -> list[tuple[int, str, str, str]]:
    return [b for b in view.week.blocks() if b[3] == playlist]


def click_ok(qtbot, dialog: ScheduleDialog) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def engine_schedules(world: World, name: str) -> list:
    with Library.open(world.home) as library:
        return [s for s in schedules.list_schedules(library) if s.name == name]


def test_create_a_schedule_and_see_its_blocks_in_the_week(
    qtbot, open_window, world, tmp_path
) -> None:
    _window, view = open_schedules(qtbot, open_window, world)
    assert "times in Europe/Lisbon" in view.zone_label.text()
    assert blocks_of(view, "Sched Dawn Walk") == []

    dialog = open_new_dialog(qtbot, view)
    assert dialog.checked_targets() == {("screen", world.lisbon)}  # the shown screen
    qtbot.keyClicks(dialog.name, "Sched mornings")
    choose_playlist(dialog, world.dawn)
    pick_days(qtbot, dialog, {MON, WED})
    set_window(qtbot, dialog, "09:00", "11:30")
    set_dates(qtbot, dialog, date(2026, 6, 1), date(2026, 6, 30))
    click_ok(qtbot, dialog)

    qtbot.waitUntil(lambda: view.dialog is None, timeout=10_000)
    qtbot.waitUntil(lambda: blocks_of(view, "Sched Dawn Walk") != [], timeout=10_000)
    assert blocks_of(view, "Sched Dawn Walk") == [
        (MON, "09:00", "11:30", "Sched Dawn Walk"),
        (WED, "09:00", "11:30", "Sched Dawn Walk"),
    ]
    (record,) = engine_schedules(world, "Sched mornings")
    assert (record.days, record.window, str(record.start_date)) == (
        "mon,wed",
        "09:00-11:30",
        "2026-06-01",
    )
    rows = [
        view.schedule_list.topLevelItem(i).text(0)
        for i in range(view.schedule_list.topLevelItemCount())
    ]
    assert "Sched mornings" in rows
    # The tooltip names playlist, schedule, priority and the local times.
    block = next(b for b in view.week.block_items() if b.playlist == "Sched Dawn Walk")
    tip = view.week.tooltip(block)
    assert "Sched mornings" in tip and "priority 0" in tip and "09:00" in tip
    # Next week is outside the schedule's dates: the block goes away and comes back.
    qtbot.mouseClick(view.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.data.monday == date(2026, 6, 8), timeout=10_000)
    assert len(blocks_of(view, "Sched Dawn Walk")) == 2
    view.show_week(date(2026, 7, 8))
    qtbot.waitUntil(lambda: view.data.monday == date(2026, 7, 6), timeout=10_000)
    assert blocks_of(view, "Sched Dawn Walk") == []
    assert view.grab().save(str(tmp_path / "schedules.png"))


def test_what_is_on_names_the_winner_and_the_loser(qtbot, open_window, world) -> None:
    with Library.open(world.home) as library:
        schedules.add_schedule(library, world.dawn, screens=[world.lisbon], name="Sched base")
        schedules.add_schedule(
            library,
            world.dusk,
            screens=[world.lisbon],
            name="Sched evening",
            priority=3,
            window="18:00-23:00",
        )
    _window, view = open_schedules(qtbot, open_window, world)
    assert (WED, "18:00", "23:00", "Sched Dusk Loop") in view.week.blocks()
    assert (WED, "00:00", "18:00", "Sched Dawn Walk") in view.week.blocks()

    # Click Wednesday 20:15 on the grid.
    week = view.week
    col = (week.width() - week.GUTTER - 1) / 7
    hour = week._hour_height()
    spot = QPoint(int(week.GUTTER + 2.5 * col), int(week.HEADER + 20.25 * hour))
    qtbot.mouseClick(week, Qt.MouseButton.LeftButton, pos=spot)
    qtbot.waitUntil(
        lambda: (
            view.whatson_answer is not None
            and view.whatson_answer.at.replace(tzinfo=None, minute=0) == datetime(2026, 6, 3, 20)
        ),
        timeout=10_000,
    )
    answer = view.whatson_answer
    assert answer.at.utcoffset() == timedelta(hours=1)  # aware, on Lisbon's summer clock
    assert answer.schedule is not None and answer.schedule.name == "Sched evening"
    assert [(o.name, o.why) for o in answer.overridden] == [
        ("Sched base", "lower priority (0 < 3)")
    ]
    text = view.whatson_text.text()
    assert "Sched evening" in text and "priority 3" in text
    assert "Sched base" in text and "lower priority (0 &lt; 3)" in text

    # Type a moment instead: in the morning only the base schedule applies.
    view.moment.setDateTime(QDateTime(QDate(2026, 6, 3), QTime(10, 0)))
    qtbot.mouseClick(view.whatson_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: view.whatson_answer.at.replace(tzinfo=None) == datetime(2026, 6, 3, 10, 0),
        timeout=10_000,
    )
    assert view.whatson_answer.schedule.name == "Sched base"
    assert view.whatson_answer.overridden == ()
    assert "Sched Dawn Walk" in view.whatson_text.text()
    assert "No other schedule applies" in view.whatson_text.text()


def test_a_bad_input_shows_the_engine_message_and_keeps_the_form(qtbot, open_window, world) -> None:
    _window, view = open_schedules(qtbot, open_window, world)
    dialog = open_new_dialog(qtbot, view)
    qtbot.keyClicks(dialog.name, "Sched backwards")
    choose_playlist(dialog, world.dawn)
    set_dates(qtbot, dialog, date(2026, 6, 10), date(2026, 6, 5))
    click_ok(qtbot, dialog)

    qtbot.waitUntil(lambda: dialog.message("end_date") != "", timeout=10_000)
    assert "before the start date 2026-06-10" in dialog.message("end_date")
    assert dialog.isVisible() and view.dialog is dialog
    assert dialog.name.text() == "Sched backwards"
    assert dialog.end_date.date() == QDate(2026, 6, 5)
    assert dialog.ok_button.isEnabled()
    assert engine_schedules(world, "Sched backwards") == []

    # No target at all: the engine's "targets" message appears under the list.
    dialog.set_targets(set())
    dialog.end_date.setDate(QDate(2026, 6, 20))
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.message("targets") != "", timeout=10_000)
    assert dialog.message("end_date") == ""
    assert "at least one" in dialog.message("targets")

    # The engine calls it "reference time zone"; the form finds its field by the key alone.
    dialog.set_targets({("screen", world.lisbon)})
    dialog.shared.setChecked(True)
    dialog.reference_tz.setCurrentText("Mars/Olympus")
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.message("reference_tz") != "", timeout=10_000)
    assert "IANA time zone" in dialog.message("reference_tz")
    assert dialog.message("targets") == "" and dialog.general_error.isHidden()

    # Fixed: it saves and closes.
    dialog.shared.setChecked(False)
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: view.dialog is None, timeout=10_000)
    assert len(engine_schedules(world, "Sched backwards")) == 1


def test_editing_the_window_moves_the_block_and_remove_takes_it_away(
    qtbot, open_window, world, monkeypatch
) -> None:
    with Library.open(world.home) as library:
        schedules.add_schedule(
            library,
            world.dusk,
            screens=[world.lisbon],
            name="Sched mondays",
            days="mon",
            window="08:00-10:00",
        )
    _window, view = open_schedules(qtbot, open_window, world)
    assert blocks_of(view, "Sched Dusk Loop") == [(MON, "08:00", "10:00", "Sched Dusk Loop")]

    # Double-click the block to edit its schedule.
    block = next(b for b in view.week.block_items() if b.playlist == "Sched Dusk Loop")
    centre = view.week._block_rect(block).center().toPoint()
    qtbot.mouseDClick(view.week, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: view.dialog is not None and view.dialog.isVisible(), timeout=10_000)
    dialog = view.dialog
    assert dialog.record is not None and dialog.record.name == "Sched mondays"
    assert dialog.window_start.time() == QTime(8, 0)
    set_window(qtbot, dialog, "14:00", "16:30")
    click_ok(qtbot, dialog)
    qtbot.waitUntil(
        lambda: blocks_of(view, "Sched Dusk Loop") == [(MON, "14:00", "16:30", "Sched Dusk Loop")],
        timeout=10_000,
    )
    (record,) = engine_schedules(world, "Sched mondays")
    assert record.window == "14:00-16:30"

    # Select it in the list, Remove, confirm.
    items = [
        view.schedule_list.topLevelItem(i) for i in range(view.schedule_list.topLevelItemCount())
    ]
    row = next(i for i in items if i.text(0) == "Sched mondays")
    view.schedule_list.setCurrentItem(row)
    assert view.remove_button.isEnabled()
    asked: list[str] = []

    def confirm(_parent, _title, text, *_args):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", confirm)
    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: blocks_of(view, "Sched Dusk Loop") == [], timeout=10_000)
    assert "Sched mondays" in asked[0]
    assert engine_schedules(world, "Sched mondays") == []


def test_an_overnight_window_splits_across_two_days(qtbot, open_window, world) -> None:
    _window, view = open_schedules(qtbot, open_window, world)
    dialog = open_new_dialog(qtbot, view)
    qtbot.keyClicks(dialog.name, "Sched late friday")
    choose_playlist(dialog, world.dusk)
    pick_days(qtbot, dialog, {FRI})
    set_window(qtbot, dialog, "22:00", "02:00")
    assert "runs past midnight" in dialog.window_note.text()
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: blocks_of(view, "Sched Dusk Loop") != [], timeout=10_000)
    assert blocks_of(view, "Sched Dusk Loop") == [
        (FRI, "22:00", "24:00", "Sched Dusk Loop"),
        (SAT, "00:00", "02:00", "Sched Dusk Loop"),
    ]


def test_a_group_shows_its_own_schedules_on_its_first_member_clock(
    qtbot, open_window, world, settings
) -> None:
    with Library.open(world.home) as library:
        schedules.add_schedule(
            library, world.dawn, groups=[world.group], name="Sched group", window="06:00-07:00"
        )
        schedules.add_schedule(
            library, world.dusk, screens=[world.tokyo], name="Sched tokyo own", priority=9
        )
    window, view = open_schedules(qtbot, open_window, world)
    view.select_target(("group", world.group))
    qtbot.waitUntil(
        lambda: view.data is not None and view.data.target == ("group", world.group),
        timeout=10_000,
    )
    assert "as seen on Sched Tokyo Arcade (Asia/Tokyo)" in view.zone_label.text()
    assert view.group_hint.isVisible()
    assert (TUE, "06:00", "07:00", "Sched Dawn Walk") in view.week.blocks()
    assert blocks_of(view, "Sched Dusk Loop") == []  # the member's own schedule is not shown
    window._save_view_states()
    assert settings.value("schedules/target") == f"group:{world.group}"


def test_a_week_whose_clocks_fall_back_still_reads_like_a_clock(world) -> None:
    """Lisbon goes from 02:00 back to 01:00 on Sunday 25 October 2026: 25 real hours."""
    with Library.open(world.home) as library:
        screens.edit_screen(library, world.lisbon, default_playlist=world.dawn)
        schedules.add_schedule(
            library, world.dusk, screens=[world.lisbon], days="sat", window="23:00-03:00"
        )
        week = agenda.week(library, (TargetKind.SCREEN, world.lisbon), date(2026, 10, 21))
    assert week.monday == date(2026, 10, 19)
    blocks = [b for b in week.blocks if b.day >= SAT]
    assert [(b.day, hhmm(b.start), hhmm(b.end), b.playlist) for b in blocks] == [
        (SAT, "00:00", "23:00", "Sched Dawn Walk"),
        (SAT, "23:00", "24:00", "Sched Dusk Loop"),
        (SUN, "00:00", "03:00", "Sched Dusk Loop"),  # four real hours, three on the wall
        (SUN, "03:00", "24:00", "Sched Dawn Walk"),  # ends at the week's wall-clock end
    ]
    assert [b.default for b in blocks] == [True, False, False, True]


def test_undo_brings_an_edited_schedule_window_back(qtbot, open_window, world) -> None:
    with Library.open(world.home) as library:
        schedules.add_schedule(
            library, world.dusk, screens=[world.lisbon], name="Sched undo", window="08:00-10:00"
        )
    window, view = open_schedules(qtbot, open_window, world)
    assert not window.undo_action.isEnabled()  # the history belongs to this window's library
    view.edit_schedule(engine_schedules(world, "Sched undo")[0].id)
    qtbot.waitUntil(lambda: view.dialog is not None and view.dialog.isVisible(), timeout=10_000)
    set_window(qtbot, view.dialog, "14:00", "16:30")
    click_ok(qtbot, view.dialog)
    qtbot.waitUntil(lambda: engine_schedules(world, "Sched undo")[0].window == "14:00-16:30")
    qtbot.waitUntil(lambda: window.undo_action.text() == "&Undo Edit schedule 'Sched undo'")

    window.undo_action.trigger()
    qtbot.waitUntil(
        lambda: (
            blocks_of(view, "Sched Dusk Loop")[:1] == [(MON, "08:00", "10:00", "Sched Dusk Loop")]
        ),
        timeout=10_000,
    )
    assert engine_schedules(world, "Sched undo")[0].window == "08:00-10:00"
