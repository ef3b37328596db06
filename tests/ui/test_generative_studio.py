"""Generative works (HTML5 packages) in the studio: the import flow offers the still a package
shows where code cannot run and the import uses it; the Review view names a handed-in package
"Generative (HTML5)" with its file count, previews its still (else a title card) and accepts it
as a generative work. All engine work runs off the GUI thread (conftest's guard)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from tests.imaging.packages import canvas_package
from tests.intake.conftest import make_call, png_bytes
from tests.ui.conftest import library_view, wait_idle
from tests.ui.test_review_view import World, open_review, submissions, texts
from ui import operations
from ui.views.review.view import STATE
from urbanart.intake.calls import CallRecord
from urbanart.intake.submissions import ArtistForm, WorkForm, check_hand_in, record_hand_in
from urbanart.intake.uploads import Guarded, IntakeFolders, guard_file, owner_of
from urbanart.library import catalog
from urbanart.library.library import Library
from urbanart.library.package_import import GENERATIVE
from urbanart.library.settings import load_settings

GREEN = (30, 160, 60)


def centre_colour(data: bytes) -> tuple[int, ...]:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    return tuple(image.getpixel((image.width // 2, image.height // 2)))


def test_a_package_imported_in_the_studio_shows_the_still_the_curator_chose(
    qtbot, open_window, demo_home: Path, tmp_path: Path
) -> None:
    drop = tmp_path / "drop" / "Nova Kestrel"
    drop.mkdir(parents=True)
    (drop / "tide.zip").write_bytes(canvas_package())
    still = tmp_path / "tide-still.png"
    still.write_bytes(png_bytes(GREEN, (640, 360)))
    view = library_view(open_window(demo_home))
    operations.history.clear()
    view.import_paths([str(drop.parent)])
    qtbot.waitUntil(lambda: view.import_flow.still_dialog is not None, timeout=10_000)
    dialog = view.import_flow.still_dialog
    assert "tide.zip is a generative work" in [
        label.text() for label in dialog.findChildren(QLabel)
    ]
    dialog.path.setText(str(still))
    dialog.ok.click()
    qtbot.waitUntil(lambda: view.import_flow.summary is not None, timeout=60_000)
    [result] = view.import_flow.summary.results
    assert result.artwork_id is not None, result.reason
    with Library.open(demo_home) as library:
        artwork = catalog.get_artwork(library, result.artwork_id)
        assert (artwork.asset.kind, artwork.artist_name) == (GENERATIVE, "Nova Kestrel")
        assert (artwork.asset.width, artwork.asset.height) == (640, 360)
        thumb = library.store.get(artwork.asset.thumbnail_key)
    assert centre_colour(thumb) == pytest.approx(GREEN, abs=6)
    view.import_flow.summary.close()
    wait_idle(qtbot)
    assert not any(op.ran_on_gui_thread for op in operations.history)


def hand_in_package(library: Library, call: CallRecord, title: str, still: bytes | None) -> None:
    """One artist hands in a package (and maybe its still) through the hub's engine steps."""
    folders = IntakeFolders(library.home)
    data = canvas_package()
    upload = folders.new_upload(call.id, owner_of("test"), len(data), "tide.zip")
    folders.data(upload.id).write_bytes(data)
    limits = load_settings(library).import_limits()
    guarded = guard_file(str(folders.data(upload.id)), "tide.zip", limits, call.kinds)
    assert isinstance(guarded, Guarded) and guarded.kind == "generative", guarded
    work = WorkForm(
        0, title, "2025", "Tides drawn live.", "Green waves.", "CC-BY-4.0", "digitalCreation",
        "tide.zip", upload.id, guarded,
    )  # fmt: skip
    if still is not None:
        picture = folders.new_upload(call.id, owner_of("test"), len(still), "still.png")
        folders.data(picture.id).write_bytes(still)
        work.still_upload_id, work.still_name = picture.id, "still.png"
    form = ArtistForm("Ana Lima", "Codes tides.", "", "ana@example.org", True, [work])
    checked = check_hand_in(call, form, 0)
    key = folders.adopt(upload.id, "tide.zip")
    if work.still_upload_id is not None:
        folders.adopt_still(work.still_upload_id, key, work.still_name)
    record_hand_in(library, call, form, checked, [key])


def test_the_review_view_previews_a_packages_still_and_accepts_it_as_a_generative_work(
    qtbot, open_window, demo_home: Path
) -> None:
    with Library.open(demo_home) as library:
        call = make_call(library, title="Code on walls", kinds=("still", "generative"))
        hand_in_package(library, call, "Green Tide", png_bytes(GREEN, (640, 360)))
        hand_in_package(library, call, "Untitled Tide", None)
    world = World(demo_home, call)
    _window, view = open_review(qtbot, open_window, world, rows=2)
    qtbot.waitUntil(lambda: view._image is not None, timeout=10_000)
    assert view.fields["File"].text().startswith("tide.zip · Generative (HTML5), 2 files · ")
    image = view._image
    assert image.pixelColor(image.width() // 2, image.height() // 2).getRgb()[:3] == (
        pytest.approx(GREEN, abs=6)
    )
    operations.history.clear()
    qtbot.keyClick(view.table, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: texts(view, STATE)[0] == "Accepted", timeout=30_000)
    accepted = submissions(world)[0]
    with Library.open(demo_home) as library:
        artwork = catalog.get_artwork(library, accepted.artwork_id)
        assert (artwork.asset.kind, artwork.artist_name) == (GENERATIVE, "Ana Lima")
        assert centre_colour(library.store.get(artwork.asset.thumbnail_key)) == pytest.approx(
            GREEN, abs=6
        )
    # on to the package without a still: a title card, not a picture of the green one
    qtbot.waitUntil(lambda: view.fields["Title"].text() == "Untitled Tide", timeout=10_000)
    qtbot.waitUntil(lambda: view._image is not None, timeout=10_000)
    card = view._image
    assert card.pixelColor(card.width() // 2, card.height() // 2).getRgb()[:3] != (
        pytest.approx(GREEN, abs=40)
    )
    wait_idle(qtbot)
    assert not any(op.ran_on_gui_thread for op in operations.history)
