"""The clock rule: what plays at an instant, from the payload alone (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from urbanart.player.timeline import what_plays


def z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def item(n: int, seconds: float, fade: float = 0) -> dict[str, Any]:
    return {
        "item_id": n,
        "title": f"work {n}",
        "duration_s": seconds,
        "transition": {"type": "crossfade" if fade else "cut", "seconds": fade},
        "overlay": True,
        "media": {"sha256": f"{n:064x}", "url": f"/media/00/{n:064x}.jpg"},
    }


def payload(segments: list[tuple[datetime, datetime, str | None]], **extra: Any) -> dict:
    playlists = {
        "1": {"name": "A", "total_seconds": 30, "items": [item(1, 10), item(2, 10), item(3, 10)]},
        "2": {"name": "B", "total_seconds": 12, "items": [item(4, 5, fade=2), item(5, 7, 2)]},
        "3": {"name": "Empty", "total_seconds": 0, "items": []},
    }
    return {
        "window": {"from": z(segments[0][0]), "until": z(segments[-1][1])},
        "timeline": [
            {"start": z(a), "end": z(b), "playlist": p, "source": "schedule", "schedule_id": 1}
            for a, b, p in segments
        ],
        "playlists": playlists,
        "default_playlist": extra.get("default", "1"),
    }


D = datetime(2025, 6, 1, tzinfo=UTC)
H = timedelta(hours=1)


def test_items_cycle_from_the_segment_start_and_change_exactly_on_the_boundary() -> None:
    p = payload([(D, D + 2 * H, "1"), (D + 2 * H, D + 4 * H, "2")])
    assert what_plays(p, D).item["item_id"] == 1
    assert what_plays(p, D + timedelta(seconds=9.999)).item["item_id"] == 1
    assert what_plays(p, D + timedelta(seconds=10)).item["item_id"] == 2
    assert what_plays(p, D + timedelta(seconds=65)).item["item_id"] == 1  # 65 mod 30 = 5
    shown = what_plays(p, D + timedelta(seconds=74))
    assert shown.started_at == D + timedelta(seconds=70)
    assert shown.next_change == D + timedelta(seconds=80)
    # The second segment restarts its own loop from its own start.
    start = D + 2 * H
    assert what_plays(p, start + timedelta(seconds=4)).item["item_id"] == 4
    assert what_plays(p, start + timedelta(seconds=13)).item["item_id"] == 4  # 13 mod 12 = 1


def test_an_item_cut_short_by_the_segment_end_changes_at_the_segment_end() -> None:
    end = D + timedelta(seconds=25)
    p = payload([(D, end, "1"), (end, D + H, "2")])
    assert what_plays(p, D + timedelta(seconds=21)).next_change == end
    assert what_plays(p, end).item["item_id"] == 4


def test_default_playlist_outside_the_window_anchored_at_its_edges() -> None:
    p = payload([(D, D + H, "2")], default="1")
    before = what_plays(p, D - timedelta(seconds=5))  # 5 s before `from`: last 10 s item
    assert before.source == "default" and before.item["item_id"] == 3
    assert before.next_change == D
    after = what_plays(p, D + H + timedelta(seconds=12))  # 12 s after `until`
    assert after.source == "default" and after.item["item_id"] == 2
    assert what_plays(p, D + H - timedelta(milliseconds=1)).playlist_id == "2"  # window end


def test_nothing_for_a_null_segment_an_empty_playlist_or_no_default() -> None:
    p = payload([(D, D + H, None), (D + H, D + 2 * H, "3")], default=None)
    assert what_plays(p, D + timedelta(minutes=5)).item is None
    assert what_plays(p, D + H + timedelta(minutes=5)).item is None
    outside = what_plays(p, D + 3 * H)
    assert outside.item is None and outside.key is None


def test_crossfade_phase_runs_in_the_first_seconds_of_the_incoming_item() -> None:
    p = payload([(D, D + H, "1"), (D + H, D + 2 * H, "2")])
    start = D + H
    assert what_plays(p, start + timedelta(seconds=1)).fade is not None  # from work 3 into 4
    mid = what_plays(p, start + timedelta(seconds=6))  # 1 s into work 5's 2 s crossfade
    assert mid.item["item_id"] == 5 and mid.previous["item_id"] == 4
    assert mid.fade == 0.5
    assert mid.next_change == start + timedelta(seconds=7)  # when the fade completes
    assert what_plays(p, start + timedelta(seconds=7)).fade is None
    assert what_plays(p, D + timedelta(seconds=10.5)).fade is None  # a cut


def test_no_crossfade_when_nothing_was_on_screen_before() -> None:
    p = payload([(D, D + H, None), (D + H, D + 2 * H, "2")], default=None)
    shown = what_plays(p, D + H + timedelta(seconds=1))
    assert shown.item["item_id"] == 4 and shown.fade is None and shown.previous is None


def test_a_dst_day_cycles_by_real_elapsed_time_not_the_wall_clock() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 30 March 2025: clocks jump 02:00 → 03:00; the local day is 23 real hours long.
    day_start = datetime(2025, 3, 30, tzinfo=berlin)
    day_end = datetime(2025, 3, 31, tzinfo=berlin)
    assert (day_end - day_start.astimezone(UTC)).total_seconds() == 23 * 3600
    p = payload([(day_start, day_end, "1"), (day_end, day_end + H, "2")])
    # 04:00:15 CEST is 3 real hours (10815 s) after local midnight: 10815 mod 30 = 15 → work 2.
    t = datetime(2025, 3, 30, 4, 0, 15, tzinfo=berlin)
    assert what_plays(p, t).item["item_id"] == 2
    last = what_plays(p, day_end - timedelta(seconds=1))  # 82799 mod 30 = 29 → work 3
    assert last.item["item_id"] == 3 and last.next_change == day_end.astimezone(UTC)
    assert what_plays(p, day_end).playlist_id == "2"


def test_fractional_durations_use_whole_milliseconds() -> None:
    p = payload([(D, D + H, "1")])
    p["playlists"]["1"]["items"] = [item(1, 0.1), item(2, 0.2)]
    assert what_plays(p, D + timedelta(milliseconds=299)).item["item_id"] == 2
    assert what_plays(p, D + timedelta(milliseconds=300)).item["item_id"] == 1


def test_the_same_occurrence_has_the_same_key_whatever_the_sub_millisecond_clock() -> None:
    p = payload([(D, D + H, "1")])
    ticks = [D + timedelta(seconds=12, microseconds=us) for us in (0, 1, 499_999, 777_777)]
    shown = [what_plays(p, t) for t in ticks]
    assert {s.key for s in shown} == {shown[0].key}
    assert {s.started_at for s in shown} == {D + timedelta(seconds=10)}
