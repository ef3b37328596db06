"""The Review view's engine calls: calls, a call's submissions, a preview, and the decisions.

Every engine call runs through ``run_op`` (decisions with ``writes=True``, on the one writer
thread); only the latest list and preview answers reach the screen (``Latest``). Accepting puts
works in the library, so it announces ARTWORKS and ARTISTS on the studio's change bus and the
Library and Artists views refresh themselves. The presenter builds no widgets: it tells the
view what to show through ``ReviewDisplay``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QImage, QImageReader
from PySide6.QtWidgets import QWidget

from ui.latest import Latest
from ui.operations import (
    ARTISTS,
    ARTWORKS,
    LIBRARY,
    SUBMISSIONS,
    DataKind,
    OpContext,
    describe,
    run_op,
)
from ui.studio import Studio
from ui.thumbnails import load_thumbnail_image
from ui.views.review.formatting import outcome_text
from urbanart.errors import UrbanArtError
from urbanart.imaging.package_still import title_card
from urbanart.intake import review
from urbanart.intake.calls import CallRecord, list_calls
from urbanart.intake.submissions import SubmissionRecord
from urbanart.library.library import Library

#: Longest side of the preview, in pixels (decoded at this size, off the GUI thread).
PREVIEW_SIDE = 900
#: Hand-ins arriving within this many milliseconds are listed with one reload (a rush of
#: artists before a deadline would otherwise reload the list once per hand-in).
ARRIVALS_COALESCE_MS = 300


class ReviewDisplay(Protocol):
    """What the presenter asks of the Review widget."""

    def show_calls(self, calls: list[CallRecord], chosen: int | None) -> None: ...

    def show_submissions(self, records: list[SubmissionRecord], select: Sequence[int]) -> None:
        """List the call's submissions and select those of the given ids (or the first)."""
        ...

    def show_preview(self, submission_id: int, image: QImage | None, note: str) -> None: ...

    def show_outcome(self, text: str, *, failed: bool) -> None: ...

    def selected_ids(self) -> list[int]:
        """The submissions selected now (kept across a reload)."""
        ...


@dataclass(frozen=True)
class Outcome:
    """What one action on the selection did: the submissions decided, and why others were not."""

    done: tuple[SubmissionRecord, ...]
    refused: tuple[str, ...]


def preview_image(library: Library, record: SubmissionRecord, side: int) -> QImage:
    """Worker side: the handed-in file decoded at no more than side; an accepted work's
    file is in the library's store by then, so its thumbnail is derived from there.

    A generative work's package is code, never run here: its preview is the artist's still,
    else a card with its title (the still captured at accept time does not exist yet)."""
    if record.artwork_id is not None:
        return load_thumbnail_image(library, record.sha256, None, side)
    folders = review.folders_of(library)
    path = folders.work_file(record.file_key, record.file_name)
    if record.generative:
        still = folders.still_file(record.file_key)
        if still is None:
            card = title_card(record.title, record.package_label, (side, side * 9 // 16))
            return QImage.fromData(card)
        path = still
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > side:
        reader.setScaledSize(size.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise UrbanArtError(f"No preview of {record.file_name}: {reader.errorString()}")
    return image


def decide_all(
    ids: Sequence[int], decide: Callable[[int], SubmissionRecord], titles: dict[int, str]
) -> Outcome:
    """Worker side: decide each submission in turn; one refused does not stop the others."""
    done: list[SubmissionRecord] = []
    refused: list[str] = []
    for submission_id in ids:
        try:
            done.append(decide(submission_id))
        except UrbanArtError as exc:
            refused.append(f"{titles.get(submission_id, submission_id)}: {exc}")
    return Outcome(tuple(done), tuple(refused))


class ReviewPresenter(QObject):
    """Loads and decisions for the Review view; holds the calls and the shown submissions."""

    def __init__(self, studio: Studio, display: ReviewDisplay, parent: QWidget) -> None:
        super().__init__(parent)
        self.studio = studio
        self.display = display
        self.parent_widget = parent
        self.calls: list[CallRecord] = []
        self.call_id: int | None = None
        self.wanted_call: int | None = None  # restored from settings, chosen once listed
        self.records: dict[int, SubmissionRecord] = {}
        self.busy = False  # a decision is running: keys are ignored until it is back
        self._list_load = Latest(parent, "load submissions")
        self._preview_load = Latest(parent, "review preview")
        self._arrivals = QTimer(self)
        self._arrivals.setSingleShot(True)
        self._arrivals.setInterval(ARRIVALS_COALESCE_MS)
        self._arrivals.timeout.connect(self._list_arrivals)
        studio.bus.changed.connect(self._data_changed)

    # Loads --------------------------------------------------------------------------------------

    def load_calls(self) -> None:
        library = self.studio.library

        def work(_ctx: OpContext) -> list[CallRecord]:
            return list_calls(library)

        run_op(self.parent_widget, work, on_success=self._calls_loaded, label="load calls")

    def _calls_loaded(self, found: list[CallRecord]) -> None:
        self.calls = found
        ids = [c.id for c in found]
        for wanted in (self.call_id, self.wanted_call):
            if wanted in ids:
                chosen: int | None = wanted
                break
        else:
            chosen = ids[-1] if ids else None  # the call with the latest deadline
        self.display.show_calls(found, chosen)
        self.choose_call(chosen, force=True)

    def reload(self, select: Sequence[int]) -> None:
        """The calls and the chosen call's submissions again, keeping the selection."""
        library = self.studio.library

        def work(_ctx: OpContext) -> list[CallRecord]:
            return list_calls(library)

        def loaded(found: list[CallRecord]) -> None:
            self.calls = found
            chosen = self.call_id if self.call_id in {c.id for c in found} else None
            self.display.show_calls(found, chosen)
            if chosen is None:
                self._calls_loaded(found)
            else:
                self.load_submissions(select)

        run_op(self.parent_widget, work, on_success=loaded, label="load calls")

    def choose_call(self, call_id: int | None, *, force: bool = False) -> None:
        if call_id == self.call_id and not force:
            return
        self.call_id = call_id
        self.load_submissions(())

    def load_submissions(self, select: Sequence[int]) -> None:
        """The chosen call's submissions; then select the given ids (or the first row)."""
        call_id, library = self.call_id, self.studio.library
        if call_id is None:
            self.records = {}
            self.display.show_submissions([], ())
            return

        def work(_ctx: OpContext) -> list[SubmissionRecord]:
            return review.list_submissions(library, call_id)

        def loaded(records: list[SubmissionRecord]) -> None:
            if call_id != self.call_id:
                return
            self.records = {r.id: r for r in records}
            self.display.show_submissions(records, select)

        self._list_load.run(work, loaded, self._load_failed)

    def _load_failed(self, exc: BaseException) -> None:
        self.display.show_outcome(describe(exc), failed=True)

    def load_preview(self, submission_id: int) -> None:
        record = self.records.get(submission_id)
        if record is None:
            return
        library = self.studio.library

        def work(_ctx: OpContext) -> QImage:
            return preview_image(library, record, PREVIEW_SIDE)

        def loaded(image: QImage) -> None:
            self.display.show_preview(submission_id, image, "")

        def failed(exc: BaseException) -> None:
            self.display.show_preview(submission_id, None, describe(exc))

        self._preview_load.run(work, loaded, failed)

    # Decisions ----------------------------------------------------------------------------------

    def accept(self, ids: Sequence[int], after: Sequence[int]) -> None:
        library = self.studio.library
        self._decide(
            ids, after, "Accepted", lambda i: review.accept(library, i), {ARTWORKS, ARTISTS}
        )

    def decline(self, ids: Sequence[int], message: str, after: Sequence[int]) -> None:
        library = self.studio.library
        self._decide(ids, after, "Declined", lambda i: review.decline(library, i, message), set())

    def ask_change(self, ids: Sequence[int], message: str, after: Sequence[int]) -> None:
        library = self.studio.library
        self._decide(
            ids, after, "Asked for a change on", lambda i: review.ask_change(library, i, message),
            set(),
        )  # fmt: skip

    def _decide(
        self,
        ids: Sequence[int],
        after: Sequence[int],
        verb: str,
        decide: Callable[[int], SubmissionRecord],
        changes: set[DataKind],
    ) -> None:
        """One operation for the whole selection; then the list again, `after` selected."""
        if not ids or self.busy:
            return
        self.busy = True
        wanted = tuple(ids)
        titles = {i: self.records[i].title for i in wanted if i in self.records}

        def work(_ctx: OpContext) -> Outcome:
            return decide_all(wanted, decide, titles)

        def done(outcome: Outcome) -> None:
            self.busy = False
            self.display.show_outcome(
                outcome_text(verb, outcome.done, outcome.refused), failed=bool(outcome.refused)
            )
            self.load_submissions(after)

        def failed(exc: BaseException) -> None:
            self.busy = False
            self.display.show_outcome(describe(exc), failed=True)
            self.load_submissions(wanted)

        run_op(
            self.parent_widget,
            work,
            on_success=done,
            on_failure=failed,
            changes=changes,
            bus=self.studio.bus,
            label=f"review: {verb.lower()}",
            writes=True,
        )

    def _data_changed(self, kinds: frozenset[DataKind]) -> None:
        if LIBRARY in kinds:
            self.load_calls()
        elif SUBMISSIONS in kinds:
            self._arrivals.start()  # restarted by each announcement: one reload per burst

    def _list_arrivals(self) -> None:
        """Hand-ins were stored or withdrawn: list them again, the selection kept. Not while
        a decision runs (it reloads the list itself when done), nor while the view is hidden
        (showing it reloads)."""
        if self.busy:
            self._arrivals.start()
            return
        if not self.parent_widget.isVisible():
            return  # the view's showEvent lists them when the curator comes back
        self.reload(self.display.selected_ids())
