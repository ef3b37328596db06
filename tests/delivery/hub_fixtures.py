"""Hand-built published trees (per docs/published-tree.md), screens and a running hub for tests."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from urbanart.delivery.server import HubThread
from urbanart.library.library import Library
from urbanart.library.models import Artist, Artwork, MediaAsset, Screen

try:
    from urbanart.delivery.manifest import etag_for
except ModuleNotFoundError:  # pragma: no cover - the publisher's module is not there yet

    def etag_for(data: bytes) -> str:
        return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


NOT_FOUND = {"error": "not found"}
PUSH_SECRET = "s3cr3t-push-key-never-shown-0123456789abcdef"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(
    token: str, version: str, *, items: int = 12, media: Sequence[str] = ()
) -> bytes:
    """A signed-envelope-shaped manifest, a few KB, like the publisher's; media: sha256s of
    extra items (works the screen may then report as played)."""
    payload = {
        "format": "urbanart.manifest",
        "version": version,
        "screen": {"token": token, "timezone": "Asia/Tokyo", "width": 1920, "height": 1080},
        "items": [
            {
                "artwork_sha256": (digest := sha(f"{token}-{i}".encode())),
                "url": f"/media/{digest[:2]}/{digest}.webp",
                "title": f"Work number {i}",
                "artist": "Someone",
                "duration_s": 10,
                "transition": "crossfade",
            }
            for i in range(items)
        ]
        + [
            {"artwork_sha256": digest, "url": f"/media/{digest[:2]}/{digest}.png"}
            for digest in media
        ],
    }
    envelope = {
        "format": "urbanart.manifest.signed",
        "key_id": "0123456789abcdef",
        "signature": "A" * 86 + "==",
        "payload": json.dumps(payload, separators=(",", ":")),
    }
    return json.dumps(envelope, indent=1).encode()


def write_media(published: Path, data: bytes, ext: str) -> str:
    """Store content-addressed media under published/media; returns its URL path."""
    digest = sha(data)
    path = published / "media" / digest[:2] / f"{digest}.{ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"/media/{digest[:2]}/{digest}.{ext}"


def write_release(published: Path, release_id: int, files: dict[str, bytes]) -> Path:
    """releases/<id>/ with the given files (paths relative to the tree root) and the media link."""
    root = published / "releases" / str(release_id)
    root.mkdir(parents=True, exist_ok=True)
    (published / "media").mkdir(parents=True, exist_ok=True)
    if not (root / "media").is_symlink():
        os.symlink("../../media", root / "media")
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def point_current(published: Path, release_id: int) -> None:
    """Swap `current` the way the publisher does: a new link renamed over the old one."""
    tmp = published / "current.tmp"
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(f"releases/{release_id}", tmp)
    os.replace(tmp, published / "current")


def add_screen(library: Library, name: str, tz: str, token: str, *, poll_interval: int = 60) -> int:
    with library.session() as session:
        screen = Screen(
            name=name,
            timezone=tz,
            width=1920,
            height=1080,
            poll_interval=poll_interval,
            poll_token=token,
            push_url="https://screen.invalid/push",
        )
        session.add(screen)
        session.flush()
        screen_id = screen.id
    library.secrets.write({screen_id: PUSH_SECRET})
    return screen_id


def add_artwork(library: Library, data: bytes, title: str, artist: str) -> int:
    with library.session() as session:
        maker = Artist(name=artist)
        asset = MediaAsset(
            sha256=sha(data),
            format="png",
            mime_type="image/png",
            width=10,
            height=10,
            byte_size=len(data),
            original_name=f"{title}.png",
            original_key=f"originals/{sha(data)}.png",
        )
        session.add_all([maker, asset])
        session.flush()
        work = Artwork(artist_id=maker.id, asset_id=asset.id, title=title, status="approved")
        session.add(work)
        session.flush()
        return work.id


@contextmanager
def running_hub(library: Library, **options: object) -> Iterator[HubThread]:
    """A real uvicorn hub on a free 127.0.0.1 port, in a background thread."""
    hub = HubThread(library, "127.0.0.1", 0, **options)  # type: ignore[arg-type]
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


def heartbeats_written(hub: HubThread) -> None:
    """Wait until every heartbeat the hub has answered is in the database.

    The hub answers a heartbeat before writing it (write-behind: HeartbeatWriter.defer), so a
    test reading the screen's state right after a 200 first has the waiting ones written.
    """
    app = hub.hub
    app.db.submit(app.api.heartbeats.write_now).result(timeout=30)


def raw_request(
    base_url: str, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Send path byte for byte (no client-side normalisation of "..", "%2e" or "//")."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for key, value in (headers or {}).items():
            conn.putheader(key, value)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()
