"""Preferences: every library setting, in a curator's units, and whether the hub is shared.

The fields are built from the engine's declaration (``urbanart.library.settings.setting_specs``),
so a setting added there appears here without a second list to keep. Sizes show in MB and
megapixels, periods in days. Saving runs on the studio's writer thread; the engine checks every
value first and stores nothing when one is wrong, and its message appears under that field.
"Share the hub on the local network" is the studio's own choice (kept in QSettings, not in the
library): the dialog only proposes it, and the main window applies it after a save, through the
same path as Hub ▸ Share on the Local Network.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.operations import SETTINGS, OpContext, run_op
from ui.studio import Studio
from ui.widgets.form_fields import ErrorLabel, FieldErrors, hint_label, with_error
from ui.widgets.plain_text import PlainLabel
from urbanart.errors import InvalidValue, UrbanArtError
from urbanart.imaging.limits import MIB
from urbanart.library.public_address import EXAMPLE_ADDRESS, public_address_warning
from urbanart.library.settings import (
    MEGAPIXEL,
    LibrarySettings,
    SettingSpec,
    Unit,
    setting_specs,
    update_settings,
)
from urbanart.library.user_config import (
    MAX_NAME,
    clean_curator_name,
    set_curator_name,
    set_signing_key_file,
)

#: How many stored units one step of the field is, and what the field calls it.
SCALES: dict[Unit, tuple[int, str]] = {
    Unit.BYTES: (MIB, " MB"),
    Unit.PIXELS: (MEGAPIXEL, " megapixels"),
    Unit.DAYS: (1, " days"),
    Unit.NUMBER: (1, ""),
}
#: Where each setting is shown; settings not named here go under "Other".
SECTIONS: dict[str, str] = {
    "public_base_url": "Sharing",
    "look_ahead_days": "Publishing",
    "media_grace_days": "Publishing",
    "max_import_bytes": "Import",
    "max_import_pixels": "Import",
    "max_import_total_pixels": "Import",
    "import_worker_memory": "Import",
    "rendition_background": "Import",
}
SECTION_ORDER = ("You", "Sharing", "Publishing", "Import", "Other")
CURATOR_HINT = (
    "Saved for you on this computer, not in the library: the history of every artwork, "
    "playlist, schedule and screen, and the message another curator sees when your change "
    "overtook theirs, show this name."
)
KEY_FILE_HINT = (
    "The exhibition's manifest-signing key, shared by its curators so screens verify whatever "
    "any of them publishes. Empty: this library's own key. Publishing is refused when the key "
    "differs from the one the screens were paired with."
)
SPIN_LIMIT = 2**31 - 1  # QSpinBox holds a C int
SHARE_TEXT = "Share the hub on the local network"
SHARE_HINT = (
    "On: screens and phones on this network reach the studio's built-in hub (for pairing and "
    "polling). Off: only this computer does, as `urbanart serve` without --host."
)


class SettingField:
    """One setting's widget: shows the stored value in curator units, gives back changes only."""

    def __init__(self, name: str, spec: SettingSpec, value: Any) -> None:
        self.name, self.spec, self.initial = name, spec, value
        self.scale, suffix = SCALES.get(spec.unit, (0, ""))
        self.widget: QWidget
        if self.scale:
            spin = QSpinBox()
            low = -(-(spec.minimum or 1) // self.scale)  # ceiling: the smallest allowed step
            high = (spec.maximum // self.scale) if spec.maximum is not None else SPIN_LIMIT
            spin.setRange(low, min(high, SPIN_LIMIT))
            spin.setSuffix(suffix)
            spin.setGroupSeparatorShown(True)
            self.shown = round(int(value) / self.scale)
            spin.setValue(self.shown)
            spin.setAccessibleName(spec.label)
            self.spin: QSpinBox | None = spin
            self.line: QLineEdit | None = None
            self.widget = spin
        else:
            line = QLineEdit(str(value))
            line.setAccessibleName(spec.label)
            if spec.unit is Unit.URL:
                line.setPlaceholderText(EXAMPLE_ADDRESS)
            elif spec.unit is Unit.COLOUR:
                line.setPlaceholderText("#000000")
                line.setMaxLength(7)
            self.spin, self.line = None, line
            self.widget = line

    def change(self) -> tuple[str, Any] | None:
        """(name, value to store) when the curator changed it, else None.

        Why only changes: a stored size that is no whole number of MB is shown rounded; saving
        other fields must not round it.
        """
        if self.spin is not None:
            if self.spin.value() == self.shown:
                return None
            return self.name, self.spin.value() * self.scale
        assert self.line is not None
        text = self.line.text()
        return None if text == str(self.initial) else (self.name, text)


class PreferencesDialog(QDialog):
    """Edits the library's settings; emits ``saved`` with the stored ``LibrarySettings``."""

    saved = Signal(object)  # LibrarySettings

    def __init__(
        self,
        studio: Studio,
        current: LibrarySettings,
        *,
        share_on_network: bool,
        signing_key_file: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.studio = studio
        self.errors = FieldErrors()
        self.fields: dict[str, SettingField] = {}
        self.setWindowTitle("Preferences")
        self.setMinimumWidth(560)
        heading = PlainLabel("Preferences")
        theme.set_point_size(heading, 1.2, bold=True)
        intro = hint_label(
            f"Settings of the library at {studio.library.home}; the command line shows and "
            "changes the same ones with `urbanart settings`."
        )

        self.share = QCheckBox(SHARE_TEXT)
        self.share.setChecked(share_on_network)
        self.address_warning = hint_label("")
        self.address_warning.setAccessibleName("Public address warning")
        palette = self.address_warning.palette()
        palette.setColor(self.address_warning.foregroundRole(), theme.error_color(palette))
        self.address_warning.setPalette(palette)

        values = asdict(current)
        specs = setting_specs()
        rows: dict[str, list[tuple[str, QWidget]]] = {section: [] for section in SECTION_ORDER}
        self.curator = QLineEdit(studio.library.curator)
        self.curator.setAccessibleName("Your name")
        self.curator.setMaxLength(MAX_NAME)
        self.key_file = QLineEdit(signing_key_file)
        self.key_file.setAccessibleName("Shared signing key file")
        self.key_file.setPlaceholderText("this library's own key")
        self._initial_user = (self.curator.text(), self.key_file.text())
        for name, field_line, hint, label in (
            ("curator", self.curator, CURATOR_HINT, "Your name"),
            ("signing_key_file", self.key_file, KEY_FILE_HINT, "Signing key file"),
        ):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.setSpacing(2)
            box_layout.addWidget(with_error(field_line, self.errors.add(name, field_line)))
            box_layout.addWidget(hint_label(hint))
            rows["You"].append((label, box))
        for name, spec in specs.items():
            setting = self.fields[name] = SettingField(name, spec, values[name])
            row = with_error(setting.widget, self.errors.add(name, setting.widget))
            if spec.unit is Unit.COLOUR and setting.line is not None:
                row = self._with_colour_button(setting.line, row)
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.setSpacing(2)
            box_layout.addWidget(row)
            if name == "public_base_url" and setting.line is not None:
                box_layout.addWidget(self.address_warning)
                setting.line.textChanged.connect(self._address_edited)
            if spec.help:
                box_layout.addWidget(hint_label(spec.help))
            rows[SECTIONS.get(name, "Other")].append((spec.label, box))
            if name == "public_base_url":
                share_box = QWidget()
                share_layout = QVBoxLayout(share_box)
                share_layout.setContentsMargins(0, 0, 0, 0)
                share_layout.setSpacing(2)
                share_layout.addWidget(self.share)
                share_layout.addWidget(hint_label(SHARE_HINT))
                rows["Sharing"].append(("Hub", share_box))

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for section in SECTION_ORDER:
            if not rows[section]:
                continue
            title = PlainLabel(section)
            theme.set_point_size(title, 1.05, bold=True)
            form.addRow(title)
            for label, widget in rows[section]:
                form.addRow(label, widget)

        self.general_error = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self._address_edited(str(values.get("public_base_url", "")))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        """Tall enough for every wrapped hint at this width (a top-level dialog's minimum size
        ignores height-for-width, so the hints would overlap)."""
        layout = self.layout()
        if layout is None or not layout.hasHeightForWidth():
            return
        height = layout.heightForWidth(self.width())
        self.setMinimumHeight(height)
        if self.height() < height:
            self.resize(self.width(), height)

    def _with_colour_button(self, line: QLineEdit, row: QWidget) -> QWidget:
        button = QPushButton("Choose…")
        button.setToolTip("Pick the colour")

        def choose() -> None:
            colour = QColorDialog.getColor(QColor(line.text()), self, "Background colour")
            if colour.isValid():
                line.setText(colour.name())

        button.clicked.connect(choose)
        box = QWidget()
        box_layout = QHBoxLayout(box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(row, 1)
        box_layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        return box

    def _address_edited(self, text: str) -> None:
        """Warn as the curator types, while the address only opens on this computer."""
        warning = public_address_warning(LibrarySettings(public_base_url=text.strip()))
        self.address_warning.setText(
            "Only this computer can open links and QR codes with this address: phones and "
            "screens elsewhere cannot. Give the address people reach the published pages at."
            if warning
            else ""
        )
        self.address_warning.setVisible(bool(warning))
        if self.isVisible():
            self._fit_height()

    def changes(self) -> dict[str, Any]:
        """The settings the curator changed, in the engine's units."""
        return dict(change for f in self.fields.values() if (change := f.change()) is not None)

    def save(self) -> None:
        self.errors.clear()
        self.general_error.clear_message()
        self.save_button.setEnabled(False)
        library, changes = self.studio.library, self.changes()
        name, key_file = self.curator.text(), self.key_file.text().strip()
        name_changed, key_changed = (
            name != self._initial_user[0],
            key_file != self._initial_user[1],
        )

        def store(_ctx: OpContext) -> LibrarySettings:
            clean = clean_curator_name(name) if name_changed else None  # refused: nothing saved
            stored = update_settings(library, **changes)
            if key_changed:
                set_signing_key_file(key_file or None)
            if clean is not None:
                library.curator = set_curator_name(clean)
            return stored

        run_op(
            self,
            store,
            on_success=self._stored,
            on_failure=self._failed,
            changes={SETTINGS},
            bus=self.studio.bus,
            label="save preferences",
            writes=True,
        )

    def _stored(self, stored: LibrarySettings) -> None:
        self.saved.emit(stored)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if not (isinstance(exc, InvalidValue) and self.errors.show(exc)):
            self.general_error.show_message(
                str(exc) if isinstance(exc, UrbanArtError) else "The preferences were not saved."
            )
        self._fit_height()
