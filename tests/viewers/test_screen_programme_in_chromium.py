"""A screen's now-playing page reads what plays when from its programme.json (in Chromium): a
duration edit reaches the unchanged page through that file; a page older than the data reloads
once; without the data the page says so."""

from __future__ import annotations

import json
import mimetypes
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.viewers import BASE_URL, CHROMIUM, Gallery, open_gallery, playing_at
from tests.viewers.test_pages import payloads_of
from urbanart.curation import playlists
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.library.library import current_tree
from urbanart.library.settings import update_settings
from urbanart.viewers.pages import json_for_script
from urbanart.viewers.script_strings import script_strings

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set URBANART_CHROMIUM)",
)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

#: The embedded works of a screen page (screen.html's #works).
WORKS = re.compile(rb'(<script type="application/json" id="works">)(.*?)(</script>)', re.S)


@dataclass
class Served:
    gallery: Gallery
    url: str  # the hub's
    root: Path  # the served release
    payload: dict[str, Any]  # Tokyo's manifest after the duration edit
    before: dict[str, Any]  # and before it
    page_before: bytes  # Tokyo's page before the edit
    at: datetime  # an instant the edit changed what Tokyo shows


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample gallery published for the real clock, then again after the first item of the
    evening playlist (Tokyo's, from 18:00 Tokyo time) went from 15 s to 10 minutes."""
    folder = tmp_path_factory.mktemp("screen-programme")
    gallery = open_gallery(folder / "library")
    library = gallery.library
    tokyo = gallery.screens["Tokyo"]
    try:
        update_settings(library, public_base_url=BASE_URL)
        publish(library)
        before = manifest_of(current_tree(library), tokyo)
        page_before = (current_tree(library) / f"s/{tokyo}/index.html").read_bytes()
        playlists.set_item(library, gallery.playlists["Evening"], 1, duration=600)
        publish(library, now=datetime.now(UTC) + timedelta(seconds=1))
        root = current_tree(library)
        evening = str(gallery.playlists["Evening"])
        segment = next(s for s in before["timeline"] if s["playlist"] == evening)
        start = datetime.fromisoformat(segment["start"].replace("Z", "+00:00"))
        with HubThread(library) as hub:
            yield Served(
                gallery,
                hub.url.rstrip("/"),
                root,
                manifest_of(root, tokyo),
                before,
                page_before,
                start + timedelta(seconds=20),
            )
    finally:
        library.close()


def manifest_of(root: Path, screen_id: int) -> dict[str, Any]:
    """A screen's verified payload as the tree serves it."""
    return dict(payloads_of(root)[screen_id])


def ms(instant: datetime) -> int:
    return round(instant.timestamp() * 1000)


def title_at(payload: dict[str, Any], instant: datetime) -> str:
    item = playing_at(payload, ms(instant))[0]
    assert item is not None
    return str(item["title"])


@dataclass
class Tampering:
    """A static server of the release, as an old cache or a broken network would answer: the
    screen's page without the works it shows (the first `stale_pages` times), or no programme."""

    root: Path
    page: str
    stale_pages: int = 0
    offline: bool = False
    pages_served: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def serve(tampering: Tampering) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if tampering.offline and path.endswith("/programme.json"):
                self.send_error(503)
                return
            file = tampering.root / path.lstrip("/")
            if file.is_dir():
                file = file / "index.html"
            if not file.is_file():
                self.send_error(404)
                return
            body = file.read_bytes()
            if path == tampering.page:
                with tampering.lock:
                    tampering.pages_served += 1
                    stale = tampering.pages_served <= tampering.stale_pages
                if stale:
                    body = without_works(body)
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def without_works(page: bytes) -> bytes:
    """The page as a release before any of its works was on the screen would have it."""
    match = WORKS.search(page)
    assert match is not None
    data = json.loads(match.group(2))
    data["works"] = {}
    embedded = str(json_for_script(data)).encode("utf-8")
    return page[: match.start(2)] + embedded + page[match.end(2) :]


def open_screen(browser: Any, url: str, at: datetime) -> Any:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.clock.install(time=at - timedelta(seconds=1))
    page.clock.pause_at(at)
    page.goto(url, wait_until="load")
    return page


def current_title(page: Any) -> str:
    page.wait_for_selector("#current:not([hidden])")
    return str(page.locator("#current-title").text_content())


def test_a_duration_edit_reaches_the_unchanged_page_through_its_programme(
    served: Served, browser: Any
) -> None:
    tokyo = served.gallery.screens["Tokyo"]
    assert (served.root / f"s/{tokyo}/index.html").read_bytes() == served.page_before
    expected = title_at(served.payload, served.at)
    assert expected != title_at(served.before, served.at)  # the edit changed what is on now
    page = open_screen(browser, f"{served.url}/s/{tokyo}/ja/", served.at)
    assert current_title(page) == expected
    assert page.locator("#notice").is_hidden()
    served_shots = served.root.parent.parent.parent / "screenshots"
    served_shots.mkdir(exist_ok=True)
    page.screenshot(path=str(served_shots / "now-playing-390x844.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("stale_pages", [1, 9], ids=["then-current", "always-stale"])
def test_a_page_older_than_its_programme_reloads_once(
    served: Served, browser: Any, stale_pages: int
) -> None:
    """The data names works the page does not know (it is from an older release): the page
    reloads once, and shows the work from the newer page; if the page is still older, it does
    not reload again but names the work plainly and links to its page."""
    tokyo = served.gallery.screens["Tokyo"]
    tampering = Tampering(served.root, f"/s/{tokyo}/", stale_pages=stale_pages)
    server, url = serve(tampering)
    try:
        page = open_screen(browser, f"{url}/s/{tokyo}/", served.at)
        title = current_title(page)
        page.wait_for_timeout(300)  # time for another reload, if one were coming
        assert tampering.pages_served == 2
        item = playing_at(served.payload, ms(served.at))[0]
        assert item is not None
        if stale_pages == 1:
            assert title == item["title"]
        else:
            assert title == script_strings("en")["unknown_work"]
            link = page.locator("#current-link").get_attribute("href")
            assert link == f"../../a/{item['artwork_id']}/"
        page.context.close()
    finally:
        server.shutdown()
        server.server_close()


def test_without_its_programme_the_page_says_so(served: Served, browser: Any) -> None:
    tokyo = served.gallery.screens["Tokyo"]
    server, url = serve(Tampering(served.root, f"/s/{tokyo}/", offline=True))
    try:
        page = open_screen(browser, f"{url}/s/{tokyo}/de/", served.at)
        notice = page.locator("#notice")
        notice.wait_for(state="visible")
        assert notice.text_content() == script_strings("de")["no_programme"]
        assert page.locator("#live").is_hidden()
        page.context.close()
    finally:
        server.shutdown()
        server.server_close()
