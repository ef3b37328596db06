"""Public links and QR codes for one artwork or playlist, for curators' posters and posts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from urbanart.curation.playlists import get_playlist
from urbanart.durable import atomic_write
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


def public_link(library: Library, ref: str | int, *, playlist: bool = False) -> PublicLink:
    """The page URL of an artwork (by id or title) or, with playlist=True, a playlist."""
    base = load_settings(library).public_base_url.rstrip("/")
    if playlist:
        record = get_playlist(library, ref)
        return PublicLink(
            "playlist",
            record.id,
            record.name,
            f"{base}/{tree_url('p', record.id)}/",
            page_published(library, "p", record.id),
        )
    work = get_artwork(library, ref)
    return PublicLink(
        "artwork",
        work.id,
        work.title,
        f"{base}/{tree_url('a', work.id)}/",
        page_published(library, "a", work.id),
    )


def write_qr_codes(link: PublicLink, folder: Path) -> tuple[Path, Path]:
    """Write <stem>.svg and <stem>.png into folder (made if missing); returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    svg, png = folder / f"{link.stem}.svg", folder / f"{link.stem}.png"
    atomic_write(svg, qr.svg_bytes(link.url), mode=QR_FILE_MODE)
    atomic_write(png, qr.png_bytes(link.url), mode=QR_FILE_MODE)
    return svg, png
