"""Register a live work, then show its source token and secret once (issue #13).

The form closes only once the engine agreed (a refused value shows under its field). After
that the same dialog turns into a one-time page with the token, the secret and a ready
``urbanart live run`` command, a copy button and a warning: the secret is not stored anywhere
the studio can show it again (it lives in the library's secrets file), so this is the
curator's one chance to hand it to the artist.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.operations import ARTISTS, ARTWORKS, OpContext, describe, run_op
from ui.studio import Studio
from ui.widgets.form_fields import ErrorLabel, FieldErrors, hint_label, with_error
from ui.widgets.plain_text import PlainLabel
from urbanart.errors import InvalidValue
from urbanart.live.retention import parse_seconds
from urbanart.live.works import NewLiveWork, add_live_work


@dataclass(frozen=True)
class LiveWorkForm:
    """What the curator typed, as text; the engine checks it all (in the background)."""

    title: str
    artist: str
    interval: str
    retention: str
    fallback: str
    pull_url: str
    allow_keep: bool


def register(library: object, form: LiveWorkForm) -> NewLiveWork:
    """Turn the form into one ``add_live_work`` call (the engine names any bad field)."""
    interval = parse_seconds(form.interval or "5s", field="interval", key="interval_s")
    return add_live_work(
        library,  # type: ignore[arg-type]
        form.title,
        form.artist,
        interval_s=interval,
        retention=form.retention.strip() or "none",
        fallback=Path(form.fallback).expanduser() if form.fallback.strip() else None,
        pull_url=form.pull_url.strip() or None,
        allow_keep=form.allow_keep,
    )


def run_command(created: NewLiveWork, hub: str | None) -> str:
    """The command an artist runs beside their generator (the demo's generator as example)."""
    address = hub or "https://YOUR-HUB"
    return (
        f"urbanart live run {created.token} --hub {address} --secret {created.secret} "
        "-- python -m urbanart.live.demo_generator --out {out} --every 5"
    )


class AddLiveWorkDialog(QDialog):
    """The form, then the one-time token and secret page; ``created`` fires once stored."""

    created = Signal(object)  # NewLiveWork

    def __init__(self, studio: Studio, hub: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.hub = hub
        self.result_work: NewLiveWork | None = None
        self.errors = FieldErrors()
        self.setWindowTitle("Add live work")
        self.setMinimumWidth(560)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._form_page())
        self.pages.addWidget(self._secret_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(self.pages)

    # The form -----------------------------------------------------------------------------------

    def _form_page(self) -> QWidget:
        page = QWidget()
        heading = PlainLabel("New live work")
        theme.set_point_size(heading, 1.2, bold=True)
        intro = hint_label(
            "A live work is an artwork fed by the artist's own program: it sends a new image "
            "every few seconds, the screens that play the work show the newest one, and the "
            "still below stands in whenever the feed goes quiet."
        )
        self.title = QLineEdit()
        self.title.setPlaceholderText("e.g. City Collage Machine")
        self.artist = QLineEdit()
        self.artist.setPlaceholderText("Who made the generator")
        self.interval = QLineEdit("5s")
        self.interval.setPlaceholderText("5s, 30s, 2m…")
        self.retention = QLineEdit("none")
        self.retention.setPlaceholderText("none, 100, 7d")
        self.fallback = QLineEdit()
        self.fallback.setPlaceholderText("Optional: a title card is drawn when empty")
        self.choose_fallback = QPushButton("Choose…")
        self.choose_fallback.clicked.connect(self._choose_fallback)
        fallback_row = QWidget()
        row = QHBoxLayout(fallback_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.fallback, 1)
        row.addWidget(self.choose_fallback)
        self.pull_url = QLineEdit()
        self.pull_url.setPlaceholderText("Optional: the hub fetches frames from this address")
        self.allow_keep = QCheckBox("Passers-by may download the frame on their phone")
        self.allow_keep.setChecked(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, key, widget, shown in (
            ("&Title", "title", self.title, self.title),
            ("&Artist", "artist", self.artist, self.artist),
            ("&Interval", "interval_s", self.interval, self.interval),
            ("&Retention", "retention", self.retention, self.retention),
            ("&Fallback still", "fallback", self.fallback, fallback_row),
            ("&Pull from", "pull_url", self.pull_url, self.pull_url),
        ):
            buddy = PlainLabel(label)
            buddy.setBuddy(widget)
            form.addRow(buddy, with_error(shown, self.errors.add(key, widget)))
        form.addRow(
            "",
            hint_label(
                "Retention: none keeps only the frame on screen now; a number keeps that many "
                "frames; a duration (10m, 2h, 7d) keeps frames that long."
            ),
        )
        form.addRow("", self.allow_keep)
        self.general_error = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Add live work")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        return page

    def _choose_fallback(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the still shown when the feed is quiet", "",
            "Images (*.jpg *.jpeg *.png *.webp *.gif *.tif *.tiff);;All files (*)",
        )  # fmt: skip
        if path:
            self.fallback.setText(path)

    def form(self) -> LiveWorkForm:
        return LiveWorkForm(
            self.title.text(),
            self.artist.text(),
            self.interval.text(),
            self.retention.text(),
            self.fallback.text(),
            self.pull_url.text(),
            self.allow_keep.isChecked(),
        )

    def save(self) -> None:
        """Register the work in the background; the form stays until the engine agreed."""
        self.errors.clear()
        self.general_error.clear_message()
        self.ok_button.setEnabled(False)
        self.ok_button.setText("Adding…")
        library, form = self.studio.library, self.form()

        def work(_ctx: OpContext) -> NewLiveWork:
            return register(library, form)

        run_op(
            self, work, on_success=self._stored, on_failure=self._failed,
            changes={ARTWORKS, ARTISTS}, bus=self.studio.bus, label="add live work",
            writes=True,
        )  # fmt: skip

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.ok_button.setText("Add live work")
        if not (isinstance(exc, InvalidValue) and self.errors.show(exc)):
            self.general_error.show_message(describe(exc))

    def _stored(self, created: NewLiveWork) -> None:
        self.result_work = created
        self.token.setText(created.token)
        self.secret.setText(created.secret)
        self.command.setPlainText(run_command(created, self.hub))
        self.secret_heading.setText(f"{self.title.text().strip()} is registered")
        self.pages.setCurrentIndex(1)
        self.done_button.setFocus()
        self.created.emit(created)

    # The one-time page --------------------------------------------------------------------------

    def _secret_page(self) -> QWidget:
        page = QWidget()
        self.secret_heading = PlainLabel("")
        theme.set_point_size(self.secret_heading, 1.2, bold=True)
        self.warning = ErrorLabel()
        self.warning.show_message(
            "Copy the token and the secret now and hand them to the artist: they are shown "
            "only this once. Anyone who has both can put images on your screens."
        )
        self.token = QLineEdit()
        self.secret = QLineEdit()
        for field in (self.token, self.secret):
            field.setReadOnly(True)
            theme.set_point_size(field, 1.0)
        self.command = QPlainTextEdit()
        self.command.setReadOnly(True)
        self.command.setFixedHeight(74)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Source token", self.token)
        form.addRow("Secret", self.secret)
        form.addRow("Command", self.command)
        form.addRow(
            "",
            hint_label(
                "The artist's program writes image files into {out}; `urbanart live run` "
                "signs and sends each one to the hub and deletes it after."
            ),
        )
        self.copy_button = QPushButton("Copy token and secret")
        self.copy_button.clicked.connect(self.copy)
        self.copied = hint_label("")
        self.done_button = QPushButton("I have copied them")
        self.done_button.setDefault(True)
        self.done_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.copied, 1)
        buttons.addWidget(self.done_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.secret_heading)
        layout.addWidget(self.warning)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def copy(self) -> None:
        """Token, secret and command on the clipboard, as lines an artist can paste."""
        work = self.result_work
        if work is None:
            return
        text = (
            f"source token: {work.token}\nsecret: {work.secret}\n"
            f"command: {self.command.toPlainText()}\n"
        )
        QGuiApplication.clipboard().setText(text)
        self.copied.setText("Copied.")

    def accept(self) -> None:
        """Close, forgetting the secret: nothing in the studio can show it again."""
        for field in (self.token, self.secret):
            field.clear()
        self.command.clear()
        super().accept()

    def reject(self) -> None:
        """Escape on the one-time page closes it like the button does (the work is stored)."""
        if self.result_work is not None:
            self.accept()
        else:
            super().reject()
