"""Resolving every screen's week the way publishing does, against loading the same rows, one run.

Builds a library with 1,000 screens in 30 time zones, 200 playlists and 5,000 schedules (some
through screen groups, some overnight, some shared-instant), then times, alternately:
- load: `schedules.load_all` — every screen's context and rules from SQLite (the baseline);
- resolve: the whole resolution path of publishing (publisher._plan): `resolve_all(...,
  losers=False)` over 7 days, then for every screen the playlists it plays
  (`Timeline.playlist_ids`, as publisher._plan and manifest.build_manifest read them), the
  manifest's timeline entries made from every run (`manifest.timeline_entries`), and the
  timeline's version hash. Nothing the resolver leaves lazy that publishing reads is left
  unpaid; publishing no longer makes Segment objects, so neither does this.
The cyclic garbage collector runs as it does in production (never paused, never forced); each
figure is the median of N runs (the best is printed too). Ends with `name: value (goal …)`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import insert

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from urbanart.curation.resolver import Timeline, resolve, resolve_all  # noqa: E402
from urbanart.curation.rules import ScheduleRule, ScreenContext  # noqa: E402
from urbanart.curation.schedules import load_all  # noqa: E402
from urbanart.delivery.manifest import timeline_entries  # noqa: E402
from urbanart.library.library import Library  # noqa: E402
from urbanart.library.models import (  # noqa: E402
    Playlist,
    Schedule,
    Screen,
    ScreenGroup,
    schedule_groups,
    schedule_screens,
    screen_group_members,
)

ZONES = (
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Lisbon", "Europe/Helsinki", "Europe/Moscow",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/St_Johns", "America/Sao_Paulo", "America/Mexico_City", "America/Santiago",
    "Asia/Tokyo", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Shanghai", "Asia/Singapore",
    "Asia/Dubai", "Asia/Tehran", "Australia/Sydney", "Australia/Adelaide", "Australia/Lord_Howe",
    "Pacific/Auckland", "Pacific/Chatham", "Pacific/Honolulu", "Africa/Nairobi", "Africa/Lagos",
    "Africa/Cairo",
)  # fmt: skip


def build(
    library: Library, rng: random.Random, screens: int, playlists: int, schedules: int
) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with library.session() as s:
        s.execute(
            insert(Playlist),
            [
                {"id": i + 1, "name": f"Playlist {i + 1}", "description": ""}
                for i in range(playlists)
            ],
        )
        s.execute(
            insert(Screen),
            [
                {
                    "id": i + 1,
                    "name": f"Screen {i + 1}",
                    "timezone": ZONES[i % len(ZONES)],
                    "width": 1920,
                    "height": 1080,
                    "poll_token": f"token-{i + 1:05d}",
                    "default_playlist_id": rng.randint(1, playlists) if i % 3 else None,
                }
                for i in range(screens)
            ],
        )
        groups = screens // 20
        s.execute(
            insert(ScreenGroup), [{"id": g + 1, "name": f"Group {g + 1}"} for g in range(groups)]
        )
        s.execute(
            insert(screen_group_members),
            [{"group_id": i % groups + 1, "screen_id": i + 1} for i in range(screens)],
        )
        rows, to_screens, to_groups = [], [], []
        for k in range(schedules):
            start = date(2026, 10, 1) + timedelta(days=rng.randint(0, 60))
            window = None
            if rng.random() < 0.7:
                a, b = rng.randint(0, 23), rng.randint(0, 23)
                if a == b:
                    b = (a + 1) % 24
                window = (f"{a:02d}:{rng.choice((0, 30)):02d}", f"{b:02d}:00")
            rows.append(
                {
                    "id": k + 1,
                    "playlist_id": rng.randint(1, playlists),
                    "priority": rng.randint(0, 5),
                    "start_date": start if rng.random() < 0.8 else None,
                    "end_date": start + timedelta(days=rng.randint(3, 90))
                    if rng.random() < 0.8
                    else None,
                    "weekdays": rng.choice((0b1111111, 0b0011111, 0b1100000, rng.randint(1, 127))),
                    "window_start": window[0] if window else None,
                    "window_end": window[1] if window else None,
                    "enabled": rng.random() < 0.95,
                    "shared_instant": rng.random() < 0.1,
                    "reference_tz": "UTC",
                    "created_at": now - timedelta(minutes=k),
                }
            )
            if rng.random() < 0.15:
                to_groups.append({"schedule_id": k + 1, "group_id": rng.randint(1, groups)})
            else:
                for screen in rng.sample(range(1, screens + 1), rng.randint(1, 2)):
                    to_screens.append({"schedule_id": k + 1, "screen_id": screen})
        s.execute(insert(Schedule), rows)
        s.execute(insert(schedule_screens), to_screens)
        s.execute(insert(schedule_groups), to_groups)


def resolve_as_publishing_does(
    inputs: dict[int, tuple[ScreenContext, list[ScheduleRule]]], start: datetime, end: datetime
) -> tuple[dict[int, Timeline], int]:
    """What publisher._plan does with the resolver, in full: resolve_all without losers, then per
    screen the playlists it plays and the manifest's timeline entries built from every run;
    plus every timeline's version hash (the resolver's content version). Returns the
    timelines and the number of segments, so nothing is left for later to pay."""
    timelines = resolve_all(inputs, start, end, losers=False)
    segments = 0
    for timeline in timelines.values():
        used = timeline.playlist_ids
        entries = timeline_entries(timeline)
        if len(timeline.version) != 64 or len(used) > len(entries):
            raise SystemExit(f"screen {timeline.screen_id}: malformed timeline")
        segments += len(entries)
    return timelines, segments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=1000)
    parser.add_argument("--playlists", type=int, default=200)
    parser.add_argument("--schedules", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    start = datetime(2026, 11, 23, tzinfo=UTC)
    end = start + timedelta(days=7)
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def timed(name: str, fn: Callable[[], T]) -> T:
        """Run fn once and keep its wall and CPU time (the CPU time of this process says more on
        a machine others share); the garbage collector runs as it does in production."""
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.setdefault(name, []).append(time.perf_counter() - t0)
        cpu.setdefault(name, []).append(time.process_time() - c0)
        return result

    with tempfile.TemporaryDirectory(prefix="resolve-bench-") as tmp, Library.open(tmp) as library:
        build(library, random.Random(7), args.screens, args.playlists, args.schedules)
        for _ in range(args.repeats):
            # Fresh rule objects each time, as each publish loads them: no memo carried over.
            inputs = timed("load", lambda: load_all(library))
            timelines, segments = timed(
                "resolve", lambda given=inputs: resolve_as_publishing_does(given, start, end)
            )
        fresh = load_all(library)
        one_by_one = timed(
            "singles",
            lambda: {
                key: resolve(rules, ctx, start, end, losers=False)
                for key, (ctx, rules) in fresh.items()
            },
        )
        mismatched = [k for k in timelines if timelines[k].version != one_by_one[k].version]
        if mismatched:
            raise SystemExit(f"resolve_all and resolve disagree on screens {mismatched[:5]}")
        rules_per_screen = statistics.mean(len(rules) for _, rules in inputs.values())
    median = {name: statistics.median(values) for name, values in times.items()}
    best = {name: min(values) for name, values in times.items()}
    load_s, resolve_s = median["load"], median["resolve"]
    print(f"screens: {len(inputs)}, rules per screen: {rules_per_screen:.1f}, segments: {segments}")
    print(f"resolve_one_screen_at_a_time_s: {best['singles']:.3f} (lazy parts only, no goal)")
    print(
        f"best of {args.repeats}: load {best['load']:.3f} s, resolve {best['resolve']:.3f} s, "
        f"ratio {best['resolve'] / best['load']:.2f} (for comparison)"
    )
    cpu_load, cpu_resolve = statistics.median(cpu["load"]), statistics.median(cpu["resolve"])
    print(
        f"cpu time, median of {args.repeats}: load {cpu_load:.3f} s, resolve {cpu_resolve:.3f} s, "
        f"ratio {cpu_resolve / cpu_load:.2f} (for comparison)"
    )
    print(f"load_all_s: {load_s:.3f} (baseline, measured in this run; median of {args.repeats})")
    print(f"resolve_publishing_path_s: {resolve_s:.3f} (median of {args.repeats}; goal: ≤ load)")
    print(f"resolve_to_load_ratio: {resolve_s / load_s:.2f} (goal ≤ 1.0)")


if __name__ == "__main__":
    main()
