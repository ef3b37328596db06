"""The Review view (issue #16): a call's hand-ins beside their preview and details; A accepts
into the library (seen in the Library view with its credits), D declines with a message, bulk
accept decides several in one operation, and what an artist typed is always shown as text.

Hand-ins are made through the engine the hub itself calls (guard, adopt, check, record) on a
real library; the studio's own work is checked to run off the GUI thread (conftest's guard).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from tests.intake.conftest import ROOMY, make_call, open_form, png_bytes
from tests.intake.conftest import hand_in as post_hand_in
from tests.ui.conftest import DEMO_WORKS, library_view, wait_idle
from ui import operations
from ui.main_window import MainWindow
from ui.views.review.view import ARTIST, STATE, TITLE, ReviewView
from urbanart.delivery.server import HubThread
from urbanart.intake import review
from urbanart.intake.calls import CallRecord
from urbanart.intake.submissions import (
    ArtistForm,
    WorkForm,
    check_hand_in,
    record_hand_in,
)
from urbanart.intake.uploads import Guarded, IntakeFolders, guard_file, owner_of
from urbanart.library import catalog
from urbanart.library.library import Library
from urbanart.library.settings import load_settings

HTML = "<b>x</b><img src=x>"


@dataclass
class Hand:
    name: str
    email: str
    title: str
    colour: tuple[int, int, int]
    bio: str = "Paints harbours."
    link: str = "https://artist.example.org"
    description: str = "Harbour at dusk."
    alt: str = "A red harbour wall under a dark sky."


def hand_in(library: Library, call: CallRecord, hand: Hand) -> None:
    """One artist hands in one PNG, through the same engine steps as the hub's form."""
    folders = IntakeFolders(library.home)
    data = png_bytes(hand.colour)
    upload = folders.new_upload(call.id, owner_of("test"), len(data), "work.png")
    folders.data(upload.id).write_bytes(data)
    limits = load_settings(library).import_limits()
    guarded = guard_file(str(folders.data(upload.id)), "work.png", limits)
    assert isinstance(guarded, Guarded), guarded
    work = WorkForm(
        0, hand.title, "2024", hand.description, hand.alt, "CC-BY-4.0", "digitalCreation",
        "work.png", upload.id, guarded,
    )  # fmt: skip
    form = ArtistForm(hand.name, hand.bio, hand.link, hand.email, True, [work])
    checked = check_hand_in(call, form, 0)
    record_hand_in(library, call, form, checked, [folders.adopt(upload.id, "work.png")])


@dataclass
class World:
    home: Path
    call: CallRecord


def make_world(home: Path, *hands: Hand) -> World:
    with Library.open(home) as library:
        call = make_call(library, title="Review Walls")
        for hand in hands:
            hand_in(library, call, hand)
    return World(home, call)


ANA = Hand("Ana Lima", "ana@example.org", "Red Harbour", (200, 40, 40))
BO = Hand("Bo Chen", "bo@example.org", "Blue Quay", (30, 60, 210))


def open_review(qtbot, open_window, world: World, rows: int) -> tuple[MainWindow, ReviewView]:
    window = open_window(world.home)
    window.show_view("review")
    view = window.views["review"]
    assert isinstance(view, ReviewView)
    qtbot.waitUntil(lambda: view.table.rowCount() == rows, timeout=10_000)
    view.table.setFocus()
    return window, view


def submissions(world: World) -> list[review.SubmissionRecord]:
    with Library.open(world.home) as library:
        return review.list_submissions(library, world.call.id)


def texts(view: ReviewView, column: int) -> list[str]:
    return [view.table.item(r, column).text() for r in range(view.table.rowCount())]


def test_the_list_shows_the_calls_submissions_beside_a_preview_and_details(
    qtbot, open_window, demo_home: Path
) -> None:
    world = make_world(demo_home, ANA, BO)
    _window, view = open_review(qtbot, open_window, world, rows=2)
    assert texts(view, ARTIST) == ["Ana Lima", "Bo Chen"]
    assert texts(view, TITLE) == ["Red Harbour", "Blue Quay"]
    assert texts(view, STATE) == ["Received", "Received"]
    assert "Review Walls" in view.calls.currentText()
    qtbot.waitUntil(lambda: not view.preview.pixmap().isNull(), timeout=10_000)
    assert view.fields["Title"].text() == "Red Harbour"
    assert view.fields["Alt text"].text() == ANA.alt
    assert view.fields["Bio"].text() == ANA.bio and view.fields["Link"].text() == ANA.link
    assert view.fields["AI involvement"].text() != "Not disclosed"
    public = [label.text() for label in view.fields.values()]
    assert not any(ANA.email in text for text in public)  # only on the curator's line
    assert ANA.email in view.contact.text()
    qtbot.keyClick(view.table, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: view.fields["Title"].text() == "Blue Quay", timeout=5_000)
    qtbot.keyClick(view.table, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: view.fields["Title"].text() == "Red Harbour", timeout=5_000)
    assert "(A)" in view.accept_button.toolTip() and "(D)" in view.decline_button.toolTip()
    assert "(C)" in view.change_button.toolTip()


def test_key_a_accepts_and_the_library_view_shows_the_work_with_its_credits(
    qtbot, open_window, demo_home: Path
) -> None:
    world = make_world(demo_home, ANA, BO)
    window, view = open_review(qtbot, open_window, world, rows=2)
    operations.history.clear()
    qtbot.keyClick(view.table, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: texts(view, STATE)[0] == "Accepted", timeout=15_000)
    assert view.current_id() == submissions(world)[1].id  # on to the next one
    grid = library_view(window)
    qtbot.waitUntil(lambda: grid.model.rowCount() == DEMO_WORKS + 1, timeout=10_000)
    [row] = [r for r in grid.model.rows() if r.title == "Red Harbour"]
    assert (row.artist, row.status, row.year, row.license) == (
        "Ana Lima", "approved", 2024, "CC-BY-4.0",
    )  # fmt: skip
    accepted = submissions(world)[0]
    assert accepted.state == "accepted" and accepted.artwork_id == row.id
    with Library.open(world.home) as library:
        assert catalog.get_artist(library, "Ana Lima").contact == ANA.email
    wait_idle(qtbot)
    decided = [op for op in operations.history if op.label.startswith("review:")]
    assert decided and all(op.on_writer and not op.ran_on_gui_thread for op in decided)
    assert not any(op.ran_on_gui_thread for op in operations.history)


def test_key_d_declines_with_a_message_and_an_empty_message_decides_nothing(
    qtbot, open_window, demo_home: Path
) -> None:
    world = make_world(demo_home, ANA, BO)
    _window, view = open_review(qtbot, open_window, world, rows=2)
    qtbot.keyClick(view.table, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: view.fields["Title"].text() == "Blue Quay", timeout=5_000)
    qtbot.keyClick(view.table, Qt.Key.Key_D)
    dialog = view.message_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.isVisible() and "message" in dialog.error.text()
    wait_idle(qtbot)
    assert [s.state for s in submissions(world)] == ["received", "received"]
    qtbot.keyClicks(dialog.text, "Not this time: <i>too dark</i>")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: texts(view, STATE)[1] == "Declined", timeout=10_000)
    first, second = submissions(world)
    assert (first.state, second.state) == ("received", "declined")
    assert second.message == "Not this time: <i>too dark</i>"


def test_bulk_accept_decides_two_selected_in_one_operation(
    qtbot, open_window, demo_home: Path
) -> None:
    world = make_world(demo_home, ANA, BO)
    window, view = open_review(qtbot, open_window, world, rows=2)
    view.table.selectAll()
    assert len(view.selected_ids()) == 2 and "2 selected" in view.selection_note.text()
    operations.history.clear()
    view.accept_button.click()
    qtbot.waitUntil(lambda: texts(view, STATE) == ["Accepted", "Accepted"], timeout=20_000)
    assert view.outcome.text() == "Accepted 2."
    assert [op.label for op in operations.history if op.label.startswith("review:")] == [
        "review: accepted"
    ]
    grid = library_view(window)
    qtbot.waitUntil(lambda: grid.model.rowCount() == DEMO_WORKS + 2, timeout=10_000)
    credits = {(r.title, r.artist) for r in grid.model.rows()}
    assert {("Red Harbour", "Ana Lima"), ("Blue Quay", "Bo Chen")} <= credits
    assert not view.accept_button.isEnabled()  # nothing left to decide in the selection


def test_what_the_artist_typed_is_shown_literally_never_as_rich_text(
    qtbot, open_window, demo_home: Path
) -> None:
    sly = Hand(
        HTML, "sly@example.org", HTML, (9, 200, 9), bio=HTML, description=HTML, alt=HTML,
    )  # fmt: skip
    world = make_world(demo_home, sly)
    _window, view = open_review(qtbot, open_window, world, rows=1)
    assert view.table.item(0, ARTIST).text() == HTML and view.table.item(0, TITLE).text() == HTML
    for key in ("Title", "Artist", "Bio", "Description", "Alt text"):
        label = view.fields[key]
        assert label.text() == HTML
        assert label.textFormat() == Qt.TextFormat.PlainText
    assert view.heading.textFormat() == Qt.TextFormat.PlainText and HTML in view.heading.text()
    # Every label of the view that shows the markup shows it as text, whichever it is.
    showing = [label for label in view.findChildren(QLabel) if "<img" in label.text()]
    assert len(showing) >= 6
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in showing)


@pytest.mark.parametrize("rows", [0])
def test_without_a_call_the_view_says_how_to_make_one(qtbot, open_window, demo_home, rows) -> None:
    window = open_window(demo_home)
    window.show_view("review")
    view = window.views["review"]
    assert isinstance(view, ReviewView)
    qtbot.waitUntil(lambda: view.empty.isVisible(), timeout=10_000)
    assert "calls create" in view.empty.text() and view.table.rowCount() == rows


def test_a_hand_in_made_meanwhile_is_listed_on_coming_back_and_c_asks_for_a_change(
    qtbot, open_window, demo_home: Path
) -> None:
    world = make_world(demo_home, ANA)
    window, view = open_review(qtbot, open_window, world, rows=1)
    window.show_view("library")
    with Library.open(world.home) as library:
        hand_in(library, world.call, BO)
    window.show_view("review")
    qtbot.waitUntil(lambda: view.table.rowCount() == 2, timeout=10_000)
    assert texts(view, TITLE) == ["Red Harbour", "Blue Quay"]
    assert view.fields["Title"].text() == "Red Harbour"  # the selection stayed
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_C)
    dialog = view.message_dialog
    assert dialog is not None and dialog.windowTitle() == "Ask for a change"
    qtbot.keyClicks(dialog.text, "Please send it without the watermark.")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: texts(view, STATE)[0] == "Change asked", timeout=10_000)
    first = submissions(world)[0]
    assert (first.state, first.message) == (
        "change_requested",
        "Please send it without the watermark.",
    )
    view.table.selectRow(0)
    assert "Please send it without the watermark." in view.message.text()


def test_a_refused_accept_is_kept_and_shown_in_the_details(
    qtbot, open_window, demo_home: Path
) -> None:
    copy = Hand("Copy Cat", "cat@example.org", "Same Harbour", ANA.colour)
    world = make_world(demo_home, ANA, copy)
    _window, view = open_review(qtbot, open_window, world, rows=2)
    qtbot.keyClick(view.table, Qt.Key.Key_A)  # Ana's work goes in first
    qtbot.waitUntil(lambda: texts(view, STATE)[0] == "Accepted", timeout=15_000)
    view.table.selectRow(1)
    qtbot.waitUntil(lambda: view.fields["Title"].text() == "Same Harbour", timeout=5_000)
    assert not view.refusal.isVisibleTo(view) and view.refusal.text() == ""
    qtbot.keyClick(view.table, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: "same content as artwork" in view.refusal.text(), timeout=15_000)
    assert view.refusal.isVisibleTo(view)
    assert view.fields["Title"].text() == "Same Harbour"  # still the refused one, undecided
    assert submissions(world)[1].state == "received"


def test_a_hand_in_through_the_hub_is_listed_at_once_and_a_withdrawal_unlisted(
    qtbot, open_window, demo_home: Path
) -> None:
    """The hub in the studio's process stores a hand-in: the shown Review view lists it without
    being left or refreshed, and the curator's selection stays; withdrawing unlists it."""
    world = make_world(demo_home, ANA)
    window, view = open_review(qtbot, open_window, world, rows=1)
    qtbot.waitUntil(lambda: view.fields["Title"].text() == "Red Harbour", timeout=5_000)
    wait_idle(qtbot)
    with HubThread(window.studio.library, intake_rates=ROOMY) as hub:
        artist = requests.Session()
        page = hub.url.rstrip("/") + world.call.path
        csrf = open_form(artist, page)
        answer = post_hand_in(
            artist, page, csrf, {"work-0-file": ("quay.png", png_bytes(BO.colour))},
            name=BO.name, email=BO.email, **{"work-0-title": BO.title},
        )  # fmt: skip
        assert answer.status_code == 303, answer.text
        qtbot.waitUntil(lambda: view.table.rowCount() == 2, timeout=5_000)
        assert texts(view, TITLE) == ["Red Harbour", "Blue Quay"]
        assert view.selected_ids() == [submissions(world)[0].id]  # the selection stayed
        assert view.fields["Title"].text() == "Red Harbour"
        status_url = hub.url.rstrip("/") + answer.headers["location"]
        status = artist.get(status_url, timeout=10).text
        token = re.search(r'name="csrf" value="([^"]+)"', status)
        assert token is not None
        withdraw = f"{status_url}/withdraw/{submissions(world)[1].id}"
        gone = artist.post(withdraw, data={"csrf": token[1]}, allow_redirects=False, timeout=10)
        assert gone.status_code == 303
        qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=5_000)
        assert texts(view, TITLE) == ["Red Harbour"]


def test_the_studio_hears_hand_ins_of_its_own_library_folder_only(
    qtbot, open_window, demo_home: Path, tmp_path: Path
) -> None:
    world = make_world(demo_home, ANA)
    window, _view = open_review(qtbot, open_window, world, rows=1)
    heard: list[frozenset[operations.DataKind]] = []
    window.studio.bus.changed.connect(heard.append)
    other = make_world(tmp_path / "other", BO)  # another library's hand-in: not this studio's
    assert other.home != world.home
    wait_idle(qtbot)
    assert not any(operations.SUBMISSIONS in kinds for kinds in heard)
    with Library.open(world.home) as library:
        hand_in(library, world.call, BO)
    qtbot.waitUntil(lambda: any(operations.SUBMISSIONS in k for k in heard), timeout=5_000)
