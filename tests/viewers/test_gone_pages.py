"""Pages for what is gone: a retired work answers 410 with a page, an unknown one 404, from the
hub and from the static tree's 404.html; the tree remembers retired ids across publishes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.viewers import BASE_URL, XSS_TITLE, Gallery, open_gallery
from tests.viewers.test_pages import make_published
from urbanart.curation import playlists, screens
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.i18n import gettext
from urbanart.library import catalog
from urbanart.library.library import current_tree
from urbanart.library.settings import update_settings
from urbanart.viewers import gone, site
from urbanart.viewers.site import build_viewers

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@dataclass
class Retired:
    gallery: Gallery
    url: str
    root: Path  # the tree served after the work was retired and another change published
    retired_id: int
    retired_screen: int  # "Lisbon Wall", removed with the second publish
    retired_playlist: int  # "Lisbon Nights", played by Lisbon alone: gone with it


@pytest.fixture(scope="module")
def retired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Retired]:
    """The gallery and a Lisbon screen with its own playlist published, then "Signal" archived
    and Lisbon removed and published, then a title changed and published again (the record must
    survive a release that retired nothing new)."""
    folder = tmp_path_factory.mktemp("gone")
    gallery = open_gallery(folder / "library")
    library = gallery.library
    try:
        nights = playlists.create_playlist(library, "Lisbon Nights")
        playlists.add_items(library, nights.id, [gallery.works["Harbour Lights"]])
        lisbon = screens.add_screen(
            library, "Lisbon Wall", tz="Europe/Lisbon", size="640x360", default_playlist=nights.id
        )
        update_settings(library, public_base_url=BASE_URL)
        publish(library, now=NOW)
        signal = gallery.works["Signal"]
        for page in (f"a/{signal}", f"s/{lisbon.id}", f"p/{nights.id}"):
            assert (current_tree(library) / page / "index.html").is_file()
        catalog.edit_artwork(library, signal, status="archived")
        screens.remove_screen(library, lisbon.id)
        publish(library, now=NOW + timedelta(minutes=1))
        catalog.edit_artwork(library, gallery.works["Green Arcade"], title="Green Arcade II")
        publish(library, now=NOW + timedelta(minutes=2))
        with HubThread(library) as hub:
            yield Retired(
                gallery, hub.url.rstrip("/"), current_tree(library), signal, lisbon.id, nights.id
            )
    finally:
        library.close()


def test_a_retired_work_answers_410_with_a_page_in_the_sites_style(retired: Retired) -> None:
    for path in (f"/a/{retired.retired_id}/", f"/a/{retired.retired_id}", "/qr/a/{}.svg"):
        r = requests.get(retired.url + path.format(retired.retired_id), timeout=10)
        assert r.status_code == 410, path
        assert r.headers["content-type"].startswith("text/html")
        assert "This work is no longer showing" in r.text
        assert "<style>" in r.text and "--accent" in r.text  # the site's own stylesheet
        berlin = retired.gallery.screens["Berlin"]
        assert f'href="{BASE_URL}/s/{berlin}/"' in r.text  # what is on now
        assert f'href="{BASE_URL}/"' in r.text  # the project's home
    head = requests.head(f"{retired.url}/a/{retired.retired_id}/", timeout=10)
    assert head.status_code == 410 and head.content == b""


@pytest.mark.parametrize(
    ("kind", "heading"),
    [("p", "This playlist is no longer showing"), ("s", "This screen is no longer showing art")],
)
def test_a_retired_playlist_or_screen_answers_410_with_its_page(
    retired: Retired, kind: str, heading: str
) -> None:
    ident = retired.retired_playlist if kind == "p" else retired.retired_screen
    for path in (f"/{kind}/{ident}/", f"/{kind}/{ident}/pt/", f"/qr/{kind}/{ident}.png"):
        r = requests.get(retired.url + path, timeout=10)
        assert r.status_code == 410, path
        assert r.headers["content-type"].startswith("text/html")
        lang = "pt" if "/pt/" in path else "en"
        assert f'<html lang="{lang}"' in r.text
        assert gettext(lang, heading) in r.text, path
    # The work the retired playlist and screen showed is still showing elsewhere.
    harbour = retired.gallery.works["Harbour Lights"]
    assert requests.get(f"{retired.url}/a/{harbour}/", timeout=10).status_code == 200


def test_an_unknown_page_is_404_with_the_trees_404_page(retired: Retired) -> None:
    never = max(retired.gallery.works.values()) + 100
    served = (retired.root / gone.NOT_FOUND_PAGE).read_bytes()
    for path in (f"/a/{never}/", "/p/999/", "/s/999/", "/nothing/here"):
        r = requests.get(retired.url + path, timeout=10)
        assert r.status_code == 404, path
        assert r.content == served
        assert "Page not found" in r.text
    # An approved work that is on no published playlist never had a page: 404, not 410.
    unlisted = retired.gallery.works["Unlisted"]
    assert requests.get(f"{retired.url}/a/{unlisted}/", timeout=10).status_code == 404


def test_machine_paths_keep_the_one_json_404(retired: Retired) -> None:
    for path in ("/screens/not-a-token/manifest.json", "/media/00/none.jpg", "/keys/x.pub"):
        r = requests.get(retired.url + path, timeout=10)
        assert r.status_code == 404
        assert r.content == b'{"error":"not found"}'


def test_the_tree_remembers_retired_ids_across_publishes(retired: Retired) -> None:
    record = json.loads((retired.root / gone.GONE_RECORD).read_bytes())
    assert record["a"] == [retired.retired_id]
    assert record["p"] == [retired.retired_playlist] and record["s"] == [retired.retired_screen]
    assert not (retired.root / "a" / str(retired.retired_id)).exists()
    # The release that made the record has the change of title: it was really rebuilt.
    arcade = retired.gallery.works["Green Arcade"]
    assert "Green Arcade II" in (retired.root / "a" / str(arcade) / "index.html").read_text()


def test_every_page_links_the_favicon_and_the_tree_has_it(retired: Retired) -> None:
    icon = (retired.root / "favicon.svg").read_text()
    assert icon.startswith("<svg") and "viewBox" in icon
    home, missing = retired.root / "index.html", retired.root / gone.NOT_FOUND_PAGE
    pages = [*retired.root.glob("*/*/index.html"), home, missing]
    assert len(pages) > 5
    for page in pages:
        assert 'rel="icon"' in page.read_text() and "favicon.svg" in page.read_text(), page
    r = requests.get(retired.url + "/favicon.svg", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"


def test_the_home_page_lists_the_screens_and_escapes_names(retired: Retired) -> None:
    r = requests.get(retired.url + "/", timeout=10)
    assert r.status_code == 200
    for sid in retired.gallery.screens.values():
        assert f'href="s/{sid}/"' in r.text
    assert XSS_TITLE not in r.text


def test_retired_ids_are_what_had_a_page_or_was_remembered_and_has_none_now() -> None:
    previous = ["a/1/index.html", "a/2/index.html", "p/5/index.html", "qr/a/1.svg", "s/3/x.json"]
    record = gone.record_bytes({"a": [9], "s": [4]})
    ids = gone.retired(previous, record, {"a": [2, 9], "p": [], "s": [4]})
    assert ids == {"a": [1], "p": [5], "s": []}  # 9 and 4 came back; s/3 had no page
    assert gone.read_record(b"not json") == {k: frozenset() for k in gone.KINDS}
    assert gone.named_page("/qr/p/5.png") == ("p", 5)
    assert gone.named_page("/a/5/other.html") is None


def test_a_build_retires_what_its_served_release_had_whichever_build_made_it(
    tmp_path: Path,
) -> None:
    """A build whose served release a build of this process made (site._BUILT_PAGES) retires
    what that release had a page for, as one that reads the release's files does: a screen
    gone since is retired, and a release made by an earlier build is matched to that build,
    not to the latest."""
    gallery = open_gallery(tmp_path / "library")
    try:
        published = make_published(gallery)
        library, payloads = gallery.library, published.payloads
        first = build_viewers(library, payloads, base_url=BASE_URL)
        release = {p: hashlib.sha256(b).hexdigest() for p, b in first.files.items()}
        gone_sid = max(payloads)
        fewer = {sid: p for sid, p in payloads.items() if sid != gone_sid}

        def after_first() -> dict[str, list[int]]:
            built = build_viewers(
                library,
                fewer,
                base_url=BASE_URL,
                previous_files=release,
                previous_inputs=first.inputs,
            )
            return json.loads(built.files[gone.GONE_RECORD])

        assert after_first()["s"] == [gone_sid]  # the first build's pages, remembered
        assert after_first()["s"] == [gone_sid]  # the latest build is not the release's
        site._BUILT_PAGES.clear()
        assert after_first()["s"] == [gone_sid]  # the release's files read
    finally:
        gallery.library.close()
