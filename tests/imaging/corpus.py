"""A corpus of good and bad image files, written with Pillow (and zlib where Pillow cannot).

Used by the imaging tests and by importer tests: `build_corpus(tmp_dir)` returns name -> path.
The names say what each file is; the constants below say what is in them, so tests can
check pixels without re-deriving them.
"""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)
ORIENTED_STORED_SIZE = (400, 300)  # stored pixels; orientations 6 and 8 display 300x400
ANIMATION_DURATIONS = (100, 200, 300)
ANIMATION_COLOURS = (RED, GREEN, BLUE)
ICC_PIXEL = (200, 30, 30)  # stored in icc_swapped.jpg; its profile says channel 1 is green
CMYK_CYAN = (255, 0, 0, 0)
BOMB_SIZE = (30000, 30000)
GRADIENT16_WIDTH = 257  # column x holds x*256 (x < 256), the last column 65535
RGB16_PIXEL = (0x8000, 0xFFFF, 0x0100)


def _save(img: Image.Image, fmt: str, **options: object) -> bytes:
    out = BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def _photo(size: tuple[int, int]) -> Image.Image:
    """Gradient plus noise: compresses like a photo, so a half file really lacks image data."""
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    noise = Image.effect_noise(size, 40).convert("RGB")
    return Image.blend(gradient, noise, 0.4)


def _marked(size: tuple[int, int]) -> Image.Image:
    """Grey with a red block in the stored top-left corner, to see where rotation puts it."""
    img = Image.new("RGB", size, (128, 128, 128))
    ImageDraw.Draw(img).rectangle((0, 0, size[0] // 4, size[1] // 4), fill=RED)
    return img


def _oriented_jpeg(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return _save(_marked(ORIENTED_STORED_SIZE), "JPEG", quality=95, exif=exif)


def swapped_primaries_profile() -> bytes:
    """sRGB with its red and green primaries swapped: a real, non-sRGB RGB profile whose
    effect is unmistakable (stored red displays green), built from lcms's own sRGB."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    icc[84:100] = bytes(16)  # profile ID (MD5) no longer matches; zero means "not computed"
    count = struct.unpack(">I", icc[128:132])[0]
    entries = {}
    for i in range(count):
        at = 132 + 12 * i
        entries[bytes(icc[at : at + 4])] = at
    r, g = entries[b"rXYZ"], entries[b"gXYZ"]
    icc[r + 4 : r + 12], icc[g + 4 : g + 12] = icc[g + 4 : g + 12], icc[r + 4 : r + 12]
    return bytes(icc)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int, depth: int, colour: int, rows: list[bytes]) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )


def _bomb_png() -> bytes:
    """A complete, valid 1-bit 30000x30000 PNG of ~100 KB: 900 megapixels once decoded."""
    width, height = BOMB_SIZE
    row = bytes(1 + (width + 7) // 8)
    packer = zlib.compressobj(6)
    rows_per_chunk = 500
    idat = b"".join(packer.compress(row * rows_per_chunk) for _ in range(height // rows_per_chunk))
    idat += packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _gradient16() -> Image.Image:
    img = Image.new("I;16", (GRADIENT16_WIDTH, 4))
    for x in range(GRADIENT16_WIDTH):
        value = 65535 if x == 256 else x * 256
        for y in range(4):
            img.putpixel((x, y), value)
    return img


def _animation(fmt: str) -> bytes:
    frames = [Image.new("RGB", (120, 80), colour) for colour in ANIMATION_COLOURS]
    for i, frame in enumerate(frames):  # a moving mark too, so no two frames are alike
        ImageDraw.Draw(frame).rectangle((10 + 30 * i, 10, 30 + 30 * i, 30), fill=(255, 255, 255))
    options: dict[str, object] = {"save_all": True, "append_images": frames[1:]}
    options |= {"duration": list(ANIMATION_DURATIONS), "loop": 0}
    if fmt == "WEBP":
        options["lossless"] = True
    return _save(frames[0], fmt, **options)


def _transparent_half() -> Image.Image:
    """Left half fully transparent, right half opaque blue."""
    img = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    img.paste((*BLUE, 255), (100, 0, 200, 100))
    return img


def _palette_transparent() -> bytes:
    img = Image.new("P", (64, 32), 0)
    img.putpalette([*RED, *GREEN] + [0] * (254 * 3))
    img.paste(1, (32, 0, 64, 32))
    return _save(img, "PNG", transparency=0)  # the red (left) half is see-through


def _bands() -> Image.Image:
    """300x100: red, green, blue thirds; a centre crop to a square is all green."""
    img = Image.new("RGB", (300, 100), RED)
    img.paste(GREEN, (100, 0, 200, 100))
    img.paste(BLUE, (200, 0, 300, 100))
    return img


def corpus_bytes() -> dict[str, bytes]:
    """Every corpus file's name and content."""
    photo = _save(_photo((1600, 1200)), "JPEG", quality=90)
    png_photo = _save(_photo((800, 600)), "PNG")
    cmyk = Image.new("CMYK", (64, 48), CMYK_CYAN)
    rgb16_rows = [struct.pack(">HHH", *RGB16_PIXEL) * 8 for _ in range(8)]
    opaque_rgba = Image.new("RGBA", (40, 30), (10, 20, 30, 255))
    files = {
        "plain.jpg": _save(_photo((640, 480)), "JPEG", quality=90),
        "photo.jpg": photo,
        "orient3.jpg": _oriented_jpeg(3),
        "orient6.jpg": _oriented_jpeg(6),
        "orient8.jpg": _oriented_jpeg(8),
        "cmyk.jpg": _save(cmyk, "JPEG", quality=95),
        "icc_swapped.jpg": _save(
            Image.new("RGB", (64, 48), ICC_PIXEL),
            "JPEG",
            quality=95,
            icc_profile=swapped_primaries_profile(),
        ),
        "gray16.png": _save(_gradient16(), "PNG"),
        "rgb16.png": _png(8, 8, 16, 2, rgb16_rows),
        "palette_alpha.png": _palette_transparent(),
        "gray.png": _save(Image.linear_gradient("L").resize((64, 64)), "PNG"),
        "gray_alpha.png": _save(Image.new("LA", (32, 32), (200, 100)), "PNG"),
        "rgba.png": _save(_transparent_half(), "PNG"),
        "rgba_opaque.png": _save(opaque_rgba, "PNG"),
        "bands.png": _save(_bands(), "PNG"),
        "still.bmp": _save(_marked((60, 40)), "BMP"),
        "still.tif": _save(_marked((60, 40)), "TIFF"),
        "still.webp": _save(_marked((60, 40)), "WEBP", quality=90),
        "anim.gif": _animation("GIF"),
        "anim.webp": _animation("WEBP"),
        "anim.png": _animation("PNG"),
        "empty.jpg": b"",
        "text.jpg": b"Dear curator,\nthe artwork is attached in the next mail.\nBest, A.\n" * 4,
        "document.png": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "archive.jpg": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(64),
        "drawing.png": b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>\n',
        "portable.jpg": _save(_marked((20, 10)), "PPM"),
        "header_only.jpg": photo[:20],
        "truncated.jpg": photo[: len(photo) // 2],
        "truncated.png": png_photo[: len(png_photo) // 2],
        "bomb.png": _bomb_png(),
    }
    return files


def build_corpus(directory: Path) -> dict[str, Path]:
    """Write the corpus into directory (created if needed) and return name -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in corpus_bytes().items():
        path = directory / name
        path.write_bytes(data)
        paths[name] = path
    return paths
