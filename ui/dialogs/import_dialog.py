"""Importing dropped files: ask for a missing artist, import with progress, then say what happened.

The flow is: scan the dropped paths (off the GUI thread) → if some files sit outside an artist
folder, ask which artist made them → if some are generative works (HTML5 packages, .zip), offer
to choose the still they show where code cannot run (the CLI's `import --fallback`; without one
the importer captures the piece, else draws a title card) → import through the engine's importer
with a cancellable progress dialog (X of N, current file) → a summary listing every file that
was not imported and why, in the importer's own words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.operations import ARTISTS, ARTWORKS, OpContext, run_op
from ui.studio import Studio
from ui.widgets.form_fields import ErrorLabel, hint_label
from ui.widgets.plain_text import PlainLabel, plain_tooltip
from urbanart.imaging.packages import looks_like_zip
from urbanart.library.catalog import list_artists
from urbanart.library.import_sources import ImportItem, scan
from urbanart.library.importer import ImportResult, ImportRun, Status, import_items

OUTCOMES = {
    Status.IMPORTED: "Imported",
    Status.DUPLICATE: "Duplicate",
    Status.REJECTED: "Refused",
    Status.SKIPPED: "Skipped",
}


class ArtistDialog(QDialog):
    """Asks who made the files that were dropped outside an artist-named folder."""

    def __init__(
        self, loose: int, total: int, artists: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import artworks")
        self.setMinimumWidth(440)
        heading = PlainLabel(f"Import {total:,} file{'s' if total != 1 else ''}")
        theme.set_point_size(heading, 1.2, bold=True)
        what = (
            "The dropped file is" if loose == 1 else f"{loose:,} of the dropped files are"
        ) + " not in a folder named after an artist. Who made "
        what += "it?" if loose == 1 else "them?"
        self.artist = QComboBox()
        self.artist.setEditable(True)
        self.artist.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.artist.addItems(list(artists))
        self.artist.setEditText("")
        artist_edit = self.artist.lineEdit()
        assert artist_edit is not None  # an editable combo box always has one
        artist_edit.setPlaceholderText("Artist name (new names are added)")
        self.error = ErrorLabel()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Import")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        label = PlainLabel(what)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addWidget(self.artist)
        layout.addWidget(self.error)
        layout.addWidget(
            hint_label(
                "Tip: drop a folder holding one sub-folder per artist to skip this question."
            )
        )
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if not self.artist.currentText().strip():
            self.error.show_message("Name the artist, so the works can be credited.")
            return
        self.accept()

    def artist_name(self) -> str:
        return self.artist.currentText().strip()


class StillDialog(QDialog):
    """Offers to choose the still that generative works (HTML5 packages) show where code cannot
    run: an old player, a screen without a web engine, a phone before "tap to start"."""

    def __init__(self, packages: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import generative works")
        self.setMinimumWidth(480)
        count = len(packages)
        heading = PlainLabel(
            f"{packages[0]} is a generative work"
            if count == 1
            else f"{count:,} of the files are generative works"
        )
        theme.set_point_size(heading, 1.2, bold=True)
        what = PlainLabel(
            "Choose the still shown where the piece cannot run (optional). Without one, a "
            "picture of the piece running is taken, or a card with its title is made."
            + ("" if count == 1 else " The still you choose is used for each of them.")
        )
        what.setWordWrap(True)
        self.path = QLineEdit()
        self.path.setPlaceholderText("No still: capture the piece")
        self.path.setClearButtonEnabled(True)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(what)
        layout.addLayout(row)
        layout.addWidget(buttons)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the still of the generative work", "",
            "Images (*.jpg *.jpeg *.png *.webp *.gif *.tif *.tiff *.bmp);;All files (*)",
        )  # fmt: skip
        if path:
            self.path.setText(path)

    def still(self) -> Path | None:
        """The chosen still, or None (the importer then captures the piece or draws a card);
        the importer reads and guards it, naming it when it is not a usable image."""
        text = self.path.text().strip()
        return Path(text) if text else None


def is_package(item: ImportItem) -> bool:
    """Worker side: whether an item to import is an HTML5 package, as the importer decides it
    (zip bytes, or a .zip name)."""
    if item.skipped or item.refused:
        return False
    if item.path.suffix.lower() == ".zip":
        return True
    try:
        with item.path.open("rb") as handle:
            return looks_like_zip(handle.read(4))
    except OSError:
        return False


class ImportSummaryDialog(QDialog):
    """Counts per outcome and a table of the files not imported, each with its reason."""

    def __init__(
        self, results: Sequence[ImportResult], total: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.results = list(results)
        self.setWindowTitle("Import finished")
        imported = sum(r.status is Status.IMPORTED for r in results)
        duplicates = sum(r.status is Status.DUPLICATE for r in results)
        refused = [r for r in results if r.status is Status.REJECTED]
        skipped = sum(r.status is Status.SKIPPED for r in results)
        heading = PlainLabel(f"Imported {imported:,} work{'s' if imported != 1 else ''}")
        theme.set_point_size(heading, 1.3, bold=True)
        parts = []
        if duplicates:
            parts.append(f"{duplicates:,} already in the library")
        if refused:
            parts.append(f"{len(refused):,} refused")
        if skipped:
            parts.append(f"{skipped:,} skipped (not artworks)")
        if len(results) < total:
            parts.append(f"cancelled: {total - len(results):,} not tried")
        detail = PlainLabel(" · ".join(parts) if parts else "Every file was imported.")
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setHeaderLabels(["File", "Outcome", "Why"])
        self.table.setWordWrap(True)
        header = self.table.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        for result in results:
            if result.status is Status.IMPORTED:
                continue
            outcome = OUTCOMES[result.status]
            item = QTreeWidgetItem([Path(result.file).name, outcome, result.reason or ""])
            item.setToolTip(0, plain_tooltip(result.file))
            item.setToolTip(2, plain_tooltip(result.reason or ""))
            if result.status is Status.REJECTED:
                item.setForeground(1, theme.error_color(self.palette()))
            elif result.status is Status.SKIPPED:
                item.setForeground(1, theme.muted_text(self.palette()))
            self.table.addTopLevelItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy report", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_report)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(detail)
        listed = self.table.topLevelItemCount()
        if listed:
            layout.addWidget(self.table, 1)
            # Compact: as tall as its rows (up to a dozen), not a fixed half screen.
            row_height = self.table.sizeHintForRow(0)
            header_height = self.table.header().sizeHint().height()
            self.table.setMinimumHeight(header_height + min(listed, 12) * max(row_height, 18) + 6)
            self.resize(640, 0)
        else:
            self.table.hide()
            self.resize(420, 0)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str, str]]:
        return [
            (item.text(0), item.text(1), item.text(2))
            for item in (self.table.topLevelItem(i) for i in range(self.table.topLevelItemCount()))
            if item is not None
        ]

    def report(self) -> str:
        return "\n".join(
            f"{r.status.value}\t{r.file}\t{r.reason or ''}".rstrip() for r in self.results
        )

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report())


class ImportFlow(QObject):
    """Drives one import from dropped paths to the summary; dialogs open without blocking."""

    finished = Signal(list)  # list[ImportResult]
    grew = Signal()  # works were recorded (emitted from the import's thread, queued to the GUI)

    def __init__(self, studio: Studio, parent: QWidget) -> None:
        super().__init__(parent)
        self.studio = studio
        self.window = parent
        self.artist_dialog: ArtistDialog | None = None
        self.still_dialog: StillDialog | None = None
        self.summary: ImportSummaryDialog | None = None
        self.packages: list[str] = []  # file names of the generative works among the items

    def start(self, paths: Sequence[str]) -> None:
        library = self.studio.library

        def prepare(_ctx: OpContext) -> tuple[list[ImportItem], list[str], list[str]]:
            items = scan(paths)
            packages = [item.path.name for item in items if is_package(item)]
            return items, [a.name for a in list_artists(library)], packages

        run_op(self.window, prepare, on_success=self._scanned, label="scan dropped files")

    def _scanned(self, found: tuple[list[ImportItem], list[str], list[str]]) -> None:
        items, artists, self.packages = found
        if not items:
            self._show_summary([], 0)
            return
        # Skipped sidecars and refused links are listed, never imported: no artist to ask for.
        loose = sum(1 for item in items if not item.artist_hint and not item.skipped)
        if not loose:
            self._ask_still(items)
            return
        dialog = ArtistDialog(loose, len(items), artists, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.artist_dialog = dialog

        def accepted() -> None:
            name = dialog.artist_name()
            self._ask_still(
                [
                    item if item.artist_hint or item.skipped else replace(item, artist_hint=name)
                    for item in items
                ]
            )

        dialog.accepted.connect(accepted)
        dialog.open()

    def _ask_still(self, items: list[ImportItem]) -> None:
        """Offer a still when generative works are among the items; import right away if not."""
        if not self.packages:
            self._import(items)
            return
        dialog = StillDialog(self.packages, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.still_dialog = dialog
        dialog.accepted.connect(lambda: self._import(items, dialog.still()))
        dialog.open()

    def _import(self, items: list[ImportItem], still: Path | None = None) -> None:
        library = self.studio.library

        def work(ctx: OpContext) -> list[ImportResult]:
            ctx.progress(0, len(items), "")

            def on_result(done: int, total: int, result: ImportResult) -> None:
                ctx.progress(done, total, Path(result.file).name)
                if result.status is Status.IMPORTED:
                    self.grew.emit()

            run = ImportRun(on_result=on_result, cancel=ctx.cancel, fallback=still)
            return import_items(library, items, run)

        run_op(
            self.window,
            work,
            on_success=lambda results: self._show_summary(results, len(items)),
            progress_label=f"Importing {len(items):,} file{'s' if len(items) != 1 else ''}…",
            cancellable=True,
            changes={ARTWORKS, ARTISTS},
            bus=self.studio.bus,
            show_after_ms=250,
            writes=True,
        )

    def _show_summary(self, results: list[ImportResult], total: int) -> None:
        dialog = ImportSummaryDialog(results, total, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.summary = dialog
        dialog.open()
        self.finished.emit(results)


def import_paths(studio: Studio, parent: QWidget, paths: Sequence[str]) -> ImportFlow:
    """Start importing paths (files or folders) into the studio's library."""
    flow = ImportFlow(studio, parent)
    flow.start(paths)
    return flow
