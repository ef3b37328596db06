"""The chosen screen's card in the Screens view: details, live status and how to pair it.

Pairing is what an installer does standing next to a screen, so the three addresses (poll URL,
web player, native player command) are copyable and the web player's address is also a QR code.
"""

from __future__ import annotations

import math
from datetime import datetime

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPixmap, QTextOption
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.models.screen_status_model import (
    STATE_COLORS,
    ScreenRow,
    ago,
    exact_time,
    state_label,
    status_dot,
)
from ui.widgets.form_fields import ErrorLabel, hint_label
from ui.widgets.plain_text import PlainLabel
from urbanart.delivery.addresses import HUB, ScreenAddresses
from urbanart.delivery.status import LatestManifest, OnlineState, ScreenStatus, refusal_line
from urbanart.library.vocabulary import ReviewStatus

QR_SIDE = 196


def _value() -> QLabel:
    label = PlainLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def heading(text: str) -> QLabel:
    label = PlainLabel(text)
    theme.set_point_size(label, 1.05, bold=True)
    return label


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(5)
    return form


def _bytes(count: int | None) -> str:
    if count is None:
        return "—"
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024:
            return f"{size:.0f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def _manifest_text(status: ScreenStatus) -> str:
    """Whether the screen runs what was published last, in words."""
    runs, published = status.manifest_version, status.published_version
    if status.latest_manifest is LatestManifest.YES:
        return f"Latest ({runs})"
    if status.latest_manifest is LatestManifest.NO:
        return f"Outdated: runs {runs}, latest is {published}"
    if runs is None:
        return "Not reported by the screen"
    return f"Runs {runs}; not published from this library yet" if published is None else "Unknown"


class CopyField(QWidget):
    """A read-only address shown whole (wrapped anywhere, however long) with a Copy button.

    Installers read these aloud or type them on a screen's keyboard: a field that hides the
    end of a token behind a scroll is where pairing goes wrong. The button says "Copied" for
    a moment.
    """

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QTextEdit()
        self.edit.setReadOnly(True)
        self.edit.setAcceptRichText(False)
        self.edit.setAccessibleName(name)
        self.edit.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.edit.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self.edit.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.edit.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.edit.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self.button = QPushButton("Copy")
        self.button.setToolTip(f"Copy the {name.lower()} to the clipboard")
        self.button.clicked.connect(self.copy)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.edit, 1)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self._fit_height()

    def _fit_height(self, *_: object) -> None:
        """As tall as the wrapped text, so every character shows without scrolling."""
        height = math.ceil(self.edit.document().size().height())
        margins = self.edit.contentsMargins()
        self.edit.setFixedHeight(max(height, 1) + margins.top() + margins.bottom())

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)
        self.edit.document().setTextWidth(self.edit.viewport().width())
        self.button.setEnabled(bool(text))
        self._fit_height()

    def text(self) -> str:
        return self.edit.toPlainText()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.button.setText("Copied")
        QTimer.singleShot(1500, self, lambda: self.button.setText("Copy"))


class ScreenDetail(QWidget):
    """The chosen screen: facts, live status, pairing addresses with QR, and its actions."""

    edit_requested = Signal()
    new_token_requested = Signal()
    history_requested = Signal()
    remove_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row: ScreenRow | None = None
        self.heading = PlainLabel()
        theme.set_point_size(self.heading, 1.35, bold=True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_dot = PlainLabel()
        self.state_text = PlainLabel()
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("Change this screen's details (Enter)")
        self.token_button = QPushButton("New poll token…")
        self.token_button.setToolTip("Give the screen a new private address; the old one stops")
        self.remove_button = QPushButton("Remove…")
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip("Who changed this screen, and when")
        self.history_button.clicked.connect(self.history_requested)
        self.edit_button.clicked.connect(self.edit_requested)
        self.token_button.clicked.connect(self.new_token_requested)
        self.remove_button.clicked.connect(self.remove_requested)
        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.heading)
        state_row = QHBoxLayout()
        state_row.setSpacing(4)
        state_row.addWidget(self.state_dot)
        state_row.addWidget(self.state_text, 1)
        titles.addLayout(state_row)
        top.addLayout(titles, 1)
        for button in (
            self.edit_button,
            self.token_button,
            self.remove_button,
            self.history_button,
        ):
            top.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)

        # Facts
        self.values: dict[str, QLabel] = {}
        facts = _form()
        for key, label in (
            ("place", "Place"),
            ("zone", "Time zone"),
            ("size", "Size"),
            ("poll", "Polls every"),
            ("push", "Push"),
            ("playlist", "Default playlist"),
            ("groups", "Groups"),
            ("notes", "Notes"),
        ):
            self.values[key] = _value()
            facts.addRow(label, self.values[key])
        # Live status
        live = _form()
        for key, label in (
            ("seen", "Last seen"),
            ("playing", "Now playing"),
            ("manifest", "Manifest"),
            ("player", "Player"),
            ("disk", "Free disk"),
            ("errors", "Errors"),
            ("refused", "Refused manifest"),
        ):
            self.values[key] = _value()
            live.addRow(label, self.values[key])
        self.values["errors"].setTextFormat(Qt.TextFormat.PlainText)
        self.values["refused"].setTextFormat(Qt.TextFormat.PlainText)

        # Pairing
        self.poll_url = CopyField("Poll URL")
        self.player_url = CopyField("Web player URL")
        self.player_command = CopyField("Player command")
        self.address_note = hint_label("")
        self.address_error = ErrorLabel()
        pairing = QVBoxLayout()
        pairing.setSpacing(4)
        pairing.addWidget(heading("Pair this screen"))
        for caption, field in (
            ("Poll URL (the screen's manifest)", self.poll_url),
            ("Web player (open it on the screen's browser)", self.player_url),
            ("Native player (run on the screen's computer)", self.player_command),
        ):
            pairing.addWidget(hint_label(caption))
            pairing.addWidget(field)
        pairing.addWidget(self.address_note)
        pairing.addWidget(self.address_error)
        pairing.addStretch(1)
        self.qr = PlainLabel()
        self.qr.setFixedSize(QSize(QR_SIDE, QR_SIDE))
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setAccessibleName("Pairing QR code")
        self.qr.setToolTip("Scan with the screen's tablet or phone to open its web player")
        self.qr_caption = hint_label("Scan to open the web player")
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.qr_pixmap = QPixmap()
        self.qr_warning = ErrorLabel()  # why a tablet elsewhere cannot open the code, and the fix
        self.qr_warning.setAccessibleName("Pairing QR warning")
        self.qr_warning.setMaximumWidth(QR_SIDE + 60)
        qr_box = QVBoxLayout()
        qr_box.setSpacing(4)
        qr_box.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_box.addWidget(self.qr_caption)
        qr_box.addWidget(self.qr_warning)
        qr_box.addStretch(1)

        columns = QHBoxLayout()
        columns.setSpacing(22)
        facts_box = QVBoxLayout()
        facts_box.addWidget(heading("Details"))
        facts_box.addLayout(facts)
        facts_box.addStretch(1)
        live_box = QVBoxLayout()
        live_box.addWidget(heading("Status"))
        live_box.addLayout(live)
        live_box.addStretch(1)
        columns.addLayout(facts_box, 6)
        columns.addLayout(live_box, 5)
        columns.addLayout(pairing, 6)
        columns.addLayout(qr_box, 0)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(top)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        layout.addLayout(columns, 1)

    def show_row(self, row: ScreenRow, now: datetime) -> None:
        """Fill every field except the addresses (those arrive from the background)."""
        self.row = row
        record, status = row.record, row.status
        self.heading.setText(record.name)
        self.state_dot.setPixmap(
            status_dot(STATE_COLORS.get(row.state, ReviewStatus.ARCHIVED)).pixmap(12)
        )
        self.state_text.setText(self._state_line(row, now))
        place = ", ".join(p for p in (record.address, record.city) if p) or "—"
        if record.latitude is not None and record.longitude is not None:
            place += f"\n{record.latitude:.5f}, {record.longitude:.5f}"
        facts = {
            "place": place,
            "zone": record.timezone,
            "size": f"{record.width} × {record.height} px, {record.orientation}",
            "poll": f"{record.poll_interval} s",
            "push": record.push_url or "No push (the screen only polls)",
            "playlist": record.default_playlist_name or "None",
            "groups": ", ".join(record.groups) or "None",
            "notes": record.notes or "—",
        }
        facts.update(self._live(status, now))
        for key, text in facts.items():
            self.values[key].setText(text)
        self.values["seen"].setToolTip(
            exact_time(status.last_seen_at) if status and status.last_seen_at else ""
        )

    @staticmethod
    def _state_line(row: ScreenRow, now: datetime) -> str:
        status = row.status
        if status is None or status.state is OnlineState.NEVER_SEEN:
            return "Never seen: nothing heard from this screen yet"
        return f"{state_label(status.state)} · last seen {ago(status.last_seen_at, now)}"

    @staticmethod
    def _live(status: ScreenStatus | None, now: datetime) -> dict[str, str]:
        if status is None or status.state is OnlineState.NEVER_SEEN:
            return {
                "seen": "Never",
                "playing": "—",
                "manifest": "—",
                "player": "—",
                "disk": "—",
                "errors": "None reported",
                "refused": "None",
            }
        return {
            "seen": ago(status.last_seen_at, now),
            "playing": status.now_playing or "Nothing",
            "manifest": _manifest_text(status),
            "player": status.player_version or "—",
            "disk": _bytes(status.free_disk_bytes),
            "errors": "\n".join(status.errors[-5:]) or "None reported",
            "refused": refusal_line(status.refused) or "None",
        }

    def clear_addresses(self, note: str) -> None:
        for field in (self.poll_url, self.player_url, self.player_command):
            field.set_text("")
        self.qr.clear()
        self.qr_pixmap = QPixmap()
        self.qr_warning.clear_message()
        self.address_note.setText(note)
        self.address_error.clear_message()

    def show_addresses(self, found: ScreenAddresses) -> None:
        self.poll_url.set_text(found.poll_url)
        self.player_url.set_text(found.player_url)
        self.player_command.set_text(found.player_command)
        pixmap = QPixmap()
        pixmap.loadFromData(found.qr_png, "PNG")
        if pixmap.width() > QR_SIDE:
            pixmap = pixmap.scaled(
                QR_SIDE, QR_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )  # fmt: skip
        self.qr_pixmap = pixmap
        self.qr.setPixmap(pixmap)
        self.qr_warning.show_message(found.warning or "")
        self.address_error.clear_message()
        if found.source == HUB:
            self.address_note.setText(
                f"Served by the studio's hub at {found.base_url}. The screen finds its "
                "manifest there once a publication includes it."
            )
        else:
            self.address_note.setText(
                f"The hub is not running: these use the library's public address "
                f"({found.base_url}). Start the hub to pair a screen on this network."
            )
