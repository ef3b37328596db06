"""`urbanart artworks`: list, show, edit and remove artworks; make a video's screen rendition."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, curator_errors, fail, fields, print_json, stderr, table
from urbanart.imaging.video.profile import MB, VideoProfile
from urbanart.imaging.video.transcode import TranscodeCancelled
from urbanart.library import catalog, translations
from urbanart.library.library import Library
from urbanart.library.records import ArtworkRecord
from urbanart.library.sheet_export import write_sheet
from urbanart.library.texts import BASE_LANGUAGE, WORK_FIELDS, texts_for
from urbanart.library.video_poster import set_poster
from urbanart.library.video_renditions import ensure_video_rendition


@click.group()
def artworks() -> None:
    """The artworks in the library."""


@artworks.command("list")
@click.option("--artist", help="Only this artist's works (id or name).")
@click.option("--tag", help="Only works with this tag.")
@click.option("--status", help="submitted, approved, rejected or archived.")
@click.option(
    "--ai", "ai_involvement", help="An IPTC digital source type, e.g. trainedAlgorithmicMedia."
)
@click.option("--search", help="Text in the title, artist or description.")
@JSON
@pass_state
@curator_errors
def list_(
    state: CliState,
    artist: str | None,
    tag: str | None,
    status: str | None,
    ai_involvement: str | None,
    search: str | None,
    as_json: bool,
) -> None:
    """List artworks, optionally filtered."""
    filters = catalog.ArtworkFilter(artist, tag, status, ai_involvement, search)
    library = state.library()
    records = catalog.list_artworks(library, filters)
    if as_json:
        print_json([r.to_json() for r in records])
        return
    if not records:
        stderr.print(_nothing_matched(library, filters), highlight=False)
        return
    _table(records)


@artworks.command()
@click.argument("artwork")
@JSON
@pass_state
@curator_errors
def show(state: CliState, artwork: str, as_json: bool) -> None:
    """Show one artwork (by id or title)."""
    library = state.library()
    _show(catalog.get_artwork(library, artwork), as_json, library)


@artworks.command()
@click.argument("refs", metavar="[ARTWORK]...", nargs=-1)
@click.option("--title", help="New title.")
@click.option("--artist", help="Credit the work to this artist (created if new).")
@click.option("--year", help="Year made, such as 2024 (empty to clear).")
@click.option("--description", help="What the work is about, shown on its public page.")
@click.option("--alt-text", "alt_text", help="What the image shows, for people who cannot see it.")
@click.option("--tags", help="Comma-separated; replaces the work's tags.")
@click.option("--license", "license_", help="SPDX id such as CC-BY-4.0, or 'all rights reserved'.")
@click.option("--ai", "ai_involvement", help="IPTC digital source type.")
@click.option("--status", help="submitted, approved, rejected or archived.")
@click.option(
    "--poster-at",
    "poster_at",
    help="Video works: seconds into the video of the poster frame (thumbnail and still).",
)
@click.option(
    "--lang",
    "lang",
    help="Give --title, --description and --alt-text in this language (such as ja) "
    "instead of the base one; one work at a time.",
)
@click.option(
    "--clear-lang", is_flag=True, help="With --lang: remove the work's texts in that language."
)
@click.option("--where-artist", help="Edit the works of this artist (id or name).")
@click.option("--where-tag", help="Edit the works with this tag.")
@click.option("--where-status", help="Edit the works with this review status.")
@click.option("--where-ai", help="Edit the works with this IPTC digital source type.")
@click.option(
    "--where-search",
    help="Edit the works with this text in the title, artist or description.",
)
@JSON
@pass_state
@curator_errors
def edit(
    state: CliState,
    /,
    refs: tuple[str, ...],
    license_: str | None,
    as_json: bool,
    where_artist: str | None,
    where_tag: str | None,
    where_status: str | None,
    where_ai: str | None,
    where_search: str | None,
    poster_at: str | None,
    lang: str | None,
    clear_lang: bool,
    **changes: str | None,
) -> None:
    """Change the details of one artwork, or of many at once.

    Name works by id or title, select them with --where-* filters, or both (then only the
    named works that match). All the works change or none, as one undo step:

        urbanart artworks edit --where-status submitted --where-artist "Nova" --status approved

    Exit status 1 when the filters match no work. With --lang, the texts are that language's
    (urbanart artworks edit 12 --lang ja --title 川); --clear-lang removes them.
    """
    library = state.library()
    if lang is not None or clear_lang:
        _edit_language(library, refs, lang, clear_lang, as_json, license_, poster_at, changes)
        return
    filters = catalog.ArtworkFilter(where_artist, where_tag, where_status, where_ai, where_search)
    filtered = any((where_artist, where_tag, where_status, where_ai, where_search))
    if not refs and not filtered:
        raise click.UsageError("Name an artwork (id or title) or select works with --where-*.")
    if len(refs) == 1 and not filtered:
        if poster_at is not None and not any(v is not None for v in (license_, *changes.values())):
            _show(set_poster(library, refs[0], poster_at), as_json, library)
            return
        record = catalog.edit_artwork(library, refs[0], license=license_, **changes)
        if poster_at is not None:
            record = set_poster(library, record.id, poster_at)
        _show(record, as_json, library)
        return
    if poster_at is not None:
        raise click.UsageError("--poster-at applies to one video work: name just that one.")
    targets: list[str | int] = list(refs)
    if filtered:
        matched = [r.id for r in catalog.list_artworks(library, filters)]
        if refs:
            named = {r.id for r in (catalog.get_artwork(library, ref) for ref in refs)}
            matched = [i for i in matched if i in named]
        if not matched:
            stderr.print(_nothing_matched(library, filters, named=bool(refs)), highlight=False)
            click.get_current_context().exit(1)
        targets = list(matched)
    records = catalog.edit_artworks(library, targets, license=license_, **changes)
    if as_json:
        print_json([r.to_json() for r in records])
        return
    _table(records)
    stderr.print(f"Changed {len(records):,} artwork{'s' if len(records) != 1 else ''}.")


@artworks.command()
@click.argument("artwork")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@JSON
@pass_state
@curator_errors
def remove(state: CliState, artwork: str, yes: bool, as_json: bool) -> None:
    """Remove an artwork and its media from the library."""
    library = state.library()
    record = catalog.get_artwork(library, artwork)
    if not yes:
        click.confirm(f"Remove {record.title!r} by {record.artist_name} and its media?", abort=True)
    removed = catalog.remove_artwork(library, record.id)
    if as_json:
        print_json(removed.to_json())
    else:
        stderr.print(f"Removed artwork {removed.id} ({removed.title}).")


@artworks.command("export-sheet")
@click.argument("output", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--artist", help="Only this artist's works (id or name).")
@click.option("--tag", help="Only works with this tag.")
@click.option("--status", help="submitted, approved, rejected or archived.")
@pass_state
@curator_errors
def export_sheet(
    state: CliState, output: str, artist: str | None, tag: str | None, status: str | None
) -> None:
    """Write the works' metadata as a CSV sheet (- for standard output), texts per language
    included (title@ja, description@ja, alt_text@ja, bio@ja): what import --metadata reads."""
    filters = catalog.ArtworkFilter(artist, tag, status)
    library = state.library()
    if output == "-":
        count = write_sheet(library, sys.stdout, filters)
    else:
        with open(output, "w", encoding="utf-8", newline="") as out:
            count = write_sheet(library, out, filters)
    stderr.print(f"Wrote {count:,} artwork{'s' if count != 1 else ''}.")


def _parse_size(raw: str) -> tuple[int, int]:
    width, sep, height = raw.lower().partition("x")
    if not sep or not width.strip().isdigit() or not height.strip().isdigit():
        raise click.BadParameter(
            f"{raw!r}: give WIDTHxHEIGHT, such as 1080x1920", param_hint="--size"
        )
    return int(width), int(height)


@artworks.command()
@click.argument("artwork")
@click.option("--size", required=True, help="The screen's size in pixels, such as 1080x1920.")
@click.option(
    "--fit",
    type=click.Choice(["contain", "cover"]),
    default="contain",
    show_default=True,
    help="contain: the whole picture, with bars; cover: fill the screen, cropping the edges.",
)
@click.option(
    "--max-mb", type=float, default=25.0, show_default=True, help="Byte budget, in MB (10⁶ bytes)."
)
@click.option("--fps", "max_fps", type=int, default=30, show_default=True, help="Frame-rate cap.")
@click.option("--sound", is_flag=True, help="Keep the sound (screens are silent by default).")
@JSON
@pass_state
@curator_errors
def render(
    state: CliState,
    artwork: str,
    size: str,
    fit: str,
    max_mb: float,
    max_fps: int,
    sound: bool,
    as_json: bool,
) -> None:
    """Make (or find cached) a video work's H.264 rendition and still fallback for a screen size.

    Shows a progress bar; Ctrl-C stops the transcode and stores nothing.
    """
    width, height = _parse_size(size)
    profile = VideoProfile(
        width,
        height,
        "cover" if fit == "cover" else "contain",
        max_fps=max_fps,
        max_bytes=round(max_mb * MB),
        keep_sound=sound,
    )
    library = state.library()
    record = catalog.get_artwork(library, artwork)
    if record.kind != "video":
        fail(f"artwork {record.id} ({record.title}) is not a video; stills need no transcode")
    show_progress = not as_json and sys.stderr.isatty()
    try:
        if show_progress:
            with Progress(
                TextColumn("Transcoding"),
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                console=stderr,
                transient=True,
            ) as bar:
                task = bar.add_task("transcode", total=1.0)
                made = ensure_video_rendition(
                    library,
                    record.asset.sha256,
                    profile,
                    progress=lambda done: bar.update(task, completed=done),
                )
        else:
            made = ensure_video_rendition(library, record.asset.sha256, profile)
    except (KeyboardInterrupt, TranscodeCancelled):
        fail("Cancelled; no rendition was stored.", 130)
        return
    if as_json:
        print_json(
            {
                "artwork_id": record.id,
                "profile": profile.key(),
                "duration_s": made.duration_s,
                "video": asdict(made.video),
                "still": asdict(made.still),
            }
        )
        return
    fields(
        [
            ("video", f"{made.video.width}×{made.video.height} H.264, "
                      f"{made.video.byte_size:,} bytes ({made.video.store_key})"),
            ("still", f"{made.still.width}×{made.still.height} {made.still.format}, "
                      f"{made.still.byte_size:,} bytes ({made.still.store_key})"),
        ]
    )  # fmt: skip


def _edit_language(
    library: Library,
    refs: tuple[str, ...],
    lang: str | None,
    clear: bool,
    as_json: bool,
    license_: str | None,
    poster_at: str | None,
    changes: dict[str, str | None],
) -> None:
    """`artworks edit ID --lang ja --title …` (or --clear-lang): one work's texts in a language."""
    if lang is None:
        raise click.UsageError("--clear-lang needs --lang: the language whose texts to remove.")
    if len(refs) != 1:
        raise click.UsageError("--lang edits one work at a time: name just that one.")
    texts = {k: v for k, v in changes.items() if k in WORK_FIELDS}
    other = [k for k, v in changes.items() if v is not None and k not in WORK_FIELDS]
    if license_ is not None:
        other.append("license")
    if poster_at is not None:
        other.append("poster_at")
    if other:
        names = ", ".join("--" + k.replace("_", "-") for k in other)
        raise click.UsageError(
            f"--lang takes only --title, --description and --alt-text, not {names}."
        )
    if clear:
        if any(v is not None for v in texts.values()):
            raise click.UsageError("--clear-lang removes a language's texts; give no new ones.")
        record = translations.clear_artwork_texts(library, refs[0], lang)
    else:
        if all(v is None for v in texts.values()):
            raise click.UsageError("Give --title, --description or --alt-text for --lang.")
        record = translations.set_artwork_texts(
            library,
            refs[0],
            lang,
            title=texts.get("title"),
            description=texts.get("description"),
            alt_text=texts.get("alt_text"),
        )
    _show(record, as_json, library)


def _show(record: ArtworkRecord, as_json: bool, library: Library) -> None:
    by_language = texts_for(library, [record.id]).get(record.id, {})
    texts = {lang: asdict(t) for lang, t in by_language.items()}
    if as_json:
        print_json({**record.to_json(), "texts": texts})
        return
    data = record.to_json()
    asset = data.pop("asset")
    data["tags"] = ", ".join(record.tags)
    for name in ("width", "height", "duration_s", "fps", "has_audio", "poster_s"):
        data.pop(name, None)
    data["media"] = (
        f"{asset['format']} {asset['width']}×{asset['height']}, {asset['frame_count']} frame(s), "
        f"{asset['byte_size']:,} bytes, sha256 {asset['sha256'][:16]}…"
    )
    if record.kind == "video":
        sound = "with sound" if asset["has_audio"] else "no sound"
        data["video"] = (
            f"{asset['duration_s']:g} s at {asset['fps']:g} fps, {sound}, "
            f"poster frame at {asset['poster_s']:g} s"
        )
    for lang, values in texts.items():
        if lang != BASE_LANGUAGE:
            shown = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in values.items() if v)
            data[f"texts@{lang}"] = shown
    fields(data.items())


def _table(records: list[ArtworkRecord]) -> None:
    table(
        None,
        ("id", "title", "artist", "year", "status", "AI involvement", "size"),
        (
            (
                r.id,
                r.title,
                r.artist_name,
                r.year,
                r.status,
                r.ai_involvement,
                f"{r.asset.width}×{r.asset.height}",
            )
            for r in records
        ),
    )


def _nothing_matched(
    library: Library, filters: catalog.ArtworkFilter, *, named: bool = False
) -> str:
    """Says that nothing matched and which filters were asked, so an empty table is no puzzle."""
    if not catalog.count_artworks(library):
        return "The library has no artworks yet; nothing matched."
    asked = [
        f"{label} {value!r}"
        for label, value in (
            ("artist", filters.artist),
            ("tag", filters.tag),
            ("status", filters.status),
            ("AI involvement", filters.ai_involvement),
            ("text", filters.text),
        )
        if value
    ]
    which = f" with {', '.join(asked)}" if asked else ""
    among = " among the named works" if named else ""
    return f"No artworks match{which}{among}."
