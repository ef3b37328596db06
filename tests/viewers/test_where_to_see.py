"""Where and when to see a work, and the artist pages, read back from a real published tree."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.viewers import BASE_URL, XSS_TITLE, fleet_payloads, open_gallery
from tests.viewers.test_pages import Page, Published, make_published
from urbanart.curation import screens
from urbanart.i18n import LANGUAGES, format_zone
from urbanart.player.timeline import what_plays
from urbanart.viewers.output_cache import OutputCache
from urbanart.viewers.page_units import page_files
from urbanart.viewers.site import BASE_LANGUAGE, ROOT, build_viewers
from urbanart.viewers.where import (
    Plays,
    ScreenShowing,
    by_city,
    next_start,
    plays_by_work,
    where_data,
    where_section,
    where_to_see,
)
from urbanart.viewers.where_rows import row_key


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    gallery = open_gallery(tmp_path_factory.mktemp("where") / "library")
    try:
        yield make_published(gallery)
    finally:
        gallery.library.close()


def first_start_by_the_player(payload: dict[str, Any], artwork_id: int) -> datetime | None:
    """The first start of the work in the window, found by walking the player's own answer
    (urbanart.player.timeline) from change to change: no shared arithmetic with the page."""
    start = datetime.fromisoformat(payload["window"]["from"].replace("Z", "+00:00"))
    until = datetime.fromisoformat(payload["window"]["until"].replace("Z", "+00:00"))
    t = start
    while t < until:
        showing = what_plays(payload, t)
        if showing.item is not None and showing.item["artwork_id"] == artwork_id:
            assert showing.started_at is not None
            if showing.started_at >= start:
                return showing.started_at
        if showing.next_change is None or showing.next_change <= t:
            return None
        t = showing.next_change
    return None


def where_rows(page: Page) -> list[dict[str, str | None]]:
    return [a for a in page.all("li") if "where-screen" in (a.get("class") or "")]


def first_playing_segment(payload: dict[str, Any], artwork_id: int) -> datetime | None:
    """The first start of a timeline segment that plays a playlist holding the work: what the
    page orders by (no duration moves it), read from the manifest without where.py."""
    holding = {
        pid
        for pid, playlist in payload["playlists"].items()
        if any(item["artwork_id"] == artwork_id for item in playlist["items"])
    }
    starts = [
        datetime.fromisoformat(segment["start"].replace("Z", "+00:00"))
        for segment in payload["timeline"]
        if segment["playlist"] is not None and str(segment["playlist"]) in holding
    ]
    return min(starts, default=None)


@pytest.mark.parametrize("title", ["Harbour Lights", "Green Arcade", "Signal"])
def test_the_page_lists_each_screen_that_plays_the_work_with_no_time_built_at_publish(
    site: Published, title: str
) -> None:
    """Rows say where, in the order of the first segment playing the work (durations do not
    move it); the times are the script's (where.json), so the HTML holds none, and says
    without script that they need it."""
    aid = site.gallery.works[title]
    text, page = site.page(f"a/{aid}/index.html")
    starts = {}
    for sid, payload in site.payloads.items():
        if first_start_by_the_player(payload, aid) is not None:
            first = first_playing_segment(payload, aid)
            assert first is not None
            starts[sid] = (first, payload["screen"]["name"], sid)
    assert starts, f"{title} plays nowhere: the gallery changed"
    rows = [int(r["data-screen"] or 0) for r in where_rows(page)]
    assert rows == sorted(starts, key=starts.__getitem__)
    times = [a for tag, a in page.tags if tag == "time"]
    assert len(times) == len(rows) and not any(times), times  # no datetime, no text
    for sid in rows:
        zone = site.payloads[sid]["screen"]["timezone"]
        assert f"<time></time>, {format_zone(zone, 'en')} time" in text
    assert (
        '<noscript><p class="where-noscript meta">The times shown here need JavaScript.</p>'
        "</noscript>" in text
    )
    german = site.page(f"a/{aid}/de/index.html")[0]
    assert "Die hier gezeigten Zeiten brauchen JavaScript." in german
    if site.gallery.screens["Berlin"] in starts:
        assert "Berlin Kiosk" in page.text(".where-name") and "Berlin" in page.text(".link-note")


def test_next_start_moves_on_and_ends_with_the_window(site: Published) -> None:
    aid = site.gallery.works["Harbour Lights"]
    payload = site.payloads[site.gallery.screens["Berlin"]]
    plays = plays_by_work(payload)[aid]
    opens = min(p.segments[0][0] for p in plays)
    first = next_start(plays, opens)
    assert first is not None
    later = next_start(plays, first + 1)
    assert later is not None and later > first
    showing = what_plays(payload, datetime.fromtimestamp(later / 1000, UTC))
    assert showing.item is not None and showing.item["artwork_id"] == aid
    assert showing.started_at == datetime.fromtimestamp(later / 1000, UTC)
    end = max(p.segments[-1][1] for p in plays)
    assert next_start(plays, end) is None
    last = next_start(plays, end - 1)
    assert last is None or last < end


def test_a_work_on_no_screen_has_no_page_and_a_page_never_lists_other_works(
    site: Published,
) -> None:
    aid = site.gallery.works["Harbour Lights"]
    text, _ = site.page(f"a/{aid}/index.html")
    assert "Where and when to see it" in text
    assert not (site.root / "a" / str(site.gallery.works["Unlisted"])).exists()


def test_the_artist_page_lists_their_published_works_and_is_linked(site: Published) -> None:
    aid = site.gallery.works["Harbour Lights"]
    _, artwork = site.page(f"a/{aid}/index.html")
    (link,) = [a["href"] for a in artwork.all("a") if "artist-link" in (a.get("class") or "")]
    assert link is not None and link.startswith("../../artists/")
    text, page = site.page(link.removeprefix("../../") + "index.html")
    assert page.text("h1") == "Mara Okafor"
    assert "paints light as it falls on water" in page.text(".description")
    assert "Based in Lagos" in text
    works = [a["href"] for a in page.all("a") if "card-link" in (a.get("class") or "")]
    published = {
        site.gallery.works[t] for t in ("Harbour Lights", XSS_TITLE, "Green Arcade", "Signal")
    }
    assert works == [f"../../a/{w}/" for w in sorted(published)]
    assert XSS_TITLE in page.text(".card-title") and "<script>alert" not in text
    # The playlist's cards link the artist too.
    evening = site.gallery.playlists["Evening"]
    _, playlist = site.page(f"p/{evening}/index.html")
    assert [a["href"] for a in playlist.all("a") if a.get("class") == "byline-link"] == [link] * 2


def test_the_artwork_page_has_credit_medium_and_format(site: Published) -> None:
    aid = site.gallery.works["Harbour Lights"]
    _, page = site.page(f"a/{aid}/index.html")
    assert page.text(".credit") == "© 2024 Mara Okafor. CC BY 4.0."
    assert page.text(".fact-medium") == "Medium Digital image"
    assert page.text(".fact-format") == "Format PNG, 1800 × 1200 pixels"
    _, signal = site.page(f"a/{site.gallery.works['Signal']}/index.html")
    assert page.text(".credit") != signal.text(".credit")
    assert signal.text(".credit") == "© Mara Okafor. CC BY-NC-SA 4.0."  # no year given
    assert signal.text(".fact-medium") == "Medium Animated digital image"
    assert signal.text(".fact-format").startswith("Format GIF, 400 × 240")


def test_window_start_is_where_the_page_counts_from(site: Published) -> None:
    payload = next(iter(site.payloads.values()))
    start = datetime.fromisoformat(payload["window"]["from"].replace("Z", "+00:00"))
    assert start.time() == datetime.min.time() and start.tzinfo is not None
    assert start <= datetime(2026, 5, 4, 9, 30, tzinfo=UTC) < start + timedelta(days=1)


# A work on many screens: one row per city ------------------------------------------------------

#: (city, time zone, screens): 15 screens more than the gallery's two, so grouped by city.
HOSTILE_CITY = '<b>Ülm</b> & "Co" </script>'
FLEET = [
    ("Lisbon", "Europe/Lisbon", 5),
    ("Berlin", "Europe/Berlin", 4),  # with the gallery's Berlin Kiosk: 5
    (HOSTILE_CITY, "Europe/Berlin", 2),
    (None, "America/New_York", 3),  # with the gallery's Tokyo Tower (no city): 4 other places
    ("São Paulo", "America/Sao_Paulo", 1),
]


@dataclass
class Fleet:
    site: Published
    payloads: dict[int, dict[str, Any]]
    cities: dict[int, str]
    files: dict[str, bytes]


@pytest.fixture(scope="module")
def fleet(site: Published) -> Fleet:
    """The gallery's pages built for its two screens and fifteen more in four cities."""
    library = site.gallery.library
    base = site.payloads[site.gallery.screens["Berlin"]]
    payloads = {**site.payloads, **fleet_payloads(library, base, FLEET)}
    cities = {sid: record.city or "" for sid, record in screen_records(library).items()}
    build = build_viewers(library, payloads, base_url=BASE_URL)
    return Fleet(site, payloads, cities, build.files)


def screen_records(library: Any) -> dict[int, Any]:
    return {s.id: s for s in screens.list_screens(library)}


def city_rows(text: str) -> list[str]:
    """Each city row's HTML, in page order."""
    start = text.index('<ul class="where-list where-cities">')
    section = text[start : text.index("</section>", start)]
    return section.split('<li class="where-city" ')[1:]


@pytest.mark.parametrize("title", ["Harbour Lights", "Signal"])
def test_a_work_on_many_screens_lists_one_row_per_city(fleet: Fleet, title: str) -> None:
    aid = fleet.site.gallery.works[title]
    text = fleet.files[f"a/{aid}/index.html"].decode()
    starts = {}
    for sid, payload in fleet.payloads.items():
        first = first_playing_segment(payload, aid)
        assert first is not None
        starts[sid] = first
    expected: dict[str, list[int]] = {}
    for sid in starts:  # by first playing segment, then by name: no duration moves the order
        expected.setdefault(fleet.cities[sid], []).append(sid)
    for sids in expected.values():
        sids.sort(key=lambda s: (starts[s], fleet.payloads[s]["screen"]["name"], s))
    order = sorted(expected, key=lambda c: (c == "", starts[expected[c][0]], c.casefold()))
    rows = city_rows(text)
    assert len(rows) == len(order) == 5
    for row_html, city in zip(rows, order, strict=True):
        row = Page(row_html)
        sids = expected[city]
        assert row.text(".where-city-name") == (city or "Other places")
        assert row.text(".where-count") == f"{len(sids)} screen{'s' if len(sids) > 1 else ''}"
        # No time built at publish: the script writes the next start and its zone's name.
        assert '<time></time>, <span class="where-zone"></span> time' in row_html
        assert "<time>" in row_html and "datetime=" not in row_html
        listed = [int(r["data-screen"] or 0) for r in where_rows(row)]
        assert listed == sids[:3]
        links = [a["href"] for a in row.all("a") if a.get("class") == "where-name"]
        assert links == [f"../../s/{sid}/" for sid in sids[:3]]
        more = len(sids) - 3
        if more > 0:
            assert row.text(".where-more") == f"and {more} more"
        else:
            assert 'class="where-more' not in row_html
    # The script's data: the rows shown and no other screen, by screen id (no row index: a
    # page may read another release's data, where.py).
    data = json.loads(fleet.files[f"a/{aid}/where.json"])
    shown = {int(r["data-screen"] or 0) for r in where_rows(Page(text))}
    assert sorted(data) == ["plays", "screens"]
    assert {int(s) for s in data["screens"]} == shown and len(shown) == 3 + 3 + 2 + 3 + 1
    # Every screen moved its timeline by its own minutes, so each has its own plays, in its
    # own zone, and no plays but the listed screens' (where.py: bounded by what is shown).
    for sid in expected["Lisbon"][:3]:
        ((zone, plays),) = data["screens"][str(sid)]
        assert zone == "Europe/Lisbon" and plays
    used = {i for groups in data["screens"].values() for _zone, plays in groups for i in plays}
    assert used == set(range(len(data["plays"])))


def test_every_version_of_a_works_page_fetches_one_data_file_at_a_fixed_address(
    fleet: Fleet,
) -> None:
    """The script's data is the work's where.json, not a copy in each language version: each
    version names it relative to itself and with nothing of its bytes (a digest there would
    rewrite the page whenever a duration moves the data, where.py), and may fetch it
    (connect-src 'self'), as a screen's page may its programme.json, where no other page may.
    Each city row names its city, not a row index."""
    aid = fleet.site.gallery.works["Harbour Lights"]
    for path in page_files(f"a/{aid}/"):
        text = fleet.files[path].decode()
        up = "../../" if path.count("/") == 2 else "../../../"
        assert f'data-where="{up}a/{aid}/where.json"' in text, path
        assert '<li class="where-city" data-city="Lisbon">' in text, path
        assert '<li class="where-city" data-city="">' in text, path
        assert 'id="where-data"' not in text and '"plays"' not in text, path
        assert "script-src 'self'; connect-src 'self'; base-uri" in text, path
    playlist = next(iter(fleet.site.gallery.playlists.values()))
    assert "connect-src" not in fleet.files[f"p/{playlist}/index.html"].decode()


def test_city_names_are_escaped_and_pages_in_other_languages_count_in_their_words(
    fleet: Fleet,
) -> None:
    aid = fleet.site.gallery.works["Harbour Lights"]
    text = fleet.files[f"a/{aid}/index.html"].decode()
    assert HOSTILE_CITY not in text and "<b>Ülm" not in text
    assert "&lt;b&gt;Ülm&lt;/b&gt; &amp; &#34;Co&#34; &lt;/script&gt;" in text
    german = fleet.files[f"a/{aid}/de/index.html"].decode()
    assert "Andere Orte" in german and "5 Bildschirme" in german and "und 2 weitere" in german
    japanese = fleet.files[f"a/{aid}/ja/index.html"].decode()
    assert "その他の場所" in japanese and "スクリーン 5 台" in japanese


def test_a_work_on_few_screens_keeps_the_list_of_screens(site: Published) -> None:
    aid = site.gallery.works["Harbour Lights"]
    text, page = site.page(f"a/{aid}/index.html")
    assert len(where_rows(page)) == len(site.payloads) <= 8
    assert "where-city" not in text


# A city's row kept by what it shows (where_rows.py) --------------------------------------------


def renamed(payloads: dict[int, dict[str, Any]], sid: int, name: str) -> dict[int, dict[str, Any]]:
    """The payloads with one screen renamed, as a publish after renaming it would give them."""
    payload = copy.deepcopy(payloads[sid])
    payload["screen"]["name"] = name
    payload["manifest_version"] += "-renamed"
    return {**payloads, sid: payload}


def row_keys_by_city(
    fleet: Fleet, payloads: dict[int, dict[str, Any]], aid: int
) -> dict[str, set[str]]:
    """city -> the cache keys of its row in every version of the work's page."""
    versions = [
        (BASE_LANGUAGE, ROOT, ""),
        *((lang, f"{ROOT}../", f"{lang}/") for lang in LANGUAGES),
    ]
    return {
        row.city: {
            row_key(row, lang=lang, root=root, lang_path=path) for lang, root, path in versions
        }
        for row in by_city(where_to_see(payloads, fleet.cities)[aid])
    }


@pytest.mark.parametrize("listed", [True, False], ids=["listed-screen", "unlisted-screen"])
def test_a_city_row_is_rendered_again_exactly_when_what_it_shows_changes(
    fleet: Fleet, tmp_path: Path, listed: bool
) -> None:
    """Renaming a screen its city's row names makes that row anew (and no other); renaming one
    the row only counts makes none. The page is what a build without cache gives."""
    library = fleet.site.gallery.library
    aid = fleet.site.gallery.works["Harbour Lights"]
    showings = where_to_see(fleet.payloads, fleet.cities)[aid]
    lisbon = [s.screen_id for s in showings if s.city == "Lisbon"]  # soonest first
    assert len(lisbon) == 5  # three named in the row, two counted
    sid = lisbon[0] if listed else lisbon[-1]
    edited = renamed(fleet.payloads, sid, "Lisbon Renamed Kiosk")
    fresh = build_viewers(library, edited, base_url=BASE_URL)
    with OutputCache.in_home(tmp_path / "plain") as cache:
        build_viewers(library, fleet.payloads, base_url=BASE_URL, outputs=cache)
        cache.flush()
        kept = build_viewers(library, edited, base_url=BASE_URL, outputs=cache)
    for path in page_files(f"a/{aid}/"):
        assert kept.files[path] == fresh.files[path], path
    assert ("Lisbon Renamed Kiosk" in kept.files[f"a/{aid}/index.html"].decode()) is listed
    # Which rows are made anew: the kept ones are swapped for markers before the edit's build.
    with OutputCache.in_home(tmp_path / "marked") as cache:
        build_viewers(library, fleet.payloads, base_url=BASE_URL, outputs=cache)
        for city, keys in row_keys_by_city(fleet, fleet.payloads, aid).items():
            for key in keys:
                cache.put(key, f"<!-- kept {len(city)} -->\n".encode())
        cache.flush()
        marked = build_viewers(library, edited, base_url=BASE_URL, outputs=cache)
    for path in page_files(f"a/{aid}/"):
        rows = city_rows(marked.files[path].decode())
        remade = [row for row in rows if "<!-- kept" not in row]
        assert len(rows) == 5 and len(remade) == (1 if listed else 0), path
        assert all("Lisbon Renamed Kiosk" in row for row in remade)


# A work's where.json, joined from each screen's ready parts (where.where_data) ----------------


def plain_data(listed: list[ScreenShowing]) -> bytes:
    """The where.json of the screens listed, made the obvious way: each distinct Plays numbered
    as the listed screens first name it, the whole written by json.dumps."""
    index: dict[Plays, int] = {}
    screens = {
        str(s.screen_id): [[s.timezone, [index.setdefault(p, len(index)) for p in s.plays]]]
        for s in listed
    }
    data = {"plays": [[p.cycle, p.offsets, p.segments] for p in index], "screens": screens}
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def listed_screens(section: dict[str, Any]) -> list[ScreenShowing]:
    return list(section["where"]) or [s for row in section["where_cities"] for s in row.screens]


@pytest.mark.parametrize("count", [3, 40], ids=["by-screen", "by-city"])
def test_the_where_data_is_the_json_of_the_listed_screens_plays(count: int) -> None:
    """Byte for byte what json.dumps writes: screens by their ids as text ("10" before "9"),
    equal plays of two screens numbered once, a zone's text escaped as JSON does."""
    shared = Plays(60_000, ((0, 10_000), (30_000, 5_000)), ((0, 3_600_000),))
    showings = [
        ScreenShowing(
            screen_id=9 + n,
            name=f"Kiosk {n}",
            city=f"City {n % 7}",
            timezone='Zone/"Ülm" \\ </script>' if n % 2 else "Europe/Lisbon",
            first_ms=None if n == 5 else n % 4 * 1000,
            # Equal plays, distinct objects, on every third screen; each other its own.
            plays=(Plays(*shared),)
            if n % 3 == 0
            else (Plays(20_000 + n, ((n, 7),), ((n, 9 * n + 1),)), shared),
        )
        for n in range(count)
    ]
    section = where_section(showings)
    listed = listed_screens(section)
    assert len(listed) == min(count, 7 * 3) and {s.screen_id for s in listed} >= {9, 10}
    assert section["where_data"] == plain_data(listed)
    assert json.loads(section["where_data"])["plays"][0] == [
        60_000,
        [[0, 10_000], [30_000, 5_000]],
        [[0, 3_600_000]],
    ]


def test_the_where_data_numbers_thousands_of_plays_as_json_dumps_does() -> None:
    """Past the numbers written once (where._NUMBERS), plays are numbered and written alike."""
    listed = [
        ScreenShowing(
            n, f"K{n}", "C", "Europe/Lisbon", n, (Plays(n + 1, ((0, 1),), ((n, n + 5),)),)
        )
        for n in range(5000)
    ]
    listed.append(ScreenShowing(9999, "Again", "C", "UTC", 0, (listed[4500].plays[0],)))
    assert where_data(listed).encode("utf-8") == plain_data(listed)


def small_fleet(durations: dict[int, float], version: str) -> dict[int, dict[str, Any]]:
    """Twelve screens' manifests in three cities, each playing one playlist of two works
    (1 and 2) from its own minute; durations: screen id -> work 2's item's duration there."""
    start = datetime(2026, 5, 4, tzinfo=UTC)
    found = {}
    for sid in range(1, 13):
        segments = []
        for day in range(2):
            opens = start + timedelta(days=day, hours=8, minutes=sid)
            segments.append({"playlist": "7", "start": opens, "end": opens + timedelta(hours=9)})
        found[sid] = {
            "manifest_version": f"{version}-{sid}-{durations.get(sid, 20.0)}",
            "screen": {"name": f"Screen {sid}", "timezone": "Europe/Berlin"},
            "window": {"from": start.isoformat().replace("+00:00", "Z")},
            "timeline": [
                {**s, "start": s["start"].isoformat().replace("+00:00", "Z"),
                 "end": s["end"].isoformat().replace("+00:00", "Z")}
                for s in segments
            ],
            "playlists": {
                "7": {"items": [
                    {"artwork_id": 1, "duration_s": 10.0},
                    {"artwork_id": 2, "duration_s": durations.get(sid, 20.0)},
                ]}
            },
        }  # fmt: skip
    return found


def test_a_works_data_after_an_edit_is_what_a_build_from_nothing_gives() -> None:
    """Each screen's showing is kept in process by its manifest's version (where.py): after
    an edit moves durations on some screens, the data holds their new plays, read afresh from
    the manifests, and the kept plays of the others."""
    cities = {sid: ("Berlin", "Lisbon", "")[sid % 3] for sid in range(1, 13)}
    before = small_fleet({}, "v1")
    for aid in (1, 2):
        where_section(where_to_see(before, cities)[aid])  # what the previous publish kept
    edited = {**before, **small_fleet({2: 35.0, 4: 5.0, 12: 1.5}, "v2")}
    edited = {sid: edited[sid] if sid in (2, 4, 12) else before[sid] for sid in before}
    found = where_to_see(edited, cities)
    for aid in (1, 2):
        section = where_section(found[aid])
        listed = listed_screens(section)
        ids = {s.screen_id for s in listed}
        assert len(listed) == 3 + 3 + 3 and {2, 4} <= ids and 12 not in ids  # 12: counted
        afresh = [
            ScreenShowing(
                s.screen_id, s.name, s.city, s.timezone, s.first_ms,
                tuple(plays_by_work(edited[s.screen_id])[aid]),
            )
            for s in listed
        ]  # fmt: skip
        assert section["where_data"] == plain_data(afresh)
    cycle = json.loads(where_section(found[2])["where_data"])["plays"]
    assert sorted({p[0] for p in cycle}) == [15_000, 30_000, 45_000]
