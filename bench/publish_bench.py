"""Publishing a big fleet: an unchanged re-publish and a one-playlist change, against loading.

Builds a library over the demo works (imported through the real import path) with 1,000
screens in 30 time zones and four pixel sizes, 40 playlists, 50 screen groups and 2,000
schedules; one playlist ("Ten screens") plays on exactly ten screens. Then, through the whole
production path the CLI takes (`publish_and_deliver`, pushes off), times:
- first: the first publish (renditions, pages, QR codes, every manifest);
- noop: re-publishing with nothing changed (median of N);
- one change: re-publishing after editing one item of "Ten screens" (median of N, each run
  edits it again, so each run has exactly that change to publish);
- load: `schedules.load_all`, the load the resolver does (the baseline, median of N, same run).
Ends with `name: value (goal …)` lines. SQLite; ~1–3 minutes.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bench.resolve_bench import ZONES  # noqa: E402  (the same 30 zones as the resolve bench)
from urbanart.curation import playlists as playlist_service  # noqa: E402
from urbanart.curation.demo import load_demo_curation  # noqa: E402
from urbanart.curation.schedules import load_all  # noqa: E402
from urbanart.delivery.changes import ChangeStatus  # noqa: E402
from urbanart.delivery.tree import Tree  # noqa: E402
from urbanart.delivery.workflow import publish_and_deliver  # noqa: E402
from urbanart.library.demo import load_demo  # noqa: E402
from urbanart.library.library import Library, published_root  # noqa: E402
from urbanart.library.models import (  # noqa: E402
    Artwork,
    Playlist,
    Schedule,
    Screen,
    ScreenGroup,
    schedule_groups,
    schedule_screens,
    screen_group_members,
)
from urbanart.library.settings import update_settings  # noqa: E402

T = TypeVar("T")
SIZES = ((1920, 1080), (1080, 1920), (1280, 720), (3840, 2160))
TEN = "Ten screens"


def build(library: Library, screens: int, *, seed: int = 7) -> int:
    """The fleet; returns the id of the playlist that plays on exactly ten screens."""
    rng = random.Random(seed)
    load_demo(library)
    load_demo_curation(library)
    update_settings(library, public_base_url="https://art.example.org")
    with library.session() as s:
        works = list(
            s.scalars(select(Artwork.id).where(Artwork.status == "approved").order_by(Artwork.id))
        )
        demo_screens = len(list(s.scalars(select(Screen.id))))
    made = []
    for n in range(40):
        record = playlist_service.create_playlist(library, f"Fleet playlist {n + 1}")
        chosen = rng.sample(works, rng.randint(3, 8))
        playlist_service.add_items(library, record.id, chosen, duration=rng.choice((8, 10, 15)))
        made.append(record.id)
    ten = playlist_service.create_playlist(library, TEN)
    playlist_service.add_items(library, ten.id, rng.sample(works, 5), duration=12)
    extra = screens - demo_screens
    today = date.today()
    with library.session() as s:
        first_id = (max(s.scalars(select(Screen.id)), default=0)) + 1
        ids = list(range(first_id, first_id + extra))
        s.execute(
            insert(Screen),
            [
                {
                    "id": sid,
                    "name": f"Fleet screen {k + 1:04d}",
                    "city": f"City {k % 97}",  # 97 cities, each in one time zone
                    "timezone": ZONES[(k % 97) % len(ZONES)],
                    "width": SIZES[k % len(SIZES)][0],
                    "height": SIZES[k % len(SIZES)][1],
                    "poll_token": f"fleet-token-{sid:06d}",
                    "default_playlist_id": rng.choice(made),
                }
                for k, sid in enumerate(ids)
            ],
        )
        groups = 50
        first_group = (max(s.scalars(select(ScreenGroup.id)), default=0)) + 1
        s.execute(
            insert(ScreenGroup),
            [{"id": first_group + g, "name": f"Fleet group {g + 1}"} for g in range(groups)],
        )
        s.execute(
            insert(screen_group_members),
            [{"group_id": first_group + k % groups, "screen_id": sid} for k, sid in enumerate(ids)],
        )
        rows, to_screens, to_groups = [], [], []
        first_schedule = (max(s.scalars(select(Schedule.id)), default=0)) + 1
        for k in range(2000):
            start = today + timedelta(days=rng.randint(-30, 5))
            a, b = rng.randint(0, 23), rng.randint(0, 23)
            if a == b:
                b = (a + 1) % 24
            sid = first_schedule + k
            rows.append(
                {
                    "id": sid,
                    "name": f"Fleet schedule {k + 1}",
                    "playlist_id": rng.choice(made),
                    "priority": rng.randint(0, 5),
                    "start_date": start,
                    "end_date": start + timedelta(days=rng.randint(10, 90)),
                    "weekdays": rng.choice((0b1111111, 0b0011111, 0b1100000)),
                    "window_start": f"{a:02d}:00",
                    "window_end": f"{b:02d}:00",
                    "enabled": True,
                    "shared_instant": False,
                    "reference_tz": "UTC",
                    "created_at": datetime.now(UTC) - timedelta(minutes=k),
                }
            )
            if rng.random() < 0.1:
                group = first_group + rng.randrange(groups)
                to_groups.append({"schedule_id": sid, "group_id": group})
            else:
                for screen in rng.sample(ids, rng.randint(1, 2)):
                    to_screens.append({"schedule_id": sid, "screen_id": screen})
        ten_schedule = first_schedule + 2000
        rows.append(
            {
                "id": ten_schedule,
                "name": "Ten screens at noon",
                "playlist_id": ten.id,
                "priority": 9,
                "start_date": today - timedelta(days=1),
                "end_date": today + timedelta(days=60),
                "weekdays": 0b1111111,
                "window_start": "12:00",
                "window_end": "14:00",
                "enabled": True,
                "shared_instant": False,
                "reference_tz": "UTC",
                "created_at": datetime.now(UTC),
            }
        )
        to_screens.extend({"schedule_id": ten_schedule, "screen_id": sid} for sid in ids[:10])
        s.execute(insert(Schedule), rows)
        s.execute(insert(schedule_screens), to_screens)
        s.execute(insert(schedule_groups), to_groups)
    with library.session() as s:
        assert s.get(Playlist, ten.id) is not None
    return ten.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--profile",
        choices=("first", "noop", "change"),
        default=None,
        help="Print a cProfile of one run of that kind instead of timing.",
    )
    parser.add_argument(
        "--library",
        type=Path,
        default=None,
        help="Build the library here, or reuse the one built here before (for profiling; the "
        "figures are for a fresh library).",
    )
    args = parser.parse_args()
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def timed(name: str, fn: Callable[[], T]) -> T:
        """Wall time (the goal's) and this process's CPU time (what a shared machine's load
        does not inflate; worker processes' CPU is not in it). Each run starts once the
        removal of stale releases a publish before it left to a background thread is done
        (Tree.settle): no run is timed with another's leftovers."""
        Tree(published_root(library)).settle()
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.setdefault(name, []).append(time.perf_counter() - t0)
        cpu.setdefault(name, []).append(time.process_time() - c0)
        return result

    def run(library: Library) -> object:
        return publish_and_deliver(library, push=False)

    with (
        tempfile.TemporaryDirectory(prefix="publish-bench-") as tmp,
        Library.open(args.library or Path(tmp) / "library") as library,
    ):
        with library.session() as s:
            ten_id = s.scalar(select(Playlist.id).where(Playlist.name == TEN))
        if ten_id is None:
            built = time.perf_counter()
            ten = build(library, args.screens)
            print(f"library built in {time.perf_counter() - built:.1f} s")
        else:
            ten = ten_id

        def edit() -> None:
            """Step the first item's duration from what it is now (5..24 s, cycling), so each
            edit changes it even on a library a previous run left behind."""
            current = playlist_service.get_playlist(library, ten).items[0].duration
            playlist_service.set_item(library, ten, 1, duration=5 + (int(current) - 4) % 20)

        if args.profile:
            import cProfile
            import pstats

            if args.profile != "first":
                run(library)
            if args.profile == "change":
                edit()
            profiler = cProfile.Profile()
            profiler.enable()
            run(library)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            return

        first = timed("first", lambda: run(library))
        count = len(first.result.screens)  # type: ignore[attr-defined]
        for _ in range(args.repeats):
            timed("load", lambda: load_all(library))
            noop = timed("noop", lambda: run(library))
            totals = noop.result.totals  # type: ignore[attr-defined]
            if totals[str(ChangeStatus.UNCHANGED)] != count:
                raise SystemExit(f"an unchanged re-publish changed screens: {totals}")
            edit()
            changed = timed("change", lambda: run(library))
            totals = changed.result.totals  # type: ignore[attr-defined]
            if totals[str(ChangeStatus.CHANGED)] != 10:
                raise SystemExit(f"editing the ten-screen playlist changed: {totals}")
    median = {name: statistics.median(values) for name, values in times.items()}
    mcpu = {name: statistics.median(values) for name, values in cpu.items()}
    print(f"screens: {count}")
    print(f"publish_first_s: {median['first']:.2f} (informational)")
    print(f"load_all_s: {median['load']:.3f} (baseline, median of {args.repeats})")
    print(f"publish_noop_s: {median['noop']:.3f} (median of {args.repeats})")
    print(f"publish_one_change_s: {median['change']:.3f} (median of {args.repeats})")
    print(
        f"cpu time, median: load {mcpu['load']:.3f} s, noop {mcpu['noop']:.3f} s, one change "
        f"{mcpu['change']:.3f} s; ratios {mcpu['noop'] / mcpu['load']:.2f} and "
        f"{mcpu['change'] / mcpu['noop']:.2f} (for comparison on a shared machine)"
    )
    print(f"publish_noop_to_load_ratio: {median['noop'] / median['load']:.2f} (goal ≤ 5)")
    print(f"publish_one_change_ratio: {median['change'] / median['noop']:.2f} (goal ≤ 2)")


if __name__ == "__main__":
    main()
