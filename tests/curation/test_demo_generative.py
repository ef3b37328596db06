"""The demo's generative piece: packaged the same every time, imported with its shipped still (no
browser needed), and on screens once the demo curation is published."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from urbanart.curation.demo import load_demo_curation
from urbanart.delivery.publisher import publish
from urbanart.library import catalog
from urbanart.library.demo import DEMO_WORKS, load_demo
from urbanart.library.demo_piece import TITLE, package_folder, piece_folder
from urbanart.library.importer import ImportRun
from urbanart.library.library import Library, current_tree
from urbanart.library.package_import import GENERATIVE, find_still

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.no_database
def test_the_package_is_byte_for_byte_stable(tmp_path: Path) -> None:
    one = package_folder(piece_folder(), tmp_path / "one.zip").read_bytes()
    two = package_folder(piece_folder(), tmp_path / "two.zip").read_bytes()
    assert one == two
    playlist = json.loads((REPO / "playlists" / "morning-light.json").read_text("utf-8"))
    named = {item["title"]: item["sha256"] for item in playlist["items"]}
    assert named[TITLE] == hashlib.sha256(one).hexdigest()  # the playlist file names it


def test_the_demo_plays_the_piece_on_its_landscape_screens(library: Library) -> None:
    results = load_demo(library, run=ImportRun(workers=1))
    assert catalog.count_artworks(library) == DEMO_WORKS
    (piece,) = [r for r in results if r.title == TITLE]
    record = catalog.get_artwork(library, piece.artwork_id)
    assert record.asset.kind == GENERATIVE and record.status == "approved"
    assert str(find_still(library.store, record.asset.sha256)).endswith("-still.jpg")
    load_demo_curation(library, today=date.today())
    publish(library)
    shown: set[str] = set()
    for manifest in (current_tree(library) / "screens").glob("*/manifest.json"):
        payload = json.loads(json.loads(manifest.read_bytes())["payload"])
        for playlist in payload["playlists"].values():
            for item in playlist["items"]:
                if item.get("media_type") == "generative":
                    assert item["generative"]["sha256"] == record.asset.sha256
                    shown.add(payload["screen"]["name"])
    assert {"Lisbon Metro Wall", "Berlin Kunsthalle Foyer"} <= shown
