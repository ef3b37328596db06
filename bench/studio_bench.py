"""Studio responsiveness with 10,000 works, against an empty library measured in the same run.

Builds (once, cached in the temp folder) a library of 10,000 small generated pictures by 200
artists, imported through the real import path with worker processes and a metadata sheet.
Then, each in a fresh offscreen process so no run warms the next:

(a) the time from process start to the first painted Library view (window shown, the first
    rows in the model, the grid painted with them) for the 10,000-work library and for an empty
    one, alternated. The studio loads a first screenful of rows (``FIRST_SCREENFUL``, more than
    the largest window shows) and paints it while every row loads behind it; the time until
    all 10,000 rows are in the grid is printed too, for information;
(b) a scroll from top to bottom in page steps while a 1 ms heartbeat timer records the longest
    gap between event-loop turns (the longest frame the curator would feel);
(c) the peak resident memory of the 10,000-work studio process, scroll included.

Also prints, for information, loading the grid rows with ``browse_rows`` (Core, only the columns
a cell needs) against ``list_artworks`` (ORM records). Ends with `name: value (goal …)` lines.

    python bench/studio_bench.py [--works 10000] [--rebuild] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ARTISTS = 200
STATUSES = ("approved",) * 6 + ("submitted", "rejected")
AI = ("digitalCreation", "trainedAlgorithmicMedia", "algorithmicMedia", "undisclosed")
TAGS = ("night", "river", "portrait", "landscape", "neon", "paper", "signal", "tide", "moss")


# Building the library -------------------------------------------------------------------------


def _draw(args: tuple[int, str]) -> None:
    """One small picture (worker process): a few shapes on a colour field, seeded by index."""
    from PIL import Image, ImageDraw

    index, path = args
    rng = random.Random(index)
    size = (240, 160) if index % 5 else (160, 240)
    img = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.randint(8, 60)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    img.save(path, quality=85)


def build_library(home: Path, works: int) -> float:
    """Generate works pictures and import them through the real importer; returns seconds."""
    from multiprocessing import get_context

    from urbanart.library.import_sources import read_sheet, scan
    from urbanart.library.importer import ImportRun, Status, import_items
    from urbanart.library.library import Library

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="urbanart-studio-bench-src-") as tmp:
        source = Path(tmp)
        jobs, rows = [], []
        for i in range(works):
            artist = f"Bench Artist {i % ARTISTS:03d}"
            folder = source / artist
            folder.mkdir(exist_ok=True)
            name = f"work-{i:05d}.jpg"
            jobs.append((i, str(folder / name)))
            rng = random.Random(i)
            rows.append(
                {
                    "file": f"{artist}/{name}",
                    "title": f"Study {i:05d} {rng.choice(TAGS).title()}",
                    "status": STATUSES[i % len(STATUSES)],
                    "ai_involvement": AI[i % len(AI)],
                    "tags": ", ".join(rng.sample(TAGS, 2)),
                    "year": str(2000 + i % 25),
                }
            )
        with get_context("spawn").Pool(os.cpu_count() or 2) as pool:
            pool.map(_draw, jobs, chunksize=200)
        sheet = source / "sheet.csv"
        with sheet.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        items = scan([source])
        done = [0]

        def progress(n: int, total: int, _result: object) -> None:
            if n % 1000 == 0 or n == total:
                print(
                    f"  imported {n:,}/{total:,} ({time.perf_counter() - start:.0f} s)", flush=True
                )
            done[0] = n

        with Library.open(home) as library:
            results = import_items(
                library, items, ImportRun(sheet=read_sheet(sheet), on_result=progress)
            )
    imported = sum(r.status is Status.IMPORTED for r in results)
    if imported != works:
        raise SystemExit(f"only {imported} of {works} pictures were imported")
    return time.perf_counter() - start


def cached_library(works: int, rebuild: bool) -> Path:
    from urbanart.library.catalog import count_artworks
    from urbanart.library.library import Library

    home = Path(tempfile.gettempdir()) / f"urbanart-studio-bench-{works}" / "library"
    if home.exists() and not rebuild:
        with Library.open(home) as library:
            if count_artworks(library) == works:
                print(f"Using the cached {works:,}-work library in {home}")
                return home
    if home.exists():
        import shutil

        shutil.rmtree(home.parent)
    print(f"Building a {works:,}-work library in {home} (cached for later runs)…", flush=True)
    seconds = build_library(home, works)
    print(f"  built in {seconds:.0f} s")
    return home


# Measuring in a child process ----------------------------------------------------------------


def measure(home: Path, scroll: bool) -> dict[str, float]:
    """Child process: open the studio offscreen, time the first painted grid, maybe scroll."""
    import resource

    from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from ui import operations
    from ui.app import create_window, make_application
    from ui.views.library_view import LibraryView

    app = make_application()
    settings_dir = tempfile.mkdtemp(prefix="urbanart-bench-settings-")
    settings = QSettings(str(Path(settings_dir) / "studio.ini"), QSettings.Format.IniFormat)
    result: dict[str, float] = {}
    state = {"rows": -1, "painted": False, "all_rows": False}

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and state["rows"] >= 0 and not state["painted"]:
                state["painted"] = True
                QTimer.singleShot(0, painted)  # runs once this paint has finished
            return False

    def painted() -> None:
        result["open_s"] = time.perf_counter() - START
        result["rows"] = state["rows"]
        if scroll:
            QTimer.singleShot(300, wait_idle_then_scroll)
        else:
            quit_once_all_rows()

    def quit_once_all_rows() -> None:
        if state["all_rows"]:
            app.quit()
        else:
            QTimer.singleShot(20, quit_once_all_rows)

    window = create_window(home, settings, start_hub=False)
    window.resize(1440, 900)
    watcher = FirstPaint()

    def attach(_studio: object) -> None:
        view = window.views["library"]
        assert isinstance(view, LibraryView)
        view.grid.viewport().installEventFilter(watcher)

        def rows(count: int) -> None:
            if state["rows"] < 0:
                state["rows"] = count
                view.grid.viewport().update()

        view.rows_loaded.connect(rows)

        def all_rows(count: int) -> None:
            if not state["all_rows"]:
                state["all_rows"] = True
                result["all_rows_s"] = time.perf_counter() - START
                result["all_rows"] = count

        view.all_rows_loaded.connect(all_rows)

    window.library_opened.connect(attach)

    def wait_idle_then_scroll() -> None:
        studio = window.studio
        if operations.busy() or (studio is not None and studio.thumbnails.pending()):
            QTimer.singleShot(50, wait_idle_then_scroll)
            return
        start_scroll()

    gaps: list[float] = []
    import gc

    gc_pauses: list[float] = []
    gc_started = [0.0]

    def gc_watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_pauses.append((time.perf_counter() - gc_started[0]) * 1000)

    gc.callbacks.append(gc_watch)

    def start_scroll() -> None:
        if os.environ.get("BENCH_NO_GC"):
            gc.disable()
        view = window.views["library"]
        assert isinstance(view, LibraryView)
        bar = view.grid.verticalScrollBar()
        clock = QElapsedTimer()
        clock.start()
        last = [clock.nsecsElapsed()]
        heartbeat = QTimer()
        heartbeat.setInterval(1)

        def beat() -> None:
            now = clock.nsecsElapsed()
            gaps.append((now - last[0]) / 1e6)
            last[0] = now

        heartbeat.timeout.connect(beat)
        heartbeat.start()
        stepper = QTimer()
        stepper.setInterval(16)
        step = max(1, bar.pageStep() // 2)
        began = time.perf_counter()

        def advance() -> None:
            if bar.value() >= bar.maximum():
                stepper.stop()
                heartbeat.stop()
                result["scroll_s"] = time.perf_counter() - began
                result["scroll_px"] = bar.maximum()
                result["max_frame_ms"] = max(gaps[1:]) if len(gaps) > 1 else 0.0
                result["p99_frame_ms"] = _percentile(gaps[1:], 99)
                result["long_frames"] = sum(g > 50 for g in gaps[1:])
                result["max_gc_ms"] = max(gc_pauses, default=0.0)
                QTimer.singleShot(0, app.quit)
                return
            bar.setValue(min(bar.maximum(), bar.value() + step))

        stepper.timeout.connect(advance)
        stepper.start()
        app._bench_timers = (heartbeat, stepper)  # type: ignore[attr-defined]

    QTimer.singleShot(60_000, app.quit)  # never hang a benchmark
    app.exec()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    window.close()
    QApplication.processEvents()
    return result


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def run_child(home: Path, scroll: bool) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, __file__, "--child", str(home)] + (["--scroll"] if scroll else [])
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"measuring {home} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def browse_vs_orm(home: Path) -> tuple[float, float]:
    from urbanart.library.browse import browse_rows
    from urbanart.library.catalog import list_artworks
    from urbanart.library.library import Library

    with Library.open(home) as library:
        timings = {}
        for name, fn in (("browse", browse_rows), ("orm", list_artworks)):
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                fn(library)
                best = min(best, time.perf_counter() - start)
            timings[name] = best
    return timings["browse"], timings["orm"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="open-time runs per library")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--scroll", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child), args.scroll)))
        return 0

    from urbanart.library.library import Library

    full = cached_library(args.works, args.rebuild)
    empty_dir = Path(tempfile.mkdtemp(prefix="urbanart-studio-bench-empty-"))
    empty = empty_dir / "library"
    Library.open(empty).close()

    browse_s, orm_s = browse_vs_orm(full)
    print(f"grid rows for {args.works:,} works: browse_rows {browse_s * 1000:.0f} ms, "
          f"ORM list_artworks {orm_s * 1000:.0f} ms ({orm_s / browse_s:.1f}× slower)")  # fmt: skip

    opens: dict[str, list[float]] = {"empty": [], "full": []}
    all_rows: list[float] = []
    scroll: dict[str, float] = {}
    for run in range(args.runs):
        for name, home in (("empty", empty), ("full", full)):
            measured = run_child(home, scroll=name == "full" and run == args.runs - 1)
            opens[name].append(measured["open_s"])
            every = ""
            if "all_rows_s" in measured and measured["all_rows"] != measured["rows"]:
                all_rows.append(measured["all_rows_s"])
                every = (f"; all {measured['all_rows']:,.0f} in the grid at "
                         f"{measured['all_rows_s'] * 1000:.0f} ms")  # fmt: skip
            opened = f"{measured['open_s'] * 1000:.0f} ms ({measured['rows']:,.0f} rows{every})"
            print(f"  run {run + 1}: {name:5} library opened and painted in {opened}")
            if "max_frame_ms" in measured:
                scroll = measured
    empty_s, full_s = statistics.median(opens["empty"]), statistics.median(opens["full"])
    print(f"open to first paint (median): empty {empty_s * 1000:.0f} ms, "
          f"{args.works:,} works {full_s * 1000:.0f} ms")  # fmt: skip
    if all_rows:
        print(f"every row of {args.works:,} works in the grid (median, from process start): "
              f"{statistics.median(all_rows) * 1000:.0f} ms")  # fmt: skip
    pairs = ", ".join(f"{f / e:.2f}" for e, f in zip(opens["empty"], opens["full"], strict=True))
    print(f"per-run ratios (full ÷ empty of the same run): {pairs}")
    print(f"studio_open_ratio: {full_s / empty_s:.2f} (goal ≤ 1.3)")
    if not scroll:
        print(
            "the scroll did not finish before the measuring process's 60 s safety limit "
            "(a very busy machine?): no scroll or memory figures from this run"
        )
        return 1
    print(
        f"scroll: {scroll['scroll_px']:,.0f} px in {scroll['scroll_s']:.1f} s, "
        f"p99 frame {scroll['p99_frame_ms']:.1f} ms, frames over 50 ms: "
        f"{scroll['long_frames']:.0f}, longest garbage collection {scroll['max_gc_ms']:.0f} ms"
    )
    print(f"studio_scroll_max_frame_ms: {scroll['max_frame_ms']:.1f} (goal ≤ 50)")
    print(f"studio_peak_memory_mb: {scroll['peak_rss_mb']:.0f} (goal < 400)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
