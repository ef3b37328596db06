"""The hub serves published/current like a careful static server: caching, gzip, ranges, safety."""

from __future__ import annotations

import gzip
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.delivery.hub_fixtures import (
    NOT_FOUND,
    etag_for,
    manifest_bytes,
    point_current,
    raw_request,
    running_hub,
    write_media,
    write_release,
)
from urbanart.delivery import tree_cache
from urbanart.library.library import Library

TOKEN = "tok-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
SECRET = b"TOP-SECRET-OUTSIDE-THE-TREE"
PROGRAMME = b'{"default_playlist":"1","playlists":{},"timeline":[],"version":"abc"}'


@dataclass
class Site:
    url: str
    home: Path
    published: Path
    manifest: bytes
    media_url: str
    media: bytes
    big_url: str
    big: bytes


@pytest.fixture
def site(library: Library, home: Path) -> Iterator[Site]:
    published = home / "published"
    media = bytes(range(256)) * 40  # 10 KB, served from memory
    big = os.urandom(tree_cache.SMALL_FILE_LIMIT + 300_000)  # streamed from disk
    media_url = write_media(published, media, "webp")
    big_url = write_media(published, big, "mp4")
    manifest = manifest_bytes(TOKEN, "v1")
    root = write_release(
        published,
        1,
        {
            f"screens/{TOKEN}/manifest.json": manifest,
            "a/7/index.html": b"<!doctype html><title>A work</title>" + b"<p>text</p>" * 50,
            "s/3/programme.json": PROGRAMME,
            "keys/manifest-signing.pub": b"-----BEGIN PUBLIC KEY-----\nMCow\n",
            "player/app.js": b"console.log('player');\n" * 40,
        },
    )
    point_current(published, 1)
    # Things that must never be served: a secret beside the tree and symlinks leading to it.
    (home / "secret.txt").write_bytes(SECRET)
    outside = home / "outside"
    outside.mkdir()
    (outside / "manifest.json").write_bytes(SECRET)
    (root / "screens" / "evil").mkdir()
    os.symlink(home / "secret.txt", root / "screens" / "evil" / "manifest.json")
    os.symlink(outside, root / "leak")
    os.symlink("../../../secret.txt", root / "relative-leak.txt")
    with running_hub(library, check_interval=0.05) as hub:
        yield Site(hub.url.rstrip("/"), home, published, manifest, media_url, media, big_url, big)


def get(site: Site, path: str, **headers: str) -> requests.Response:
    return requests.get(site.url + path, headers=headers, timeout=10)


def manifest_path() -> str:
    return f"/screens/{TOKEN}/manifest.json"


# ETags and 304 ----------------------------------------------------------------------------------


def test_manifest_has_strong_etag_of_its_bytes_and_revalidates(site: Site) -> None:
    r = get(site, manifest_path(), **{"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.content == site.manifest
    assert r.headers["ETag"] == etag_for(site.manifest)
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Content-Length"] == str(len(site.manifest))
    assert r.headers["Cache-Control"] == "no-cache"
    assert "Last-Modified" in r.headers

    again = get(site, manifest_path(), **{"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["Cache-Control"] == "no-cache"


def test_a_screens_programme_is_revalidated_by_its_etag(site: Site) -> None:
    """A now-playing page fetches s/<id>/programme.json at a fixed address with cache:
    "no-cache": the hub must answer with an ETag and no-cache, and 304 when it is unchanged."""
    r = get(site, "/s/3/programme.json", **{"Accept-Encoding": "identity"})
    assert r.status_code == 200 and r.content == PROGRAMME
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["ETag"] == etag_for(PROGRAMME)
    again = get(site, "/s/3/programme.json", **{"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "header",
    [
        '"nope", {etag}',
        '"a" ,  {etag}  , "b"',
        "W/{etag}",
        '"x", W/{etag}',
        "*",
    ],
)
def test_if_none_match_lists_star_and_weak_tags(site: Site, header: str) -> None:
    value = header.format(etag=etag_for(site.manifest))
    assert get(site, manifest_path(), **{"If-None-Match": value}).status_code == 304


def test_if_none_match_mismatch_gives_full_body(site: Site) -> None:
    r = get(site, manifest_path(), **{"If-None-Match": '"abc", W/"def"'})
    assert r.status_code == 200
    assert r.content == site.manifest


def test_star_does_not_make_missing_files_exist(site: Site) -> None:
    r = get(site, "/screens/unknown/manifest.json", **{"If-None-Match": "*"})
    assert r.status_code == 404


# Cache-Control, content types, HEAD -------------------------------------------------------------


def test_cache_control_per_kind(site: Site) -> None:
    assert get(site, "/a/7/").headers["Cache-Control"] == "no-cache"
    assert get(site, "/a/7/index.html").headers["Content-Type"] == "text/html; charset=utf-8"
    assert get(site, "/player/app.js").headers["Cache-Control"] == "no-cache"
    media = get(site, site.media_url)
    assert media.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert media.headers["Content-Type"] == "image/webp"
    assert media.headers["ETag"] == etag_for(site.media)
    assert media.content == site.media


def test_folder_url_serves_index_and_bare_folder_redirects(site: Site) -> None:
    page = get(site, "/a/7/")
    assert page.status_code == 200 and page.content.startswith(b"<!doctype html>")
    bare = requests.get(site.url + "/a/7", allow_redirects=False, timeout=10)
    assert bare.status_code == 301 and bare.headers["Location"] == "/a/7/"


def test_head_has_headers_and_no_body(site: Site) -> None:
    r = requests.head(
        site.url + manifest_path(), headers={"Accept-Encoding": "identity"}, timeout=10
    )
    assert r.status_code == 200
    assert r.headers["Content-Length"] == str(len(site.manifest))
    assert r.headers["ETag"] == etag_for(site.manifest)
    assert r.content == b""
    big = requests.head(site.url + site.big_url, timeout=10)
    assert big.headers["Content-Length"] == str(len(site.big)) and big.content == b""


def test_tree_allows_only_get_and_head(site: Site) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        r = requests.request(method, site.url + manifest_path(), timeout=10)
        assert r.status_code == 405
        assert r.headers["Allow"] == "GET, HEAD"
        assert r.json() == {"error": "method not allowed"}


# gzip -------------------------------------------------------------------------------------------


def test_gzip_when_accepted_with_its_own_etag(site: Site) -> None:
    r = requests.get(
        site.url + manifest_path(), headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10
    )
    raw = r.raw.read(decode_content=False)
    assert r.headers["Content-Encoding"] == "gzip"
    assert r.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(raw) == site.manifest
    assert int(r.headers["Content-Length"]) == len(raw) < len(site.manifest)
    identity_tag = etag_for(site.manifest)
    assert r.headers["ETag"] == identity_tag[:-1] + '-gz"'
    # Either variant's tag revalidates.
    for tag in (r.headers["ETag"], identity_tag):
        again = get(site, manifest_path(), **{"Accept-Encoding": "gzip", "If-None-Match": tag})
        assert again.status_code == 304 and again.headers["ETag"] == r.headers["ETag"]


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0", "br", "deflate, *;q=0", ""])
def test_no_gzip_when_not_accepted(site: Site, accept: str) -> None:
    status, headers, body = raw_request(
        site.url, "GET", manifest_path(), {"Accept-Encoding": accept} if accept else {}
    )
    assert status == 200
    assert "content-encoding" not in headers
    assert body == site.manifest
    assert headers["vary"] == "Accept-Encoding"


def test_star_encoding_and_media_not_gzipped(site: Site) -> None:
    _, headers, _ = raw_request(site.url, "GET", manifest_path(), {"Accept-Encoding": "*"})
    assert headers["content-encoding"] == "gzip"
    _, headers, body = raw_request(site.url, "GET", site.media_url, {"Accept-Encoding": "gzip"})
    assert "content-encoding" not in headers and body == site.media


# Ranges -----------------------------------------------------------------------------------------


def test_single_range_206(site: Site) -> None:
    r = get(site, site.media_url, Range="bytes=10-19")
    assert r.status_code == 206
    assert r.content == site.media[10:20]
    assert r.headers["Content-Range"] == f"bytes 10-19/{len(site.media)}"
    assert r.headers["Content-Length"] == "10"
    assert r.headers["Accept-Ranges"] == "bytes"


def test_suffix_and_open_ranges(site: Site) -> None:
    assert get(site, site.media_url, Range="bytes=-100").content == site.media[-100:]
    assert get(site, site.media_url, Range="bytes=10000-").content == site.media[10000:]
    whole = get(site, site.media_url, Range=f"bytes=-{len(site.media) * 2}")
    assert whole.status_code == 206 and whole.content == site.media
    clipped = get(site, site.media_url, Range="bytes=10230-99999")
    assert clipped.headers["Content-Range"] == f"bytes 10230-10239/{len(site.media)}"


def test_unsatisfiable_range_416(site: Site) -> None:
    for value in (f"bytes={len(site.media)}-", "bytes=-0"):
        r = get(site, site.media_url, Range=value)
        assert r.status_code == 416
        assert r.headers["Content-Range"] == f"bytes */{len(site.media)}"
        assert r.json() == {"error": "range not satisfiable"}


def test_multi_and_malformed_ranges_serve_whole_file(site: Site) -> None:
    for value in ("bytes=0-1,5-6", "bytes=abc", "pages=1-2", "bytes=9-3"):
        r = get(site, site.media_url, Range=value)
        assert r.status_code == 200 and r.content == site.media


def test_if_range(site: Site) -> None:
    tag = etag_for(site.media)
    assert get(site, site.media_url, Range="bytes=0-9", **{"If-Range": tag}).status_code == 206
    mismatch = get(site, site.media_url, Range="bytes=0-9", **{"If-Range": '"other"'})
    assert mismatch.status_code == 200 and mismatch.content == site.media
    weak = get(site, site.media_url, Range="bytes=0-9", **{"If-Range": f"W/{tag}"})
    assert weak.status_code == 200


def test_large_media_streams_whole_and_ranged(site: Site) -> None:
    r = get(site, site.big_url)
    assert r.status_code == 200 and r.content == site.big
    assert r.headers["ETag"] == etag_for(site.big)
    start = tree_cache.SMALL_FILE_LIMIT - 5
    part = get(site, site.big_url, Range=f"bytes={start}-{start + 300_009}")
    assert part.status_code == 206 and part.content == site.big[start : start + 300_010]
    assert get(site, site.big_url, Range="bytes=-7").content == site.big[-7:]


# Paths that try to leave the tree ---------------------------------------------------------------


def assert_not_found(status: int, body: bytes, *, head: bool = False) -> None:
    assert SECRET not in body
    assert b"sqlite" not in body.lower()
    assert status in (400, 404), status
    if status == 404:
        assert body == (b"" if head else b'{"error":"not found"}')


ESCAPES = [
    "/../secret.txt",
    "/../../secret.txt",
    "/media/../../secret.txt",
    "/media/../../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/%2e%2e/secret.txt",
    "/media/%2e%2e/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/media%2f..%2f..%2fsecret.txt",
    "/..%5csecret.txt",
    "/..\\..\\secret.txt",
    "/media/..%5c..%5csecret.txt",
    "/secret.txt%00.json",
    "//etc/passwd",
    "/%2Fetc/passwd",
    "/etc/passwd",
    "/screens/evil/manifest.json",
    "/leak/manifest.json",
    "/relative-leak.txt",
    "/../library.sqlite3",
    "/.hidden",
    "/media/./x",
]


def test_traversal_attempts_are_404(site: Site) -> None:
    """One hub for all attempts (each is independent: a fresh connection per request)."""
    for path in ESCAPES:
        for method in ("GET", "HEAD"):
            status, _, body = raw_request(site.url, method, path)
            try:
                assert_not_found(status, body, head=method == "HEAD")
            except AssertionError as exc:
                raise AssertionError(f"{method} {path}: {exc}") from None


def test_literal_nul_in_path_is_refused(site: Site) -> None:
    parts = urlsplit(site.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(b"GET /secret.txt\x00.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert SECRET not in data
    assert data.startswith((b"HTTP/1.1 400", b"HTTP/1.1 404"))


def test_absolute_form_request_target_stays_in_tree(site: Site) -> None:
    status, _, body = raw_request(site.url, "GET", f"http://127.0.0.1{site.home}/secret.txt")
    assert_not_found(status, body)


# Unknown tokens, swaps --------------------------------------------------------------------------


def test_unknown_token_and_missing_file_are_the_same_404(site: Site) -> None:
    unknown = raw_request(site.url, "GET", "/screens/not-a-token/manifest.json")
    missing = raw_request(site.url, "GET", f"/screens/{TOKEN}/other.json")
    nowhere = raw_request(site.url, "GET", "/no/such/file.png")
    for status, headers, body in (unknown, missing, nowhere):
        assert status == 404
        assert body == b'{"error":"not found"}'
        assert headers["content-type"] == "application/json"
    assert requests.get(site.url + "/nope", timeout=10).json() == NOT_FOUND


def test_publish_swap_is_picked_up_without_restart(site: Site) -> None:
    first = get(site, manifest_path(), **{"Accept-Encoding": "identity"})
    assert first.content == site.manifest
    new_manifest = manifest_bytes(TOKEN, "v2", items=14)
    write_release(site.published, 2, {f"screens/{TOKEN}/manifest.json": new_manifest})
    point_current(site.published, 2)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = get(
            site,
            manifest_path(),
            **{"If-None-Match": first.headers["ETag"], "Accept-Encoding": "identity"},
        )
        if r.status_code == 200:
            break
        time.sleep(0.05)
    assert r.status_code == 200 and r.content == new_manifest
    assert r.headers["ETag"] == etag_for(new_manifest)
    # Files the new release does not have are gone; media stays reachable through its link.
    assert get(site, "/a/7/").status_code == 404
    assert get(site, site.media_url).content == site.media
