"""Create or rename a screen group; like the screen form, it closes only once the engine agreed.

A new group can start with screens (the ones selected in the table), so "put these three
screens in a new group" is one step.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.operations import SCREENS, OpContext, run_op
from ui.studio import Studio
from ui.widgets.form_fields import ErrorLabel, FieldErrors, hint_label, with_error
from ui.widgets.plain_text import PlainLabel
from urbanart.curation.records import GroupRecord
from urbanart.curation.screens import create_group, edit_group
from urbanart.errors import InvalidValue, UrbanArtError


class GroupDialog(QDialog):
    """Name and description of a group; emits ``saved`` with the stored GroupRecord."""

    saved = Signal(object)  # GroupRecord

    def __init__(
        self,
        studio: Studio,
        record: GroupRecord | None = None,
        screens: Sequence[tuple[int, str]] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.studio = studio
        self.record = record
        self.screen_ids = [screen_id for screen_id, _ in screens]
        self.errors = FieldErrors()
        self.setWindowTitle("New group" if record is None else "Rename group")
        self.setMinimumWidth(440)
        heading = PlainLabel("New group" if record is None else f"Rename {record.name}")
        theme.set_point_size(heading, 1.2, bold=True)
        if record is not None:
            intro = "Schedules that reach this group keep reaching it under its new name."
        elif screens:
            names = ", ".join(name for _, name in screens[:4])
            more = f" and {len(screens) - 4} more" if len(screens) > 4 else ""
            intro = f"The group starts with {names}{more}."
        else:
            intro = "A group lets one schedule reach many screens. Add screens to it afterwards."
        self.name = QLineEdit(record.name if record else "")
        self.name.setPlaceholderText("e.g. Tokyo portrait screens")
        self.description = QLineEdit(record.description if record else "")
        self.description.setPlaceholderText("Optional")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Name", with_error(self.name, self.errors.add("name", self.name)))
        form.addRow(
            "&Description",
            with_error(self.description, self.errors.add("description", self.description)),
        )
        self.general_error = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Create group" if record is None else "Rename")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(heading)
        layout.addWidget(hint_label(intro))
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.name.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        self.errors.clear()
        self.general_error.clear_message()
        self.ok_button.setEnabled(False)
        library, record, ids = self.studio.library, self.record, list(self.screen_ids)
        name, description = self.name.text(), self.description.text()

        def store(_ctx: OpContext) -> GroupRecord:
            if record is None:
                return create_group(library, name, ids, description)
            return edit_group(
                library,
                record.id,
                name=name,
                description=description,
                expected_version=record.version,
            )

        run_op(
            self,
            store,
            on_success=self._stored,
            on_failure=self._failed,
            changes={SCREENS},
            bus=self.studio.bus,
            label="create group" if record is None else "rename group",
            writes=True,
        )

    def _stored(self, record: GroupRecord) -> None:
        self.record = record
        self.saved.emit(record)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        if not (isinstance(exc, InvalidValue) and self.errors.show(exc)):
            self.general_error.show_message(
                str(exc) if isinstance(exc, UrbanArtError) else "The group was not saved."
            )
        self.adjustSize()
