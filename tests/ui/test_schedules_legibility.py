"""The Schedules view reads at 1280×800: week labels never cut to a stub, the table's columns fit
their content, a "today everywhere" row per screen, an overlap warning in the schedule dialog;
and the presenter (not the widget) holds the target and the week shown."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QTreeWidget, QWidget

from tests.ui.test_schedules_view import World, click_ok, open_new_dialog, open_schedules, world
from ui.studio import Studio
from ui.views.schedules.formatting import DATES, DAYS, ON, PLAYLIST, PRIORITY, TARGETS, WINDOW
from ui.views.schedules.presenter import SchedulesPresenter
from ui.widgets.week_view import MIN_VISIBLE, block_lines, initials
from urbanart.curation import everywhere, schedules, screens
from urbanart.curation.demo import load_demo_curation
from urbanart.curation.records import TargetKind
from urbanart.library.library import Library

__all__ = ["world"]  # the fixture, shared with the view's own tests


@pytest.fixture
def curated_home(demo_home: Path) -> Path:
    """The demo as `urbanart demo` makes it: its works plus its screens, groups and schedules."""
    with Library.open(demo_home) as library:
        load_demo_curation(library)
    return demo_home


def test_week_labels_are_whole_wrapped_or_initials_never_a_stub(qtbot, open_window, curated_home):
    window = open_window(curated_home)
    window.show_view("schedules")
    view = window.views["schedules"]
    qtbot.waitUntil(lambda: view.data is not None and bool(view.data.blocks), timeout=10_000)
    assert window.size().width() == 1280 and window.size().height() == 800
    view.week.repaint()
    painted = view.week.painted_labels()
    assert painted
    whole = 0
    for block, lines in painted:
        titles = [line for line in lines if not line[:2].isdigit()]
        text = " ".join(titles)
        for line in titles:
            if line.endswith("…"):
                assert len(line.rstrip("…")) >= MIN_VISIBLE, (block.playlist, lines)
        if text == block.playlist:
            whole += 1
        elif text:  # a shortened name is a start of the name, or its initials
            assert block.playlist.startswith(text.rstrip("…")) or text == initials(
                block.playlist
            ), (block.playlist, lines)
        assert view.week.tooltip(block).count(block.playlist) >= 1  # hover says it all
    assert whole >= len(painted) // 2, painted  # most blocks say their playlist in full


def test_block_lines_wrap_then_shorten_sensibly() -> None:
    font = QFont()
    title, small = QFontMetrics(font), QFontMetrics(font)
    wide = title.horizontalAdvance("Portrait Walls") + 4
    tall = QRectF(0, 0, wide, title.height() * 3 + 2)
    assert block_lines("Portrait Walls", "20:00–22:00", tall, title, small) == [
        "Portrait Walls",
        "20:00–22:00",
    ]
    narrow = QRectF(0, 0, title.horizontalAdvance("Portrait") + 4, title.height() * 3 + 2)
    assert block_lines("Portrait Walls", "20:00–22:00", narrow, title, small)[:2] == [
        "Portrait",
        "Walls",
    ]
    tiny = QRectF(0, 0, title.horizontalAdvance("PW") + 2, title.height() + 1)
    assert block_lines("Portrait Walls", "20:00–22:00", tiny, title, small) == ["PW"]
    none = QRectF(0, 0, 3, title.height() + 1)
    assert block_lines("Portrait Walls", "20:00–22:00", none, title, small) == []


def test_table_columns_fit_their_content(qtbot, open_window, curated_home) -> None:
    window = open_window(curated_home)
    window.show_view("schedules")
    view = window.views["schedules"]
    qtbot.waitUntil(lambda: view.data is not None and bool(view.records), timeout=10_000)
    table = view.schedule_list
    bar = table.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() == 0 and not bar.isVisible(), timeout=5_000)
    assert_cells_readable(table)


def assert_cells_readable(table: QTreeWidget) -> None:
    """Dates, days, priority and on/off whole; a cut playlist or window keeps a readable start
    (a window its times) and says itself whole on hover."""
    metrics = table.fontMetrics()
    for row in range(table.topLevelItemCount()):
        item = table.topLevelItem(row)
        for column in (DATES, DAYS, PRIORITY, ON):  # short facts: never cut
            needed = metrics.horizontalAdvance(item.text(column))
            assert table.columnWidth(column) >= needed, (column, item.text(column))
        for column in (PLAYLIST, WINDOW):
            text = item.text(column)
            if table.columnWidth(column) < metrics.horizontalAdvance(text):
                assert text in item.toolTip(column), (column, text)
        times = metrics.horizontalAdvance(item.text(WINDOW)[:11])  # "22:00-23:30"
        assert table.columnWidth(WINDOW) >= times, item.text(WINDOW)


def test_today_everywhere_shows_one_row_per_screen_with_what_plays_now(
    qtbot, open_window, curated_home: Path
) -> None:
    with Library.open(curated_home) as library:
        expected = everywhere.today_everywhere(library)
    window = open_window(curated_home)
    window.show_view("schedules")
    view = window.views["schedules"]
    qtbot.waitUntil(lambda: view.target is not None, timeout=10_000)
    view.show_everywhere_tab()
    qtbot.waitUntil(lambda: view.everywhere.data is not None, timeout=10_000)
    rows = view.everywhere.rows()
    with Library.open(curated_home) as library:
        names = {r.name for r in screens.list_screens(library)}
    assert {name for name, _ in rows} == names
    assert len(rows) == len(names)
    # The same minute as our own engine call unless the clock ticked over in between.
    if view.everywhere.data.now == expected.now:
        assert rows == [(r.name, r.playing) for r in expected.screens]
    offsets = [r.local_now.utcoffset() for r in view.everywhere.data.screens]
    assert offsets == sorted(offsets, reverse=True)  # east first


def test_today_everywhere_names_the_current_playlist_per_zone(world: World) -> None:
    with Library.open(world.home) as library:
        schedules.add_schedule(
            library, world.dawn, screens=[world.tokyo], window="08:00-12:00", name="tokyo am"
        )
        schedules.add_schedule(
            library, world.dusk, screens=[world.lisbon], window="08:00-12:00", name="lisbon am"
        )
        # 01:00 UTC is 10:00 in Tokyo (morning) and 02:00 in Lisbon (summer time, night).
        data = everywhere.today_everywhere(library, datetime(2026, 6, 2, 1, 0, tzinfo=UTC))
    by_name = {row.name: row for row in data.screens}
    assert by_name["Sched Tokyo Arcade"].playing == "Sched Dawn Walk"
    assert by_name["Sched Tokyo Arcade"].local_now.hour == 10
    assert by_name["Sched Lisbon Quay"].playing is None
    assert by_name["Sched Lisbon Quay"].local_now.hour == 2


def test_the_dialog_warns_of_an_overlap_before_creating(qtbot, open_window, world) -> None:
    with Library.open(world.home) as library:
        schedules.add_schedule(library, world.dawn, screens=[world.lisbon], name="Sched first")
    _window, view = open_schedules(qtbot, open_window, world)
    dialog = open_new_dialog(qtbot, view)
    dialog.name.setText("Sched second")
    dialog.playlist.setCurrentIndex(dialog.playlist.findData(world.dusk))
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.overlap_message() != "", timeout=10_000)
    message = dialog.overlap_message()
    assert "'Sched first'" in message and "'Sched second'" in message
    assert "'Sched Lisbon Quay'" in message
    assert dialog.ok_button.text() == "Create anyway"
    with Library.open(world.home) as library:
        assert not [s for s in schedules.list_schedules(library) if s.name == "Sched second"]
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: view.dialog is None, timeout=10_000)
    with Library.open(world.home) as library:
        assert [s.name for s in schedules.list_schedules(library) if s.name == "Sched second"]


def test_the_dialog_saves_at_once_without_overlaps(qtbot, open_window, world) -> None:
    _window, view = open_schedules(qtbot, open_window, world)
    dialog = open_new_dialog(qtbot, view)
    dialog.name.setText("Sched alone")
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: view.dialog is None, timeout=10_000)  # one click was enough
    with Library.open(world.home) as library:
        assert [s for s in schedules.list_schedules(library) if s.name == "Sched alone"]


class RecordingDisplay:
    """Stands where the widget would: records what the presenter asks it to show."""

    def __init__(self) -> None:
        self.targets: list[object] = []
        self.weeks_of: list[tuple[date, date]] = []
        self.weeks: list[object] = []

    def show_targets(self, found_screens, found_groups, chosen) -> None:
        self.targets.append(chosen)

    def show_week_of(self, day: date, monday: date) -> None:
        self.weeks_of.append((day, monday))

    def show_week_data(self, data) -> None:
        self.weeks.append(data)

    def show_everywhere(self, data) -> None: ...

    def show_answer(self, answer, kind, error) -> None: ...

    def open_schedule_dialog(self, choices, record, target) -> None: ...


def test_the_presenter_holds_target_and_week_without_a_widget(qtbot, world: World) -> None:
    library = Library.open(world.home)
    studio = Studio(library)
    parent = QWidget()
    display = RecordingDisplay()
    presenter = SchedulesPresenter(studio, display, parent)
    try:
        presenter.wanted_target = (TargetKind.SCREEN, world.tokyo)
        presenter.refresh_targets()
        qtbot.waitUntil(lambda: bool(display.weeks), timeout=10_000)
        assert display.targets == [(TargetKind.SCREEN, world.tokyo)]
        assert presenter.target == (TargetKind.SCREEN, world.tokyo)
        assert display.weeks[-1].target == (TargetKind.SCREEN, world.tokyo)

        presenter.go_to_week(date(2026, 6, 3))
        assert presenter.monday == date(2026, 6, 1)
        assert display.weeks_of[-1] == (date(2026, 6, 3), date(2026, 6, 1))
        qtbot.waitUntil(lambda: display.weeks[-1].monday == date(2026, 6, 1), timeout=10_000)
        presenter.step_week(1)
        assert presenter.monday == date(2026, 6, 8)
        qtbot.waitUntil(lambda: display.weeks[-1].monday == date(2026, 6, 8), timeout=10_000)

        loads = len(display.weeks)
        presenter.choose_target((TargetKind.GROUP, world.group))
        qtbot.waitUntil(lambda: len(display.weeks) > loads, timeout=10_000)
        assert display.weeks[-1].target == (TargetKind.GROUP, world.group)
        assert display.weeks[-1].monday == date(2026, 6, 8)  # the week stays
    finally:
        qtbot.waitUntil(lambda: not presenter._week_load.running, timeout=10_000)
        parent.deleteLater()
        studio.close()


def test_a_shortened_first_word_ends_the_name(qtbot) -> None:
    title = small = QFontMetrics(QFont())
    narrow = QRectF(0, 0, title.horizontalAdvance("Morning") - 1, title.height() * 3 + 2)
    lines = block_lines("Morning Light", "08:00–19:00", narrow, title, small)
    assert lines and lines[0].endswith("…") and "Light" not in lines, lines


CITIES = ("Berlin", "Hamburg", "Munich", "Cologne", "Leipzig", "Dresden", "Bremen", "Hanover",
          "Nuremberg", "Stuttgart", "Dortmund", "Essen")  # fmt: skip


def test_a_schedule_aimed_at_many_screens_fits_the_table_without_scrolling_sideways(
    qtbot, open_window, curated_home: Path
) -> None:
    with Library.open(curated_home) as library:
        playlist = schedules.list_schedules(library)[0].playlist_name
        existing = [s.name for s in screens.list_screens(library)]
        many = [
            screens.add_screen(
                library, f"Sched Wide Wall {city}", tz="Europe/Berlin", size="1920x1080", city=city
            ).name
            for city in CITIES
        ]
        # Unnamed (so it gets a described name), long dates, a window on a shared clock, and
        # aimed at every screen, so whichever screen the view shows first lists it.
        record = schedules.add_schedule(
            library, playlist, screens=[*existing, *many], window="22:00-23:30",
            start_date=date(2026, 1, 5), end_date=date(2027, 2, 28), days="mon,tue,wed,thu,fri",
            shared_instant=True, reference_tz="America/Argentina/Buenos_Aires", priority=10,
        )  # fmt: skip
    window = open_window(curated_home)  # the Schedules view loads while hidden
    view = window.views["schedules"]
    qtbot.waitUntil(lambda: any(r.id == record.id for r in view.records), timeout=10_000)
    window.show_view("schedules")
    assert window.size().width() == 1280 and window.size().height() == 800
    table = view.schedule_list
    bar = table.horizontalScrollBar()
    qtbot.waitUntil(lambda: table.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: bar.maximum() == 0 and not bar.isVisible(), timeout=5_000)
    row = next(
        table.topLevelItem(i)
        for i in range(table.topLevelItemCount())
        if table.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) == record.id
    )
    assert_cells_readable(table)
    metrics = table.fontMetrics()
    assert row.text(TARGETS).startswith(f"{len(existing) + len(many)} screens: ")
    assert table.columnWidth(TARGETS) < metrics.horizontalAdvance(row.text(TARGETS))  # cut
    assert all(name in row.toolTip(7) for name in many)  # hover reads the whole list
    assert record.name in row.toolTip(0) or record.name == row.text(0)
    # Narrower still (the curator widens the what-is-on panel): the table fits again.
    view.body.setSizes([view.body.sizes()[0] - 120, view.body.sizes()[1] + 120])
    qtbot.waitUntil(lambda: bar.maximum() == 0 and not bar.isVisible(), timeout=5_000)
