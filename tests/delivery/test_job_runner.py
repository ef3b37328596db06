"""Exactly one process runs the timed jobs; the others stand by; a dead loop is restarted."""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import select, text

from tests.delivery.conftest import PYTHON, REPO, subprocess_env
from urbanart.delivery import jobs
from urbanart.delivery.job_runner import (
    LEASE_ENV,
    JobRunner,
    RunnerStatus,
    runner_state,
    start_runner,
)
from urbanart.errors import InvalidValue
from urbanart.library import leases
from urbanart.library.library import Library
from urbanart.library.models import Publication

LEASE = 3.0  # seconds: short, so a takeover is quick to watch


def publications(library: Library) -> list[str]:
    with library.session() as session:
        return list(session.scalars(select(Publication.status).order_by(Publication.id)))


class Serve:
    """A real `urbanart serve` on a random port, its stdout lines read as they come."""

    def __init__(self, library: Library) -> None:
        env = subprocess_env(URBANART_JOB_LEASE_SECONDS=str(LEASE), PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "urbanart.cli.main", "--home", str(library.home), "serve", "--port",
             "0"],
            env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no line starting {prefix!r} in {timeout} s; saw {self.seen}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def test_two_serving_processes_run_a_stored_publish_once_and_the_survivor_takes_over(
    library: Library,
) -> None:
    jobs.schedule_publish(library, datetime.now(UTC) + timedelta(seconds=6))
    first = Serve(library)
    second = Serve(library)
    try:
        states = [
            first.wait_for("Timed jobs: ", 30),
            second.wait_for("Timed jobs: ", 30),
        ]
        assert sorted(s.split(" (")[0] for s in states) == [
            "Timed jobs: running",
            "Timed jobs: standing by",
        ], states
        holder, standby = (first, second) if states[0] == "Timed jobs: running" else (second, first)
        held_by = states[1] if holder is first else states[0]
        assert f"pid {holder.process.pid} since " in held_by

        deadline = time.monotonic() + 40
        while publications(library) != ["done"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert publications(library) == ["done"]
        time.sleep(2)  # a second runner would have started its own publish by now
        assert publications(library) == ["done"]

        holder.process.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        assert standby.wait_for("Timed jobs: running", LEASE + 15) == "Timed jobs: running"
        # the lease time plus one renewal interval, plus a loaded machine's slack
        assert time.monotonic() - killed_at < LEASE + LEASE / 3 + 10

        jobs.schedule_publish(library, datetime.now(UTC))  # the survivor now runs jobs
        deadline = time.monotonic() + 40
        while publications(library) != ["done", "done"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert publications(library) == ["done", "done"]
        holder_now = leases.holder(library, leases.JOB_RUNNER)
        assert holder_now is not None and holder_now.pid == str(standby.process.pid)
    finally:
        first.stop()
        second.stop()


def test_a_standing_by_runner_names_the_holder_and_takes_over_when_it_stops(
    library: Library, home
) -> None:
    other = Library.open(home)
    first = JobRunner(library, lease_seconds=LEASE)
    second = JobRunner(other, lease_seconds=LEASE)
    try:
        assert first.start().status is RunnerStatus.RUNNING
        state = second.start()
        assert state.status is RunnerStatus.STANDING_BY
        assert state.text.startswith("standing by (held by ") and f"pid {os.getpid()}" in state.text
        assert runner_state(library).status is RunnerStatus.STANDING_BY  # the latest started
        first.stop()  # a clean stop gives the lease up: no need to wait for it to expire
        second.tick()
        assert second.state().status is RunnerStatus.RUNNING
        assert second.scheduler is not None and second.scheduler.loop_alive
    finally:
        first.stop()
        second.stop()
        other.close()
    assert runner_state(library).status is RunnerStatus.STOPPED


def test_the_loop_survives_a_job_store_that_fails_to_remove_a_finished_job(
    library: Library, caplog
) -> None:
    """APScheduler lets an error removing a run job end its loop thread; ours logs and goes on."""
    scheduler = jobs.make_scheduler(library, start_paused=True)
    home = str(library.home)
    now = datetime.now(UTC)
    scheduler.add_job(jobs.MARK_OFFLINE_JOB, "date", run_date=now, args=[home], id="doomed")
    scheduler.add_job(
        jobs.MARK_OFFLINE_JOB, "date", run_date=now + timedelta(seconds=1), args=[home], id="later"
    )
    with library.engine.begin() as conn:  # the database refuses the removal, as a full disk would
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    " IF OLD.id = 'doomed' THEN RAISE EXCEPTION 'disk I/O error'; END IF;"
                    " RETURN OLD; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_doomed BEFORE DELETE ON apscheduler_jobs "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_doomed()"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_doomed BEFORE DELETE ON apscheduler_jobs "
                    "WHEN OLD.id = 'doomed' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
                )
            )
    ran: list[str] = []
    later_ran = threading.Event()

    def executed(event: object) -> None:
        ran.append(event.job_id)  # type: ignore[attr-defined]
        if event.job_id == "later":  # type: ignore[attr-defined]
            later_ran.set()

    scheduler.add_listener(executed, EVENT_JOB_EXECUTED)
    try:
        with caplog.at_level(logging.ERROR, logger="urbanart.delivery.jobs"):
            scheduler.resume()
            assert later_ran.wait(20), f"the loop stopped running jobs; ran {ran}"
        assert scheduler.loop_alive
        assert "could not remove finished job doomed" in caplog.text
    finally:
        jobs.shutdown(scheduler)


_DIED = threading.Event()


class DiesOnceTrigger(BaseTrigger):
    """Fires once; the first time the loop asks for its next time, ends the loop thread (a
    BaseException, which nothing in APScheduler's loop catches)."""

    def __init__(self, when: datetime) -> None:
        self.when = when

    def get_next_fire_time(self, previous: datetime | None, now: datetime) -> datetime | None:
        if previous is None:
            return self.when
        if not _DIED.is_set():
            _DIED.set()
            raise SystemExit("the scheduler loop dies here")
        return None


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # on purpose
def test_the_watchdog_restarts_a_dead_scheduler_thread_and_reports_it(
    library: Library, caplog
) -> None:
    _DIED.clear()  # the test runs once per database in the same process
    runner = JobRunner(library, lease_seconds=1.5)
    home = str(library.home)
    try:
        runner.start()
        scheduler = runner.scheduler
        assert scheduler is not None
        later_ran = threading.Event()
        scheduler.add_listener(
            lambda e: later_ran.set() if e.job_id == "after" else None, EVENT_JOB_EXECUTED
        )
        with caplog.at_level(logging.ERROR, logger="urbanart.delivery.job_runner"):
            now = datetime.now(UTC)
            scheduler.add_job(jobs.MARK_OFFLINE_JOB, DiesOnceTrigger(now), args=[home], id="dies")
            scheduler.add_job(
                jobs.MARK_OFFLINE_JOB, "date", run_date=now + timedelta(seconds=1), args=[home],
                id="after",
            )  # fmt: skip
            assert _DIED.wait(15), "the loop never reached the dying trigger"
            assert later_ran.wait(20), "nothing ran after the loop thread died"
        assert runner.restarts == 1 and runner.state().restarts == 1
        assert "scheduler thread had died" in caplog.text
        assert scheduler.loop_alive
    finally:
        runner.stop()


@pytest.mark.parametrize("lease", [0.0, -5.0])
def test_a_lease_time_that_is_not_positive_is_refused_by_name(
    library: Library, lease: float
) -> None:
    with pytest.raises(InvalidValue, match="lease time") as caught:
        JobRunner(library, lease_seconds=lease)
    assert caught.value.key == "lease_seconds" and caught.value.value == lease


def test_a_lease_time_from_the_environment_that_is_no_number_is_refused_by_name(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LEASE_ENV, "soon")
    with pytest.raises(InvalidValue, match=LEASE_ENV) as caught:
        start_runner(library)
    assert caught.value.key == "lease_seconds" and caught.value.value == "soon"
