"""End to end in headless Chromium: fill the call's form, upload a still (and a video) in
resumable chunks with a chunk's connection dropped, read the status page, accept in the CLI or
in the studio's Review view, find the works in the library with their credits."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.browsers import shared_playwright
from tests.imaging.packages import canvas_package
from tests.imaging.video_clips import Clip, write_clip
from tests.intake.conftest import HTML, ROOMY, Served, make_call, noise_png, png_bytes
from tests.ui import conftest as studio_fixtures
from ui.views.review.view import STATE, ReviewView
from urbanart.delivery.server import HubThread
from urbanart.intake import review
from urbanart.intake.uploads import IntakeFolders
from urbanart.library import catalog
from urbanart.library.library import Library

CHROMIUM = Path(os.environ.get("URBANART_CHROMIUM", "/usr/bin/chromium"))

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set URBANART_CHROMIUM)",
)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module's tests (each opens its own context)."""
    with shared_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield launched
        finally:
            launched.close()


def test_hand_in_with_a_dropped_chunk_then_accept_in_the_cli(
    served: Served, browser: Any, run_cli: Any, tmp_path: Path
) -> None:
    data = noise_png((1000, 1000), seed=7)  # about 3 MB: three 1 MiB chunks
    assert len(data) > 2 * 1024 * 1024
    still = tmp_path / "harbour.png"
    still.write_bytes(data)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    seen: list[str] = []

    def drop_second_patch(route: Any) -> None:
        seen.append(route.request.method)
        if route.request.method == "PATCH" and seen.count("PATCH") == 2:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/uploads/*", drop_second_patch)
    served.hub.hub.intake.chunk_bytes = 1024 * 1024  # the page's chunk (16 MiB) cut to three
    page.goto(served.page)
    page.get_by_label("Artist name (public)").fill("Ana Lima")
    page.get_by_label("Short bio (public)").fill("Paints walls. " + HTML)
    page.get_by_label("Your website (public, optional)").fill("https://ana.example.org")
    page.get_by_label("Contact e-mail (private: only the curators see it)").fill("ana@example.org")
    page.set_input_files("#work-0-file", str(still))
    page.fill("#work-0-title", "Harbour " + HTML)
    page.fill("#work-0-year", "2025")
    page.fill("#work-0-description", "Night harbour.")
    page.fill("#work-0-alt", "Grey noise like a night harbour.")
    page.select_option("#work-0-license", "CC-BY-4.0")
    page.check("input[name='work-0-ai'][value='digitalCreation']")
    page.check("input[name='terms']")
    page.click("button[type=submit]")
    page.wait_for_url("**/calls/status/*", timeout=60_000)
    assert "Received: not reviewed yet" in page.content()
    assert page.locator("h2").first.inner_text().startswith("Harbour <script>")  # shown as text
    # The creation carried the first chunk; of the two PATCHes after it the second dropped, the
    # offset was asked, and it was sent again.
    assert seen.count("PATCH") >= 3 and "HEAD" in seen
    context.close()

    listed = run_cli("calls", "review", str(served.call.id), "--json").json()
    [entry] = listed
    accepted = run_cli("calls", "accept", str(entry["id"]), "--json")
    assert accepted.exit_code == 0, accepted.stderr
    artwork = catalog.get_artwork(served.library, accepted.json()["artwork_id"])
    assert (artwork.title, artwork.artist_name, artwork.year, artwork.license) == (
        "Harbour " + HTML,
        "Ana Lima",
        2025,
        "CC-BY-4.0",
    )
    assert artwork.status == "approved" and artwork.ai_involvement == "digitalCreation"
    assert artwork.asset.sha256 == hashlib.sha256(data).hexdigest()


#: The studio's fixtures (a real window on a library folder; no database work on the GUI thread).
open_window = studio_fixtures.open_window
settings = studio_fixtures.settings
studio_guard = studio_fixtures.gui_thread_guard


def test_a_still_and_a_video_handed_in_with_drops_then_accepted_in_the_review_view(
    served: Served, browser: Any, tmp_path: Path, qtbot: Any, open_window: Any
) -> None:
    """The issue's end to end: the call page filled in Chromium, a still (three 1 MiB chunks:
    the first in its creation, the next two by PATCH, the second of them dropped) and a video
    (one chunk, in its creation, dropped: created again) through tus, the status page, then both
    accepted in the studio's Review view and found in the library with their credits."""
    still_bytes = noise_png((1000, 1000), seed=11)
    assert len(still_bytes) > 2 * 1024 * 1024
    still = tmp_path / "harbour.png"
    still.write_bytes(still_bytes)
    video = write_clip(tmp_path / "tram.mp4", Clip(width=96, height=64, frames=24))
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    patches: list[str] = []  # the URL of every PATCH, dropped ones included
    creations: list[str] = []  # the Upload-Length of every creation, dropped ones included
    dropped: list[str] = []

    def drop_some(route: Any) -> None:
        request = route.request
        if request.method == "PATCH":
            patches.append(request.url)
            if patches.count(request.url) == 2:  # the still's second PATCH
                dropped.append(request.url)
                route.abort("connectionreset")
                return
        if request.method == "POST":
            creations.append(request.headers["upload-length"])
            if creations == [str(len(still_bytes)), str(video.stat().st_size)]:
                dropped.append("the video's creation")
                route.abort("connectionreset")
                return
        route.continue_()

    page.route(re.compile(r"/uploads(/[^/]+)?$"), drop_some)  # creations and PATCHes
    served.hub.hub.intake.chunk_bytes = 1024 * 1024  # the page's chunk (16 MiB) cut to three
    page.goto(served.page)
    page.get_by_label("Artist name (public)").fill("Rui Costa")
    page.get_by_label("Short bio (public)").fill("Films trams. " + HTML)
    page.get_by_label("Your website (public, optional)").fill("https://rui.example.org")
    page.get_by_label("Contact e-mail (private: only the curators see it)").fill("rui@example.org")
    works = (
        (still, "Harbour " + HTML, "2025", "CC-BY-4.0", "digitalCreation"),
        (video, "Tram 28", "2026", "CC-BY-NC-4.0", "compositeWithTrainedAlgorithmicMedia"),
    )
    for n, (path, title, year, licence, ai) in enumerate(works):
        page.set_input_files(f"#work-{n}-file", str(path))
        page.fill(f"#work-{n}-title", title)
        page.fill(f"#work-{n}-year", year)
        page.fill(f"#work-{n}-description", f"Work {n}.")
        page.fill(f"#work-{n}-alt", f"Alt text of work {n}.")
        page.select_option(f"#work-{n}-license", licence)
        page.check(f"input[name='work-{n}-ai'][value='{ai}']")
    page.check("input[name='terms']")
    page.click("button[type=submit]")
    page.wait_for_url("**/calls/status/*", timeout=90_000)
    status = page.content()
    assert status.count("Received: not reviewed yet") == 2
    assert len(set(dropped)) == 2  # each upload lost a chunk's connection…
    assert len(set(patches)) == 1 and len(patches) >= 3  # …the still resumed…
    assert creations.count(str(video.stat().st_size)) == 2  # …the video created again
    context.close()

    window = open_window(served.library.home, rows=None)
    window.show_view("review")
    view = window.views["review"]
    assert isinstance(view, ReviewView)
    qtbot.waitUntil(lambda: view.table.rowCount() == 2, timeout=15_000)
    view.table.setFocus()
    view.table.selectAll()
    qtbot.keyClick(view.table, Qt.Key.Key_A)  # bulk: both in one operation
    qtbot.waitUntil(
        lambda: [view.table.item(r, STATE).text() for r in range(2)] == ["Accepted"] * 2,
        timeout=60_000,
    )
    studio_fixtures.wait_idle(qtbot)
    grid = studio_fixtures.library_view(window)
    qtbot.waitUntil(lambda: grid.model.rowCount() == 2, timeout=15_000)

    records = review.list_submissions(served.library, served.call.id)
    by_title = {r.title: r for r in records}
    for path, title, year, licence, ai in works:
        record = by_title[title]
        assert record.artwork_id is not None
        artwork = catalog.get_artwork(served.library, record.artwork_id)
        assert (artwork.title, artwork.artist_name, artwork.year) == (title, "Rui Costa", int(year))
        assert (artwork.license, artwork.ai_involvement, artwork.status) == (
            licence,
            ai,
            "approved",
        )
        assert artwork.asset.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert catalog.get_artwork(served.library, by_title["Tram 28"].artwork_id).kind == "video"
    artist = catalog.get_artist(served.library, "Rui Costa")
    assert (artist.contact, artist.website) == ("rui@example.org", "https://rui.example.org")
    assert artist.bio == "Films trams. " + HTML


def test_a_package_goes_up_by_tus_and_its_still_with_the_form(
    library: Library, browser: Any, tmp_path: Path
) -> None:
    """With JavaScript the package is a tus upload like any work, while its optional still rides
    in the form post; both end up with the submission."""
    call = make_call(library, title="Code on walls", kinds=("still", "video", "generative"))
    package = tmp_path / "tide.zip"
    package.write_bytes(canvas_package())
    still = tmp_path / "tide.png"
    still.write_bytes(png_bytes((30, 160, 60), (640, 360)))
    with HubThread(library, intake_rates=ROOMY) as hub:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        methods: list[str] = []
        page.on("request", lambda r: methods.append(r.method) if "/uploads" in r.url else None)
        page.goto(hub.url.rstrip("/") + call.path)
        page.get_by_label("Artist name (public)").fill("Ana Lima")
        page.get_by_label("Contact e-mail (private: only the curators see it)").fill(
            "ana@example.org"
        )
        page.set_input_files("#work-0-file", str(package))
        page.set_input_files("#work-0-still", str(still))
        page.fill("#work-0-title", "Tide")
        page.select_option("#work-0-license", "CC-BY-4.0")
        page.check("input[name='work-0-ai'][value='digitalCreation']")
        page.check("input[name='terms']")
        page.click("button[type=submit]")
        page.wait_for_url("**/calls/status/*", timeout=60_000)
        assert "a generative work, 2 files" in page.content()
        context.close()
    # One tus upload, the package, in one request (its creation carries it whole).
    assert methods.count("POST") == 1 and "PATCH" not in methods
    [entry] = review.list_submissions(library, call.id)
    assert entry.package_files == 2
    kept = IntakeFolders(library.home).still_file(entry.file_key)
    assert kept is not None and kept.read_bytes() == still.read_bytes()
