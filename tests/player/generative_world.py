"""A generative piece on a published screen, for the Qt and the web player's tests: the package
imported with its still fallback, approved, in a loop on a 320×180 screen, published; and a
real server on 127.0.0.1 that records every request a piece sends it (none should arrive)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image

from tests.serving import serve_in_background
from urbanart.curation import playlists, schedules, screens
from urbanart.curation.records import ScreenRecord
from urbanart.delivery.publisher import publish
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library

SIZE = (320, 180)
STILL = (20, 160, 90)  # the piece's still fallback
PINK = (230, 40, 90)  # what the test pieces paint their whole canvas with


def publish_generative_screen(
    library: Library,
    folder: Path,
    package: bytes,
    *,
    now: datetime,
    then: tuple[int, int, int] | None = None,
    tz: str = "UTC",
    **item_options: Any,
) -> tuple[ScreenRecord, str]:
    """A published SIZE screen whose default playlist plays the piece in `package` (its still
    painted STILL) and, when `then` is given, a still work of that colour after it, with
    `item_options` for the playlist items (duration, transition, …); the screen is scheduled and
    published at `now`. Returns the screen and the package's sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "piece.zip").write_bytes(package)
    Image.new("RGB", SIZE, STILL).save(folder / "still.png")
    items = [ImportItem(folder / "piece.zip", "Nova")]
    if then is not None:
        Image.new("RGB", SIZE, then).save(folder / "then.png")
        items.append(ImportItem(folder / "then.png", "Nova"))
    results = import_items(library, items, ImportRun(workers=1, fallback=folder / "still.png"))
    assert all(r.status is Status.IMPORTED for r in results), results
    ids = [r.artwork_id for r in results if r.artwork_id is not None]
    for artwork_id in ids:
        catalog.edit_artwork(library, artwork_id, status="approved")
    loop = playlists.create_playlist(library, "Loop")
    playlists.add_items(library, loop.id, ids, **item_options)
    screen = screens.add_screen(
        library, "Gen", tz=tz, size=f"{SIZE[0]}x{SIZE[1]}", default_playlist=loop.id
    )
    schedules.add_schedule(library, loop.id, screens=[screen.id])
    publish(library, now=now)
    return screen, str(results[0].sha256)


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")  # nothing in the way but the CSP
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def recording_server() -> Iterator[tuple[int, list[str]]]:
    """A real server on 127.0.0.1 a piece tries to reach; yields its port and the paths it was
    asked for (a test expects none)."""
    seen: list[str] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serve_in_background(server)
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
