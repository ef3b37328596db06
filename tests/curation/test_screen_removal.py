"""remove_screen and delete_group say which schedules they leave reaching no screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.curation.test_playlists_cli import make_playlist
from urbanart.curation import schedules, screens
from urbanart.curation.records import ScheduleRecord
from urbanart.curation.schedules import without_targets
from urbanart.library.library import Library


@pytest.fixture
def city(library: Library, run_cli, tmp_path: Path) -> dict[str, int]:
    """Three screens, a two-screen group, a one-screen group and a playlist to schedule."""
    ids = {
        name: screens.add_screen(library, name, tz=tz, size="1920x1080").id
        for name, tz in (
            ("Lisbon", "Europe/Lisbon"),
            ("Tokyo", "Asia/Tokyo"),
            ("Osaka", "Asia/Tokyo"),
        )
    }
    ids["Japan"] = screens.create_group(library, "Japan", [ids["Tokyo"], ids["Osaka"]]).id
    ids["Solo"] = screens.create_group(library, "Solo", [ids["Lisbon"]]).id
    ids["playlist"] = make_playlist(run_cli, tmp_path, "Nights")["id"]
    return ids


def schedule(library: Library, city: dict[str, int], name: str, **targets: list[int]) -> int:
    return schedules.add_schedule(library, city["playlist"], name=name, **targets).id


def names(records: tuple[ScheduleRecord, ...]) -> list[str]:
    return [r.name for r in records]


def test_removing_a_screen_names_the_schedules_only_it_reached(
    library: Library, city: dict[str, int]
) -> None:
    schedule(library, city, "lisbon only", screens=[city["Lisbon"]])
    schedule(library, city, "lisbon and tokyo", screens=[city["Lisbon"], city["Tokyo"]])
    schedule(library, city, "lisbon and japan", screens=[city["Lisbon"]], groups=[city["Japan"]])
    before = screens.get_screen(library, city["Lisbon"])

    removal = screens.remove_screen(library, "Lisbon")

    assert removal.screen == before
    assert names(removal.untargeted) == ["lisbon only"]
    assert removal.untargeted[0].screens == ()  # read after the removal: no target left
    assert removal.to_json()["name"] == "Lisbon"
    assert [s["name"] for s in removal.to_json()["untargeted_schedules"]] == ["lisbon only"]
    assert [s.name for s in screens.list_screens(library)] == ["Osaka", "Tokyo"]


def test_emptying_the_only_group_a_schedule_targets_counts_as_reaching_no_screen(
    library: Library, city: dict[str, int]
) -> None:
    schedule(library, city, "solo group", groups=[city["Solo"]])
    removal = screens.remove_screen(library, city["Lisbon"])
    assert names(removal.untargeted) == ["solo group"]
    # Still bound to its (now empty) group, so it is not "without targets"; it plays nowhere.
    assert without_targets(library) == []


def test_schedules_already_reaching_nothing_are_not_named_again(
    library: Library, city: dict[str, int]
) -> None:
    idle = schedule(library, city, "tokyo only", screens=[city["Tokyo"]])
    first = screens.remove_screen(library, city["Tokyo"])
    assert names(first.untargeted) == ["tokyo only"]
    schedule(library, city, "osaka only", screens=[city["Osaka"]])
    second = screens.remove_screen(library, city["Osaka"])
    assert names(second.untargeted) == ["osaka only"]
    assert idle not in {s.id for s in second.untargeted}


def test_deleting_a_group_names_the_schedules_it_alone_carried(
    library: Library, city: dict[str, int]
) -> None:
    schedule(library, city, "japan only", groups=[city["Japan"]])
    schedule(library, city, "japan and lisbon", screens=[city["Lisbon"]], groups=[city["Japan"]])
    schedule(library, city, "japan and solo", groups=[city["Japan"], city["Solo"]])
    before = screens.get_group(library, "Japan")

    deletion = screens.delete_group(library, "Japan")

    assert deletion.group == before
    assert names(deletion.untargeted) == ["japan only"]
    assert "now reaches no screen" in screens.untargeted_warning(deletion.untargeted[0])
    assert "japan only" in screens.untargeted_warning(deletion.untargeted[0])
    assert [s.name for s in screens.list_screens(library)] == ["Lisbon", "Osaka", "Tokyo"]
    assert [g.name for g in screens.list_groups(library)] == ["Solo"]


def test_a_removal_that_leaves_every_schedule_a_screen_names_none(
    library: Library, city: dict[str, int]
) -> None:
    schedule(library, city, "japan", groups=[city["Japan"]])
    assert screens.remove_screen(library, city["Tokyo"]).untargeted == ()  # Osaka remains
    assert screens.delete_group(library, city["Solo"]).untargeted == ()
