"""`urbanart link` and `urbanart screens sign`: public links, QR codes and printed signs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
from rich.markup import escape

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import curator_errors, stderr
from urbanart.cli.public_address import warn_if_public_address_is_local
from urbanart.delivery.tree import atomic_write
from urbanart.viewers import links as lk
from urbanart.viewers import signs as sg


def _note(message: str) -> None:
    stderr.print(f"[yellow]note:[/] {message}", highlight=False, markup=True)


def _choose(ref: str, links: list[lk.PublicLink]) -> lk.PublicLink:
    """Both an artwork and a playlist have this name: ask at a terminal, else refuse (listing
    both), so a script never gets a link it did not mean."""
    if len(links) == 1:
        return links[0]
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise lk.BothMatch(ref, links)
    stderr.print(f"{escape(ref)!r} names both:", highlight=False)
    for link in links:
        stderr.print(f"  {link.kind}: {escape(link.name)} (id {link.id})", highlight=False)
    kinds = [link.kind for link in links]
    chosen = click.prompt("Which one", type=click.Choice(kinds), err=True)
    return links[kinds.index(chosen)]


@click.command("link")
@click.argument("ref", metavar="ARTWORK|PLAYLIST")
@click.option(
    "--artwork",
    "kind",
    flag_value="artwork",
    help="REF names an artwork (id or title), even if a playlist has that name too.",
)
@click.option(
    "--playlist",
    "kind",
    flag_value="playlist",
    help="REF names a playlist (id or name); needed for a playlist id.",
)
@click.option(
    "-o",
    "--output",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for the QR codes (<kind>-<id>.svg and .png).",
)
@pass_state
@curator_errors
def link(state: CliState, ref: str, kind: str | None, folder: Path) -> None:
    """Print the public page URL of an artwork or playlist (id or name), and write its QR code.

    A name is looked up among artworks and playlists; when both have it, you are asked which
    (or, in a script, told to add --artwork or --playlist). A number is an artwork id unless
    --playlist is given. The URL is built from the library setting public_base_url; the page
    exists once the work (or playlist) plays on a screen and the library has been published.
    """
    library = state.library()
    target = _choose(ref, lk.matching_links(library, ref, kind))
    svg, png = lk.write_qr_codes(target, folder)
    click.echo(target.url)
    warn_if_public_address_is_local(library)
    stderr.print(f"QR code: {svg} and {png}", highlight=False, markup=False)
    if not target.published:
        where = (
            "a screen's schedule or default"
            if target.kind == "playlist"
            else "a playlist that plays on a screen"
        )
        _note(
            f"the served tree has no page for this {target.kind} yet; put it on {where} and "
            "run `urbanart publish` before sharing the link."
        )


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "screen"


@click.command("sign")
@click.argument("screen", metavar="NAME")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: sign-<screen>.<format> in this folder).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sg.FORMATS),
    help="png or pdf (default: from the output file's extension, else png).",
)
@click.option(
    "--paper",
    type=click.Choice(tuple(sg.PAPERS)),
    default="a4",
    show_default=True,
    help="Paper size of the sign.",
)
@pass_state
@curator_errors
def sign(state: CliState, screen: str, output: Path | None, fmt: str | None, paper: str) -> None:
    """Make a print-ready sign (300 dpi) for beside a screen: its QR code to the "now playing"
    page, a call to action and the project's name."""
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        fmt = suffix if suffix in sg.FORMATS else "png"
    library = state.library()
    made = sg.screen_sign(library, screen, paper=paper, fmt=fmt)
    path = output if output is not None else Path(f"sign-{_slug(made.screen_name)}.{fmt}")
    atomic_write(path, made.data)
    click.echo(f"Wrote {path} ({paper.upper()}, {sg.DPI} dpi) for {made.url}")
    warn_if_public_address_is_local(library)
    if not lk.page_published(library, "s", made.screen_id):
        _note("this screen's page is not published yet; run `urbanart publish` before printing.")
