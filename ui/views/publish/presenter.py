"""The Publish view's state and engine calls: checks, publishes, pushes and the history.

The presenter decides what runs when (a check queued while a publish runs, a debounced check
after data changes, only the latest history/detail load shown) and tells the widget what to
show through ``PublishDisplay``; it builds no widgets, so the widget is only layout and wiring.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from ui.latest import Latest
from ui.operations import (
    ARTWORKS,
    LIBRARY,
    PLAYLISTS,
    PUBLICATIONS,
    SCHEDULES,
    SCREENS,
    SETTINGS,
    Debouncer,
    OpContext,
    describe,
    run_op,
    show_error,
)
from ui.studio import Studio
from ui.views.publish import formatting as fmt
from ui.views.publish.formatting import Look, Op
from urbanart.delivery.history import (
    PublicationDetail,
    PublicationRecord,
    PushRecord,
    get_publication,
    latest_pushes,
    list_publications,
    push_screen_ids,
)
from urbanart.delivery.publisher import PublishCancelled, PublishResult, publish
from urbanart.delivery.push import push
from urbanart.delivery.workflow import Delivery, Stage, publish_and_deliver
from urbanart.errors import UrbanArtError
from urbanart.library.public_address import public_address_warning
from urbanart.library.settings import load_settings
from urbanart.library.video_renditions import VideoBudget, video_budgets

#: Kinds of change that can change what a publish would write.
CHECK_KINDS = frozenset({PLAYLISTS, SCHEDULES, SCREENS, ARTWORKS, LIBRARY, SETTINGS})
CHECK_DELAY_MS = 600


@dataclass(frozen=True)
class Check:
    """A dry run's result with the pushes the screens table shows beside it."""

    result: PublishResult
    pushes: dict[int, PushRecord]
    pushable: frozenset[int]
    #: Each screen's video works against its byte budget (sizes shown under the screen).
    videos: tuple[VideoBudget, ...] = ()


@dataclass(frozen=True)
class Published:
    """A publish-and-deliver's outcome, with the pushes read back afterwards."""

    delivery: Delivery
    pushed: tuple[PushRecord, ...]
    pushes: dict[int, PushRecord]
    pushable: frozenset[int]


class PublishDisplay(Protocol):
    """What the presenter asks of the Publish widget."""

    def isVisible(self) -> bool: ...  # QWidget's own

    def show_summary(self, text: str) -> None: ...

    def show_notice(self, text: str, look: Look) -> None: ...

    def show_address_warning(self, text: str | None) -> None:
        """Show (or hide, with None) why phones elsewhere cannot open the published links."""
        ...

    def show_progress(self, visible: bool) -> None:
        """Show an indefinite progress row (a check started), or hide it."""
        ...

    def show_check_progress(self, done: int, total: int, text_format: str) -> None: ...

    def show_buttons(self, *, busy: bool, can_publish: bool, reason: str) -> None: ...

    def show_result(
        self,
        result: PublishResult,
        pushes: dict[int, PushRecord],
        pushable: frozenset[int],
        *,
        published: bool,
        hint: str,
        can_retry: bool,
    ) -> None: ...

    def show_video_budgets(self, budgets: tuple[VideoBudget, ...]) -> None:
        """List each screen's video renditions with their sizes, warning where a budget
        cannot be met."""
        ...

    def show_history(self, records: list[PublicationRecord], wanted: int | None) -> bool:
        """Fill the history and select ``wanted`` (else the newest); False if none selected."""
        ...

    def show_detail(self, detail: PublicationDetail | None) -> None: ...


class PublishPresenter(QObject):
    """Owns what was checked or published and runs every engine call of the Publish view."""

    #: A background check's progress, carried to the GUI thread (queued across threads).
    progressed = Signal(int, int, str)

    def __init__(self, studio: Studio, display: PublishDisplay, parent: QWidget) -> None:
        super().__init__(parent)
        self.studio = studio
        self.display = display
        self.parent_widget = parent
        self.started = False
        self.op: Op | None = None  # the job running now
        self._check_ctx: OpContext | None = None
        self.stale = True  # something changed since the last check
        self._again = False  # a check was asked for while busy
        self.changed: bool | None = None  # what the last check or publish said
        self._history_select: int | None = None
        self._detail_id: int | None = None
        self._history_load = Latest(parent, "publication history")
        self._detail_load = Latest(parent, "publication detail")
        self._address_load = Latest(parent, "public address")
        self.failed_pushes: list[int] = []
        self._shown: tuple[PublishResult, bool] | None = None  # result on screen, published?
        self.progressed.connect(self._check_progress)
        self._check_later = Debouncer(CHECK_DELAY_MS, self.check, self)
        studio.bus.changed.connect(self._data_changed)

    # Lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """First load: the history now, the check as soon as the view is on screen."""
        self.started = True
        self.refresh_history()
        self.refresh_address_warning()
        if self.display.isVisible():
            self.check()

    def shown(self) -> None:
        """The view came on screen: check again if something changed meanwhile."""
        if self.started and self.stale:
            self.check()

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if PUBLICATIONS in kinds:
            self.refresh_history()
        if SETTINGS in kinds or LIBRARY in kinds:
            self.refresh_address_warning()
        if kinds & CHECK_KINDS:
            self.stale = True
            if self.display.isVisible():
                self._check_later.poke()

    # Checking (dry run) ------------------------------------------------------------------------

    def check(self) -> None:
        """Compare the library with the served tree, in the background; queued when busy."""
        if not self.started:
            return
        if self.op is not None:
            self._again = True
            return
        self.stale = self._again = False
        self.op = Op.CHECK
        library, relay = self.studio.library, self.progressed

        def work(ctx: OpContext) -> Check:
            def progress(done: int, total: int, what: str) -> None:
                with contextlib.suppress(RuntimeError):  # the view was closed meanwhile
                    relay.emit(done, total, what)

            result = publish(library, dry_run=True, progress=progress, cancel=ctx.cancel)
            videos = tuple(video_budgets(library))
            return Check(result, latest_pushes(library), push_screen_ids(library), videos)

        work.__name__ = "check what would change"
        self.display.show_summary(fmt.CHECKING)
        self.display.show_progress(True)
        self.update_buttons()
        self._check_ctx = run_op(
            self.parent_widget, work, on_success=self._checked, on_failure=self._check_failed
        )

    def stop_check(self) -> None:
        if self.op is Op.CHECK and self._check_ctx is not None:
            self._check_ctx.cancel.set()
            self.display.show_summary(fmt.STOPPING)

    def _check_progress(self, done: int, total: int, what: str) -> None:
        if self.op is not Op.CHECK:
            return
        self.display.show_check_progress(done, total, fmt.check_progress_format(what))

    def _checked(self, outcome: Check) -> None:
        self._end_op()
        result = outcome.result
        self.changed = result.changed
        self._show_result(result, outcome.pushes, outcome.pushable, published=False)
        self.display.show_video_budgets(outcome.videos)
        self.display.show_summary(result.message)
        warnings = [*result.warnings, *fmt.video_budget_warnings(outcome.videos)]
        self.display.show_notice("\n".join(warnings), Look.CHANGED)
        self._after_op()

    def _check_failed(self, exc: BaseException) -> None:
        self._end_op()
        self.changed = None
        self.stale = True  # still unknown: check again when next shown
        if isinstance(exc, PublishCancelled):
            self.display.show_summary(fmt.CHECK_STOPPED)
        elif isinstance(exc, UrbanArtError):
            self.display.show_summary(fmt.CHECK_FAILED)
            self.display.show_notice(str(exc), Look.FAILED)
        else:
            self.display.show_summary(fmt.CHECK_FAULT)
            show_error(self.parent_widget, exc)
        self._after_op()

    # Publishing --------------------------------------------------------------------------------

    def publish_now(self) -> None:
        """Publish every screen, then push the new versions to screens with a push URL."""
        if self.op is not None or self.changed is False:
            return
        self.op = Op.PUBLISH
        self.display.show_notice("", Look.PLAIN)
        self.update_buttons()
        library = self.studio.library

        def work(ctx: OpContext) -> Published:
            def progress(stage: Stage, done: int, total: int, what: str) -> None:
                counted, text = fmt.publish_stage_text(stage, total, what)
                if counted:
                    ctx.progress(done, total, text)
                else:
                    ctx.progress(0, 0, text)

            delivery = publish_and_deliver(library, progress=progress, cancel=ctx.cancel)
            return Published(
                delivery,
                tuple(PushRecord.of(o) for o in delivery.pushes),
                latest_pushes(library),
                push_screen_ids(library),
            )

        work.__name__ = "publish"
        run_op(
            self.parent_widget,
            work,
            on_success=self._published,
            on_failure=self._publish_failed,
            progress_label="Publishing to the screens…",
            cancellable=True,
            changes={PUBLICATIONS},
            bus=self.studio.bus,
            writes=True,
        )

    def _published(self, outcome: Published) -> None:
        self._end_op()
        delivery = outcome.delivery
        result = delivery.result
        self.changed = False
        self._history_select = result.publication_id
        self._show_result(result, outcome.pushes, outcome.pushable, published=True)
        self.display.show_summary(fmt.published_summary(result.message, outcome.pushed))
        self.display.show_notice(fmt.delivery_notes(delivery), Look.CHANGED)
        self._after_op()

    def _publish_failed(self, exc: BaseException) -> None:
        self._end_op()
        if isinstance(exc, PublishCancelled):
            self.display.show_notice(fmt.CANCELLED, Look.CHANGED)
        else:
            self.display.show_notice(f"Publishing failed: {describe(exc)}", Look.FAILED)
            show_error(self.parent_widget, exc)
        self.studio.bus.announce({PUBLICATIONS})  # the failed run is in the history now
        self._after_op()

    # Pushing again -------------------------------------------------------------------------------

    def retry_pushes(self) -> None:
        """Push the served version again to the screens whose last push failed."""
        if self.op is not None or not self.failed_pushes or self._shown is None:
            return
        self.op = Op.PUSH
        self.update_buttons()
        library, targets = self.studio.library, list(self.failed_pushes)

        def work(_ctx: OpContext) -> tuple[list[PushRecord], dict[int, PushRecord], frozenset[int]]:
            outcomes = [PushRecord.of(o) for o in push(library, screens=targets)]
            return outcomes, latest_pushes(library), push_screen_ids(library)

        work.__name__ = "push again"
        run_op(
            self.parent_widget,
            work,
            on_success=self._pushed_again,
            on_failure=self._push_again_failed,
            progress_label=fmt.pushing_label(len(targets)),
            writes=True,
        )

    def _pushed_again(
        self, outcome: tuple[list[PushRecord], dict[int, PushRecord], frozenset[int]]
    ) -> None:
        self._end_op()
        if self._shown is not None:
            pushed, pushes, pushable = outcome
            result, published = self._shown
            self._show_result(result, pushes, pushable, published=published)
            self.display.show_notice(*fmt.pushed_again_notice(pushed))
        self._after_op()

    def _push_again_failed(self, exc: BaseException) -> None:
        self._end_op()
        show_error(self.parent_widget, exc)
        self._after_op()

    # Shared --------------------------------------------------------------------------------------

    def _show_result(
        self,
        result: PublishResult,
        pushes: dict[int, PushRecord],
        pushable: frozenset[int],
        *,
        published: bool,
    ) -> None:
        self._shown = (result, published)
        self.failed_pushes = fmt.failed_push_ids(result.screens, pushes, pushable)
        self.display.show_result(
            result,
            pushes,
            pushable,
            published=published,
            hint=fmt.HINT if result.screens else fmt.NO_SCREENS,
            can_retry=bool(self.failed_pushes),
        )

    def _end_op(self) -> None:
        self.op = None
        self._check_ctx = None
        self.display.show_progress(False)

    def _after_op(self) -> None:
        """Run the check that was asked for while busy (now if visible, else when shown)."""
        self.update_buttons()
        if self._again:
            self._again = False
            self.stale = True
            if self.display.isVisible():
                self._check_later.poke()

    def update_buttons(self) -> None:
        busy = self.op is not None
        self.display.show_buttons(
            busy=busy,
            can_publish=not busy and self.changed is not False,
            reason=fmt.publish_reason(self.op, self.changed),
        )

    # Public address ------------------------------------------------------------------------------

    def refresh_address_warning(self) -> None:
        """Read the public address in the background; warn while it is a loopback address."""
        library = self.studio.library
        self._address_load.run(
            lambda _ctx: public_address_warning(load_settings(library)),
            self.display.show_address_warning,
        )

    # History -----------------------------------------------------------------------------------

    def refresh_history(self) -> None:
        library = self.studio.library
        self._history_load.run(lambda _ctx: list_publications(library), self._show_history)

    def _show_history(self, records: list[PublicationRecord]) -> None:
        wanted = self._history_select or self._detail_id
        self._history_select = None
        if not self.display.show_history(records, wanted):
            self._detail_load.supersede()
            self.display.show_detail(None)

    def choose_publication(self, publication_id: int) -> None:
        """Load what a past publication did per screen (only the latest choice is shown)."""
        self._detail_id = publication_id
        library = self.studio.library
        self._detail_load.run(
            lambda _ctx: get_publication(library, publication_id), self.display.show_detail
        )
