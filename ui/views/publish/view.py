"""The Publish view: what would change on which screen, publishing it, and the history.

Top: a dry run of `publish` (run when the view is first shown and again, debounced, whenever
playlists, schedules, screens or works change while it is visible) lists every screen with its
change, the items left out of its manifest and why, and its last push. The Publish button runs
the engine's publish_and_deliver (publish, push the new versions to screens with a push URL,
re-plan timed re-pushes) behind a cancellable progress dialog and shows each result. Bottom:
past publications; choosing one shows what each screen got from it. Checks and publishes never
overlap: a request while one runs is queued.

This module is the layout and the Qt wiring; ``presenter.py`` holds the state and runs the engine
calls, ``formatting.py`` words what is shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, QSettings, Qt
from PySide6.QtGui import QIcon, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
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
from ui.models.publish_models import HistoryModel, ScreenChangesModel, local_time, totals_text
from ui.studio import Studio
from ui.views.publish.formatting import (
    HINT,
    NO_PUBLICATION,
    NOT_CHECKED,
    Look,
    detail_heading,
    detail_message,
)
from ui.views.publish.presenter import PublishPresenter
from ui.widgets.form_fields import hint_label
from ui.widgets.plain_text import PlainLabel
from urbanart.delivery.history import PublicationDetail, PublicationRecord, PushRecord
from urbanart.delivery.publisher import PublishResult
from urbanart.library.video_renditions import VideoBudget
from urbanart.library.vocabulary import ReviewStatus


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

        # Top: what would change, and the Publish button
        heading = PlainLabel("Publish")
        theme.set_point_size(heading, 1.35, bold=True)
        self.summary = PlainLabel(NOT_CHECKED)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("Summary")
        self.notice = PlainLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.setAccessibleName("Notice")
        self.notice.setVisible(False)
        self.address_warning = PlainLabel()
        self.address_warning.setWordWrap(True)
        self.address_warning.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.address_warning.setAccessibleName("Public address warning")
        self.address_warning.setVisible(False)
        self.address_warning.setFrameShape(QFrame.Shape.StyledPanel)
        self.address_warning.setMargin(8)
        warning_palette = self.address_warning.palette()
        warning_palette.setColor(
            self.address_warning.foregroundRole(), theme.error_color(warning_palette)
        )
        self.address_warning.setPalette(warning_palette)
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
        top_layout.addWidget(self.address_warning)
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
        self.detail_heading = PlainLabel(NO_PUBLICATION)
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

        self.presenter = PublishPresenter(studio, self, self)
        self.check_button.clicked.connect(self.presenter.check)
        self.publish_button.clicked.connect(self.presenter.publish_now)
        self.retry_button.clicked.connect(self.presenter.retry_pushes)
        self.stop_button.clicked.connect(self.presenter.stop_check)
        self.history.selectionModel().selectionChanged.connect(self._history_chosen)
        self._size_columns()
        self.presenter.update_buttons()

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
        self.presenter.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.presenter.shown()

    def check(self) -> None:
        """Compare the library with the served tree, in the background; queued when busy."""
        self.presenter.check()

    def publish_now(self) -> None:
        """Publish every screen, then push the new versions to screens with a push URL."""
        self.presenter.publish_now()

    def retry_pushes(self) -> None:
        """Push the served version again to the screens whose last push failed."""
        self.presenter.retry_pushes()

    def stop_check(self) -> None:
        self.presenter.stop_check()

    def refresh_history(self) -> None:
        self.presenter.refresh_history()

    # What the presenter shows (PublishDisplay) ---------------------------------------------------

    def show_summary(self, text: str) -> None:
        self.summary.setText(text)

    def show_notice(self, text: str, look: Look) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        if text:
            palette = self.notice.palette()
            if look is Look.FAILED:
                color = theme.error_color(palette)
            elif look is Look.CHANGED:
                color = theme.status_color(ReviewStatus.SUBMITTED, palette)
            else:
                color = self.palette().color(QPalette.ColorRole.WindowText)
            palette.setColor(self.notice.foregroundRole(), color)
            self.notice.setPalette(palette)

    def show_address_warning(self, text: str | None) -> None:
        self.address_warning.setText(text or "")
        self.address_warning.setVisible(bool(text))

    def show_progress(self, visible: bool) -> None:
        if visible:
            self.progress.setRange(0, 0)
        self.progress_row.setVisible(visible)

    def show_check_progress(self, done: int, total: int, text_format: str) -> None:
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(min(done, total))
        self.progress.setFormat(text_format)

    def show_buttons(self, *, busy: bool, can_publish: bool, reason: str) -> None:
        self.check_button.setEnabled(not busy)
        self.publish_button.setEnabled(can_publish)
        self.publish_button.setToolTip(reason)
        self.retry_button.setEnabled(not busy)

    def show_result(
        self,
        result: PublishResult,
        pushes: dict[int, PushRecord],
        pushable: frozenset[int],
        *,
        published: bool,
        hint: str,
        can_retry: bool,
    ) -> None:
        self.screens_model.set_rows(
            result.screens,
            published=published,
            pushes=pushes,
            pushable=pushable,
        )
        self._span_notes(self.screens, self.screens_model)
        self.hint.setText(hint)
        self.retry_button.setVisible(can_retry)

    def show_video_budgets(self, budgets: tuple[VideoBudget, ...]) -> None:
        self.screens_model.add_video_budgets(budgets)
        self._span_notes(self.screens, self.screens_model)

    @staticmethod
    def _span_notes(view: QTreeView, model: ScreenChangesModel) -> None:
        """Reasons under a screen read as one line across the columns."""
        for row in range(model.rowCount()):
            parent = model.index(row, 0)
            for child in range(model.rowCount(parent)):
                view.setFirstColumnSpanned(child, parent, True)

    def show_history(self, records: list[PublicationRecord], wanted: int | None) -> bool:
        """Fill the history and select ``wanted`` (else the newest); False if none selected."""
        self.history_model.set_records(records)
        self.history_empty.setVisible(not records)
        self.history.setVisible(bool(records))
        self.detail_pane.setVisible(bool(records))
        row = self.history_model.row_of(wanted) if wanted is not None else -1
        if row < 0 and records:
            row = 0
        if row < 0:
            return False
        self.history.setCurrentIndex(self.history_model.index(row, 0))
        return True

    def _history_chosen(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        publication_id = self.history_model.publication_id(indexes[0].row())
        if publication_id is not None:
            self.presenter.choose_publication(publication_id)

    def show_detail(self, detail: PublicationDetail | None) -> None:
        if detail is None:
            self.detail_heading.setText(NO_PUBLICATION)
            self.detail_message.setText("")
            self.detail_model.set_rows([])
            return
        record = detail.record
        self.detail_heading.setText(
            detail_heading(record, local_time(record.started_at), totals_text(record.totals))
        )
        self.detail_message.setText(detail_message(record, detail.warnings))
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
