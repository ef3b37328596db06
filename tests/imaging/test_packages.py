"""The HTML5 package guard: what a safe package gives, and each hostile shape refused by name."""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile

import pytest

from tests.imaging.packages import (
    CANVAS_PIECE,
    canvas_package,
    lying_size_package,
    package_bytes,
    symlink_package,
)
from urbanart.errors import ImportRefused
from urbanart.imaging.limits import ImportLimits
from urbanart.imaging.packages import read_package

LIMITS = ImportLimits()


def refusal(data: bytes, limits: ImportLimits = LIMITS) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_package(data, "piece.zip", limits)
    assert caught.value.file == "piece.zip"
    return caught.value.reason


def test_a_package_gives_its_files_with_their_hashes_and_the_zip_names_it() -> None:
    data = canvas_package(**{"img/dot.png": b"\x89PNG fake", "README.txt": "hi"})
    package = read_package(data, "piece.zip", LIMITS)
    assert package.sha256 == hashlib.sha256(data).hexdigest()
    assert [f.path for f in package.files] == [
        "README.txt",
        "img/dot.png",
        "index.html",
        "sketch.js",
    ]
    index = next(f for f in package.files if f.path == "index.html")
    assert index.sha256 == hashlib.sha256(CANVAS_PIECE.encode()).hexdigest()
    assert package.size == sum(f.size for f in package.files)
    assert package.listing()[2] == {
        "path": "index.html",
        "sha256": index.sha256,
        "size": index.size,
    }


def test_one_folder_wrapping_everything_is_taken_off_and_mac_litter_left_out() -> None:
    data = package_bytes(
        {
            "piece/index.html": CANVAS_PIECE,
            "piece/js/a.js": "1",
            "__MACOSX/piece/._index.html": "x",
            "piece/.DS_Store": "x",
            "piece/": b"",
        }
    )
    assert [f.path for f in read_package(data, "piece.zip", LIMITS).files] == [
        "index.html",
        "js/a.js",
    ]


@pytest.mark.parametrize(
    ("files", "words"),
    [
        ({"index.html": "x", "../evil.js": "x"}, "'../evil.js' escapes"),
        ({"index.html": "x", "a/../../evil.js": "x"}, "escapes"),
        ({"index.html": "x", "/etc/cron.d/x": "x"}, "'/etc/cron.d/x' has an absolute path"),
        ({"index.html": "x", "C:/Windows/x.js": "x"}, "'C:/Windows/x.js' has an absolute path"),
        ({"index.html": "x", "js\\a.js": "x"}, "'js\\\\a.js' uses a backslash"),
        ({"index.html": "x", "my sketch.js": "x"}, "'my sketch.js' has a name a web address"),
        ({"main.html": "x", "sketch.js": "x"}, "no index.html"),
        ({"a/index.html": "x", "b/x.js": "x"}, "no index.html"),
        ({"index.html": "x", "Sketch.js": "x", "sketch.js": "y"}, "in the package twice"),
    ],
)
def test_entries_that_could_escape_or_not_serve_are_refused_by_name(
    files: dict[str, str], words: str
) -> None:
    assert words in refusal(package_bytes(files))


def test_a_symlink_is_refused() -> None:
    assert "'secret.txt' is a symbolic link" in refusal(symlink_package())


def test_the_same_name_twice_is_refused() -> None:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate as it writes it
        archive.writestr("index.html", CANVAS_PIECE)
        archive.writestr("index.html", "<script>other()</script>")
    assert "'index.html' is in the package twice" in refusal(out.getvalue())


def test_not_a_zip_is_refused() -> None:
    assert refusal(b"<html>not zipped</html>").startswith("not a zip file")
    assert refusal(b"PK\x03\x04 truncated").startswith("not a readable zip file")


def test_a_zip_bomb_is_stopped_by_the_ratio_of_real_bytes() -> None:
    bomb = canvas_package(**{"fill.bin": b"\x00" * (4 * 1024 * 1024)})
    reason = refusal(bomb)
    assert "'fill.bin' decompresses to over 100 times" in reason


def test_the_total_is_counted_from_real_bytes_even_when_headers_lie() -> None:
    limits = ImportLimits(max_package_bytes=100_000, max_package_ratio=10_000)
    honest = canvas_package(**{"big.bin": bytes(200_000)})
    assert "too large: " in refusal(honest, limits)
    lying = lying_size_package(bytes(200_000))
    reason = refusal(lying, limits)
    assert "'big.bin'" in reason  # never accepted on the headers' word


def test_size_and_file_count_limits() -> None:
    many = canvas_package(**{f"f{i}.js": "x" for i in range(5)})
    assert refusal(many, ImportLimits(max_package_files=6)) == ("too many files: 7, the limit is 6")
    assert read_package(many, "piece.zip", ImportLimits(max_package_files=7)).files
