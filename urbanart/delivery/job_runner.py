"""The one process that runs a library's timed jobs: elected by a database lease, watched over.

The studio and `urbanart serve` may both be open on one library. Both start a JobRunner; the
one that takes the `job_runner` lease (urbanart.library.leases) runs due jobs, the other keeps
its scheduler paused and says it is standing by. Every few seconds a renewal thread renews the
lease (or tries to take it, when standing by, so a killed holder is replaced within the lease
time), wakes the scheduler so jobs other processes stored run within one renewal, and checks
that the scheduler's loop thread is alive, restarting it with an error in the log if it died:
a runner that silently runs nothing is the failure this module exists to stop.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from urbanart.delivery import jobs
from urbanart.errors import InvalidValue
from urbanart.library import leases
from urbanart.library.leases import LeaseHolder
from urbanart.library.library import Library

log = logging.getLogger(__name__)

#: A holder that stops renewing (killed, asleep, cut off) is replaced this long after its last
#: renewal at the latest.
LEASE_SECONDS = 30.0
#: Renewals per lease time: one or two may fail (a locked database) without losing the lease.
RENEWALS_PER_LEASE = 3


class RunnerStatus(StrEnum):
    RUNNING = "running"  # this process runs the library's timed jobs
    STANDING_BY = "standing by"  # another process does; this one takes over if it stops
    STOPPED = "stopped"  # this process runs no job runner for the library


@dataclass(frozen=True)
class RunnerState:
    """What the status bar and `urbanart serve` say about timed jobs."""

    status: RunnerStatus
    holder: LeaseHolder | None = None  # who runs the jobs when it is not this process
    restarts: int = 0  # times the watchdog restarted a dead scheduler thread

    @property
    def text(self) -> str:
        if self.holder is None or self.status is RunnerStatus.RUNNING:
            return str(self.status)
        return f"{self.status} ({self.holder.describe()})"


_runners: dict[str, JobRunner] = {}
LEASE_ENV = "URBANART_JOB_LEASE_SECONDS"


def _key(home: str | os.PathLike[str]) -> str:
    return str(Path(home).resolve())


class JobRunner:
    """Runs a library's timed jobs while it holds the job-runner lease; stands by otherwise.

    on_change(state) is called (from the renewal thread) whenever the status or holder changes.
    """

    def __init__(
        self,
        library: Library,
        *,
        lease_seconds: float = LEASE_SECONDS,
        on_change: Callable[[RunnerState], None] | None = None,
    ) -> None:
        if not lease_seconds > 0:
            raise InvalidValue(
                "lease time",
                lease_seconds,
                "must be a positive number of seconds",
                key="lease_seconds",
            )
        self.library = library
        self.lease_seconds = lease_seconds
        self.renew_every = lease_seconds / RENEWALS_PER_LEASE
        self.on_change = on_change
        self.owner = leases.new_owner_id()
        self.scheduler: jobs.DeliveryScheduler | None = None
        self.restarts = 0
        self._holding = False
        self._valid_until = 0.0  # monotonic time our lease surely lasts to, by our own clock
        self._holder: LeaseHolder | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._last_state: RunnerState | None = None

    # Lifecycle ----------------------------------------------------------------------------------

    def start(self) -> RunnerState:
        """Open the job store (paused), try to take the lease, and start renewing."""
        scheduler = jobs.make_scheduler(self.library, start_paused=True)
        assert isinstance(scheduler, jobs.DeliveryScheduler)
        scheduler.gate = self._may_run
        self.scheduler = scheduler
        jobs.serve_jobs_with(self.library, scheduler)
        _runners[_key(self.library.home)] = self
        self.tick()
        self._thread = threading.Thread(
            target=self._renew_loop, name="urbanart-job-runner", daemon=True
        )
        self._thread.start()
        return self.state()

    def stop(self, *, wait: bool = True) -> None:
        """Stop running jobs and give the lease up, so a standing-by process takes over now."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=max(5.0, self.renew_every * 2))
        with self._lock:
            scheduler, self.scheduler = self.scheduler, None
            holding, self._holding = self._holding, False
            self._valid_until = 0.0
        if scheduler is not None:
            jobs.shutdown(scheduler, wait=wait)
        if holding:
            try:
                leases.release(self.library, leases.JOB_RUNNER, self.owner)
            except Exception:  # the lease then expires on its own
                log.exception("timed jobs: could not release the job-runner lease")
        key = _key(self.library.home)
        if _runners.get(key) is self:
            del _runners[key]
        self._notify()

    # State --------------------------------------------------------------------------------------

    def state(self) -> RunnerState:
        if self.scheduler is None:
            return RunnerState(RunnerStatus.STOPPED, restarts=self.restarts)
        if self._holding:
            return RunnerState(RunnerStatus.RUNNING, restarts=self.restarts)
        return RunnerState(RunnerStatus.STANDING_BY, self._holder, self.restarts)

    def _may_run(self) -> bool:
        return self._holding and time.monotonic() < self._valid_until

    def _notify(self) -> None:
        state = self.state()
        if state == self._last_state:
            return
        self._last_state = state
        log.info("timed jobs: %s", state.text)
        if self.on_change is not None:
            try:
                self.on_change(state)
            except Exception:
                log.exception("timed jobs: the state listener failed")

    # The renewal thread -------------------------------------------------------------------------

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.renew_every):
            try:
                self.tick()
            except Exception:  # a locked or unreachable database: try again at the next tick
                log.exception("timed jobs: could not renew the job-runner lease")

    def tick(self) -> None:
        """Renew or take the lease, start or pause processing to match, and watch the loop."""
        with self._lock:
            scheduler = self.scheduler
            if scheduler is None or self._stop.is_set():
                return
            began = time.monotonic()
            held = leases.take(self.library, leases.JOB_RUNNER, self.owner, self.lease_seconds)
            if held:
                self._valid_until = began + self.lease_seconds
                if not self._holding:
                    self._holding = True
                    jobs.install_standing_jobs(scheduler, self.library)
                    scheduler.resume()
                elif not scheduler.loop_alive:
                    self.restarts += 1
                    log.error(
                        "timed jobs: the scheduler thread had died (restart %d); restarting it",
                        self.restarts,
                    )
                    scheduler.restart_loop()
                else:
                    scheduler.wakeup()  # jobs other processes stored are due-checked each tick
                self._holder = None
            else:
                if self._holding:
                    log.warning("timed jobs: the job-runner lease was taken over; standing by")
                    self._holding = False
                    self._valid_until = 0.0
                    scheduler.pause()
                self._holder = leases.holder(self.library, leases.JOB_RUNNER)
        self._notify()


def runner_state(library: Library) -> RunnerState:
    """This process's job runner for the library, or, without one, who holds the lease."""
    runner = _runners.get(_key(library.home))
    if runner is not None:
        return runner.state()
    return RunnerState(RunnerStatus.STOPPED, leases.holder(library, leases.JOB_RUNNER))


def start_runner(
    library: Library,
    *,
    lease_seconds: float | None = None,
    on_change: Callable[[RunnerState], None] | None = None,
) -> JobRunner:
    """Start the library's job runner in this process. URBANART_JOB_LEASE_SECONDS overrides the
    lease time (tests shorten it to watch a takeover without waiting half a minute)."""
    if lease_seconds is None:
        raw = os.environ.get(LEASE_ENV, str(LEASE_SECONDS))
        try:
            lease_seconds = float(raw)
        except ValueError:
            raise InvalidValue(
                LEASE_ENV, raw, "must be a number of seconds", key="lease_seconds"
            ) from None
    if not lease_seconds > 0:
        raise InvalidValue(
            "lease time", lease_seconds, "must be a positive number of seconds", key="lease_seconds"
        )
    runner = JobRunner(library, lease_seconds=lease_seconds, on_change=on_change)
    runner.start()
    return runner


__all__ = [
    "LEASE_SECONDS",
    "JobRunner",
    "RunnerState",
    "RunnerStatus",
    "runner_state",
    "start_runner",
]
