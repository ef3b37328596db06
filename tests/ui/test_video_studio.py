"""Video works in the studio: the grid's duration badge, the video playing in the detail pane,
quick look and the playlist preview, the poster-frame picker, and the Publish check's per-screen
rendition sizes with a warning when a budget cannot be met.

The clip (tests/player/colour_clips.py) is one second green, then one second magenta, so a
grabbed widget shows which moment of the video is on screen.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem, QWidget

from tests.player.colour_clips import GREEN, MAGENTA, near, write_colour_clip
from tests.ui.conftest import DEMO_WORKS, library_view, wait_idle
from tests.ui.test_library_view import _drop
from tests.ui.test_publish_view import go_to_publish, wait_cell
from ui import operations
from ui.dialogs.playlist_preview import PlaylistPreview
from ui.dialogs.quick_look import QuickLook
from ui.views.publish.formatting import video_budget_line
from ui.widgets.artwork_grid_view import duration_text
from urbanart.curation import playlists, screens
from urbanart.library import catalog
from urbanart.library.import_sources import scan
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library
from urbanart.library.video_renditions import VideoBudget

SCREEN = "Video Test Kiosk"


def import_video(home: Path, folder: Path, *, seconds_each: float = 1.0) -> int:
    """Import the green-then-magenta clip into the library at home, approved; its id."""
    clip = write_colour_clip(folder / "colours.mp4", [GREEN, MAGENTA], seconds_each=seconds_each)
    with Library.open(home) as library:
        (result,) = import_items(library, scan([str(clip)], artist="Nova"), ImportRun(workers=1))
        assert result.status == Status.IMPORTED, result
        catalog.set_status(library, [result.artwork_id], "approved")
        return int(result.artwork_id)


def rgb(colour: QColor) -> tuple[int, int, int]:
    return colour.red(), colour.green(), colour.blue()


def centre_of(widget: QWidget) -> tuple[int, int, int]:
    image = widget.grab().toImage()
    return rgb(image.pixelColor(QPoint(image.width() // 2, image.height() // 2)))


def test_a_duration_reads_like_a_clock() -> None:
    assert duration_text(30) == "0:30"
    assert duration_text(65.4) == "1:05"
    assert duration_text(3723) == "1:02:03"
    assert duration_text(0.4) == "0:00"


def test_video_tiles_carry_a_duration_badge(qtbot, open_window, demo_home, tmp_path) -> None:
    artwork_id = import_video(demo_home, tmp_path)
    window = open_window(demo_home, rows=DEMO_WORKS + 1)
    view = library_view(window)
    row_index = view.model.row_for_id(artwork_id)
    assert row_index is not None
    row = view.model.artwork(row_index)
    assert row.kind == "video" and row.duration_s is not None
    assert abs(row.duration_s - 2.0) < 0.05
    delegate = view.grid.itemDelegate()
    index = view.model.index(row_index, 0)

    def painted(kind: str) -> QImage:
        """The cell as the grid paints it, the row's kind as given (video or image)."""
        view.model._rows[row_index] = replace(row, kind=kind)
        option = QStyleOptionViewItem()
        option.initFrom(view.grid)
        size = delegate.sizeHint(option, index)
        option.rect = QRect(QPoint(0, 0), size)
        image = QImage(size, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        delegate.paint(painter, option, index)
        painter.end()
        return image

    with_badge, without = painted("video"), painted("image")
    view.model._rows[row_index] = row
    box = QRect(delegate.pad, delegate.pad, delegate.thumb, delegate.thumb)
    badge, text = delegate.duration_badge(view.grid.font(), row.duration_s, box)
    assert text == "0:02"
    # The two paints differ exactly in a badge-sized patch at the picture's bottom right.
    differs = [
        (x, y)
        for x in range(with_badge.width())
        for y in range(with_badge.height())
        if with_badge.pixelColor(x, y) != without.pixelColor(x, y)
    ]
    assert differs, "no badge painted"
    xs, ys = [x for x, _ in differs], [y for _, y in differs]
    assert max(xs) - min(xs) + 1 <= badge.width() + 2
    assert max(ys) - min(ys) + 1 <= badge.height() + 2
    assert max(xs) - min(xs) + 1 >= badge.width() * 0.8
    # At the picture's bottom right (the picture, not the cell, may be small and centred).
    assert max(xs) > box.center().x() and min(ys) > box.center().y()


def test_a_video_dropped_on_the_grid_is_imported_as_a_video_work(
    qtbot, open_window, demo_home, tmp_path
) -> None:
    artist = tmp_path / "drop" / "Nova Kestrel"
    artist.mkdir(parents=True)
    write_colour_clip(artist / "Tide Clock.mp4", [GREEN, MAGENTA])
    view = library_view(open_window(demo_home))

    _drop(view.grid, [tmp_path / "drop"])

    qtbot.waitUntil(
        lambda: view.import_flow is not None and view.import_flow.summary is not None,
        timeout=30_000,
    )
    assert view.import_flow.summary.rows() == []  # nothing refused or skipped
    qtbot.waitUntil(lambda: view.model.rowCount() == DEMO_WORKS + 1, timeout=5000)
    (row,) = [r for r in view.model.rows() if r.title == "Tide Clock"]
    assert (row.kind, row.artist) == ("video", "Nova Kestrel")
    assert row.duration_s is not None and abs(row.duration_s - 2.0) < 0.05


def test_the_detail_pane_plays_the_video_and_sets_its_poster_frame(
    qtbot, open_window, demo_home, tmp_path
) -> None:
    artwork_id = import_video(demo_home, tmp_path)
    window = open_window(demo_home, rows=DEMO_WORKS + 1)
    view = library_view(window)
    view.select_ids([artwork_id])
    editor = view.editor
    qtbot.waitUntil(lambda: editor.record is not None and editor.record.id == artwork_id)
    assert "0:02" in editor.facts.text() and "no sound" in editor.facts.text()
    qtbot.waitUntil(lambda: editor.video.playing and editor.video.shown > 0, timeout=10_000)
    # The video really plays (muted, looping) over the still: the colours follow the clip.
    qtbot.waitUntil(lambda: near(centre_of(editor.preview), GREEN), timeout=5000)
    qtbot.waitUntil(lambda: near(centre_of(editor.preview), MAGENTA), timeout=5000)
    qtbot.waitUntil(lambda: near(centre_of(editor.preview), GREEN), timeout=5000)

    picker = editor.poster
    assert picker.isVisible() and not picker.use_button.isEnabled()
    picker.slider.setValue(15)  # 1.5 s: the magenta second
    assert picker.time.text() == "0:01.5" and picker.use_button.isEnabled()
    qtbot.waitUntil(lambda: near(centre_of(picker.frame), MAGENTA), timeout=5000)
    operations.history.clear()
    qtbot.mouseClick(picker.use_button, Qt.MouseButton.LeftButton)
    library = window.studio.library
    qtbot.waitUntil(lambda: catalog.get_artwork(library, artwork_id).asset.poster_s == 1.5)
    wait_idle(qtbot)
    (record,) = [r for r in operations.history if r.label == "set poster frame"]
    assert record.on_writer and not record.ran_on_gui_thread and not record.failed
    qtbot.waitUntil(lambda: editor.saved_note.text() == "Poster frame set")
    assert "0:01.5" in picker.note.text() and not picker.use_button.isEnabled()

    # Out of sight, nothing decodes; back in sight, it plays on.
    frames = editor.video.frames
    window.show_view("artists")
    assert not editor.video.playing
    assert frames is not None
    qtbot.waitUntil(lambda: not frames.alive, timeout=5000)
    window.show_view("library")
    qtbot.waitUntil(lambda: editor.video.playing and editor.video.shown > 0, timeout=5000)


def test_quick_look_plays_the_video(qtbot, open_window, demo_home, tmp_path) -> None:
    artwork_id = import_video(demo_home, tmp_path)
    window = open_window(demo_home, rows=DEMO_WORKS + 1)
    view = library_view(window)
    row = view.model.artwork(view.model.row_for_id(artwork_id) or 0)
    look = QuickLook(window.studio.library, row, lambda _step: None, window)
    qtbot.addWidget(look)
    look.show()
    qtbot.waitExposed(look)
    assert "0:02" in look.details.text()
    qtbot.waitUntil(lambda: look.video.playing and look.video.shown > 0, timeout=10_000)
    qtbot.waitUntil(lambda: near(centre_of(look.picture), GREEN), timeout=5000)
    qtbot.waitUntil(lambda: near(centre_of(look.picture), MAGENTA), timeout=5000)
    frames = look.video.frames
    look.close()
    assert not look.video.playing
    assert frames is not None
    qtbot.waitUntil(lambda: not frames.alive, timeout=5000)  # closing stops the decoder


def test_the_playlist_preview_plays_video_items(qtbot, open_window, demo_home, tmp_path) -> None:
    artwork_id = import_video(demo_home, tmp_path, seconds_each=0.5)
    with Library.open(demo_home) as library:
        made = playlists.create_playlist(library, "Video preview")
        record = playlists.add_items(library, made.id, [artwork_id, 1], duration=3)
    window = open_window(demo_home, rows=DEMO_WORKS + 1)
    preview = PlaylistPreview(window.studio.library, record, "Landscape 1920 × 1080")
    qtbot.addWidget(preview)
    preview.show()
    canvas = preview.canvas
    qtbot.waitUntil(lambda: canvas.frames_shown > 0, timeout=10_000)
    seen: set[str] = set()

    def colours() -> bool:
        colour = centre_of(canvas)
        seen.update(name for name, c in (("green", GREEN), ("magenta", MAGENTA)) if near(colour, c))
        return seen == {"green", "magenta"}

    qtbot.waitUntil(colours, timeout=5000)  # the item's video plays, not only its still
    qtbot.waitUntil(lambda: preview.index == 1, timeout=10_000)
    # The video moves until the next item's still arrives, then stops for it.
    qtbot.waitUntil(lambda: not canvas.video.playing, timeout=10_000)
    assert not near(centre_of(canvas), GREEN) and not near(centre_of(canvas), MAGENTA)
    preview.close()


def test_the_publish_check_lists_video_sizes_and_warns_of_a_budget(
    qtbot, open_window, demo_home, tmp_path
) -> None:
    artwork_id = import_video(demo_home, tmp_path)
    with Library.open(demo_home) as library:
        made = playlists.create_playlist(library, "Video loop")
        playlists.add_items(library, made.id, [artwork_id, 1])
        screens.add_screen(
            library, SCREEN, tz="Europe/Berlin", size="1080x1920", default_playlist=made.id
        )
    window = open_window(demo_home, rows=DEMO_WORKS + 1)
    view = go_to_publish(qtbot, window)
    wait_cell(qtbot, view, SCREEN, "Change", lambda text: text == "new")
    qtbot.waitUntil(lambda: any("Video" in n for n in view.screens_model.notes(SCREEN)))
    (note,) = [n for n in view.screens_model.notes(SCREEN) if n.startswith("Video")]
    # The check plans a publish, which makes the rendition: its real size against the budget.
    assert re.fullmatch(r"Video “Colours” \(0:02\): \d+ kB of 25\.0 MB", note), note
    assert view.screens_model.cells(SCREEN)["Warnings"] == ""  # two seconds fit easily


def test_budget_lines_say_size_and_warn_when_a_budget_cannot_be_met() -> None:
    made = VideoBudget(1, "Kiosk", 7, "Tide", 30.0, 25_000_000, 12_345_678, True, False, "")
    assert video_budget_line(made) == "Video “Tide” (0:30): 12.3 MB of 25.0 MB"
    cannot = replace(made, made_bytes=None, fits=False, reason="the budget leaves under 50 kb/s")
    assert video_budget_line(cannot).startswith("Video “Tide” (0:30): cannot fit 25.0 MB")
    assert "50 kb/s" in video_budget_line(cannot)


def test_a_budget_that_cannot_be_met_is_a_warning_in_the_check_rows(qtbot) -> None:
    from ui.models.publish_models import ScreenChangesModel
    from urbanart.delivery.changes import ChangeStatus, ScreenChange

    model = ScreenChangesModel()
    summary = ScreenChange(1, "Kiosk", ChangeStatus.NEW, None, "abc", 2, 0)
    model.set_rows([summary])
    ok = VideoBudget(1, "Kiosk", 7, "Tide", 30.0, 25_000_000, None, True, False, "")
    long = replace(ok, artwork_id=8, title="Night", fits=False, reason="too long for it")
    model.add_video_budgets([ok, long])
    assert model.cells("Kiosk")["Warnings"] == "1"
    notes = model.notes("Kiosk")
    assert notes[-2].startswith("Video “Tide”") and "cannot fit" in notes[-1]
