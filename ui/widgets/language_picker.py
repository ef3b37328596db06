"""A language picker: the shipped languages by code and their own name ("ja — 日本語"), and any
other BCP 47 code the curator types ("ar", "pt-BR"); the engine checks what was typed."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QComboBox, QWidget

from urbanart.library.language_codes import SUGGESTED

#: The text of the "no language" entry of an optional picker.
NONE = "None"


def language_label(code: str) -> str:
    """ "ja — 日本語": the code, and the language's name in itself when Qt knows it."""
    name = QLocale(code.replace("-", "_")).nativeLanguageName() if code else ""
    return f"{code} — {name}" if name else code


def code_of(text: str) -> str:
    """The code at the start of a picker's text ("ja — 日本語" → "ja"; "None" → "")."""
    text = text.strip()
    if not text or text == NONE:
        return ""
    return text.split()[0]


class LanguagePicker(QComboBox):
    """An editable combo box of language codes; ``code()`` is what the engine takes."""

    def __init__(
        self,
        *,
        optional: bool = False,
        accessible_name: str = "Language",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setAccessibleName(accessible_name)
        if optional:
            self.addItem(NONE)
        self.add_codes(SUGGESTED)
        line = self.lineEdit()
        assert line is not None  # an editable combo box always has one
        line.setPlaceholderText("A code such as ja or pt-BR")

    def add_codes(self, codes: Iterable[str]) -> None:
        """Offer these codes too (say, the languages a work already has), each once."""
        have = {code_of(self.itemText(i)) for i in range(self.count())}
        for code in codes:
            if code and code not in have:
                self.addItem(language_label(code))
                have.add(code)

    def code(self) -> str:
        return code_of(self.currentText())

    def set_code(self, code: str | None) -> None:
        """Show code (added to the list if new); None or "" shows "None" or nothing."""
        if code:
            self.add_codes([code])
            for i in range(self.count()):
                if code_of(self.itemText(i)) == code:
                    self.setCurrentIndex(i)
                    return
        index = self.findText(NONE)
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText("")
