"""Pull mode against a real HTTP server on 127.0.0.1: the hub fetches the artist's URL every
interval into the same pipeline; errors, oversize, slow and unchanged answers are handled."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.delivery.hub_fixtures import running_hub
from tests.library.live_world import frame_jpeg
from tests.serving import serve_in_background
from urbanart.delivery.signing import signing_key
from urbanart.imaging.limits import ImportLimits
from urbanart.library.library import Library
from urbanart.live.layout import folder
from urbanart.live.pull import Puller
from urbanart.live.works import add_live_work, live_state
from urbanart.protocol.live_feed import feed_path, verify_feed


@dataclass
class ArtistServer:
    """The artist's web server: /latest.jpg changes on every request; other paths misbehave."""

    server: ThreadingHTTPServer
    hits: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"


def _handler(artist: ArtistServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            artist.hits.append(self.path)
            if self.path == "/latest.jpg":
                self._send(200, frame_jpeg(len(artist.hits)))
            elif self.path == "/same.jpg":
                if self.headers.get("If-None-Match") == '"v1"':
                    self._send(304, b"", {"ETag": '"v1"'})
                else:
                    self._send(200, frame_jpeg(0), {"ETag": '"v1"'})
            elif self.path == "/huge.jpg":  # no Content-Length: the cap is met while reading
                self.send_response(200)
                self.end_headers()
                self.wfile.write(frame_jpeg(1) + b"\0" * 200_000)
                self.close_connection = True
            elif self.path == "/slow.jpg":
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                artist.stop.wait(10)
            else:
                self._send(404, b"gone")

    return Handler


@contextmanager
def artist_server() -> Iterator[ArtistServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    artist = ArtistServer(server)
    server.RequestHandlerClass = _handler(artist)
    server.daemon_threads = True
    serve_in_background(server)
    try:
        yield artist
    finally:
        artist.stop.set()
        server.shutdown()
        server.server_close()


def test_the_hub_pulls_a_new_frame_every_interval(library: Library) -> None:
    with artist_server() as artist:
        work = add_live_work(
            library, "Camera", "Ada", interval_s=0.5, pull_url=artist.url("/latest.jpg")
        )
        with running_hub(library) as hub:
            deadline = time.monotonic() + 30
            while live_state(library, work.live_work_id).frames_received < 3:
                assert time.monotonic() < deadline, "the hub pulled fewer than 3 frames in 30 s"
                time.sleep(0.2)
            base = hub.url.rstrip("/")
            document = requests.get(base + feed_path(work.feed_id), timeout=10).content
            payload = verify_feed(document, signing_key(library.home).public_key)
            assert payload["sequence"] >= 3
        state = live_state(library, work.live_work_id)
        assert state.frames_refused == 0 and not state.silent
        assert set(artist.hits) == {"/latest.jpg"}


def _puller(library: Library, **options: object) -> Puller:
    key = Ed25519PrivateKey.generate()
    puller = Puller(library, lambda: key, ImportLimits, **options)  # type: ignore[arg-type]
    puller.refresh()
    return puller


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/missing.jpg", "answered HTTP 404"),
        ("/huge.jpg", "more than 100000 bytes"),
        ("/slow.jpg", "did not answer in time"),
    ],
)
def test_a_failed_pull_counts_as_a_refusal_with_its_reason(
    library: Library, path: str, words: str
) -> None:
    with artist_server() as artist:
        work = add_live_work(library, "Flaky", "Ada", interval_s=1, pull_url=artist.url(path))
        puller = _puller(library, max_bytes=100_000, timeout=(2.0, 1.0))
        try:
            assert puller.pull(work.live_work_id) is None
        finally:
            puller.stop()
    state = live_state(library, work.live_work_id)
    assert state.frames_refused == 1 and words in state.last_refusal
    assert state.frames_received == 0
    assert list(library.store.keys(folder(work.live_work_id))) == []


def test_an_unchanged_image_is_no_new_frame(library: Library) -> None:
    with artist_server() as artist:
        work = add_live_work(
            library, "Still", "Ada", interval_s=1, pull_url=artist.url("/same.jpg")
        )
        puller = _puller(library)
        try:
            first = puller.pull(work.live_work_id)
            second = puller.pull(work.live_work_id)
        finally:
            puller.stop()
    assert first is not None and first.sequence == 1 and second is None
    state = live_state(library, work.live_work_id)
    assert (state.frames_received, state.frames_refused) == (1, 0)
