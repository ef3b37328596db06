"""Draws the demo collection (24 works by 8 fictional collectives) and refreshes the examples.

The pictures ship as files in urbanart/library/demo_collection/ so every library gets the same
bytes whatever Pillow it runs (drawing and encoders change between releases), and the example
playlists in playlists/, which reference works by content hash, stay valid. Run this only to
change the collection:

    python scripts/make_demo_collection.py
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

Palette = tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class DemoArtist:
    name: str
    location: str
    bio: str
    palette: Palette
    style: str


ARTISTS = (
    DemoArtist(
        "Collective Nebula Nine",
        "Rotterdam",
        "A fictional studio of nine who paint light with code.",
        ((16, 24, 64), (90, 60, 200), (240, 120, 200), (255, 230, 160)),
        "orbits",
    ),
    DemoArtist(
        "The Sodium Lamp Society",
        "Lisbon",
        "Fictional night-walkers who turn streetlight into colour fields.",
        ((30, 20, 10), (255, 160, 40), (200, 80, 20), (250, 220, 150)),
        "stripes",
    ),
    DemoArtist(
        "Grid & Grain Atelier",
        "Osaka",
        "An imaginary atelier of tilers, weavers and pixel-pushers.",
        ((240, 236, 228), (30, 60, 90), (200, 70, 60), (230, 180, 60)),
        "grid",
    ),
    DemoArtist(
        "Tidewater Machines",
        "Valparaíso",
        "A made-up crew teaching small models to draw the sea.",
        ((10, 40, 60), (20, 120, 140), (120, 200, 200), (240, 250, 250)),
        "waves",
    ),
    DemoArtist(
        "Verdant Static",
        "Nairobi",
        "Fictional gardeners of noise, growing plants from signals.",
        ((20, 40, 20), (60, 140, 60), (170, 220, 90), (250, 250, 210)),
        "branches",
    ),
    DemoArtist(
        "Paper Moon Cooperative",
        "Montréal",
        "An invented cooperative cutting paper moons for big screens.",
        ((20, 20, 40), (240, 240, 220), (120, 120, 170), (250, 200, 80)),
        "moons",
    ),
    DemoArtist(
        "Signal Bloom Unit",
        "Berlin",
        "A fictional unit that listens to radios and paints what it hears.",
        ((0, 0, 0), (255, 40, 90), (40, 220, 255), (255, 255, 255)),
        "bars",
    ),
    DemoArtist(
        "Quiet Vector Group",
        "Melbourne",
        "Imaginary draughtspeople of calm lines and long shadows.",
        ((235, 230, 220), (40, 40, 40), (180, 60, 40), (120, 140, 160)),
        "lines",
    ),
)

AI_CODES = (
    "trainedAlgorithmicMedia",
    "compositeWithTrainedAlgorithmicMedia",
    "algorithmicMedia",
    "digitalCreation",
)
LICENSES = ("CC-BY-4.0", "CC-BY-NC-4.0", "CC0-1.0", "all-rights-reserved")
TITLES = {
    "orbits": ("Nine Orbits", "Perihelion", "Slow Comet"),
    "stripes": ("Sodium Hours", "Amber Crossing", "Last Tram"),
    "grid": ("Tatami Logic", "Woven Signal", "Kiln Grid"),
    "waves": ("Tide Table", "Undertow", "Swell No. 4"),
    "branches": ("Static Fern", "Signal Garden", "Canopy"),
    "moons": ("Paper Moon", "Waxing", "Moonset over Mile End"),
    "bars": ("Bloom FM", "Carrier Wave", "Night Frequency"),
    "lines": ("Long Shadow", "Quiet Meridian", "Horizon Study"),
}


def _draw(style: str, palette: Palette, rng: random.Random, size: tuple[int, int]) -> Image.Image:
    w, h = size
    img = Image.new("RGB", size, palette[0])
    d = ImageDraw.Draw(img)
    c = palette[1:]
    if style == "orbits":
        for i in range(40):
            r = rng.randint(20, max(w, h) // 2)
            cx, cy = w // 2 + rng.randint(-w // 6, w // 6), h // 2 + rng.randint(-h // 6, h // 6)
            d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=c[i % 3], width=rng.randint(2, 9))
    elif style == "stripes":
        x = 0
        while x < w:
            sw = rng.randint(10, 90)
            d.rectangle((x, 0, x + sw, h), fill=rng.choice(palette))
            x += sw
    elif style == "grid":
        step = rng.choice((60, 80, 100))
        for y in range(0, h, step):
            for x in range(0, w, step):
                col = rng.choice(palette)
                if rng.random() < 0.5:
                    d.rectangle((x + 4, y + 4, x + step - 4, y + step - 4), fill=col)
                else:
                    d.ellipse((x + 8, y + 8, x + step - 8, y + step - 8), fill=col)
    elif style == "waves":
        for k in range(24):
            amp, phase, y0 = rng.randint(10, 60), rng.random() * 6.28, h * k / 24
            pts = [(x, y0 + amp * math.sin(x / 90 + phase)) for x in range(0, w + 10, 10)]
            d.line(pts, fill=c[k % 3], width=rng.randint(3, 12))
    elif style == "branches":

        def branch(x: float, y: float, angle: float, length: float, depth: int) -> None:
            if depth == 0 or length < 4:
                return
            x2, y2 = x + length * math.cos(angle), y - length * math.sin(angle)
            d.line((x, y, x2, y2), fill=c[depth % 3], width=max(1, depth))
            for turn in (-0.5, 0.4):
                branch(x2, y2, angle + turn + rng.uniform(-0.2, 0.2), length * 0.72, depth - 1)

        branch(w / 2, h, math.pi / 2, h / 4, 10)
    elif style == "moons":
        for _ in range(12):
            r = rng.randint(30, h // 4)
            x, y = rng.randint(0, w), rng.randint(0, h)
            d.ellipse((x - r, y - r, x + r, y + r), fill=c[0])
            off = rng.randint(r // 4, r)
            d.ellipse((x - r + off, y - r, x + r + off, y + r), fill=palette[0])
    elif style == "bars":
        n = 64
        for i in range(n):
            bh = int(h * (0.2 + 0.7 * abs(math.sin(i / 5 + rng.random()))))
            d.rectangle((i * w // n + 2, h - bh, (i + 1) * w // n - 2, h), fill=c[i % 3])
    else:  # lines
        for _ in range(60):
            y = rng.randint(0, h)
            d.line(
                (0, y, w, y + rng.randint(-h // 3, h // 3)),
                fill=rng.choice(c),
                width=rng.randint(1, 6),
            )
    return img


def _animated(palette: Palette, size: tuple[int, int]) -> bytes:
    frames = []
    for k in range(8):
        img = Image.new("RGB", size, palette[0])
        d = ImageDraw.Draw(img)
        r = size[1] // 3
        cx = size[0] // 2 + int(size[0] / 4 * math.sin(k / 8 * 6.283))
        d.ellipse((cx - r, size[1] // 2 - r, cx + r, size[1] // 2 + r), fill=palette[2])
        frames.append(img.convert("P", palette=Image.Palette.ADAPTIVE))
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0)
    return out.getvalue()


def write_demo_files(folder: Path) -> Path:
    """Write the demo pictures in one sub-folder per artist and return the metadata sheet."""
    rng = random.Random(2026)  # noqa: S311 - art, not security
    rows = []
    for a_index, artist in enumerate(ARTISTS):
        artist_dir = folder / artist.name
        artist_dir.mkdir(parents=True, exist_ok=True)
        for w_index, title in enumerate(TITLES[artist.style]):
            portrait = (a_index + w_index) % 5 == 0
            size = (720, 1280) if portrait else (1280, 720)
            n = a_index * 3 + w_index
            if n == 7:
                name = f"{title}.gif"
                (artist_dir / name).write_bytes(_animated(artist.palette, (640, 360)))
            else:
                name = f"{title}.png" if n % 4 == 1 else f"{title}.jpg"
                img = _draw(artist.style, artist.palette, rng, size)
                img.save(artist_dir / name, quality=85)
            ai = AI_CODES[n % len(AI_CODES)]
            rows.append(
                {
                    "file": f"{artist.name}/{name}",
                    "artist": artist.name,
                    "title": title,
                    "year": str(2023 + n % 4),
                    "description": f"{title} is part of {artist.name}'s series for city screens.",
                    "alt_text": f"Abstract {artist.style} composition in {artist.name}'s colours.",
                    "license": LICENSES[n % len(LICENSES)],
                    "ai_involvement": ai,
                    "tags": f"demo, {artist.style}, {'portrait' if portrait else 'landscape'}",
                    "status": "submitted" if n in (5, 17) else "approved",
                }
            )
    sheet = folder / "metadata.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return sheet


def write_artists(folder: Path) -> None:
    with (folder / "artists.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "location", "bio"])
        for artist in ARTISTS:
            writer.writerow([artist.name, artist.location, artist.bio])


def refresh_playlists(folder: Path, playlists: Path) -> None:
    """Point every example playlist item at the new bytes of the work with the same title."""
    by_title = {}
    with (folder / "metadata.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_title[row["title"]] = hashlib.sha256((folder / row["file"]).read_bytes()).hexdigest()
    for path in sorted(playlists.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for item in data["items"]:
            item["sha256"] = by_title[item["title"]]
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    folder = root / "urbanart" / "library" / "demo_collection"
    for old in sorted(folder.rglob("*"), reverse=True):
        if old.is_file():
            old.unlink()
        elif old.is_dir():
            old.rmdir()
    folder.mkdir(parents=True, exist_ok=True)
    write_demo_files(folder)
    write_artists(folder)
    refresh_playlists(folder, root / "playlists")
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(
        f"wrote {folder} ({size / 1e6:.1f} MB) and refreshed {root / 'playlists'}", file=sys.stderr
    )


if __name__ == "__main__":
    main()
