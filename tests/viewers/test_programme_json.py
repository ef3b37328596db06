"""A screen's programme in two halves: its timing file and its page's works (programme_json.py)."""

from __future__ import annotations

import copy
import json
from typing import Any

from urbanart.viewers.programme_json import page_programme, timing, timing_bytes

HOSTILE = 'A </script><script>alert("x")</script> & \u2028 \u2029 "quoted" ü'


def item(aid: int, seconds: float, **extra: Any) -> dict[str, Any]:
    return {
        "artwork_id": aid,
        "title": HOSTILE,
        "artist": "Mara",
        "duration_s": seconds,
        "media_type": "image",
        "transition": {"type": "cut", "seconds": 0},
        **extra,
    }


def payload() -> dict[str, Any]:
    video = {"url": "/media/ab/ab.mp4", "duration_s": 12.5, "width": 640, "height": 360}
    return {
        "screen": {"id": 3, "name": HOSTILE},
        "hub": {"plays": "/api/screens/secret-token/plays"},
        "window": {"from": "2026-01-01T00:00:00Z", "until": "2026-01-08T00:00:00Z"},
        "timeline": [
            {"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z", "playlist": "1"}
        ],
        "default_playlist": "10",
        "playlists": {
            "1": {"name": "One", "items": [item(7, 30), item(8, 12.5)]},
            "10": {"name": "Ten", "items": [item(9, 5, media_type="video", video=video)]},
        },
    }


def test_the_timing_holds_what_plays_when_and_no_words_nor_tokens() -> None:
    data = json.loads(timing_bytes(payload()))
    assert data["window"] == payload()["window"]
    assert data["default_playlist"] == "10"
    assert [(i["artwork_id"], i["duration_s"]) for i in data["playlists"]["1"]["items"]] == [
        (7, 30),
        (8, 12.5),
    ]
    (moving,) = data["playlists"]["10"]["items"]
    assert moving["video"] == {
        "src": "media/ab/ab.mp4",
        "duration_s": 12.5,
        "width": 640,
        "height": 360,
    }
    text = timing_bytes(payload()).decode()
    assert "token" not in text and "alert" not in text and "Mara" not in text and "One" not in text


def test_a_duration_edit_changes_the_timing_and_its_version_and_nothing_else_does() -> None:
    before = payload()
    after = copy.deepcopy(before)
    after["playlists"]["1"]["items"][1]["duration_s"] = 20
    assert timing_bytes(before) == timing_bytes(copy.deepcopy(before))  # same data, same bytes
    assert timing(after)["version"] != timing(before)["version"]
    renamed = copy.deepcopy(before)
    renamed["playlists"]["1"]["name"] = "Renamed"
    renamed["playlists"]["1"]["items"][0]["title"] = "Another title"
    assert timing_bytes(renamed) == timing_bytes(before)  # what the page shows is the page's


def whole_text(payload: dict[str, Any]) -> bytes:
    """programme.json written whole, the obvious way: the timing's dict, dumped once."""
    text = json.dumps(timing(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def test_the_timing_joined_from_its_parts_is_the_whole_timing_dumped() -> None:
    """Byte for byte the dump of timing(): keys sorted as text ("10" before "9"), the version
    in its place, a live item's feed, no default playlist; and an entry kept from a publish
    before (the very object) with another edited beside it."""
    before = payload()
    before["playlists"]["9"] = {
        "name": "Nine",
        "items": [
            item(4, 7.25, media_type="live", live={"feed_url": "/l/4.json", "profile": "p",
                                                   "interval_s": 10}),
        ],
    }  # fmt: skip
    before["default_playlist"] = None
    assert timing_bytes(before) == whole_text(before)
    edited = {
        **before,
        "playlists": {**before["playlists"], "1": copy.deepcopy(before["playlists"]["1"])},
    }
    edited["playlists"]["1"]["items"][0]["duration_s"] = 31
    assert edited["playlists"]["9"] is before["playlists"]["9"]  # kept, as kept_payloads does
    assert timing_bytes(edited) == whole_text(edited) != timing_bytes(before)
    assert json.loads(timing_bytes(edited))["version"] == timing(edited)["version"]
    numbered = {**before, "playlists": {int(k): v for k, v in before["playlists"].items()}}
    assert timing_bytes(numbered) == whole_text(numbered)  # keys not text: written whole


def test_the_page_keeps_each_work_once_without_its_timing_and_escaped() -> None:
    entries = [
        {"artwork_id": 7, "title": HOSTILE, "duration_s": 30, "video": None, "live": None},
        {"artwork_id": 7, "title": HOSTILE, "duration_s": 5, "video": None, "live": None},
    ]
    shown = page_programme(
        root="../../",
        suffix="",
        screen={"id": 3, "name": HOSTILE, "timezone": "Europe/Berlin"},
        playlists=[("1", {"name": HOSTILE, "url": "p/1/", "items": entries})],
    )
    assert "</script>" not in shown
    data = json.loads(str(shown))
    assert data["works"] == {"7": {"artwork_id": 7, "title": HOSTILE}}
    assert data["playlists"] == {"1": {"name": HOSTILE, "url": "p/1/"}}
    assert data["screen"] == {"id": 3, "name": HOSTILE}
    assert data["programme"] == "s/3/programme.json"
