"""The viewer pages in headless Chromium at phone sizes, served by the hub as phones get them."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.viewers import (
    BASE_URL,
    CHROMIUM,
    XSS_TITLE,
    Gallery,
    fleet_payloads,
    just_before,
    open_gallery,
    playing_at,
)
from urbanart.curation import screens
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.library import catalog
from urbanart.library.library import current_tree
from urbanart.library.settings import update_settings
from urbanart.library.vocabulary import disclosure
from urbanart.player.timeline import what_plays
from urbanart.protocol.envelope import verify_envelope
from urbanart.viewers.page_units import page_files
from urbanart.viewers.pages import license_label
from urbanart.viewers.site import build_viewers

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set URBANART_CHROMIUM)",
)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

#: The work archived after the first publish.
RETIRED = "Signal"
#: Phone viewports, and a 390-px phone at 200 % zoom (195 CSS pixels wide).
VIEWPORTS = {"390x844": (390, 844), "320x640": (320, 640), "zoom200": (195, 422)}


@dataclass
class Served:
    gallery: Gallery
    url: str
    payloads: dict[int, dict[str, Any]]
    shots: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample gallery published for the real clock and served by the hub on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("chromium")
    gallery = open_gallery(folder / "library")
    library = gallery.library
    try:
        update_settings(library, public_base_url=BASE_URL)
        publish(library)
        # Retire one published work, so the tree remembers it (its pages answer 410).
        catalog.edit_artwork(library, gallery.works[RETIRED], status="archived")
        publish(library, now=datetime.now(UTC) + timedelta(seconds=1))
        root = current_tree(library)
        public = (root / "keys" / "manifest-signing.pub").read_bytes()
        payloads = {}
        for path in (root / "screens").glob("*/manifest.json"):
            payload = verify_envelope(path.read_bytes(), public)
            payloads[payload["screen"]["id"]] = payload
        with HubThread(library) as hub:
            yield Served(gallery, hub.url.rstrip("/"), payloads, folder / "screenshots")
    finally:
        library.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """open_page(size, **context options) -> page, with every dialog recorded in page.dialogs."""
    contexts = []

    def make(size: tuple[int, int] = (390, 844), **options: Any) -> Any:
        context = browser.new_context(viewport={"width": size[0], "height": size[1]}, **options)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []

        def on_dialog(dialog: Any) -> None:
            page.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    yield make
    for context in contexts:
        context.close()


def no_sideways_scroll(page: Any) -> None:
    width, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= client, f"{page.url}: {width}px of content in a {client}px viewport"


def shoot(page: Any, served: Served, name: str) -> None:
    served.shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(served.shots / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", list(VIEWPORTS), ids=list(VIEWPORTS))
@pytest.mark.parametrize("title", ["Harbour Lights", XSS_TITLE], ids=["plain", "hostile"])
def test_an_artwork_page_reads_well_on_a_phone(
    served: Served, open_page: Any, size: str, title: str
) -> None:
    aid = served.gallery.works[title]
    page = open_page(VIEWPORTS[size])
    page.goto(f"{served.url}/a/{aid}/", wait_until="load")
    no_sideways_scroll(page)
    heading = page.locator("h1.title")
    assert heading.is_visible() and heading.inner_text() == title  # text, never markup
    assert page.locator("p.artist").is_visible()
    assert "Mara Okafor" in page.locator("p.artist").inner_text()
    ai = "digitalCreation" if title == "Harbour Lights" else "trainedAlgorithmicMedia"
    assert page.get_by_text(disclosure(ai)).is_visible()
    image = page.locator("figure.work img")
    assert image.is_visible()
    assert page.evaluate("document.querySelector('figure.work img').naturalWidth") > 0
    # The title added no script: only the page's own files run.
    sources = page.eval_on_selector_all("script:not([type])", "s => s.map(e => e.src)")
    assert sources == [
        f"{served.url}/static/language.js",
        f"{served.url}/static/share.js",
        f"{served.url}/static/artwork.js",
    ]
    page.wait_for_timeout(100)
    assert page.dialogs == []
    shoot(page, served, f"artwork-{aid}-{size}")


@pytest.mark.parametrize("size", ["320x640", "zoom200"])
def test_playlist_and_screen_pages_fit_a_narrow_phone(
    served: Served, open_page: Any, size: str
) -> None:
    page = open_page(VIEWPORTS[size])
    for path in [
        f"/p/{pid}/" for name, pid in served.gallery.playlists.items() if name != "Unused"
    ] + [f"/s/{sid}/" for sid in served.gallery.screens.values()]:
        page.goto(served.url + path, wait_until="load")
        no_sideways_scroll(page)
        assert page.locator("h1").is_visible()
        shoot(page, served, path.strip("/").replace("/", "-") + f"-{size}")
    assert page.dialogs == []


def ms(instant: datetime) -> int:
    return round(instant.timestamp() * 1000)


def open_screen_at(open_page: Any, served: Served, screen_id: int, at: datetime) -> Any:
    """The now-playing page with the browser's clock stopped at `at` (moved on by run_for)."""
    page = open_page((390, 844))
    page.clock.install(time=at - timedelta(seconds=1))
    page.clock.pause_at(at)
    page.goto(f"{served.url}/s/{screen_id}/", wait_until="load")
    page.wait_for_selector("#live:not([hidden])")
    return page


def shown(page: Any) -> tuple[str | None, str | None]:
    """(current title, just-before title) as the page shows them; None where hidden."""
    current, before = page.evaluate(
        """() => {
            const text = (id, box) => document.getElementById(box).hidden
                ? null : document.getElementById(id).textContent;
            return [text("current-title", "current"), text("before-title", "before")];
        }"""
    )
    return current, before


def expected(payload: dict[str, Any], t: int) -> tuple[str | None, str | None]:
    item = playing_at(payload, t)[0]
    before = just_before(payload, t)
    return (item["title"] if item else None, before["title"] if before else None)


@pytest.mark.parametrize("screen", ["Berlin", "Tokyo"])
def test_now_playing_shows_what_the_rule_predicts_and_moves_on(
    served: Served, open_page: Any, screen: str
) -> None:
    sid = served.gallery.screens[screen]
    payload = served.payloads[sid]
    now = datetime.now(UTC).replace(microsecond=0)
    page = open_screen_at(open_page, served, sid, now)
    heading = page.locator(".now-heading").text_content() or ""
    assert " ".join(heading.split()) == f"Now on {payload['screen']['name']}"
    t = ms(now)
    assert shown(page) == expected(payload, t)
    assert page.locator("#current-title").is_visible()
    assert page.locator("#notice").is_hidden()
    no_sideways_scroll(page)
    shoot(page, served, f"now-playing-{sid}")
    # Move the clock past the next change: the page follows without a reload.
    item, began = playing_at(payload, t)
    assert item is not None and began is not None
    step = began + round(float(item["duration_s"]) * 1000) - t + 1500
    page.clock.run_for(step)
    assert shown(page) == expected(payload, t + step)
    following = playing_at(payload, t + step)[0]
    assert following is not None
    link = page.locator("#current-link").get_attribute("href")
    assert link == f"../../a/{following['artwork_id']}/"
    assert page.dialogs == []


def test_just_before_reaches_back_across_a_schedule_change(served: Served, open_page: Any) -> None:
    sid = served.gallery.screens["Tokyo"]
    payload = served.payloads[sid]
    evening = str(served.gallery.playlists["Evening"])
    segment = next(s for s in payload["timeline"] if s["playlist"] == evening)
    start = datetime.fromisoformat(segment["start"].replace("Z", "+00:00"))
    page = open_screen_at(open_page, served, sid, start + timedelta(seconds=3))
    current, before = shown(page)
    assert current == "Green Arcade"  # the evening playlist's first work, from its start
    assert (current, before) == expected(payload, ms(start + timedelta(seconds=3)))
    assert before is not None  # the morning default played until the schedule began


def test_after_its_window_the_page_says_it_is_out_of_date(served: Served, open_page: Any) -> None:
    sid = served.gallery.screens["Berlin"]
    payload = served.payloads[sid]
    until = datetime.fromisoformat(payload["window"]["until"].replace("Z", "+00:00"))
    at = until + timedelta(hours=1, seconds=7)
    page = open_screen_at(open_page, served, sid, at)
    assert page.locator("#notice").is_visible()
    assert "out of date" in page.locator("#notice").inner_text()
    assert shown(page)[0] == expected(payload, ms(at))[0]
    shoot(page, served, "now-playing-out-of-date")


def test_without_javascript_the_screen_page_lists_its_playlists(
    served: Served, open_page: Any
) -> None:
    sid = served.gallery.screens["Tokyo"]
    page = open_page((320, 640), java_script_enabled=False)
    page.goto(f"{served.url}/s/{sid}/", wait_until="load")
    # Playwright's text locators skip <noscript>, so read what the reader sees.
    assert "Turn on JavaScript to see which work" in page.locator("body").inner_text()
    for pid in (served.gallery.playlists["Morning"], served.gallery.playlists["Evening"]):
        assert page.locator(f"a[href='../../p/{pid}/']").is_visible()
    assert page.locator("#live").is_hidden()
    no_sideways_scroll(page)


# Issue 15: what is gone, share, zoom, artists, where to see it, tap targets ----------------------

#: Every link, button and field a finger may need, with its size where either side is < 24 px
#: (WCAG 2.5.8). The skip link only shows on keyboard focus.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll('a[href], button, input, summary'))
    .filter(e => !e.classList.contains('skip') && e.getClientRects().length > 0
        && getComputedStyle(e).visibility !== 'hidden')
    .map(e => { const r = e.getBoundingClientRect();
        return [e.outerHTML.slice(0, 90), Math.round(r.width), Math.round(r.height)]; })
    .filter(([, w, h]) => w < 24 || h < 24)"""


def no_small_targets(page: Any) -> None:
    small = page.evaluate(SMALL_TARGETS)
    assert small == [], f"{page.url}: tap targets under 24 px: {small}"


def first_start_from(payload: dict[str, Any], artwork_id: int, t: datetime) -> datetime | None:
    """The first start of the work at or after t, by walking the player's own answer."""
    until = datetime.fromisoformat(payload["window"]["until"].replace("Z", "+00:00"))
    while t < until:
        showing = what_plays(payload, t)
        item, began = showing.item, showing.started_at
        if item is not None and item["artwork_id"] == artwork_id and began and began >= t:
            return began
        if showing.next_change is None or showing.next_change <= t:
            return None
        t = showing.next_change
    return None


def pages_to_check(served: Served) -> list[tuple[str, int]]:
    """(path, expected status) of every kind of page."""
    works = served.gallery.works
    gone_id = works[RETIRED]
    return [
        ("/", 200),
        (f"/a/{works['Harbour Lights']}/", 200),
        (f"/a/{works[XSS_TITLE]}/", 200),
        (f"/p/{served.gallery.playlists['Morning']}/", 200),
        (f"/s/{served.gallery.screens['Berlin']}/", 200),
        (f"/a/{gone_id}/", 410),
        ("/a/99999/", 404),
        ("/no/such/page", 404),
    ]


@pytest.mark.parametrize("size", ["390x844", "320x640"])
def test_every_kind_of_page_fits_and_has_big_enough_tap_targets(
    served: Served, open_page: Any, size: str
) -> None:
    page = open_page(VIEWPORTS[size])
    artist_link = None
    for path, status in pages_to_check(served):
        response = page.goto(served.url + path, wait_until="load")
        assert response is not None and response.status == status, path
        page.wait_for_timeout(50)
        no_sideways_scroll(page)
        no_small_targets(page)
        assert page.locator("h1").is_visible()
        shoot(page, served, "tap-" + (path.strip("/").replace("/", "-") or "home") + f"-{size}")
        if artist_link is None and page.locator("a.artist-link").count():
            artist_link = page.locator("a.artist-link").first.get_attribute("href")
    assert artist_link is not None
    page.goto(f"{served.url}/a/{served.gallery.works['Harbour Lights']}/{artist_link}")
    no_sideways_scroll(page)
    no_small_targets(page)
    shoot(page, served, f"tap-artist-{size}")
    assert page.dialogs == []


def test_gone_and_unknown_pages_say_so_in_the_sites_style(served: Served, open_page: Any) -> None:
    page = open_page((390, 844))
    response = page.goto(f"{served.url}/a/{served.gallery.works[RETIRED]}/", wait_until="load")
    assert response is not None and response.status == 410
    assert page.locator("h1").inner_text() == "This work is no longer showing"
    # The inline stylesheet applied (the CSP allows it by hash): the site's background colour.
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(250, 248, 245)"
    berlin = served.gallery.screens["Berlin"]
    assert page.locator(f"a[href='{BASE_URL}/s/{berlin}/']").is_visible()
    response = page.goto(f"{served.url}/qr/p/4242.svg", wait_until="load")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"


def test_share_falls_back_to_copying_the_link(served: Served, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.url)
        context.add_init_script("delete Navigator.prototype.share; delete navigator.share;")
        page = context.new_page()
        aid = served.gallery.works["Harbour Lights"]
        page.goto(f"{served.url}/a/{aid}/", wait_until="load")
        assert page.evaluate("typeof navigator.share") == "undefined"
        button = page.get_by_role("button", name="Share")
        assert button.is_visible()
        button.click()
        status = page.locator(".share-status")
        status.filter(has_text="Link copied").wait_for(timeout=5000)
        assert page.evaluate("navigator.clipboard.readText()") == f"{BASE_URL}/a/{aid}/"
        # The now-playing page shares the work on screen, at the address the phone used.
        sid = served.gallery.screens["Berlin"]
        page.goto(f"{served.url}/s/{sid}/", wait_until="load")
        page.wait_for_selector("#live:not([hidden])")
        page.get_by_role("button", name="Share").click()
        page.locator("#current .share-status").filter(has_text="Link copied").wait_for(timeout=5000)
        href = page.locator("#current-link").get_attribute("href") or ""
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == f"{served.url}/s/{sid}/{href}".replace(f"/s/{sid}/../../", "/")
    finally:
        context.close()


def test_share_uses_the_web_share_api_when_the_phone_has_it(served: Served, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        context.add_init_script(
            "navigator.share = (data) => { window.shared = data; return Promise.resolve(); };"
        )
        page = context.new_page()
        aid = served.gallery.works[XSS_TITLE]
        page.goto(f"{served.url}/a/{aid}/", wait_until="load")
        page.get_by_role("button", name="Share").click()
        page.wait_for_function("window.shared !== undefined")
        shared = page.evaluate("window.shared")
        assert shared == {"title": f"{XSS_TITLE} — Mara Okafor", "url": f"{BASE_URL}/a/{aid}/"}
        assert page.locator(".share-status").inner_text() == ""
    finally:
        context.close()


def test_tap_to_zoom_opens_full_screen_and_escape_closes(served: Served, open_page: Any) -> None:
    page = open_page((390, 844))
    page.goto(f"{served.url}/a/{served.gallery.works['Harbour Lights']}/", wait_until="load")
    opener = page.get_by_role("button", name="Full screen")
    assert opener.is_visible()
    opener.click()
    dialog = page.locator("dialog#zoom")
    assert dialog.evaluate("d => d.open") is True
    box = dialog.locator("img").bounding_box()
    assert box is not None and box["width"] >= 389  # the whole width of the phone
    assert page.evaluate("document.activeElement.id") == "zoom-close"
    shoot(page, served, "zoom-390x844")
    page.keyboard.press("Escape")
    assert dialog.evaluate("d => d.open") is False
    assert page.evaluate("document.activeElement.id") == "zoom-open"
    page.locator("#work-image").click()  # tapping the work opens it too
    assert dialog.evaluate("d => d.open") is True
    page.get_by_role("button", name="Close").click()
    assert dialog.evaluate("d => d.open") is False


def test_where_to_see_moves_on_with_the_phones_clock(served: Served, open_page: Any) -> None:
    aid = served.gallery.works["Harbour Lights"]
    sid = served.gallery.screens["Berlin"]
    payload = served.payloads[sid]
    at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=7, seconds=13)
    page = open_page((390, 844))
    page.clock.install(time=at - timedelta(seconds=1))
    page.clock.pause_at(at)
    page.goto(f"{served.url}/a/{aid}/", wait_until="load")
    page.wait_for_selector("section.where[data-where-moving]")  # its data fetched, rows moved
    row = page.locator(f".where-screen[data-screen='{sid}']")
    assert "Berlin Kiosk" in row.inner_text() and "Berlin" in row.locator(".link-note").inner_text()
    expected = first_start_from(payload, aid, at)
    assert expected is not None
    shown = row.locator(".where-when time").get_attribute("datetime")
    assert shown == expected.isoformat().replace("+00:00", "Z")
    on_now = what_plays(payload, at)
    playing = on_now.item is not None and on_now.item["artwork_id"] == aid
    assert row.locator(".where-now").is_visible() == playing


def test_where_to_see_by_city_moves_on_with_the_phones_clock(
    served: Served, open_page: Any
) -> None:
    """A work on eleven screens: one row per city. From the phone's clock each city's next start
    is the soonest of the screens it lists, and each listed screen's own next start."""
    library = served.gallery.library
    berlin = served.payloads[served.gallery.screens["Berlin"]]
    layout = [
        ("Lisbon", "Europe/Lisbon", 4),
        ("Berlin", "Europe/Berlin", 3),
        (None, "Asia/Tokyo", 2),
    ]
    payloads = {**served.payloads, **fleet_payloads(library, berlin, layout)}
    cities = {s.id: s.city or "" for s in screens.list_screens(library)}
    aid = served.gallery.works["Harbour Lights"]
    files = build_viewers(library, payloads, base_url=BASE_URL).files
    html, data = files[f"a/{aid}/index.html"], files[f"a/{aid}/where.json"]
    at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=7, seconds=13)
    page = open_page((390, 844))
    page.route(
        f"{served.url}/a/{aid}/", lambda route: route.fulfill(body=html, content_type="text/html")
    )
    page.route(
        f"{served.url}/a/{aid}/where.json",
        lambda route: route.fulfill(body=data, content_type="application/json"),
    )
    page.clock.install(time=at - timedelta(seconds=1))
    page.clock.pause_at(at)
    page.goto(f"{served.url}/a/{aid}/", wait_until="load")
    page.wait_for_selector("section.where[data-where-moving]")
    rows = page.locator(".where-city")
    assert rows.count() == 3
    for n in range(3):
        row = rows.nth(n)
        listed = [
            int(x)
            for x in row.locator(".where-screen").evaluate_all(
                "rows => rows.map(r => r.getAttribute('data-screen'))"
            )
        ]
        assert 1 <= len(listed) <= 3
        city = {cities[sid] for sid in listed}
        assert len(city) == 1 and row.locator(".where-city-name").inner_text() == (
            city.pop() or "Other places"
        )
        starts = {sid: first_start_from(payloads[sid], aid, at) for sid in listed}
        for sid, first in starts.items():
            assert first is not None
            shown = row.locator(f".where-screen[data-screen='{sid}'] time")
            assert shown.get_attribute("datetime") == first.isoformat().replace("+00:00", "Z")
        soonest = min(starts.values())
        when = row.locator(":scope > .where-next .where-when time").get_attribute("datetime")
        assert when == soonest.isoformat().replace("+00:00", "Z")
    no_sideways_scroll(page)
    shoot(page, served, "where-by-city-390x844")


def longer(payloads: dict[int, dict[str, Any]], aid: int, by_s: float) -> dict[int, dict[str, Any]]:
    """The payloads after the work's item was made longer on every playlist that holds it."""
    edited = copy.deepcopy(payloads)
    for payload in edited.values():
        for playlist in payload["playlists"].values():
            for item in playlist["items"]:
                if item["artwork_id"] == aid:
                    item["duration_s"] = float(item["duration_s"]) + by_s
        payload["manifest_version"] += "-longer"
    return edited


def test_a_longer_item_changes_the_data_not_the_page_and_the_phone_shows_the_new_time(
    served: Served, open_page: Any
) -> None:
    """The page of a release reads the data of the next one (where.json has a fixed address,
    revalidated by its ETag): every version of the page is the same bytes after the edit, and
    the phone shows the next start of the new programme; a screen the data no longer lists
    keeps no time rather than a wrong one, and the page does not break."""
    library = served.gallery.library
    aid = served.gallery.works["Harbour Lights"]
    berlin, tokyo = served.gallery.screens["Berlin"], served.gallery.screens["Tokyo"]
    edited = longer(served.payloads, aid, 7)
    old = build_viewers(library, served.payloads, base_url=BASE_URL).files
    new = build_viewers(library, edited, base_url=BASE_URL).files
    for path in page_files(f"a/{aid}/"):
        assert new[path] == old[path], path
    data = new[f"a/{aid}/where.json"]
    assert data != old[f"a/{aid}/where.json"]
    # A moment at which the edit moves Berlin's next start of the work: at some moments (a
    # segment of its schedule starting just then) both programmes start it at the same time.
    now = datetime.now(UTC).replace(microsecond=0)
    for minutes in (7, 11, 17, 23, 31):
        at = now + timedelta(minutes=minutes, seconds=13)
        before, after = (first_start_from(p[berlin], aid, at) for p in (served.payloads, edited))
        if after is not None and after != before:
            break
    else:
        pytest.fail("the longer item moves no start of the work on Berlin in the next 31 minutes")

    # The hub serves it for revalidation: no-cache, with an ETag that answers 304.
    answer = requests.get(f"{served.url}/a/{aid}/where.json", timeout=10)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-cache"
    etag = answer.headers["ETag"]
    again = requests.get(
        f"{served.url}/a/{aid}/where.json", headers={"If-None-Match": etag}, timeout=10
    )
    assert again.status_code == 304

    def open_with(where: bytes) -> Any:
        page = open_page((390, 844))
        fetched: list[str] = []
        page.route(
            f"{served.url}/a/{aid}/",
            lambda route: route.fulfill(body=old[f"a/{aid}/index.html"], content_type="text/html"),
        )

        def data_route(route: Any) -> None:
            fetched.append(route.request.url)
            route.fulfill(body=where, content_type="application/json")

        page.route(f"{served.url}/a/{aid}/where.json", data_route)
        page.clock.install(time=at - timedelta(seconds=1))
        page.clock.pause_at(at)
        page.goto(f"{served.url}/a/{aid}/", wait_until="load")
        page.wait_for_selector("section.where[data-where-moving]")
        assert fetched == [f"{served.url}/a/{aid}/where.json"]
        return page

    page = open_with(data)
    row = page.locator(f".where-screen[data-screen='{berlin}']")
    shown = row.locator(".where-when time").get_attribute("datetime")
    assert shown == after.isoformat().replace("+00:00", "Z")
    assert (
        page.locator(".where-noscript").count() == 0
        or not page.locator(".where-noscript").is_visible()
    )

    # Data of another release: Tokyo gone from it, a screen the page does not list added.
    stale = json.loads(data)
    del stale["screens"][str(tokyo)]
    stale["screens"]["999999"] = [["Europe/Berlin", [len(stale["plays"])]]]
    page = open_with(json.dumps(stale).encode())
    shown = page.locator(f".where-screen[data-screen='{berlin}'] .where-when time")
    assert shown.get_attribute("datetime") == after.isoformat().replace("+00:00", "Z")
    gone = page.locator(f".where-screen[data-screen='{tokyo}']")
    assert "Tokyo Tower" in gone.inner_text()
    assert gone.locator("time").get_attribute("datetime") is None
    assert not gone.locator(".where-when").is_visible()
    assert not gone.locator(".where-never").is_visible()
    assert page.dialogs == []

    # Without script the rows still say where, and one line says why there is no time.
    page = open_page((390, 844), java_script_enabled=False)
    page.goto(f"{served.url}/a/{aid}/", wait_until="load")
    assert "The times shown here need JavaScript." in page.locator("body").inner_text()
    assert page.locator(f".where-screen[data-screen='{berlin}'] .where-name").is_visible()


def test_now_playing_shows_disclosure_license_and_up_next(served: Served, open_page: Any) -> None:
    sid = served.gallery.screens["Berlin"]
    payload = served.payloads[sid]
    now = datetime.now(UTC).replace(microsecond=0)
    page = open_screen_at(open_page, served, sid, now)
    showing = what_plays(payload, now)
    assert showing.item is not None
    assert page.locator("#current-ai").inner_text() == showing.item["ai_disclosure"]
    license_text = page.locator("#current .fact-license dd").inner_text()
    assert license_text == license_label(showing.item["license"])
    assert showing.ends_at is not None
    following = what_plays(payload, showing.ends_at).item
    assert following is not None
    if following["artwork_id"] != showing.item["artwork_id"]:
        assert page.locator("#next").is_visible()
        assert page.locator("#next-title").inner_text() == following["title"]
        assert page.locator("#next-time time").get_attribute("datetime") == (
            showing.ends_at.astimezone(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )
    artist = page.locator("#current-artist")
    assert artist.inner_text() == "Mara Okafor"
    assert (artist.get_attribute("href") or "").startswith("../../artists/")
    no_small_targets(page)
    shoot(page, served, "now-playing-full-390x844")
