"""The viewer pages `publish` writes, read back from published/current of a real library."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image

from tests.published_files import published_files
from tests.viewers import BASE_URL, CONTACT, XSS_TITLE, Gallery, fill_gallery, open_gallery
from urbanart.delivery.publisher import publish
from urbanart.i18n import format_duration
from urbanart.library.library import Library, current_tree, published_root
from urbanart.library.settings import update_settings
from urbanart.library.vocabulary import disclosure, license_url
from urbanart.protocol.envelope import verify_envelope
from urbanart.viewers.pages import http_url, json_for_script, license_label, tree_url
from urbanart.viewers.site import build_viewers, page_sizes

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


class Page(HTMLParser):
    """The parts of a page the tests look at: tags with attributes, texts and script bodies."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.texts: dict[str, list[str]] = {}
        self._open: list[tuple[str, dict[str, str | None]]] = []
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._script, self._script_text = attributes, []
        if tag not in ("meta", "link", "img", "source", "br", "input"):
            self._open.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)
            return
        for tag, attrs in self._open:
            for key in (tag, *(f".{c}" for c in (attrs.get("class") or "").split())):
                self.texts.setdefault(key, []).append(data)

    def text(self, key: str) -> str:
        return " ".join("".join(self.texts.get(key, [])).split())

    def meta(self, prop: str) -> str | None:
        for tag, attrs in self.tags:
            if tag == "meta" and (attrs.get("property") == prop or attrs.get("name") == prop):
                return attrs.get("content")
        return None

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]

    def json_ld(self) -> dict:
        (body,) = [b for a, b in self.scripts if a.get("type") == "application/ld+json"]
        return json.loads(body)


@dataclass
class Published:
    gallery: Gallery
    root: Path
    payloads: dict[int, dict]

    def page(self, path: str) -> tuple[str, Page]:
        text = (self.root / path).read_text("utf-8")
        return text, Page(text)


def payloads_of(root: Path) -> dict[int, dict]:
    public = (root / "keys" / "manifest-signing.pub").read_bytes()
    found = {}
    for path in (root / "screens").glob("*/manifest.json"):
        payload = verify_envelope(path.read_bytes(), public)
        found[payload["screen"]["id"]] = payload
    return found


def make_published(gallery: Gallery) -> Published:
    """The gallery with its public address set, published at NOW."""
    library = gallery.library
    update_settings(library, public_base_url=BASE_URL)
    publish(library, now=NOW)
    root = current_tree(library)
    return Published(gallery, root, payloads_of(root))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """One published gallery for the tests that only read it."""
    gallery = open_gallery(tmp_path_factory.mktemp("viewers") / "library")
    try:
        yield make_published(gallery)
    finally:
        gallery.library.close()


def tree_file(site: Published, url: str) -> Path:
    """The file behind an absolute page-relative or public URL of the tree."""
    path = url.removeprefix(BASE_URL).lstrip("/")
    while path.startswith("../"):
        path = path[3:]
    return site.root / path


# Artwork pages ---------------------------------------------------------------------------------


def test_an_artwork_page_is_a_full_wall_label(site: Published) -> None:
    aid = site.gallery.works["Harbour Lights"]
    text, page = site.page(f"a/{aid}/index.html")
    page_url = f"{BASE_URL}/a/{aid}/"
    assert page.all("html")[0]["lang"] == "en"
    assert page.text(".title") == "Harbour Lights"
    assert page.text(".artist").startswith("Mara Okafor")
    assert "Lagos" in page.text(".artist")
    assert page.text(".year") == "2024"
    assert "one winter of night walks" in page.text(".description")
    assert page.text(".disclosure") == disclosure("digitalCreation")
    licence = [a for a in page.all("a") if a.get("href") == license_url("CC-BY-4.0")]
    assert licence and "noopener" in (licence[0]["rel"] or "")
    assert license_label("CC-BY-4.0") in page.text("dd")
    website = [a for a in page.all("a") if a.get("href") == "https://www.mara-okafor.example/works"]
    assert website and "noopener" in (website[0]["rel"] or "")
    assert "She lives by the sea." in page.text(".about")
    # The image: alt text, intrinsic size, every srcset file in the tree with the work's aspect.
    img, zoomed = page.all("img")  # the page's, and the full-screen view's (widest WebP)
    assert img["alt"] == "Bands of orange light over a dark blue harbour, with five glowing discs."
    assert zoomed["alt"] == img["alt"]
    assert (img["width"], img["height"]) == ("1200", "800")
    assert (zoomed["width"], zoomed["height"]) == ("1600", "1067")
    with Image.open(tree_file(site, zoomed["src"] or "")) as image:
        assert image.format == "WEBP" and image.width == 1600
    (source,) = page.all("source")
    assert source["type"] == "image/webp"
    widths = []
    for candidate in (source["srcset"] or "").split(", "):
        url, width = candidate.split(" ")
        with Image.open(tree_file(site, url)) as image:
            assert image.format == "WEBP" and f"{image.width}w" == width
            assert abs(image.width / image.height - 1.5) < 0.01  # no letterboxing
            widths.append(image.width)
    assert widths == [480, 960, 1600]
    with Image.open(tree_file(site, img["src"] or "")) as image:
        assert image.format == "JPEG" and image.size == (1200, 800)
    # Open Graph and JSON-LD, with absolute URLs.
    assert page.meta("og:title") == "Harbour Lights — Mara Okafor"
    assert page.meta("og:url") == page_url
    og_image = page.meta("og:image") or ""
    assert og_image.startswith(f"{BASE_URL}/media/") and tree_file(site, og_image).is_file()
    assert "one winter of night walks" in (page.meta("og:description") or "")
    ld = page.json_ld()
    assert ld["@context"] == "https://schema.org" and ld["@type"] == "VisualArtwork"
    assert ld["name"] == "Harbour Lights"
    assert ld["creator"] == {
        "@type": "Person",
        "name": "Mara Okafor",
        "url": "https://www.mara-okafor.example/works",
    }
    assert ld["dateCreated"] == "2024"
    assert ld["license"] == license_url("CC-BY-4.0")
    assert ld["image"] == og_image
    assert ld["url"] == page_url
    assert ld["description"].startswith("Painted over one winter")
    assert '<link rel="stylesheet" href="../../static/viewers.css">' in text


def test_every_image_has_an_alt_attribute_and_a_work_without_alt_text_is_named(
    site: Published,
) -> None:
    for path in site.root.glob("[aps]/*/index.html"):
        for img in Page(path.read_text("utf-8")).all("img"):
            assert img.get("alt") is not None, path
    aid = site.gallery.works["Green Arcade"]  # no alt text given
    for img in site.page(f"a/{aid}/index.html")[1].all("img"):
        assert img["alt"] == "Green Arcade, an artwork by Mara Okafor"


def test_a_hostile_title_stays_text_in_html_attributes_and_json(site: Published) -> None:
    aid = site.gallery.works[XSS_TITLE]
    text, page = site.page(f"a/{aid}/index.html")
    assert "<script>alert(1)" not in text and "<img src=x" not in text
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x" in text
    assert page.text(".title") == XSS_TITLE
    assert page.meta("og:title") == f"{XSS_TITLE} — Mara Okafor"
    # Only the page's own scripts exist: the JSON-LD block, nothing the title smuggled in.
    assert [(a.get("type"), a.get("src")) for a, _ in page.scripts] == [
        ("application/ld+json", None),
        ("application/json", None),  # its zones' names and words in the page's language
        ("application/json", None),  # the scripts' sentences in the page's language
        (None, "../../static/language.js"),
        (None, "../../static/share.js"),
        (None, "../../static/artwork.js"),
    ]
    (body,) = [b for a, b in page.scripts if a.get("type") == "application/ld+json"]
    assert "<" not in body and ">" not in body and "&" not in body
    assert json.loads(body)["name"] == XSS_TITLE
    assert "<em>" not in text  # the description's markup is text too
    assert page.json_ld()["description"].startswith("A </script> tag & an <em>")
    assert {i["alt"] for i in page.all("img")} == {"A purple night sky <b>with</b> pale discs."}
    # The playlist and screen pages that list the work escape it as well.
    morning = site.gallery.playlists["Morning"]
    playlist_text, playlist = site.page(f"p/{morning}/index.html")
    assert "<script>alert(1)" not in playlist_text and XSS_TITLE in playlist.text(".card-title")
    berlin = site.gallery.screens["Berlin"]
    screen_text, screen = site.page(f"s/{berlin}/index.html")
    assert "<script>alert(1)" not in screen_text
    assert [(a.get("type"), a.get("src")) for a, _ in screen.scripts] == [
        ("application/json", None),  # the works it shows (its timing: programme.json)
        ("application/json", None),  # the scripts' sentences
        (None, "../../static/language.js"),
        (None, "../../static/share.js"),
        (None, "../../static/now-playing.js"),
    ]


def test_a_licence_without_a_deed_and_an_undisclosed_ai_use_are_said_plainly(
    site: Published,
) -> None:
    _, page = site.page(f"a/{site.gallery.works[XSS_TITLE]}/index.html")
    assert page.text(".fact-license") == "License All rights reserved"
    assert "license" not in page.json_ld()
    assert page.json_ld()["copyrightNotice"] == "© Mara Okafor. All rights reserved."
    _, page = site.page(f"a/{site.gallery.works['Green Arcade']}/index.html")
    assert page.text(".disclosure") == disclosure("undisclosed")


# What is published ------------------------------------------------------------------------------


def test_pages_exist_only_for_what_the_screens_show(site: Published) -> None:
    works, lists = site.gallery.works, site.gallery.playlists

    def ids(folder: str) -> set[int]:
        return {int(p.parent.name) for p in (site.root / folder).glob("*/index.html")}

    shown = {works[t] for t in ("Harbour Lights", XSS_TITLE, "Green Arcade", "Signal")}
    assert ids("a") == shown  # not the submitted draft, not the approved work on no screen
    assert ids("p") == {lists["Morning"], lists["Evening"]}  # not the playlist on no screen
    assert ids("s") == set(site.gallery.screens.values())
    for kind, found in (("a", ids("a")), ("p", ids("p")), ("s", ids("s"))):
        assert {p.name for p in (site.root / "qr" / kind).iterdir()} == {
            f"{i}.{ext}" for i in found for ext in ("svg", "png")
        }
    assert (site.root / "static" / "viewers.css").is_file()
    assert (site.root / "static" / "now-playing.js").is_file()


def test_the_artists_contact_and_the_poll_tokens_are_in_no_public_page(site: Published) -> None:
    published = published_root(site.gallery.library)
    tokens = [p["hub"]["plays"].split("/")[4] for p in site.payloads.values()]
    checked = 0
    for dirpath, _dirs, files in os.walk(published, followlinks=False):
        for name in files:
            data = (Path(dirpath) / name).read_bytes()
            assert CONTACT.encode() not in data, Path(dirpath) / name
            checked += 1
    assert checked > 30
    for folder in ("a", "p", "s", "qr", "static"):
        for path in published_files(site.root / folder):
            data = path.read_bytes()
            assert not any(t.encode() in data for t in tokens), path


def test_the_now_playing_page_embeds_its_works_and_fetches_its_timing_but_no_token(
    site: Published,
) -> None:
    """The page embeds what it shows of each work and playlist, by id; when they play is the
    screen's programme.json beside it, the same for every language; neither names a token."""
    berlin = site.gallery.screens["Berlin"]
    payload = site.payloads[berlin]
    text, page = site.page(f"s/{berlin}/index.html")
    assert page.text(".now-heading") == "Now on Berlin Kiosk"
    (body,) = [b for a, b in page.scripts if a.get("id") == "works"]
    shown = json.loads(body)
    assert shown["programme"] == f"s/{berlin}/programme.json"
    assert "connect-src 'self'" in text  # the page may fetch it
    raw = (site.root / "s" / str(berlin) / "programme.json").read_text("utf-8")
    timing = json.loads(raw)
    assert timing["window"] == payload["window"]
    assert timing["default_playlist"] == payload["default_playlist"]
    assert timing["timeline"] == [
        {k: s[k] for k in ("start", "end", "playlist")} for s in payload["timeline"]
    ]
    for pid, playlist in payload["playlists"].items():
        timed = timing["playlists"][pid]["items"]
        assert [(i["artwork_id"], i["duration_s"]) for i in timed] == [
            (i["artwork_id"], i["duration_s"]) for i in playlist["items"]
        ]
        assert [
            (
                shown["works"][str(i["artwork_id"])]["title"],
                shown["works"][str(i["artwork_id"])]["artist"],
            )
            for i in timed
        ] == [(i["title"], i["artist"]) for i in playlist["items"]]
        assert shown["playlists"][pid]["name"] == playlist["name"]
    for work in shown["works"].values():
        assert work["url"] == f"a/{work['artwork_id']}/"
        assert "duration_s" not in work  # the timing is programme.json's alone
        assert tree_file(site, work["thumb"]).is_file()
    for data in (body, raw):
        assert "token" not in data and "/api/" not in data and "heartbeat" not in data
    # Every language version fetches the same file.
    scripts = site.page(f"s/{berlin}/de/index.html")[1].scripts
    german = json.loads(next(b for a, b in scripts if a.get("id") == "works"))
    assert german["programme"] == shown["programme"] and german["root"] == "../../../"
    # Without JavaScript the playlists are listed.
    noscript = site.page(f"s/{berlin}/index.html")[0].split("<noscript>")[1]
    assert "Harbour Lights" in noscript and "../../p/" in noscript


def test_the_playlist_page_lists_the_works_in_order_with_the_total_time(
    site: Published,
) -> None:
    evening = site.gallery.playlists["Evening"]
    _, page = site.page(f"p/{evening}/index.html")
    assert page.text(".title") == "Evening"
    assert [a["href"] for a in page.all("a") if "card" in (a.get("class") or "")] == [
        f"../../a/{site.gallery.works['Green Arcade']}/",
        f"../../a/{site.gallery.works['Harbour Lights']}/",
    ]
    assert f"2 works · {format_duration(30, 'en')} in all" in page.text(".meta")
    assert page.meta("og:url") == f"{BASE_URL}/p/{evening}/"


def test_qr_codes_point_at_the_public_pages(site: Published) -> None:
    aid = site.gallery.works["Harbour Lights"]
    svg = (site.root / "qr" / "a" / f"{aid}.svg").read_text("utf-8")
    assert svg.startswith("<svg") and f"{BASE_URL}/a/{aid}/" in svg  # in its <title>
    with Image.open(site.root / "qr" / "s" / f"{site.gallery.screens['Tokyo']}.png") as image:
        assert image.format == "PNG" and image.width == image.height


# Determinism -----------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            info = Path(dirpath, name).lstat()
            out[os.path.relpath(Path(dirpath, name), root)] = (info.st_ino, info.st_mtime_ns)
    return out


def test_publishing_twice_changes_nothing(library: Library, tmp_path: Path) -> None:
    site = make_published(fill_gallery(library))
    before = snapshot(published_root(library))
    again = publish(library, now=NOW + timedelta(hours=2))
    assert not again.changed
    assert snapshot(published_root(library)) == before
    first = build_viewers(library, site.payloads, base_url=BASE_URL)
    second = build_viewers(library, site.payloads, base_url=BASE_URL)
    assert first.files == second.files and first.media == second.media


def test_a_changed_title_rewrites_its_pages_and_links_the_rest(
    library: Library, tmp_path: Path
) -> None:
    from urbanart.library import catalog

    site = make_published(fill_gallery(library))
    unchanged = site.root.resolve() / "a" / str(site.gallery.works["Signal"]) / "index.html"
    inode = unchanged.stat().st_ino
    catalog.edit_artwork(library, site.gallery.works["Green Arcade"], title="Green Arcade II")
    assert publish(library, now=NOW).changed
    root = current_tree(library)
    green = site.gallery.works["Green Arcade"]
    assert "Green Arcade II" in (root / "a" / str(green) / "index.html").read_text("utf-8")
    evening = site.gallery.playlists["Evening"]
    assert "Green Arcade II" in (root / "p" / str(evening) / "index.html").read_text("utf-8")
    assert (root / "a" / str(site.gallery.works["Signal"]) / "index.html").stat().st_ino == inode


# Helpers ---------------------------------------------------------------------------------------


def test_json_for_script_cannot_end_the_script_element() -> None:
    value = {"t": "</script><!-- & \u2028 'x' \"y\""}
    text = str(json_for_script(value))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == value


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a", "https://example.org/a"),
        ("http://example.org", "http://example.org"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,x", None),
        ("//example.org", None),
        ("", None),
    ],
)
def test_only_http_links_become_links(url: str, expected: str | None) -> None:
    assert http_url(url) == expected


@pytest.mark.parametrize(
    "parts",
    [("a", 7), ("qr", "a", "7.svg"), ("x/y", "ü"), ("a b", "?q=1#f"), ("", "Ab9"), ("١٢",), ("ǅ",)],
)
def test_a_tree_path_quotes_every_part_as_quote_does(parts: tuple[str | int, ...]) -> None:
    """tree_url's shortcut for ids and plain ASCII words gives what quote() gives: no slash,
    question mark or non-ASCII letter or digit reaches a link unquoted."""
    assert tree_url(*parts) == "/".join(quote(str(part), safe="") for part in parts)


def test_page_sizes_keep_the_aspect_and_never_enlarge() -> None:
    assert page_sizes(1800, 1200) == [(480, 320), (960, 640), (1600, 1067)]
    assert page_sizes(1000, 500) == [(480, 240), (1000, 500)]
    assert page_sizes(320, 200) == [(320, 200)]
    assert page_sizes(500, 3000) == [(500, 3000)]
