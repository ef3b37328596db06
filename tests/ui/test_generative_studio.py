"""Generative works (HTML5 packages) in the studio: the import flow offers the still a package
shows where code cannot run and the import uses it; the Review view names a handed-in package
"Generative (HTML5)" with its file count, previews its still (else a title card) and accepts it
as a generative work. All engine work runs off the GUI thread (conftest's guard)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtWidgets import QLabel

from tests.imaging.packages import canvas_package
from tests.intake.conftest import png_bytes
from tests.ui.conftest import library_view, wait_idle
from ui import operations
from urbanart.library import catalog
from urbanart.library.library import Library
from urbanart.library.package_import import GENERATIVE

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
