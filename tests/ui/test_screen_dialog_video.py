"""The screen dialog's video settings (issue #12): a size limit and keeping the sound, filled
from the screen, saved through the engine, and a cleared limit going back to the default."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from ui.dialogs.screen_dialog import ScreenDialog
from ui.studio import Studio
from urbanart.curation import screens
from urbanart.curation.screens import timezone_choices
from urbanart.library.library import Library


def test_the_dialog_shows_and_saves_the_video_settings(qtbot, demo_home: Path) -> None:
    library = Library.open(demo_home)
    studio = Studio(library)
    try:
        before = screens.add_screen(
            library, "Video Kiosk", tz="UTC", size="320x180", video_max_mb=40
        )
        dialog = ScreenDialog(studio, timezone_choices(), [], before)
        qtbot.addWidget(dialog)
        assert dialog.video_max_mb.value() == 40 and not dialog.video_sound.isChecked()
        dialog.video_max_mb.setValue(12)
        dialog.video_sound.setChecked(True)
        with qtbot.waitSignal(dialog.saved, timeout=10_000):
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        after = screens.get_screen(library, before.id)
        assert (after.video_max_mb, after.video_sound) == (12, True)
        assert (after.width, after.height, after.timezone) == (320, 180, "UTC")

        again = ScreenDialog(studio, timezone_choices(), [], after)
        qtbot.addWidget(again)
        assert again.video_max_mb.value() == 12 and again.video_sound.isChecked()
        again.video_max_mb.setValue(0)  # shown as "Default (25 MB)"
        assert again.video_max_mb.text() == "Default (25 MB)"
        with qtbot.waitSignal(again.saved, timeout=10_000):
            qtbot.mouseClick(again.ok_button, Qt.MouseButton.LeftButton)
        assert screens.get_screen(library, before.id).video_max_mb is None
    finally:
        studio.close()
