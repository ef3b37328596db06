"""CSV cells a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading '.

Why: a curator opens a proof-of-play export in Excel or LibreOffice, and an artwork titled
``=HYPERLINK("http://…")`` or ``=cmd|' /C calc'!A0`` would otherwise run as a formula (CSV
injection, OWASP). Real numbers stay numbers: only text is ever changed, so ``-3`` as an int
is written as ``-3`` while the text ``"-3"`` becomes ``'-3``. Every CSV we write goes through here.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

#: What a spreadsheet may treat as the start of a formula (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralise(value: Any) -> Any:
    """The cell as written: text that could start a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(value) for value in row]


class SafeWriter:
    """csv.writer with every text cell neutralised; the same writerow/writerows calls."""

    def __init__(self, out: _Writable, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """csv.DictWriter with every text value neutralised (the header is ours and left alone)."""

    def writerow(self, rowdict: Any) -> Any:
        return super().writerow({key: neutralise(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Any]) -> None:
        for row in rowdicts:
            self.writerow(row)
