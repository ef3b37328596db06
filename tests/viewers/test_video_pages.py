"""The pages of a video work: the artwork page's <video>, Open Graph video tags and a schema.org
VideoObject; the now-playing page showing where in the video the screen is (in Chromium)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.browsers import shared_playwright
from tests.delivery.conftest import copy_world
from tests.delivery.video_world import CLIP, VideoWorld, add_video
from tests.viewers import BASE_URL, playing_at
from tests.viewers.test_pages import Page, payloads_of
from urbanart.curation import screens
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.library import catalog
from urbanart.library.library import Library, current_tree
from urbanart.library.settings import update_settings
from urbanart.library.vocabulary import disclosure
from urbanart.viewers.site import iso_duration

CHROMIUM = Path(os.environ.get("URBANART_CHROMIUM", "/usr/bin/chromium"))


@dataclass
class Site:
    videos: VideoWorld
    root: Path
    payloads: dict[int, dict]
    big_id: int  # a 480×270 screen: the largest video rendition of the work


def make_site(library: Library, folder: Path, now: datetime | None) -> Site:
    videos = add_video(library, copy_world(library), folder / "clips")
    big = screens.add_screen(
        library, "Porto Big", tz="Europe/Lisbon", size="480x270", default_playlist=videos.reel_id
    )
    update_settings(library, public_base_url=BASE_URL)
    publish(library, now=now)
    root = current_tree(library)
    return Site(videos, root, payloads_of(root), big.id)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Library]]:
    folder = tmp_path_factory.mktemp("video-pages")
    library = Library.open(folder / "library")
    try:
        yield make_site(library, folder, None), library
    finally:
        library.close()


def video_of(site: Site, screen_id: int) -> dict:
    items = site.payloads[screen_id]["playlists"][str(site.videos.reel_id)]["items"]
    return items[1]["video"]


def test_the_artwork_page_plays_the_largest_rendition_with_its_poster_and_label(
    site: tuple[Site, Library],
) -> None:
    built, library = site
    aid = built.videos.video_id
    text = (built.root / f"a/{aid}/index.html").read_text("utf-8")
    page = Page(text)
    (video,) = page.all("video")
    big = video_of(built, built.big_id)
    assert big["width"] == 480  # larger than Lisbon's 320×180
    assert video["src"] == "../../" + big["url"].lstrip("/")
    for flag in ("muted", "loop", "playsinline", "controls"):
        assert flag in video, flag
    poster = built.root / str(video["poster"]).removeprefix("../../")
    assert poster.is_file() and poster.suffix == ".jpg"
    assert (built.root / big["url"].lstrip("/")).is_file()
    # The same label as a still: credit, license, AI disclosure; the medium says video.
    work = catalog.get_artwork(library, aid)
    assert "© 2026 Tidewater Machines. CC BY 4.0." in page.text(".credit")
    assert page.text(".disclosure") == disclosure(work.ai_involvement)
    assert page.text(".fact-medium").endswith("Video")
    # Open Graph: the video itself, for link previews that play it.
    assert page.meta("og:type") == "video.other"
    assert page.meta("og:video") == f"{BASE_URL}/{big['url'].lstrip('/')}"
    assert page.meta("og:video:type") == "video/mp4"
    assert (page.meta("og:video:width"), page.meta("og:video:height")) == ("480", "270")
    data = page.json_ld()
    assert data["@type"] == "VideoObject"
    assert data["name"] == "Tide" and data["creator"]["name"] == "Tidewater Machines"
    assert data["contentUrl"] == page.meta("og:video")
    assert data["thumbnailUrl"] == page.meta("og:image")
    assert data["duration"] == iso_duration(big["duration_s"]) == "PT2S"
    assert data["uploadDate"] == work.created_at.date().isoformat()
    assert data["dateCreated"] == "2026"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["description"]


def test_a_still_works_page_has_no_video_and_stays_a_visual_artwork(
    site: tuple[Site, Library],
) -> None:
    built, _library = site
    aid = built.videos.world.works["Red Harbour"]
    page = Page((built.root / f"a/{aid}/index.html").read_text("utf-8"))
    assert page.all("video") == [] and page.meta("og:video") is None
    assert page.json_ld()["@type"] == "VisualArtwork"


def test_iso_durations_read_as_schema_org_expects() -> None:
    assert [iso_duration(s) for s in (0, 2, 30.5, 95, 3600, 3725.25)] == [
        "PT0S",
        "PT2S",
        "PT30.5S",
        "PT1M35S",
        "PT1H",
        "PT1H2M5.25S",
    ]


#: A <video>'s box on the page once it knows its size, its own width attribute, and how wide
#: the document scrolls.
FITS_JS = (
    "async v => { if (v.readyState < 1) await new Promise(done => "
    "v.addEventListener('loadedmetadata', done, {once: true})); "
    "const r = v.getBoundingClientRect(); return {left: r.left, right: r.right, "
    "width: v.width, "
    "scroll: document.documentElement.scrollWidth}; }"
)

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set URBANART_CHROMIUM)",
)


@needs_chromium
def test_now_playing_shows_where_in_the_video_the_screen_is(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    library = Library.open(tmp_path / "library")
    try:
        built = make_site(library, tmp_path, None)
        sid = built.videos.lisbon_id
        payload = built.payloads[sid]
        length_ms = round(video_of(built, sid)["duration_s"] * 1000)
        # the next instant 1.5 s into the video item, by the rule written out in tests/viewers
        t = round(datetime.now(UTC).timestamp() * 1000)
        while True:
            item, began = playing_at(payload, t)
            if item is not None and began is not None and item["title"] == "Tide":
                break
            t += 500
        at_ms = began + 1500
        position = 1500 % length_ms
        at = datetime.fromtimestamp(at_ms / 1000, UTC)
        with HubThread(library) as hub, shared_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM))
            try:
                page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
                page.clock.install(time=at - timedelta(seconds=1))
                page.clock.pause_at(at)
                page.goto(f"{hub.url.rstrip('/')}/s/{sid}/", wait_until="load")
                page.wait_for_selector("#live:not([hidden])")
                assert page.locator("#current-title").text_content() == "Tide"
                expected = f"0:{position // 1000:02d} of 0:{length_ms // 1000:02d}"
                assert page.locator("#current-position").text_content() == expected
                video = page.locator("#current-image-link video")
                assert video.count() == 1
                src, poster, muted = video.evaluate("v => [v.src, v.poster, v.muted]")
                assert src.endswith(video_of(built, sid)["url"]) and muted
                assert poster.endswith(".jpg")
                page.clock.run_for(length_ms)  # one loop later: the same place in the video
                assert page.locator("#current-position").text_content() == expected
                # On a phone, a video wider than the screen (Porto Big's is 480 px) fits it, on
                # the now-playing page and on the artwork page, with no sideways scrolling.
                for path in (f"s/{built.big_id}/", f"a/{built.videos.video_id}/"):
                    page.goto(f"{hub.url.rstrip('/')}/{path}", wait_until="load")
                    box = page.locator("video").first.evaluate(FITS_JS)
                    assert box["width"] == 480, (path, box)  # the big screen's rendition
                    assert box["left"] >= 0 and box["right"] <= 390, (path, box)
                    assert box["scroll"] <= 390, (path, box)
            finally:
                browser.close()
    finally:
        library.close()


def test_the_clip_is_the_two_seconds_the_tests_assume() -> None:
    assert CLIP.frames / CLIP.fps == 2
