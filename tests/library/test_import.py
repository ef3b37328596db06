"""Importing files into a real library: outcomes per file, dedupe, metadata, nothing left behind."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.imaging.corpus import build_corpus
from urbanart.errors import MetadataError
from urbanart.imaging.renditions import RenditionProfile
from urbanart.library import catalog
from urbanart.library.import_sources import read_sheet, scan
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library
from urbanart.library.models import Artwork, MediaAsset, Rendition
from urbanart.library.renditions import ensure_rendition, made_renditions

GOOD = {
    "plain.jpg": (640, 480),
    "orient6.jpg": (300, 400),
    "orient8.jpg": (300, 400),
    "orient3.jpg": (400, 300),
    "cmyk.jpg": (64, 48),
    "gray16.png": None,
    "palette_alpha.png": None,
    "rgba.png": None,
    "anim.gif": None,
    "anim.webp": None,
}
BAD = {
    "empty.jpg": "empty file",
    "text.jpg": "not an image (the content is text)",
    "document.png": "PDF",
    "truncated.jpg": "",  # damaged or truncated: the exact words belong to the imaging tests
    "truncated.png": "",
    "bomb.png": "too many pixels",
}


def _rows(library: Library) -> tuple[int, int]:
    with library.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Artwork)) or 0,
            s.scalar(select(func.count()).select_from(MediaAsset)) or 0,
        )


@pytest.fixture
def corpus(tmp_path: Path) -> dict[str, Path]:
    return build_corpus(tmp_path / "corpus")


def test_every_file_gets_the_outcome_its_content_deserves(
    library: Library, corpus: dict[str, Path]
) -> None:
    names = [*GOOD, *BAD]
    items = scan([corpus[n] for n in names], artist="Test Collective")
    results = {Path(r.file).name: r for r in import_items(library, items, ImportRun(workers=2))}
    for name, size in GOOD.items():
        assert results[name].status is Status.IMPORTED, (name, results[name].reason)
        record = catalog.get_artwork(library, results[name].artwork_id)
        if size is not None:
            assert (record.asset.width, record.asset.height) == size, name
    for name, words in BAD.items():
        assert results[name].status is Status.REJECTED, name
        assert results[name].artwork_id is None
        assert words in (results[name].reason or ""), (name, results[name].reason)
    assert catalog.get_artwork(library, results["anim.gif"].artwork_id).asset.frame_count == 3
    assert catalog.get_artwork(library, results["orient6.jpg"].artwork_id).asset.format == "JPEG"


def test_refused_files_leave_no_row_and_no_stored_file(
    library: Library, corpus: dict[str, Path]
) -> None:
    items = scan([corpus[n] for n in BAD], artist="Test Collective")
    results = import_items(library, items)
    assert {r.status for r in results} == {Status.REJECTED}
    assert _rows(library) == (0, 0)
    assert list(library.store.keys()) == []


def test_same_bytes_twice_are_one_asset(
    library: Library, corpus: dict[str, Path], tmp_path: Path
) -> None:
    copy = tmp_path / "copy-with-another-name.jpg"
    copy.write_bytes(corpus["plain.jpg"].read_bytes())
    first = import_items(library, scan([corpus["plain.jpg"]], artist="A"))
    again = import_items(library, scan([copy, corpus["plain.jpg"]], artist="B"))
    assert first[0].status is Status.IMPORTED
    assert [r.status for r in again] == [Status.DUPLICATE, Status.DUPLICATE]
    assert {r.artwork_id for r in again} == {first[0].artwork_id}
    assert _rows(library) == (1, 1)
    assert catalog.get_artwork(library, first[0].artwork_id).artist_name == "A"


def test_original_is_stored_untouched_with_a_thumbnail_and_requested_renditions(
    library: Library, corpus: dict[str, Path]
) -> None:
    profile = RenditionProfile(320, 180, "contain", background="#ff00ff", format="JPEG")
    (result,) = import_items(
        library, scan([corpus["rgba.png"]], artist="A"), ImportRun(profiles=(profile,))
    )
    asset = catalog.get_artwork(library, result.artwork_id).asset
    assert library.store.get(asset.original_key) == corpus["rgba.png"].read_bytes()
    assert asset.thumbnail_key is not None and library.store.exists(asset.thumbnail_key)
    with library.session() as s:
        (rendition,) = s.scalars(select(Rendition)).all()
        assert rendition.profile_key == profile.key()
        data = library.store.get(rendition.store_key)
    with Image.open(library.store.local_path(rendition.store_key)) as img:
        assert img.size == (320, 180) and img.mode == "RGB"
    assert len(data) == rendition.byte_size


def test_rendition_on_demand_is_made_once_then_cached(
    library: Library, corpus: dict[str, Path]
) -> None:
    (result,) = import_items(library, scan([corpus["orient6.jpg"]], artist="A"))
    sha = result.sha256
    profile = RenditionProfile(1080, 1920, "cover", format="WEBP")
    first = ensure_rendition(library, sha, profile)
    path = library.store.local_path(first.store_key)
    mtime = path.stat().st_mtime_ns
    second = ensure_rendition(library, sha, profile)
    assert second == first and path.stat().st_mtime_ns == mtime
    with Image.open(path) as img:
        assert img.size == (1080, 1920)


def test_made_renditions_are_the_asked_ones_already_made_with_their_files(
    library: Library, corpus: dict[str, Path]
) -> None:
    """One query finds the renditions made among the (asset, profile) pairs asked for: not a
    profile made for another asset only, not one never made, not one whose file is gone."""
    (one,) = import_items(library, scan([corpus["orient6.jpg"]], artist="A"))
    (two,) = import_items(library, scan([corpus["rgba.png"]], artist="B"))
    small = RenditionProfile(64, 64, "cover", format="WEBP")
    large = RenditionProfile(200, 120, "contain", format="JPEG")
    never = RenditionProfile(99, 99, "cover", format="PNG")
    made = {
        (one.sha256, small.key()): ensure_rendition(library, one.sha256, small),
        (one.sha256, large.key()): ensure_rendition(library, one.sha256, large),
    }
    gone = ensure_rendition(library, two.sha256, large)
    library.store.delete(gone.store_key)
    asked = [*made, (two.sha256, small.key()), (two.sha256, large.key()), (one.sha256, never.key())]
    assert made_renditions(library, asked) == made
    assert made_renditions(library, [(one.sha256, large.key())]) == {
        (one.sha256, large.key()): made[(one.sha256, large.key())]
    }
    crossed = [(one.sha256, small.key()), (two.sha256, large.key())]  # not (one, large)
    assert made_renditions(library, crossed) == {crossed[0]: made[crossed[0]]}
    assert made_renditions(library, []) == {}


def test_folder_of_sub_folders_is_one_artist_per_sub_folder(
    library: Library, tmp_path: Path
) -> None:
    root = tmp_path / "submissions"
    for artist, colour in (("Ada Lumen", "red"), ("Bo Static", "blue")):
        (root / artist / "series").mkdir(parents=True)
        Image.new("RGB", (50, 40), colour).save(root / artist / "one.png")
        Image.new("RGB", (40, 50), colour).save(root / artist / "series" / "two.png")
    (root / "notes.txt").write_text("not art")
    (root / "Ada Lumen" / "statement.PDF").write_bytes(b"%PDF-1.4 not art either")
    (root / "Ada Lumen" / ".DS_Store").write_bytes(b"junk")
    results = import_items(library, scan([root]))
    assert [r.status for r in results if r.status is not Status.SKIPPED] == [Status.IMPORTED] * 4
    skipped = {Path(r.file).name: r.reason for r in results if r.status is Status.SKIPPED}
    assert skipped == {  # named with what they are; hidden files are not worth a line
        "notes.txt": "a text file, not an artwork: a folder import passes over .txt files",
        "statement.PDF": "a PDF document, not an artwork: a folder import passes over .pdf files",
    }
    by_artist = {a.name: a.artwork_count for a in catalog.list_artists(library)}
    assert by_artist == {"Ada Lumen": 2, "Bo Static": 2}


def test_file_without_an_artist_is_refused_with_a_way_out(
    library: Library, corpus: dict[str, Path]
) -> None:
    (result,) = import_items(library, scan([corpus["plain.jpg"]]))
    assert result.status is Status.REJECTED
    assert "--artist" in (result.reason or "")
    assert _rows(library) == (0, 0) and list(library.store.keys()) == []


def _sheet(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_metadata_sheet_fills_every_field(library: Library, corpus: dict[str, Path]) -> None:
    sheet = _sheet(
        corpus["plain.jpg"].parent / "sheet.csv",
        [
            {
                "file": "plain.jpg",
                "artist": "Verdant Static",
                "title": "Signal Garden",
                "year": "2025",
                "description": "Plants grown from radio noise.",
                "alt_text": "Green fronds on black",
                "license": "cc by",
                "ai_involvement": "trainedalgorithmicmedia",
                "tags": "Garden; noise, garden",
            }
        ],
    )
    items = scan([corpus["plain.jpg"]])
    (result,) = import_items(library, items, ImportRun(sheet=read_sheet(sheet)))
    record = catalog.get_artwork(library, result.artwork_id)
    assert (record.title, record.artist_name, record.year) == (
        "Signal Garden",
        "Verdant Static",
        2025,
    )
    assert record.license == "CC-BY-4.0"
    assert record.license_url == "https://creativecommons.org/licenses/by/4.0/"
    assert record.ai_involvement == "trainedAlgorithmicMedia"
    assert record.tags == ("garden", "noise")
    assert record.alt_text == "Green fronds on black"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"file": "plain.jpg", "license": "free-ish"}, "line 2 (plain.jpg): license 'free-ish'"),
        ({"file": "plain.jpg", "year": "last year"}, "year 'last year'"),
        ({"file": "plain.jpg", "ai_involvement": "robots"}, "ai_involvement 'robots'"),
        ({"file": "", "title": "x"}, "'file' is empty"),
        ({"file": "plain.jpg", "colour": "red"}, "unknown column 'colour'"),
    ],
)
@pytest.mark.no_database
def test_bad_sheet_is_refused_before_any_file(
    tmp_path: Path, row: dict[str, str], message: str
) -> None:
    sheet = _sheet(tmp_path / "sheet.csv", [row])
    with pytest.raises(MetadataError, match=r"sheet\.csv") as info:
        read_sheet(sheet)
    assert message in str(info.value)


def test_cancel_stops_before_the_remaining_files(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(12):
        Image.new("RGB", (30 + i, 20), (i * 20, 0, 0)).save(folder / f"{i:02}.png")
    run = ImportRun(workers=2)

    def stop_after_two(done: int, total: int, _result: object) -> None:
        if done == 2:
            run.cancel.set()

    run.on_result = stop_after_two
    results = import_items(library, scan([folder], artist="A"), run)
    assert 2 <= len(results) < 12
    assert all(r.status is Status.IMPORTED for r in results)
    assert _rows(library)[0] == len(results)
