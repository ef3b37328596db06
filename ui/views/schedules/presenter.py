"""The Schedules view's engine calls: targets, the week, "what is on", and schedule edits.

The presenter reads and writes through ``run_op`` (only the latest week and what-is-on answer
reach the screen, via ``Latest``), keeps what it loaded (screens, groups, the week shown, the
last answer) and what the curator points at (the target, the week shown, whether a moment was
picked), and tells the widget what to show through ``SchedulesDisplay``; it builds no widgets.
The widget renders and forwards input: a click on a target or a week button becomes a call here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import available_timezones

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from ui.dialogs.schedule_dialog import ScheduleChoices
from ui.latest import Latest
from ui.operations import LIBRARY, PLAYLISTS, SCHEDULES, SCREENS, OpContext, describe, run_op
from ui.studio import Studio
from ui.views.schedules.formatting import monday_of
from urbanart.curation import agenda, everywhere, overlaps, playlists, schedules, screens
from urbanart.curation.agenda_records import WhatsOn
from urbanart.curation.everywhere import Everywhere
from urbanart.curation.records import GroupRecord, ScheduleRecord, ScreenRecord, TargetKind
from urbanart.curation.week import Target, Week


def zone_names() -> list[str]:
    """IANA zones a curator may pick as a shared instant's reference (read from disk)."""
    return sorted(
        name
        for name in available_timezones()
        if ("/" in name or name == "UTC") and not name.startswith(("posix/", "right/", "Etc/"))
    )


class SchedulesDisplay(Protocol):
    """What the presenter asks of the Schedules widget."""

    def show_targets(
        self,
        found_screens: list[ScreenRecord],
        found_groups: list[GroupRecord],
        chosen: Target | None,
    ) -> None:
        """List the targets with `chosen` current (None: there are none to show)."""
        ...

    def show_week_of(self, day: date, monday: date) -> None:
        """Say which week is shown (the day picked, its Monday) before its data arrives."""
        ...

    def show_week_data(self, data: Week) -> None: ...

    def show_everywhere(self, data: Everywhere) -> None: ...

    def show_answer(self, answer: WhatsOn | None, kind: TargetKind, error: str) -> None:
        """Show an answer, or (answer None) why there is none."""
        ...

    def open_schedule_dialog(
        self, choices: ScheduleChoices, record: ScheduleRecord | None, target: Target | None
    ) -> None: ...


class SchedulesPresenter(QObject):
    """Loads and writes for the Schedules view; holds what was loaded."""

    def __init__(self, studio: Studio, display: SchedulesDisplay, parent: QWidget) -> None:
        super().__init__(parent)
        self.studio = studio
        self.display = display
        self.parent_widget = parent
        self.screens: dict[int, ScreenRecord] = {}
        self.groups: dict[int, GroupRecord] = {}
        self.data: Week | None = None
        self.whatson_answer: WhatsOn | None = None
        self.select_after_load: int | None = None  # schedule to select once the week is back
        self.everywhere: Everywhere | None = None
        # What the curator points at.
        self.target: Target | None = None
        self.monday = monday_of(date.today())
        self.moment_chosen = False  # a picked moment stays when the target changes
        self.wanted_target: Target | None = None  # restored from settings, chosen once listed
        self._week_load = Latest(parent, "load schedule week")
        self._whatson_load = Latest(parent, "whats on")
        self._everywhere_load = Latest(parent, "load today everywhere")
        studio.bus.changed.connect(self._data_changed)

    # What the curator points at -----------------------------------------------------------------

    def choose_target(self, target: Target, *, force: bool = False) -> None:
        """Show a target's week; a new target forgets the last answer unless a moment was picked."""
        target = (TargetKind(target[0]), int(target[1]))
        changed = target != self.target
        if not (changed or force):
            return
        self.target = target
        if changed and not self.moment_chosen:
            self.whatson_answer = None
        self.load_week()

    def go_to_week(self, day: date) -> None:
        """Show the Monday-to-Sunday week holding day (loaded only when the week changes)."""
        monday = monday_of(day)
        changed = monday != self.monday
        self.monday = monday
        self.display.show_week_of(day, monday)
        if changed:
            self.load_week()

    def step_week(self, weeks: int) -> None:
        self.go_to_week(self.monday + timedelta(days=7 * weeks))

    def choose_moment(self) -> None:
        """The curator picked a moment: it now stays across targets and weeks."""
        self.moment_chosen = True

    # Loads --------------------------------------------------------------------------------------

    def refresh_targets(self) -> None:
        library = self.studio.library

        def load(_ctx: OpContext) -> tuple[list[ScreenRecord], list[GroupRecord]]:
            return screens.list_screens(library), screens.list_groups(library)

        run_op(
            self.parent_widget,
            load,
            on_success=self._targets_arrived,
            label="load schedule targets",
        )

    def _targets_arrived(self, result: tuple[list[ScreenRecord], list[GroupRecord]]) -> None:
        found_screens, found_groups = result
        self.screens = {s.id: s for s in found_screens}
        self.groups = {g.id: g for g in found_groups}
        valid: list[Target] = [(TargetKind.SCREEN, s.id) for s in found_screens]
        valid += [(TargetKind.GROUP, g.id) for g in found_groups]
        wanted = self.wanted_target or self.target
        self.wanted_target = None
        chosen = (wanted if wanted in valid else valid[0]) if valid else None
        self.display.show_targets(found_screens, found_groups, chosen)
        if chosen is None:
            self.target = None
            return
        self.choose_target(chosen, force=True)

    def load_week(self) -> None:
        """The week shown of the chosen target (a newer request supersedes this one)."""
        if self.target is None:
            return
        library, target, monday = self.studio.library, self.target, self.monday
        self._week_load.run(lambda _ctx: agenda.week(library, target, monday), self._week_arrived)

    def load_everywhere(self) -> None:
        """What every screen plays around now, on one time axis (the latest request wins)."""
        library = self.studio.library
        self._everywhere_load.run(
            lambda _ctx: everywhere.today_everywhere(library), self._everywhere_arrived
        )

    def _everywhere_arrived(self, data: Everywhere) -> None:
        self.everywhere = data
        self.display.show_everywhere(data)

    def _week_arrived(self, data: Week) -> None:
        self.data = data
        self.display.show_week_data(data)

    def whats_on(self, at: datetime) -> None:
        """Explain what plays on the target at a wall-clock moment (the latest request wins)."""
        if self.target is None:
            return
        library, (kind, target_id) = self.studio.library, self.target

        def explain(_ctx: OpContext) -> WhatsOn:
            if kind is TargetKind.GROUP:
                return agenda.group_whats_on(library, target_id, at)
            return agenda.whats_on(library, target_id, at)

        def arrived(answer: WhatsOn) -> None:
            self.whatson_answer = answer
            self.display.show_answer(answer, kind, "")

        def failed(exc: BaseException) -> None:
            self.whatson_answer = None
            self.display.show_answer(None, kind, describe(exc))

        self._whatson_load.run(explain, arrived, failed)

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if kinds & {SCREENS, LIBRARY}:
            self.refresh_targets()
        elif kinds & {SCHEDULES, PLAYLISTS}:
            self.load_week()
        if kinds & {SCREENS, LIBRARY, SCHEDULES, PLAYLISTS} and self.everywhere is not None:
            self.load_everywhere()

    # Edits --------------------------------------------------------------------------------------

    def edit(self, schedule_id: int | None) -> None:
        """Load the form's choices (and the schedule, when editing), then open the form."""
        library, target = self.studio.library, self.target

        def load(_ctx: OpContext) -> tuple[ScheduleChoices, ScheduleRecord | None]:
            choices = ScheduleChoices(
                playlists=playlists.list_playlists(library),
                screens=screens.list_screens(library),
                groups=screens.list_groups(library),
                zones=zone_names(),
            )
            record = schedules.get_schedule(library, schedule_id) if schedule_id else None
            return choices, record

        def loaded(result: tuple[ScheduleChoices, ScheduleRecord | None]) -> None:
            choices, record = result
            self.display.open_schedule_dialog(choices, record, target)

        run_op(self.parent_widget, load, on_success=loaded, label="load schedule choices")

    def check_overlaps(
        self,
        schedule_id: int | None,
        values: dict[str, Any],
        on_checked: Callable[[list[str]], None],
        on_failure: Callable[[BaseException], None],
    ) -> None:
        """What saving these values would overlap (one line per pair), without saving."""
        library = self.studio.library

        def check(_ctx: OpContext) -> list[str]:
            found = overlaps.overlaps_if_saved(library, schedule_id, values)
            return [overlap.message for overlap in found]

        run_op(
            self.parent_widget,
            check,
            on_success=on_checked,
            on_failure=on_failure,
            label="check schedule overlaps",
        )

    def save(
        self,
        schedule_id: int | None,
        values: dict[str, Any],
        on_saved: Callable[[ScheduleRecord], None],
        on_failure: Callable[[BaseException], None],
        expected_version: int | None = None,
    ) -> None:
        """Add (schedule_id None) or edit a schedule; the week then selects it.

        expected_version is the version the dialog showed: the engine refuses (StaleEdit) a save
        over another curator's newer one."""
        library = self.studio.library

        def save(_ctx: OpContext) -> ScheduleRecord:
            fields = dict(values)
            if schedule_id is None:
                playlist = fields.pop("playlist")
                return schedules.add_schedule(library, playlist, **fields)
            return schedules.edit_schedule(
                library, schedule_id, expected_version=expected_version, **fields
            )

        def saved(record: ScheduleRecord) -> None:
            self.select_after_load = record.id
            on_saved(record)

        run_op(
            self.parent_widget,
            save,
            on_success=saved,
            on_failure=on_failure,
            changes={SCHEDULES},
            bus=self.studio.bus,
            label="save schedule",
            writes=True,
        )

    def remove(self, schedule_id: int) -> None:
        library = self.studio.library
        run_op(
            self.parent_widget,
            lambda _ctx: schedules.remove_schedule(library, schedule_id),
            changes={SCHEDULES},
            bus=self.studio.bus,
            label="remove schedule",
            writes=True,
        )
