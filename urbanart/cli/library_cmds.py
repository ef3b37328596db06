"""Library-level commands: init, demo, import and settings."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import (
    JSON,
    curator_errors,
    fields,
    print_json,
    print_json_line,
    stderr,
    table,
)
from urbanart.curation.demo import load_demo_curation
from urbanart.library import catalog
from urbanart.library.demo import load_demo
from urbanart.library.import_sources import ImportItem, read_sheet, scan
from urbanart.library.importer import ImportResult, ImportRun, Status, import_items
from urbanart.library.settings import LibrarySettings, load_settings, update_settings
from urbanart.live.demo import load_demo_live

#: Runs with fewer files than this finish before a progress bar would help.
PROGRESS_THRESHOLD = 5


@click.command()
@pass_state
@curator_errors
def init(state: CliState) -> None:
    """Create the library (its catalogue and media store) if it does not exist yet.

    The catalogue is library.sqlite3 in the library folder, or the PostgreSQL database that
    URBANART_DATABASE_URL names (README: On PostgreSQL).
    """
    library = state.library()
    stderr.print(f"Library ready at [bold]{library.home}[/]")


def _progress(
    total: int, quiet: bool
) -> tuple[Progress | None, Callable[[int, int, ImportResult], None] | None]:
    if quiet or total < PROGRESS_THRESHOLD:
        return None, None
    progress = Progress(
        TextColumn("Importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
    )
    task = progress.add_task("import", total=total)

    def advance(done: int, _total: int, _result: ImportResult) -> None:
        progress.update(task, completed=done)

    return progress, advance


def _report(results: list[ImportResult], as_json: bool) -> None:
    if as_json:
        for result in results:
            print_json_line(result.to_json())
        return
    table(
        None,
        ("file", "status", "artwork", "title", "artist", "reason"),
        (
            (Path(r.file).name, r.status.value, r.artwork_id, r.title, r.artist, r.reason)
            for r in results
        ),
    )
    counts = {status: sum(r.status is status for r in results) for status in Status}
    stderr.print(
        f"{counts[Status.IMPORTED]} imported, {counts[Status.DUPLICATE]} duplicate, "
        f"{counts[Status.REJECTED]} rejected"
    )


def _run_import(
    state: CliState, items: list[ImportItem], run: ImportRun, as_json: bool
) -> list[ImportResult]:
    library = state.library()
    progress, advance = _progress(len(items), quiet=False)
    run.on_result = advance
    run.cancel = threading.Event()
    try:
        if progress is not None:
            with progress:
                return import_items(library, items, run)
        return import_items(library, items, run)
    except KeyboardInterrupt:
        run.cancel.set()
        stderr.print("Import cancelled; files already imported stay in the library.")
        raise SystemExit(130) from None


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--artist", help="Credit every file to this artist (beats folder names).")
@click.option(
    "--metadata",
    type=click.Path(exists=True, dir_okay=False),
    help="CSV sheet with a file column and any of: artist, title, year, description, "
    "alt_text, license, ai_involvement, tags, status; and per language title@ja, "
    "description@ja, alt_text@ja, bio@ja (the artist's bio).",
)
@click.option(
    "--workers", type=click.IntRange(1, 32), help="Worker processes (default: one per core)."
)
@click.option(
    "--fallback",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The still a generative work (.zip with index.html) shows where it cannot run "
    "(default: captured in headless Chromium when installed, else a title card).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON record per file on stdout.")
@pass_state
@curator_errors
def import_command(
    state: CliState,
    paths: tuple[str, ...],
    artist: str | None,
    metadata: str | None,
    workers: int | None,
    fallback: Path | None,
    as_json: bool,
) -> None:
    """Import image files, videos, HTML5 packages (.zip) and folders (a folder of sub-folders:
    one artist per sub-folder).

    Exit status: 0 when every file was imported or was a duplicate, 1 when any was rejected,
    2 for usage errors (including a bad metadata sheet, which stops the import before any file).
    """
    sheet = read_sheet(metadata) if metadata else None
    items = scan(paths, artist=artist)
    if sheet is not None:
        for missing in sheet.unmatched(items):
            stderr.print(f"note: {sheet.source.name} lists {missing}, which is not among the files")
    library = state.library()
    limits = load_settings(library).import_limits()
    results = _run_import(
        state,
        items,
        ImportRun(limits=limits, sheet=sheet, workers=workers, fallback=fallback),
        as_json,
    )
    _report(results, as_json)
    if any(r.status is Status.REJECTED for r in results):
        raise SystemExit(1)


@click.command()
@click.option("--if-empty", is_flag=True, help="Do nothing when the library holds artworks.")
@click.option("--json", "as_json", is_flag=True, help="One JSON record per file on stdout.")
@pass_state
@curator_errors
def demo(state: CliState, if_empty: bool, as_json: bool) -> None:
    """Fill the library with the demo: 25 works by 8 fictional collectives, and screens,
    groups, playlists and schedules to go with them (only on a library without any)."""
    library = state.library()
    if if_empty and catalog.count_artworks(library):
        stderr.print(f"The library at {library.home} has artworks already; no demo added.")
        return
    progress, advance = _progress(24, quiet=False)
    assert progress is not None
    with progress:
        results = load_demo(library, on_result=advance)
    _report(results, as_json)
    if any(r.status is Status.REJECTED for r in results):
        raise SystemExit(1)
    live = load_demo_live(library)  # "City Collage Machine", fed by the bundled generator
    stderr.print(load_demo_curation(library, live_artworks=[live]).message)


@click.command()
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="NAME=VALUE",
    help="Change a setting, e.g. --set public_base_url=https://art.example.org; repeat for more.",
)
@JSON
@pass_state
@curator_errors
def settings(state: CliState, assignments: tuple[str, ...], as_json: bool) -> None:
    """Show or change library settings: the public address (public_base_url), import limits,
    rendition background, look-ahead, media grace and how long heartbeats and plays are kept (in
    days). Sizes are in bytes and pixels.
    """
    library = state.library()
    if assignments:
        changes = {}
        for assignment in assignments:
            name, sep, value = assignment.partition("=")
            if not sep:
                raise click.UsageError(f"--set {assignment!r}: write it as NAME=VALUE")
            changes[name.strip()] = value.strip()
        current: LibrarySettings = update_settings(library, **changes)
    else:
        current = load_settings(library)
    if as_json:
        print_json(current.__dict__)
    else:
        fields(current.__dict__.items())
