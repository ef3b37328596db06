"""Keep only the latest result: background loads where each new request supersedes the last.

A view that reloads as the curator types, picks another item or a timer fires may have several
loads in flight; only the newest one's answer may reach the screen, or an older, slower answer
would overwrite a newer one. ``Latest`` is the one way views say so (instead of counting
generations, comparing tokens or keeping "in flight" flags by hand): each ``run`` supersedes
every earlier one, whose result or failure is then dropped, and whose cancel flag is set so an
engine call that checks it can stop early.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtWidgets import QWidget

from ui.operations import OpContext, run_op, show_error

T = TypeVar("T")
log = logging.getLogger(__name__)


class Latest:
    """Runs one kind of background load for a widget; only the newest run's outcome is delivered."""

    def __init__(self, parent: QWidget, label: str = "") -> None:
        self.parent = parent
        self.label = label
        self._generation = 0
        self._ctx: OpContext | None = None

    @property
    def running(self) -> bool:
        """Whether the newest run has not reported yet."""
        return self._ctx is not None

    def run(
        self,
        fn: Callable[[OpContext], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None] | None = None,
        **options: Any,
    ) -> OpContext:
        """Start fn in the background (through ``run_op``), superseding every earlier run.

        on_success / on_failure are called only if no newer run started meanwhile. Without
        on_failure, a failure of the newest run is shown in a message box over the parent.
        ``options`` go to ``run_op`` (label, progress_label…).
        """
        self.supersede()
        generation = self._generation

        def current() -> bool:
            return generation == self._generation

        def succeeded(result: T) -> None:
            if current():
                self._ctx = None
                on_success(result)

        def failed(exc: BaseException) -> None:
            if not current():
                log.debug("dropped the failure of a superseded %s: %s", self.label, exc)
                return
            self._ctx = None
            if on_failure is not None:
                on_failure(exc)
            else:
                show_error(self.parent, exc)

        options.setdefault("label", self.label or getattr(fn, "__name__", "load"))
        self._ctx = run_op(self.parent, fn, on_success=succeeded, on_failure=failed, **options)
        return self._ctx

    def supersede(self) -> None:
        """Drop the outcome of every run started so far (and ask it to stop)."""
        self._generation += 1
        if self._ctx is not None:
            self._ctx.cancel.set()
            self._ctx = None
