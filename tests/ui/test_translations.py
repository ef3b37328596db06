"""Languages in the studio: a screen's language pickers, and the artwork editor's
"Translations" section (per-language texts, saved through the writer thread, right-to-left
scripts shown right to left)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from tests.ui.conftest import library_view, wait_idle
from tests.ui.test_library_view import _select_first
from tests.ui.test_screens_view import _add_screen, _cells, _click_row, _open_register, _view
from ui.dialogs.screen_dialog import ScreenDialog
from ui.widgets.artist_bios import ArtistBiosSection
from ui.widgets.artwork_translations import TranslationsSection
from urbanart.curation import screens
from urbanart.library import catalog
from urbanart.library.catalog import get_artwork, list_artworks
from urbanart.library.texts import bios_for, texts_for

HEBREW = "מים כחולים מתחת לשמיים"


def test_register_a_screen_with_two_languages_and_edit_them(qtbot, open_window, demo_home) -> None:
    window = open_window(demo_home)
    view = _view(window)
    dialog = _open_register(qtbot, view)
    assert (dialog.language.code(), dialog.second_language.code()) == ("en", "")
    qtbot.keyClicks(dialog.name, "Shibuya Languages")
    dialog.zone.setCurrentText("Asia/Tokyo")
    dialog.language.set_code("ja")
    dialog.second_language.set_code("en")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _cells(view, "Shibuya Languages") is not None)
    stored = screens.get_screen(window.studio.library, "Shibuya Languages")
    assert (stored.language, stored.second_language) == ("ja", "en")

    _click_row(qtbot, view, "Shibuya Languages")
    qtbot.waitUntil(lambda: view.detail.heading.text() == "Shibuya Languages")
    qtbot.mouseClick(view.detail.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(view.dialog, ScreenDialog) and view.dialog.isVisible())
    edit = view.dialog
    assert isinstance(edit, ScreenDialog)
    assert (edit.language.code(), edit.second_language.code()) == ("ja", "en")
    assert "日本語" in edit.language.currentText()
    edit.second_language.set_code(None)
    qtbot.mouseClick(edit.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: screens.get_screen(window.studio.library, stored.id).second_language is None
    )
    assert screens.get_screen(window.studio.library, stored.id).language == "ja"


def test_a_language_code_that_is_none_shows_under_the_field(qtbot, open_window, demo_home) -> None:
    before = _add_screen(demo_home, "Mitte Kiosk")
    window = open_window(demo_home)
    view = _view(window)
    qtbot.waitUntil(lambda: _cells(view, "Mitte Kiosk") is not None)
    _click_row(qtbot, view, "Mitte Kiosk")
    qtbot.waitUntil(lambda: view.detail.heading.text() == "Mitte Kiosk")
    qtbot.mouseClick(view.detail.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(view.dialog, ScreenDialog) and view.dialog.isVisible())
    dialog = view.dialog
    assert isinstance(dialog, ScreenDialog)
    dialog.language.setEditText("deutsch")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.errors.message("language") != "")
    assert "not a language code" in dialog.errors.message("language")
    assert dialog.isVisible()
    wait_idle(qtbot)
    assert screens.get_screen(window.studio.library, before.id).language == "en"


def test_translations_are_saved_kept_per_language_and_undone(qtbot, open_window, demo_home) -> None:
    window = open_window(demo_home)
    view = library_view(window)
    artwork_id = _select_first(qtbot, view)
    section = view.editor.translations
    assert section is not None
    qtbot.waitUntil(lambda: section.record is not None and section.record.id == artwork_id)
    library = view.studio.library
    version = get_artwork(library, artwork_id).version

    section.language.set_code("ja")
    section.title.setText("川の夜明け")
    section.title.textEdited.emit(section.title.text())
    section.alt_text.setPlainText("青い水")
    assert section.save_button.isEnabled()
    # Switching language keeps what was typed for Japanese.
    section.language.set_code("he")
    assert section.title.text() == ""
    section.alt_text.setPlainText(HEBREW)
    section.language.set_code("ja")
    assert section.title.text() == "川の夜明け"
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "ja" in texts_for(library, [artwork_id])[artwork_id], timeout=15_000)
    saved = texts_for(library, [artwork_id])[artwork_id]["ja"]
    assert (saved.title, saved.description, saved.alt_text) == ("川の夜明け", "", "青い水")
    qtbot.waitUntil(lambda: section.note.text() == "Saved")
    assert "ja" in section.present.text()
    # The work's version moved on, and the editor took it: its next save is not refused.
    assert view.editor.record is not None and view.editor.record.version > version

    section.language.set_code("he")
    assert section.alt_text.toPlainText() == HEBREW  # the draft came back
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "he" in texts_for(library, [artwork_id])[artwork_id], timeout=15_000)

    qtbot.waitUntil(lambda: window.undo_action.text().startswith("&Undo Edit the he texts of"))
    window.undo_action.trigger()
    qtbot.waitUntil(
        lambda: "he" not in texts_for(library, [artwork_id])[artwork_id], timeout=15_000
    )
    wait_idle(qtbot)

    section.language.set_code("ja")
    qtbot.waitUntil(section.remove_button.isEnabled)
    qtbot.mouseClick(section.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "ja" not in texts_for(library, [artwork_id])[artwork_id], timeout=15_000
    )


def test_a_refused_translation_shows_under_its_field(qtbot, open_window, demo_home) -> None:
    view = library_view(open_window(demo_home))
    artwork_id = _select_first(qtbot, view)
    section = view.editor.translations
    assert section is not None
    qtbot.waitUntil(lambda: section.record is not None and section.record.id == artwork_id)
    # What the studio does at opening may move the work's version on; typed before the editor
    # shows that version, the save would be refused as a stale edit, not for its title.
    wait_idle(qtbot)
    section.language.set_code("fi")
    section.title.setText("Joki" * 100)
    section.title.textEdited.emit(section.title.text())
    assert section.save_button.isEnabled()
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: section.errors.message("title") != "" or section.general_error.text() != "",
        timeout=60_000,
    )
    assert "longer than 300 characters" in section.errors.message("title"), (
        section.general_error.text()
    )
    assert section.title.text() == "Joki" * 100
    assert "fi" not in texts_for(view.studio.library, [artwork_id])[artwork_id]

    # The base language is the work's own fields: typing "en" here must not clear them.
    before = get_artwork(view.studio.library, artwork_id)
    section.language.setEditText("en")
    section.title.setText("Only a title")
    section.title.textEdited.emit(section.title.text())
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    assert "own language" in section.general_error.text()
    wait_idle(qtbot)
    after = get_artwork(view.studio.library, artwork_id)
    assert (after.title, after.description, after.version) == (
        before.title,
        before.description,
        before.version,
    )


def _cursor_x(edit: QLineEdit, position: int) -> int:
    edit.setCursorPosition(position)
    return edit.cursorRect().center().x()


def test_right_to_left_text_is_laid_out_right_to_left(qtbot, open_window, demo_home) -> None:
    view = library_view(open_window(demo_home))
    _select_first(qtbot, view)
    section = view.editor.translations
    assert section is not None
    section.resize(500, 400)
    section.show()
    section.title.setText(HEBREW)
    # The end of a right-to-left text is on its left: the cursor moves leftwards as it types.
    assert _cursor_x(section.title, len(HEBREW)) < _cursor_x(section.title, 0)
    section.title.setText("Blue water")
    assert _cursor_x(section.title, 10) > _cursor_x(section.title, 0)
    section.alt_text.setPlainText(HEBREW)
    block = section.alt_text.document().firstBlock()
    assert block.textDirection() == Qt.LayoutDirection.RightToLeft
    section.alt_text.setPlainText("Blue water")
    assert (
        section.alt_text.document().firstBlock().textDirection() == Qt.LayoutDirection.LeftToRight
    )


def test_an_artists_bio_per_language_is_saved_kept_while_switching_and_removed(
    qtbot, open_window, demo_home
) -> None:
    window = open_window(demo_home)
    window.show_view("artists")
    view = window.views["artists"]
    qtbot.waitUntil(lambda: view.bios.record is not None and view.editor.record is not None)
    section, artist = view.bios, view.editor.record
    library = view.studio.library
    qtbot.waitUntil(lambda: section.current != "")
    base_bio = bios_for(library, [artist.id])[artist.id]["en"]

    section.language.set_code("ja")
    section.bio.setPlainText("川と光を描く画家。")
    assert section.save_button.isEnabled() and section.note.text() == "Unsaved bio"
    section.language.set_code("he")  # a draft for Hebrew; the Japanese one is kept
    assert section.bio.toPlainText() == ""
    section.bio.setPlainText(HEBREW)
    assert section.bio.document().firstBlock().textDirection() == Qt.LayoutDirection.RightToLeft
    section.language.set_code("ja")
    assert section.bio.toPlainText() == "川と光を描く画家。"
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "ja" in bios_for(library, [artist.id])[artist.id], timeout=15_000)
    bios = bios_for(library, [artist.id])[artist.id]
    assert bios["ja"] == "川と光を描く画家。" and bios["en"] == base_bio  # the base bio kept
    qtbot.waitUntil(lambda: section.note.text() == "Saved")
    assert "ja" in section.present.text() and section.remove_button.isEnabled()

    # "en" is the bio above: this section refuses it rather than replace the artist's own bio.
    section.language.setEditText("en")
    section.bio.setPlainText("Only a line")
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    assert "own language" in section.general_error.text()
    wait_idle(qtbot)
    assert bios_for(library, [artist.id])[artist.id]["en"] == base_bio

    section.language.set_code("ja")
    qtbot.waitUntil(section.remove_button.isEnabled)
    qtbot.mouseClick(section.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "ja" not in bios_for(library, [artist.id])[artist.id], timeout=15_000)
    assert "he" not in bios_for(library, [artist.id])[artist.id]  # a draft is never saved alone


def test_a_refused_bio_language_shows_under_its_field(qtbot, open_window, demo_home) -> None:
    window = open_window(demo_home)
    window.show_view("artists")
    view = window.views["artists"]
    qtbot.waitUntil(lambda: view.bios.record is not None and view.bios.current != "")
    section, library = view.bios, view.studio.library
    ident = section.record.id
    section.language.setEditText("japanese")
    section.bio.setPlainText("川")
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: section.errors.message("language") != "", timeout=15_000)
    assert "not a language code" in section.errors.message("language")
    assert section.bio.toPlainText() == "川"  # what was typed stays to be fixed
    assert set(bios_for(library, [ident])[ident]) == {"en"}


def test_what_is_typed_while_a_sections_texts_load_is_kept(qtbot, open_window, demo_home) -> None:
    window = open_window(demo_home)
    library = window.studio.library
    artwork = list_artworks(library)[0]
    works = TranslationsSection(window.studio)
    qtbot.addWidget(works)
    works.show()
    # Typed before the work's translations arrive from the background read: not overwritten.
    with qtbot.waitSignal(works.loaded, timeout=10_000):
        works.show_artwork(artwork)
        qtbot.keyClicks(works.title, "Aube")
    assert works.title.text() == "Aube" and works.save_button.isEnabled()
    language = works.current
    # The work's own texts saved elsewhere: its translations are read again, the typing stays.
    newer = catalog.edit_artwork(library, artwork.id, title=artwork.title + " (new)")
    with qtbot.waitSignal(works.loaded, timeout=10_000):
        works.show_artwork(newer)
        qtbot.keyClicks(works.alt_text, "bleue")
    assert (works.current, works.title.text()) == (language, "Aube")
    assert works.alt_text.toPlainText() == "bleue" and works.save_button.isEnabled()

    artist = catalog.get_artist(library, artwork.artist_id)
    bios = ArtistBiosSection(window.studio)
    qtbot.addWidget(bios)
    with qtbot.waitSignal(bios.loaded, timeout=10_000):
        bios.show_artist(artist)
        qtbot.keyClicks(bios.bio, "Peintre")
    assert bios.bio.toPlainText() == "Peintre" and bios.note.text() == "Unsaved bio"
