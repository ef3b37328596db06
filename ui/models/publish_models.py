"""Models of the Publish view: what each screen would get (or got), and the publish history.

Both are QStandardItemModels filled from engine records in one go; a screen row's children
list the items left out of its manifest and its warnings, with their reasons, so a curator can
expand a screen to see what to fix. Colours come from the palette (light and dark).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication

from ui import theme
from ui.views.publish.formatting import video_budget_line
from ui.widgets.plain_text import plain_tooltip
from urbanart.delivery.changes import ChangeStatus, PublicationStatus, ScreenChange
from urbanart.delivery.history import PublicationRecord, PublicationTotals, PushRecord
from urbanart.library.video_renditions import VideoBudget
from urbanart.library.vocabulary import ReviewStatus

IdRole = Qt.ItemDataRole.UserRole + 21
KindRole = Qt.ItemDataRole.UserRole + 22  # "screen" | "dropped" | "warning"

#: What the change column says of a new or changed screen once it is published.
PUBLISHED = "published"

#: Change status → the review colour it borrows (so one palette of meanings runs through);
#: a new screen has a colour of its own (None here).
_STATUS_LOOK: dict[str, ReviewStatus | None] = {
    ChangeStatus.NEW: None,
    ChangeStatus.CHANGED: ReviewStatus.SUBMITTED,
    ChangeStatus.UNCHANGED: ReviewStatus.ARCHIVED,
    ChangeStatus.REMOVED: ReviewStatus.REJECTED,
    PUBLISHED: ReviewStatus.APPROVED,
    PublicationStatus.DONE: ReviewStatus.APPROVED,
    PublicationStatus.FAILED: ReviewStatus.REJECTED,
    PublicationStatus.RUNNING: ReviewStatus.SUBMITTED,
}
_STATUS_TIPS = {
    ChangeStatus.NEW: "Never published: the screen gets its first manifest.",
    ChangeStatus.CHANGED: "The screen's manifest would change.",
    ChangeStatus.UNCHANGED: "The screen already has this version.",
    ChangeStatus.REMOVED: "The screen was deleted: its manifest leaves the published tree.",
    PUBLISHED: "Published: the screen gets this version at its next poll (or push).",
}


def status_color(status: str, palette: QPalette | None = None) -> QColor:
    """The colour a change or publication status (or "published") is written in."""
    look = _STATUS_LOOK.get(status, ReviewStatus.ARCHIVED)
    if look is None:
        return QColor("#6aa6f0" if theme.is_dark(palette) else "#1a5fb4")
    return theme.status_color(look, palette)


def local_time(moment: datetime | None) -> str:
    """A UTC moment on this computer's clock, as the curator lives it."""
    if moment is None:
        return "—"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def items_text(summary: ScreenChange) -> str:
    """Items added and removed, like a diff: "+3 −1"; "—" when none moved."""
    if not summary.items_added and not summary.items_removed:
        return "—"
    return f"+{summary.items_added} −{summary.items_removed}"


def dropped_line(title: str, playlist: str, reason: str) -> str:
    where = f" in “{playlist}”" if playlist else ""
    return f"Left out: “{title or '?'}”{where} — {reason or 'no reason recorded'}"


def push_text(push: PushRecord | None, can_push: bool) -> tuple[str, str, bool | None]:
    """(cell text, tooltip, ok) for a screen's last push; ok None when there is nothing to say."""
    if push is None:
        if not can_push:
            return (
                "polls",
                "No push URL: the screen fetches new versions when it polls.",
                None,
            )
        return "not pushed yet", "Publishing a change pushes it to this screen.", None
    attempts = f"{push.attempts} attempt{'s' if push.attempts != 1 else ''}"
    took = f", {push.seconds:.2f} s" if push.seconds is not None else ""
    when = f"Last push {local_time(push.started_at)}, manifest {push.manifest_version[:12] or '—'}"
    if push.ok:
        return f"ok ({attempts}{took})", when, True
    return f"failed: {push.error or 'no reason given'} ({attempts}{took})", when, False


def totals_text(totals: PublicationTotals) -> str:
    """Screens by change, leaving out the zeros: "1 new, 2 changed, 5 unchanged"."""
    parts = [
        f"{count} {name}"
        for name, count in (
            ("new", totals.new),
            ("changed", totals.changed),
            ("unchanged", totals.unchanged),
            ("removed", totals.removed),
        )
        if count
    ]
    return ", ".join(parts) or "no screens"


def _item(text: str, tip: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    if tip:
        item.setToolTip(plain_tooltip(tip))
    return item


def _coloured(item: QStandardItem, color: QColor, bold: bool = True) -> QStandardItem:
    item.setForeground(color)
    font = QFont(item.font())
    font.setBold(bold)
    item.setFont(font)
    return item


class ScreenChangesModel(QStandardItemModel):
    """One row per screen: its change, items moved, what was left out, warnings, last push."""

    HEADERS = ("Screen", "Change", "Items", "Left out", "Warnings", "Push")

    def __init__(self, parent: QObject | None = None, *, with_push: bool = True) -> None:
        super().__init__(parent)
        self.with_push = with_push
        self.setHorizontalHeaderLabels(list(self.HEADERS if with_push else self.HEADERS[:-1]))

    def set_rows(
        self,
        screens: Iterable[ScreenChange],
        *,
        published: bool = False,
        pushes: Mapping[int, PushRecord] | None = None,
        pushable: frozenset[int] = frozenset(),
    ) -> None:
        """Fill from summaries; with published, new and changed screens read "published"."""
        palette = QApplication.palette()
        muted = theme.muted_text(palette)
        self.removeRows(0, self.rowCount())
        for summary in sorted(screens, key=lambda s: s.screen.casefold()):
            status: str = summary.status
            if published and summary.gets_manifest:
                status = PUBLISHED
            name = _item(summary.screen, self._versions(summary))
            name.setData(summary.screen_id, IdRole)
            name.setData("screen", KindRole)
            tip = _STATUS_TIPS.get(status, "")
            if status == PUBLISHED:
                tip = f"Published ({summary.status}). {tip}"
            change = _coloured(_item(status, tip), status_color(status, palette))
            items = _item(items_text(summary), "Items added and removed")
            if summary.status is ChangeStatus.UNCHANGED or items.text() == "—":
                items.setForeground(muted)
            reasons = [dropped_line(d.title, d.playlist, d.reason) for d in summary.dropped]
            dropped = _item(
                str(len(summary.dropped)) if summary.dropped else "", "\n".join(reasons)
            )
            if summary.dropped:
                _coloured(dropped, status_color(ChangeStatus.CHANGED, palette))
            warnings = _item(
                str(len(summary.warnings)) if summary.warnings else "",
                "\n".join(summary.warnings),
            )
            if summary.warnings:
                _coloured(warnings, status_color(ChangeStatus.CHANGED, palette))
            row = [name, change, items, dropped, warnings]
            if self.with_push:
                screen_id = summary.screen_id
                push = (pushes or {}).get(screen_id) if screen_id is not None else None
                text, push_tip, ok = push_text(push, screen_id in pushable)
                cell = _item(text, push_tip)
                if ok is None:
                    cell.setForeground(muted)
                else:
                    look = PublicationStatus.DONE if ok else PublicationStatus.FAILED
                    _coloured(cell, status_color(look, palette), bold=False)
                row.append(cell)
            for line in reasons:
                name.appendRow(self._note(line, "dropped"))
            for warning in summary.warnings:
                name.appendRow(self._note(f"Warning: {warning}", "warning"))
            self.appendRow(row)

    def add_video_budgets(self, budgets: Iterable[VideoBudget]) -> None:
        """Under each screen, its video works' rendition sizes; a budget that cannot be met
        (or only with a soft picture) also counts as a warning of that screen."""
        palette = QApplication.palette()
        for budget in budgets:
            row = self.screen_row(budget.screen)
            if row < 0:
                continue
            warn = not budget.fits or budget.soft
            note = self._note(video_budget_line(budget), "video-warning" if warn else "video")
            if warn:
                _coloured(note, status_color(ChangeStatus.CHANGED, palette), bold=False)
                cell = self.item(row, self.HEADERS.index("Warnings"))
                count = int(cell.text() or 0) + 1
                cell.setText(str(count))
                cell.setToolTip("\n".join(filter(None, [cell.toolTip(), note.text()])))
                _coloured(cell, status_color(ChangeStatus.CHANGED, palette))
            self.item(row, 0).appendRow(note)

    @staticmethod
    def _versions(summary: ScreenChange) -> str:
        old, new = summary.old_version, summary.new_version
        if old and new and old != new:
            return f"Manifest version {old[:12]} → {new[:12]}"
        return f"Manifest version {(new or old or '—')[:12]}"

    @staticmethod
    def _note(text: str, kind: str) -> QStandardItem:
        item = _item(text, text)
        item.setData(kind, KindRole)
        return item

    # For views and tests: a row's cells by screen name ------------------------------------------

    def screen_row(self, name: str) -> int:
        for row in range(self.rowCount()):
            if self.item(row, 0).text() == name:
                return row
        return -1

    def cells(self, name: str) -> dict[str, str] | None:
        """The row of screen `name` as {header: text}, or None when it is not listed."""
        row = self.screen_row(name)
        if row < 0:
            return None
        headers = [self.headerData(c, Qt.Orientation.Horizontal) for c in range(self.columnCount())]
        return {str(h): self.item(row, c).text() for c, h in enumerate(headers)}

    def notes(self, name: str) -> list[str]:
        """The reasons listed under screen `name` (items left out, warnings)."""
        row = self.screen_row(name)
        if row < 0:
            return []
        parent = self.item(row, 0)
        return [parent.child(r, 0).text() for r in range(parent.rowCount())]


class HistoryModel(QStandardItemModel):
    """Past publications, newest first: when (local time), status, screens, message."""

    HEADERS = ("When", "Status", "Screens", "Left out", "Result")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels(list(self.HEADERS))

    def set_records(self, records: Iterable[PublicationRecord]) -> None:
        palette = QApplication.palette()
        self.removeRows(0, self.rowCount())
        for record in records:
            when = _item(local_time(record.started_at), self._times(record))
            when.setData(record.id, IdRole)
            status = _coloured(_item(record.status), status_color(record.status, palette))
            screens = _item(totals_text(record.totals))
            dropped = record.totals.dropped_items
            left_out = _item(str(dropped) if dropped else "")
            message = _item(record.message, record.message)
            self.appendRow([when, status, screens, left_out, message])

    @staticmethod
    def _times(record: PublicationRecord) -> str:
        started = record.started_at.astimezone()
        text = f"Publication {record.id}, started {started:%Y-%m-%d %H:%M:%S %Z}"
        if record.finished_at is not None:
            seconds = (record.finished_at - record.started_at).total_seconds()
            text += f", took {max(seconds, 0):.1f} s"
        return text

    def publication_id(self, row: int) -> int | None:
        item = self.item(row, 0)
        return int(item.data(IdRole)) if item is not None else None

    def row_of(self, publication_id: int) -> int:
        for row in range(self.rowCount()):
            if self.publication_id(row) == publication_id:
                return row
        return -1
