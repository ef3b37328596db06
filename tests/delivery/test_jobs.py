"""Scheduled delivery work survives restarts, honours grace times and follows playlist switches."""

from __future__ import annotations

import signal
import subprocess
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from sqlalchemy import select

from tests.delivery.conftest import PYTHON, REPO, World, build_world, subprocess_env
from urbanart.curation import schedules
from urbanart.curation.resolver import resolve
from urbanart.delivery import jobs
from urbanart.library.library import Library
from urbanart.library.models import Publication

STORE_AND_HANG = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime, timedelta
    from urbanart.library.library import Library
    from urbanart.delivery.jobs import schedule_publish
    library = Library.open(sys.argv[1])
    schedule_publish(library, datetime.now(UTC) + timedelta(seconds=2))
    print("stored", flush=True)
    time.sleep(120)
    """
)

SERVE_UNTIL_PUBLISHED = textwrap.dedent(
    """
    import sys, time
    from sqlalchemy import select
    from urbanart.library.library import Library
    from urbanart.library.models import Publication
    from urbanart.delivery.jobs import make_scheduler, shutdown
    library = Library.open(sys.argv[1])
    scheduler = make_scheduler(library)
    deadline = time.monotonic() + 30
    statuses = []
    while time.monotonic() < deadline:
        with library.session() as session:
            statuses = list(session.scalars(select(Publication.status)))
        if statuses and statuses[-1] != "running":
            break
        time.sleep(0.1)
    remaining = [job.id for job in scheduler.get_jobs()]
    shutdown(scheduler)
    print(",".join(statuses), ",".join(remaining))
    """
)


def publications(library: Library) -> list[str]:
    with library.session() as session:
        return list(session.scalars(select(Publication.status)))


def job_ids(library: Library) -> dict[str, object]:
    scheduler = jobs.make_scheduler(library, start_paused=True)
    try:
        return {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)


def test_a_stored_publish_survives_its_process_and_runs_in_the_next(library: Library) -> None:
    home = str(library.home)
    writer = subprocess.Popen(
        [PYTHON, "-c", STORE_AND_HANG, home],
        env=subprocess_env(),
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "stored"
    finally:
        writer.kill()  # SIGKILL: nothing of the writer survives but what it stored
        writer.wait(10)
    assert publications(library) == []
    server = subprocess.run(
        [PYTHON, "-c", SERVE_UNTIL_PUBLISHED, home],
        env=subprocess_env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert server.returncode == 0, server.stderr
    statuses, remaining = server.stdout.split(" ")
    assert statuses == "done"
    assert not any(job.startswith("publish-") for job in remaining.split(","))
    assert {"mark-offline", "plan-repushes", "refresh-manifests"} <= set(
        remaining.strip().split(",")
    )
    assert publications(library) == ["done"]


def _run_until(library: Library, mask: int) -> list[int]:
    """Start a serving scheduler and wait for the first event in mask; the codes seen."""
    seen: list[int] = []
    done = threading.Event()
    scheduler = jobs.make_scheduler(library, start_paused=True)

    def listener(event: object) -> None:
        seen.append(event.code)  # type: ignore[attr-defined]
        done.set()

    scheduler.add_listener(listener, mask)
    try:
        scheduler.resume()
        assert done.wait(15), "the scheduler never reported"
    finally:
        jobs.shutdown(scheduler)
    return seen


def test_a_publish_missed_beyond_its_grace_is_skipped(library: Library) -> None:
    jobs.schedule_publish(library, datetime.now(UTC) - timedelta(seconds=5), grace_seconds=1)
    seen = _run_until(library, EVENT_JOB_MISSED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    assert seen == [EVENT_JOB_MISSED]
    assert publications(library) == []
    assert not [j for j in job_ids(library) if j.startswith("publish-")]


def test_a_publish_missed_within_its_grace_runs_once(library: Library) -> None:
    jobs.schedule_publish(library, datetime.now(UTC) - timedelta(minutes=20))
    seen = _run_until(library, EVENT_JOB_MISSED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    assert seen == [EVENT_JOB_EXECUTED]
    assert publications(library) == ["done"]


def test_cli_publish_at_stores_the_job_and_says_who_runs_it(library: Library, run_cli) -> None:
    later = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    result = run_cli("publish", "--at", later.isoformat())
    assert result.exit_code == 0, result.stderr
    assert "urbanart serve" in result.stdout and "Publish stored for" in result.stdout
    assert jobs.scheduled_publishes(library) == [later]
    past = run_cli("publish", "--at", "2020-01-01T09:00")
    assert past.exit_code == 2 and "in the past" in past.stderr
    assert publications(library) == []


def test_urbanart_serve_runs_the_stored_jobs(library: Library) -> None:
    """The CLI tells curators `urbanart serve` runs a stored publish: it must."""
    jobs.schedule_publish(library, datetime.now(UTC) - timedelta(minutes=1))
    server = subprocess.Popen(
        [PYTHON, "-m", "urbanart.cli.main", "--home", str(library.home), "serve", "--port", "0"],
        env=subprocess_env(),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while publications(library) != ["done"] and time.monotonic() < deadline:
            assert server.poll() is None, server.communicate()[1]
            time.sleep(0.1)
        assert publications(library) == ["done"]
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=15)
        assert server.returncode == 0, err
        assert "Hub stopped." in out
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert not [j for j in job_ids(library) if j.startswith("publish-")]


def test_repushes_are_planned_at_each_playlist_switch(library: Library, tmp_path) -> None:
    world: World = build_world(library, tmp_path / "src", push_url="http://127.0.0.1:9/push")
    now = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    planned = jobs.schedule_repushes(library, now=now)
    quito = world.screens["Quito"]
    context, rules = schedules.rules_for_screen(library, quito)
    timeline = resolve(rules, context, now, now + timedelta(hours=24))
    boundaries = [segment.start for segment in timeline.segments[1:]]
    assert len(boundaries) == 2  # Evening 18:00-23:00 on Quito's clock
    assert planned == sorted(f"repush-{quito}-{int(b.timestamp())}" for b in boundaries)
    stored = job_ids(library)
    for job_id, when in zip(planned, sorted(boundaries), strict=True):
        job = stored[job_id]
        assert job.next_run_time == when  # type: ignore[attr-defined]
        assert job.func_ref == jobs.REPUSH_JOB  # type: ignore[attr-defined]
        assert job.args == (str(library.home), quito)  # type: ignore[attr-defined]
        assert job.misfire_grace_time == jobs.REPUSH_GRACE  # type: ignore[attr-defined]
    assert jobs.schedule_repushes(library, now=now) == planned  # replaced, not doubled
    assert len([j for j in job_ids(library) if j.startswith("repush-")]) == 2
    evening = next(s for s in schedules.list_schedules(library) if s.window == "18:00-23:00")
    schedules.remove_schedule(library, evening.id)
    assert jobs.schedule_repushes(library, now=now) == []
    assert not [j for j in job_ids(library) if j.startswith("repush-")]


def test_standing_jobs_reference_module_functions_by_text(library: Library) -> None:
    scheduler = jobs.make_scheduler(library)
    try:
        stored = {job.id: job for job in scheduler.get_jobs()}
    finally:
        jobs.shutdown(scheduler)
    offline = stored["mark-offline"]
    assert offline.func_ref == jobs.MARK_OFFLINE_JOB and offline.args == (str(library.home),)
    assert offline.coalesce and offline.misfire_grace_time == jobs.OFFLINE_EVERY
    jobs.run_mark_offline(str(library.home))  # the hub's function is there and runs
