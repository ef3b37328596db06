"""Heartbeat history and plays past the library's retention settings are pruned, in batches, by a
standing timed job; recent rows stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from tests.delivery.hub_fixtures import add_screen
from urbanart.delivery import jobs
from urbanart.delivery.retention import prune_reports
from urbanart.errors import InvalidValue
from urbanart.library.library import Library
from urbanart.library.models import Heartbeat, Play
from urbanart.library.settings import load_settings, update_settings

NOW = datetime.now(UTC).replace(microsecond=0)
#: Ages in days; with the defaults (30 and 400 days) the first two of each go, the rest stay.
HEARTBEAT_AGES = (45, 30.01, 29.9, 3, 0)
PLAY_AGES = (700, 400.01, 399.9, 3, 0)


def _fill(library: Library) -> int:
    screen_id = add_screen(library, "Harbour Wall", "UTC", "harbour-token-0123456789abcdefghij")
    with library.session() as s:
        for age in HEARTBEAT_AGES:
            s.add(Heartbeat(screen_id=screen_id, received_at=NOW - timedelta(days=age), body="{}"))
        for i, age in enumerate(PLAY_AGES):
            s.add(
                Play(
                    screen_id=screen_id,
                    record_id=f"play-{age}",
                    artwork_sha256=f"{i:064x}",
                    started_at=NOW - timedelta(days=age),
                    duration_s=10.0,
                    received_at=NOW,
                )
            )
    return screen_id


def _ages_left(library: Library) -> tuple[list[float], list[float]]:
    with library.session() as s:
        beats = [(NOW - t) / timedelta(days=1) for t in s.scalars(select(Heartbeat.received_at))]
        plays = [(NOW - t) / timedelta(days=1) for t in s.scalars(select(Play.started_at))]
    return sorted(round(a, 2) for a in beats), sorted(round(a, 2) for a in plays)


def test_defaults_keep_30_days_of_heartbeats_and_400_of_plays(library: Library) -> None:
    settings = load_settings(library)
    assert (settings.heartbeats_keep_days, settings.plays_keep_days) == (30, 400)
    _fill(library)
    pruned = prune_reports(library, now=NOW)
    assert (pruned.heartbeats, pruned.plays) == (2, 2)
    beats, plays = _ages_left(library)
    assert beats == sorted(round(a, 2) for a in HEARTBEAT_AGES[2:])
    assert plays == sorted(round(a, 2) for a in PLAY_AGES[2:])
    again = prune_reports(library, now=NOW)  # nothing more is old enough
    assert (again.heartbeats, again.plays) == (0, 0)


def test_the_settings_decide_and_old_rows_go_in_small_transactions(library: Library) -> None:
    _fill(library)
    update_settings(library, heartbeats_keep_days=2, plays_keep_days=2)
    deletes: list[str] = []

    def count(_conn, _cursor, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            deletes.append(statement)

    event.listen(library.engine, "before_cursor_execute", count)
    try:
        pruned = prune_reports(library, now=NOW, batch=2)
    finally:
        event.remove(library.engine, "before_cursor_execute", count)
    assert (pruned.heartbeats, pruned.plays) == (4, 4)
    assert len(deletes) == 4  # 4 old rows of each kind, 2 per transaction
    beats, plays = _ages_left(library)
    assert beats == [0.0] and plays == [0.0]


def test_a_retention_out_of_range_is_refused_by_name_and_nothing_is_stored(
    library: Library,
) -> None:
    with pytest.raises(InvalidValue) as refused:
        update_settings(library, heartbeats_keep_days=7, plays_keep_days=0)
    assert "plays_keep_days" in str(refused.value) and "from 1 to 36,500 days" in str(refused.value)
    assert load_settings(library).heartbeats_keep_days == 30  # the valid change was not stored


def test_settings_cli_changes_the_retention(run_cli, library: Library) -> None:
    result = run_cli("settings", "--set", "heartbeats_keep_days=14")
    assert result.exit_code == 0, result.stderr
    assert load_settings(library).heartbeats_keep_days == 14


def test_the_prune_is_a_standing_timed_job_that_runs(library: Library, home: Path) -> None:
    _fill(library)
    scheduler = jobs.make_scheduler(library)
    try:
        stored = {job.id: job for job in scheduler.get_jobs()}
    finally:
        jobs.shutdown(scheduler)
    prune = stored["prune-reports"]
    assert prune.func_ref == jobs.PRUNE_JOB and prune.args == (str(library.home),)
    assert prune.trigger.interval == timedelta(seconds=jobs.PRUNE_EVERY)
    jobs.run_prune_reports(str(home))  # what the job runs, as the runner calls it
    beats, plays = _ages_left(library)
    assert len(beats) == 3 and len(plays) == 3
