"""Derive thumbnails and screen renditions from a normalised image, within size and byte budgets."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Literal

from PIL import Image

from urbanart.errors import InvalidValue
from urbanart.imaging.normalize import (
    SWAPPING_ORIENTATIONS,
    Frames,
    draft,
    flatten,
    load_frames,
    open_image,
    orientation,
    parse_colour,
    to_srgb,
)

MAX_SIDE = 16384
MIN_QUALITY = 40  # below this JPEG/WebP artefacts show on a large screen; downscale instead
QUALITY_STEP = 10
DOWNSCALE_STEP = 0.8
MIN_BUDGET_SIDE = 16
THUMBNAIL_SIDE = 480
# Image.thumbnail's choices: reduce() by an integer factor first, then BICUBIC over the last
# <2x. Close to a full LANCZOS for downscaling, at a fraction of the cost on 12-megapixel photos.
RESAMPLE = Image.Resampling.BICUBIC
THUMBNAIL_RESAMPLE = Image.Resampling.LANCZOS  # cheap at thumbnail size, and crisper there
REDUCING_GAP = 2.0
_EXTENSIONS = {"JPEG": "jpg", "WEBP": "webp", "PNG": "png"}
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
RenditionFormat = Literal["JPEG", "WEBP", "PNG"]


@dataclass(frozen=True)
class RenditionProfile:
    """What a screen needs; its key names the stored rendition, so equal profiles share files."""

    width: int
    height: int
    fit: Literal["contain", "cover"] = "contain"
    background: str = "#000000"
    format: RenditionFormat = "JPEG"
    quality: int = 85
    max_bytes: int | None = None

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if type(value) is not int or not 1 <= value <= MAX_SIDE:
                raise InvalidValue(
                    name, value, f"must be a whole number from 1 to {MAX_SIDE}", key=name
                )
        if self.fit not in ("contain", "cover"):
            raise InvalidValue("fit", self.fit, "must be 'contain' or 'cover'", key="fit")
        if self.format not in _EXTENSIONS:
            raise InvalidValue("format", self.format, "must be JPEG, WEBP or PNG", key="format")
        if type(self.quality) is not int or not 1 <= self.quality <= 100:
            raise InvalidValue(
                "quality", self.quality, "must be a whole number from 1 to 100", key="quality"
            )
        if not isinstance(self.background, str) or not _COLOUR.fullmatch(self.background):
            raise InvalidValue(
                "background", self.background, "must be a colour like #1a2b3c", key="background"
            )
        if self.max_bytes is not None and (type(self.max_bytes) is not int or self.max_bytes < 1):
            raise InvalidValue(
                "max_bytes", self.max_bytes, "must be a positive number of bytes", key="max_bytes"
            )

    def key(self) -> str:
        background = self.background[1:].lower()
        return (
            f"{self.width}x{self.height}-{self.fit}-{background}-{self.format.lower()}"
            f"-q{self.quality}-b{self.max_bytes or 0}"
        )

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.format]


THUMBNAIL = RenditionProfile(THUMBNAIL_SIDE, THUMBNAIL_SIDE, format="WEBP", quality=80)
THUMBNAIL_KEY = f"thumbnail-{THUMBNAIL.key()}"


@dataclass(frozen=True)
class Rendition:
    """Encoded bytes plus the facts the catalog records without decoding them again."""

    profile_key: str
    data: bytes
    format: str
    extension: str
    width: int
    height: int
    animated: bool


def _scale(size: tuple[int, int], profile: RenditionProfile) -> float:
    sx, sy = profile.width / size[0], profile.height / size[1]
    return max(sx, sy) if profile.fit == "cover" else min(sx, sy)


def _thumbnail_size(size: tuple[int, int]) -> tuple[int, int]:
    """Longest side 480, never enlarged: a thumbnail bigger than its original only blurs."""
    scale = min(1.0, THUMBNAIL_SIDE / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def source_size_needed(
    size: tuple[int, int], profiles: Sequence[RenditionProfile], with_thumbnail: bool
) -> tuple[int, int]:
    """The smallest decode of a (displayed) size from which every requested output can be made
    without enlarging; this is what JPEG draft decoding is asked for."""
    scales = [_scale(size, p) for p in profiles]
    if with_thumbnail:
        scales.append(_thumbnail_size(size)[0] / size[0])
    scale = min(1.0, max(scales, default=1.0))
    return math.ceil(size[0] * scale), math.ceil(size[1] * scale)


def _resize(
    img: Image.Image, size: tuple[int, int], resample: Image.Resampling = RESAMPLE
) -> Image.Image:
    if img.size == size:
        return img
    return img.resize(size, resample, reducing_gap=REDUCING_GAP)


class Scaler:
    """One frame and the resampled versions made of it so far.

    Each output is resampled from the smallest version that is still big enough, so a
    photo is resampled at full size once, not once per profile, and the thumbnail comes
    from a screen-sized version.
    """

    def __init__(self, img: Image.Image) -> None:
        self.original = img
        self.versions = [img]

    def _source(self, size: tuple[int, int]) -> Image.Image:
        big_enough = [v for v in self.versions if v.width >= size[0] and v.height >= size[1]]
        return min(big_enough, key=lambda v: v.width, default=self.original)

    def scaled(self, size: tuple[int, int], resample: Image.Resampling = RESAMPLE) -> Image.Image:
        """The whole frame at size."""
        out = _resize(self._source(size), size, resample)
        self.versions.append(out)
        return out

    def cropped(
        self, whole: tuple[int, int], size: tuple[int, int], box: tuple[float, ...]
    ) -> Image.Image:
        """The part box (in original pixels) at size, where the whole frame would be whole."""
        src = self._source(whole)
        fx, fy = src.width / self.original.width, src.height / self.original.height
        src_box = (box[0] * fx, box[1] * fy, box[2] * fx, box[3] * fy)
        return src.resize(size, RESAMPLE, box=src_box, reducing_gap=REDUCING_GAP)


def _on_canvas(img: Image.Image, size: tuple[int, int], background: str) -> Image.Image:
    if img.size == size:
        return flatten(img, background)
    canvas = Image.new("RGB", size, parse_colour(background))
    offset = ((size[0] - img.width) // 2, (size[1] - img.height) // 2)
    canvas.paste(img, offset, img.getchannel("A") if img.mode == "RGBA" else None)
    return canvas


def _fit(scaler: Scaler, profile: RenditionProfile) -> Image.Image:
    img = scaler.original
    size = (profile.width, profile.height)
    scale = _scale(img.size, profile)
    if profile.fit == "cover":
        w, h = profile.width / scale, profile.height / scale
        left, top = (img.width - w) / 2, (img.height - h) / 2
        whole = (math.ceil(img.width * scale), math.ceil(img.height * scale))
        cropped = scaler.cropped(whole, size, (left, top, left + w, top + h))
        return flatten(cropped, profile.background)
    inner = (
        min(profile.width, max(1, round(img.width * scale))),
        min(profile.height, max(1, round(img.height * scale))),
    )
    return _on_canvas(scaler.scaled(inner), size, profile.background)


def fit(img: Image.Image, profile: RenditionProfile) -> Image.Image:
    """Exactly the profile's size, flattened: screens have no transparency and no other size."""
    return _fit(Scaler(img), profile)


def _encode(
    images: list[Image.Image], durations: list[int], loop: int, fmt: str, quality: int
) -> bytes:
    out = BytesIO()
    options: dict[str, object] = {"quality": quality} if fmt != "PNG" else {}
    if len(images) > 1:
        options |= {"save_all": True, "append_images": images[1:], "duration": durations}
        options["loop"] = loop
    images[0].save(out, fmt, **options)
    return out.getvalue()


def encode_within(
    images: list[Image.Image],
    durations: list[int],
    loop: int,
    fmt: str,
    quality: int,
    max_bytes: int | None,
) -> tuple[bytes, tuple[int, int]]:
    """Meet a byte budget by first giving up quality (down to MIN_QUALITY), then pixels.

    PNG has no quality to give, so it goes straight to downscaling.
    """
    data = _encode(images, durations, loop, fmt, quality)
    if max_bytes is None or len(data) <= max_bytes:
        return data, images[0].size
    while fmt != "PNG" and quality > MIN_QUALITY:
        quality = max(MIN_QUALITY, quality - QUALITY_STEP)
        data = _encode(images, durations, loop, fmt, quality)
        if len(data) <= max_bytes:
            return data, images[0].size
    base = images[0].size
    factor = 1.0
    while True:
        factor *= DOWNSCALE_STEP
        size = (max(1, round(base[0] * factor)), max(1, round(base[1] * factor)))
        if min(size) < MIN_BUDGET_SIDE:
            raise InvalidValue(
                "max_bytes", max_bytes, "no rendition of this artwork fits in it", key="max_bytes"
            )
        smaller = [_resize(image, size) for image in images]
        data = _encode(smaller, durations, loop, fmt, quality)
        if len(data) <= max_bytes:
            return data, size


def _thumbnail(scaler: Scaler) -> Rendition:
    small = scaler.scaled(_thumbnail_size(scaler.original.size), THUMBNAIL_RESAMPLE)
    data, size = encode_within([small], [0], 0, THUMBNAIL.format, THUMBNAIL.quality, None)
    return Rendition(THUMBNAIL_KEY, data, THUMBNAIL.format, THUMBNAIL.extension, *size, False)


def make_thumbnail(img: Image.Image, background: str = "#000000") -> Rendition:
    """A still for grids and lists. Alpha is kept (WebP holds it) so the studio can show
    transparency as it likes; background is only checked, for symmetry with render()."""
    parse_colour(background)
    if img.mode not in ("RGB", "RGBA"):
        img = to_srgb(img)
    return _thumbnail(Scaler(img))


def _render(scalers: list[Scaler], frames: Frames, profile: RenditionProfile) -> Rendition:
    fmt: str = profile.format
    if frames.animated and fmt == "JPEG":
        fmt = "WEBP"
    fitted = [_fit(scaler, profile) for scaler in scalers]
    data, size = encode_within(
        fitted, frames.durations, frames.loop, fmt, profile.quality, profile.max_bytes
    )
    return Rendition(profile.key(), data, fmt, _EXTENSIONS[fmt], *size, frames.animated)


def render(img: Image.Image, profile: RenditionProfile) -> Rendition:
    """One still rendition; animations go through derive(), where JPEG profiles get WebP."""
    if img.mode not in ("RGB", "RGBA"):
        img = to_srgb(img)
    return _render([Scaler(img)], Frames([img], [0], 0), profile)


def derive(
    frames: Frames,
    profiles: Sequence[RenditionProfile],
    with_thumbnail: bool,
    background: str,
) -> tuple[Rendition | None, list[Rendition]]:
    """Everything from one decode: the thumbnail from the first frame, then each profile.

    Larger outputs are made first, so smaller ones can be resampled from them.
    """
    parse_colour(background)
    scalers = [Scaler(image) for image in frames.images]
    size = frames.images[0].size
    order = sorted(range(len(profiles)), key=lambda i: -_scale(size, profiles[i]))
    made = {i: _render(scalers, frames, profiles[i]) for i in order}
    thumb = _thumbnail(scalers[0]) if with_thumbnail else None
    return thumb, [made[i] for i in range(len(profiles))]


def draft_for(img: Image.Image, profiles: Sequence[RenditionProfile], with_thumbnail: bool) -> None:
    """Ask a JPEG for the smallest decode the outputs need. Only JPEG: reading the orientation
    of a PNG loads its pixels, and a failed load there would hide truncation from the guard."""
    if img.format not in ("JPEG", "MPO"):
        return
    size = img.size
    if orientation(img) in SWAPPING_ORIENTATIONS:
        size = size[1], size[0]
    draft(img, source_size_needed(size, profiles, with_thumbnail))


def render_bytes(
    data: bytes,
    profiles: Sequence[RenditionProfile],
    *,
    with_thumbnail: bool = True,
    background: str = "#000000",
) -> tuple[Rendition | None, list[Rendition]]:
    """Decode once, at the smallest JPEG scale any output needs, and derive everything from it."""
    img = open_image(data)
    draft_for(img, profiles, with_thumbnail)
    return derive(load_frames(img), profiles, with_thumbnail, background)
