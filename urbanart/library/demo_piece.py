"""The demo's generative work: "Night Currents", an HTML5 canvas piece written for the demo.

Its source is the folder demo_generative/night-currents (plain HTML, CSS and JavaScript, no
libraries, no network; it reads its seed, width and height from its URL). It is packaged here,
when the demo is loaded, into a .zip made byte for byte the same every time (stored entries,
fixed dates and modes, sorted names), so its SHA-256 is stable and the demo playlists can name
it like every other demo work. Its still fallback is shipped beside it (captured once in
Chromium), so loading the demo never needs a browser.
"""

from __future__ import annotations

import zipfile
from importlib import resources
from pathlib import Path

from urbanart.library.import_sources import ImportItem
from urbanart.library.vocabulary import ReviewStatus

ARTIST = "Signal Bloom Unit"
TITLE = "Night Currents"
METADATA = {
    "title": TITLE,
    "year": 2026,
    "description": (
        "Night Currents is a generative piece: light trails drift through a city's night air "
        "along a flow field, never the same on two screens or in two slots."
    ),
    "alt_text": "Thin coloured light trails curling across a dark screen like wind made visible.",
    "license": "CC-BY-4.0",
    "ai_involvement": "algorithmicMedia",
    "tags": ["demo", "generative", "landscape"],
    "status": ReviewStatus.APPROVED,
}
#: A fixed moment for every entry, so the package's bytes never depend on when it was made.
_EPOCH = (2026, 1, 1, 0, 0, 0)


def piece_folder() -> Path:
    return Path(str(resources.files("urbanart.library") / "demo_generative" / "night-currents"))


def still_path() -> Path:
    return Path(str(resources.files("urbanart.library") / "demo_generative" / "night-currents.jpg"))


def package_folder(folder: Path, target: Path) -> Path:
    """Zip a folder into target, deterministically: the same files give the same bytes."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=_EPOCH)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return target


def demo_piece_item(workdir: Path) -> ImportItem:
    """The piece, packaged into workdir, as an import item with its metadata."""
    package = package_folder(piece_folder(), workdir / f"{TITLE}.zip")
    return ImportItem(path=package, artist_hint=ARTIST, metadata=dict(METADATA))
