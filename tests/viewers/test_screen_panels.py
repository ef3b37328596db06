"""A screen page's playlists (its no-script list) kept by what they show (screen_panels.py):
a panel is made again exactly when something it shows changes, and the page is byte for byte
what a build without cache gives."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.viewers import BASE_URL, open_gallery
from tests.viewers.test_pages import NOW, Published, make_published
from urbanart.delivery.publisher import publish
from urbanart.i18n import LANGUAGES
from urbanart.library import translations
from urbanart.library.library import current_tree
from urbanart.viewers.output_cache import OutputCache
from urbanart.viewers.page_units import page_files
from urbanart.viewers.site import build_viewers

PANEL = b'    <section class="panel">'
KEPT = "<!-- kept panel -->"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    gallery = open_gallery(tmp_path_factory.mktemp("panels") / "library")
    try:
        yield make_published(gallery)
    finally:
        gallery.library.close()


def edited(
    payloads: dict[int, dict[str, Any]], sid: int, pid: str, change: Callable[[dict], None]
) -> dict[int, dict[str, Any]]:
    """The payloads with one playlist of one screen's manifest changed (a new manifest)."""
    payload = copy.deepcopy(payloads[sid])
    change(payload["playlists"][pid])
    payload["manifest_version"] += "-edited"
    return {**payloads, sid: payload}


def rename_playlist(playlist: dict[str, Any]) -> None:
    playlist["name"] = "Renamed Playlist"


def rename_first_artist(playlist: dict[str, Any]) -> None:
    playlist["items"][0]["artist"] = "Renamed Artist"


def panels(page: bytes) -> list[str]:
    """The page's playlist panels, in order."""
    text = page.decode("utf-8")
    section = text[text.index("<noscript>") : text.index("</noscript>")]
    return section.split('<section class="panel">')[1:]


def panel_keys(outputs: OutputCache) -> list[str]:
    stored = outputs.keys()  # every key, kept and new
    return [key for key in stored if (outputs.get(key, count=False) or b"").startswith(PANEL)]


def a_screen_with_playlists(site: Published) -> tuple[int, str]:
    """A screen whose manifest holds two playlists or more, and its first playlist."""
    for sid, payload in sorted(site.payloads.items()):
        if len(payload["playlists"]) >= 2:
            return sid, sorted(payload["playlists"], key=int)[0]
    raise AssertionError("the gallery has no screen with two playlists")


@pytest.mark.parametrize(
    ("change", "shown"),
    [(rename_playlist, "Renamed Playlist"), (rename_first_artist, "Renamed Artist")],
    ids=["playlist-name", "artist-name"],
)
def test_a_panel_is_made_again_exactly_when_what_it_shows_changes(
    site: Published, tmp_path: Path, change: Callable[[dict], None], shown: str
) -> None:
    library = site.gallery.library
    sid, pid = a_screen_with_playlists(site)
    count = len(site.payloads[sid]["playlists"])
    after = edited(site.payloads, sid, pid, change)
    fresh = build_viewers(library, after, base_url=BASE_URL)
    with OutputCache.in_home(tmp_path) as cache:
        build_viewers(library, site.payloads, base_url=BASE_URL, outputs=cache)
        cache.flush()
        # Every kept panel is marked: a panel taken from the cache shows the mark, one made
        # again does not.
        for key in panel_keys(cache):
            cache.put(key, (cache.get(key) or b"").replace(PANEL, PANEL + KEPT.encode()))
        cache.flush()
        marked = build_viewers(library, after, base_url=BASE_URL, outputs=cache)
    pages = page_files(f"s/{sid}/")
    assert len(pages) == 1 + len(LANGUAGES)
    for path in pages:
        made = panels(marked.files[path])
        assert len(made) == count, path
        again = [p for p in made if KEPT not in p]
        assert len(again) == 1 and shown in again[0], path  # the edited playlist's, only
        assert marked.files[path].replace(KEPT.encode(), b"") == fresh.files[path], path


def test_an_unchanged_panel_is_the_bytes_a_build_without_cache_gives(
    site: Published, tmp_path: Path
) -> None:
    """Renaming the screen rebuilds its pages, every panel taken from the cache: the pages
    (cold cache, then warm in a new process's cache object) are those made without one."""
    library = site.gallery.library
    sid, _pid = a_screen_with_playlists(site)
    payload = copy.deepcopy(site.payloads[sid])
    payload["screen"]["name"] = "Renamed Screen"
    payload["manifest_version"] += "-renamed"
    after = {**site.payloads, sid: payload}
    fresh = build_viewers(library, after, base_url=BASE_URL)
    with OutputCache.in_home(tmp_path) as cache:
        cold = build_viewers(library, site.payloads, base_url=BASE_URL, outputs=cache)
        cache.flush()
        made = len(panel_keys(cache))
    with OutputCache.in_home(tmp_path) as cache:
        warm = build_viewers(library, after, base_url=BASE_URL, outputs=cache)
        assert len(panel_keys(cache)) == made  # no panel made again
    plain = build_viewers(library, site.payloads, base_url=BASE_URL)
    for path in page_files(f"s/{sid}/"):
        assert cold.files[path] == plain.files[path], path
        assert warm.files[path] == fresh.files[path], path
        assert b"Renamed Screen" in warm.files[path]


def page_links(page: bytes) -> tuple[list[str], list[str]]:
    """The tree paths a screen page links works, artists and playlists by: in its no-script
    list (hrefs, without the way up to the root) and in its works (the script's data)."""
    text = page.decode("utf-8")
    section = text[text.index("<noscript>") : text.index("</noscript>")]
    listed = [
        href.rsplit("../", 1)[-1]
        for href in re.findall(r'href="([^"]+)"', section)
        if re.search(r"(^|/)(a|p|artists)/\d+/", href)
    ]
    start = text.index('<script type="application/json" id="works">')
    data = json.loads(text[text.index(">", start) + 1 : text.index("</script>", start)])
    script = [playlist["url"] for playlist in data["playlists"].values()]
    for entry in data["works"].values():
        script += [entry["url"], *([entry["artist_url"]] if entry["artist_url"] else [])]
    return listed, script


def test_each_version_of_a_screen_page_links_to_pages_in_its_own_language(
    site: Published,
) -> None:
    """The screen's playlists and works are shared by its page's versions (and by other
    screens' pages), but each version links the same language's pages: the default page the
    default pages (which pick the visitor's language again)."""
    sid, _pid = a_screen_with_playlists(site)
    for lang in (None, *LANGUAGES):
        path = f"s/{sid}/{lang}/index.html" if lang else f"s/{sid}/index.html"
        listed, script = page_links((site.root / path).read_bytes())
        assert listed and script, path
        suffix = f"{lang}/" if lang else ""
        for link in (*listed, *script):
            assert re.fullmatch(rf"(a|p|artists)/\d+/{suffix}", link), (path, link)


def test_a_translated_title_reaches_every_screen_page_in_that_language(tmp_path: Path) -> None:
    """A playlist's entries and panels are kept between publishes of one process by what they
    are made from, which is more than the manifest holds: a title given in Japanese changes no
    manifest of a screen that speaks no Japanese, yet each screen's Japanese page names the
    work by it, in its script's works and in its list."""
    gallery = open_gallery(tmp_path / "library")
    try:
        published = make_published(gallery)
        work = gallery.works["Green Arcade"]
        showing = [
            sid
            for sid, payload in published.payloads.items()
            if any(
                item["artwork_id"] == work
                for playlist in payload["playlists"].values()
                for item in playlist["items"]
            )
        ]
        assert showing
        translations.set_artwork_texts(gallery.library, work, "ja", title="緑のアーケード")
        publish(gallery.library, now=NOW)
        root = current_tree(gallery.library)
        for sid in showing:
            page = (root / f"s/{sid}/ja/index.html").read_text("utf-8")
            noscript = page[page.index("<noscript>") : page.index("</noscript>")]
            programme = page[page.index('id="works"') : page.index("</script>")]
            assert "緑のアーケード" in noscript and "緑のアーケード" in programme, sid
    finally:
        gallery.library.close()
