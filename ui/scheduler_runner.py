"""Runs the library's APScheduler scheduler (``urbanart.delivery.jobs``) beside the studio.

Timed delivery work lives in the library's database: a publish set for 18:00, re-pushes at
playlist switches, marking silent screens offline. Some process has to run those jobs; while the
studio is open it is the studio (``urbanart serve`` does the same on a server). Starting opens
the job store, so it happens off the GUI thread; stopping only wakes and joins the scheduler's
own thread.
"""

from __future__ import annotations

from apscheduler.schedulers.base import BaseScheduler
from PySide6.QtCore import QObject, Signal

from ui.operations import submit
from urbanart.delivery import jobs
from urbanart.library.library import Library


class SchedulerRunner(QObject):
    """Owns the scheduler of one open library; ``status`` is the text for the status bar."""

    status_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status = "jobs: not started"
        self.scheduler: BaseScheduler | None = None
        self._generation = 0

    def start(self, library: Library) -> None:
        self._generation += 1
        generation = self._generation
        self._set("jobs: starting…")

        def started(scheduler: BaseScheduler) -> None:
            if generation != self._generation:  # stopped (or another library opened) meanwhile
                jobs.shutdown(scheduler, wait=False)
                return
            self.scheduler = scheduler
            self._set("jobs: running")

        submit(
            lambda _ctx: jobs.make_scheduler(library),
            on_success=started,
            on_failure=lambda exc, _trace: self._set(f"jobs: could not start ({exc})"),
            label="start scheduler",
            receiver=self,
        )

    def stop(self) -> None:
        self._generation += 1
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            jobs.shutdown(scheduler, wait=False)
            self._set("jobs: stopped")

    def _set(self, text: str) -> None:
        self.status = text
        self.status_changed.emit(text)
