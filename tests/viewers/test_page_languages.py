"""The published pages in each language, read from a real tree: the curator's texts in the page's
language with a marked fallback that is never empty, a screen's page in the screen's language,
and durations and dates written as each language writes them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest

from tests.viewers import BASE_URL, open_gallery
from tests.viewers.test_pages import NOW, Page, Published, payloads_of
from urbanart.curation import screens
from urbanart.delivery.publisher import publish
from urbanart.delivery.screen_inputs import screen_rows
from urbanart.i18n import LANGUAGES, format_duration, format_zone, gettext
from urbanart.library import translations
from urbanart.library.library import current_tree
from urbanart.library.settings import update_settings
from urbanart.viewers.site import build_viewers

JA_TITLE = "港の灯り"
JA_ALT = "暗い青の港に橙色の光の帯"
JA_BIO = "水とコンクリートに落ちる光を描く。"
BASE_DESCRIPTION = "Painted over one winter of night walks."
BASE_BIO = "Mara Okafor paints light as it falls on water and concrete."


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """The sample gallery with "Harbour Lights" given a Japanese title and alt text (no
    Japanese description), the artist a Japanese bio, and Tokyo speaking ja then en."""
    folder = tmp_path_factory.mktemp("page-languages")
    gallery = open_gallery(folder / "library")
    library = gallery.library
    try:
        translations.set_artwork_texts(
            library, gallery.works["Harbour Lights"], "ja", title=JA_TITLE, alt_text=JA_ALT
        )
        translations.set_artist_bio(library, "Mara Okafor", "ja", JA_BIO)
        screens.edit_screen(library, gallery.screens["Tokyo"], language="ja,en")
        update_settings(library, public_base_url=BASE_URL)
        publish(library, now=NOW)
        root = current_tree(library)
        yield Published(gallery, root, payloads_of(root))
    finally:
        library.close()


def tag(page: Page, name: str, css_class: str) -> dict[str, str | None]:
    (found,) = [a for t, a in page.tags if t == name and css_class in (a.get("class") or "")]
    return found


def image(page: Page) -> dict[str, str | None]:
    (found,) = [a for a in page.all("img") if a.get("id") == "work-image"]
    return found


def test_a_work_shows_the_curators_texts_in_the_pages_language_and_marks_a_fallback(
    site: Published,
) -> None:
    aid = site.gallery.works["Harbour Lights"]
    _, ja = site.page(f"a/{aid}/ja/index.html")
    assert ja.text("h1") == JA_TITLE
    assert tag(ja, "h1", "title").get("lang") is None  # in the page's own language
    assert image(ja)["alt"] == JA_ALT and image(ja).get("lang") is None
    # No Japanese description: the base one, never an empty field, marked as English.
    assert ja.text(".description").startswith(BASE_DESCRIPTION)
    description = tag(ja, "div", "description")
    assert (description.get("lang"), description.get("dir")) == ("en", "auto")
    for lang in LANGUAGES:
        if lang == "ja":
            continue
        _, other = site.page(f"a/{aid}/{lang}/index.html")
        assert other.text("h1") == "Harbour Lights", lang
        assert tag(other, "h1", "title").get("lang") == (None if lang == "en" else "en")
        assert image(other)["alt"], lang  # the base alt text, not the Japanese one
        assert image(other)["alt"] != JA_ALT
        assert other.text(".description").startswith(BASE_DESCRIPTION)
    # A work without any alt text is still named, in the page's language.
    green = site.gallery.works["Green Arcade"]
    for lang in LANGUAGES:
        _, page = site.page(f"a/{green}/{lang}/index.html")
        expected = gettext(lang, "{title}, an artwork by {artist}").format(
            title="Green Arcade", artist="Mara Okafor"
        )
        assert image(page)["alt"] == expected


def test_the_artist_page_shows_the_bio_in_its_language_or_the_base_one(site: Published) -> None:
    aid = site.gallery.works["Harbour Lights"]
    _, artwork = site.page(f"a/{aid}/index.html")
    (link,) = [a["href"] for a in artwork.all("a") if "artist-link" in (a.get("class") or "")]
    folder = (link or "").removeprefix("../../")
    for lang in LANGUAGES:
        text, page = site.page(f"{folder}{lang}/index.html")
        assert page.text("h1") == "Mara Okafor"
        if lang == "ja":
            assert JA_BIO in page.text(".description") and BASE_BIO not in text
            assert 'lang="en"' not in text.split('class="description"')[1].split(">")[0]
        else:
            assert BASE_BIO in page.text(".description") and JA_BIO not in text
    # The artwork page's "About the artist" takes the same bio.
    assert JA_BIO in site.page(f"a/{aid}/ja/index.html")[0]
    assert JA_BIO not in site.page(f"a/{aid}/pt/index.html")[0]


def test_a_screens_own_page_is_in_the_screens_first_language(site: Published) -> None:
    tokyo, berlin = site.gallery.screens["Tokyo"], site.gallery.screens["Berlin"]
    assert '<html lang="ja"' in site.page(f"s/{tokyo}/index.html")[0]
    assert '<html lang="en"' in site.page(f"s/{berlin}/index.html")[0]
    # Every language version is there too, each in its language.
    for lang in LANGUAGES:
        assert f'<html lang="{lang}"' in site.page(f"s/{tokyo}/{lang}/index.html")[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_durations_and_times_on_pages_are_written_the_languages_way(
    site: Published, lang: str
) -> None:
    evening = site.gallery.playlists["Evening"]
    _, playlist = site.page(f"p/{evening}/{lang}/index.html")
    assert format_duration(30, lang) in playlist.text(".meta")
    text, _ = site.page(f"a/{site.gallery.works['Harbour Lights']}/{lang}/index.html")
    # A row's time is the script's (artwork.js, in the page's language, where.py): the page
    # holds an empty <time> and, after it, the screen's zone in the language's words.
    when = r'data-screen="(\d+)".*?<time></time>([^<]*)</span>'
    rows = re.findall(when, text, re.S)
    assert len(rows) == 2, "both screens are listed, with no time built at publish"
    for sid, after in rows:
        name = site.payloads[int(sid)]["screen"]["timezone"]
        assert format_zone(name, lang) in unescape(after) and name not in after


def test_the_screens_rows_a_publish_read_give_the_pages_the_library_gives(
    site: Published,
) -> None:
    """build_viewers takes the screens' cities and languages from the rows the publisher's
    plan read (screens=...) instead of reading them again: the very same files."""
    library = site.gallery.library
    rows = screen_rows(library)
    assert any(row.city for row in rows) and any(row.second_language for row in rows)
    given = build_viewers(library, site.payloads, base_url=BASE_URL, screens=rows).files
    assert given == build_viewers(library, site.payloads, base_url=BASE_URL).files
