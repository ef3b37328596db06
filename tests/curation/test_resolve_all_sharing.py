"""resolve_all shares one resolution among screens alike in zone, default and rules: the sharing
must give each screen exactly what resolving it alone gives, and never leak between screens that
differ in a rule, a zone or a default."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from urbanart.curation.resolver import Source, resolve, resolve_all
from urbanart.curation.rules import DailyWindow, ScheduleRule, ScreenContext

#: Pure functions and documents: nothing here reaches a catalogue, so one run suffices.
pytestmark = pytest.mark.no_database

START = datetime(2026, 6, 1, tzinfo=UTC)
END = datetime(2026, 6, 8, tzinfo=UTC)


def rule(rule_id: int, window: str, priority: int = 0) -> ScheduleRule:
    return ScheduleRule(
        id=rule_id,
        playlist_id=100 + rule_id,
        playlist_name=f"playlist {rule_id}",
        priority=priority,
        window=DailyWindow.parse(window),
    )


def screen(screen_id: int, tz: str = "Europe/Berlin", default: int | None = 9) -> ScreenContext:
    return ScreenContext(screen_id, f"Screen {screen_id}", tz, default, "house loop")


def winners(timeline) -> list[tuple[datetime, datetime, int | None]]:
    return [(s.start, s.end, s.schedule_id) for s in timeline.segments]


GROUP = [rule(1, "09:00-17:00"), rule(2, "12:00-13:00", priority=2)]
EXTRA = rule(3, "16:00-20:00", priority=5)


def test_screens_with_the_same_zone_and_rules_get_equal_timelines_under_their_own_ids() -> None:
    inputs = {1: (screen(1), list(GROUP)), 2: (screen(2), list(reversed(GROUP)))}
    timelines = resolve_all(inputs, START, END, losers=False)
    assert winners(timelines[1]) == winners(timelines[2])
    assert timelines[1].runs == timelines[2].runs
    assert (timelines[1].screen_id, timelines[2].screen_id) == (1, 2)
    assert timelines[1].version != timelines[2].version  # the version names its screen
    for key, (context, rules) in inputs.items():
        assert timelines[key] == resolve(rules, context, START, END, losers=False)


def test_one_extra_rule_a_zone_or_a_default_keeps_screens_apart() -> None:
    inputs = {
        1: (screen(1), list(GROUP)),
        2: (screen(2), [*GROUP, EXTRA]),
        3: (screen(3, tz="Asia/Tokyo"), list(GROUP)),
        4: (screen(4, default=None), list(GROUP)),
        5: (screen(5), list(GROUP)),  # alike screen 1, resolved after the others
    }
    timelines = resolve_all(inputs, START, END, losers=False)
    for key, (context, rules) in inputs.items():
        assert timelines[key] == resolve(rules, context, START, END, losers=False)
    assert 3 in {s.schedule_id for s in timelines[2].segments}
    assert 3 not in {s.schedule_id for s in timelines[1].segments}
    assert winners(timelines[1]) != winners(timelines[3])  # Berlin's nine is not Tokyo's
    assert {s.source for s in timelines[4].segments} == {Source.SCHEDULE, Source.NOTHING}
    assert Source.NOTHING not in {s.source for s in timelines[1].segments}
    assert timelines[5].runs == timelines[1].runs


def test_playlist_ids_are_what_the_segments_name() -> None:
    inputs = {1: (screen(1), [*GROUP, EXTRA]), 2: (screen(2, default=None), [GROUP[0]])}
    for timeline in resolve_all(inputs, START, END, losers=False).values():
        named = {s.playlist_id for s in timeline.segments if s.playlist_id is not None}
        assert timeline.playlist_ids == named
    assert resolve_all(inputs, START, END)[1].playlist_ids == {9, 101, 102, 103}


def canonical_version(timeline) -> str:
    """The version as documented: sha256 of the canonical JSON of screen id, range (µs since
    1970), run starts, table indices and the table's rows, written out here independently."""
    low, starts, keys, table = timeline.runs
    high = (timeline.end - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    rows = [[str(src), pid, name, sid, list(over)] for src, pid, name, sid, over in table]
    text = json.dumps(
        [timeline.screen_id, low, high, list(starts), list(keys), rows],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_screens_with_one_default_share_its_row_and_each_version_names_its_own_default() -> None:
    inputs = {
        1: (screen(1), [EXTRA]),
        2: (screen(2, tz="Asia/Tokyo"), [EXTRA]),  # another zone, the same default
        3: (screen(3, default=8), [EXTRA]),  # another default
        4: (screen(4, default=None), [EXTRA]),
    }
    timelines = resolve_all(inputs, START, END, losers=False)
    fallback = {key: [row for row in t.runs[3] if row[3] is None] for key, t in timelines.items()}
    assert fallback[1][0] is fallback[2][0]  # one row object, its JSON made once
    assert [row[:2] for row in (fallback[1][0], fallback[3][0], fallback[4][0])] == [
        (Source.DEFAULT, 9),
        (Source.DEFAULT, 8),
        (Source.NOTHING, None),
    ]
    versions = {key: t.version for key, t in timelines.items()}
    for key, (context, rules) in inputs.items():
        assert versions[key] == canonical_version(timelines[key])
        assert versions[key] == resolve(rules, context, START, END, losers=False).version
    assert len(set(versions.values())) == 4
