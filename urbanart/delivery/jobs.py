"""Timed delivery work (publish at a time, re-push at playlist switches, mark screens offline,
re-publish before screens' manifests run out).

Jobs live in the library's own database (an APScheduler SQLAlchemyJobStore), so a job stored by
`urbanart publish --at` survives the command exiting, the laptop sleeping or the hub
restarting; whichever serving process (`urbanart serve` or the studio) starts the scheduler next
runs it. Jobs are module-level functions referenced by text and take the library's home path:
the store pickles arguments, and a Library (engine, sessions) must never be pickled.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING, STATE_STOPPED
from sqlalchemy import inspect, select
from sqlalchemy.exc import DBAPIError

from urbanart.curation import schedules
from urbanart.curation.resolver import resolve_all
from urbanart.delivery.manifest import EXPIRY_MARGIN
from urbanart.delivery.push import push
from urbanart.delivery.retention import prune_reports
from urbanart.errors import InvalidValue
from urbanart.library.library import Library
from urbanart.library.models import PublishedManifest, Screen

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
#: A publish missed while the machine slept still runs once on wake, if within this.
PUBLISH_GRACE = 3600
#: A re-push later than this is pointless: the next boundary or poll covers it.
REPUSH_GRACE = 60
#: How often screens are checked for going silent; coalesced, so a wake runs it once.
OFFLINE_EVERY = 60
#: Re-push jobs are planned this far ahead and re-planned this often (and after each publish).
REPUSH_HORIZON = timedelta(hours=24)
REPUSH_REPLAN_EVERY = 3600

#: A healthy library re-publishes when a screen's manifest would expire within this: a day
#: before its window ends, so screens neither fall back to their default playlist for want of a
#: publish nor ever hold an expired manifest (players refuse those: a freeze). Checked hourly.
REFRESH_BEFORE = EXPIRY_MARGIN + timedelta(days=1)
REFRESH_EVERY = 3600

#: How often heartbeat history and plays past their retention settings are pruned.
PRUNE_EVERY = 3600

PUBLISH_JOB = "urbanart.delivery.jobs:run_publish"
PRUNE_JOB = "urbanart.delivery.jobs:run_prune_reports"
REFRESH_JOB = "urbanart.delivery.jobs:run_refresh"
REPUSH_JOB = "urbanart.delivery.jobs:run_repush"
PLAN_REPUSHES_JOB = "urbanart.delivery.jobs:run_plan_repushes"
MARK_OFFLINE_JOB = "urbanart.delivery.jobs:run_mark_offline"
#: Provided by the hub (urbanart.delivery.status); called through run_mark_offline so a missing
#: or renamed function makes the job log an error instead of being dropped from the store.
MARK_OFFLINE_TARGET = "urbanart.delivery.status:mark_offline"

_running: dict[str, BackgroundScheduler] = {}


#: After an error in the scheduler's loop (a job another process removed meanwhile, a locked
#: database), the loop tries again this many seconds later instead of dying.
LOOP_RETRY = 5.0
#: While the job-runner lease is not (or no longer) held, the loop looks again this often.
GATE_RETRY = 1.0


class _SharedJobStore(SQLAlchemyJobStore):  # type: ignore[misc]  # APScheduler 3: untyped
    """The job store several processes write: updating a job another process removed meanwhile
    (the CLI re-planned re-pushes) leaves nothing to update, which is not an error."""

    def start(self, scheduler: BackgroundScheduler, alias: str) -> None:
        try:
            super().start(scheduler, alias)
        except DBAPIError:
            # On PostgreSQL two processes starting at once may both create the table; the
            # loser's CREATE fails on the catalogue's unique name. Now the table exists.
            log.info("timed jobs: another process created the job table meanwhile")
            self.jobs_t.create(self.engine, checkfirst=True)

    def update_job(self, job: Job) -> None:
        try:
            super().update_job(job)
        except JobLookupError:
            log.info("timed jobs: job %s was removed by another process", job.id)


class DeliveryScheduler(BackgroundScheduler):  # type: ignore[misc]  # APScheduler 3: untyped
    """APScheduler 3's BackgroundScheduler, hardened for a job store other processes write.

    - shutdown() wakes the loop, which then processes due jobs once more with the executors
      already gone; a stopped scheduler here touches no job.
    - An error while processing (JobLookupError: the CLI re-planned re-pushes and removed the
      job this loop was about to remove; a locked database) is logged and retried, where
      APScheduler would let it end the loop thread and silently run nothing more.
    - `gate`, when set, must say yes before any job runs: the job runner sets it to "this
      process still holds the job-runner lease", so a process that slept past its lease does
      not run a job the process that took over runs too.
    """

    gate: Callable[[], bool] | None = None

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        if self.gate is not None and self.state == STATE_RUNNING and not self.gate():
            return GATE_RETRY
        try:
            wait: float | None = super()._process_jobs()
            return wait
        except Exception:
            log.exception("timed jobs: error while processing due jobs; retrying")
            return LOOP_RETRY

    def remove_job(self, job_id: str, jobstore: str | None = None) -> None:
        """In the loop (removing a job that just ran its last time), a failure is logged and the
        loop goes on to the other due jobs: another process may have removed the job already
        (JobLookupError), or the store failed; either way the other jobs must still run."""
        if threading.current_thread() is not getattr(self, "_thread", None):
            super().remove_job(job_id, jobstore)
            return
        try:
            super().remove_job(job_id, jobstore)
        except JobLookupError:
            log.info("timed jobs: job %s was already removed by another process", job_id)
        except Exception:
            log.exception("timed jobs: could not remove finished job %s; going on", job_id)

    @property
    def loop_alive(self) -> bool:
        """Whether the thread that runs due jobs is alive (False before start, after shutdown,
        or when something escaped the loop and ended it)."""
        thread = getattr(self, "_thread", None)
        return thread is not None and thread.is_alive()

    def restart_loop(self) -> None:
        """Start the loop thread again after it died (the watchdog does this)."""
        if self.state == STATE_STOPPED or self.loop_alive:
            return
        self._thread = threading.Thread(target=self._main_loop, name="APScheduler", daemon=True)
        self._thread.start()


def _key(home: str | os.PathLike[str]) -> str:
    return str(Path(home).resolve())


def make_scheduler(library: Library, *, start_paused: bool = False) -> BackgroundScheduler:
    """A started BackgroundScheduler whose jobs live in the library's database.

    start_paused=True stores and edits jobs without running any (the CLI does this to leave
    work for the serving process); otherwise due jobs run now (a missed one within its grace
    time once) and the standing jobs are installed. Call shutdown() when done.
    """
    scheduler = DeliveryScheduler(
        jobstores={"default": _SharedJobStore(engine=library.engine, tablename=JOB_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": REPUSH_GRACE},
        timezone=UTC,
    )
    scheduler.start(paused=start_paused)
    if not start_paused:
        install_standing_jobs(scheduler, library)
        serve_jobs_with(library, scheduler)
    return scheduler


def serve_jobs_with(library: Library, scheduler: BackgroundScheduler) -> None:
    """Make `scheduler` the one this process edits this library's jobs through (the job runner
    registers its scheduler, paused while it stands by, so new jobs wake it at once)."""
    _running[_key(library.home)] = scheduler


def shutdown(scheduler: BackgroundScheduler, *, wait: bool = True) -> None:
    for home, running in list(_running.items()):
        if running is scheduler:
            del _running[home]
    scheduler.shutdown(wait=wait)


@contextmanager
def _scheduler_for(library: Library) -> Iterator[BackgroundScheduler]:
    """The serving scheduler of this library when this process runs one (so it wakes for new
    jobs at once), else a paused one just to write to the job store."""
    running = _running.get(_key(library.home))
    if running is not None and running.running:
        yield running
        return
    scheduler = make_scheduler(library, start_paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def has_job_store(library: Library) -> bool:
    """Whether timed jobs exist for this library: a scheduler runs for it in this process, or
    one stored jobs in its database before. Without either, nobody would run planned re-pushes,
    so publishing does not create a job store just to plan them."""
    running = _running.get(_key(library.home))
    if running is not None and running.running:
        return True
    return inspect(library.engine).has_table(JOB_TABLE)


def install_standing_jobs(scheduler: BackgroundScheduler, library: Library) -> None:
    """The interval jobs a serving process always runs. The offline check also wakes the
    scheduler every minute, so jobs another process stored are noticed within a minute."""
    home = str(library.home)
    scheduler.add_job(
        MARK_OFFLINE_JOB,
        "interval",
        seconds=OFFLINE_EVERY,
        args=[home],
        id="mark-offline",
        name="Mark silent screens offline",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=OFFLINE_EVERY,
    )
    scheduler.add_job(
        REFRESH_JOB,
        "interval",
        seconds=REFRESH_EVERY,
        args=[home],
        id="refresh-manifests",
        name="Re-publish before screens' manifests expire",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=REFRESH_EVERY,
    )
    scheduler.add_job(
        PRUNE_JOB,
        "interval",
        seconds=PRUNE_EVERY,
        args=[home],
        id="prune-reports",
        name="Prune heartbeats and plays past their retention",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=PRUNE_EVERY,
        next_run_time=datetime.now(UTC) + timedelta(minutes=1),
    )
    scheduler.add_job(
        PLAN_REPUSHES_JOB,
        "interval",
        seconds=REPUSH_REPLAN_EVERY,
        args=[home],
        id="plan-repushes",
        name="Plan re-pushes at playlist switches",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=REPUSH_REPLAN_EVERY,
    )


def schedule_publish(
    library: Library, at: datetime, *, grace_seconds: int = PUBLISH_GRACE
) -> datetime:
    """Store a one-off publish at `at` (aware). Returns the UTC run time.

    A time already past runs as soon as a scheduler starts, if still within the grace time.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidValue(
            "--at", at.isoformat(), "needs a time zone, e.g. 2026-06-01T09:00+02:00", key="at"
        )
    when = at.astimezone(UTC)
    with _scheduler_for(library) as scheduler:
        scheduler.add_job(
            PUBLISH_JOB,
            "date",
            run_date=when,
            args=[str(library.home)],
            id=f"publish-{when.strftime('%Y%m%dT%H%M%SZ')}",
            name=f"Publish at {when.isoformat()}",
            replace_existing=True,
            misfire_grace_time=grace_seconds,
        )
    return when


def scheduled_publishes(library: Library) -> list[datetime]:
    with _scheduler_for(library) as scheduler:
        return sorted(
            job.next_run_time
            for job in scheduler.get_jobs()
            if job.id.startswith("publish-") and job.next_run_time is not None
        )


def schedule_repushes(library: Library, *, now: datetime | None = None) -> list[str]:
    """For every screen with a push URL, a re-push at each playlist switch in the next 24 h.

    Existing re-push jobs are replaced (by id: screen and instant), and ones no longer at a
    boundary are removed, so planning twice gives the same jobs. Returns the job ids.
    """
    start = (now or datetime.now(UTC)).astimezone(UTC)
    end = start + REPUSH_HORIZON
    inputs = schedules.load_all(library)
    with library.session() as session:
        push_ids = set(session.scalars(select(Screen.id).where(Screen.push_url.is_not(None))))
    wanted: dict[str, tuple[int, datetime]] = {}
    pushed = {screen_id: inputs[screen_id] for screen_id in sorted(push_ids) if screen_id in inputs}
    # Only a change of winner changes what a screen plays, so only those get a re-push.
    for screen_id, timeline in resolve_all(pushed, start, end, losers=False).items():
        for segment in timeline.segments[1:]:
            when = segment.start
            wanted[f"repush-{screen_id}-{int(when.timestamp())}"] = (screen_id, when)
    with _scheduler_for(library) as scheduler:
        for job in scheduler.get_jobs():
            if job.id.startswith("repush-") and job.id not in wanted:
                job.remove()
        for job_id, (screen_id, when) in wanted.items():
            scheduler.add_job(
                REPUSH_JOB,
                "date",
                run_date=when,
                args=[str(library.home), screen_id],
                id=job_id,
                name=f"Re-push screen {screen_id} at {when.isoformat()}",
                replace_existing=True,
                misfire_grace_time=REPUSH_GRACE,
            )
    return sorted(wanted)


# The jobs (module-level, referenced by text; arguments are plain strings and ints) -------------


@contextmanager
def _library(home: str) -> Iterator[Library]:
    library = Library.open(home, create=False)
    try:
        yield library
    finally:
        library.close()


def run_publish(home: str) -> None:
    """The timed "Publish": the same publish_and_deliver the CLI and the studio run."""
    # Imported here: the workflow plans re-pushes through this module.
    from urbanart.delivery.workflow import publish_and_deliver

    with _library(home) as library:
        delivery = publish_and_deliver(library)
        log.info("scheduled publish: %s", delivery.message)


def refresh_due(library: Library, now: datetime | None = None) -> bool:
    """Whether some screen's published manifest expires within REFRESH_BEFORE (or has no expiry:
    published by a version that stamped none, which players now refuse)."""
    limit = (now or datetime.now(UTC)).astimezone(UTC) + REFRESH_BEFORE
    with library.session() as session:
        expiries = list(session.scalars(select(PublishedManifest.expires_at)))
    return any(at is None or at <= limit for at in expiries)


def run_refresh(home: str) -> None:
    """The timed refresh: publish_and_deliver when a manifest would soon expire. It publishes
    what the library holds, as a scheduled publish does."""
    from urbanart.delivery.workflow import publish_and_deliver

    with _library(home) as library:
        if refresh_due(library):
            delivery = publish_and_deliver(library)
            log.info("refresh before manifests expire: %s", delivery.message)


def run_repush(home: str, screen_id: int) -> None:
    with _library(home) as library:
        push(library, screens=[screen_id])


def run_plan_repushes(home: str) -> None:
    with _library(home) as library:
        schedule_repushes(library)


def run_prune_reports(home: str) -> None:
    """The timed prune of heartbeat history and plays past the library's retention settings."""
    with _library(home) as library:
        prune_reports(library)


def run_mark_offline(home: str) -> None:
    """Call the hub's mark_offline(library); until the hub provides it, log and carry on."""
    module_name, _, attr = MARK_OFFLINE_TARGET.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError):
        log.error("offline marking is not available (%s is missing)", MARK_OFFLINE_TARGET)
        return
    with _library(home) as library:
        target(library)
