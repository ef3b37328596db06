"""The media store in a bucket (moto's real S3 HTTP API on 127.0.0.1): shared between curators,
written once, cached locally within its bound, and failing with a sentence that names the bucket."""

from __future__ import annotations

import os
import socket
from hashlib import sha256
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.imaging.corpus import build_corpus
from tests.s3_server import S3Server, serve_s3  # noqa: F401 - the s3_server fixture
from urbanart.errors import InvalidValue
from urbanart.library.home import ENV_DATABASE_URL
from urbanart.library.import_sources import scan
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library
from urbanart.library.models import Artwork, MediaAsset
from urbanart.library.renditions import ensure_thumbnail
from urbanart.library.s3 import BucketError, BucketLocation, parse_bucket_url
from urbanart.library.s3_store import S3MediaStore
from urbanart.library.store import original_key, thumbnail_key

FILES = ("plain.jpg", "rgba.png", "orient6.jpg", "anim.gif")


def _use_bucket(monkeypatch: pytest.MonkeyPatch, server: S3Server, url: str, cache: Path) -> None:
    monkeypatch.setenv("URBANART_MEDIA_URL", url)
    monkeypatch.setenv("URBANART_S3_ENDPOINT_URL", server.endpoint)
    monkeypatch.setenv("URBANART_MEDIA_CACHE_DIR", str(cache))


def _works(library: Library) -> dict[str, tuple[str, str | None]]:
    with library.session() as s:
        rows = s.execute(
            select(Artwork.title, MediaAsset.original_key, MediaAsset.thumbnail_key).join(
                MediaAsset, Artwork.asset_id == MediaAsset.id
            )
        ).all()
    return {title: (original, thumb) for title, original, thumb in rows}


def test_a_second_curator_with_an_empty_folder_sees_the_first_ones_works_and_thumbnails(
    s3_server: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = s3_server.bucket()
    corpus = build_corpus(tmp_path / "corpus")
    originals = {sha256(corpus[n].read_bytes()).hexdigest() for n in FILES}
    # The shared catalogue: this run's PostgreSQL database when the test runs on PostgreSQL,
    # else one SQLite file both folders open.
    database = os.environ.get(ENV_DATABASE_URL) or f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    _use_bucket(monkeypatch, s3_server, f"s3://{bucket}/studio", tmp_path / "cache-berlin")
    berlin = Library.open(tmp_path / "berlin", database_url=database)
    assert isinstance(berlin.store, S3MediaStore)
    assert berlin.store.cache.root == tmp_path / "cache-berlin"
    try:
        results = import_items(
            berlin, scan([corpus[n] for n in FILES], artist="Crew"), ImportRun(workers=2)
        )
        assert [r.status for r in results] == [Status.IMPORTED] * len(FILES)
        puts = s3_server.calls("PUT", bucket)
        assert puts and len(puts) == len(set(puts))  # every object written once
        assert all(p.startswith("studio/") for p in puts)
        works = _works(berlin)
        thumbs = {t: berlin.store.get(thumb) for t, (_o, thumb) in works.items() if thumb}
        assert len(thumbs) == len(FILES)
    finally:
        berlin.close()

    s3_server.forget()
    _use_bucket(monkeypatch, s3_server, f"s3://{bucket}/studio", tmp_path / "cache-tokyo")
    tokyo = Library.open(tmp_path / "tokyo", database_url=database)
    try:
        assert isinstance(tokyo.store, S3MediaStore)
        assert not any((tmp_path / "tokyo").rglob("*.webp"))  # nothing of Berlin's on this disk
        assert _works(tokyo) == works
        for title, (original, thumb) in works.items():
            assert thumb is not None
            sha = original.rsplit("/", 1)[-1].split(".")[0]
            assert ensure_thumbnail(tokyo, sha) == thumb  # found, not derived again
            assert tokyo.store.get(thumb) == thumbs[title]
            assert sha256(tokyo.store.get(original)).hexdigest() == sha
            assert sha in originals
        assert s3_server.calls("PUT", bucket) == []  # Tokyo re-uploaded nothing
        fetched = len(s3_server.calls("GET", bucket))
        assert fetched >= 2 * len(works)  # every thumbnail and original came from the bucket
        cached = {p.name for p in (tmp_path / "cache-tokyo").rglob("*.*")}
        assert {t.rsplit("/", 1)[-1] for _o, t in works.values() if t} <= cached
        for _title, (_original, thumb) in works.items():  # a second scroll: from the cache
            assert thumb is not None
            assert tokyo.store.local_path(thumb) is not None
            tokyo.store.get(thumb)
        assert len(s3_server.calls("GET", bucket)) == fetched
        assert list((tmp_path / "cache-tokyo").rglob(".tmp-*")) == []
    finally:
        tokyo.close()


@pytest.mark.no_database
def test_a_key_already_in_the_bucket_is_not_uploaded_again(
    s3_server: S3Server, tmp_path: Path
) -> None:
    bucket = s3_server.bucket()
    location = parse_bucket_url(f"s3://{bucket}/m", endpoint_url=s3_server.endpoint)
    first = S3MediaStore(location, cache_dir=tmp_path / "a", cache_bytes=1 << 20)
    second = S3MediaStore(location, cache_dir=tmp_path / "b", cache_bytes=1 << 20)
    key = thumbnail_key("ab" * 32)
    first.put(key, b"webp bytes")
    second.put(key, b"webp bytes")
    assert s3_server.calls("PUT", bucket) == [f"m/{key}"]
    assert s3_server.client().get_object(Bucket=bucket, Key=f"m/{key}")["Body"].read() == (
        b"webp bytes"
    )
    assert list(second.keys()) == [key] and second.size(key) == len(b"webp bytes")
    second.delete(key)
    assert not first.exists(key.replace("ab", "cd", 1)) and list(first.keys()) == []


@pytest.mark.no_database
def test_a_large_file_is_streamed_up_once_and_read_back_whole(
    s3_server: S3Server, tmp_path: Path
) -> None:
    bucket = s3_server.bucket()
    location = parse_bucket_url(f"s3://{bucket}/m", endpoint_url=s3_server.endpoint)
    first = S3MediaStore(location, cache_dir=tmp_path / "a", cache_bytes=1 << 20)
    second = S3MediaStore(location, cache_dir=tmp_path / "b", cache_bytes=1 << 20)
    source = tmp_path / "clip.mp4"
    source.write_bytes(bytes(range(256)) * 4096)  # 1 MiB: a video original stand-in
    key = original_key("ef" * 32, "mp4")
    first.put_file(key, source)
    second.put_file(key, source)  # already there: not sent again
    assert s3_server.calls("PUT", bucket) == [f"m/{key}"]
    assert second.get(key) == source.read_bytes()


@pytest.mark.no_database
def test_the_local_cache_stays_under_its_bound_and_keeps_what_was_read_last(
    s3_server: S3Server, tmp_path: Path
) -> None:
    bucket = s3_server.bucket()
    location = parse_bucket_url(f"s3://{bucket}", endpoint_url=s3_server.endpoint)
    bound = 10_000
    writer = S3MediaStore(location, cache_dir=tmp_path / "writer", cache_bytes=1 << 20)
    keys = [thumbnail_key(f"{n:02x}" * 32) for n in range(20)]
    for n, key in enumerate(keys):
        writer.put(key, bytes([n]) * 1500)
    reader = S3MediaStore(location, cache_dir=tmp_path / "reader", cache_bytes=bound)
    (tmp_path / "reader" / "thumbs").mkdir(parents=True, exist_ok=True)
    for n, key in enumerate(keys):
        assert reader.get(key) == bytes([n]) * 1500
        reader.get(keys[0])  # read again and again: the most recently used stays
        on_disk = sum(p.stat().st_size for p in (tmp_path / "reader").rglob("*") if p.is_file())
        assert reader.cache.total_bytes <= bound and on_disk <= bound
    s3_server.forget()
    assert reader.get(keys[0]) == bytes([0]) * 1500
    assert reader.get(keys[-1]) == bytes([19]) * 1500
    assert s3_server.calls("GET", bucket) == []  # both answered from the cache
    assert reader.get(keys[1]) == bytes([1]) * 1500  # long evicted: fetched again
    assert s3_server.calls("GET", bucket) == [keys[1]]

    (tmp_path / "reader" / "thumbs" / ".tmp-crashed.part").write_bytes(b"half")
    smaller = S3MediaStore(location, cache_dir=tmp_path / "reader", cache_bytes=4000)
    files = [p for p in (tmp_path / "reader").rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 4000
    assert not [p for p in files if p.name.startswith(".tmp-")]  # a crash's leftover is gone
    assert smaller.cache.has(keys[1])  # the newest survives a smaller bound


@pytest.mark.no_database
def test_an_unreachable_endpoint_or_missing_bucket_is_named_in_the_error(
    s3_server: S3Server, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    down = S3MediaStore(
        BucketLocation("art-media", "berlin", closed), cache_dir=tmp_path / "c", cache_bytes=1000
    )
    with pytest.raises(BucketError) as caught:
        down.get(thumbnail_key("ab" * 32))
    assert "s3://art-media/berlin" in str(caught.value) and closed in str(caught.value)
    assert "cannot be reached" in str(caught.value)
    assert list((tmp_path / "c").rglob("*.*")) == []

    missing = S3MediaStore(
        BucketLocation("no-such-bucket", "", s3_server.endpoint), cache_dir=tmp_path / "d"
    )
    with pytest.raises(BucketError, match="'no-such-bucket' does not exist"):
        missing.put(thumbnail_key("ab" * 32), b"x")
    with pytest.raises(FileNotFoundError):
        S3MediaStore(
            BucketLocation(s3_server.bucket(), "", s3_server.endpoint), cache_dir=tmp_path / "e"
        ).get(thumbnail_key("ab" * 32))


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://bucket/x", "s3://BUCKET/PREFIX"),
        ("s3://UPPER/x", "not a bucket name"),
        ("s3://ok-bucket/a/../b", "prefix"),
        ("s3://ok-bucket/a b", "prefix"),
    ],
)
def test_a_bad_media_url_is_refused_naming_the_setting(
    url: str, words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("URBANART_MEDIA_URL", url)
    with pytest.raises(InvalidValue, match="URBANART_MEDIA_URL") as caught:
        Library.open(tmp_path / "lib")
    assert words in str(caught.value) and caught.value.key == "media_url"
    assert not (tmp_path / "lib").exists()  # refused before anything was created


@pytest.mark.no_database
def test_an_endpoint_carrying_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(InvalidValue, match="user name or password") as caught:
        parse_bucket_url("s3://art-media/x", endpoint_url="https://AKIAXYZ:s3cr3t@minio.example")
    assert caught.value.key == "endpoint_url"
    assert "s3cr3t" not in str(caught.value) and "AKIAXYZ" not in str(caught.value)
    assert "minio.example" in str(caught.value)
