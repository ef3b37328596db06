"""The open playlist file: the schema, the example files, export/import round trips and refusals."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import DEMO, demo_collection
from tests.curation.test_playlists_cli import make_artworks, make_playlist
from urbanart.curation import playlist_file
from urbanart.curation.playlists import get_playlist, list_playlists
from urbanart.errors import InvalidValue
from urbanart.library import catalog
from urbanart.library.catalog import get_artwork
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "playlists").glob("*.json"))
#: Video works the examples use, kept beside them (the demo collection has stills only).
CLIPS = {
    hashlib.sha256(p.read_bytes()).hexdigest(): p
    for p in sorted((ROOT / "playlists" / "clips").glob("*"))
}


@pytest.fixture
def demo(library_templates, tmp_path: Path):
    """A copy of the demo library (built once per session and database)."""
    home = tmp_path / "demo-copy"
    library_templates.copy(DEMO, demo_collection, home)
    library = Library.open(home)
    yield library
    library.close()


@pytest.mark.no_database
def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = playlist_file.schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("https://")
    assert schema["properties"]["format"] == {
        "description": schema["properties"]["format"]["description"],
        "const": "urbanart.playlist",
    }


@pytest.mark.no_database
def test_there_are_example_playlists() -> None:
    names = {json.loads(p.read_text("utf-8"))["name"] for p in EXAMPLES}
    assert {"Night Shift", "Morning Light", "Harbour Swell"} <= names
    videos = [
        i for p in EXAMPLES for i in json.loads(p.read_text("utf-8"))["items"] if "loops" in i
    ]
    assert videos and all(i["sha256"] in CLIPS for i in videos)
    assert all(p.stat().st_size < 300_000 for p in CLIPS.values())


def import_clips(library: Library, data: dict[str, Any]) -> None:
    """Import the example's clips from playlists/clips/ as its README says, with its labels."""
    for entry in data["items"]:
        clip = CLIPS.get(entry["sha256"])
        if clip is None:
            continue
        item = ImportItem(clip, entry["artist"])
        (result,) = import_items(library, [item], ImportRun(workers=1))
        assert result.status is Status.IMPORTED and result.artwork_id is not None, result.reason
        catalog.edit_artwork(
            library,
            result.artwork_id,
            title=entry["title"],
            year=entry["year"],
            license=entry["license"],
            status="approved",
        )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_valid_and_imports_into_a_demo_library(demo, path: Path) -> None:
    data = json.loads(path.read_text("utf-8"))
    playlist_file.validate(data)
    import_clips(demo, data)
    record = playlist_file.import_playlist(demo, data)
    assert record.name == data["name"]
    assert [i.sha256 for i in record.items] == [i["sha256"] for i in data["items"]]
    assert [i.title for i in record.items] == [i["title"] for i in data["items"]]
    assert [i.duration for i in record.items] == [i["duration"] for i in data["items"]]
    assert [i.position for i in record.items] == list(range(1, len(data["items"]) + 1))


def test_export_then_import_round_trips(demo) -> None:
    data = json.loads((ROOT / "playlists" / "night-shift.json").read_text("utf-8"))
    original = playlist_file.import_playlist(demo, data)
    exported = playlist_file.export_playlist(demo, original.id)
    playlist_file.validate(exported)
    assert exported["format"] == "urbanart.playlist"
    assert exported["version"] == 1
    assert exported["exported_at"].endswith("Z")
    copy_ = playlist_file.import_playlist(demo, exported, name="Night Shift (copy)")
    strip = [
        (i.artwork_id, i.duration, i.transition, i.transition_s, i.overlay) for i in original.items
    ]
    assert [
        (i.artwork_id, i.duration, i.transition, i.transition_s, i.overlay) for i in copy_.items
    ] == strip


def valid_file() -> dict[str, Any]:
    return json.loads((ROOT / "playlists" / "morning-light.json").read_text("utf-8"))


@pytest.mark.parametrize(
    ("mutate", "path", "reason"),
    [
        (lambda d: d.update(format="m3u"), "$.format", "'urbanart.playlist' was expected"),
        (lambda d: d.update(version=2), "$.version", "1 was expected"),
        (lambda d: d.pop("name"), "$", "'name' is a required property"),
        (lambda d: d["items"][2].update(duration=0), "$.items[2].duration", "minimum of 0"),
        (lambda d: d["items"][0].update(sha256="XYZ"), "$.items[0].sha256", "does not match"),
        (
            lambda d: d["items"][1]["transition"].update(type="wipe"),
            "$.items[1].transition.type",
            "'wipe' is not one of",
        ),
        (lambda d: d.update(itmes=[]), "$", "Additional properties are not allowed"),
    ],
)
def test_schema_errors_name_the_json_path(demo, mutate, path, reason) -> None:
    data = valid_file()
    mutate(data)
    with pytest.raises(InvalidValue) as caught:
        playlist_file.import_playlist(demo, data)
    assert caught.value.field == "playlist file"
    assert caught.value.value == path
    assert reason in caught.value.reason
    assert list_playlists(demo) == []


def test_a_missing_artwork_names_title_and_hash_and_creates_nothing(demo) -> None:
    data = valid_file()
    data["items"][3]["sha256"] = "0" * 64
    data["items"][3]["title"] = "Lost Work"
    with pytest.raises(InvalidValue) as caught:
        playlist_file.import_playlist(demo, data)
    message = str(caught.value)
    assert "artwork 'Lost Work'" in message
    assert "0" * 64 in message
    assert list_playlists(demo) == []


def test_an_unapproved_artwork_is_refused(demo) -> None:
    data = valid_file()
    data["items"][0]["sha256"] = _sha_of(demo, "Last Tram")  # submitted in the demo
    with pytest.raises(InvalidValue, match="is not approved"):
        playlist_file.import_playlist(demo, data)
    assert list_playlists(demo) == []


def test_a_crossfade_longer_than_its_item_is_refused(demo) -> None:
    data = valid_file()
    data["items"][0]["duration"] = 2
    data["items"][0]["transition"] = {"type": "crossfade", "seconds": 5}
    with pytest.raises(InvalidValue) as caught:
        playlist_file.import_playlist(demo, data)
    assert caught.value.value == "$.items[0].transition"
    assert list_playlists(demo) == []


def test_a_taken_name_suggests_name(demo) -> None:
    data = valid_file()
    playlist_file.import_playlist(demo, data)
    with pytest.raises(InvalidValue, match="--name"):
        playlist_file.import_playlist(demo, copy.deepcopy(data))
    renamed = playlist_file.import_playlist(demo, data, name="Morning Light 2")
    assert renamed.name == "Morning Light 2"
    assert get_playlist(demo, "Morning Light").item_count == renamed.item_count


def _sha_of(library: Library, title: str) -> str:
    return get_artwork(library, title).asset.sha256


@pytest.mark.no_database
def test_write_file_refuses_a_missing_folder_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "evening.json"
    with pytest.raises(InvalidValue, match="its folder does not exist") as caught:
        playlist_file.write_file(missing, {"name": "Evening"})
    assert caught.value.key == "output_file" and caught.value.value == str(missing)
    assert not missing.parent.exists()
    target = tmp_path / "evening.json"
    target.write_text("old", encoding="utf-8")
    assert playlist_file.write_file(target, {"name": "Grüße"}) == target
    assert json.loads(target.read_text("utf-8")) == {"name": "Grüße"}
    assert [p.name for p in tmp_path.iterdir()] == ["evening.json"]


# Through the CLI ------------------------------------------------------------------------------


def test_cli_export_writes_atomically_and_imports_back(run_cli, tmp_path: Path) -> None:
    make_playlist(run_cli, tmp_path, "Evening", ("One", "Two"))
    out = tmp_path / "out"
    out.mkdir()
    target = out / "evening.json"
    result = run_cli("playlists", "export", "Evening", "-o", str(target), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == {"file": str(target), "name": "Evening", "items": 2}
    assert [p.name for p in out.iterdir()] == ["evening.json"]  # no temporary file left
    data = json.loads(target.read_text("utf-8"))
    playlist_file.validate(data)
    to_stdout = run_cli("playlists", "export", "Evening")
    assert json.loads(to_stdout.stdout)["items"] == data["items"]
    again = run_cli("playlists", "import", str(target), "--name", "Evening again", "--json")
    assert again.exit_code == 0, again.stderr
    assert [i["title"] for i in again.json()["items"]] == ["Evening One", "Evening Two"]


def test_cli_import_refusals_exit_2_and_create_nothing(run_cli, tmp_path: Path) -> None:
    make_artworks(run_cli, tmp_path, ["Only"])
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json", encoding="utf-8")
    result = run_cli("playlists", "import", str(broken))
    assert result.exit_code == 2
    assert "is not JSON" in result.stderr
    stranger = tmp_path / "stranger.json"
    stranger.write_text(
        json.dumps(
            {
                "format": "urbanart.playlist",
                "version": 1,
                "name": "Stranger",
                "items": [{"sha256": "a" * 64, "title": "Elsewhere", "duration": 5}],
            }
        ),
        encoding="utf-8",
    )
    result = run_cli("playlists", "import", str(stranger))
    assert result.exit_code == 2
    assert "artwork 'Elsewhere'" in result.stderr
    assert "a" * 64 in result.stderr
    assert run_cli("playlists", "list", "--json").json() == []
