"""Importing videos into a real library: stored untouched, facts recorded, bad files refused
with nothing stored, duplicates reported, the poster frame settable from the CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.imaging.video_clips import Clip, write_audio_only, write_clip
from urbanart.errors import InvalidValue
from urbanart.imaging.renditions import RenditionProfile
from urbanart.library import catalog
from urbanart.library.import_sources import scan
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library
from urbanart.library.renditions import ensure_rendition
from urbanart.library.settings import load_settings, update_settings
from urbanart.library.video_poster import set_poster


@pytest.fixture(scope="session")
def import_clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("import-clips")
    write_clip(folder / "street.mp4", Clip(width=64, height=48, frames=24, audio=True))
    write_clip(folder / "phone.mov", Clip(width=64, height=48, rotation=90, container="mov"))
    write_clip(folder / "loop.webm", Clip(codec="libvpx-vp9", container="webm"))
    write_clip(folder / "trailer.m4v", Clip(container="ipod"))
    write_clip(folder / "reel.mkv", Clip(container="matroska"))
    write_audio_only(folder / "song.m4a")
    (folder / "renamed.mp4").write_text("not a video at all, just words\n" * 10)
    (folder / "empty.mp4").write_bytes(b"")
    data = (folder / "street.mp4").read_bytes()
    (folder / "cut.mp4").write_bytes(data[: len(data) // 2])
    return folder


def run_import(library: Library, *paths: Path) -> dict[str, object]:
    items = scan([str(p) for p in paths], artist="Nova")
    limits = load_settings(library).import_limits()
    results = import_items(library, items, ImportRun(limits=limits, workers=1))
    return {Path(r.file).name: r for r in results}


def test_videos_import_with_their_facts_and_untouched_originals(
    library: Library, import_clips: Path
) -> None:
    names = ("street.mp4", "phone.mov", "loop.webm", "trailer.m4v", "reel.mkv")
    results = run_import(library, *(import_clips / name for name in names))
    assert sorted(results) == sorted(names)
    assert {n: r.status for n, r in results.items()} == dict.fromkeys(results, Status.IMPORTED)
    street = catalog.get_artwork(library, results["street.mp4"].artwork_id).to_json()
    assert street["kind"] == "video"
    assert (street["width"], street["height"]) == (64, 48)
    assert street["duration_s"] == pytest.approx(2.0, abs=0.05)
    assert street["fps"] == pytest.approx(12.0)
    assert street["has_audio"] is True
    assert street["poster_s"] == 0.2  # a tenth of 2 s, sooner than 1 s
    original = (import_clips / "street.mp4").read_bytes()
    assert street["asset"]["sha256"] == hashlib.sha256(original).hexdigest()
    assert library.store.get(street["asset"]["original_key"]) == original
    assert street["asset"]["original_key"].endswith(".mp4")
    assert library.store.exists(street["asset"]["thumbnail_key"])
    phone = catalog.get_artwork(library, results["phone.mov"].artwork_id).to_json()
    assert (phone["width"], phone["height"], phone["has_audio"]) == (48, 64, False)
    assert phone["asset"]["mime_type"] == "video/quicktime"
    loop = catalog.get_artwork(library, results["loop.webm"].artwork_id).to_json()
    assert loop["asset"]["format"] == "WEBM"
    for name, container, mime in (
        ("trailer.m4v", "M4V", "video/x-m4v"),
        ("reel.mkv", "MKV", "video/x-matroska"),
    ):
        work = catalog.get_artwork(library, results[name].artwork_id).to_json()
        assert (work["kind"], work["asset"]["format"], work["asset"]["mime_type"]) == (
            "video",
            container,
            mime,
        )


def test_same_video_again_is_a_duplicate(library: Library, import_clips: Path) -> None:
    first = run_import(library, import_clips / "street.mp4")["street.mp4"]
    again = run_import(library, import_clips / "street.mp4")["street.mp4"]
    assert again.status is Status.DUPLICATE
    assert again.artwork_id == first.artwork_id
    assert catalog.count_artworks(library) == 1


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("song.m4a", "not a video: it holds only sound (aac), no picture"),
        ("renamed.mp4", "not a video (the content is text)"),
        ("empty.mp4", "empty file"),
        ("cut.mp4", "truncated: the file ends inside its mdat box"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    library: Library, import_clips: Path, name: str, reason: str
) -> None:
    result = run_import(library, import_clips / name)[name]
    assert result.status is Status.REJECTED
    assert result.reason is not None and result.reason.startswith(reason)
    assert catalog.count_artworks(library) == 0
    assert list(library.store.keys()) == []


def test_length_limit_is_a_library_setting(library: Library, import_clips: Path) -> None:
    assert load_settings(library).max_video_seconds == 30 * 60  # the default: half an hour
    update_settings(library, max_video_seconds=1)
    result = run_import(library, import_clips / "street.mp4")["street.mp4"]
    assert result.status is Status.REJECTED
    assert result.reason == (
        "too long: 2.0 s, the limit is 1.0 s (the library setting max_video_seconds)"
    )
    assert list(library.store.keys()) == []
    with pytest.raises(InvalidValue) as caught:
        update_settings(library, max_video_seconds=0)
    assert caught.value.key == "max_video_seconds"
    assert load_settings(library).max_video_seconds == 1


def test_poster_time_gives_a_new_thumbnail_and_still(library: Library, import_clips: Path) -> None:
    artwork_id = run_import(library, import_clips / "street.mp4")["street.mp4"].artwork_id
    before = catalog.get_artwork(library, artwork_id)
    sha = before.asset.sha256
    profile = RenditionProfile(32, 32, "cover")
    old_still = ensure_rendition(library, sha, profile)
    after = set_poster(library, artwork_id, 1.5)
    assert after.asset.poster_s == 1.5
    assert after.asset.thumbnail_key != before.asset.thumbnail_key
    assert library.store.exists(after.asset.thumbnail_key)
    assert not library.store.exists(before.asset.thumbnail_key)
    new_still = ensure_rendition(library, sha, profile)
    assert new_still.store_key != old_still.store_key
    assert new_still.file_sha256 != old_still.file_sha256  # the grey bar counts frames
    assert not library.store.exists(old_still.store_key)


def test_poster_time_is_checked_and_a_bad_one_changes_nothing(
    library: Library, import_clips: Path
) -> None:
    artwork_id = run_import(library, import_clips / "street.mp4")["street.mp4"].artwork_id
    for bad in ("2.0", "-0.5", "later"):
        with pytest.raises(InvalidValue) as caught:
            set_poster(library, artwork_id, bad)
        assert caught.value.key == "poster_at"
    assert catalog.get_artwork(library, artwork_id).asset.poster_s == 0.2


def test_cli_shows_video_facts_and_sets_the_poster(run_cli, import_clips: Path) -> None:
    imported = run_cli("import", str(import_clips / "phone.mov"), "--artist", "Nova")
    assert imported.exit_code == 0, imported.stderr
    shown = run_cli("artworks", "show", "1", "--json").json()
    assert {k: shown[k] for k in ("kind", "width", "height", "has_audio")} == {
        "kind": "video",
        "width": 48,
        "height": 64,
        "has_audio": False,
    }
    assert shown["duration_s"] == pytest.approx(1.0) and shown["fps"] == pytest.approx(12.0)
    edited = run_cli("artworks", "edit", "1", "--poster-at", "0.5", "--json")
    assert edited.exit_code == 0, edited.stderr
    assert edited.json()["poster_s"] == 0.5
    refused = run_cli("artworks", "edit", "1", "--poster-at", "9")
    assert refused.exit_code != 0
    assert "poster time '9': must be from 0 to less than the video's length (1 s)" in (
        refused.stderr
    )
    assert run_cli("artworks", "show", "1", "--json").json()["poster_s"] == 0.5
