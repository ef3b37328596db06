"""The screen's generative package cache against a real HTTP server on 127.0.0.1: files land
only when they match the manifest, never outside the package's folder, and are hashed again
when the piece is about to run."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.serving import serve_in_background
from urbanart.player.media_cache import MediaInvalid
from urbanart.player.package_cache import PackageCache

FILES = {"index.html": b"<canvas></canvas><script src='js/a.js'></script>", "js/a.js": b"go()"}


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A plain static server over a tree folder: (its URL, the folder)."""
    root = tmp_path / "tree"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    serve_in_background(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root
    finally:
        server.shutdown()
        server.server_close()


def published(
    root: Path, files: dict[str, bytes], entries: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Write a package into the tree; its manifest entry (`generative`)."""
    sha = hashlib.sha256(b"".join(files.values())).hexdigest()
    for path, data in files.items():
        target = root / "media" / "gen" / sha / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    listed = [
        {"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
        for p, d in files.items()
    ]
    return {
        "base_url": f"/media/gen/{sha}/",
        "entry": "index.html",
        "files": listed if entries is None else entries,
    }


def test_a_package_downloads_verified_and_reads_back(hub: tuple[str, Path], tmp_path: Path) -> None:
    url, root = hub
    package = published(root, FILES)
    cache = PackageCache(tmp_path / "packages")
    assert cache.verified(package) is None  # not fetched yet
    with requests.Session() as session:
        cache.download(package, url, session)
    assert cache.missing(package) == []
    assert cache.verified(package) == FILES


def test_a_file_the_hub_changed_is_refused_and_not_kept(
    hub: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = hub
    package = published(root, FILES)
    served = root / package["base_url"].strip("/") / "js" / "a.js"
    served.write_bytes(b"fetch('https://else.where/')")  # not what the manifest says
    cache = PackageCache(tmp_path / "packages")
    with requests.Session() as session, pytest.raises(MediaInvalid, match=r"js/a\.js"):
        cache.download(package, url, session)
    assert not (cache.folder(package) / "js" / "a.js").exists()
    assert [f["path"] for f in cache.missing(package)] == ["js/a.js"]
    assert cache.verified(package) is None
    assert list(cache.tmp.iterdir()) == []


@pytest.mark.parametrize("path", ["../escape.js", "/etc/x", "js/../../x", "a\\..\\x", ""])
def test_a_path_outside_the_package_folder_is_refused(
    hub: tuple[str, Path], tmp_path: Path, path: str
) -> None:
    url, root = hub
    entry = {"path": path, "sha256": hashlib.sha256(b"x").hexdigest(), "size": 1}
    package = published(root, FILES, entries=[entry])
    cache = PackageCache(tmp_path / "cache" / "packages")
    with requests.Session() as session, pytest.raises(MediaInvalid, match="outside its folder"):
        cache.download(package, url, session)
    assert cache.verified(package) is None
    assert sorted(p.name for p in (tmp_path / "cache").rglob("*")) == ["packages", "tmp"]


def test_eviction_keeps_only_the_packages_still_needed(
    hub: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = hub
    kept = published(root, FILES)
    gone = published(root, {"index.html": b"<p>other</p>"})
    cache = PackageCache(tmp_path / "packages")
    with requests.Session() as session:
        cache.download(kept, url, session)
        cache.download(gone, url, session)
    cache.evict([kept])
    assert cache.verified(kept) == FILES
    assert not cache.folder(gone).exists()
