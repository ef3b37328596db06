"""Normalisation: every accepted file becomes 8-bit sRGB, upright, alpha only when it matters."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.imaging.corpus import (
    BLUE,
    GRADIENT16_WIDTH,
    GREEN,
    ICC_PIXEL,
    RED,
    build_corpus,
)
from urbanart.imaging.normalize import flatten, open_image, to_srgb


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


WHITE = (255, 255, 255)


def normalised(corpus: dict[str, Path], name: str) -> Image.Image:
    return to_srgb(open_image(corpus[name].read_bytes()))


def near(pixel: tuple[int, ...], colour: tuple[int, ...], tolerance: int) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def is_red(pixel: tuple[int, ...]) -> bool:
    return pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60


@pytest.mark.parametrize(
    ("name", "size", "marker"),
    [
        # stored 400x300 with a red block top-left; where it ends up shows the rotation
        ("orient3.jpg", (400, 300), (395, 295)),  # 180°: bottom right
        ("orient6.jpg", (300, 400), (295, 5)),  # 90° clockwise: top right
        ("orient8.jpg", (300, 400), (5, 395)),  # 90° anticlockwise: bottom left
    ],
)
def test_exif_orientation_is_applied(
    corpus: dict[str, Path], name: str, size: tuple[int, int], marker: tuple[int, int]
) -> None:
    img = normalised(corpus, name)
    assert img.size == size
    assert is_red(img.getpixel(marker))
    assert not is_red(img.getpixel((5, 5)))  # where it was stored


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("plain.jpg", "RGB"),
        ("cmyk.jpg", "RGB"),
        ("icc_swapped.jpg", "RGB"),
        ("gray16.png", "RGB"),
        ("rgb16.png", "RGB"),
        ("palette_alpha.png", "RGBA"),
        ("gray.png", "RGB"),
        ("gray_alpha.png", "RGBA"),
        ("rgba.png", "RGBA"),
        ("rgba_opaque.png", "RGB"),  # an alpha channel that is all opaque is dropped
        ("still.bmp", "RGB"),
        ("still.tif", "RGB"),
        ("anim.gif", "RGB"),
    ],
)
def test_result_is_rgb_or_rgba_only_with_real_transparency(
    corpus: dict[str, Path], name: str, mode: str
) -> None:
    assert normalised(corpus, name).mode == mode


def test_sixteen_bit_gray_is_scaled_not_clipped(corpus: dict[str, Path]) -> None:
    with Image.open(corpus["gray16.png"]) as raw:
        assert raw.mode == "I;16"
        assert raw.convert("L").getpixel((128, 0)) == 255  # what a naive convert does
    img = normalised(corpus, "gray16.png")
    # column x holds x*256, so value >> 8 gives back x; the last column holds 65535
    row = [img.getpixel((x, 1)) for x in range(GRADIENT16_WIDTH)]
    assert row[:256] == [(x, x, x) for x in range(256)]
    assert row[128] == (128, 128, 128)
    assert row[256] == (255, 255, 255)


def test_sixteen_bit_rgb_keeps_the_high_byte(corpus: dict[str, Path]) -> None:
    assert normalised(corpus, "rgb16.png").getpixel((3, 3)) == (128, 255, 1)


@pytest.mark.parametrize(
    ("mode", "values", "expected"),
    [
        ("I", [0, 255, 32768, 65535], [0, 0, 128, 255]),  # 16-bit range in a 32-bit image
        ("I", [0, 10, 200, 255], [0, 10, 200, 255]),  # already 8-bit range: kept
        ("F", [0.0, 0.5, 1.0, 1.0], [0, 128, 255, 255]),  # intensities 0..1
    ],
)
def test_wide_modes_become_eight_bit(mode: str, values: list, expected: list[int]) -> None:
    img = Image.new(mode, (len(values), 1))
    for x, value in enumerate(values):
        img.putpixel((x, 0), value)
    out = to_srgb(img)
    assert out.mode == "RGB"
    assert [out.getpixel((x, 0))[0] for x in range(len(values))] == expected


def test_bilevel_becomes_black_and_white_rgb() -> None:
    img = Image.new("1", (2, 1))
    img.putpixel((1, 0), 1)
    out = to_srgb(img)
    assert (out.mode, out.getpixel((0, 0)), out.getpixel((1, 0))) == ("RGB", (0, 0, 0), WHITE)


def test_cmyk_without_profile_is_converted(corpus: dict[str, Path]) -> None:
    assert near(normalised(corpus, "cmyk.jpg").getpixel((10, 10)), (0, 255, 255), 20)  # cyan


def test_embedded_profile_is_converted_to_srgb_and_dropped(corpus: dict[str, Path]) -> None:
    with Image.open(corpus["icc_swapped.jpg"]) as raw:
        assert "icc_profile" in raw.info
        stored = raw.convert("RGB").getpixel((10, 10))
    assert near(stored, ICC_PIXEL, 12)  # the stored numbers are red…
    img = normalised(corpus, "icc_swapped.jpg")
    r, g, b = img.getpixel((10, 10))
    # …but the profile says channel 1 drives the green primary: in sRGB it is green
    assert near((r, g, b), (ICC_PIXEL[1], ICC_PIXEL[0], ICC_PIXEL[2]), 12)
    assert "icc_profile" not in img.info


def test_palette_transparency_becomes_alpha(corpus: dict[str, Path]) -> None:
    img = normalised(corpus, "palette_alpha.png")
    assert img.getpixel((5, 5))[3] == 0
    assert img.getpixel((50, 5)) == (*GREEN, 255)


def test_gray_with_alpha_keeps_alpha(corpus: dict[str, Path]) -> None:
    assert normalised(corpus, "gray_alpha.png").getpixel((3, 3)) == (200, 200, 200, 100)


def test_draft_decodes_jpeg_at_reduced_scale_but_never_below_request(
    corpus: dict[str, Path],
) -> None:
    data = corpus["photo.jpg"].read_bytes()  # 1600x1200
    img = open_image(data, draft_size=(400, 300))
    img.load()
    assert img.size == (400, 300)
    img = open_image(data, draft_size=(401, 300))
    img.load()
    assert img.size == (800, 600)
    img = open_image(data, draft_size=(2000, 2000))
    assert img.size == (1600, 1200)


def test_draft_request_is_swapped_for_rotated_jpegs(corpus: dict[str, Path]) -> None:
    """orient6.jpg stores 400x300 and displays 300x400: a 150x200 request can halve it."""
    img = to_srgb(open_image(corpus["orient6.jpg"].read_bytes(), draft_size=(150, 200)))
    assert img.size == (150, 200)
    assert is_red(img.getpixel((145, 5)))


def test_draft_mode_still_finds_truncation(corpus: dict[str, Path]) -> None:
    data = corpus["truncated.jpg"].read_bytes()
    img = open_image(data, draft_size=(100, 75))
    assert img.size == (200, 150)  # 1/8 scale of 1600x1200: really a reduced decode
    with pytest.raises(OSError, match="truncated"):
        img.load()


def test_flatten_composites_onto_the_background(corpus: dict[str, Path]) -> None:
    img = normalised(corpus, "rgba.png")
    flat = flatten(img, "#ff0000")
    assert flat.mode == "RGB"
    assert flat.getpixel((10, 50)) == RED  # transparent half shows the background
    assert flat.getpixel((150, 50)) == BLUE


def test_flatten_blends_partial_alpha() -> None:
    img = Image.new("RGBA", (1, 1), (255, 255, 255, 128))
    r, g, b = flatten(img, "#000000").getpixel((0, 0))
    assert r == g == b
    assert 125 <= r <= 130


def test_flatten_passes_rgb_through(corpus: dict[str, Path]) -> None:
    img = normalised(corpus, "plain.jpg")
    assert flatten(img, "#ff0000").tobytes() == img.tobytes()
