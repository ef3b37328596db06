"""A small real library for delivery tests: imported images, approved works, playlists, screens,
a group and schedules, all made through the library and curation services."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import LibraryTemplates, fill_from_template
from urbanart.curation import playlists, schedules, screens
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, import_items
from urbanart.library.library import Library

REPO = Path(__file__).resolve().parents[2]


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python that imports this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


PYTHON = sys.executable


def write_png(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (320, 200)) -> Path:
    image = Image.new("RGB", size, colour)
    image.putpixel((0, 0), (colour[0] ^ 1, 7, 9))  # no two test works share bytes
    image.save(path)
    return path


def write_gif(path: Path) -> Path:
    frames = [Image.new("RGB", (200, 120), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0)
    return path


@dataclass
class World:
    """Ids of what build_world made, by a readable name."""

    library: Library
    works: dict[str, int]
    playlists: dict[str, int]
    screens: dict[str, int]


def build_world(library: Library, folder: Path, *, push_url: str | None = None) -> World:
    folder.mkdir(parents=True, exist_ok=True)
    sources = {
        "Red Harbour": write_png(folder / "red.png", (200, 30, 30)),
        "Green Arcade": write_png(folder / "green.png", (30, 200, 30), (200, 320)),
        "Blue Hour": write_png(folder / "blue.png", (30, 30, 200)),
        "Signal": write_gif(folder / "signal.gif"),
        "Late Draft": write_png(folder / "draft.png", (90, 90, 90)),
    }
    items = [ImportItem(path, "Tidewater Machines") for path in sources.values()]
    results = import_items(library, items, ImportRun(workers=1))
    works = {}
    for title, result in zip(sources, results, strict=True):
        assert result.artwork_id is not None, result.reason
        works[title] = result.artwork_id
        catalog.edit_artwork(library, result.artwork_id, title=title, year=2025)
    for title in ("Red Harbour", "Green Arcade", "Blue Hour", "Signal"):
        catalog.edit_artwork(library, works[title], status="approved", license="CC-BY-4.0")
    morning = playlists.create_playlist(library, "Morning")
    playlists.add_items(library, morning.id, [works["Red Harbour"], works["Signal"]])
    evening = playlists.create_playlist(library, "Evening")
    playlists.add_items(
        library, evening.id, [works["Blue Hour"], works["Green Arcade"]], duration=15
    )
    berlin = screens.add_screen(
        library, "Berlin Kiosk", tz="Europe/Berlin", size="640x360", default_playlist=morning.id
    )
    tokyo = screens.add_screen(library, "Tokyo Tower", tz="Asia/Tokyo", size="360x640")
    quito = screens.add_screen(
        library,
        "Quito Wall",
        tz="America/Guayaquil",
        size="320x240",
        default_playlist=morning.id,
        push_url=push_url,
    )
    screens.create_group(library, "Evening screens", [tokyo.id, quito.id])
    schedules.add_schedule(library, evening.id, groups=["Evening screens"], window="18:00-23:00")
    schedules.add_schedule(library, morning.id, screens=[tokyo.id], window="07:00-10:00")
    return World(
        library,
        works,
        {"Morning": morning.id, "Evening": evening.id},
        {"Berlin": berlin.id, "Tokyo": tokyo.id, "Quito": quito.id},
    )


@pytest.fixture
def world(library: Library, library_templates: LibraryTemplates) -> World:
    """build_world's library, copied from one built once per session and database kind (an
    import per test cost ~1 s of CPU, on both databases)."""
    return copy_world(library)


def copy_world(library: Library) -> World:
    """build_world's library in the open, still empty `library`: a copy of the one built once
    per session and database kind (for helpers handed a library, as the `world` fixture)."""
    made = fill_from_template("delivery-world", _build_template_world, library)
    assert isinstance(made, World)
    return World(library, made.works, made.playlists, made.screens)


def _build_template_world(library: Library) -> World:
    return build_world(library, library.home.parent / "sources")
