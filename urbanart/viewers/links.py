"""Public links and QR codes for one artwork or playlist, for curators' posters and posts."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from urbanart.curation.playlists import get_playlist
from urbanart.durable import atomic_write
from urbanart.errors import Ambiguous, InvalidValue, NotFound, UrbanArtError
from urbanart.library.catalog import get_artwork
from urbanart.library.library import Library, current_tree
from urbanart.library.settings import load_settings
from urbanart.viewers import qr
from urbanart.viewers.pages import tree_url

#: QR files are handed on (posters, posts), so they are readable by others like any document.
QR_FILE_MODE = 0o644


@dataclass(frozen=True)
class PublicLink:
    """Where a phone finds a work or playlist, and whether the served tree has that page yet."""

    kind: str  # "artwork" | "playlist"
    id: int
    name: str
    url: str
    published: bool

    @property
    def stem(self) -> str:
        """File name stem of its QR codes: artwork-7, playlist-2."""
        return f"{self.kind}-{self.id}"


def page_published(library: Library, folder: str, ident: int) -> bool:
    return (current_tree(library) / folder / str(ident) / "index.html").is_file()


class BothMatch(Ambiguous):
    """A name that is both an artwork's title and a playlist's name: the curator picks one."""

    def __init__(self, ref: str, links: Sequence[PublicLink]) -> None:
        self.links = tuple(links)
        described = " and ".join(f"the {link.kind} {link.name!r} (id {link.id})" for link in links)
        UrbanArtError.__init__(
            self,
            f"{ref!r} names both {described}; say which with --artwork or --playlist "
            "(or give the id).",
        )
        self.kind, self.ref, self.ids = "artwork or playlist", ref, [link.id for link in links]


def _artwork_link(library: Library, base: str, ref: str | int) -> PublicLink:
    work = get_artwork(library, ref)
    url = f"{base}/{tree_url('a', work.id)}/"
    return PublicLink("artwork", work.id, work.title, url, page_published(library, "a", work.id))


def _playlist_link(library: Library, base: str, ref: str | int) -> PublicLink:
    record = get_playlist(library, ref)
    url = f"{base}/{tree_url('p', record.id)}/"
    return PublicLink(
        "playlist", record.id, record.name, url, page_published(library, "p", record.id)
    )


def matching_links(library: Library, ref: str | int, kind: str | None = None) -> list[PublicLink]:
    """The public pages ref can mean: one, or an artwork and a playlist when both have that name.

    kind ("artwork" or "playlist") looks for that kind only. Without it, a bare number is an
    artwork id (ids are per kind, so every number would name both otherwise) and a name is
    looked up among artworks and playlists alike. Raises NotFound when nothing matches, and
    Ambiguous when a name is shared within one kind.
    """
    base = load_settings(library).public_base_url.rstrip("/")
    if kind == "playlist":
        return [_playlist_link(library, base, ref)]
    if kind == "artwork" or str(ref).strip().isdigit():
        return [_artwork_link(library, base, ref)]
    if kind is not None:
        raise InvalidValue("kind", kind, "must be 'artwork' or 'playlist'", key="kind")
    found: list[PublicLink] = []
    for lookup in (_artwork_link, _playlist_link):
        with contextlib.suppress(NotFound):
            found.append(lookup(library, base, ref))
    if not found:
        raise NotFound("artwork or playlist", str(ref).strip())
    return found


def public_link(library: Library, ref: str | int, kind: str | None = None) -> PublicLink:
    """The page URL of the artwork or playlist ref names (see matching_links); a name that is
    both raises BothMatch, which lists both so the curator can choose."""
    links = matching_links(library, ref, kind)
    if len(links) > 1:
        raise BothMatch(str(ref).strip(), links)
    return links[0]


def write_qr_codes(link: PublicLink, folder: Path) -> tuple[Path, Path]:
    """Write <stem>.svg and <stem>.png into folder (made if missing); returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    svg, png = folder / f"{link.stem}.svg", folder / f"{link.stem}.png"
    atomic_write(svg, qr.svg_bytes(link.url), mode=QR_FILE_MODE)
    atomic_write(png, qr.png_bytes(link.url), mode=QR_FILE_MODE)
    return svg, png
