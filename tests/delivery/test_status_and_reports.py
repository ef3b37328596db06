"""Screen status (online/offline with the 3× rule), mark_offline, and the proof-of-play report."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from tests.delivery.hub_fixtures import PUSH_SECRET, add_artwork, add_screen, sha
from urbanart.delivery.api import PlayIn, record_heartbeat, record_plays, record_polls
from urbanart.delivery.reports import parse_bound, plays_report
from urbanart.delivery.status import mark_offline, offline_after, screen_statuses
from urbanart.library.library import Library
from urbanart.library.models import PublishedManifest, ScreenState

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ART = b"artwork bytes for the report"


def beat(version: str = "v1", title: str | None = None) -> dict[str, object]:
    return {
        "playing": {"artwork_sha256": sha(ART), "title": title} if title else None,
        "manifest_version": version,
        "player_version": "2.0.0",
        "free_disk_bytes": 5_000_000_000,
        "errors": ["e1", "e2"],
    }


def by_name(library: Library, now: datetime) -> dict[str, object]:
    return {s.name: s for s in screen_statuses(library, now=now)}


@pytest.mark.no_database
def test_offline_threshold_is_three_polls_with_a_three_minute_floor() -> None:
    assert offline_after(60) == timedelta(minutes=3)
    assert offline_after(5) == timedelta(minutes=3)
    assert offline_after(300) == timedelta(minutes=15)


def test_status_follows_heartbeats_and_time(library: Library) -> None:
    tokyo = add_screen(library, "Shibuya", "Asia/Tokyo", "t1", poll_interval=60)
    add_screen(library, "Never", "Europe/Berlin", "t2")
    with library.session() as s:
        s.add(PublishedManifest(screen_id=tokyo, version="v2", etag='"x"'))
    assert record_heartbeat(library, tokyo, beat("v1", "Koi"), T0)

    statuses = by_name(library, T0 + timedelta(minutes=2))
    shibuya = statuses["Shibuya"]
    assert shibuya.state == "online"
    assert shibuya.now_playing == "Koi"
    assert shibuya.latest_manifest == "no" and shibuya.published_version == "v2"
    assert shibuya.player_version == "2.0.0" and shibuya.free_disk_bytes == 5_000_000_000
    assert shibuya.errors == ("e1", "e2")
    assert statuses["Never"].state == "never seen"
    assert statuses["Never"].latest_manifest == "unknown"

    assert by_name(library, T0 + timedelta(minutes=3, seconds=1))["Shibuya"].state == "offline"
    record_heartbeat(library, tokyo, beat("v2"), T0 + timedelta(minutes=10))
    later = by_name(library, T0 + timedelta(minutes=11))["Shibuya"]
    assert later.state == "online" and later.latest_manifest == "yes"


def test_a_poll_counts_as_seen(library: Library) -> None:
    tokyo = add_screen(library, "Shibuya", "Asia/Tokyo", "t1")
    record_heartbeat(library, tokyo, beat(), T0)
    record_polls(library, {tokyo: T0 + timedelta(minutes=5)})
    status = by_name(library, T0 + timedelta(minutes=7))["Shibuya"]
    assert status.state == "online" and status.last_seen_at == T0 + timedelta(minutes=5)


def test_mark_offline_sets_the_crossing_time_once(library: Library) -> None:
    slow = add_screen(library, "Slow", "Asia/Tokyo", "t1", poll_interval=600)
    fast = add_screen(library, "Fast", "America/New_York", "t2", poll_interval=30)
    record_heartbeat(library, slow, beat(), T0)
    record_heartbeat(library, fast, beat(), T0)
    assert mark_offline(library, now=T0 + timedelta(minutes=2)) == 0
    assert mark_offline(library, now=T0 + timedelta(minutes=5)) == 1  # only Fast (3 min floor)
    assert mark_offline(library, now=T0 + timedelta(minutes=6)) == 0  # already marked
    with library.session() as s:
        assert s.get(ScreenState, fast).offline_since == T0 + timedelta(minutes=3)
        assert s.get(ScreenState, slow).offline_since is None
    assert mark_offline(library, now=T0 + timedelta(minutes=31)) == 1  # Slow: 3 × 10 min
    record_heartbeat(library, fast, beat(), T0 + timedelta(minutes=40))
    with library.session() as s:
        assert s.get(ScreenState, fast).offline_since is None


def test_screens_status_json_cli(library: Library, run_cli) -> None:
    tokyo = add_screen(library, "Shibuya", "Asia/Tokyo", "t1")
    add_screen(library, "Times Square", "America/New_York", "t2")
    record_heartbeat(library, tokyo, beat("v1", "Koi"), datetime.now(UTC))
    result = run_cli("screens", "status", "--json")
    assert result.exit_code == 0, result.stderr
    data = {row["name"]: row for row in result.json()}
    assert data["Shibuya"]["state"] == "online"
    assert data["Shibuya"]["now_playing"] == "Koi"
    assert data["Shibuya"]["errors"] == ["e1", "e2"]
    assert data["Times Square"]["state"] == "never seen"
    assert PUSH_SECRET not in result.stdout
    table = run_cli("screens", "status")
    assert table.exit_code == 0 and "Shibuya" in table.stdout and "online" in table.stdout
    assert PUSH_SECRET not in table.stdout


@pytest.fixture
def plays(library: Library) -> dict[str, int]:
    tokyo = add_screen(library, "Shibuya", "Asia/Tokyo", "t1")
    ny = add_screen(library, "Times Square", "America/New_York", "t2")
    add_artwork(library, ART, "Neon Koi", "Aiko")

    def p(rid: str, at: datetime, duration: float = 10.0) -> PlayIn:
        return PlayIn(rid, sha(ART), "Evening", at, duration, "v1")

    # 2025-03-09 is the US DST change: 06:30Z is 01:30 EST, 07:30Z is 03:30 EDT.
    record_plays(library, tokyo, [p("a", datetime(2025, 3, 9, 11, 0, tzinfo=UTC))], T0)
    record_plays(
        library,
        ny,
        [
            p("b", datetime(2025, 3, 9, 6, 30, tzinfo=UTC), 20.0),
            p("c", datetime(2025, 3, 9, 7, 30, tzinfo=UTC), 30.0),
            PlayIn("d", "cd" * 32, None, datetime(2025, 3, 10, 0, 0, tzinfo=UTC), 5.0, None),
        ],
        T0,
    )
    return {"tokyo": tokyo, "ny": ny}


def test_report_plays_csv_has_utc_and_local_times(plays: dict[str, int], run_cli) -> None:
    result = run_cli("report", "plays", "--from", "2025-03-09", "--to", "2025-03-09", "--csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["started_at_utc"] for r in rows] == [
        "2025-03-09T06:30:00Z",
        "2025-03-09T07:30:00Z",
        "2025-03-09T11:00:00Z",
    ]
    assert [r["started_at_local"] for r in rows] == [
        "2025-03-09T01:30:00-05:00",
        "2025-03-09T03:30:00-04:00",
        "2025-03-09T20:00:00+09:00",
    ]
    assert [r["screen"] for r in rows] == ["Times Square", "Times Square", "Shibuya"]
    assert rows[2]["timezone"] == "Asia/Tokyo"
    assert {r["artwork"] for r in rows} == {"Neon Koi"} and rows[0]["artist"] == "Aiko"
    assert rows[0]["playlist"] == "Evening" and rows[1]["duration_s"] == "30"


def test_report_filters_by_screen_and_totals(
    plays: dict[str, int], library: Library, run_cli
) -> None:
    report = plays_report(
        library, parse_bound("2025-03-01", end=False), parse_bound("2025-03-31", end=True)
    )
    assert len(report.rows) == 4
    koi, unknown = report.totals
    assert (koi.artwork, koi.plays, koi.seconds) == ("Neon Koi", 3, 60.0)
    assert (unknown.artwork, unknown.plays) == (None, 1)
    only_tokyo = run_cli(
        "report",
        "plays",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--screen",
        "Shibuya",
        "--json",
    )
    data = only_tokyo.json()
    assert [p["screen"] for p in data["plays"]] == ["Shibuya"]
    assert data["totals"][0]["plays"] == 1
    table = run_cli("report", "plays", "--from", "2025-03-01", "--to", "2025-03-31")
    assert table.exit_code == 0 and "Neon Koi" in table.stdout and "Totals" in table.stdout


def test_report_bounds(run_cli, library: Library) -> None:
    assert parse_bound("2025-03-09", end=True) == datetime(2025, 3, 10, tzinfo=UTC)
    assert parse_bound("2025-03-09T10:00:00+09:00", end=False) == datetime(
        2025, 3, 9, 1, tzinfo=UTC
    )
    bad = run_cli("report", "plays", "--from", "yesterday", "--to", "2025-03-01")
    assert bad.exit_code == 2 and "--from" in bad.stderr


def test_report_plays_reads_in_local_time_sets_partial_plays_apart_and_totals_per_screen(
    plays: dict[str, int], library: Library, run_cli
) -> None:
    from urbanart.curation.playlists import add_items, create_playlist

    evening = create_playlist(library, "Evening")
    add_items(library, evening.id, ["Neon Koi"], duration=20)  # Tokyo's 10 s play was cut short
    data = run_cli("report", "plays", "--from", "2025-03-09", "--to", "2025-03-10", "--json").json()
    partial = {p["started_at_utc"]: p["partial"] for p in data["plays"]}
    assert partial == {
        "2025-03-09T06:30:00Z": False,  # 20 s of 20
        "2025-03-09T07:30:00Z": False,  # 30 s: longer is not partial
        "2025-03-09T11:00:00Z": True,  # 10 s of 20
        "2025-03-10T00:00:00Z": False,  # unknown work: no plan to compare with
    }
    totals = {t["screen"]: (t["plays"], t["partial"], t["seconds"]) for t in data["screen_totals"]}
    assert totals == {"Shibuya": (1, 1, 10.0), "Times Square": (3, 0, 55.0)}
    assert data["totals"][0]["partial"] == 1

    text = run_cli("report", "plays", "--from", "2025-03-09", "--to", "2025-03-10").stdout
    complete, _, rest = text.partition("Partial plays")
    partial_part, _, totals_part = rest.partition("Totals per screen")
    assert "Sun 9 Mar 2025, 20:00:00 JST" in partial_part and "10 s of 20 s" in partial_part
    assert "Shibuya" not in complete  # its only play is listed apart
    assert "Sun 9 Mar 2025, 01:30:00 EST" in complete  # across the US DST change:
    assert "Sun 9 Mar 2025, 03:30:00 EDT" in complete  # each row in its own offset
    assert "Shibuya" in totals_part and "Times Square" in totals_part
    assert "55 s" in totals_part and "Totals per artwork" in totals_part
