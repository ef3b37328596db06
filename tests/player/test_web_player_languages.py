"""The web player's fixed words in the screen's language: the AI disclosure under the credit and
its notices, from player/strings.json (published from the catalogues), in real Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.browsers import shared_playwright
from tests.player import wait_served
from tests.viewers import BASE_URL, Gallery, open_gallery
from urbanart.curation.screens import edit_screen
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.i18n import gettext
from urbanart.library.library import current_tree
from urbanart.library.models import Screen
from urbanart.library.settings import update_settings
from urbanart.viewers.player_strings import NOTICES

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing")
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gallery, str, str]]:
    folder = tmp_path_factory.mktemp("player-languages")
    gallery = open_gallery(folder / "library")
    library = gallery.library
    try:
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
    with shared_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def shown_disclosure(page: Any) -> tuple[int, str, str]:
    """(the item on screen, the disclosure's text, its lang) once a work is up, read at one
    instant (a new item may come between two reads)."""
    handle = page.wait_for_function(
        "() => { const s = window.urbanartPlayer.state(); const d = "
        "document.querySelector('#disclosure'); return s.itemId !== null && "
        "!document.querySelector('#overlay').hidden && d.textContent !== '' && "
        "[s.itemId, d.textContent, d.lang]; }",
        timeout=15000,
    )
    item_id, text, lang = handle.json_value()
    return item_id, text, lang


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


@pytest.fixture(scope="module")
def japanese(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gallery, str, str]]:
    """A gallery whose Berlin screen speaks ja,en (its manifest names them), served."""
    folder = tmp_path_factory.mktemp("player-screen-languages")
    gallery = open_gallery(folder / "library")
    library = gallery.library
    try:
        update_settings(library, public_base_url=BASE_URL)
        edit_screen(library, gallery.screens["Berlin"], language="ja,en")
        publish(library, now=datetime.now(UTC))
        with library.session() as session:
            token = session.get(Screen, gallery.screens["Berlin"]).poll_token  # type: ignore[union-attr]
        with HubThread(library) as hub:
            yield gallery, hub.url, token
    finally:
        library.close()


def _english(gallery: Gallery, token: str) -> tuple[dict[str, Any], dict[int, str]]:
    """The served payload and each item's English disclosure."""
    envelope = json.loads(
        (current_tree(gallery.library) / "screens" / token / "manifest.json").read_bytes()
    )
    payload = json.loads(envelope["payload"])
    english = {
        item["item_id"]: item["ai_disclosure"]
        for playlist in payload["playlists"].values()
        for item in playlist["items"]
    }
    return payload, english


@pytest.mark.parametrize(("locale", "query", "lang"), [
    ("en-US", "", "ja"),  # no ?lang=: the screen's languages, not the device's
    ("pt-PT", "", "ja"),
    ("en-US", "&lang=de", "de"),  # ?lang= still wins over the screen's languages
])  # fmt: skip
def test_the_screens_languages_from_the_manifest_pick_the_disclosures_language(
    japanese: Any, browser: Any, locale: str, query: str, lang: str
) -> None:
    gallery, url, token = japanese
    payload, english = _english(gallery, token)
    assert payload["screen"]["languages"] == ["ja", "en"]
    context = browser.new_context(viewport={"width": 640, "height": 360}, locale=locale)
    try:
        page = context.new_page()
        page.goto(f"{url}player/index.html?token={token}{query}")
        item_id, text, text_lang = shown_disclosure(page)
        assert text == gettext(lang, english[item_id]) != english[item_id]
        assert text_lang == lang
        assert page.evaluate("document.documentElement.lang") == lang
    finally:
        context.close()


def test_a_new_manifest_with_other_languages_changes_the_words_on_screen(
    japanese: Any, browser: Any
) -> None:
    gallery, url, token = japanese
    context = browser.new_context(viewport={"width": 640, "height": 360}, locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{url}player/index.html?token={token}")
        shown_disclosure(page)
        assert page.evaluate("document.documentElement.lang") == "ja"
        edit_screen(gallery.library, gallery.screens["Berlin"], language="de")
        try:
            publish(gallery.library, now=datetime.now(UTC))
            _, english = _english(gallery, token)
            path = current_tree(gallery.library) / "screens" / token / "manifest.json"
            wait_served(f"{url}screens/{token}/manifest.json", path.read_bytes())
            page.evaluate("window.urbanartPlayer.poll()")
            page.wait_for_function("() => document.documentElement.lang === 'de'", timeout=15000)
            item_id, text, text_lang = shown_disclosure(page)
            assert text == gettext("de", english[item_id]) != english[item_id]
            assert text_lang == "de"
        finally:
            edit_screen(gallery.library, gallery.screens["Berlin"], language="ja,en")
            publish(gallery.library, now=datetime.now(UTC))
    finally:
        context.close()
