"""Importing generative works (HTML5 packages) into a real library: the package and its files
stored, the still (the artist's, or captured in Chromium) made into thumbnail and renditions,
a refused package leaving nothing behind, removal taking the package's own keys."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from tests.imaging.packages import CANVAS_PIECE, canvas_package, package_bytes
from tests.viewers import CHROMIUM
from urbanart.imaging.renditions import RenditionProfile
from urbanart.library import catalog
from urbanart.library import store as keys
from urbanart.library.import_sources import scan
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library
from urbanart.library.package_import import GENERATIVE, package_listing, picture_key
from urbanart.library.renditions import ensure_rendition


def still(path: Path, colour: str = "#2050c0", size: tuple[int, int] = (640, 360)) -> Path:
    Image.new("RGB", size, colour).save(path)
    return path


def store_keys(library: Library) -> set[str]:
    return set(library.store.keys())


def test_a_package_imports_with_the_artists_still(library: Library, tmp_path: Path) -> None:
    data = canvas_package(**{"img/dot.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    (tmp_path / "tide-engine.zip").write_bytes(data)
    fallback = still(tmp_path / "still.png", size=(800, 450))
    run = ImportRun(workers=1, fallback=fallback)
    (result,) = import_items(library, scan([tmp_path / "tide-engine.zip"], artist="Nova"), run)
    assert result.status is Status.IMPORTED, result.reason
    record = catalog.get_artwork(library, result.artwork_id).to_json()
    sha = hashlib.sha256(data).hexdigest()
    assert (record["kind"], record["width"], record["height"]) == (GENERATIVE, 800, 450)
    assert record["asset"]["sha256"] == sha
    assert library.store.get(record["asset"]["original_key"]) == data
    listing = package_listing(library, sha)
    assert [p for p, _s, _n in listing.files] == ["img/dot.svg", "index.html", "sketch.js"]
    index = next(f for f in listing.files if f[0] == "index.html")
    assert library.store.get(keys.package_file_key(index[1])) == CANVAS_PIECE.encode()
    thumb = Image.open(io.BytesIO(library.store.get(record["asset"]["thumbnail_key"])))
    assert thumb.convert("RGB").getpixel((5, 5)) == pytest.approx((32, 80, 192), abs=6)
    # a rendition for a screen profile no one asked for at import comes from the still too
    made = ensure_rendition(library, sha, RenditionProfile(320, 180))
    image = Image.open(io.BytesIO(library.store.get(made.store_key))).convert("RGB")
    assert image.size == (320, 180)
    assert image.getpixel((160, 90)) == pytest.approx((32, 80, 192), abs=6)


def test_a_refused_package_leaves_nothing_and_names_the_entry(
    library: Library, tmp_path: Path
) -> None:
    before = store_keys(library)
    bad = tmp_path / "escape.zip"
    bad.write_bytes(package_bytes({"index.html": CANVAS_PIECE, "../../evil.js": "x"}))
    fake = tmp_path / "notes.zip"
    fake.write_text("not a zip\n")
    (wrong_still,) = [tmp_path / "broken-still.png"]
    wrong_still.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    good = tmp_path / "good.zip"
    good.write_bytes(canvas_package())
    run = ImportRun(workers=1)
    results = import_items(library, scan([bad, fake], artist="Nova"), run)
    reasons = {Path(r.file).name: (r.status, r.reason) for r in results}
    assert reasons["escape.zip"][0] is Status.REJECTED
    assert "entry '../../evil.js' escapes" in str(reasons["escape.zip"][1])
    assert reasons["notes.zip"][0] is Status.REJECTED
    assert str(reasons["notes.zip"][1]).startswith("not a zip file")
    (refused,) = import_items(
        library, scan([good], artist="Nova"), ImportRun(workers=1, fallback=wrong_still)
    )
    assert refused.status is Status.REJECTED
    assert str(refused.reason).startswith("its fallback still broken-still.png: ")
    assert store_keys(library) == before
    assert catalog.count_artworks(library) == 0


def test_removing_the_work_takes_its_package_keys(library: Library, tmp_path: Path) -> None:
    (tmp_path / "piece.zip").write_bytes(canvas_package())
    run = ImportRun(workers=1, fallback=still(tmp_path / "s.png"))
    (result,) = import_items(library, scan([tmp_path / "piece.zip"], artist="Nova"), run)
    sha = catalog.get_artwork(library, result.artwork_id).asset.sha256
    assert keys.package_listing_key(sha) in store_keys(library)
    catalog.remove_artwork(library, result.artwork_id)
    left = {k for k in store_keys(library) if sha in k}
    assert left == set()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium to capture with")
def test_without_a_still_the_piece_is_captured_in_chromium(
    library: Library, tmp_path: Path
) -> None:
    (tmp_path / "piece.zip").write_bytes(canvas_package())
    (result,) = import_items(
        library, scan([tmp_path / "piece.zip"], artist="Nova"), ImportRun(workers=1)
    )
    assert result.status is Status.IMPORTED, result.reason
    record = catalog.get_artwork(library, result.artwork_id).to_json()
    assert (record["width"], record["height"]) == (1920, 1080)
    thumb = Image.open(io.BytesIO(library.store.get(record["asset"]["thumbnail_key"])))
    # the piece fills its canvas with one colour: the capture shows what it drew
    assert thumb.convert("RGB").getpixel((10, 10)) == pytest.approx((230, 40, 90), abs=8)


def test_the_cli_takes_a_fallback_and_reports_a_package(run_cli, tmp_path: Path) -> None:
    (tmp_path / "piece.zip").write_bytes(canvas_package())
    fallback = still(tmp_path / "s.png")
    result = run_cli("import", str(tmp_path / "piece.zip"), "--artist", "Nova",
                     "--fallback", str(fallback), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    (row,) = result.json_lines()
    assert row["status"] == "imported"
    shown = run_cli("artworks", "show", str(row["artwork_id"]), "--json")
    assert shown.json()["kind"] == GENERATIVE


def test_the_studio_previews_the_still_of_a_package(library: Library, tmp_path: Path) -> None:
    (tmp_path / "piece.zip").write_bytes(canvas_package())
    run = ImportRun(workers=1, fallback=still(tmp_path / "s.png", colour="#c03020"))
    (result,) = import_items(library, scan([tmp_path / "piece.zip"], artist="Nova"), run)
    asset = catalog.get_artwork(library, result.artwork_id).asset
    key = picture_key(library.store, asset.original_key)
    assert key != asset.original_key
    picture = Image.open(io.BytesIO(library.store.get(key))).convert("RGB")
    assert picture.getpixel((3, 3)) == (192, 48, 32)
    assert picture_key(library.store, "originals/ab/ab12.jpg") == "originals/ab/ab12.jpg"
