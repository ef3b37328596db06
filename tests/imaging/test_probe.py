"""The import guard: what it accepts, what it refuses, and the sentence a curator reads."""

from __future__ import annotations

import hashlib
import struct
import warnings
from pathlib import Path

import pytest
from PIL import Image

from tests.imaging.corpus import BOMB_SIZE, build_corpus
from urbanart.errors import ImportRefused
from urbanart.imaging.limits import ImportLimits
from urbanart.imaging.probe import ALLOWED_FORMATS, inspect, inspect_and_render
from urbanart.imaging.renditions import RenditionProfile


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


DEFAULTS = ImportLimits()


def refusal(data: bytes, name: str, limits: ImportLimits = DEFAULTS) -> str:
    with pytest.raises(ImportRefused) as caught:
        inspect(data, name, limits)
    assert caught.value.file == name
    return caught.value.reason


@pytest.mark.parametrize(
    ("name", "fmt", "mime", "size", "frames"),
    [
        ("plain.jpg", "JPEG", "image/jpeg", (640, 480), 1),
        ("orient3.jpg", "JPEG", "image/jpeg", (400, 300), 1),
        ("orient6.jpg", "JPEG", "image/jpeg", (300, 400), 1),
        ("orient8.jpg", "JPEG", "image/jpeg", (300, 400), 1),
        ("cmyk.jpg", "JPEG", "image/jpeg", (64, 48), 1),
        ("gray16.png", "PNG", "image/png", (257, 4), 1),
        ("rgb16.png", "PNG", "image/png", (8, 8), 1),
        ("palette_alpha.png", "PNG", "image/png", (64, 32), 1),
        ("still.bmp", "BMP", "image/bmp", (60, 40), 1),
        ("still.tif", "TIFF", "image/tiff", (60, 40), 1),
        ("still.webp", "WEBP", "image/webp", (60, 40), 1),
        ("anim.gif", "GIF", "image/gif", (120, 80), 3),
        ("anim.webp", "WEBP", "image/webp", (120, 80), 3),
        ("anim.png", "PNG", "image/png", (120, 80), 3),
    ],
)
def test_accepted_files_are_described_from_their_content(
    corpus: dict[str, Path], name: str, fmt: str, mime: str, size: tuple[int, int], frames: int
) -> None:
    data = corpus[name].read_bytes()
    info = inspect(data, name)
    assert info.format == fmt
    assert info.format in ALLOWED_FORMATS
    assert info.mime_type == mime
    assert (info.width, info.height) == size
    assert info.frame_count == frames
    assert info.animated is (frames > 1)
    assert info.byte_size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.jpg", "empty file"),
        ("text.jpg", "not an image (the content is text)"),
        ("document.png", "not an image (the content is a PDF document)"),
        ("archive.jpg", "not an image (the content is a ZIP archive"),
        ("drawing.png", "not an image (the content is an SVG drawing"),
        ("portable.jpg", "unsupported format: PPM"),
        ("header_only.jpg", "damaged: it starts like a JPEG file"),
        ("truncated.jpg", "truncated: the file ends before the image data does"),
        ("truncated.png", "truncated: the file ends before the image data does"),
        ("bomb.png", "too many pixels: 30000×30000 is 900 megapixels, the limit is 120 megapixels"),
    ],
)
def test_refusals_say_why_in_a_curators_words(
    corpus: dict[str, Path], name: str, reason: str
) -> None:
    assert refusal(corpus[name].read_bytes(), name).startswith(reason)


def test_the_file_name_travels_with_the_refusal(corpus: dict[str, Path]) -> None:
    with pytest.raises(ImportRefused, match=r"^holiday/IMG_1\.jpg: empty file$"):
        inspect(b"", "holiday/IMG_1.jpg")


def test_size_is_checked_before_anything_else(corpus: dict[str, Path]) -> None:
    limits = ImportLimits(max_bytes=1000)
    reason = refusal(corpus["plain.jpg"].read_bytes(), "plain.jpg", limits)
    assert reason.startswith("too large: ")
    assert reason.endswith(", the limit is 1000 bytes")
    # a non-image over the limit is refused for its size, without being looked at
    assert refusal(b"%PDF-1.4" + bytes(5000), "big.pdf", limits).startswith("too large")


def test_size_in_megabytes_reads_like_the_brief() -> None:
    limits = ImportLimits(max_bytes=1024 * 1024)
    reason = refusal(bytes(3 * 1024 * 1024), "big.bin", limits)
    assert reason == "too large: 3 MB, the limit is 1 MB"


def test_pixel_limit_is_the_librarys_and_exact(corpus: dict[str, Path]) -> None:
    data = corpus["plain.jpg"].read_bytes()
    assert inspect(data, "plain.jpg", ImportLimits(max_pixels=640 * 480)).width == 640
    reason = refusal(data, "plain.jpg", ImportLimits(max_pixels=640 * 480 - 1))
    assert reason == "too many pixels: 640×480 is 0.3 megapixels, the limit is 0.3 megapixels"


def test_pillows_global_guard_neither_decides_nor_changes(
    corpus: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning escapes either
        info = inspect(corpus["plain.jpg"].read_bytes(), "plain.jpg")
    assert (info.width, info.height) == (640, 480)
    assert Image.MAX_IMAGE_PIXELS == 1000


def test_bomb_is_refused_from_its_header_without_decoding(corpus: dict[str, Path]) -> None:
    data = corpus["bomb.png"].read_bytes()
    assert len(data) < 1024 * 1024  # small on disk: only the header gives it away
    assert struct.unpack(">II", data[16:24]) == BOMB_SIZE  # IHDR width, height
    with pytest.raises(Image.DecompressionBombError):  # Pillow's own message has no sizes
        Image.open(corpus["bomb.png"])
    assert "900 megapixels" in refusal(data, "bomb.png")


def test_too_many_frames(corpus: dict[str, Path]) -> None:
    reason = refusal(corpus["anim.gif"].read_bytes(), "anim.gif", ImportLimits(max_frames=2))
    assert reason == "too many frames: 3, the limit is 2"


def test_truncation_is_found_at_reduced_jpeg_scale(corpus: dict[str, Path]) -> None:
    """inspect decodes JPEG at 1/8 scale; the missing half must still be noticed."""
    data = corpus["photo.jpg"].read_bytes()
    for cut in (len(data) // 2, len(data) - 200):
        assert refusal(data[:cut], "cut.jpg").startswith("truncated")


def test_inspect_and_render_guards_and_derives_from_one_decode(corpus: dict[str, Path]) -> None:
    data = corpus["orient6.jpg"].read_bytes()
    profiles = [RenditionProfile(160, 90), RenditionProfile(90, 160, fit="cover")]
    info, thumb, renditions = inspect_and_render(data, "orient6.jpg", ImportLimits(), profiles)
    assert info == inspect(data, "orient6.jpg")
    assert thumb is not None
    assert (thumb.width, thumb.height) == (300, 400)  # oriented, never enlarged
    assert [(r.width, r.height) for r in renditions] == [(160, 90), (90, 160)]
    assert [r.profile_key for r in renditions] == [p.key() for p in profiles]


@pytest.mark.parametrize("name", ["truncated.jpg", "truncated.png", "bomb.png", "text.jpg"])
def test_inspect_and_render_refuses_like_inspect(corpus: dict[str, Path], name: str) -> None:
    data = corpus[name].read_bytes()
    profiles = [RenditionProfile(320, 180)]
    with pytest.raises(ImportRefused) as caught:
        inspect_and_render(data, name, ImportLimits(), profiles)
    assert caught.value.reason == refusal(data, name)


def test_inspect_and_render_without_thumbnail(corpus: dict[str, Path]) -> None:
    data = corpus["plain.jpg"].read_bytes()
    info, thumb, renditions = inspect_and_render(data, "p.jpg", with_thumbnail=False)
    assert thumb is None
    assert renditions == []
    assert info.width == 640
