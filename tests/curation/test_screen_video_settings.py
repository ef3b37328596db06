"""A screen's video byte budget and sound (issue #12): set, shown, cleared, undone and refused
by the engine and by `urbanart screens`, leaving nothing half-saved."""

from __future__ import annotations

import pytest

from urbanart.curation import screens
from urbanart.errors import InvalidValue
from urbanart.library.library import Library


def test_a_screen_takes_a_budget_and_sound_clears_back_and_undoes(library: Library) -> None:
    added = screens.add_screen(library, "Quay", tz="UTC", size="320x180")
    assert (added.video_max_mb, added.video_sound) == (None, False)

    edited = screens.edit_screen(library, "Quay", video_max_mb="12", video_sound=True)
    assert (edited.video_max_mb, edited.video_sound) == (12, True)
    stored = screens.get_screen(library, added.id)
    assert (stored.video_max_mb, stored.video_sound) == (12, True)
    assert stored.to_json()["video_max_mb"] == 12 and stored.to_json()["video_sound"] is True

    cleared = screens.edit_screen(library, added.id, video_max_mb="", video_sound=False)
    assert (cleared.video_max_mb, cleared.video_sound) == (None, False)
    library.undo()
    back = screens.get_screen(library, added.id)
    assert (back.video_max_mb, back.video_sound) == (12, True)


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("video_max_mb", 0, "between 1 and 2000 MB"),
        ("video_max_mb", "2001", "between 1 and 2000 MB"),
        ("video_max_mb", "12.5", "whole number of MB"),
        ("video_max_mb", "lots", "whole number of MB"),
        ("video_max_mb", True, "whole number of MB"),
        ("video_sound", "yes", "true or false"),
    ],
)
def test_a_bad_video_setting_is_refused_naming_it_and_nothing_changes(
    library: Library, key: str, value: object, reason: str
) -> None:
    screen = screens.add_screen(library, "Quay", tz="UTC", size="320x180", video_max_mb=30)
    with pytest.raises(InvalidValue) as refused:
        screens.edit_screen(library, screen.id, city="Porto", **{key: value})
    assert refused.value.key == key and reason in str(refused.value)
    assert repr(value) in str(refused.value)
    after = screens.get_screen(library, screen.id)
    assert (after.city, after.video_max_mb, after.video_sound) == ("", 30, False)
    with pytest.raises(InvalidValue):
        screens.add_screen(library, "Other", tz="UTC", size="320x180", **{key: value})
    assert [s.name for s in screens.list_screens(library)] == ["Quay"]


def test_the_cli_sets_shows_and_clears_them(run_cli) -> None:
    added = run_cli(
        "screens", "add", "Quay", "--tz", "UTC", "--size", "320x180",
        "--video-max-mb", "8", "--video-sound", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert (added.json()["video_max_mb"], added.json()["video_sound"]) == (8, True)
    shown = run_cli("screens", "show", "Quay")
    assert "8 MB" in shown.stdout and "kept" in shown.stdout

    edited = run_cli("screens", "edit", "Quay", "--video-max-mb", "", "--no-video-sound", "--json")
    assert (edited.json()["video_max_mb"], edited.json()["video_sound"]) == (None, False)
    shown = run_cli("screens", "show", "Quay")
    assert "25 MB (default)" in shown.stdout and "kept" not in shown.stdout

    untouched = run_cli("screens", "edit", "Quay", "--city", "Porto", "--json").json()
    assert (untouched["video_max_mb"], untouched["video_sound"]) == (None, False)


def test_the_cli_refuses_a_bad_budget_naming_the_field(run_cli) -> None:
    refused = run_cli(
        "screens", "add", "Quay", "--tz", "UTC", "--size", "320x180", "--video-max-mb", "5000"
    )
    assert refused.exit_code == 2
    assert "video size limit '5000'" in refused.stderr and "2000 MB" in refused.stderr
    assert run_cli("screens", "list", "--json").json() == []
