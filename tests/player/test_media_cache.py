"""The media cache: nothing partial is ever visible, bad bytes are refused, eviction is careful."""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.player import approved_ids, build_demo_screen, wait_served
from tests.serving import serve_in_background
from urbanart.curation import playlists
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.library.library import Library, published_root
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player
from urbanart.player.media_cache import MediaCache, MediaInvalid
from urbanart.player.timeline import media_needed

PICTURE = b"\xff\xd8\xff" + bytes(range(256)) * 400  # ~100 KB, content does not matter
SHA = hashlib.sha256(PICTURE).hexdigest()
MEDIA = {"sha256": SHA, "size": len(PICTURE), "url": f"/media/{SHA[:2]}/{SHA}.jpg"}


class Origin:
    """A tiny media server whose answers a test controls: full, stalled half-way, or wrong."""

    def __init__(self) -> None:
        self.body = PICTURE
        self.half_sent = threading.Event()
        self.release = threading.Event()
        self.stall = False
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                body = origin.body
                self.send_response(200)
                self.send_header("Content-Length", str(len(PICTURE)))  # always the full size
                self.end_headers()
                half = len(body) // 2
                self.wfile.write(body[:half])
                self.wfile.flush()
                if origin.stall:
                    origin.half_sent.set()
                    origin.release.wait(10)
                    return  # the connection drops mid-file
                self.wfile.write(body[half:])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        serve_in_background(self.server)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin()
    yield server
    server.close()


def test_a_download_is_invisible_until_complete_and_a_cut_one_never_appears(
    tmp_path: Path, origin: Origin
) -> None:
    cache = MediaCache(tmp_path / "media")
    origin.stall = True
    errors: list[BaseException] = []

    def fetch() -> None:
        try:
            cache.download(MEDIA, origin.url, requests.Session(), timeout=5)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=fetch)
    worker.start()
    assert origin.half_sent.wait(5)
    assert not cache.has(MEDIA) and not cache.path_for(MEDIA).exists()
    assert len(list((tmp_path / "media" / "tmp").iterdir())) == 1  # the part file, elsewhere
    origin.release.set()
    worker.join(10)
    assert errors, "a cut download must fail"
    assert not cache.path_for(MEDIA).exists()
    assert list((tmp_path / "media" / "tmp").iterdir()) == []
    origin.stall = False
    assert cache.download(MEDIA, origin.url, requests.Session()).read_bytes() == PICTURE
    assert cache.verified(MEDIA) == cache.path_for(MEDIA)


def test_bytes_that_do_not_match_the_sha256_are_refused(tmp_path: Path, origin: Origin) -> None:
    cache = MediaCache(tmp_path / "media")
    origin.body = PICTURE[:-1] + b"\x00"  # same size, one byte changed
    with pytest.raises(MediaInvalid, match="sha256"):
        cache.download(MEDIA, origin.url, requests.Session())
    assert not cache.path_for(MEDIA).exists()
    assert list(cache.tmp.iterdir()) == []


def test_leftover_part_files_are_removed_at_start(tmp_path: Path) -> None:
    (tmp_path / "media" / "tmp").mkdir(parents=True)
    (tmp_path / "media" / "tmp" / "dl-x.part").write_bytes(b"half")
    MediaCache(tmp_path / "media")
    assert list((tmp_path / "media" / "tmp").iterdir()) == []


def test_a_new_manifest_waits_for_all_its_media_and_eviction_keeps_what_plays(
    library: Library, tmp_path: Path
) -> None:
    t0 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
    world = build_demo_screen(library, now=t0)
    with HubThread(library, check_interval=0.05) as hub:
        state = tmp_path / "player"
        pairing.pair(state, hub.url, world.token)
        player = Player(state, clock=ManualClock(t0))
        assert player.poll_once().switched
        old = player.current
        assert old is not None
        # The curator swaps the Night playlist's works for two others and republishes.
        used = world.day_works + world.night_works
        new_works = [w for w in approved_ids(library) if w not in used]
        playlists.remove_item(library, world.night, 1)
        playlists.remove_item(library, world.night, 1)
        playlists.add_items(library, world.night, new_works[:2], duration=20)
        publish(library, now=t0)
        fresh = world.payload()
        wait_served(
            f"{hub.url}screens/{world.token}/manifest.json", world.manifest_path().read_bytes()
        )
        missing = [
            m for m in media_needed(fresh).values() if m["sha256"] not in media_needed(old.payload)
        ]
        assert len(missing) == 2
        hidden = published_root(library) / str(missing[0]["url"]).lstrip("/")
        parked = tmp_path / "parked"
        shutil.move(hidden, parked)  # one new file cannot be fetched for now
        try:
            result = player.poll_once()
            assert result.fetched.status == "new" and not result.switched
            assert player.current is old and player.pending is not None
            assert player.cache.has(missing[1]) and not player.cache.has(missing[0])
            # A restart keeps both: the playing manifest and the one still downloading.
            player.close()
            player = Player(state, clock=ManualClock(t0))
            assert player.current.version == old.version
            assert player.pending.version == fresh["manifest_version"]
        finally:
            shutil.move(parked, hidden)
        assert player.poll_once().switched
        assert player.current.version == fresh["manifest_version"] and player.pending is None
        kept = {p.name.split(".")[0] for p in (state / "media" / "objects").glob("*/*")}
        assert kept == set(media_needed(fresh))  # the two retired works were evicted
        player.close()
