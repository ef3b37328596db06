"""A video's transcode in the Publish view: the check and the publish both show the video's own
progress ("Lisbon Quay: video 'Tide' 40%") while its worker process runs, and both can be
stopped: the worker ends by itself (not killed), no rendition is stored, and the version
published before is still the one served."""

from __future__ import annotations

import multiprocessing
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QPushButton

from tests.imaging.video_clips import Clip, write_clip
from tests.ui.conftest import DEMO_WORKS, wait_idle
from tests.ui.test_publish_view import approved_ids, go_to_publish
from ui import operations
from ui.views.publish.formatting import CANCELLED, CHECK_STOPPED
from urbanart.curation import playlists, schedules, screens
from urbanart.delivery.publisher import publish
from urbanart.imaging.video.jobs import CANCEL_GRACE_SECONDS
from urbanart.library import catalog
from urbanart.library.import_sources import scan
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library, current_tree

SCREEN = "Lisbon Quay"
#: The video's progress as the engine words it, in its first half: well before the end.
MID_TRANSCODE = re.compile(rf"{SCREEN}: video 'Tide' [1-4]?[0-9]%")
#: Seconds a cancelled worker may take to stop. A worker that missed the cancel goes on with
#: the rest of the transcode (its second half: several seconds at 1080p) until it is killed.
STOP_SECONDS = 2.0


def published_with_a_new_video(home: Path, folder: Path) -> tuple[str, Path, bytes]:
    """Publish a screen of two stills, then add a 4 s 640×360 video to its playlist (not
    published yet, its rendition not made); the video's sha256, the served tree's folder and
    the screen's served manifest."""
    clip = write_clip(folder / "tide.mp4", Clip(width=640, height=360, frames=120, fps=30))
    with Library.open(home) as library:
        loop = playlists.create_playlist(library, "Quay loop")
        playlists.add_items(library, loop.id, approved_ids(library)[:2])
        screen = screens.add_screen(
            library, SCREEN, tz="Europe/Lisbon", size="1920x1080", default_playlist=loop.id
        )
        schedules.add_schedule(library, loop.id, screens=[screen.id])
        publish(library, now=datetime.now(UTC))
        tree = current_tree(library).resolve()
        manifest = (tree / "screens" / screen.poll_token / "manifest.json").read_bytes()
        (result,) = import_items(library, scan([str(clip)], artist="Nova"), ImportRun(workers=1))
        assert result.status == Status.IMPORTED, result
        catalog.edit_artwork(library, result.artwork_id, title="Tide", status="approved")
        playlists.add_items(library, loop.id, [result.artwork_id])
        return str(result.sha256), tree, manifest


def transcode_worker() -> Any:
    workers = [p for p in multiprocessing.active_children() if p.name == "urbanart-transcode"]
    return workers[0] if workers else None


def stops_by_itself(qtbot, worker: Any, began: float) -> None:
    """The worker process ends on the cancel by itself, soon, not killed after the grace."""
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=int(CANCEL_GRACE_SECONDS * 2000))
    took = time.monotonic() - began
    assert took < STOP_SECONDS, f"the worker went on {took:.1f} s after the cancel"
    worker.join(1)
    assert worker.exitcode == 0, worker.exitcode  # not SIGKILLed: the cancel reached it


def test_a_video_transcode_shows_its_progress_and_stops_on_cancel(
    qtbot, open_window, demo_home: Path, tmp_path: Path
) -> None:
    sha256, tree_before, manifest_before = published_with_a_new_video(demo_home, tmp_path)
    window = open_window(demo_home, rows=DEMO_WORKS + 1)
    view = go_to_publish(qtbot, window)

    # The check (a dry run) transcodes too: its progress row names the video; Stop ends it.
    qtbot.waitUntil(lambda: bool(MID_TRANSCODE.search(view.progress.format())), timeout=20_000)
    worker = transcode_worker()
    assert worker is not None and worker.is_alive()
    began = time.monotonic()
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    stops_by_itself(qtbot, worker, began)
    qtbot.waitUntil(lambda: view.summary.text() == CHECK_STOPPED, timeout=10_000)

    # Publishing transcodes it: the progress dialog shows the video's progress; Cancel ends it.
    qtbot.waitUntil(view.publish_button.isEnabled, timeout=5000)
    qtbot.mouseClick(view.publish_button, Qt.MouseButton.LeftButton)

    def dialog() -> QProgressDialog | None:
        shown = [d for d in view.findChildren(QProgressDialog) if d.isVisible()]
        return shown[0] if shown else None

    qtbot.waitUntil(
        lambda: (d := dialog()) is not None and bool(MID_TRANSCODE.search(d.labelText())),
        timeout=20_000,
    )
    worker = transcode_worker()
    assert worker is not None and worker.is_alive()
    cancel_button = dialog().findChild(QPushButton)
    began = time.monotonic()
    qtbot.mouseClick(cancel_button, Qt.MouseButton.LeftButton)
    stops_by_itself(qtbot, worker, began)
    qtbot.waitUntil(lambda: view.notice.text() == CANCELLED, timeout=10_000)
    wait_idle(qtbot)

    # Nothing of the transcode was kept and the version published before is still served.
    served = current_tree(window.studio.library).resolve()  # its folder only: no engine call
    assert served == tree_before
    assert manifest_before in [p.read_bytes() for p in served.glob("screens/*/manifest.json")]

    def stored() -> list[str]:
        with Library.open(demo_home) as library:
            return [k for k in library.store.keys(f"renditions/{sha256[:2]}/{sha256}/")]

    with ThreadPoolExecutor(1) as pool:  # off the GUI thread: the guard watches it
        keys = pool.submit(stored).result()
    assert not [k for k in keys if k.endswith(".mp4")], keys
    labels = {r.label for r in operations.history}
    assert {"check what would change", "Publishing to the screens…"} <= labels, labels
    assert not any(r.ran_on_gui_thread for r in operations.history)
