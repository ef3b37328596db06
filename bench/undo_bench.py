"""Recording an undo step on a big catalogue, against the same edit unrecorded, one run.

Builds a library with 5,000 artworks (300 artists, 40 tags, two or three tags per work),
60 playlists of 25 items, 120 screens in 6 groups and 400 schedules, then times, alternately:
- an artwork edit (`catalog.edit_artwork`: title and tags) recorded as an undo step, and the
  same edit inside `undo.unrecorded()` (the baseline, measured in this run);
- a playlist edit (`playlists.move_item`) recorded and unrecorded likewise;
then `Library.undo()` and `Library.redo()` of the artwork edit. Every edit changes something
(the values alternate), so every recorded one leaves a step. Each figure is the median of N;
the ratios are of CPU time (see `timed`).
Ends with `name: value (goal …)` lines.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from urbanart.curation import playlists  # noqa: E402
from urbanart.library import catalog  # noqa: E402
from urbanart.library.library import Library  # noqa: E402
from urbanart.library.models import (  # noqa: E402
    Artist,
    Artwork,
    MediaAsset,
    Playlist,
    PlaylistItem,
    Schedule,
    Screen,
    ScreenGroup,
    Tag,
    artwork_tags,
    schedule_groups,
    schedule_screens,
    screen_group_members,
)
from urbanart.library.undo import unrecorded  # noqa: E402


def build(library: Library, rng: random.Random, works: int) -> None:
    """Fill the catalogue with Core inserts (no undo steps: nothing here is an edit)."""
    artists, tags, lists, screens, groups, schedules = 300, 40, 60, 120, 6, 400
    with library.session() as s:
        s.execute(
            insert(Artist), [{"id": i + 1, "name": f"Artist {i + 1}"} for i in range(artists)]
        )
        s.execute(
            insert(MediaAsset),
            [
                {
                    "id": i + 1,
                    "sha256": f"{i + 1:064x}",
                    "format": "JPEG",
                    "mime_type": "image/jpeg",
                    "width": 1920,
                    "height": 1080,
                    "byte_size": 100_000,
                    "original_name": f"work-{i + 1}.jpg",
                    "original_key": f"originals/{i + 1:064x}.jpg",
                    "thumbnail_key": None,
                }
                for i in range(works)
            ],
        )
        s.execute(
            insert(Artwork),
            [
                {
                    "id": i + 1,
                    "artist_id": rng.randint(1, artists),
                    "asset_id": i + 1,
                    "title": f"Work {i + 1}",
                    "year": 2000 + i % 25,
                    "description": "A wall at night. " * 5,
                    "status": "approved",
                }
                for i in range(works)
            ],
        )
        s.execute(insert(Tag), [{"id": t + 1, "name": f"tag{t + 1}"} for t in range(tags)])
        s.execute(
            insert(artwork_tags),
            [
                {"artwork_id": i + 1, "tag_id": t}
                for i in range(works)
                for t in rng.sample(range(1, tags + 1), rng.randint(2, 3))
            ],
        )
        s.execute(
            insert(Playlist), [{"id": p + 1, "name": f"Playlist {p + 1}"} for p in range(lists)]
        )
        s.execute(
            insert(PlaylistItem),
            [
                {"playlist_id": p + 1, "position": k + 1, "artwork_id": rng.randint(1, works)}
                for p in range(lists)
                for k in range(25)
            ],
        )
        s.execute(
            insert(Screen),
            [
                {
                    "id": i + 1,
                    "name": f"Screen {i + 1}",
                    "timezone": "Europe/Lisbon",
                    "width": 1920,
                    "height": 1080,
                    "poll_token": f"token-{i + 1:05d}",
                    "default_playlist_id": rng.randint(1, lists),
                }
                for i in range(screens)
            ],
        )
        s.execute(
            insert(ScreenGroup), [{"id": g + 1, "name": f"Group {g + 1}"} for g in range(groups)]
        )
        s.execute(
            insert(screen_group_members),
            [{"group_id": i % groups + 1, "screen_id": i + 1} for i in range(screens)],
        )
        s.execute(
            insert(Schedule),
            [
                {"id": k + 1, "playlist_id": rng.randint(1, lists), "priority": k % 5}
                for k in range(schedules)
            ],
        )
        s.execute(
            insert(schedule_screens),
            [
                {"schedule_id": k + 1, "screen_id": rng.randint(1, screens)}
                for k in range(schedules)
            ],
        )
        s.execute(
            insert(schedule_groups),
            [{"schedule_id": k + 1, "group_id": k % groups + 1} for k in range(0, schedules, 4)],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def timed(name: str, fn: Callable[[], object]) -> None:
        """Run fn once and keep its wall and CPU time. The goal is on CPU time: SQLite runs in
        this process, so its work counts, while the waits a machine others share adds to a
        few-millisecond edit (and that dwarf the recording) do not."""
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.setdefault(name, []).append(time.perf_counter() - t0)
        cpu.setdefault(name, []).append(time.process_time() - c0)

    def unrecorded_call(fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            with unrecorded():
                return fn()

        return run

    with tempfile.TemporaryDirectory(prefix="undo-bench-") as tmp, Library.open(tmp) as library:
        build(library, random.Random(11), args.works)
        work = args.works // 2
        for n in range(args.repeats):
            # Each edit changes the values the previous one left, so each one writes.
            def artwork_edit(k: int) -> Callable[[], object]:
                tags = "tag1, tag2" if k % 2 else "tag2, tag3, tag4"
                return lambda: catalog.edit_artwork(library, work, title=f"Work {k}", tags=tags)

            timed("artwork_recorded", artwork_edit(2 * n))
            timed("artwork_unrecorded", unrecorded_call(artwork_edit(2 * n + 1)))
            move = lambda: playlists.move_item(library, "Playlist 7", 2, 20)  # noqa: E731
            timed("playlist_recorded", move)
            timed("playlist_unrecorded", unrecorded_call(move))
        newest = library.history.newest()
        step_rows = newest.row_count() if newest else 0
        library.history.clear()
        catalog.edit_artwork(library, work, title="Undo me", tags="tag5")
        for _ in range(args.repeats):
            timed("undo", library.undo)
            timed("redo", library.redo)
        if catalog.get_artwork(library, work).title != "Undo me":
            raise SystemExit("redo did not restore the edit")
    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    on_cpu = {name: statistics.median(values) * 1000 for name, values in cpu.items()}
    artwork_ratio = on_cpu["artwork_recorded"] / on_cpu["artwork_unrecorded"]
    playlist_ratio = on_cpu["playlist_recorded"] / on_cpu["playlist_unrecorded"]
    wall_ratio = median["artwork_recorded"] / median["artwork_unrecorded"]
    print(f"catalogue: {args.works} artworks; median of {args.repeats} runs each")
    print(f"row images in the newest (playlist) step: {step_rows}")
    print(
        f"artwork edit: recorded {median['artwork_recorded']:.1f} ms, "
        f"unrecorded {median['artwork_unrecorded']:.1f} ms (baseline, this run)"
    )
    print(
        f"playlist edit: recorded {median['playlist_recorded']:.1f} ms, "
        f"unrecorded {median['playlist_unrecorded']:.1f} ms (baseline, this run)"
    )
    print(
        f"artwork edit on CPU: recorded {on_cpu['artwork_recorded']:.1f} ms, "
        f"unrecorded {on_cpu['artwork_unrecorded']:.1f} ms; wall-clock ratio {wall_ratio:.2f} "
        "(for comparison)"
    )
    print(f"undo_ms: {median['undo']:.1f} (artwork edit; for comparison)")
    print(f"redo_ms: {median['redo']:.1f} (artwork edit; for comparison)")
    print(f"undo_record_ratio_playlist: {playlist_ratio:.2f} (goal ≤ 1.5)")
    print(f"undo_record_ratio: {artwork_ratio:.2f} (goal ≤ 1.5)")


if __name__ == "__main__":
    main()
