"""End to end in headless Chromium: fill the call's form, upload a still in resumable chunks
with one chunk's connection dropped, read the status page, accept in the CLI, find the work in
the library with its credits."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.intake.conftest import HTML, Served, noise_png
from urbanart.library import catalog

CHROMIUM = Path(os.environ.get("URBANART_CHROMIUM", "/usr/bin/chromium"))

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set URBANART_CHROMIUM)",
)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")


@pytest.fixture
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
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
    assert seen.count("PATCH") >= 4 and "HEAD" in seen  # a chunk dropped, the offset asked, resumed
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
