"""A screen page's programme JSON, joined from entries encoded once (programme_json.py)."""

from __future__ import annotations

import json
from typing import Any

from urbanart.viewers import programme_json as module
from urbanart.viewers.pages import json_for_script
from urbanart.viewers.programme_json import programme_json

HOSTILE = 'A </script><script>alert("x")</script> & \u2028 \u2029 \ue000 "quoted" ü'


def entries(title: str, seconds: float) -> list[dict[str, Any]]:
    return [
        {"artwork_id": 7, "title": title, "duration_s": seconds, "srcset": [["a.webp", 480]]},
        {"artwork_id": 8, "title": "Second", "duration_s": 12.5, "video": None},
    ]


def programme(lists: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "root": "../../",
        "screen": {"id": 3, "name": HOSTILE},
        "window": {"from": "2026-01-01T00:00:00Z", "until": "2026-01-08T00:00:00Z"},
        "timeline": [
            {"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z", "playlist": "1"}
        ],
        "default_playlist": "10",
        "playlists": {
            pid: {"name": f"List {pid} {HOSTILE}", "url": f"p/{pid}/", "items": items}
            for pid, items in lists.items()
        },
    }


def test_the_joined_programme_is_the_whole_programme_encoded_byte_for_byte() -> None:
    shared = entries(HOSTILE, 30)
    value = programme({"1": shared, "10": entries("Other", 5), "2": shared, "3": []})
    expected = json_for_script(value)
    assert programme_json(value) == expected  # the entries encoded now
    assert programme_json(value) == expected  # and taken as encoded
    assert "</script>" not in programme_json(value)
    assert json.loads(str(programme_json(value))) == value


def test_an_entries_list_is_encoded_once_for_every_page_showing_it() -> None:
    shared = entries("Shared", 20)
    programme_json(programme({"1": shared}))
    module._ENCODED.put(id(shared), (shared, '["kept"]'))
    assert '"items":["kept"]' in programme_json(programme({"4": shared, "5": entries("New", 3)}))


def test_a_text_that_looks_like_the_stand_in_is_encoded_as_text() -> None:
    mark = module._MARK + "0"
    value = programme({"1": entries(mark, 30)})
    value["screen"]["name"] = mark
    assert programme_json(value) == json_for_script(value)
