"""Proof of play for live works: a play may carry frames_shown (how many frames of the live feed
the screen showed); the hub checks, stores and reports it. Through a real hub and database."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.delivery import test_hub_api
from tests.delivery.test_hub_api import PLAYS_FROM, TOKYO, Api, play
from urbanart.delivery.reports import plays_report
from urbanart.library.models import Play

hub_api = test_hub_api.hub_api  # the screens' API through a real hub, as test_hub_api has it


def test_a_live_play_keeps_its_frames_shown_and_the_report_shows_them(
    hub_api: Api, run_cli
) -> None:  # type: ignore[no-untyped-def]
    live = play("live-1") | {"frames_shown": 42}
    still = play("still-1", 1)
    answer = hub_api.post(TOKYO, "plays", {"records": [live, still]})
    assert answer.status_code == 200 and answer.json() == {"accepted": 2, "duplicates": 0}
    with hub_api.library.session() as session:
        stored = {p.record_id: p.frames_shown for p in session.scalars(select(Play))}
    assert stored == {"live-1": 42, "still-1": None}

    start, end = PLAYS_FROM - timedelta(hours=1), PLAYS_FROM + timedelta(hours=1)
    report = plays_report(hub_api.library, start, end)
    assert sorted((r.frames_shown or 0) for r in report.rows) == [0, 42]
    assert {r["frames_shown"] for r in report.to_json()["plays"]} == {42, None}
    bound = ("--from", f"{start:%Y-%m-%d %H:%M}", "--to", f"{end:%Y-%m-%d %H:%M}")
    rows = list(csv.DictReader(io.StringIO(run_cli("report", "plays", *bound, "--csv").stdout)))
    assert sorted(r["frames_shown"] for r in rows) == ["", "42"]
    table = run_cli("report", "plays", *bound)
    assert table.exit_code == 0, table.stderr
    assert "42 frames" in table.stdout


@pytest.mark.parametrize("bad", [-1, 2.5, "many", 10_000_001])
def test_a_bad_frames_shown_is_refused_naming_the_field(hub_api: Api, bad: object) -> None:
    answer = hub_api.post(TOKYO, "plays", {"records": [play("x") | {"frames_shown": bad}]})
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("records/0/frames_shown"), answer.json()
    with hub_api.library.session() as session:
        assert session.scalars(select(Play)).all() == []
