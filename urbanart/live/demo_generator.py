"""The demo's live generator: a new procedural city collage every few seconds, as JPEG files.

It stands in for an artist's program (issue #13): it writes one image at a time into a folder,
which is what ``urbanart live run TOKEN -- COMMAND`` watches and posts to the hub, so the demo
exercises the same path a real generator would. Each frame is drawn from its own seed (layered
building silhouettes with lit windows, colour fields, torn-paper strips, a few words), so no two
frames are alike; the same seed always draws the same picture, which makes tests and stills
repeatable. Run it alone with::

    python -m urbanart.live.demo_generator --out DIR --every 5

Files appear whole: each is written under a hidden name and renamed into place, so a watcher
never posts half a JPEG. SIGINT/SIGTERM stop the loop between frames and exit 0.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

RGB = tuple[int, int, int]

#: Night and day moods: sky top, sky bottom, far buildings, near buildings, lit windows, accents.
PALETTES: tuple[tuple[RGB, RGB, RGB, RGB, RGB, tuple[RGB, ...]], ...] = (
    ((18, 14, 48), (220, 90, 80), (70, 40, 90), (20, 14, 30), (255, 210, 120),
     ((255, 120, 80), (250, 200, 60), (90, 200, 220))),
    ((10, 30, 60), (40, 140, 170), (30, 70, 100), (8, 20, 36), (180, 240, 255),
     ((240, 80, 140), (250, 240, 220), (255, 170, 40))),
    ((250, 200, 120), (250, 110, 60), (170, 70, 60), (60, 24, 30), (255, 240, 190),
     ((30, 60, 120), (250, 250, 240), (20, 140, 120))),
    ((40, 40, 40), (150, 150, 140), (90, 90, 95), (25, 25, 28), (255, 220, 0),
     ((230, 40, 40), (250, 250, 250), (255, 220, 0))),
    ((6, 6, 20), (60, 20, 110), (50, 30, 90), (10, 8, 24), (120, 255, 200),
     ((255, 60, 200), (80, 240, 255), (250, 240, 90))),
)  # fmt: skip

WORDS = (
    "NIGHT SHIFT", "NO EXIT", "OPEN 24H", "TRANSIT", "LIGHT", "ZONE B", "LAST TRAIN",
    "WE WERE HERE", "CITY", "ECHO", "FLOOR 17", "DO NOT CROSS", "SIGNAL", "AFTER HOURS",
    "CONCRETE", "NEON", "STAY", "ROOFTOPS", "LOOK UP", "ALL NIGHT",
)  # fmt: skip

PAPER: tuple[RGB, ...] = ((238, 230, 210), (245, 240, 228), (226, 214, 186), (250, 246, 236))


def collage(seed: int, width: int = 1920, height: int = 1080) -> Image.Image:
    """Draw the city collage for ``seed``: the same seed always gives the same picture."""
    _check_size(width, height)
    rng = random.Random(seed)  # noqa: S311 - art, not secrets: the same seed, the same picture
    sky_top, sky_bottom, far, near, lit, accents = rng.choice(PALETTES)
    image = _gradient(width, height, sky_top, sky_bottom)
    _colour_fields(image, rng, accents)
    for depth in range(3):  # far to near: lighter and shorter, then darker and taller
        mix = depth / 2
        colour = _blend(far, near, mix)
        _skyline(image, rng, colour, lit, depth)
    for _ in range(rng.randint(1, 2)):
        _cutout(image, rng, accents)
    for _ in range(rng.randint(2, 4)):
        _torn_strip(image, rng, accents)
    for _ in range(rng.randint(1, 3)):
        _word(image, rng, accents)
    return image


def frame_bytes(seed: int, width: int = 1920, height: int = 1080, quality: int = 85) -> bytes:
    """The collage for ``seed`` as JPEG bytes (what a generator posts)."""
    buffer = io.BytesIO()
    collage(seed, width, height).save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def write_frame(out: Path, number: int, seed: int, width: int, height: int) -> Path:
    """Write one frame into ``out`` whole: under a hidden name first, then renamed into place."""
    final = out / f"collage-{number:06d}-{seed:08x}.jpg"
    partial = out / f".{final.name}.part"
    partial.write_bytes(frame_bytes(seed, width, height))
    os.replace(partial, final)
    return final


def run(
    out: Path,
    every_s: float,
    *,
    width: int = 1920,
    height: int = 1080,
    count: int | None = None,
    seed: int | None = None,
    keep: int = 50,
    stop: threading.Event | None = None,
) -> list[Path]:
    """Write a frame every ``every_s`` seconds until ``count`` frames or ``stop`` is set.

    ``keep`` bounds the files left in ``out`` when nothing consumes them (the oldest of ours go
    first), so the generator can run alone for days without filling the disk. Returns the paths
    written, in order (some may have been consumed or pruned since).
    """
    if every_s <= 0:
        raise ValueError(f"every must be more than 0 seconds, not {every_s}")
    if keep < 1:
        raise ValueError(f"keep must be at least 1, not {keep}")
    _check_size(width, height)
    out.mkdir(parents=True, exist_ok=True)
    stop = stop or threading.Event()
    base = seed if seed is not None else random.SystemRandom().getrandbits(32)
    written: list[Path] = []
    next_at = time.monotonic()
    number = 0
    while not stop.is_set() and (count is None or number < count):
        frame_seed = (base + number * 7919) & 0xFFFFFFFF
        written.append(write_frame(out, number, frame_seed, width, height))
        number += 1
        _prune(out, keep)
        next_at += every_s
        if count is not None and number >= count:
            break
        stop.wait(max(0.0, next_at - time.monotonic()))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``--out DIR --every SECONDS [--size WxH] [--count N] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m urbanart.live.demo_generator",
        description="Write a new procedural city collage (JPEG) into a folder every few seconds.",
    )
    parser.add_argument("--out", type=Path, default=_env_out(), help="folder to write into")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between frames")
    parser.add_argument("--size", default="1920x1080", help="frame size, e.g. 1080x1920")
    parser.add_argument("--count", type=int, default=None, help="stop after this many frames")
    parser.add_argument("--seed", type=int, default=None, help="first seed (repeatable runs)")
    parser.add_argument("--keep", type=int, default=50, help="most files left in the folder")
    args = parser.parse_args(argv)
    if args.out is None:
        parser.error("--out DIR is needed (or URBANART_LIVE_OUT in the environment)")
    try:
        width, height = (int(part) for part in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size must look like 1920x1080, not {args.size!r}")
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        run(
            args.out, args.every, width=width, height=height, count=args.count,
            seed=args.seed, keep=args.keep, stop=stop,
        )  # fmt: skip
    except ValueError as exc:
        parser.error(str(exc))
    return 0


def _check_size(width: int, height: int) -> None:
    if width < 64 or height < 64:
        raise ValueError(f"size {width}x{height} is too small for a collage (64x64 at least)")


def _env_out() -> Path | None:
    value = os.environ.get("URBANART_LIVE_OUT")
    return Path(value) if value else None


def _prune(out: Path, keep: int) -> None:
    ours = sorted(out.glob("collage-*.jpg"))
    for old in ours[: max(0, len(ours) - keep)]:
        old.unlink(missing_ok=True)  # a watcher may have taken it meanwhile


def _blend(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _gradient(width: int, height: int, top: RGB, bottom: RGB) -> Image.Image:
    column = Image.new("RGB", (1, height))
    column.putdata([_blend(top, bottom, y / max(1, height - 1)) for y in range(height)])
    return column.resize((width, height))


def _colour_fields(image: Image.Image, rng: random.Random, accents: tuple[RGB, ...]) -> None:
    width, height = image.size
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    radius = rng.randint(height // 8, height // 4)  # a sun, a moon or a billboard light
    cx, cy = rng.randint(radius, width - radius), rng.randint(radius, height // 2)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), (*rng.choice(accents), 200))
    for _ in range(rng.randint(2, 4)):
        w, h = rng.randint(width // 8, width // 3), rng.randint(height // 10, height // 3)
        x, y = rng.randint(-w // 2, width - w // 2), rng.randint(0, height - h)
        draw.rectangle((x, y, x + w, y + h), (*rng.choice(accents), rng.randint(60, 130)))
    image.paste(layer, (0, 0), layer)


def _skyline(image: Image.Image, rng: random.Random, colour: RGB, lit: RGB, depth: int) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    floor = height - int(height * (0.02 + 0.05 * (2 - depth)))
    tallest = height * (0.35 + 0.18 * depth)
    x = rng.randint(-width // 20, 0)
    unit = max(2, min(width, height) // (90 - 20 * depth))  # window size grows toward the viewer
    while x < width:
        w = rng.randint(width // 22, width // 9)
        top = floor - int(rng.uniform(0.3, 1.0) * tallest)
        draw.rectangle((x, top, x + w, height), colour)
        roof = rng.random()
        if roof < 0.25:  # a water tower or a gable
            draw.polygon([(x, top), (x + w // 2, top - w // 3), (x + w, top)], colour)
        elif roof < 0.45:  # an antenna
            mast = x + rng.randint(w // 4, 3 * w // 4)
            draw.line((mast, top, mast, top - rng.randint(unit * 3, unit * 9)), colour, 2)
        glow = rng.uniform(0.1, 0.6)
        for wy in range(top + unit, height - unit, unit * 2):
            for wx in range(x + unit, x + w - unit, unit * 2):
                if rng.random() < glow:
                    draw.rectangle((wx, wy, wx + unit - 1, wy + unit - 1), _blend(colour, lit, 0.9))
        x += w + rng.randint(0, width // 60)


def _cutout(image: Image.Image, rng: random.Random, accents: tuple[RGB, ...]) -> None:
    """A piece of the city cut out, printed again in two inks and pasted back askew."""
    width, height = image.size
    w, h = rng.randint(width // 6, width // 3), rng.randint(height // 6, height // 3)
    x, y = rng.randint(0, width - w), rng.randint(height // 3, height - h)
    grey = ImageOps.grayscale(image.crop((x, y, x + w, y + h)))
    dark, light = rng.sample([*accents, (20, 20, 24)], 2)
    piece = ImageOps.colorize(ImageOps.posterize(ImageOps.autocontrast(grey), 2), dark, light)
    border = max(3, min(w, h) // 30)
    piece = ImageOps.expand(piece, border, rng.choice(PAPER)).convert("RGBA")
    piece = piece.rotate(rng.uniform(-12, 12), expand=True, resample=Image.Resampling.BICUBIC)
    at = (rng.randint(-w // 4, width - 3 * w // 4), rng.randint(-h // 4, height - 3 * h // 4))
    image.paste(piece, at, piece)


def _torn_strip(image: Image.Image, rng: random.Random, accents: tuple[RGB, ...]) -> None:
    width, height = image.size
    length, thick = rng.randint(width // 4, width * 2 // 3), rng.randint(height // 14, height // 6)
    strip = Image.new("RGBA", (length, thick), (0, 0, 0, 0))
    draw = ImageDraw.Draw(strip)
    edge = max(2, thick // 10)
    top = [(x, rng.randint(0, edge)) for x in range(0, length + 1, max(4, length // 60))]
    bottom = [(x, thick - 1 - rng.randint(0, edge)) for x, _ in reversed(top)]
    paper = rng.choice(PAPER) if rng.random() < 0.6 else rng.choice(accents)
    draw.polygon(top + bottom, (*paper, 235))
    for y in range(edge * 2, thick - edge * 2, max(3, thick // 8)):  # printed lines
        if rng.random() < 0.5:
            draw.line((edge * 3, y, length - edge * 3, y), (*_blend(paper, (0, 0, 0), 0.25), 120))
    strip = strip.rotate(rng.uniform(-25, 25), expand=True, resample=Image.Resampling.BICUBIC)
    shadow = Image.new("RGBA", strip.size, (0, 0, 0, 90))
    shadow.putalpha(strip.getchannel("A").point(lambda a: a // 3))
    shadow = shadow.filter(ImageFilter.GaussianBlur(max(1, edge)))
    x, y = rng.randint(-length // 4, width - length // 2), rng.randint(0, height - thick)
    image.paste(shadow, (x + edge, y + edge), shadow)
    image.paste(strip, (x, y), strip)


def _word(image: Image.Image, rng: random.Random, accents: tuple[RGB, ...]) -> None:
    width, height = image.size
    text = rng.choice(WORDS)
    size = max(12, int(min(width, height) * rng.uniform(0.05, 0.11)))
    font = _font(size)
    box = ImageDraw.Draw(image).textbbox((0, 0), text, font=font)
    pad = size // 4
    label_w, label_h = int(box[2] - box[0]) + 2 * pad, int(box[3] - box[1]) + 2 * pad
    label = Image.new("RGBA", (label_w, label_h), (*rng.choice(PAPER + accents), 255))
    ImageDraw.Draw(label).text((pad - box[0], pad - box[1]), text, (15, 15, 20), font=font)
    label = label.rotate(rng.uniform(-8, 8), expand=True, resample=Image.Resampling.BICUBIC)
    x = rng.randint(0, max(0, width - label.width))
    y = rng.randint(0, max(0, height - label.height))
    image.paste(label, (x, y), label)


_fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font at ``size`` (a scalable one where FreeType is built in)."""
    if size not in _fonts:
        try:
            _fonts[size] = ImageFont.load_default(size=size)
        except (OSError, TypeError):  # Pillow without FreeType: the small bitmap font
            _fonts[size] = ImageFont.load_default()
    return _fonts[size]


if __name__ == "__main__":  # pragma: no cover - the command line
    sys.exit(main())
