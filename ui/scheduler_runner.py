"""Runs the library's APScheduler scheduler (``urbanart.delivery.jobs``) beside the studio.

Timed delivery work lives in the library's database: a publish set for 18:00, re-pushes at
playlist switches, marking silent screens offline. Exactly one process runs those jobs: the
studio or ``urbanart serve``, whichever holds the job-runner lease (urbanart.delivery.job_runner);
the other stands by. Starting opens the job store, so it happens off the GUI thread.
"""

from __future__ import annotations

from apscheduler.schedulers.base import BaseScheduler
from PySide6.QtCore import QObject, Signal

from ui.operations import submit
from urbanart.delivery.job_runner import JobRunner, RunnerState, start_runner
from urbanart.library.library import Library


class SchedulerRunner(QObject):
    """Owns the job runner of one open library; ``status`` is the text for the status bar:
    "jobs: running" when this studio runs the timed jobs, "jobs: standing by" when another
    process (a `urbanart serve`, another studio) holds the job-runner lease."""

    status_changed = Signal(str)
    #: (generation, status, text), emitted from the runner's thread, shown on the GUI thread.
    state_changed = Signal(int, str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status = "jobs: not started"
        self.detail = ""  # who runs the jobs when this studio stands by
        self.runner: JobRunner | None = None
        self._generation = 0
        self.state_changed.connect(self._on_state)

    def start(self, library: Library) -> None:
        self._generation += 1
        generation = self._generation
        self._set("jobs: starting…")

        def changed(state: RunnerState) -> None:  # from the runner's renewal thread
            self.state_changed.emit(generation, state.status.value, state.text)

        def started(runner: JobRunner) -> None:
            if generation != self._generation:  # stopped (or another library opened) meanwhile
                submit(lambda _ctx: runner.stop(wait=False), label="stop scheduler")
                return
            self.runner = runner
            self._show(generation, runner.state())

        submit(
            lambda _ctx: start_runner(library, on_change=changed),
            on_success=started,
            on_failure=lambda exc, _trace: self._set(f"jobs: could not start ({exc})"),
            label="start scheduler",
            receiver=self,
        )

    @property
    def scheduler(self) -> BaseScheduler | None:
        """The scheduler of the running job runner (paused while standing by)."""
        return None if self.runner is None else self.runner.scheduler

    def stop(self) -> None:
        self._generation += 1
        runner, self.runner = self.runner, None
        if runner is not None:
            # Releasing the lease writes to the database: never on the GUI thread.
            submit(lambda _ctx: runner.stop(wait=False), label="stop scheduler")
            self._set("jobs: stopped")

    def _on_state(self, generation: int, status: str, text: str) -> None:
        if generation == self._generation and self.runner is not None:
            self._set(f"jobs: {status}", tooltip=f"Timed jobs: {text}")

    def _show(self, generation: int, state: RunnerState) -> None:
        self._on_state(generation, state.status.value, state.text)

    def _set(self, text: str, tooltip: str = "") -> None:
        self.status = text
        self.detail = tooltip
        self.status_changed.emit(text)
