"""The pages in every shipped language, in headless Chromium at phone sizes, served by the hub:
translated (no English interface words left), fitting, with big enough targets; the language
switch, the phone's own language, share's copy fallback, and curator texts in other scripts."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import requests
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tests.viewers import BASE_URL, CHROMIUM, Gallery, open_gallery
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.i18n import LANGUAGES, gettext
from urbanart.library import catalog
from urbanart.library.settings import update_settings
from urbanart.library.vocabulary import SOURCE_TYPES, disclosure
from urbanart.viewers.site import artist_path

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set URBANART_CHROMIUM)",
)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

SIZES = {"390x844": (390, 844), "320x640": (320, 640)}
RETIRED = "Signal"
#: A work whose base texts are Japanese, with a right-to-left (Hebrew) alt text.
JA_TITLE = "夜の港の灯り"
JA_DESCRIPTION = "冬の夜の散歩で描いた港の灯り。\n\n円は港のランプです。"
RTL_ALT = "פסים כתומים של אור מעל נמל כחול כהה"
SHOTS = Path(os.environ.get("URBANART_SHOTS", "")) if os.environ.get("URBANART_SHOTS") else None


@dataclass
class Served:
    gallery: Gallery
    url: str
    shots: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample gallery, "Harbour Lights" retitled in Japanese with a Hebrew alt text,
    published for the real clock; then one work retired (its pages answer 410)."""
    folder = tmp_path_factory.mktemp("languages")
    gallery = open_gallery(folder / "library")
    library = gallery.library
    try:
        catalog.edit_artwork(
            library,
            gallery.works["Harbour Lights"],
            title=JA_TITLE,
            description=JA_DESCRIPTION,
            alt_text=RTL_ALT,
        )
        update_settings(library, public_base_url=BASE_URL)
        publish(library)
        catalog.edit_artwork(library, gallery.works[RETIRED], status="archived")
        publish(library, now=datetime.now(UTC) + timedelta(seconds=1))
        with HubThread(library) as hub:
            yield Served(gallery, hub.url.rstrip("/"), SHOTS or folder / "screenshots")
    finally:
        library.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    contexts = []

    def make(size: tuple[int, int] = (390, 844), **options: Any) -> Any:
        context = browser.new_context(viewport={"width": size[0], "height": size[1]}, **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def catalogue(lang: str) -> Catalog:
    """The language's catalogue as shipped (the .po file in the package)."""
    po = resources.files("urbanart.i18n").joinpath("locale", lang, "LC_MESSAGES", "messages.po")
    with po.open("rb") as f:
        return read_po(f, locale=lang)


def _words(messages: Any) -> set[str]:
    words: set[str] = set()
    for message in messages:
        text = re.sub(r"%\(\w+\)[sd]|\{\w+\}", " ", str(message))
        words |= {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}
    return words


def english_words(lang: str) -> set[str]:
    """Words of four letters or more in the catalogue's English messages that the language's
    own translations never use (German says "Format" too): on its pages they are English."""
    english: list[str] = []
    translated: list[str] = []
    for message in catalogue(lang):
        if message.id:
            english += [message.id] if isinstance(message.id, str) else list(message.id)
            translated += [message.string] if isinstance(message.string, str) else message.string
    return _words(english) - _words(translated)


#: The interface's visible text: every text node shown, leaving out names and curator texts
#: (dir="auto": they are data, shown as written) and anything marked as another language.
INTERFACE_TEXT = """() => {
  const page = document.documentElement.lang;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('[dir="auto"], script, style, template, noscript')) continue;
    const marked = el.closest('[lang]');
    if (marked && marked.lang !== page) continue;
    if (!el.checkVisibility()) continue;
    out.push(node.textContent);
  }
  return out.join(" ");
}"""

SMALL_TARGETS = """() => [...document.querySelectorAll('a[href], button, input:not([hidden])')]
    .filter(e => e.checkVisibility() && !e.closest('.skip'))
    .map(e => { const r = e.getBoundingClientRect();
        return [e.outerHTML.slice(0, 90), Math.round(r.width), Math.round(r.height)]; })
    .filter(([, w, h]) => w < 24 || h < 24)"""


def check_page(page: Any, lang: str, project: str = "Urban Art Studio") -> None:
    assert page.evaluate("document.documentElement.lang") == lang, page.url
    width, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= client, f"{page.url}: {width}px of content in a {client}px viewport"
    small = page.evaluate(SMALL_TARGETS)
    assert small == [], f"{page.url}: tap targets under 24 px: {small}"
    if lang != "en":
        shown = page.evaluate(INTERFACE_TEXT).replace(project, " ")
        english = english_words(lang)
        left = {w for w in re.findall(r"[A-Za-z]{4,}", shown) if w.lower() in english}
        left -= {"JavaScript"}  # a name in every language
        assert left == set(), f"{page.url}: English left on the {lang} page: {sorted(left)}"


def lang_pages(served: Served, lang: str) -> list[tuple[str, str, int]]:
    """(name, path, status) of every kind of page, in one language."""
    works = served.gallery.works
    artist = catalog.get_artist(served.gallery.library, "Mara Okafor").id
    return [
        ("artwork", f"/a/{works['Green Arcade']}/{lang}/", 200),
        ("artwork-ja-title", f"/a/{works['Harbour Lights']}/{lang}/", 200),
        ("now-playing", f"/s/{served.gallery.screens['Berlin']}/{lang}/", 200),
        ("artist", f"/{artist_path(artist)}{lang}/", 200),
        ("playlist", f"/p/{served.gallery.playlists['Morning']}/{lang}/", 200),
        ("home", f"/{lang}/", 200),
        ("gone", f"/a/{works[RETIRED]}/{lang}/", 410),
        ("not-found", f"/a/99999/{lang}/", 404),
    ]


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_is_translated_fits_and_has_big_targets(
    served: Served, new_page: Any, lang: str, size: str
) -> None:
    page = new_page(SIZES[size])
    for name, path, status in lang_pages(served, lang):
        response = page.goto(served.url + path, wait_until="load")
        assert response is not None and response.status == status, path
        if name == "now-playing":
            page.wait_for_selector("#live:not([hidden])")
        if name.startswith("artwork"):  # the srcset's paths reach the root from any depth
            image = page.locator("#work-image")
            assert image.evaluate("e => e.complete && e.naturalWidth > 0"), path
            assert image.evaluate("e => e.currentSrc").endswith(".webp"), path
        check_page(page, lang)
        assert page.locator("h1").is_visible()
        if size == "390x844" and (lang in ("ja", "pt") or SHOTS):
            served.shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(served.shots / f"{lang}-{name}.png"), full_page=True)


def test_the_disclosure_is_translated_on_the_now_playing_page(
    served: Served, new_page: Any
) -> None:
    sentences = {disclosure(code) for code in (*SOURCE_TYPES, "undisclosed")}
    page = new_page()
    for lang in LANGUAGES:
        page.goto(f"{served.url}/s/{served.gallery.screens['Berlin']}/{lang}/", wait_until="load")
        page.wait_for_selector("#current:not([hidden])")
        shown = page.locator("#current-ai").inner_text()
        assert shown in {gettext(lang, sentence) for sentence in sentences}
        assert (shown in sentences) == (lang == "en")


def test_share_falls_back_to_copy_in_each_language(served: Served, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.url)
        context.add_init_script("delete Navigator.prototype.share; delete navigator.share;")
        page = context.new_page()
        aid = served.gallery.works["Green Arcade"]
        for lang in LANGUAGES:
            page.goto(f"{served.url}/a/{aid}/{lang}/", wait_until="load")
            page.get_by_role("button", name=gettext(lang, "Share")).click()
            copied = gettext(lang, "Link copied")
            page.locator(".share-status").filter(has_text=copied).wait_for(timeout=5000)
            assert page.evaluate("navigator.clipboard.readText()") == f"{BASE_URL}/a/{aid}/{lang}/"
    finally:
        context.close()


def test_the_switch_moves_to_a_language_and_the_phone_remembers_it(
    served: Served, new_page: Any
) -> None:
    aid = served.gallery.works["Green Arcade"]
    page = new_page(locale="en-US")
    page.goto(f"{served.url}/a/{aid}/", wait_until="load")
    assert page.evaluate("document.documentElement.lang") == "en"
    switch = page.locator("nav.languages a")
    assert switch.count() == len(LANGUAGES)
    assert page.locator('link[rel="alternate"][hreflang]').count() == len(LANGUAGES) + 1
    page.locator('nav.languages a[hreflang="ja"]').click()
    page.wait_for_url(f"**/a/{aid}/ja/")
    assert page.evaluate("document.documentElement.lang") == "ja"
    assert page.locator("h1").inner_text() == "Green Arcade"  # a title is not translated
    assert page.locator(".fact-license dt").inner_text() == gettext("ja", "License")
    # The base page (the QR code's address) now opens in the language picked, not the browser's.
    page.goto(f"{served.url}/a/{aid}/", wait_until="load")
    page.wait_for_url(f"**/a/{aid}/ja/")
    # A link from a language version stays in that language.
    page.locator(".part-of a").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/ja/") and page.evaluate("document.documentElement.lang") == "ja"


@pytest.mark.parametrize(
    ("locale", "expected"), [("de-DE", "de"), ("pt-BR", "pt"), ("ko-KR", "en")]
)
def test_the_phones_language_picks_the_version_of_the_base_page(
    served: Served, new_page: Any, locale: str, expected: str
) -> None:
    aid = served.gallery.works["Green Arcade"]
    page = new_page(locale=locale)
    page.goto(f"{served.url}/a/{aid}/", wait_until="load")
    if expected != "en":
        page.wait_for_url(f"**/a/{aid}/{expected}/")
    else:
        page.wait_for_timeout(300)
        assert page.url.endswith(f"/a/{aid}/")
    assert page.evaluate("document.documentElement.lang") == expected
    # The screen's page too (its own language is the default when the phone's is not offered).
    sid = served.gallery.screens["Tokyo"]
    page.goto(f"{served.url}/s/{sid}/", wait_until="load")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.lang") == expected


def test_japanese_texts_and_a_right_to_left_alt_text_render_with_their_language_and_direction(
    served: Served, new_page: Any
) -> None:
    aid = served.gallery.works["Harbour Lights"]
    page = new_page()
    for lang in LANGUAGES:
        page.goto(f"{served.url}/a/{aid}/{lang}/", wait_until="load")
        title = page.locator("h1.title")
        assert title.inner_text() == JA_TITLE
        assert title.get_attribute("dir") == "auto"
        description = page.locator(".description")
        assert description.get_attribute("dir") == "auto"
        assert description.locator("p").first.inner_text() == JA_DESCRIPTION.split("\n\n")[0]
        # The placeholder library gives base texts only, tagged with the base language: on
        # any other page they carry lang="en"; on the English page no lang of their own.
        text_lang = title.get_attribute("lang")
        assert text_lang == (None if lang == "en" else "en")
        image = page.locator("#work-image")
        assert image.get_attribute("alt") == RTL_ALT
        assert image.get_attribute("dir") == "rtl"
        assert image.evaluate("e => e.matches(':dir(rtl)')")
        assert not title.evaluate("e => e.matches(':dir(rtl)')")
        check_page(page, lang)
    served.shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(served.shots / "ja-title-rtl-alt.png"), full_page=True)


def test_the_hub_answers_errors_in_the_urls_or_the_browsers_language(served: Served) -> None:
    gone_id = served.gallery.works[RETIRED]
    r = requests.get(f"{served.url}/a/{gone_id}/fi/", timeout=10)
    assert r.status_code == 410 and '<html lang="fi"' in r.text
    assert gettext("fi", "This work is no longer showing") in r.text
    r = requests.get(
        f"{served.url}/a/{gone_id}/", headers={"Accept-Language": "ja,en;q=0.5"}, timeout=10
    )
    assert r.status_code == 410 and '<html lang="ja"' in r.text
    r = requests.get(
        f"{served.url}/no/such/page", headers={"Accept-Language": "pt-BR, en;q=0.8"}, timeout=10
    )
    assert r.status_code == 404 and '<html lang="pt"' in r.text
    assert gettext("pt", "Page not found") in r.text
    r = requests.get(f"{served.url}/no/such/page", headers={"Accept-Language": "ko"}, timeout=10)
    assert r.status_code == 404 and '<html lang="en"' in r.text
