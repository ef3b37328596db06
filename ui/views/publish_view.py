"""The Publish view: what would change on which screen, publishing it, and the history.

Top: a dry run of `publish` (run when the view is first shown and again, debounced, whenever
playlists, schedules, screens or works change while it is visible) lists every screen with its
change, the items left out of its manifest and why, and its last push. The Publish button runs
the engine's publish_and_deliver (publish, push the new versions to screens with a push URL,
re-plan timed re-pushes) behind a cancellable progress dialog and shows each result. Bottom:
past publications; choosing one shows what each screen got from it. Checks and publishes never
overlap: a request while one runs is queued.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QItemSelection, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QIcon, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.latest import Latest
from ui.models.publish_models import HistoryModel, ScreenChangesModel, local_time, totals_text
from ui.operations import (
    ARTWORKS,
    LIBRARY,
    PLAYLISTS,
    PUBLICATIONS,
    SCHEDULES,
    SCREENS,
    Debouncer,
    OpContext,
    describe,
    run_op,
    show_error,
)
from ui.studio import Studio
from ui.widgets.form_fields import hint_label
from ui.widgets.plain_text import PlainLabel
from urbanart.delivery.changes import ChangeStatus
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
from urbanart.delivery.workflow import Delivery, PushSkip, Stage, publish_and_deliver
from urbanart.errors import UrbanArtError
from urbanart.library.vocabulary import ReviewStatus

#: Kinds of change that can change what a publish would write.
CHECK_KINDS = frozenset({PLAYLISTS, SCHEDULES, SCREENS, ARTWORKS, LIBRARY})
CANCELLED = "Publishing was cancelled; screens keep the previous version."
CHECK_DELAY_MS = 600
HINT = (
    "Screens fetch their new version at their next poll; screens with a push URL are told at "
    "once. Expand a screen to see which items were left out and why."
)
NO_SCREENS = (
    "No screens yet: add screens in Screens and schedule playlists on them in Schedules. "
    "Publishing still writes the player and the public pages."
)


@dataclass(frozen=True)
class _Check:
    result: PublishResult
    pushes: dict[int, PushRecord]
    pushable: frozenset[int]


@dataclass(frozen=True)
class _Published:
    delivery: Delivery
    pushed: tuple[PushRecord, ...]
    pushes: dict[int, PushRecord]
    pushable: frozenset[int]


class _Relay(QObject):
    """Carries a background check's progress to the GUI thread (queued across threads)."""

    progressed = Signal(int, int, str)


def _tree(model: Any, name: str) -> QTreeView:
    view = QTreeView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.header().setStretchLastSection(True)
    view.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


class PublishView(QWidget):
    """Check, publish and push, and the history of publications."""

    title = "Publish"

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.undo_stack = None
        self._started = False
        self._op: str | None = None  # "check" | "publish" while one runs
        self._check_ctx: OpContext | None = None
        self._stale = True  # something changed since the last check
        self._again = False  # a check was asked for while busy
        self._changed: bool | None = None  # what the last check or publish said
        self._history_select: int | None = None
        self._detail_id: int | None = None
        self._history_load = Latest(self, "publication history")
        self._detail_load = Latest(self, "publication detail")
        self._failed_pushes: list[int] = []
        self._shown: tuple[PublishResult, bool] | None = None  # result on screen, published?
        self._relay = _Relay(self)
        self._relay.progressed.connect(self._check_progress)

        # Top: what would change, and the Publish button
        heading = PlainLabel("Publish")
        theme.set_point_size(heading, 1.35, bold=True)
        self.summary = PlainLabel("Not checked yet.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("Summary")
        self.notice = PlainLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.setAccessibleName("Notice")
        self.notice.setVisible(False)
        self.check_button = QPushButton("Check what would change")
        self.check_button.setToolTip("Compare the library with what the screens have now")
        self.retry_button = QPushButton("Retry failed pushes")
        self.retry_button.setToolTip(
            "Push the published version again to screens whose last push failed"
        )
        self.retry_button.setVisible(False)
        self.publish_button = QPushButton("Publish")
        self.publish_button.setAccessibleName("Publish")
        self._make_prominent(self.publish_button)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(heading)
        titles.addWidget(self.summary)
        header = QHBoxLayout()
        header.addLayout(titles, 1)
        header.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignBottom)
        header.addWidget(self.check_button, 0, Qt.AlignmentFlag.AlignBottom)
        header.addWidget(self.publish_button, 0, Qt.AlignmentFlag.AlignBottom)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setMaximumHeight(18)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop checking; nothing is written either way")
        self.progress_row = QWidget()
        progress_layout = QHBoxLayout(self.progress_row)
        progress_layout.setContentsMargins(0, 0, 0, 0)
        progress_layout.addWidget(self.progress, 1)
        progress_layout.addWidget(self.stop_button)
        self.progress_row.setVisible(False)

        self.screens_model = ScreenChangesModel(self)
        self.screens = _tree(self.screens_model, "Screens")
        self.screens.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.screens.setExpandsOnDoubleClick(True)
        self.hint = hint_label(HINT)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(16, 12, 16, 8)
        top_layout.addLayout(header)
        top_layout.addWidget(self.notice)
        top_layout.addWidget(self.progress_row)
        top_layout.addWidget(self.screens, 1)
        top_layout.addWidget(self.hint)

        # Bottom: history, and what the chosen publication did per screen
        history_heading = PlainLabel("History")
        theme.set_point_size(history_heading, 1.1, bold=True)
        self.history_model = HistoryModel(self)
        self.history = _tree(self.history_model, "Publication history")
        self.history.setRootIsDecorated(False)
        self.history_empty = hint_label("Nothing published yet.")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(16, 8, 6, 12)
        left_layout.addWidget(history_heading)
        left_layout.addWidget(self.history_empty)
        left_layout.addWidget(self.history, 1)
        left_layout.addStretch(0)  # keeps the heading on top while the list is hidden
        self.detail_heading = PlainLabel("Choose a publication")
        theme.set_point_size(self.detail_heading, 1.1, bold=True)
        self.detail_message = hint_label("")
        self.detail_model = ScreenChangesModel(self, with_push=False)
        self.detail = _tree(self.detail_model, "Publication screens")
        self.detail.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        right = self.detail_pane = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 8, 16, 12)
        right_layout.addWidget(self.detail_heading)
        right_layout.addWidget(self.detail_message)
        right_layout.addWidget(self.detail, 1)
        self.history_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.history_splitter.addWidget(left)
        self.history_splitter.addWidget(right)
        self.history_splitter.setSizes([560, 520])
        self.history_splitter.setChildrenCollapsible(False)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.history_splitter)
        self.splitter.setSizes([480, 320])
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self._check_later = Debouncer(CHECK_DELAY_MS, self.check, self)
        self.check_button.clicked.connect(self.check)
        self.publish_button.clicked.connect(self.publish_now)
        self.retry_button.clicked.connect(self.retry_pushes)
        self.stop_button.clicked.connect(self.stop_check)
        self.history.selectionModel().selectionChanged.connect(self._history_chosen)
        studio.bus.changed.connect(self._data_changed)
        self._size_columns()
        self._update_buttons()

    def _make_prominent(self, button: QPushButton) -> None:
        """The one action of the view: larger, in the highlight colour (disabled stays grey)."""
        theme.set_point_size(button, 1.1, bold=True)
        button.setMinimumHeight(34)
        button.setMinimumWidth(132)
        palette = button.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(
                group, QPalette.ColorRole.Button, palette.color(QPalette.ColorRole.Highlight)
            )
            palette.setColor(
                group,
                QPalette.ColorRole.ButtonText,
                palette.color(QPalette.ColorRole.HighlightedText),
            )
        button.setPalette(palette)
        icon = QIcon()
        tint = palette.color(QPalette.ColorRole.HighlightedText)
        icon.addPixmap(theme.svg_pixmap("publish", 18, tint), QIcon.Mode.Normal)
        grey = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
        icon.addPixmap(theme.svg_pixmap("publish", 18, grey), QIcon.Mode.Disabled)
        button.setIcon(icon)

    def _size_columns(self) -> None:
        for view, widths in (
            (self.screens, (240, 110, 80, 80, 80)),
            (self.history, (130, 70, 170, 70)),
            (self.detail, (200, 100, 80, 80)),
        ):
            for column, width in enumerate(widths):
                view.setColumnWidth(column, width)

    # Lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """First load: the history now, the check as soon as the view is on screen."""
        self._started = True
        self.refresh_history()
        if self.isVisible():
            self.check()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._started and self._stale:
            self.check()

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if PUBLICATIONS in kinds:
            self.refresh_history()
        if kinds & CHECK_KINDS:
            self._stale = True
            if self.isVisible():
                self._check_later.poke()

    # Checking (dry run) ------------------------------------------------------------------------

    def check(self) -> None:
        """Compare the library with the served tree, in the background; queued when busy."""
        if not self._started:
            return
        if self._op is not None:
            self._again = True
            return
        self._stale = self._again = False
        self._op = "check"
        library, relay = self.studio.library, self._relay

        def work(ctx: OpContext) -> _Check:
            def progress(done: int, total: int, what: str) -> None:
                with contextlib.suppress(RuntimeError):  # the view was closed meanwhile
                    relay.progressed.emit(done, total, what)

            result = publish(library, dry_run=True, progress=progress, cancel=ctx.cancel)
            return _Check(result, latest_pushes(library), push_screen_ids(library))

        work.__name__ = "check what would change"
        self.summary.setText("Checking what would change…")
        self.progress.setRange(0, 0)
        self.progress_row.setVisible(True)
        self._update_buttons()
        self._check_ctx = run_op(
            self, work, on_success=self._checked, on_failure=self._check_failed
        )

    def stop_check(self) -> None:
        if self._op == "check" and self._check_ctx is not None:
            self._check_ctx.cancel.set()
            self.summary.setText("Stopping…")

    def _check_progress(self, done: int, total: int, what: str) -> None:
        if self._op != "check":
            return
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(min(done, total))
        self.progress.setFormat(f"{what} (%v of %m)" if what else "%v of %m")

    def _checked(self, outcome: _Check) -> None:
        self._end_op()
        result = outcome.result
        self._changed = result.changed
        self._show_result(result, outcome.pushes, outcome.pushable, published=False)
        self.summary.setText(result.message)
        self._set_notice("\n".join(result.warnings), "changed")
        self._after_op()

    def _check_failed(self, exc: BaseException) -> None:
        self._end_op()
        self._changed = None
        self._stale = True  # still unknown: check again when next shown
        if isinstance(exc, PublishCancelled):
            self.summary.setText("Check stopped; press “Check what would change” to run it again.")
        elif isinstance(exc, UrbanArtError):
            self.summary.setText("The check failed.")
            self._set_notice(str(exc), "failed")
        else:
            self.summary.setText("The check failed; see the message.")
            show_error(self, exc)
        self._after_op()

    # Publishing --------------------------------------------------------------------------------

    def publish_now(self) -> None:
        """Publish every screen, then push the new versions to screens with a push URL."""
        if self._op is not None or self._changed is False:
            return
        self._op = "publish"
        self._set_notice("", "")
        self._update_buttons()
        library = self.studio.library

        def work(ctx: OpContext) -> _Published:
            def progress(stage: Stage, done: int, total: int, what: str) -> None:
                if stage is Stage.PREPARING:
                    ctx.progress(done, total, f"Preparing {what}")
                elif stage is Stage.PUSHING:
                    noun = "screen" if total == 1 else "screens"
                    ctx.progress(0, 0, f"Pushing to {total} {noun}")
                elif stage is Stage.PLANNING:
                    ctx.progress(0, 0, "Planning re-pushes at playlist switches")
                else:
                    ctx.progress(done, total, "Writing the tree")

            delivery = publish_and_deliver(library, progress=progress, cancel=ctx.cancel)
            return _Published(
                delivery,
                tuple(PushRecord.of(o) for o in delivery.pushes),
                latest_pushes(library),
                push_screen_ids(library),
            )

        work.__name__ = "publish"
        run_op(
            self,
            work,
            on_success=self._published,
            on_failure=self._publish_failed,
            progress_label="Publishing to the screens…",
            cancellable=True,
            changes={PUBLICATIONS},
            bus=self.studio.bus,
            writes=True,
        )

    def _published(self, outcome: _Published) -> None:
        self._end_op()
        delivery = outcome.delivery
        result = delivery.result
        self._changed = False
        self._history_select = result.publication_id
        self._show_result(result, outcome.pushes, outcome.pushable, published=True)
        lines = [result.message]
        if outcome.pushed:
            failed = sum(1 for p in outcome.pushed if not p.ok)
            noun = "screen" if len(outcome.pushed) == 1 else "screens"
            lines.append(
                f"Pushed to {len(outcome.pushed)} {noun}: "
                f"{len(outcome.pushed) - failed} ok, {failed} failed."
            )
        self.summary.setText(" ".join(lines))
        notes = list(result.warnings)
        if delivery.skipped is PushSkip.CANCELLED:
            notes.append(
                "Pushes were skipped because you cancelled; screens get it when they poll."
            )
        if delivery.push_error:
            notes.append(f"No screen was pushed: {delivery.push_error}")
        if delivery.failed:
            notes.append("Screens whose push failed get the new version at their next poll.")
        self._set_notice("\n".join(notes), "changed")
        self._after_op()

    def _publish_failed(self, exc: BaseException) -> None:
        self._end_op()
        if isinstance(exc, PublishCancelled):
            self._set_notice(CANCELLED, "changed")
        else:
            self._set_notice(f"Publishing failed: {describe(exc)}", "failed")
            show_error(self, exc)
        self.studio.bus.announce({PUBLICATIONS})  # the failed run is in the history now
        self._after_op()

    # Pushing again -------------------------------------------------------------------------------

    def retry_pushes(self) -> None:
        """Push the served version again to the screens whose last push failed."""
        if self._op is not None or not self._failed_pushes or self._shown is None:
            return
        self._op = "push"
        self._update_buttons()
        library, targets = self.studio.library, list(self._failed_pushes)

        def work(_ctx: OpContext) -> tuple[list[PushRecord], dict[int, PushRecord], frozenset[int]]:
            outcomes = [PushRecord.of(o) for o in push(library, screens=targets)]
            return outcomes, latest_pushes(library), push_screen_ids(library)

        work.__name__ = "push again"
        noun = "screen" if len(targets) == 1 else "screens"
        run_op(
            self,
            work,
            on_success=self._pushed_again,
            on_failure=self._push_again_failed,
            progress_label=f"Pushing to {len(targets)} {noun}…",
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
            failed = sum(1 for p in pushed if not p.ok)
            self._set_notice(
                f"Pushed again: {len(pushed) - failed} ok, {failed} failed."
                + (" Those screens get the new version at their next poll." if failed else ""),
                "changed" if failed else "",
            )
        self._after_op()

    def _push_again_failed(self, exc: BaseException) -> None:
        self._end_op()
        show_error(self, exc)
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
        self.screens_model.set_rows(
            result.screens,
            published=published,
            pushes=pushes,
            pushable=pushable,
        )
        self._span_notes(self.screens, self.screens_model)
        self.hint.setText(HINT if result.screens else NO_SCREENS)
        self._shown = (result, published)
        listed = {c.screen_id for c in result.screens if c.status is not ChangeStatus.REMOVED}
        self._failed_pushes = sorted(
            i for i, p in pushes.items() if not p.ok and i in pushable and i in listed
        )
        self.retry_button.setVisible(bool(self._failed_pushes))

    @staticmethod
    def _span_notes(view: QTreeView, model: ScreenChangesModel) -> None:
        """Reasons under a screen read as one line across the columns."""
        for row in range(model.rowCount()):
            parent = model.index(row, 0)
            for child in range(model.rowCount(parent)):
                view.setFirstColumnSpanned(child, parent, True)

    def _set_notice(self, text: str, look: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        if text:
            palette = self.notice.palette()
            if look == "failed":
                color = theme.error_color(palette)
            elif look == "changed":
                color = theme.status_color(ReviewStatus.SUBMITTED, palette)
            else:
                color = self.palette().color(QPalette.ColorRole.WindowText)
            palette.setColor(self.notice.foregroundRole(), color)
            self.notice.setPalette(palette)

    def _end_op(self) -> None:
        self._op = None
        self._check_ctx = None
        self.progress_row.setVisible(False)

    def _after_op(self) -> None:
        """Run the check that was asked for while busy (now if visible, else when shown)."""
        self._update_buttons()
        if self._again:
            self._again = False
            self._stale = True
            if self.isVisible():
                self._check_later.poke()

    def _update_buttons(self) -> None:
        busy = self._op is not None
        self.check_button.setEnabled(not busy)
        if self._op == "check":
            reason = "Wait until the check has finished (or stop it)."
        elif self._op in ("publish", "push"):
            reason = "Publishing…" if self._op == "publish" else "Pushing…"
        elif self._changed is False:
            reason = "Nothing to publish: every screen already has the latest version."
        elif self._changed is None:
            reason = "Not checked yet; publishing sends whatever changed."
        else:
            reason = "Publish the new versions and push them to screens with a push URL."
        self.publish_button.setEnabled(not busy and self._changed is not False)
        self.publish_button.setToolTip(reason)
        self.retry_button.setEnabled(not busy)

    # History -----------------------------------------------------------------------------------

    def refresh_history(self) -> None:
        library = self.studio.library
        self._history_load.run(lambda _ctx: list_publications(library), self._show_history)

    def _show_history(self, records: list[PublicationRecord]) -> None:
        wanted = self._history_select or self._detail_id
        self._history_select = None
        self.history_model.set_records(records)
        self.history_empty.setVisible(not records)
        self.history.setVisible(bool(records))
        self.detail_pane.setVisible(bool(records))
        row = self.history_model.row_of(wanted) if wanted is not None else -1
        if row < 0 and records:
            row = 0
        if row >= 0:
            self.history.setCurrentIndex(self.history_model.index(row, 0))
        else:
            self._detail_load.supersede()
            self._show_detail(None)

    def _history_chosen(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        publication_id = self.history_model.publication_id(indexes[0].row())
        if publication_id is None:
            return
        self._detail_id = publication_id
        library = self.studio.library
        self._detail_load.run(
            lambda _ctx: get_publication(library, publication_id), self._show_detail
        )

    def _show_detail(self, detail: PublicationDetail | None) -> None:
        if detail is None:
            self.detail_heading.setText("Choose a publication")
            self.detail_message.setText("")
            self.detail_model.set_rows([])
            return
        record = detail.record
        self.detail_heading.setText(
            f"{local_time(record.started_at)} · {record.status} · {totals_text(record.totals)}"
        )
        self.detail_message.setText("\n".join([record.message, *detail.warnings]))
        self.detail_model.set_rows(detail.screens)
        self._span_notes(self.detail, self.detail_model)

    # State -------------------------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("publish/splitter", self.splitter.saveState())
        settings.setValue("publish/history_splitter", self.history_splitter.saveState())
        settings.setValue("publish/screens_header", self.screens.header().saveState())

    def restore_state(self, settings: QSettings) -> None:
        if settings.contains("publish/splitter"):
            self.splitter.restoreState(settings.value("publish/splitter"))
        if settings.contains("publish/history_splitter"):
            self.history_splitter.restoreState(settings.value("publish/history_splitter"))
        if settings.contains("publish/screens_header"):
            self.screens.header().restoreState(settings.value("publish/screens_header"))
