"""Publishing a generative work: manifest v3 names its package, its files land in the tree at
/media/gen/<package sha256>/<path>, the still stays `media`, and the hub serves the package with
its no-network CSP and the right content types."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from PIL import Image

from tests.delivery.conftest import World
from tests.delivery.hub_fixtures import running_hub
from tests.delivery.test_publish import manifests
from tests.imaging.packages import CANVAS_PIECE, CANVAS_SCRIPT, canvas_package
from urbanart.curation import playlists, screens
from urbanart.delivery.publisher import publish
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library, current_tree
from urbanart.protocol.manifest_format import media_urls, validate_payload
from urbanart.protocol.tree_layout import GENERATIVE_CSP

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def generative(library: Library, world: World, tmp_path: Path) -> tuple[int, int, bytes]:
    """(screen id, artwork id, package bytes): a piece after a still, on a 320×180 screen."""
    data = canvas_package(**{"img/dot.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    (tmp_path / "piece.zip").write_bytes(data)
    fallback = tmp_path / "still.png"
    Image.new("RGB", (640, 360), (20, 160, 90)).save(fallback)
    run = ImportRun(workers=1, fallback=fallback)
    (result,) = import_items(library, [ImportItem(tmp_path / "piece.zip", "Nova")], run)
    assert result.status is Status.IMPORTED and result.artwork_id is not None, result.reason
    catalog.edit_artwork(library, result.artwork_id, title="Currents", status="approved")
    reel = playlists.create_playlist(library, "Reel")
    playlists.add_items(library, reel.id, [world.works["Red Harbour"]], duration=5)
    playlists.add_items(library, reel.id, [result.artwork_id], duration=20)
    screen = screens.add_screen(
        library, "Lisbon Quay", tz="Europe/Lisbon", size="320x180", default_playlist=reel.id
    )
    return screen.id, result.artwork_id, data


def test_the_manifest_names_the_package_and_the_tree_holds_its_files(
    library: Library, generative: tuple[int, int, bytes]
) -> None:
    screen_id, artwork_id, data = generative
    publish(library, now=NOW)
    payload = manifests(library)[screen_id][1]
    validate_payload(payload)
    assert payload["version"] == 3
    (item,) = [
        i
        for p in payload["playlists"].values()
        for i in p["items"]
        if i["artwork_id"] == artwork_id
    ]
    assert item["media_type"] == "generative"
    package = item["generative"]
    sha = hashlib.sha256(data).hexdigest()
    assert package["base_url"] == f"/media/gen/{sha}/"
    assert (package["entry"], package["sha256"]) == ("index.html", sha)
    assert [f["path"] for f in package["files"]] == ["img/dot.svg", "index.html", "sketch.js"]
    assert package["size"] == sum(f["size"] for f in package["files"])
    root = current_tree(library)
    for entry in package["files"]:
        body = (root / package["base_url"].lstrip("/") / entry["path"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == entry["sha256"] and len(body) == entry["size"]
    assert (root / package["base_url"].lstrip("/") / "index.html").read_text() == CANVAS_PIECE
    # media stays the still, fitted to the screen
    media = item["media"]
    with Image.open(root / media["url"].lstrip("/")) as still:
        assert still.size == (320, 180)
        assert still.convert("RGB").getpixel((160, 90)) == pytest.approx((20, 160, 90), abs=6)
    assert media["url"] in media_urls(payload)


def test_the_hub_serves_the_package_with_its_csp_and_types(
    library: Library, generative: tuple[int, int, bytes]
) -> None:
    screen_id, _artwork_id, data = generative
    publish(library, now=NOW)
    payload = manifests(library)[screen_id][1]
    sha = hashlib.sha256(data).hexdigest()
    with running_hub(library) as hub:
        base = hub.url.rstrip("/")
        page = requests.get(f"{base}/media/gen/{sha}/index.html", timeout=10)
        script = requests.get(f"{base}/media/gen/{sha}/sketch.js", timeout=10)
        svg = requests.get(f"{base}/media/gen/{sha}/img/dot.svg", timeout=10)
        ranged = requests.get(
            f"{base}/media/gen/{sha}/index.html",
            headers={"Range": "bytes=0-9", "Accept-Encoding": "identity"},
            timeout=10,
        )
        still = requests.get(base + next(iter(sorted(media_urls(payload)))), timeout=10)
    assert page.status_code == 200 and page.text == CANVAS_PIECE
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert script.text == CANVAS_SCRIPT
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert svg.headers["content-type"] == "image/svg+xml"
    assert [a.status_code for a in (page, script, svg, ranged)] == [200, 200, 200, 206]
    for answer in (page, script, svg, ranged):
        # the hub's own "frame-ancestors 'self'" comes as a second policy; both are enforced
        assert GENERATIVE_CSP in answer.raw.headers.getlist("content-security-policy")
        assert "immutable" in answer.headers["cache-control"]
    assert ranged.status_code == 206
    assert still.status_code == 200
    assert GENERATIVE_CSP not in still.raw.headers.getlist("content-security-policy")
