"""The worker side of importing a generative work: guard its package, make its still, store both.

Runs in an import worker process, as prepare_file does for stills; the writer records the
catalog row (a MediaAsset of kind GENERATIVE whose width, height, thumbnail and renditions are
its still's). Stored, all content-addressed:
- the .zip as imported (`originals/…/<sha>.zip`), the package's identity;
- each file of the package by its own sha256 (`packages/…`), what publishing copies to the tree;
- the file list (`package-lists/…/<sha>.json`), so publishing never unzips;
- the still (`originals/…/<sha>-still.<ext>`), from which thumbnails and renditions are made.
Nothing is stored before the package and its still have both passed their guards.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from urbanart.errors import ImportRefused, NotFound
from urbanart.imaging.limits import ImportLimits
from urbanart.imaging.package_still import capture_still, title_card
from urbanart.imaging.packages import Package, read_package
from urbanart.imaging.probe import STILL_EXTENSIONS as EXTENSION_OF_FORMAT
from urbanart.imaging.probe import MediaInfo, inspect_and_render
from urbanart.imaging.renditions import Rendition as RenditionImage
from urbanart.imaging.renditions import RenditionProfile
from urbanart.library import store as keys
from urbanart.library.library import Library
from urbanart.library.models import MediaAsset
from urbanart.library.store import MediaStore

#: MediaAsset.kind of a generative work (the column holds 8 characters; the manifest says
#: "generative"). Its original is the HTML5 package.
GENERATIVE = "html5"
#: Extensions a still may be stored under, so it is found again by the package's sha256 alone.
STILL_EXTENSIONS = ("png", "jpg", "webp", "gif", "tif", "bmp")


@dataclass(frozen=True)
class PreparedPackage:
    info: MediaInfo  # the package's sha256 and size; the still's width and height
    original_key: str
    thumbnail_key: str | None
    renditions: tuple[tuple[str, str, RenditionImage], ...]
    #: stored for this package alone (the still, the listing): removed if the row is not made
    own_keys: tuple[str, ...]
    still_source: str  # "artist", "capture" or "title card": said in the import's report


def title_for_card(path: Path) -> str:
    stem = path.stem.replace("_", " ").replace("-", " ").strip()
    return stem[:1].upper() + stem[1:] if stem else path.name


def prepare_package(
    path: str,
    data: bytes,
    store: MediaStore,
    limits: ImportLimits,
    profiles: Sequence[RenditionProfile],
    fallback: str | None = None,
) -> PreparedPackage:
    """Guard, make or take the still, then store. ImportRefused says why not (and names the
    fallback file when it is the still that was refused)."""
    name = Path(path).name
    package = read_package(data, name, limits)
    still, still_name, source = _still(package, Path(path), fallback)
    try:
        info, thumb, renditions = inspect_and_render(still, still_name, limits, tuple(profiles))
    except ImportRefused as exc:
        raise ImportRefused(name, f"its fallback still {still_name}: {exc.reason}") from None
    sha = package.sha256
    for item in package.files:
        key = keys.package_file_key(item.sha256)
        if not store.exists(key):
            store.put(key, item.data)
    listing_key = keys.package_listing_key(sha)
    listing = {"sha256": sha, "size": package.size, "files": package.listing()}
    store.put(listing_key, json.dumps(listing, sort_keys=True).encode("utf-8"))
    still_key = keys.fallback_key(sha, EXTENSION_OF_FORMAT.get(info.format, "png"))
    store.put(still_key, still)
    original = keys.original_key(sha, "zip")
    store.put(original, data)
    thumb_key = None
    if thumb is not None:
        thumb_key = keys.thumbnail_key(sha, thumb.extension)
        store.put(thumb_key, thumb.data)
    stored = []
    for image in renditions:
        key = keys.rendition_key(sha, image.profile_key, image.extension)
        store.put(key, image.data)
        stored.append((image.profile_key, key, image))
    facts = MediaInfo(
        sha256=sha,
        format="ZIP",
        mime_type="application/zip",
        width=info.width,
        height=info.height,
        frame_count=1,
        byte_size=len(data),
        animated=False,
    )
    return PreparedPackage(
        facts, original, thumb_key, tuple(stored), (listing_key, still_key), source
    )


def _still(package: Package, path: Path, fallback: str | None) -> tuple[bytes, str, str]:
    """(bytes, name, where it came from): the artist's file, a capture, or a title card."""
    if fallback is not None:
        try:
            return Path(fallback).read_bytes(), Path(fallback).name, "artist"
        except OSError as exc:
            reason = f"cannot read its fallback still {fallback}: {exc.strerror or exc}"
            raise ImportRefused(path.name, reason) from None
    captured = capture_still(package)
    if captured is not None:
        return captured, "capture.png", "capture"
    return title_card(title_for_card(path), "Generative work"), "title-card.png", "title card"


def find_still(store: MediaStore, sha256: str) -> str | None:
    """The store key of a generative package's still, or None when it went missing."""
    for extension in STILL_EXTENSIONS:
        key = keys.fallback_key(sha256, extension)
        if store.exists(key):
            return key
    return None


def picture_key(store: MediaStore, key: str) -> str:
    """The key of a picture to show for an original: a generative package's still for its .zip
    (the studio's previews show the still; the piece runs only on screens and phones)."""
    if key.startswith("originals/") and key.endswith(".zip"):
        sha = key.rsplit("/", 1)[-1].removesuffix(".zip")
        return find_still(store, sha) or key
    return key


def package_keys(sha256: str) -> list[str]:
    """The keys a generative package has beyond what every asset has, to remove with it (its
    files stay: other packages may share them, and the store's own clean-up sees them)."""
    still = [keys.fallback_key(sha256, extension) for extension in STILL_EXTENSIONS]
    return [keys.package_listing_key(sha256), *still]


@dataclass(frozen=True)
class PackageListing:
    """What publishing a package needs: its sha256, its total size and its files."""

    sha256: str
    size: int
    files: tuple[tuple[str, str, int], ...]  # (path, sha256, size)

    def to_json(self) -> list[dict[str, Any]]:
        return [{"path": p, "sha256": s, "size": n} for p, s, n in self.files]


def package_listing(library: Library, sha256: str) -> PackageListing:
    """The stored file list of a generative work's package (NotFound when there is none)."""
    with library.session() as session:
        kind = session.scalar(select(MediaAsset.kind).where(MediaAsset.sha256 == sha256))
    if kind != GENERATIVE:
        raise NotFound("generative package", sha256)
    doc = json.loads(library.store.get(keys.package_listing_key(sha256)))
    files = tuple((f["path"], f["sha256"], int(f["size"])) for f in doc["files"])
    return PackageListing(doc["sha256"], int(doc["size"]), files)
