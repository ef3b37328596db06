"""The Artists view: pick an artist, fix their details, add a new one, jump to their works."""

from __future__ import annotations

from tests.ui.conftest import library_view
from ui.views.artists_view import ArtistsView
from urbanart.library.catalog import get_artist, list_artists


def _artists_view(qtbot, window) -> ArtistsView:
    window.show_view("artists")
    view = window.views["artists"]
    assert isinstance(view, ArtistsView)
    qtbot.waitUntil(lambda: view.list.count() == 8 and view.editor.record is not None)
    return view


def test_editing_an_artist_saves_and_a_bad_website_is_shown_by_the_field(
    qtbot, open_window, demo_home
) -> None:
    view = _artists_view(qtbot, open_window(demo_home))
    artist = view.editor.record
    qtbot.waitUntil(lambda: view.works_model.rowCount() == 3)

    view.editor.website.setText("www.example.org")
    view.editor.website.textEdited.emit("www.example.org")
    view.editor.save_button.click()
    qtbot.waitUntil(lambda: view.editor.errors.message("website") != "")
    assert view.editor.errors.message("website") == "Must start with http:// or https://"
    assert view.editor.website.text() == "www.example.org"

    view.editor.website.setText("https://example.org")
    view.editor.contact.setText("studio@example.org")
    view.editor.contact.textEdited.emit("studio@example.org")
    view.editor.save_button.click()
    library = view.studio.library
    qtbot.waitUntil(lambda: get_artist(library, artist.id).website == "https://example.org")
    assert get_artist(library, artist.id).contact == "studio@example.org"


def test_adding_an_artist_puts_them_in_the_list(qtbot, open_window, demo_home) -> None:
    view = _artists_view(qtbot, open_window(demo_home))
    view.new_button.click()
    assert view.editor.record is None and view.editor.save_button.text() == "Add artist"
    qtbot.keyClicks(view.editor.name, "Mira Okafor")
    view.editor.location.setText("Lagos")
    view.editor.save_button.click()
    qtbot.waitUntil(lambda: view.list.count() == 9)
    assert any(a.name == "Mira Okafor" for a in list_artists(view.studio.library))
    qtbot.waitUntil(lambda: view.current_id() is not None and view.editor.record is not None)
    assert view.editor.record.name == "Mira Okafor"


def test_show_in_library_filters_the_grid_to_the_artist(qtbot, open_window, demo_home) -> None:
    window = open_window(demo_home)
    view = _artists_view(qtbot, window)
    name = view.editor.record.name
    view.show_in_library.click()
    grid = library_view(window)
    assert window.current_view_key() == "library"
    qtbot.waitUntil(lambda: grid.model.rowCount() == 3, timeout=15000)
    assert {row.artist for row in grid.model.rows()} == {name}
