"""The Library as a library: thumbnail sizes, the sortable list, quick look, names beside a
status pill, and a grid that fills while an import runs."""

from __future__ import annotations

import random
from itertools import pairwise
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import DEMO_WORKS, library_view, wait_idle
from ui.models.artwork_grid import COLUMNS
from ui.widgets.artwork_grid_view import MAX_SIDE, MIN_SIDE
from urbanart.library.import_sources import scan
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library

EXTRA_WORKS = 12


def _paint_pictures(folder: Path, count: int, size: tuple[int, int], seed: int = 1) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for index in range(count):
        noise = Image.effect_noise(size, 60).convert("RGB")
        tint = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
        Image.blend(noise, tint, 0.5).save(folder / f"Street piece {index:02d}.jpg", quality=90)


@pytest.fixture
def bigger_home(demo_home: Path, tmp_path: Path) -> Path:
    """The demo library plus EXTRA_WORKS more, so a dense grid has more than 30 works to show."""
    _paint_pictures(tmp_path / "more" / "Wall Crew", EXTRA_WORKS, (90, 60))
    with Library.open(demo_home) as library:
        results = import_items(library, scan([tmp_path / "more"]), ImportRun(workers=1))
    assert [r.status for r in results] == [Status.IMPORTED] * EXTRA_WORKS
    return demo_home


def test_the_smallest_thumbnails_show_at_least_30_works_in_a_1280x800_window(
    qtbot, open_window, bigger_home
) -> None:
    window = open_window(bigger_home, rows=DEMO_WORKS + EXTRA_WORKS)
    assert (window.width(), window.height()) == (1280, 800)
    view = library_view(window)
    view.grid.setFocus()
    default_side = view.grid.thumb_side()
    default_visible = len(view.grid.fully_visible_rows())

    for _ in range(12):  # Ctrl+− until the slider stops at its dense end
        QTest.keyClick(view.grid, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.controls.size_slider.value() == MIN_SIDE == view.grid.thumb_side()
    qtbot.waitUntil(lambda: len(view.grid.fully_visible_rows()) >= 30, timeout=3000)
    assert len(view.grid.fully_visible_rows()) > default_visible

    QTest.keyClick(view.grid, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.grid.thumb_side() > MIN_SIDE
    view.controls.size_slider.setValue(MAX_SIDE)  # the slider's large end
    assert view.grid.thumb_side() == MAX_SIDE > default_side
    assert view.studio.thumbnails.side >= MAX_SIDE  # decoded large enough to stay sharp
    assert 0 < len(view.grid.fully_visible_rows()) < default_visible


def _sort_value(column: str, row):  # an oracle written apart from the model's own sort keys
    return {
        "Title": lambda: row.title.lower(),
        "Artist": lambda: row.artist.lower(),
        "Year": lambda: (row.year is None, row.year or 0),
        "Status": lambda: row.status,
        "AI involvement": lambda: None,  # labels: checked through the shown text below
        "License": lambda: row.license.lower(),
        "Kind": lambda: row.kind,
        "Size": lambda: row.width * row.height,
        "Added": lambda: row.added,
    }[column]()


def _click_header(view, column: int) -> None:
    header = view.list.header()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    QTest.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )


def test_the_list_view_sorts_by_each_column_and_keeps_the_selection(
    qtbot, open_window, demo_home
) -> None:
    view = library_view(open_window(demo_home))
    chosen = view.model.artwork(5).id
    view.select_ids([chosen])
    view.controls.list_button.click()
    assert view.pages.currentWidget() is view.list and view.list.isVisible()
    model = view.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == [
        "Title", "Artist", "Year", "Status", "AI involvement", "License", "Kind", "Size", "Added",
    ]  # fmt: skip
    for column, (name, _key) in enumerate(COLUMNS):
        _click_header(view, column)
        rows = model.rows()
        shown = [model.data(model.index(r, column)) for r in range(model.rowCount())]
        values = (
            [s.lower() for s in shown] if name == "AI involvement" else
            [_sort_value(name, row) for row in rows]
        )  # fmt: skip
        assert values == sorted(values), name
        assert len(set(values)) > 1, f"the demo varies in {name}, so the sort is seen"
        _click_header(view, column)  # again: the other way round
        rows = model.rows()
        shown = [model.data(model.index(r, column)) for r in range(model.rowCount())]
        values = (
            [s.lower() for s in shown] if name == "AI involvement" else
            [_sort_value(name, row) for row in rows]
        )  # fmt: skip
        assert values == sorted(values, reverse=True), name
        assert view.selected_ids() == [chosen]
    assert view.list.header().isSortIndicatorShown()

    view.filters.sort.setCurrentIndex(view.filters.sort.findData("oldest"))  # the menu wins
    qtbot.waitUntil(lambda: [r.id for r in model.rows()] == sorted(r.id for r in model.rows()))
    assert not view.list.header().isSortIndicatorShown()


@pytest.mark.parametrize("mode", ["grid", "list"])
def test_space_opens_a_quick_look_of_the_current_work_and_closes_it(
    qtbot, open_window, demo_home, mode
) -> None:
    view = library_view(open_window(demo_home))
    view.set_mode(mode)
    items = view.items_view()
    items.setCurrentIndex(view.model.index(3, 0))
    items.setFocus()
    QTest.keyClick(items, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.quick_look is not None and view.quick_look.isVisible())
    look = view.quick_look
    assert look.row.id == view.model.artwork(3).id
    assert look.caption.text() == view.model.artwork(3).title
    qtbot.waitUntil(look.has_image, timeout=10_000)
    QTest.keyClick(look, Qt.Key.Key_Right)
    assert look.row.id == view.model.artwork(4).id == view.selected_ids()[0]
    QTest.keyClick(look, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.quick_look is None)
    wait_idle(qtbot)


def test_a_status_pill_leaves_the_title_and_artist_whole(qtbot, open_window, demo_home) -> None:
    view = library_view(open_window(demo_home))
    delegate, font = view.grid.delegate, view.grid.font()
    checked = 0
    for row_number, row in enumerate(view.model.rows()):
        if row.status == "approved":
            continue
        rect = view.grid.visualRect(view.model.index(row_number, 0))
        text = delegate.card_text(font, rect, row)
        box = text.title_rect.adjusted(0, -delegate.thumb - 6, 0, -text.title_rect.height())
        pill = delegate.status_pill(font, row.status, box)
        assert pill is not None
        assert not pill.toRect().intersects(text.title_rect)
        assert not pill.toRect().intersects(text.artist_rect)
        fits = text.title_rect.width() - 8
        if view.grid.fontMetrics().horizontalAdvance(row.artist) < fits:
            assert text.artist == row.artist
        if view.grid.fontMetrics().horizontalAdvance(row.title) < fits * 0.8:
            assert text.title == row.title
        checked += 1
    assert checked >= 2  # the demo has submitted and rejected works


def test_the_search_field_keeps_a_usable_width(open_window, demo_home) -> None:
    view = library_view(open_window(demo_home))
    search, bar = view.filters.search, view.filters
    assert search.width() >= 220
    assert search.width() >= search.fontMetrics().horizontalAdvance("Search works") + 60
    widgets = [search, bar.artist, bar.tag, bar.status, bar.ai]
    for left, right in pairwise(widgets):  # side by side, not overlapping
        assert left.geometry().right() < right.geometry().left(), right.accessibleName()
    assert bar.ai.geometry().right() <= bar.width()
    assert bar.count.isVisible() and bar.sort.isVisible()  # in the strip under the grid


def test_the_grid_fills_while_a_folder_import_runs_and_the_summary_names_skipped_files(
    qtbot, open_window, demo_home, tmp_path
) -> None:
    view = library_view(open_window(demo_home))
    drop = tmp_path / "drop"
    _paint_pictures(drop / "Nova Kestrel", 24, (1600, 1200), seed=7)
    (drop / "Nova Kestrel" / "statement.pdf").write_bytes(b"%PDF-1.4 an artist statement")
    (drop / "notes.txt").write_text("hang the blue ones first")
    seen: list[int] = []
    view.rows_loaded.connect(lambda n: seen.append(n) if view.import_flow.summary is None else 0)

    view.import_paths([str(drop)])

    qtbot.waitUntil(
        lambda: view.import_flow is not None and view.import_flow.summary is not None,
        timeout=120_000,
    )
    during = [n for n in seen if DEMO_WORKS < n < DEMO_WORKS + 24]
    assert during, f"the grid only showed {seen} while the import ran"
    assert seen == sorted(seen)  # it only grows
    summary = view.import_flow.summary
    assert summary.rows() == [
        (
            "statement.pdf", "Skipped",
            "a PDF document, not an artwork: a folder import passes over .pdf files",
        ),
        (
            "notes.txt", "Skipped",
            "a text file, not an artwork: a folder import passes over .txt files",
        ),
    ]  # fmt: skip
    qtbot.waitUntil(lambda: view.model.rowCount() == DEMO_WORKS + 24, timeout=10_000)
    summary.close()
