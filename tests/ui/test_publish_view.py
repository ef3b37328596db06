"""The Publish view on a real library: check, publish, push results, history, cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QProgressDialog, QPushButton

import urbanart.delivery.workflow as workflow_module
from tests.delivery.receivers import checking_receiver, flaky_receiver
from tests.ui.conftest import wait_idle
from ui.main_window import MainWindow
from ui.operations import PLAYLISTS
from ui.views.publish.formatting import CANCELLED
from ui.views.publish.view import PublishView
from urbanart.curation import playlists, schedules, screens
from urbanart.library import catalog
from urbanart.library.browse import BrowseQuery, browse_rows
from urbanart.library.library import Library, current_tree, published_root

KIOSK = "Publish Test Kiosk"


def approved_ids(library: Library) -> list[int]:
    return [r.id for r in browse_rows(library, BrowseQuery(status="approved", sort="title"))]


def make_screen(
    home: Path,
    name: str,
    *,
    works: int = 2,
    unapprove_one: bool = False,
    push_url: str | None = None,
    push_secret: str | None = None,
) -> dict[str, Any]:
    """A playlist of approved works, a screen playing it by default and a schedule, via the
    engine; optionally one work un-approved afterwards so the publish leaves it out."""
    with Library.open(home) as library:
        ids = approved_ids(library)[:works]
        playlist = playlists.create_playlist(library, f"{name} loop")
        playlists.add_items(library, playlist.id, ids)
        screen = screens.add_screen(
            library,
            name,
            tz="Europe/Berlin",
            size="320x180",
            default_playlist=playlist.id,
            push_url=push_url,
            push_secret=push_secret,
        )
        schedules.add_schedule(library, playlist.id, screens=[screen.id], window="08:00-20:00")
        if unapprove_one:
            catalog.edit_artwork(library, ids[0], status="submitted")
        return {"screen": screen, "playlist": playlist.id, "works": ids}


def go_to_publish(qtbot, window: MainWindow) -> PublishView:
    sidebar = window.sidebar
    row = next(
        r
        for r in range(sidebar.count())
        if sidebar.item(r).data(Qt.ItemDataRole.UserRole) == "publish"
    )
    rect = sidebar.visualItemRect(sidebar.item(row))
    qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    view = window.views["publish"]
    assert isinstance(view, PublishView) and view.isVisible()
    return view


def wait_cell(qtbot, view: PublishView, name: str, column: str, want: Callable[[str], bool]):
    def ok() -> bool:
        cells = view.screens_model.cells(name)
        return cells is not None and want(cells[column])

    qtbot.waitUntil(ok, timeout=20_000)
    return view.screens_model.cells(name)


def history_statuses(view: PublishView) -> list[str]:
    model = view.history_model
    return [model.item(r, 1).text() for r in range(model.rowCount())]


def test_check_publish_history_and_nothing_left_to_publish(
    qtbot, open_window, demo_home: Path, settings: QSettings
) -> None:
    made = make_screen(demo_home, KIOSK, works=3, unapprove_one=True)
    window = open_window(demo_home)
    view = go_to_publish(qtbot, window)

    # Shown for the first time: the dry run lists the screen as new, with what it leaves out.
    cells = wait_cell(qtbot, view, KIOSK, "Change", lambda text: text == "new")
    assert cells["Items"] == "+2 −0" and cells["Left out"] == "1"
    (note,) = view.screens_model.notes(KIOSK)
    assert "not approved" in note
    assert view.summary.text().startswith("Would publish:")
    assert view.publish_button.isEnabled()
    assert not current_tree(window.studio.library).exists()
    before = view.history_model.rowCount()

    qtbot.mouseClick(view.publish_button, Qt.MouseButton.LeftButton)
    wait_cell(qtbot, view, KIOSK, "Change", lambda text: text == "published")
    qtbot.waitUntil(lambda: view.history_model.rowCount() == before + 1, timeout=10_000)
    assert history_statuses(view)[0] == "done"
    assert view.summary.text().startswith("Published:")
    manifest = current_tree(window.studio.library) / "screens" / made["screen"].poll_token
    assert (manifest / "manifest.json").is_file()
    assert not view.publish_button.isEnabled()
    assert "Nothing to publish" in view.publish_button.toolTip()

    # The newest publication is chosen and shows what each screen got.
    qtbot.waitUntil(lambda: view.detail_model.cells(KIOSK) is not None, timeout=10_000)
    assert view.detail_model.cells(KIOSK)["Change"] == "new"
    assert "done" in view.detail_heading.text()

    # Checking again: nothing changed, and there is nothing to publish.
    qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
    wait_cell(qtbot, view, KIOSK, "Change", lambda text: text == "unchanged")
    assert view.summary.text().startswith("Nothing changed")
    assert not view.publish_button.isEnabled()

    # A playlist change elsewhere is noticed while the view is shown: it checks again by itself.
    with Library.open(demo_home) as library:
        playlists.add_items(library, made["playlist"], approved_ids(library)[5:6])
    window.studio.bus.announce({PLAYLISTS})
    cells = wait_cell(qtbot, view, KIOSK, "Change", lambda text: text == "changed")
    assert cells["Items"] == "+1 −0"
    assert view.publish_button.isEnabled()

    # The splitters are kept.
    view.splitter.setSizes([300, 400])
    wanted = view.splitter.sizes()
    view.save_state(settings)
    view.splitter.setSizes([600, 100])
    view.restore_state(settings)
    assert view.splitter.sizes() == wanted
    wait_idle(qtbot)


def test_push_results_per_screen_ok_and_refused(qtbot, open_window, demo_home: Path) -> None:
    with flaky_receiver(failures=0) as good, checking_receiver("the screen's secret") as refusing:
        make_screen(demo_home, "Push OK Screen", push_url=good.url, push_secret="s1" * 16)
        make_screen(demo_home, "Push Refusing Screen", push_url=refusing.url, push_secret="s2" * 16)
        make_screen(demo_home, "Polling Screen")
        window = open_window(demo_home)
        view = go_to_publish(qtbot, window)
        wait_cell(qtbot, view, "Push OK Screen", "Change", lambda text: text == "new")
        assert view.screens_model.cells("Push OK Screen")["Push"] == "not pushed yet"
        assert view.screens_model.cells("Polling Screen")["Push"] == "polls"

        qtbot.mouseClick(view.publish_button, Qt.MouseButton.LeftButton)
        ok = wait_cell(qtbot, view, "Push OK Screen", "Push", lambda text: text.startswith("ok"))
        assert ok["Change"] == "published" and "1 attempt" in ok["Push"]
        refused = view.screens_model.cells("Push Refusing Screen")
        assert refused["Push"].startswith("failed: the screen answered HTTP 401")
        assert view.screens_model.cells("Polling Screen")["Push"] == "polls"
        assert [r.status for r in good.requests] == [200]
        assert "1 ok, 1 failed" in view.summary.text()

        # The failed push can be tried again without publishing.
        assert view.retry_button.isVisible() and view.retry_button.isEnabled()
        qtbot.mouseClick(view.retry_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(refusing.requests) == 2, timeout=10_000)
        qtbot.waitUntil(lambda: "Pushed again: 0 ok, 1 failed" in view.notice.text())
        assert len(good.requests) == 1  # only the failed screen was pushed again
        wait_idle(qtbot)


def test_cancelling_the_publish_keeps_the_previous_version(
    qtbot, open_window, demo_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_screen(demo_home, KIOSK)
    real_publish = workflow_module.publish
    reached = threading.Event()

    def slow_publish(library: Library, **options: Any) -> Any:
        """The real publish, held at its first progress report until the curator cancels."""
        if options.get("dry_run"):
            return real_publish(library, **options)
        cancel, report = options["cancel"], options["progress"]

        def progress(done: int, total: int, what: str) -> None:
            report(done, total, what)
            reached.set()
            cancel.wait(10)

        return real_publish(library, **{**options, "progress": progress})

    monkeypatch.setattr(workflow_module, "publish", slow_publish)  # what the view runs
    window = open_window(demo_home)
    view = go_to_publish(qtbot, window)
    wait_cell(qtbot, view, KIOSK, "Change", lambda text: text == "new")
    before = view.history_model.rowCount()

    qtbot.mouseClick(view.publish_button, Qt.MouseButton.LeftButton)

    def dialog() -> QProgressDialog | None:
        shown = [d for d in view.findChildren(QProgressDialog) if d.isVisible()]
        return shown[0] if shown else None

    qtbot.waitUntil(lambda: dialog() is not None and reached.is_set(), timeout=10_000)
    assert not view.publish_button.isEnabled()
    cancel_button = dialog().findChild(QPushButton)
    assert cancel_button is not None and cancel_button.text() == "Cancel"
    qtbot.mouseClick(cancel_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: view.notice.text() == CANCELLED, timeout=10_000)
    assert view.notice.isVisible()
    qtbot.waitUntil(lambda: view.history_model.rowCount() == before + 1, timeout=10_000)
    assert history_statuses(view)[0] == "failed"
    assert "cancelled" in view.history_model.item(0, 4).text()
    library = window.studio.library  # only its folder is used: no engine call here
    assert not current_tree(library).exists()
    releases = published_root(library) / "releases"
    assert not releases.exists() or not any(p.is_dir() for p in releases.iterdir())
    # Nothing was published, so publishing is still offered and the screen is still new.
    assert view.publish_button.isEnabled()
    assert view.screens_model.cells(KIOSK)["Change"] == "new"
    wait_idle(qtbot)
