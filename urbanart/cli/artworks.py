"""`urbanart artworks`: list, show, edit and remove artworks."""

from __future__ import annotations

import click

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, curator_errors, fields, print_json, stderr, table
from urbanart.library import catalog
from urbanart.library.records import ArtworkRecord


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
    records = catalog.list_artworks(state.library(), filters)
    if as_json:
        print_json([r.to_json() for r in records])
        return
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


@artworks.command()
@click.argument("artwork")
@JSON
@pass_state
@curator_errors
def show(state: CliState, artwork: str, as_json: bool) -> None:
    """Show one artwork (by id or title)."""
    _show(catalog.get_artwork(state.library(), artwork), as_json)


@artworks.command()
@click.argument("artwork")
@click.option("--title", help="New title.")
@click.option("--artist", help="Credit the work to this artist (created if new).")
@click.option("--year", help="Year made, such as 2024 (empty to clear).")
@click.option("--description", help="What the work is about, shown on its public page.")
@click.option("--alt-text", "alt_text", help="What the image shows, for people who cannot see it.")
@click.option("--tags", help="Comma-separated; replaces the work's tags.")
@click.option("--license", "license_", help="SPDX id such as CC-BY-4.0, or 'all rights reserved'.")
@click.option("--ai", "ai_involvement", help="IPTC digital source type.")
@click.option("--status", help="submitted, approved, rejected or archived.")
@JSON
@pass_state
@curator_errors
def edit(
    state: CliState, /, artwork: str, license_: str | None, as_json: bool, **changes: str | None
) -> None:
    """Change an artwork's details."""
    record = catalog.edit_artwork(state.library(), artwork, license=license_, **changes)
    _show(record, as_json)


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


def _show(record: ArtworkRecord, as_json: bool) -> None:
    if as_json:
        print_json(record.to_json())
        return
    data = record.to_json()
    asset = data.pop("asset")
    data["tags"] = ", ".join(record.tags)
    data["media"] = (
        f"{asset['format']} {asset['width']}×{asset['height']}, {asset['frame_count']} frame(s), "
        f"{asset['byte_size']:,} bytes, sha256 {asset['sha256'][:16]}…"
    )
    fields(data.items())
