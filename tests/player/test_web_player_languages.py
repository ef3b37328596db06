"""The web player's fixed words in the screen's language: the AI disclosure under the credit and
its notices, from player/strings.json (published from the catalogues), in real Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.viewers import BASE_URL, Gallery, build_gallery
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.i18n import gettext
from urbanart.library.library import Library, current_tree
from urbanart.library.models import Screen
from urbanart.library.settings import update_settings
from urbanart.viewers.player_strings import NOTICES

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing")
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gallery, str, str]]:
    folder = tmp_path_factory.mktemp("player-languages")
    library = Library.open(folder / "library")
    try:
        gallery = build_gallery(library, folder / "sources")
        update_settings(library, public_base_url=BASE_URL)
        publish(library, now=datetime.now(UTC))
        with library.session() as session:
            token = session.get(Screen, gallery.screens["Berlin"]).poll_token  # type: ignore[union-attr]
        with HubThread(library) as hub:
            yield gallery, hub.url, token
    finally:
        library.close()


@pytest.fixture(scope="module")
def browser(served: Any) -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def shown_disclosure(page: Any) -> tuple[str, str, str]:
    """(the item's English disclosure, the text on screen, its lang) once a work is up."""
    page.wait_for_function(
        "() => { const s = window.urbanartPlayer.state(); return s.itemId !== null && "
        "!document.querySelector('#overlay').hidden && "
        "document.querySelector('#disclosure').textContent !== ''; }",
        timeout=15000,
    )
    return page.evaluate(
        "() => { const s = window.urbanartPlayer.state(); const d = "
        "document.querySelector('#disclosure'); return [s.itemId, d.textContent, d.lang]; }"
    )


@pytest.mark.parametrize(("query", "lang"), [("&lang=ja,en", "ja"), ("&lang=ko,de", "de")])
def test_the_disclosure_is_shown_in_the_screens_language(
    served: Any, browser: Any, query: str, lang: str
) -> None:
    gallery, url, token = served
    manifest = json.loads(
        (current_tree(gallery.library) / "screens" / token / "manifest.json").read_bytes()
    )
    payload = json.loads(manifest["payload"])
    english = {
        item["item_id"]: item["ai_disclosure"]
        for playlist in payload["playlists"].values()
        for item in playlist["items"]
    }
    context = browser.new_context(viewport={"width": 640, "height": 360}, locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{url}player/index.html?token={token}{query}")
        item_id, text, text_lang = shown_disclosure(page)
        assert text == gettext(lang, english[item_id]) != english[item_id]
        assert text_lang == lang
        assert page.evaluate("document.documentElement.lang") == lang
        alt = page.evaluate("document.querySelector('#qr').alt")
        assert alt.startswith(gettext(lang, NOTICES["qr_alt"]).split("{")[0])
    finally:
        context.close()


def test_without_a_language_the_device_language_is_used_and_notices_follow(
    served: Any, browser: Any
) -> None:
    _, url, _ = served
    context = browser.new_context(locale="pt-PT")
    try:
        page = context.new_page()
        page.goto(f"{url}player/index.html")  # no token: the notice says what to add
        page.wait_for_selector("#notice:not([hidden])")
        assert page.locator("#notice").inner_text() == gettext("pt", NOTICES["no_token"])
        assert page.evaluate("document.documentElement.lang") == "pt"
    finally:
        context.close()
