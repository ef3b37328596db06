"""A release index's screen records and playlist groups, read back and written again: the value
read is what the next index holds (not a copy made anew), and only when it is exactly what this
code writes."""

from __future__ import annotations

import json
from typing import Any

from urbanart.delivery.changes import DroppedItem
from urbanart.delivery.screen_inputs import Group, ScreenRecord


def as_read(value: Any) -> Any:
    """A value as the next publish reads it from the index's JSON."""
    return json.loads(json.dumps(value))


def record(**changes: Any) -> ScreenRecord:
    fields: dict[str, Any] = {
        "key": "k" * 64,
        "inputs_key": "i" * 64,
        "version": "v" * 64,
        "sequence": 3,
        "expires": "2026-12-01T00:00:00Z",
        "dropped": (DroppedItem(1, "Morning", 2, 3, "Tide", "not approved"),),
        "warnings": ("a warning",),
        "groups": ("g" * 64, "h" * 64),
    }
    return ScreenRecord(**{**fields, **changes})


def test_a_record_read_from_an_index_is_written_back_as_the_very_value_read() -> None:
    for made in (record(), record(dropped=(), warnings=())):
        read = as_read(made.to_json())
        again = ScreenRecord.from_json(read)
        assert again == made
        assert again is not None and again.to_json() is read  # no copy made


def test_a_record_read_with_other_types_is_written_as_this_code_writes_it() -> None:
    written = record().to_json()
    for at, odd in ((3, "3"), (3, True), (7, ["a warning", 5]), (0, 12)):
        read = as_read(written)
        read[at] = odd
        again = ScreenRecord.from_json(read)
        assert again is not None
        assert again.to_json() is not read
        assert again.to_json() == ScreenRecord.from_json(as_read(again.to_json())).to_json()
        assert json.dumps(again.to_json()) != json.dumps(read)


def test_a_group_read_from_an_index_is_written_back_as_the_value_read() -> None:
    plain = Group({"media/ab.jpg": ("renditions/ab.jpg", "ab" * 32)})
    live = Group({"media/cd.jpg": ("renditions/cd.jpg", "cd" * 32)}, {(4, "1920x1080")})
    for made in (plain, live, Group()):
        read = as_read(made.to_json())
        again = Group.from_json(read)
        assert again == made
        assert again is not None and again.to_json() is read


def test_a_group_read_with_other_types_is_written_as_this_code_writes_it() -> None:
    read = as_read(Group({"media/ab.jpg": ("renditions/ab.jpg", "ab" * 32)}).to_json())
    read["media"]["media/ab.jpg"][1] = 7
    again = Group.from_json(read)
    assert again is not None and again.media == {"media/ab.jpg": ("renditions/ab.jpg", "7")}
    assert again.to_json() is not read and again.to_json()["media"]["media/ab.jpg"][1] == "7"
