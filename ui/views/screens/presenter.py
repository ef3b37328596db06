"""The Screens view's state and engine calls: the live snapshot, addresses and screen edits.

The presenter loads screens, statuses and groups in the background (only the newest load is
shown; the timer skips a tick while one runs), keeps what the forms need (zones, playlists),
and runs the group and screen edits; it tells the widget what to show through
``ScreensDisplay`` and builds no widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from ui.latest import Latest
from ui.models.screen_status_model import ScreenRow
from ui.operations import LIBRARY, PLAYLISTS, PUBLICATIONS, SCREENS, SETTINGS, describe, run_op
from ui.studio import Studio
from ui.views.screens import formatting as fmt
from urbanart.curation.playlists import list_playlists
from urbanart.curation.records import GroupRecord, ScheduleRecord, ScreenRecord
from urbanart.curation.screens import (
    add_to_group,
    delete_group,
    list_groups,
    list_screens,
    remove_from_group,
    remove_screen,
    timezone_choices,
    untargeted_warning,
)
from urbanart.delivery.addresses import ScreenAddresses, screen_addresses
from urbanart.delivery.rotation import rotate_poll_token
from urbanart.delivery.status import screen_statuses

#: How often the table asks for fresh statuses while the view is on screen.
REFRESH_MS = 10_000


@dataclass(frozen=True)
class Snapshot:
    """One background load: screens, their statuses, groups (and playlists when asked)."""

    rows: list[ScreenRow]
    groups: list[GroupRecord]
    playlists: list[tuple[int, str]] | None
    now: datetime


def load_snapshot(library: Any, with_playlists: bool) -> Snapshot:
    """Everything the view shows, read in one go (runs in the background)."""
    records = list_screens(library)
    statuses = {s.screen_id: s for s in screen_statuses(library)}
    groups = list_groups(library)
    playlists = [(p.id, p.name) for p in list_playlists(library)] if with_playlists else None
    rows = [ScreenRow(r, statuses.get(r.id)) for r in records]
    return Snapshot(rows, groups, playlists, datetime.now(UTC))


class ScreensDisplay(Protocol):
    """What the presenter asks of the Screens widget."""

    def isVisible(self) -> bool: ...  # QWidget's own

    def show_snapshot(self, snapshot: Snapshot, wanted: int | None, updated: str) -> None:
        """Show a load; select ``wanted`` if given, else keep the current selection."""
        ...

    def show_load_error(self, text: str) -> None: ...

    def show_addresses_pending(self, text: str) -> None: ...

    def show_addresses(self, addresses: ScreenAddresses) -> None: ...

    def show_address_error(self, text: str) -> None: ...

    def show_notice(self, text: str) -> None: ...


class ScreensPresenter(QObject):
    """Owns the loaded screens, groups and choices, and runs every engine call of the view."""

    def __init__(self, studio: Studio, display: ScreensDisplay, parent: QWidget) -> None:
        super().__init__(parent)
        self.studio = studio
        self.display = display
        self.parent_widget = parent
        self.hub_address: str | None = None
        self.zones: list[str] = []
        self.playlists: list[tuple[int, str]] = []
        self.groups: list[GroupRecord] = []
        self.now = datetime.now(UTC)
        self.loaded_at: datetime | None = None
        self._snapshots = Latest(parent, "screen statuses")
        self._addresses = Latest(parent, "screen addresses")
        self._playlists_due = False  # a refresh asked for the playlists; none has brought them
        self.wanted: int | None = None  # screen to select after the next load
        self._address_key: tuple[str, str | None] | None = None
        self._address_record: ScreenRecord | None = None  # the screen whose addresses show
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._tick)
        studio.bus.changed.connect(self._data_changed)

    # Loading ------------------------------------------------------------------------------------

    def start(self) -> None:
        """First load (screens, statuses, groups, playlists), the zone list, then the timer."""
        self.refresh(with_playlists=True)
        run_op(self.parent_widget, lambda _ctx: timezone_choices(), on_success=self._zones_arrived)
        self.timer.start()

    def refresh(self, *, with_playlists: bool = False) -> None:
        """Reload in the background; a newer refresh supersedes one still running."""
        self._playlists_due = self._playlists_due or with_playlists
        library, playlists = self.studio.library, self._playlists_due
        self._snapshots.run(
            lambda _ctx: load_snapshot(library, playlists),
            self._snapshot_arrived,
            self._load_failed,
        )

    def _load_failed(self, exc: BaseException) -> None:
        self.display.show_load_error(f"Could not read the screens: {describe(exc)}")

    def _tick(self) -> None:
        """The timer's refresh; skipped while a load runs, so a slow one still gets to finish."""
        if self.display.isVisible() and not self._snapshots.running:
            self.refresh()

    def shown(self) -> None:
        """The view came on screen: refresh if the table is older than one period."""
        if self.loaded_at is not None and fmt.is_stale(
            self.loaded_at, datetime.now(UTC), REFRESH_MS
        ):
            self.refresh()

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if kinds & {SCREENS, PUBLICATIONS, LIBRARY, PLAYLISTS}:
            self.refresh(with_playlists=bool(kinds & {PLAYLISTS, LIBRARY}))
        if SETTINGS in kinds:
            self.reload_addresses()

    def _zones_arrived(self, zones: list[str]) -> None:
        self.zones = zones

    def _snapshot_arrived(self, snapshot: Snapshot) -> None:
        self.now = self.loaded_at = snapshot.now
        if snapshot.playlists is not None:
            self.playlists = snapshot.playlists
            self._playlists_due = False
        wanted = self.wanted
        if any(row.record.id == self.wanted for row in snapshot.rows):
            self.wanted = None  # else keep it: this load may predate the screen it names
        self.groups = snapshot.groups
        self.display.show_snapshot(snapshot, wanted, fmt.updated_text(snapshot.now, REFRESH_MS))

    # Addresses ----------------------------------------------------------------------------------

    def load_addresses(self, record: ScreenRecord) -> None:
        """The chosen screen's poll and player addresses (not again for the same token and hub)."""
        key = (record.poll_token, self.hub_address)
        self._address_record = record
        if key == self._address_key:
            return
        self._address_key = key
        self.display.show_addresses_pending("Preparing the addresses…")
        library, token, hub = self.studio.library, record.poll_token, self.hub_address

        def failed(exc: BaseException) -> None:
            self.display.show_address_error(fmt.address_failure(describe(exc)))

        self._addresses.run(
            lambda _ctx: screen_addresses(library, token, hub), self.display.show_addresses, failed
        )

    def reload_addresses(self) -> None:
        """The settings changed (a new public address): the shown addresses load again, and
        an answer still coming for the old settings must not show."""
        self._address_key = None
        self._addresses.supersede()
        if self._address_record is not None:
            self.load_addresses(self._address_record)

    def set_hub_address(self, url: str | None) -> None:
        """Where the studio's hub answers (None once it stopped); addresses load again."""
        self.hub_address = url or None
        self._address_key = None
        self._addresses.supersede()  # an answer for the old address must not show

    # Choices for the forms ----------------------------------------------------------------------

    def with_zones(self, then: Callable[[], None]) -> None:
        """Call ``then`` once the zone list is known (loaded at start; quick when not yet)."""
        if self.zones:
            then()
            return

        def arrived(zones: list[str]) -> None:
            self.zones = zones
            then()

        run_op(
            self.parent_widget,
            lambda _ctx: timezone_choices(),
            on_success=arrived,
            label="time zones",
        )

    # Edits --------------------------------------------------------------------------------------

    def delete_group(self, group_id: int) -> None:
        library = self.studio.library
        self._engine(
            lambda _ctx: delete_group(library, group_id),
            "delete group",
            on_success=lambda deletion: self._removed(
                f"Deleted the group “{deletion.group.name}”.", deletion.untargeted
            ),
        )

    def add_to_group(self, group_id: int, screen_ids: list[int]) -> None:
        library = self.studio.library
        self._engine(lambda _ctx: add_to_group(library, group_id, screen_ids), "add to group")

    def remove_from_group(self, group_id: int, screen_ids: list[int]) -> None:
        library = self.studio.library
        self._engine(
            lambda _ctx: remove_from_group(library, group_id, screen_ids), "remove from group"
        )

    def new_poll_token(self, screen_id: int) -> None:
        library = self.studio.library
        self.wanted = screen_id
        self._engine(lambda _ctx: rotate_poll_token(library, screen_id), "new poll token")

    def remove_screen(self, screen_id: int) -> None:
        library = self.studio.library
        self._engine(
            lambda _ctx: remove_screen(library, screen_id),
            "remove screen",
            on_success=lambda removal: self._removed(
                f"Removed the screen “{removal.screen.name}”.", removal.untargeted
            ),
        )

    def _removed(self, done: str, untargeted: tuple[ScheduleRecord, ...]) -> None:
        """Say what a removal left behind: the schedules now reaching no screen (kept, idle)."""
        self.display.show_notice(
            fmt.removal_notice(done, (untargeted_warning(s) for s in untargeted))
        )

    def _engine(self, fn: Any, label: str, on_success: Any = None) -> None:
        run_op(
            self.parent_widget,
            fn,
            on_success=on_success,
            changes={SCREENS},
            bus=self.studio.bus,
            label=label,
            writes=True,
        )
