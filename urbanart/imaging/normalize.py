"""Turn whatever an artist sent (CMYK, 16-bit, palette, rotated, tagged) into plain 8-bit sRGB."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageCms, ImageOps

from urbanart.imaging.limits import FrameTooLarge, quiet_bomb_warnings

ORIENTATION = 0x0112
SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})
_SIXTEEN_BIT = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def orientation(img: Image.Image) -> int:
    """The EXIF orientation (1..8), 1 when absent or nonsense."""
    try:
        value = img.getexif().get(ORIENTATION, 1)
    except (OSError, ValueError, SyntaxError):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def open_image(data: bytes, *, draft_size: tuple[int, int] | None = None) -> Image.Image:
    """Open lazily and, for JPEG, ask libjpeg to decode at the smallest DCT scale that still
    covers draft_size: a 1/2 scale decode takes about half the time of a full one.

    draft_size is in displayed (oriented) pixels; the file stores pixels before rotation,
    so the request is swapped when the EXIF orientation swaps axes.
    """
    with quiet_bomb_warnings():
        img = Image.open(BytesIO(data))
    draft(img, draft_size)
    return img


@functools.lru_cache(maxsize=32)
def _transform(icc: bytes, in_mode: str, out_mode: str) -> ImageCms.ImageCmsTransform:
    """Building a transform costs more than applying it to a thumbnail; a batch from one camera
    or one studio repeats the same profile, so keep the last few."""
    src = ImageCms.ImageCmsProfile(BytesIO(icc))
    return ImageCms.buildTransform(src, _SRGB, in_mode, out_mode)


def _apply_icc(img: Image.Image) -> Image.Image:
    """Convert to sRGB through the embedded profile; a broken profile is ignored, not fatal,
    because the pixels are still worth showing."""
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK", "L", "LAB"):
        return img
    out_mode = "RGBA" if img.mode == "RGBA" else "RGB"
    try:
        out = ImageCms.applyTransform(img, _transform(icc, img.mode, out_mode))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return img
    assert out is not None
    out.info = {k: v for k, v in img.info.items() if k != "icc_profile"}
    return out


def _to_eight_bit(img: Image.Image) -> Image.Image:
    """16-bit and 32-bit samples scaled (value >> 8), where Pillow's convert would clip at 255."""
    if img.mode in _SIXTEEN_BIT:
        img = img.convert("I")
        return img.point(lambda v: v * (1 / 256)).convert("L")
    low, high = _band_extrema(img)
    if img.mode == "I":
        if high <= 255 and low >= 0:
            return img.convert("L")
        if high <= 65535 and low >= 0:
            return img.point(lambda v: v * (1 / 256)).convert("L")
    elif low >= 0 and high <= 1:  # "F" holding 0..1 intensities
        return img.point(lambda v: v * 255 + 0.5).convert("L")  # L truncates: round
    elif low >= 0 and high <= 255:
        return img.convert("L")
    span = (high - low) or 1  # arbitrary range: stretch it
    img = img if img.mode == "F" else img.convert("F")
    return img.point(lambda v: (v - low) * (255 / span) + 0.5).convert("L")


def _may_be_transparent(img: Image.Image) -> bool:
    if img.mode in ("LA", "La", "PA", "RGBa", "RGBA") or "transparency" in img.info:
        return True
    return img.mode == "P" and img.palette is not None and img.palette.mode == "RGBA"


@functools.cache
def _transform_lab() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(ImageCms.createProfile("LAB"), _SRGB, "LAB", "RGB")


def _has_transparency(img: Image.Image) -> bool:
    return img.mode == "RGBA" and _band_extrema(img.getchannel("A"))[0] < 255


def _band_extrema(band: Image.Image) -> tuple[float, float]:
    """(min, max) of a one-band image; Pillow types getextrema for many bands too."""
    low, high = band.getextrema()
    if isinstance(low, tuple) or isinstance(high, tuple):
        raise ValueError(f"expected one band, got mode {band.mode!r}")
    return low, high


def to_srgb(img: Image.Image) -> Image.Image:
    """One representation for everything downstream: resizing, compositing and encoders then
    need no per-mode cases, and colours look the same on every screen."""
    if orientation(img) != 1:
        img = ImageOps.exif_transpose(img)
    if img.mode in ("I", "F") or img.mode in _SIXTEEN_BIT:
        img = _to_eight_bit(img)
    img = _apply_icc(img)
    if img.mode in ("RGB", "RGBA") and "transparency" not in img.info:
        pass
    elif img.mode == "LAB":
        lab = ImageCms.applyTransform(img, _transform_lab())
        assert lab is not None  # None only when transforming in place
        img = lab
    elif _may_be_transparent(img):
        img = img.convert("RGBA")
    else:
        img = img.convert("RGB")  # 1, L, P, CMYK without a profile, YCbCr, HSV
    if img.mode == "RGBA" and not _has_transparency(img):
        img = img.convert("RGB")
    return img


def parse_colour(colour: str) -> tuple[int, int, int]:
    """'#rrggbb' as a tuple; anything else is a programming error upstream (profiles validate)."""
    if len(colour) != 7 or colour[0] != "#":
        raise ValueError(f"colour {colour!r} is not #rrggbb")
    value = int(colour[1:], 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def flatten(img: Image.Image, background: str) -> Image.Image:
    """Screens show no transparency, so compositing is decided here rather than by each player."""
    if img.mode != "RGBA":
        return img if img.mode == "RGB" else img.convert("RGB")
    canvas = Image.new("RGB", img.size, parse_colour(background))
    canvas.paste(img, mask=img.getchannel("A"))
    return canvas


ANIMATED_FORMATS = frozenset({"GIF", "WEBP", "PNG"})


@dataclass
class Frames:
    """Every frame of a decoded file, normalised, with what an animation needs to replay it."""

    images: list[Image.Image]
    durations: list[int]  # milliseconds, one per frame
    loop: int  # 0 = forever, n = play n times
    orientation: int = 1  # EXIF orientation of the file, read once its data is loaded

    @property
    def animated(self) -> bool:
        return len(self.durations) > 1


def frame_count(img: Image.Image) -> int:
    """Frames that play as an animation; pages of a TIFF or the second eye of an MPO do not."""
    if img.format in ANIMATED_FORMATS and getattr(img, "is_animated", False):
        return int(getattr(img, "n_frames", 1))
    return 1


def draft(img: Image.Image, size: tuple[int, int] | None) -> None:
    """See open_image: a reduced-scale JPEG decode still reads (and so checks) all the data."""
    if size is None or img.format not in ("JPEG", "MPO"):
        return
    w, h = size
    if orientation(img) in SWAPPING_ORIENTATIONS:
        w, h = h, w
    if w < img.width and h < img.height:
        img.draft("RGB", (max(1, w), max(1, h)))


def load_frames(
    img: Image.Image, *, normalise: bool = True, max_pixels: int | None = None
) -> Frames:
    """Decode all pixel data of every frame: only a full decode reveals a truncated file.

    Frame images are copies, because seeking reuses the opened image's buffer.
    """
    count = frame_count(img)
    frames = Frames([], [], int(img.info.get("loop", 1 if img.format == "GIF" else 0)))
    for index in range(count):
        if index:
            img.seek(index)
            if max_pixels is not None and img.width * img.height > max_pixels:
                raise FrameTooLarge(img.size)
        with quiet_bomb_warnings():
            img.load()
        if index == 0:
            frames.orientation = orientation(img)
        # 0 or missing is "as fast as possible", which browsers and players show at 100 ms.
        frames.durations.append(int(img.info.get("duration") or 100))
        if normalise:
            image = to_srgb(img)
            frames.images.append(image.copy() if image is img and count > 1 else image)
    return frames
