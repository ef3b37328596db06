"""Guard an import: decide from a file's bytes whether it is an acceptable image, and why not."""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, UnidentifiedImageError

from urbanart.errors import ImportRefused
from urbanart.imaging.limits import (
    FrameTooLarge,
    ImportLimits,
    human_size,
    megapixels,
    pillow_bomb_check_off,
    quiet_bomb_warnings,
)
from urbanart.imaging.normalize import (
    SWAPPING_ORIENTATIONS,
    Frames,
    draft,
    frame_count,
    load_frames,
)
from urbanart.imaging.renditions import (
    Rendition,
    RenditionProfile,
    derive,
    draft_for,
)

ALLOWED_FORMATS: frozenset[str] = frozenset({"JPEG", "MPO", "PNG", "GIF", "WEBP", "TIFF", "BMP"})
#: The extension an accepted still is stored under, by format.
STILL_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
STILL_EXTENSIONS |= {"TIFF": "tif", "BMP": "bmp"}
_OPENERS = ("JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP")  # MPO opens through JPEG
_ACCEPTED = "JPEG, PNG, GIF, WebP, TIFF, BMP"
DEFAULT_LIMITS = ImportLimits()
TRUNCATED = "truncated: the file ends before the image data does"
# Errors Pillow's decoders raise on hostile or broken input; anything else is our bug.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error, IndexError)

_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
_OTHER_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or an Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "a Microsoft Office document"),
    (b"%!PS", "a PostScript document"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"ID3", "an MP3 audio file"),
    (b"OggS", "an Ogg audio or video file"),
    (b"\x1aE\xdf\xa3", "a WebM or MKV video"),
)


@dataclass(frozen=True)
class MediaInfo:
    """Facts about an accepted original, as the catalog records them."""

    sha256: str
    format: str
    mime_type: str
    width: int  # as displayed, i.e. after EXIF orientation
    height: int
    frame_count: int
    byte_size: int
    animated: bool


def _looks_like_text(sample: bytes) -> bool:
    if not sample or b"\x00" in sample:
        return False
    text = sample.decode("utf-8", "replace")
    printable = sum(ch.isprintable() or ch in "\r\n\t\f" for ch in text)
    return printable >= 0.95 * len(text)


def describe_content(data: bytes) -> str:
    """Name what a non-image most likely is, so a curator knows which file went astray."""
    head = data[:16]
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            return what
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
            return "a HEIC photo; export it as JPEG first"
        if brand in (b"avif", b"avis"):
            return "an AVIF image; export it as JPEG or PNG first"
        return "a video (MP4 or MOV)"
    sample = data[:2048]
    if _looks_like_text(sample):
        lowered = sample.lower().lstrip()
        if b"<svg" in lowered:
            return "an SVG drawing; vector images are not accepted, export it as PNG"
        if lowered.startswith((b"<!doctype html", b"<html")):
            return "a web page (HTML)"
        return "text"
    return "unrecognised data"


def _image_kind(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return next((kind for magic, kind in _IMAGE_MAGIC if data.startswith(magic)), None)


def _unopenable(data: bytes) -> str:
    kind = _image_kind(data)
    if kind is not None:
        return f"damaged: it starts like a {kind} file but its header cannot be read"
    what = describe_content(data)
    if what == "unrecognised data":
        try:  # an image in a format we do not take: name it
            with pillow_bomb_check_off(), Image.open(BytesIO(data)) as img:
                return f"unsupported format: {img.format} (accepted: {_ACCEPTED})"
        except Exception:  # noqa: S110 — any failure here just means "not an image"
            pass
    return f"not an image (the content is {what})"


def _too_many_pixels(size: tuple[int, int], limits: ImportLimits) -> str:
    pixels = size[0] * size[1]
    return (
        f"too many pixels: {size[0]}×{size[1]} is {megapixels(pixels)} megapixels, "
        f"the limit is {megapixels(limits.max_pixels)} megapixels"
    )


def _open_checked(data: bytes, name: str, limits: ImportLimits) -> Image.Image:
    """The cheap checks, in order of cost: length, header, dimensions, frame count, and the
    pixels of all frames together (from the header's canvas size, before any frame is decoded:
    Pillow gives every frame the canvas size)."""
    if not data:
        raise ImportRefused(name, "empty file")
    if len(data) > limits.max_bytes:
        size, limit = human_size(len(data), limits.max_bytes)
        raise ImportRefused(name, f"too large: {size}, the limit is {limit}")
    try:
        with pillow_bomb_check_off():
            img = Image.open(BytesIO(data), formats=_OPENERS)
    except (UnidentifiedImageError, *_DECODE_ERRORS):
        raise ImportRefused(name, _unopenable(data)) from None
    if img.width * img.height > limits.max_pixels:
        raise ImportRefused(name, _too_many_pixels(img.size, limits))
    with _refusals(name, limits, img):
        count = frame_count(img)
    if count > limits.max_frames:
        raise ImportRefused(name, f"too many frames: {count}, the limit is {limits.max_frames}")
    total = count * img.width * img.height
    if count > 1 and total > limits.max_total_pixels:
        raise ImportRefused(
            name,
            f"too many pixels over all frames: {count} frames of {img.width}×{img.height} are "
            f"{megapixels(total)} megapixels, the limit is "
            f"{megapixels(limits.max_total_pixels)} megapixels",
        )
    return img


@contextmanager
def _refusals(name: str, limits: ImportLimits, img: Image.Image) -> Iterator[None]:
    """Turn whatever decoding a broken file raises into a sentence for the curator."""
    try:
        with quiet_bomb_warnings():
            yield
    except FrameTooLarge as exc:
        raise ImportRefused(name, _too_many_pixels(exc.size, limits)) from None
    except Image.DecompressionBombError as exc:  # Pillow's own guard, met inside a later frame
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{megapixels(int(found.group(1)))} megapixels" if found else "more"
        limit = megapixels(limits.max_pixels)
        reason = f"too many pixels: a frame has {size}, the limit is {limit} megapixels"
        raise ImportRefused(name, reason) from None
    except EOFError:
        raise ImportRefused(name, TRUNCATED) from None
    except _DECODE_ERRORS as exc:
        if "truncated" in str(exc).lower():
            raise ImportRefused(name, TRUNCATED) from None
        detail = str(exc).strip() or type(exc).__name__
        raise ImportRefused(name, f"damaged: the image data cannot be decoded ({detail})") from None


def _media_info(
    data: bytes, img: Image.Image, size: tuple[int, int], frames: Frames, count: int
) -> MediaInfo:
    fmt = "JPEG" if img.format == "MPO" else str(img.format)
    if frames.orientation in SWAPPING_ORIENTATIONS:
        size = size[1], size[0]
    return MediaInfo(
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        mime_type=Image.MIME.get(fmt, "application/octet-stream"),
        width=size[0],
        height=size[1],
        frame_count=count,
        byte_size=len(data),
        animated=count > 1,
    )


def inspect(data: bytes, name: str, limits: ImportLimits = DEFAULT_LIMITS) -> MediaInfo:
    """Accept or refuse one file. Every frame is decoded, JPEG at 1/8 scale: that still reads
    all entropy-coded data, so truncation shows, at a fraction of the cost."""
    img = _open_checked(data, name, limits)
    size = img.size
    draft(img, (1, 1))
    with _refusals(name, limits, img):
        frames = load_frames(img, normalise=False, max_pixels=limits.max_pixels)
    return _media_info(data, img, size, frames, len(frames.durations))


def inspect_and_render(
    data: bytes,
    name: str,
    limits: ImportLimits = DEFAULT_LIMITS,
    profiles: Sequence[RenditionProfile] = (),
    with_thumbnail: bool = True,
) -> tuple[MediaInfo, Rendition | None, list[Rendition]]:
    """Bulk import's path: the guard's full decode is also the decode renditions are made from,
    at the smallest JPEG scale the outputs need."""
    img = _open_checked(data, name, limits)
    size = img.size
    with _refusals(name, limits, img):
        draft_for(img, profiles, with_thumbnail)
        frames = load_frames(img, max_pixels=limits.max_pixels)
    info = _media_info(data, img, size, frames, len(frames.durations))
    thumb, renditions = derive(frames, profiles, with_thumbnail, limits.background)
    return info, thumb, renditions
