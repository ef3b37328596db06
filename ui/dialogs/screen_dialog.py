"""Register or edit a screen: name, place, time zone, resolution, polling, push and fallback.

The dialog saves through the engine itself and only closes once the engine took the values; a
refused value is explained under its field and everything typed stays in the form. When saving
generated a push secret, it is shown once in ``PushSecretDialog`` to copy to the screen's player.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QDateTime, QSignalBlocker, Qt, QTimeZone, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.operations import SCREENS, OpContext, run_op
from ui.studio import Studio
from ui.widgets.form_fields import ErrorLabel, FieldErrors, hint_label, stacked, with_error
from ui.widgets.language_picker import LanguagePicker
from ui.widgets.plain_text import PlainLabel
from urbanart.curation.records import ScreenRecord
from urbanart.curation.screens import (
    DEFAULT_POLL,
    MAX_SIDE,
    MIN_PUSH_SECRET,
    POLL_MAX,
    POLL_MIN,
    VIDEO_MB_DEFAULT,
    VIDEO_MB_MAX,
    add_screen,
    clean_push_secret,
    edit_screen,
    reveal_push_secret,
)
from urbanart.curation.zones import zone_for_city
from urbanart.errors import InvalidValue, UrbanArtError

#: (label, WIDTHxHEIGHT) of the resolutions city screens come in; CUSTOM opens W × H fields.
CUSTOM = "custom"
SIZE_PRESETS: tuple[tuple[str, str], ...] = (
    ("1920 × 1080 landscape (Full HD)", "1920x1080"),
    ("1080 × 1920 portrait (Full HD)", "1080x1920"),
    ("3840 × 2160 landscape (4K)", "3840x2160"),
    ("2160 × 3840 portrait (4K)", "2160x3840"),
    ("1280 × 720 landscape (HD)", "1280x720"),
    ("Custom size…", CUSTOM),
)
#: The "no default playlist" entry's data (never None: see ui/widgets/filter_bar.py ANY).
NO_PLAYLIST = ""
FALLBACK_ZONE = "UTC"


def machine_zone(zones: Sequence[str]) -> str:
    """This computer's IANA zone when the picker knows it, else UTC: the likeliest first guess."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode("utf-8", "replace")
    if name in zones:
        return name
    return FALLBACK_ZONE if FALLBACK_ZONE in zones else (zones[0] if zones else "")


def zone_hint(name: str) -> str:
    """ "Now 21:04 there (UTC+09:00)" for a zone name, or "" while the name is incomplete."""
    zone = QTimeZone(name.strip().encode("utf-8")) if name.strip() else QTimeZone()
    if not zone.isValid():
        return ""
    now = QDateTime.currentDateTime().toTimeZone(zone)
    offset = zone.offsetFromUtc(QDateTime.currentDateTime())
    sign = "+" if offset >= 0 else "−"
    hours, minutes = divmod(abs(offset) // 60, 60)
    return f"Now {now.toString('HH:mm')} there (UTC{sign}{hours:02d}:{minutes:02d})"


class ScreenDialog(QDialog):
    """The register/edit form; emits ``saved`` with the engine's record once it was stored."""

    saved = Signal(object)  # ScreenRecord

    def __init__(
        self,
        studio: Studio,
        zones: Sequence[str],
        playlists: Sequence[tuple[int, str]],
        record: ScreenRecord | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.studio = studio
        self.record = record
        self.zones = list(zones)
        #: Set once the curator picks or types a zone, or when editing: the city stops proposing.
        self.zone_chosen = record is not None
        self.errors = FieldErrors()
        self.setWindowTitle("Register a screen" if record is None else f"Edit {record.name}")
        self.setMinimumWidth(560)

        heading = PlainLabel("Register a screen" if record is None else record.name)
        theme.set_point_size(heading, 1.3, bold=True)
        intro = hint_label(
            "Give the screen a name, its time zone and its size. It gets a private poll address "
            "to pair it with, shown in the Screens view after saving."
            if record is None
            else "Changes reach the screen with the next publication."
        )

        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Shibuya Crossing North")
        self.city = QLineEdit()
        self.city.setPlaceholderText("e.g. Tokyo")
        self.address = QLineEdit()
        self.address.setPlaceholderText("Street, building, floor")
        self.lat = QLineEdit()
        self.lat.setPlaceholderText("Latitude, e.g. 35.6595")
        self.lon = QLineEdit()
        self.lon.setPlaceholderText("Longitude, e.g. 139.7005")

        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone.addItems(self.zones)
        self.zone.setMaxVisibleItems(14)
        zone_edit = self.zone.lineEdit()
        assert zone_edit is not None  # an editable combo box always has one
        zone_edit.setPlaceholderText("Type a city or region, e.g. Tokyo")
        self.completer = QCompleter(self.zones, self.zone)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(12)
        self.zone.setCompleter(self.completer)
        self.zone.setAccessibleName("Time zone")
        self.zone_hint = hint_label("")

        self.size_preset = QComboBox()
        for label, value in SIZE_PRESETS:
            self.size_preset.addItem(label, value)
        self.size_preset.setAccessibleName("Resolution")
        self.width_spin = QSpinBox()
        self.height_spin = QSpinBox()
        for spin in (self.width_spin, self.height_spin):
            spin.setRange(1, MAX_SIDE)
            spin.setSuffix(" px")
            spin.setValue(1920 if spin is self.width_spin else 1080)
        self.custom_size = QWidget()
        custom_row = QHBoxLayout(self.custom_size)
        custom_row.setContentsMargins(0, 0, 0, 0)
        custom_row.addWidget(self.width_spin, 1)
        custom_row.addWidget(PlainLabel("×"))
        custom_row.addWidget(self.height_spin, 1)
        size_box = QWidget()
        size_layout = QVBoxLayout(size_box)
        size_layout.setContentsMargins(0, 0, 0, 0)
        size_layout.setSpacing(4)
        size_layout.addWidget(self.size_preset)
        size_layout.addWidget(self.custom_size)

        self.poll = QSpinBox()
        self.poll.setRange(POLL_MIN, POLL_MAX)
        self.poll.setValue(DEFAULT_POLL)
        self.poll.setSuffix(" s")
        self.poll.setToolTip("How often the screen asks for a new manifest")
        self.push_url = QLineEdit()
        self.push_url.setPlaceholderText("Optional: https://screen.example/push")
        self.push_secret = QLineEdit()
        self.push_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.push_secret.setAccessibleName("Push secret")
        self.push_secret.setPlaceholderText(
            "Optional: leave empty to have one generated"
            if record is None
            else "Leave empty to keep the current one"
        )
        self.push_secret.textChanged.connect(self._secret_changed)
        self.playlist = QComboBox()
        self.playlist.addItem("None (only what schedules say)", NO_PLAYLIST)
        for playlist_id, name in playlists:
            self.playlist.addItem(name, str(playlist_id))
        self.language = LanguagePicker(accessible_name="Language")
        self.second_language = LanguagePicker(optional=True, accessible_name="Second language")
        language_box = QWidget()
        language_row = QHBoxLayout(language_box)
        language_row.setContentsMargins(0, 0, 0, 0)
        language_row.addWidget(self.language, 1)
        language_row.addWidget(PlainLabel("then"))
        language_row.addWidget(self.second_language, 1)
        language_field = stacked(
            language_box,
            self.errors.add("language", self.language),
            hint_label(
                "Captions and the now-playing page use the first language a work has texts "
                "in, then the second, then the work's own texts."
            ),
        )
        # 0 is the spin box's "default" entry: the screen takes the library's limit.
        self.video_max_mb = QSpinBox()
        self.video_max_mb.setRange(0, VIDEO_MB_MAX)
        self.video_max_mb.setSuffix(" MB")
        self.video_max_mb.setSpecialValueText(f"Default ({VIDEO_MB_DEFAULT} MB)")
        self.video_max_mb.setAccessibleName("Video size limit (MB)")
        self.video_max_mb.setToolTip("Video works are transcoded to a file at most this large")
        self.video_sound = QCheckBox("Keep the video's sound")
        video_box = stacked(
            self.video_max_mb,
            self.errors.add("video_max_mb", self.video_max_mb),
            self.video_sound,
            self.errors.add("video_sound", self.video_sound),
        )
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(64)
        self.notes.setPlaceholderText("Access, contacts, quirks…")

        location = QWidget()
        location_row = QHBoxLayout(location)
        location_row.setContentsMargins(0, 0, 0, 0)
        location_row.addWidget(self.lat, 1)
        location_row.addWidget(self.lon, 1)
        location_errors = stacked(
            self.errors.add("lat", self.lat), self.errors.add("lon", self.lon), spacing=0
        )
        location_box = stacked(location, location_errors)

        zone_box = stacked(self.zone, self.errors.add("tz", self.zone), self.zone_hint)

        push_url_error = self.errors.add("push_url", self.push_url)
        self.secret_error = self.errors.add("push_secret", self.push_secret)
        push_box = stacked(
            self.push_url,
            push_url_error,
            self.push_secret,
            self.secret_error,
            hint_label(
                "The studio nudges the screen here after each publication, signed with a "
                "secret that is generated and shown to you once (or one you type: at least "
                f"{MIN_PUSH_SECRET} characters)."
            ),
        )

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        rows: tuple[tuple[str, QWidget, QWidget], ...] = (
            ("&Name", self.name, with_error(self.name, self.errors.add("name", self.name))),
            ("&City", self.city, with_error(self.city, self.errors.add("city", self.city))),
            (
                "&Address",
                self.address,
                with_error(self.address, self.errors.add("address", self.address)),
            ),
            ("&Location", self.lat, location_box),
            ("&Time zone", self.zone, zone_box),
            (
                "&Resolution",
                self.size_preset,
                with_error(size_box, self.errors.add("size", self.size_preset)),
            ),
            (
                "&Poll every",
                self.poll,
                with_error(self.poll, self.errors.add("poll_interval", self.poll)),
            ),
            ("P&ush URL", self.push_url, push_box),
            ("&Default playlist", self.playlist, self.playlist),
            ("Lan&guage", self.language, language_field),
            ("&Video size limit (MB)", self.video_max_mb, video_box),
            ("N&otes", self.notes, with_error(self.notes, self.errors.add("notes", self.notes))),
        )
        for text, buddy_of, field in rows:
            caption = PlainLabel(text)
            caption.setBuddy(buddy_of)
            form.addRow(caption, field)

        self.general_error = ErrorLabel()
        self.note = hint_label("")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Register screen" if record is None else "Save")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addLayout(bottom)

        self.size_preset.currentIndexChanged.connect(self._preset_changed)
        self.zone.currentTextChanged.connect(self._zone_changed)
        self.city.textEdited.connect(self._city_edited)
        assert zone_edit is not None
        zone_edit.textEdited.connect(self._zone_typed)
        self.zone.activated.connect(self._zone_typed)
        self._fill(record)
        self.name.setFocus()

    # Values -------------------------------------------------------------------------------------

    def _fill(self, record: ScreenRecord | None) -> None:
        if record is None:
            self.language.set_code("en")
            self.second_language.set_code(None)
            self.zone.setCurrentText(machine_zone(self.zones))
            self._select_size("1920x1080")
            self._zone_changed(self.zone.currentText())
            return
        self.name.setText(record.name)
        self.city.setText(record.city)
        self.address.setText(record.address)
        self.lat.setText("" if record.latitude is None else repr(record.latitude))
        self.lon.setText("" if record.longitude is None else repr(record.longitude))
        self.zone.setCurrentText(record.timezone)
        self._zone_changed(record.timezone)
        self._select_size(record.size, record.width, record.height)
        self.poll.setValue(record.poll_interval)
        self.push_url.setText(record.push_url or "")
        if record.default_playlist_id is not None:
            found = self.playlist.findData(str(record.default_playlist_id))
            if found < 0:  # not in the list we were given: keep it rather than clear it
                self.playlist.addItem(
                    record.default_playlist_name or f"playlist {record.default_playlist_id}",
                    str(record.default_playlist_id),
                )
                found = self.playlist.count() - 1
            self.playlist.setCurrentIndex(found)
        self.notes.setPlainText(record.notes)
        self.language.set_code(record.language)
        self.second_language.set_code(record.second_language)
        self.video_max_mb.setValue(record.video_max_mb or 0)
        self.video_sound.setChecked(record.video_sound)

    def _select_size(self, size: str, width: int = 1920, height: int = 1080) -> None:
        found = self.size_preset.findData(size)
        with QSignalBlocker(self.size_preset):
            self.size_preset.setCurrentIndex(found if found >= 0 else len(SIZE_PRESETS) - 1)
        self.width_spin.setValue(width)
        self.height_spin.setValue(height)
        self._preset_changed()

    def size_text(self) -> str:
        preset = str(self.size_preset.currentData())
        if preset == CUSTOM:
            return f"{self.width_spin.value()}x{self.height_spin.value()}"
        return preset

    def values(self) -> dict[str, Any]:
        """The fields as add_screen/edit_screen take them (empty text clears optional ones)."""
        return {
            "name": self.name.text(),
            "tz": self.zone.currentText().strip(),
            "size": self.size_text(),
            "city": self.city.text(),
            "address": self.address.text(),
            "lat": self.lat.text().strip(),
            "lon": self.lon.text().strip(),
            "poll_interval": self.poll.value(),
            "push_url": self.push_url.text().strip(),
            "push_secret": self.push_secret.text().strip() or None,  # None: generate or keep
            "default_playlist": str(self.playlist.currentData() or NO_PLAYLIST),
            "notes": self.notes.toPlainText(),
            "language": ",".join(
                c for c in (self.language.code(), self.second_language.code()) if c
            )
            or "en",
            # "" clears the limit: the screen takes the default again.
            "video_max_mb": self.video_max_mb.value() or "",
            "video_sound": self.video_sound.isChecked(),
        }

    def _preset_changed(self, *_: object) -> None:
        custom = self.size_preset.currentData() == CUSTOM
        self.custom_size.setVisible(custom)
        if not custom:
            width, _x, height = str(self.size_preset.currentData()).partition("x")
            self.width_spin.setValue(int(width))
            self.height_spin.setValue(int(height))

    def _secret_changed(self, text: str) -> None:
        """Say at once, under the field, what the engine would refuse on saving: the same
        check (clean_push_secret) and the same words, before the curator presses Save."""
        try:
            clean_push_secret(text.strip())
        except InvalidValue as exc:
            self.secret_error.show_message(exc.reason[:1].upper() + exc.reason[1:])
        else:
            self.secret_error.clear_message()

    def _zone_typed(self, *_: object) -> None:
        self.zone_chosen = True  # the curator's own choice: the city no longer proposes

    def _city_edited(self, city: str) -> None:
        """Propose the zone named after the city (Lisbon → Europe/Lisbon) until one is chosen."""
        if self.zone_chosen:
            return
        proposed = zone_for_city(city, self.zones)
        if proposed is not None:
            self.zone.setCurrentText(proposed)

    def _zone_changed(self, text: str) -> None:
        hint = zone_hint(text) if text in self.zones else ""
        self.zone_hint.setText(hint)
        self.zone_hint.setVisible(bool(hint))

    # Saving -------------------------------------------------------------------------------------

    def save(self) -> None:
        """Hand the typed values to the engine; close only when it took them."""
        self.errors.clear()
        self.general_error.clear_message()
        self.note.setText("Saving…")
        self.ok_button.setEnabled(False)
        library, values, before = self.studio.library, self.values(), self.record

        def store(_ctx: OpContext) -> tuple[ScreenRecord, str | None]:
            if before is None:
                fields = dict(values)
                record = add_screen(library, fields.pop("name"), **fields)
                fresh = record.has_push_secret
            else:
                record = edit_screen(library, before.id, expected_version=before.version, **values)
                fresh = record.has_push_secret and not before.has_push_secret
            return record, (reveal_push_secret(library, record.id) if fresh else None)

        run_op(
            self,
            store,
            on_success=self._stored,
            on_failure=self.save_failed,
            changes={SCREENS},
            bus=self.studio.bus,
            label="register screen" if before is None else "edit screen",
            writes=True,
        )

    def _stored(self, result: tuple[ScreenRecord, str | None]) -> None:
        record, secret = result
        self.record = record
        self.note.setText("")
        self.saved.emit(record)
        if secret:
            owner = self.parentWidget()
            shown = PushSecretDialog(record.name, secret, owner)
            shown.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            shown.open()
            self.secret_dialog = shown
        self.accept()

    def save_failed(self, exc: BaseException) -> None:
        self.note.setText("")
        self.ok_button.setEnabled(True)
        if not (isinstance(exc, InvalidValue) and self.errors.show(exc)):
            text = str(exc) if isinstance(exc, UrbanArtError) else "The screen was not saved."
            self.general_error.show_message(text)
        self.adjustSize()  # make room for the message instead of squeezing the notes


class PushSecretDialog(QDialog):
    """Shows a newly generated push secret once, to copy to the screen's player."""

    def __init__(self, screen: str, secret: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Push secret")
        self.setMinimumWidth(520)
        heading = PlainLabel(f"Push secret for {screen}")
        theme.set_point_size(heading, 1.2, bold=True)
        text = PlainLabel(
            "The studio signs its pushes to this screen with this secret. Put it in a file on "
            "the screen's player and start it with <code>--push-secret-file</code>. "
            "It is shown only now; to replace it later, clear and re-enter the push URL."
        )
        text.setWordWrap(True)
        self.secret = QLineEdit(secret)
        self.secret.setReadOnly(True)
        self.secret.setAccessibleName("Push secret")
        copy = QPushButton("Copy")
        copy.clicked.connect(self.copy)
        row = QHBoxLayout()
        row.addWidget(self.secret, 1)
        row.addWidget(copy)
        self.copied = hint_label("")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(heading)
        layout.addWidget(text)
        layout.addLayout(row)
        layout.addWidget(self.copied)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.secret.text())
        self.copied.setText("Copied to the clipboard.")
