"""The Live works view: each artist's feed as it arrives, and what a curator does with it.

A table of live works (newest frame, live or silent, frames per minute, frames received and
refused, the last refusal's reason) beside the chosen work's detail: its latest frame large,
its settings, "Keep this frame" (the frame becomes an ordinary artwork: a gold nugget) and
Remove. "Add live work…" registers one and shows its token and secret once. While the view is
on screen it reloads every few seconds; loads run in the background and only the newest one
is shown (``Latest``), and frame pictures are decoded off the GUI thread, once per frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.dialogs.live_work_dialog import AddLiveWorkDialog
from ui.latest import Latest
from ui.operations import ARTISTS, ARTWORKS, LIBRARY, OpContext, describe, run_op
from ui.studio import Studio
from ui.widgets.form_fields import ErrorLabel, hint_label
from ui.widgets.placeholder_page import PlaceholderPage
from ui.widgets.plain_text import PlainLabel, plain_tooltip
from urbanart.live.works import LiveState, keep_frame, live_works, remove_live_work

#: How often the table reloads while on screen (a 5-second feed shows each frame).
REFRESH_MS = 3000
#: Side of a frame's picture in the table, and the longest side of the large one.
ROW_PICTURE = 64
LARGE_PICTURE = 560
COLUMNS = ("", "Title", "Artist", "State", "Per minute", "Received", "Refused")


@dataclass(frozen=True)
class LiveSnapshot:
    """One background load: every live work's state, the pictures not decoded before, and
    when it was read (ages shown are relative to that)."""

    states: list[LiveState]
    pictures: dict[Path, QImage]
    now: datetime


def load_snapshot(library: Any, known: frozenset[Path]) -> LiveSnapshot:
    """Read the feeds' state and decode the newest frames not yet shown (in the background)."""
    states = live_works(library)
    pictures: dict[Path, QImage] = {}
    for state in states:
        path = shown_picture_path(state)
        if path is None or path in known:
            continue
        image = QImage(str(path))  # QImage, unlike QPixmap, may be made off the GUI thread
        if not image.isNull():
            pictures[path] = image.scaled(
                LARGE_PICTURE, LARGE_PICTURE, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )  # fmt: skip
    return LiveSnapshot(states, pictures, datetime.now(UTC))


def shown_picture_path(state: LiveState) -> Path | None:
    """The newest frame, or the work's still before the first one (what screens show then)."""
    return state.latest_thumbnail_path or state.still_thumbnail_path


def state_text(state: LiveState, now: datetime) -> str:
    """Live, silent (and since when) or waiting: what the screens playing the work show."""
    if state.last_frame_at is None:
        return "Waiting for the first frame: screens show the still"
    if state.silent:
        return f"Silent for {age_text(state.last_frame_at, now)}: screens show the still"
    return "Live"


def short_state(state: LiveState) -> str:
    """The table's one word for ``state_text``."""
    if state.last_frame_at is None:
        return "Waiting"
    return "Silent" if state.silent else "Live"


def age_text(when: datetime, now: datetime) -> str:
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


class LiveWorkDetail(QWidget):
    """The chosen live work: its latest frame, its settings, keep and remove."""

    keep_requested = Signal(int)  # live work id
    remove_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state: LiveState | None = None
        self.heading = PlainLabel()
        theme.set_point_size(self.heading, 1.35, bold=True)
        self.subheading = hint_label("")
        self.picture = PlainLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(QSize(320, 200))
        self.picture.setFrameShape(QFrame.Shape.StyledPanel)
        self.picture.setAccessibleName("Latest frame")
        self.status = PlainLabel()
        theme.set_point_size(self.status, 1.05, bold=True)
        self.fields: dict[str, PlainLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, label in (
            ("last", "Last frame"),
            ("rate", "Frames per minute"),
            ("counts", "Received / refused"),
            ("interval", "Interval"),
            ("retention", "Retention"),
            ("source", "Source"),
            ("keep", "Phones"),
            ("feed", "Feed"),
        ):
            value = PlainLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            form.addRow(label, value)
        self.refusal = ErrorLabel()
        self.keep_button = QPushButton("Keep this frame")
        self.keep_button.setToolTip("Make the frame shown above an artwork in the library")
        self.remove_button = QPushButton("Remove…")
        self.notice = hint_label("")
        self.keep_button.clicked.connect(self._keep)
        self.remove_button.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.notice, 1)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addSpacing(6)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.status)
        layout.addLayout(form)
        layout.addWidget(self.refusal)
        layout.addLayout(buttons)

    def show_state(self, state: LiveState, picture: QPixmap | None, now: datetime) -> None:
        changed = self.state is None or self.state.live_work_id != state.live_work_id
        self.state = state
        self.heading.setText(state.title)
        self.subheading.setText(f"by {state.artist} · live work, artwork #{state.artwork_id}")
        if picture is not None:
            self.picture.setPixmap(picture)
        else:
            self.picture.clear()
            self.picture.setText("No frame yet" if state.sequence == 0 else "Frame not kept")
        self.status.setText(state_text(state, now))
        last = state.last_frame_at
        self.fields["last"].setText(
            f"#{state.sequence}, {age_text(last, now)} ago" if last is not None else "none yet"
        )
        self.fields["rate"].setText(f"{state.frames_per_minute:.1f} (last 5 minutes)")
        self.fields["counts"].setText(f"{state.frames_received:,} / {state.frames_refused:,}")
        self.fields["interval"].setText(
            f"every {state.interval_s:g} s; silent after {state.silence_s:g} s"
        )
        self.fields["retention"].setText(retention_text(state.retention))
        self.fields["source"].setText(
            f"pulled from {state.pull_url}" if state.pull_url else "the artist's program sends"
        )
        self.fields["keep"].setText(
            "may download the frame" if state.allow_keep else "see the frame, no download"
        )
        self.fields["feed"].setText(f"/live/{state.feed_id}/feed.json")
        if state.last_refusal:
            self.refusal.show_message(f"Last refused frame: {state.last_refusal}")
        else:
            self.refusal.clear_message()
        self.keep_button.setEnabled(state.latest_thumbnail_path is not None and picture is not None)
        if changed:
            self.notice.setText("")

    def _keep(self) -> None:
        if self.state is not None:
            self.notice.setText("Keeping…")
            self.keep_requested.emit(self.state.live_work_id)

    def _remove(self) -> None:
        if self.state is not None:
            self.remove_requested.emit(self.state.live_work_id)


def retention_text(retention: str) -> str:
    """The engine's retention ("none", "100", "7d") as a curator reads it."""
    if retention == "none":
        return "only the frame on screen now"
    if retention.isdigit():
        return f"the last {int(retention):,} frames"
    return f"frames of the last {retention}"


class LiveWorksView(QWidget):
    """Live works table and detail (a StudioView)."""

    title = "Live works"
    #: Emitted after each load is shown (tests and the screenshot script wait on it).
    loaded = Signal(int)

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.hub: str | None = None
        self.states: list[LiveState] = []
        self.pictures: dict[Path, QPixmap] = {}
        self.now = datetime.now(UTC)
        self.dialog: AddLiveWorkDialog | None = None
        self._loads = Latest(self, "live works")
        self._wanted: int | None = None

        heading = PlainLabel("Live works")
        theme.set_point_size(heading, 1.35, bold=True)
        intro = hint_label(
            "Artworks fed by an artist's program: screens show the newest frame, and the still "
            "when the feed goes quiet."
        )
        self.add_button = QPushButton("Add live work…")
        self.add_button.clicked.connect(self.add_live_work)
        self.updated = hint_label("")
        top = QHBoxLayout()
        texts = QVBoxLayout()
        texts.addWidget(heading)
        texts.addWidget(intro)
        top.addLayout(texts, 1)
        top.addWidget(self.updated)
        top.addWidget(self.add_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setIconSize(QSize(ROW_PICTURE, ROW_PICTURE))
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(ROW_PICTURE + 8)
        self.table.setAccessibleName("Live works")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.currentCellChanged.connect(lambda *_: self._show_current())

        self.detail = LiveWorkDetail()
        self.detail.keep_requested.connect(self.keep)
        self.detail.remove_requested.connect(self.remove)
        self.empty = PlaceholderPage(
            "live",
            "No live works yet",
            "A live work is fed by the artist's own program, a new image every few seconds. "
            "Register one with <b>Add live work…</b> and hand the artist its token and secret.",
        )
        self.error = ErrorLabel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([640, 460])
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.splitter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.pages, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._tick)
        studio.bus.changed.connect(self._data_changed)

    # Loading ------------------------------------------------------------------------------------

    def start(self) -> None:
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        """Reload in the background; a newer load supersedes one still running."""
        library, known = self.studio.library, frozenset(self.pictures)
        self._loads.run(
            lambda _ctx: load_snapshot(library, known), self._arrived, self._failed,
            label="live works",
        )  # fmt: skip

    def _tick(self) -> None:
        if self.isVisible() and not self._loads.running:
            self.refresh()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.timer.isActive() and not self._loads.running:
            self.refresh()  # came back on screen: do not show a minutes-old table

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if kinds & {ARTWORKS, ARTISTS, LIBRARY}:
            self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.error.show_message(f"Could not read the live works: {describe(exc)}")

    def _arrived(self, snapshot: LiveSnapshot) -> None:
        self.error.clear_message()
        self.now = snapshot.now
        shown = {shown_picture_path(s) for s in snapshot.states}
        self.pictures = {p: px for p, px in self.pictures.items() if p in shown}
        for path, image in snapshot.pictures.items():
            self.pictures[path] = QPixmap.fromImage(image)
        current = self._wanted if self._wanted is not None else self.current_id()
        self._wanted = None
        self.states = snapshot.states
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.states))
        for row, state in enumerate(self.states):
            self._fill_row(row, state)
        self.table.blockSignals(False)
        self.pages.setCurrentWidget(self.splitter if self.states else self.empty)
        self.updated.setText(f"Updated {snapshot.now.astimezone().strftime('%H:%M:%S')}")
        if self.states:
            ids = [s.live_work_id for s in self.states]
            self.table.setCurrentCell(ids.index(current) if current in ids else 0, 1)
            self._show_current()
        self.loaded.emit(len(self.states))

    def _fill_row(self, row: int, state: LiveState) -> None:
        picture = self.picture_of(state)
        thumb = QTableWidgetItem()
        if picture is not None:
            thumb.setIcon(
                picture.scaled(ROW_PICTURE, ROW_PICTURE, Qt.AspectRatioMode.KeepAspectRatio)
            )
        thumb.setData(Qt.ItemDataRole.UserRole, state.live_work_id)
        values = (
            (state.title, state.title),
            (state.artist, state.artist),
            (short_state(state), state_text(state, self.now)),
            (f"{state.frames_per_minute:.1f}", "frames in the last 5 minutes, per minute"),
            (f"{state.frames_received:,}", "frames accepted"),
            (f"{state.frames_refused:,}", f"last refused: {state.last_refusal or 'none'}"),
        )
        self.table.setItem(row, 0, thumb)
        for column, (text, tip) in enumerate(values, start=1):
            item = QTableWidgetItem(text)
            item.setToolTip(plain_tooltip(tip))
            if column >= 4:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if column == 6 and state.frames_refused:
                item.setForeground(theme.error_color(self.table.palette()))
            self.table.setItem(row, column, item)

    def picture_of(self, state: LiveState) -> QPixmap | None:
        path = shown_picture_path(state)
        return self.pictures.get(path) if path is not None else None

    def current_id(self) -> int | None:
        item = self.table.item(self.table.currentRow(), 0)
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def current_state(self) -> LiveState | None:
        wanted = self.current_id()
        return next((s for s in self.states if s.live_work_id == wanted), None)

    def _show_current(self) -> None:
        state = self.current_state()
        if state is not None:
            self.detail.show_state(state, self.picture_of(state), self.now)

    # Actions ------------------------------------------------------------------------------------

    def add_live_work(self) -> None:
        """Open the form; once stored, the new work is selected when the table reloads."""
        if self.dialog is not None:
            self.dialog.raise_()
            return
        dialog = AddLiveWorkDialog(self.studio, self.hub, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.created.connect(self._created)
        dialog.finished.connect(lambda _code: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()

    def _created(self, created: Any) -> None:
        self._wanted = int(created.live_work_id)
        self.refresh()

    def keep(self, live_work_id: int) -> None:
        """Keep the newest frame as an artwork (in the background, on the writer thread)."""
        library = self.studio.library

        def work(_ctx: OpContext) -> int:
            return keep_frame(library, live_work_id)

        def kept(artwork_id: int) -> None:
            self.detail.notice.setText(f"Kept as artwork #{artwork_id} in the Library.")

        def failed(exc: BaseException) -> None:
            self.detail.notice.setText("")
            self.error.show_message(describe(exc))

        run_op(
            self, work, on_success=kept, on_failure=failed, changes={ARTWORKS},
            bus=self.studio.bus, label="keep live frame", writes=True,
        )  # fmt: skip

    def remove(self, live_work_id: int) -> None:
        """Ask, then remove the work, its still and frames (kept frames stay in the library)."""
        state = next((s for s in self.states if s.live_work_id == live_work_id), None)
        if state is None:
            return
        answer = QMessageBox.question(
            self,
            "Remove live work",
            f"Remove the live work “{state.title}”? Screens stop showing it at the next "
            "publish, its frames are deleted and its token stops working. Frames you kept "
            "stay in the library.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        library = self.studio.library

        def work(_ctx: OpContext) -> None:
            remove_live_work(library, live_work_id)

        run_op(
            self, work, on_success=lambda _none: self.refresh(),
            on_failure=lambda exc: self.error.show_message(describe(exc)),
            changes={ARTWORKS}, bus=self.studio.bus, label="remove live work", writes=True,
        )  # fmt: skip

    # StudioView / ShowsHubAddress ---------------------------------------------------------------

    def set_hub_address(self, url: str | None) -> None:
        self.hub = url

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("live/splitter", self.splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        state = settings.value("live/splitter")
        if state is not None:
            self.splitter.restoreState(state)
