"""`urbanart artists`: list, add, show and edit the artists in the library."""

from __future__ import annotations

import click

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, F, curator_errors, fields, print_json, table
from urbanart.library import catalog, translations
from urbanart.library.library import Library
from urbanart.library.records import ArtistRecord
from urbanart.library.texts import BASE_LANGUAGE, bios_for


def _artist_options(func: F) -> F:
    for option in reversed(
        (
            click.option("--bio", help="A short biography shown on the public pages."),
            click.option("--website", help="http(s) URL shown on public pages."),
            click.option("--location", help="City or country."),
            click.option("--contact", help="How to reach the artist (never published)."),
        )
    ):
        func = option(func)
    return func


@click.group()
def artists() -> None:
    """The artists whose works are in the library."""


@artists.command("list")
@JSON
@pass_state
@curator_errors
def list_(state: CliState, as_json: bool) -> None:
    """List artists with their number of works."""
    records = catalog.list_artists(state.library())
    if as_json:
        print_json([r.to_json() for r in records])
        return
    table(
        None,
        ("id", "name", "location", "works"),
        ((r.id, r.name, r.location, r.artwork_count) for r in records),
    )


@artists.command()
@click.argument("name")
@_artist_options
@JSON
@pass_state
@curator_errors
def add(state: CliState, /, name: str, as_json: bool, **extra: str | None) -> None:
    """Add an artist."""
    record = catalog.add_artist(state.library(), name, **extra)
    _show(record, as_json)


@artists.command()
@click.argument("artist")
@JSON
@pass_state
@curator_errors
def show(state: CliState, artist: str, as_json: bool) -> None:
    """Show one artist (by id or name)."""
    library = state.library()
    _show(catalog.get_artist(library, artist), as_json, library)


@artists.command()
@click.argument("artist")
@click.option("--name", help="New name.")
@_artist_options
@click.option(
    "--lang",
    help="Give --bio in this language (such as ja) instead of the base one; an empty --bio "
    "removes that language's bio.",
)
@JSON
@pass_state
@curator_errors
def edit(
    state: CliState, /, artist: str, as_json: bool, lang: str | None, **changes: str | None
) -> None:
    """Change an artist's name, bio, website, location or contact."""
    library = state.library()
    if lang is None:
        _show(catalog.edit_artist(library, artist, **changes), as_json, library)
        return
    other = [k for k, v in changes.items() if v is not None and k != "bio"]
    if other or changes.get("bio") is None:
        raise click.UsageError("--lang takes --bio only (an empty --bio removes it).")
    record = translations.set_artist_bio(library, artist, lang, changes["bio"] or "")
    _show(record, as_json, library)


@artists.command()
@click.argument("name")
@JSON
@pass_state
@curator_errors
def forget(state: CliState, name: str, as_json: bool) -> None:
    """Remove an artist's personal data and open-call submissions on request; lists what went.

    Works already in the library stay, credited by name, without any contact.
    """
    from urbanart.intake.review import forget_artist

    gone = forget_artist(state.library(), name)
    if as_json:
        print_json(gone.to_json())
        return
    fields(
        (
            ("artist", gone.name),
            ("hand-ins removed", gone.submitters),
            ("submissions removed", "; ".join(gone.submissions) or "none"),
            ("files removed", gone.files),
            ("invites removed", gone.invites),
            ("library contact cleared", ", ".join(gone.library_contact_cleared) or "none"),
        )
    )


def _show(record: ArtistRecord, as_json: bool, library: Library | None = None) -> None:
    """The artist's fields; with a library, its bio per language too ("bios")."""
    data = record.to_json()
    if library is not None:
        data["bios"] = bios_for(library, [record.id]).get(record.id, {})
    if as_json:
        print_json(data)
    else:
        bios = data.pop("bios", {})
        fields([*data.items(), *((f"bio@{k}", v) for k, v in bios.items() if k != BASE_LANGUAGE)])
