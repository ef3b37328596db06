"""Viewer tests, and the small real library they share (made through the library services)."""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from tests.conftest import copy_from_template, fill_from_template
from urbanart.curation import playlists, schedules, screens
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, import_items
from urbanart.library.library import Library

#: A title written to break out of HTML attributes, text and <script> elements.
XSS_TITLE = '</script><script>alert(1)</script><img src=x onerror=alert(1)> "Night" & Co'
#: The artist's private contact: must never appear in any published file.
CONTACT = "mara.private.contact@example.org"
BASE_URL = "https://art.example.org/city"
#: The Chromium the page tests drive (CI installs the Debian package).
CHROMIUM = Path(os.environ.get("URBANART_CHROMIUM", "/usr/bin/chromium"))


def painting(path: Path, size: tuple[int, int], colours: tuple[str, str], seed: int) -> Path:
    """A gradient with a few discs: enough structure for screenshots to look like art."""
    width, height = size
    top, bottom = Image.new("RGB", (1, 1), colours[0]), Image.new("RGB", (1, 1), colours[1])
    a, b = top.getpixel((0, 0)), bottom.getpixel((0, 0))
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        f = y / max(1, height - 1)
        draw.line(
            [(0, y), (width, y)], fill=tuple(round(a[i] + (b[i] - a[i]) * f) for i in range(3))
        )
    for n in range(5):
        r = (n + 2) * min(size) // 18
        cx = (seed * 97 + n * 211) % width
        cy = (seed * 53 + n * 157) % height
        shade = (255 - n * 30, 200 - n * 25 + seed % 40, 90 + n * 30)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=shade)
    image.save(path)
    return path


def animation(path: Path) -> Path:
    frames = [
        Image.new("RGB", (400, 240), c) for c in ((210, 60, 60), (60, 170, 90), (60, 90, 200))
    ]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=[300, 300, 300], loop=0)
    return path


@dataclass
class Gallery:
    """Ids of what build_gallery made, by readable names."""

    library: Library
    works: dict[str, int]
    playlists: dict[str, int]
    screens: dict[str, int]


def build_gallery(library: Library, folder: Path) -> Gallery:
    """Four works on two playlists played by two screens, plus works and a playlist that are
    not published (a submitted work, an approved work on no playlist, a playlist on no screen)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = {
        "Harbour Lights": painting(folder / "harbour.png", (1800, 1200), ("#0b2a4a", "#e07a2f"), 1),
        XSS_TITLE: painting(folder / "night.png", (900, 1350), ("#1d1030", "#7a2a6a"), 2),
        "Green Arcade": painting(folder / "arcade.png", (320, 200), ("#0f3d2a", "#9fd8a0"), 3),
        "Signal": animation(folder / "signal.gif"),
        "Unlisted": painting(folder / "unlisted.png", (300, 300), ("#222222", "#999999"), 4),
        "Late Draft": painting(folder / "draft.png", (300, 300), ("#444444", "#bbbbbb"), 5),
    }
    results = import_items(
        library, [ImportItem(p, "Mara Okafor") for p in sources.values()], ImportRun(workers=1)
    )
    works: dict[str, int] = {}
    for title, result in zip(sources, results, strict=True):
        assert result.artwork_id is not None, result.reason
        works[title] = result.artwork_id
        catalog.edit_artwork(library, result.artwork_id, title=title)
    catalog.edit_artist(
        library,
        "Mara Okafor",
        bio="Mara Okafor paints light as it falls on water and concrete.\n\nShe lives by the sea.",
        website="https://www.mara-okafor.example/works",
        location="Lagos",
        contact=CONTACT,
    )
    catalog.edit_artwork(
        library,
        works["Harbour Lights"],
        year=2024,
        license="CC-BY-4.0",
        ai_involvement="digitalCreation",
        alt_text="Bands of orange light over a dark blue harbour, with five glowing discs.",
        description="Painted over one winter of night walks.\n\nThe discs are harbour lamps.",
        status="approved",
    )
    catalog.edit_artwork(
        library,
        works[XSS_TITLE],
        year=2025,
        ai_involvement="trainedAlgorithmicMedia",
        alt_text="A purple night sky <b>with</b> pale discs.",
        description="A </script> tag & an <em>emphasis</em> that must stay text.",
        status="approved",
    )
    catalog.edit_artwork(
        library, works["Green Arcade"], license="CC0-1.0", alt_text="", status="approved"
    )
    catalog.edit_artwork(
        library, works["Signal"], license="CC-BY-NC-SA-4.0", alt_text="Red, green, blue."
    )
    catalog.edit_artwork(library, works["Signal"], status="approved")
    catalog.edit_artwork(library, works["Unlisted"], status="approved")
    morning = playlists.create_playlist(library, "Morning", "Works for early walkers.")
    playlists.add_items(
        library, morning.id, [works["Harbour Lights"], works[XSS_TITLE], works["Signal"]]
    )
    evening = playlists.create_playlist(library, "Evening")
    playlists.add_items(
        library, evening.id, [works["Green Arcade"], works["Harbour Lights"]], duration=15
    )
    unused = playlists.create_playlist(library, "Unused")
    playlists.add_items(library, unused.id, [works["Unlisted"]])
    berlin = screens.add_screen(
        library,
        "Berlin Kiosk",
        tz="Europe/Berlin",
        size="640x360",
        city="Berlin",
        default_playlist=morning.id,
    )
    tokyo = screens.add_screen(
        library, "Tokyo Tower", tz="Asia/Tokyo", size="360x640", default_playlist=morning.id
    )
    schedules.add_schedule(library, evening.id, screens=[tokyo.id], window="18:00-23:00")
    return Gallery(
        library,
        works,
        {"Morning": morning.id, "Evening": evening.id, "Unused": unused.id},
        {"Berlin": berlin.id, "Tokyo": tokyo.id},
    )


#: The template key (tests/conftest.py LibraryTemplates) of the library build_gallery makes.
GALLERY = "viewers-gallery"


def _gallery_template(library: Library) -> Gallery:
    return build_gallery(library, library.home.parent / "sources")


def open_gallery(home: Path) -> Gallery:
    """What build_gallery makes, at home and open (the caller closes gallery.library).

    Why a copy: migrating a new library, painting and importing six works costs over a second
    of CPU per module; a copy of the gallery built once per session costs a tenth of that."""
    made = copy_from_template(GALLERY, _gallery_template, home)
    assert isinstance(made, Gallery)
    return replace(made, library=Library.open(home))


def fill_gallery(library: Library) -> Gallery:
    """What build_gallery makes, in the open and still empty `library` (a copy, as above)."""
    made = fill_from_template(GALLERY, _gallery_template, library)
    assert isinstance(made, Gallery)
    return replace(made, library=library)


def _ms(text: str) -> int:
    from datetime import datetime

    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _cycle(payload: dict, pid: str | None, anchor: int, t: int) -> tuple[dict | None, int]:
    items = payload["playlists"][pid]["items"] if pid in payload["playlists"] else []
    if not items:
        return None, anchor
    lengths = [max(1, round(float(i["duration_s"]) * 1000)) for i in items]
    offset = (t - anchor) % sum(lengths)
    index = 0
    while offset >= lengths[index]:
        offset -= lengths[index]
        index += 1
    return items[index], t - offset


def playing_at(payload: dict, t_ms: int) -> tuple[dict | None, int | None]:
    """The item on screen at t (ms since the epoch) by docs/published-tree.md, written out
    independently of the page's script, and when that occurrence (or the empty segment) began."""
    for segment in payload["timeline"]:
        start, end = _ms(segment["start"]), _ms(segment["end"])
        if start <= t_ms < end:
            item, began = _cycle(payload, segment["playlist"], start, t_ms)
            return item, began if item is not None else start
    w_from, w_until = _ms(payload["window"]["from"]), _ms(payload["window"]["until"])
    anchor = w_from if t_ms < w_from else w_until
    item, began = _cycle(payload, payload["default_playlist"], anchor, t_ms)
    return item, began if item is not None else None


def just_before(payload: dict, t_ms: int) -> dict | None:
    """What the page shows under "Just before": the work before the current one began, unless
    it is the same work again."""
    item, began = playing_at(payload, t_ms)
    if began is None:
        return None
    before, _ = playing_at(payload, began - 1)
    if before is None or (item is not None and before["artwork_id"] == item["artwork_id"]):
        return None
    return before


def fleet_payloads(
    library: Library,
    base: dict[str, Any],
    layout: Sequence[tuple[str | None, str, int]],
) -> dict[int, dict[str, Any]]:
    """A fleet made from one published manifest: for each (city, time zone, how many) that many
    screens registered in the library (so their city is real), each with a copy of `base` whose
    timeline segments all start k minutes later than base's (k counting screens from 1), so that
    every screen has its own next start (a blank segment fills the k minutes, so the player
    agrees). Cheap: no publish, no media."""
    found: dict[int, dict[str, Any]] = {}
    k = 0
    for city, zone, count in layout:
        for n in range(count):
            k += 1
            record = screens.add_screen(
                library, f"{city or 'Screen'} {n + 1}", tz=zone, size="640x360", city=city
            )
            payload = copy.deepcopy(base)
            payload["screen"].update(id=record.id, name=record.name, timezone=zone)
            payload["manifest_version"] = f"{base['manifest_version']}-{k}"
            timeline = []
            for segment in payload["timeline"]:
                start, end = (_instant(segment[edge]) for edge in ("start", "end"))
                later = start + timedelta(minutes=k)
                if later < end:  # nothing plays for its first k minutes
                    gap = {**segment, "playlist": None, "end": _text(later)}
                    timeline += [gap, {**segment, "start": _text(later)}]
                else:
                    timeline.append(segment)
            payload["timeline"] = timeline
            found[record.id] = payload
    return found


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _text(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
