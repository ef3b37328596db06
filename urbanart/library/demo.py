"""The demo collection: 25 works by 8 fictional collectives, shipped with the app.

The files (drawn by scripts/make_demo_collection.py) are imported through the real import path
with their metadata sheet, exactly as a curator's files would be; so is the generative piece
"Night Currents" (urbanart.library.demo_piece), packaged on the way.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from urbanart.library.catalog import edit_artist
from urbanart.library.demo_piece import demo_piece_item, still_path
from urbanart.library.import_sources import read_sheet, scan
from urbanart.library.importer import ImportResult, ImportRun, import_items
from urbanart.library.library import Library
from urbanart.library.undo import unrecorded

DEMO_WORKS = 25


def demo_folder() -> Path:
    return Path(str(resources.files("urbanart.library") / "demo_collection"))


@unrecorded()  # an import, not a curation edit: no undo steps
def load_demo(
    library: Library,
    on_result: Callable[[int, int, ImportResult], None] | None = None,
    run: ImportRun | None = None,
) -> list[ImportResult]:
    """Fill a library with the demo collection; running it again finds only duplicates."""
    folder = demo_folder()
    run = run or ImportRun()
    run.sheet = read_sheet(folder / "metadata.csv")
    if on_result is not None:
        run.on_result = on_result
    items = [item for item in scan([folder]) if item.skipped is None]  # not its two sheets
    if run.fallback is None:  # the piece's still, shipped: no browser needed for the demo
        run.fallback = still_path()
    with tempfile.TemporaryDirectory(prefix="urbanart-demo-") as workdir:
        items.append(demo_piece_item(Path(workdir)))
        results = import_items(library, items, run)
    with (folder / "artists.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            edit_artist(library, row["name"], bio=row["bio"], location=row["location"])
    return results
