"""Frames for live-work tests: real JPEGs that differ from one another, and hostile bytes."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

from PIL import Image, ImageDraw

from urbanart.imaging.renditions import RenditionProfile


def frame_jpeg(number: int, size: tuple[int, int] = (640, 360), quality: int = 85) -> bytes:
    """A JPEG unlike every other number's: a colour field with the number and bands drawn."""
    img = Image.new("RGB", size, ((number * 47) % 256, (number * 91) % 256, (number * 13) % 256))
    draw = ImageDraw.Draw(img)
    w, h = size
    for band in range(8):
        x = (band * w // 8 + number * 7) % w
        draw.rectangle(
            (x, 0, x + w // 32, h), fill=((band * 30) % 256, 255 - band * 20, number % 256)
        )
    draw.text((w // 10, h // 3), f"frame {number}", fill=(255, 255, 255))
    out = BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def truncated(data: bytes) -> bytes:
    """The first half of an image: it starts right and ends before its pixel data does."""
    return data[: len(data) // 2]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pixel_bomb(side: int = 30000) -> bytes:
    """A tiny PNG whose header claims side×side pixels (900 megapixels): a decompression bomb."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


#: Screen profiles as the publisher makes them (screen_profile): exact size, letterboxed, JPEG.
LANDSCAPE = RenditionProfile(1920, 1080, "contain", format="JPEG", quality=85)
PORTRAIT = RenditionProfile(1080, 1920, "contain", format="JPEG", quality=85)
SMALL = RenditionProfile(800, 480, "contain", format="JPEG", quality=85)
