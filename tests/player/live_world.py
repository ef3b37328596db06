"""A live work on a screen, for the players' tests, until the hub serves live feeds itself.

The hub's live routes are built on another branch (live-ingest). Until they are merged, the
players' tests publish a real library (the live work's fallback still, imported by the engine),
then turn its only item into a format 3 live item, sign the manifest and every feed document
with the library's own key (urbanart.protocol.live_feed.sign_feed), and serve the published tree
plus /live/<feed id>/feed.json and its frames from a small real HTTP server on 127.0.0.1 that
answers If-None-Match with 304, like the hub will. A test "posts" a frame with `publish_frame`
(a new signed document, sequence + 1), can serve altered bytes for a frame or document, and can
take the server offline.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image

from tests.serving import serve_in_background
from urbanart.curation import playlists, screens
from urbanart.delivery.manifest import payload_text
from urbanart.delivery.publisher import publish
from urbanart.delivery.signing import signing_key
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library, current_tree
from urbanart.protocol.live_feed import feed_path, feed_payload, frame_url, sign_feed
from urbanart.protocol.manifest_format import version_of

FEED_ID = "feedAAAAbbbbCCCC1234"
PROFILE = "screen-320x180"
LIVE_S = 3600  # the live item's slot; it is the screen's only item, so it plays all day


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (320, 180)) -> bytes:
    """A small real JPEG of one colour (its sha256 differs by colour)."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG", quality=90)
    return out.getvalue()


def frame_colour(sequence: int) -> tuple[int, int, int]:
    """A colour per sequence, far apart, so a screenshot or a pixel shows which frame it is."""
    return ((sequence * 97) % 256, (sequence * 53 + 80) % 256, (sequence * 181 + 160) % 256)


@dataclass
class FeedServer:
    """Serves a published tree and a dict of extra files (URL path → bytes) with ETags."""

    root: Path
    files: dict[str, bytes] = field(default_factory=dict)
    offline: bool = False
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, If-None-Match)

    def start(self) -> str:
        world = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path.endswith("/"):
                    path += "index.html"  # a page's folder, as the hub and nginx answer it
                world.requests.append((path, self.headers.get("If-None-Match")))
                if world.offline:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = world.files.get(path)
                if body is None and ".." not in path:
                    candidate = world.root / path.lstrip("/")
                    if candidate.is_file():
                        body = candidate.read_bytes()
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                kind = "application/json" if path.endswith(".json") else "image/jpeg"
                if path.endswith(".html"):
                    kind = "text/html; charset=utf-8"
                elif path.endswith(".js"):
                    kind = "text/javascript"
                elif path.endswith(".css"):
                    kind = "text/css"
                elif path.endswith(".svg"):
                    kind = "image/svg+xml"
                elif path.endswith(".webp"):
                    kind = "image/webp"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = serve_in_background(self.server)
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class LiveWorld:
    """A published screen whose first item is a live work, served by a FeedServer."""

    library: Library
    token: str
    screen_id: int
    server: FeedServer
    url: str
    payload: dict[str, Any]
    envelope: bytes
    fallback_sha256: str
    sequence: int = 0
    documents: list[bytes] = field(default_factory=list)

    def publish_frame(
        self,
        at: datetime,
        *,
        colour: tuple[int, int, int] | None = None,
        served_bytes: bytes | None = None,
        keep: bool = True,
        silence_s: float = 30,
        interval_s: float = 1,
        portrait_too: bool = False,
    ) -> dict[str, Any]:
        """A new frame, as the hub would accept it at `at`: its file and a newer signed feed
        document. served_bytes replaces what is served for the frame (a tampering mirror)
        while the document names the genuine bytes. portrait_too adds a larger portrait
        screen's rendition of the 320×180 frame (bars and all). Returns the frame entry."""
        self.sequence += 1
        colour = colour or frame_colour(self.sequence)
        body = jpeg(colour)
        sha = hashlib.sha256(body).hexdigest()
        url = frame_url(FEED_ID, sha)
        frame = {"url": url, "sha256": sha, "size": len(body), "width": 320, "height": 180}
        self.server.files[url] = body if served_bytes is None else served_bytes
        frames = {PROFILE: frame}
        if portrait_too:
            tall = jpeg(colour, (360, 640))
            tall_url = frame_url(FEED_ID, hashlib.sha256(tall).hexdigest())
            self.server.files[tall_url] = tall
            frames["360x640-contain"] = {
                "url": tall_url, "sha256": hashlib.sha256(tall).hexdigest(), "size": len(tall),
                "width": 360, "height": 640,
            }  # fmt: skip
        payload = feed_payload(
            FEED_ID, self.sequence, at, interval_s=interval_s, silence_s=silence_s,
            frames=frames, keep_url=url if keep else None, source_size=(320, 180),
        )  # fmt: skip
        document = sign_feed(signing_key(self.library.home).private_key, payload)
        self.documents.append(document)
        self.server.files[feed_path(FEED_ID)] = document
        return frame

    @property
    def item(self) -> dict[str, Any]:
        """The live item (the screen's only one)."""
        (playlist,) = self.payload["playlists"].values()
        item: dict[str, Any] = playlist["items"][0]
        return item

    def serve_without_live(self) -> None:
        """Publish again with the live item turned back into a plain still (the curator took the
        live work off): a newer manifest, signed by the library."""
        payload = copy.deepcopy(self.payload)
        (playlist,) = payload["playlists"].values()
        playlist["items"][0]["media_type"] = "image"
        del playlist["items"][0]["live"]
        payload["sequence"] += 1
        payload["manifest_version"] = version_of(payload)
        envelope = signing_key(self.library.home).sign_envelope(payload_text(payload)).encode()
        self.server.files[f"/screens/{self.token}/manifest.json"] = envelope

    def serve_document(self, document: bytes) -> None:
        self.server.files[feed_path(FEED_ID)] = document


def _imported(library: Library, path: Path, title: str) -> int:
    (result,) = import_items(library, [ImportItem(path, "Mara Okafor")], ImportRun(workers=1))
    assert result.status is Status.IMPORTED and result.artwork_id is not None, result.reason
    catalog.edit_artwork(
        library, result.artwork_id, title=title, status="approved", license="CC-BY-4.0"
    )
    return result.artwork_id


def live_item(item: dict[str, Any], *, interval_s: float = 1, silence_s: float = 30) -> None:
    """Make a manifest item a live item of the test feed (its still stays as the fallback)."""
    item["media_type"] = "live"
    item["live"] = {
        "feed_url": feed_path(FEED_ID),
        "profile": PROFILE,
        "interval_s": interval_s,
        "silence_s": silence_s,
    }


def build_live_world(
    library: Library, folder: Path, *, now: datetime, interval_s: float = 1, silence_s: float = 30
) -> Iterator[LiveWorld]:
    """Publish, serve, yield the world, stop the server (use from a fixture)."""
    folder.mkdir(parents=True, exist_ok=True)
    fallback = folder / "fallback.png"
    Image.new("RGB", (640, 360), (20, 20, 20)).save(fallback)
    live_id = _imported(library, fallback, "City Collage Machine")
    playlist = playlists.create_playlist(library, "Live")
    playlists.add_items(library, playlist.id, [live_id], duration=LIVE_S)
    screen = screens.add_screen(
        library, "Pillar 7", tz="UTC", size="320x180", default_playlist=playlist.id
    )
    publish(library, now=now)
    tree = current_tree(library).resolve()
    manifest = tree / "screens" / screen.poll_token / "manifest.json"
    payload: dict[str, Any] = json.loads(json.loads(manifest.read_bytes())["payload"])
    payload["version"] = 3
    items = payload["playlists"][str(playlist.id)]["items"]
    for item in items:
        item.setdefault("media_type", "image")
    live_item(items[0], interval_s=interval_s, silence_s=silence_s)
    payload["sequence"] += 1
    payload["manifest_version"] = version_of(payload)
    envelope = signing_key(library.home).sign_envelope(payload_text(payload)).encode()
    server = FeedServer(tree)
    server.files[f"/screens/{screen.poll_token}/manifest.json"] = envelope
    waiting = feed_payload(FEED_ID, 0, now, interval_s=interval_s, silence_s=silence_s, frames={})
    server.files[feed_path(FEED_ID)] = sign_feed(signing_key(library.home).private_key, waiting)
    url = server.start()
    try:
        yield LiveWorld(
            library, screen.poll_token, screen.id, server, url, payload, envelope,
            items[0]["media"]["sha256"],
        )  # fmt: skip
    finally:
        server.stop()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
