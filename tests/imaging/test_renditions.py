"""Renditions: exact sizes, fit and crop, flattening, budgets, animation, thumbnails."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from tests.imaging.corpus import ANIMATION_DURATIONS, BLUE, GREEN, RED, build_corpus
from urbanart.errors import InvalidValue
from urbanart.imaging.normalize import open_image, to_srgb
from urbanart.imaging.renditions import (
    THUMBNAIL,
    Rendition,
    RenditionProfile,
    make_thumbnail,
    render,
    render_bytes,
    source_size_needed,
)

WHITE = (255, 255, 255)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def normalised(corpus: dict[str, Path], name: str) -> Image.Image:
    return to_srgb(open_image(corpus[name].read_bytes()))


def decoded(rendition: Rendition) -> Image.Image:
    img = Image.open(BytesIO(rendition.data))
    assert img.format == rendition.format
    assert img.size == (rendition.width, rendition.height)
    return img


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


# --- profiles -------------------------------------------------------------------------------


def test_profile_key_is_stable_and_filename_safe() -> None:
    profile = RenditionProfile(1920, 1080)
    assert profile.key() == "1920x1080-contain-000000-jpeg-q85-b0"
    assert RenditionProfile(1920, 1080).key() == profile.key()
    assert RenditionProfile(1920, 1080, background="#AABBCC").key() == (
        RenditionProfile(1920, 1080, background="#aabbcc").key()
    )
    assert re.fullmatch(r"[a-z0-9-]+", RenditionProfile(10, 10, max_bytes=5000).key())


@pytest.mark.parametrize(
    "other",
    [
        {"width": 1921},
        {"height": 1081},
        {"fit": "cover"},
        {"background": "#ffffff"},
        {"format": "WEBP"},
        {"quality": 84},
        {"max_bytes": 500_000},
    ],
)
def test_profile_keys_differ_when_profiles_differ(other: dict) -> None:
    base = {"width": 1920, "height": 1080}
    assert RenditionProfile(**(base | other)).key() != RenditionProfile(**base).key()


def test_extension_follows_format() -> None:
    exts = [RenditionProfile(1, 1, format=f).extension for f in ("JPEG", "WEBP", "PNG")]
    assert exts == ["jpg", "webp", "png"]
    assert THUMBNAIL.format == "WEBP"
    assert THUMBNAIL.quality == 80


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("width", 0),
        ("width", 16385),
        ("height", -1),
        ("quality", 0),
        ("quality", 101),
        ("background", "red"),
        ("background", "#12345"),
        ("fit", "stretch"),
        ("format", "GIF"),
        ("max_bytes", 0),
    ],
)
def test_bad_profile_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        RenditionProfile(**({"width": 100, "height": 100} | {field: value}))
    assert caught.value.field == field


# --- fitting --------------------------------------------------------------------------------


def test_contain_letterboxes_to_the_exact_size(corpus: dict[str, Path]) -> None:
    img = normalised(corpus, "bands.png")  # 300x100: red | green | blue
    out = decoded(render(img, RenditionProfile(200, 200, background="#ffffff", format="PNG")))
    assert out.size == (200, 200)
    assert out.getpixel((100, 10)) == WHITE  # bar above
    assert out.getpixel((100, 190)) == WHITE  # bar below
    assert out.getpixel((100, 100)) == GREEN
    assert out.getpixel((5, 100)) == RED
    assert out.getpixel((195, 100)) == BLUE


def test_contain_enlarges_small_images_to_fill_the_screen(corpus: dict[str, Path]) -> None:
    img = normalised(corpus, "orient6.jpg")  # 300x400 portrait
    out = decoded(render(img, RenditionProfile(1920, 1080, format="PNG")))
    assert out.size == (1920, 1080)
    assert out.getpixel((10, 540)) == (0, 0, 0)  # pillarbox
    assert near(out.getpixel((960, 540)), (128, 128, 128))
    # 300x400 scaled to 1080 high is 810 wide: content starts at (1920-810)/2 = 555
    assert out.getpixel((550, 540)) == (0, 0, 0)
    assert near(out.getpixel((560, 540)), (128, 128, 128))


def test_cover_fills_and_crops_the_centre(corpus: dict[str, Path]) -> None:
    img = normalised(corpus, "bands.png")
    out = decoded(render(img, RenditionProfile(100, 100, fit="cover", format="PNG")))
    assert out.size == (100, 100)
    corners = [(1, 1), (98, 1), (1, 98), (98, 98), (50, 50)]
    assert all(out.getpixel(xy) == GREEN for xy in corners)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_transparency_is_flattened_onto_the_profile_background(
    corpus: dict[str, Path], fmt: str
) -> None:
    img = normalised(corpus, "rgba.png")  # left half transparent, right half blue
    rendition = render(img, RenditionProfile(200, 100, background="#ff0000", format=fmt))
    out = decoded(rendition)
    assert out.mode == "RGB"
    assert near(out.getpixel((40, 50)), RED)
    assert near(out.getpixel((160, 50)), BLUE)


# --- byte budget ----------------------------------------------------------------------------


def test_byte_budget_lowers_quality_first(corpus: dict[str, Path]) -> None:
    img = normalised(corpus, "photo.jpg")
    unlimited = render(img, RenditionProfile(800, 600, quality=95))
    budget = len(unlimited.data) // 2
    limited = render(img, RenditionProfile(800, 600, quality=95, max_bytes=budget))
    assert len(limited.data) <= budget
    assert (limited.width, limited.height) == (800, 600)  # quality alone was enough


def test_byte_budget_then_downscales_keeping_the_aspect(corpus: dict[str, Path]) -> None:
    img = normalised(corpus, "photo.jpg")
    at_floor = render(img, RenditionProfile(800, 600, quality=40))
    budget = len(at_floor.data) // 3
    limited = render(img, RenditionProfile(800, 600, quality=95, max_bytes=budget))
    assert len(limited.data) <= budget
    assert limited.width < 800
    assert limited.width / limited.height == pytest.approx(800 / 600, rel=0.02)
    decoded(limited)


def test_png_budget_downscales(corpus: dict[str, Path]) -> None:
    img = normalised(corpus, "photo.jpg")
    full = render(img, RenditionProfile(400, 300, format="PNG"))
    limited = render(img, RenditionProfile(400, 300, format="PNG", max_bytes=len(full.data) // 2))
    assert len(limited.data) <= len(full.data) // 2
    assert limited.width < 400


def test_impossible_budget_is_an_invalid_value(corpus: dict[str, Path]) -> None:
    img = normalised(corpus, "photo.jpg")
    with pytest.raises(InvalidValue) as caught:
        render(img, RenditionProfile(800, 600, max_bytes=50))
    assert caught.value.field == "max_bytes"


# --- animation ------------------------------------------------------------------------------


def frames_of(img: Image.Image) -> list[tuple[Image.Image, int]]:
    out = []
    for index in range(img.n_frames):
        img.seek(index)
        img.load()
        out.append((img.convert("RGB"), int(img.info["duration"])))
    return out


@pytest.mark.parametrize("name", ["anim.gif", "anim.webp", "anim.png"])
@pytest.mark.parametrize(("fmt", "expected"), [("JPEG", "WEBP"), ("WEBP", "WEBP"), ("PNG", "PNG")])
def test_animation_is_kept(corpus: dict[str, Path], name: str, fmt: str, expected: str) -> None:
    profile = RenditionProfile(240, 160, format=fmt)
    thumb, (rendition,) = render_bytes(corpus[name].read_bytes(), [profile])
    assert rendition.animated
    assert rendition.format == expected
    assert rendition.extension == {"WEBP": "webp", "PNG": "png"}[expected]
    out = decoded(rendition)
    assert out.n_frames == 3
    assert out.info.get("loop") == 0
    frames = frames_of(out)
    assert [duration for _, duration in frames] == list(ANIMATION_DURATIONS)
    centre = [frame.getpixel((120, 120)) for frame, _ in frames]  # below the moving mark
    assert [near(p, c, 40) for p, c in zip(centre, (RED, GREEN, BLUE), strict=True)] == [True] * 3
    assert thumb is not None
    assert not thumb.animated
    with Image.open(BytesIO(thumb.data)) as still:
        assert getattr(still, "n_frames", 1) == 1


# --- thumbnails -----------------------------------------------------------------------------


def test_thumbnail_longest_side_480_aspect_kept(corpus: dict[str, Path]) -> None:
    thumb = make_thumbnail(normalised(corpus, "photo.jpg"))  # 1600x1200
    assert (thumb.format, thumb.extension, thumb.width, thumb.height) == ("WEBP", "webp", 480, 360)
    assert decoded(thumb).size == (480, 360)
    tall = make_thumbnail(Image.new("RGB", (1000, 2000), (9, 9, 9)))
    assert (tall.width, tall.height) == (240, 480)


def test_thumbnail_never_enlarges(corpus: dict[str, Path]) -> None:
    thumb = make_thumbnail(normalised(corpus, "still.bmp"))
    assert (thumb.width, thumb.height) == (60, 40)


def test_thumbnail_keeps_transparency(corpus: dict[str, Path]) -> None:
    out = decoded(make_thumbnail(normalised(corpus, "rgba.png")))
    assert out.mode == "RGBA"
    assert out.getpixel((20, 50))[3] == 0
    assert near(out.getpixel((180, 50)), BLUE)


# --- render_bytes ---------------------------------------------------------------------------


def test_source_size_needed_is_the_largest_output_never_the_source() -> None:
    screens = [RenditionProfile(1920, 1080), RenditionProfile(1080, 1920)]
    assert source_size_needed((4000, 3000), screens, True) == (1440, 1080)
    cover = [RenditionProfile(1920, 1080, fit="cover")]
    assert source_size_needed((4000, 3000), cover, True) == (1920, 1440)
    assert source_size_needed((4000, 3000), [], True) == (480, 360)
    assert source_size_needed((800, 600), screens, True) == (800, 600)


def test_render_bytes_from_a_draft_decode_matches_a_full_decode(corpus: dict[str, Path]) -> None:
    data = corpus["photo.jpg"].read_bytes()  # 1600x1200: drafted to 800x600 for these outputs
    profiles = [RenditionProfile(640, 360, format="PNG"), RenditionProfile(360, 640, format="PNG")]
    thumb, drafted = render_bytes(data, profiles)
    full = to_srgb(open_image(data))
    assert full.size == (1600, 1200)
    for rendition, profile in zip(drafted, profiles, strict=True):
        reference = decoded(render(full, profile)).convert("RGB")
        difference = ImageChops.difference(decoded(rendition).convert("RGB"), reference)
        assert max(ImageStat.Stat(difference).mean) < 4
    assert thumb is not None
    assert (thumb.width, thumb.height) == (480, 360)


def test_render_bytes_applies_orientation_and_background(corpus: dict[str, Path]) -> None:
    data = corpus["orient8.jpg"].read_bytes()  # displays 300x400, red block bottom left
    profile = RenditionProfile(600, 400, background="#00ff00", format="PNG")
    _thumb, (rendition,) = render_bytes(data, [profile], with_thumbnail=False)
    out = decoded(rendition)
    assert out.getpixel((10, 200)) == GREEN  # pillarbox in the profile's colour
    assert near(out.getpixel((155, 395)), RED)  # content spans x 150..450
