"""Uploading the published tree to an S3-compatible bucket, for screens that fetch through a CDN.

Why after the local build: the publisher's guarantees (atomic release, hard-linked unchanged
files, crash safety) stay where they are; this step mirrors the served release into the bucket,
where the prefix plays the document root (``PREFIX/screens/<token>/manifest.json``,
``PREFIX/media/…``), the same paths the hub serves.

Order is what keeps screens whole: a bucket has no atomic swap, so media go up first (content-
addressed, ``immutable``), then pages, player files and keys, and manifests last (``no-cache``,
with S3's own ETag): a screen that sees a new manifest finds every file it names. Objects no
longer in the release are removed only after that, and media only after the library's media
grace period, counted as the local tree counts it, for screens still on an older manifest.

Only what changed is uploaded: media are skipped when their key is listed (the name promises the
content); other files carry their sha256 in object metadata, and a small record next to the
local tree (outside the served root: it lists poll tokens) remembers the sha256 and ETag each
key was uploaded with, so an unchanged re-publish costs one listing and no upload. A file listed
with an ETag this record does not know (another curator published) is checked by a HEAD of its
metadata before it is uploaded again.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from hashlib import sha256 as sha256_of
from pathlib import Path
from typing import Any

from urbanart.delivery.tree import MEDIA, ReleaseIndex, Tree, atomic_write, safe_relpath
from urbanart.delivery.tree_cache import IMMUTABLE, REVALIDATE, content_type
from urbanart.errors import UrbanArtError
from urbanart.library.library import Library
from urbanart.library.s3 import (
    ENV_ENDPOINT_URL,
    BucketError,
    BucketLocation,
    failure,
    is_missing,
    make_client,
    parse_bucket_url,
)
from urbanart.library.settings import load_settings

#: Pages and player files: short enough that a CDN picks up a new release within a minute.
PAGES = "public, max-age=60"
#: Where the upload record lives, beside the tree's other state (outside the served root).
STATE_PREFIX = "bucket-"
SHA_METADATA = "sha256"
_MANIFEST = re.compile(r"^screens/[^/]+/manifest\.json$")
#: A screen's programme timing (viewers/programme_json.py) and a work's "where to see it" data
#: (viewers/where.py): fetched at a fixed address by their pages, so revalidated like a
#: manifest, never a minute stale beside a new page.
_PAGE_DATA = re.compile(r"^(s/\d+/programme|a/[^/]+/where)\.json$")
UPLOAD_THREADS = 8


class BucketUploadError(UrbanArtError):
    """The published tree could not be uploaded; the local tree is published all the same."""


@dataclass(frozen=True)
class BucketUpload:
    """What one upload did. `order` lists the phases in the order they ran, for the curious."""

    target: str
    media_uploaded: int = 0
    files_uploaded: int = 0
    manifests_uploaded: int = 0
    unchanged: int = 0
    removed: tuple[str, ...] = ()
    media_removed: tuple[str, ...] = ()
    media_waiting: int = 0
    order: tuple[str, ...] = field(default=())

    @property
    def uploaded(self) -> int:
        return self.media_uploaded + self.files_uploaded + self.manifests_uploaded

    @property
    def message(self) -> str:
        if not self.uploaded and not self.removed and not self.media_removed:
            return f"Bucket {self.target}: up to date."
        return (
            f"Bucket {self.target}: {self.media_uploaded} media, {self.files_uploaded} page(s) "
            f"and {self.manifests_uploaded} manifest(s) uploaded, {self.unchanged} unchanged, "
            f"{len(self.removed) + len(self.media_removed)} removed."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "media_uploaded": self.media_uploaded,
            "files_uploaded": self.files_uploaded,
            "manifests_uploaded": self.manifests_uploaded,
            "unchanged": self.unchanged,
            "removed": len(self.removed),
            "media_removed": len(self.media_removed),
            "media_waiting": self.media_waiting,
        }


def is_manifest(relpath: str) -> bool:
    return bool(_MANIFEST.fullmatch(relpath))


def cache_control(relpath: str) -> str:
    """Media never change; manifests, keys and the data pages fetch at a fixed address (a
    screen's programme timing, a work's "where to see it") are revalidated every time; pages
    briefly cached."""
    if relpath.startswith(f"{MEDIA}/"):
        return IMMUTABLE
    if is_manifest(relpath) or relpath.startswith("keys/") or _PAGE_DATA.fullmatch(relpath):
        return REVALIDATE
    return PAGES


def _state_path(tree: Tree, location: BucketLocation) -> Path:
    name = f"{location.endpoint_url or ''}|{location.bucket}|{location.prefix}"
    return tree.root / f"{STATE_PREFIX}{sha256_of(name.encode()).hexdigest()[:16]}.json"


def _load_state(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {"objects": {}, "unreferenced_since": {}}
    if not isinstance(doc, dict):
        return {"objects": {}, "unreferenced_since": {}}
    doc.setdefault("objects", {})
    doc.setdefault("unreferenced_since", {})
    return doc


class _Bucket:
    """The few calls the upload makes, each failure turned into a sentence naming the bucket."""

    def __init__(self, location: BucketLocation, client: Any) -> None:
        self.location = location
        self.client = client

    def listing(self) -> dict[str, str]:
        """relpath -> ETag of every object under the prefix."""
        found: dict[str, str] = {}
        prefix = self.location.key("")
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.location.bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    found[self.location.relpath(item["Key"])] = str(item.get("ETag", ""))
        except Exception as exc:
            raise failure(self.location, "list the published tree", exc) from exc
        return found

    def sha_of(self, relpath: str) -> str | None:
        try:
            head = self.client.head_object(
                Bucket=self.location.bucket, Key=self.location.key(relpath)
            )
        except Exception as exc:
            if is_missing(exc):
                return None
            raise failure(self.location, f"look up {relpath}", exc) from exc
        value = head.get("Metadata", {}).get(SHA_METADATA)
        return str(value) if value else None

    def put(self, relpath: str, data: bytes, digest: str) -> str:
        try:
            response = self.client.put_object(
                Bucket=self.location.bucket,
                Key=self.location.key(relpath),
                Body=data,
                ContentType=content_type(relpath),
                CacheControl=cache_control(relpath),
                Metadata={SHA_METADATA: digest},
            )
        except Exception as exc:
            raise failure(self.location, f"upload {relpath}", exc) from exc
        return str(response.get("ETag", ""))

    def delete(self, relpaths: Iterable[str]) -> None:
        keys = [{"Key": self.location.key(r)} for r in relpaths]
        for start in range(0, len(keys), 1000):  # DeleteObjects takes up to 1,000 keys
            try:
                self.client.delete_objects(
                    Bucket=self.location.bucket,
                    Delete={"Objects": keys[start : start + 1000], "Quiet": True},
                )
            except Exception as exc:
                raise failure(self.location, "remove old objects", exc) from exc


def publish_target(
    library: Library, target: str | None = None, endpoint_url: str | None = None
) -> BucketLocation | None:
    """The bucket a publish uploads to: the --target given, else the library's publish_target
    setting (None: no bucket). The endpoint: the one given, else the publish_endpoint_url
    setting, else URBANART_S3_ENDPOINT_URL (the media store's), else AWS's."""
    settings = load_settings(library)
    url = (target or "").strip() or settings.publish_target.strip()
    if not url:
        return None
    endpoint = (
        (endpoint_url or "").strip()
        or settings.publish_endpoint_url.strip()
        or os.environ.get(ENV_ENDPOINT_URL, "").strip()
        or None
    )
    return parse_bucket_url(url, endpoint_url=endpoint, field="publish target", key="target")


def upload_tree(
    tree: Tree,
    location: BucketLocation,
    *,
    now: datetime | None = None,
    grace: timedelta,
    client: Any = None,
    on_phase: Callable[[str], None] | None = None,
) -> BucketUpload:
    """Mirror the served release into the bucket (see the module docstring for the order).

    grace: how long media no kept release uses stay in the bucket (the library's
    media_grace_days). Raises BucketError naming bucket and endpoint when the service fails;
    whatever was uploaded before stays consistent (manifests are always last).
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    release = tree.current_release()
    index = tree.index(release)
    if release is None or index is None:
        raise BucketUploadError("Nothing is published yet; publish once before uploading.")
    bucket = _Bucket(location, client if client is not None else make_client(location))
    state_path = _state_path(tree, location)
    state = _load_state(state_path)
    known: dict[str, dict[str, str]] = state["objects"]
    listed = bucket.listing()
    phases: list[str] = []

    def phase(name: str) -> None:
        phases.append(name)
        if on_phase is not None:
            on_phase(name)

    def upload_all(items: list[tuple[str, Path, str | None]]) -> None:
        """Upload (tree path, file, sha256 or None to compute) in parallel; each file is read by
        its worker, so a large media set never sits in memory at once."""

        def one(item: tuple[str, Path, str | None]) -> tuple[str, str, str]:
            relpath, path, digest = item
            data = path.read_bytes()
            digest = digest or sha256_of(data).hexdigest()
            return relpath, digest, bucket.put(relpath, data, digest)

        with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
            for relpath, digest, etag in pool.map(one, items):
                known[relpath] = {"sha256": digest, "etag": etag}

    def save() -> None:
        atomic_write(state_path, json.dumps(state, sort_keys=True, indent=1).encode("utf-8"))

    try:
        # 1. Media: content-addressed, so a listed key already holds the right bytes.
        media = [rel for rel in sorted(index.media) if rel not in listed]
        phase("media")
        upload_all([(rel, tree.root / Path(*safe_relpath(rel).parts), None) for rel in media])
        unchanged = len(index.media) - len(media)

        # 2. Pages, player files, keys; 3. manifests: only what differs from the bucket.
        def changed(relpath: str, digest: str) -> bool:
            etag = listed.get(relpath)
            if etag is None:
                return True
            record = known.get(relpath)
            if record is not None and record.get("etag") == etag:
                return record.get("sha256") != digest
            remote = bucket.sha_of(relpath)  # published by someone else, or record lost
            if remote == digest:
                known[relpath] = {"sha256": digest, "etag": etag}
            return remote != digest

        pages = sorted(r for r in index.files if not is_manifest(r))
        manifests = sorted(r for r in index.files if is_manifest(r))
        counts = []
        for name, group in (("pages", pages), ("manifests", manifests)):
            todo = [r for r in group if changed(r, index.files[r])]
            unchanged += len(group) - len(todo)
            phase(name)
            upload_all([(rel, tree.release_file(release, rel), index.files[rel]) for rel in todo])
            counts.append(len(todo))

        # 4. What the release no longer has: pages now, media after the grace period.
        phase("cleanup")
        # Only what a tree holds (its top-level folders) or what we uploaded is ever removed,
        # so other objects sharing the bucket are left alone.
        ours = {r.split("/", 1)[0] for r in index.files if "/" in r}
        stale = sorted(
            r
            for r in listed
            if not r.startswith(f"{MEDIA}/")
            and r not in index.files
            and (r in known or r.split("/", 1)[0] in ours)
        )
        bucket.delete(stale)
        media_gone, waiting = _collect_media(bucket, tree, index, listed, state, now, grace)
        for rel in (*stale, *media_gone):
            known.pop(rel, None)
    finally:
        save()
    return BucketUpload(
        location.url,
        media_uploaded=len(media),
        files_uploaded=counts[0],
        manifests_uploaded=counts[1],
        unchanged=unchanged,
        removed=tuple(stale),
        media_removed=tuple(media_gone),
        media_waiting=waiting,
        order=tuple(phases),
    )


def _collect_media(
    bucket: _Bucket,
    tree: Tree,
    index: ReleaseIndex,
    listed: dict[str, str],
    state: dict[str, Any],
    now: datetime,
    grace: timedelta,
) -> tuple[list[str], int]:
    """Media in the bucket that no kept release uses: first seen unused now, removed once unused
    for `grace` (the local tree's rule; the first-seen times are kept in the upload record)."""
    used = tree.kept_media() | set(index.media)
    since: dict[str, str] = state["unreferenced_since"]
    updated: dict[str, str] = {}
    remove: list[str] = []
    for rel in sorted(listed):
        if not rel.startswith(f"{MEDIA}/") or rel in used:
            continue
        first = _parse(since.get(rel)) or now
        if now - first >= grace:
            remove.append(rel)
        else:
            updated[rel] = first.isoformat()
    bucket.delete(remove)
    state["unreferenced_since"] = updated
    return remove, len(updated)


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = [
    "BucketError",
    "BucketUpload",
    "BucketUploadError",
    "publish_target",
    "upload_tree",
]
