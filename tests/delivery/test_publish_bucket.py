"""Publishing into an S3-compatible bucket (moto's real S3 HTTP API on 127.0.0.1): media before
pages before manifests, only what changed, the media grace period, and clear failures."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.delivery.conftest import World
from tests.s3_server import S3Server, serve_s3  # noqa: F401 - the s3_server fixture
from urbanart.curation import playlists
from urbanart.delivery.bucket import is_manifest
from urbanart.delivery.tree import Tree
from urbanart.delivery.workflow import publish_and_deliver
from urbanart.library import catalog
from urbanart.library.library import Library, current_tree, published_root
from urbanart.library.s3 import BucketError
from urbanart.library.settings import load_settings, update_settings

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def served_files(library: Library) -> dict[str, bytes]:
    """Every file a screen can fetch from the local tree: the release plus its media."""
    root = current_tree(library)
    out = {}
    for dirpath, _dirs, names in os.walk(root, followlinks=True):
        for name in names:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            if rel.startswith("media/") and rel.split("/")[-1].startswith(".tmp-"):
                continue
            out[rel] = path.read_bytes()
    return out


def bucket_objects(server: S3Server, bucket: str, prefix: str) -> dict[str, bytes]:
    client = server.client()
    out = {}
    for item in client.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/").get("Contents", []):
        body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        out[item["Key"][len(prefix) + 1 :]] = body
    return out


def bucket_keys(server: S3Server, bucket: str, prefix: str) -> set[str]:
    """The paths under prefix, without their bodies: for checks on what is there, not its bytes
    (reading every object back costs a request each)."""
    listed = server.client().list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/")
    return {item["Key"][len(prefix) + 1 :] for item in listed.get("Contents", [])}


def phase_of(relpath: str) -> int:
    return 0 if relpath.startswith("media/") else 2 if is_manifest(relpath) else 1


def test_the_tree_goes_up_media_first_manifests_last_and_an_unchanged_publish_uploads_nothing(
    world: World, library: Library, s3_server: S3Server
) -> None:
    bucket = s3_server.bucket()
    target = f"s3://{bucket}/live"
    delivery = publish_and_deliver(
        library, now=NOW, push=False, target=target, endpoint_url=s3_server.endpoint
    )
    puts = s3_server.calls("PUT", bucket)
    assert all(p.startswith("live/") for p in puts)
    phases = [phase_of(p[len("live/") :]) for p in puts]
    assert phases == sorted(phases) and set(phases) == {0, 1, 2}  # seen by the server, in order
    assert delivery.upload is not None and delivery.upload.order[:3] == (
        "media",
        "pages",
        "manifests",
    )
    local = served_files(library)
    assert bucket_objects(s3_server, bucket, "live") == local  # the same paths, the same bytes
    assert len(puts) == len(local) == delivery.upload.uploaded

    client = s3_server.client()
    manifest = next(p for p in local if is_manifest(p))
    media = next(p for p in local if p.startswith("media/"))
    page = next(p for p in local if p.endswith(".html"))
    head = client.head_object(Bucket=bucket, Key=f"live/{manifest}")
    assert head["CacheControl"] == "no-cache" and head["ContentType"] == "application/json"
    assert head["ETag"].strip('"') and head["Metadata"]["sha256"] == (
        hashlib.sha256(local[manifest]).hexdigest()
    )
    head = client.head_object(Bucket=bucket, Key=f"live/{media}")
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert head["ContentType"].startswith("image/")
    head = client.head_object(Bucket=bucket, Key=f"live/{page}")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert "max-age=60" in head["CacheControl"]
    # A screen's programme timing and a work's "where to see it" data, each fetched by its page
    # at a fixed address, are revalidated.
    for suffix, kind in (("/programme.json", "s/"), ("/where.json", "a/")):
        data = next(p for p in local if p.startswith(kind) and p.endswith(suffix))
        head = client.head_object(Bucket=bucket, Key=f"live/{data}")
        assert head["CacheControl"] == "no-cache" and head["ContentType"] == "application/json"
    # The state record stays outside the served root: it lists poll tokens.
    assert not [p for p in local if "bucket-" in p]

    s3_server.forget()
    again = publish_and_deliver(
        library, now=NOW, push=False, target=target, endpoint_url=s3_server.endpoint
    )
    assert s3_server.calls("PUT", bucket) == [] and s3_server.calls("HEAD", bucket) == []
    assert again.upload is not None and again.upload.uploaded == 0
    assert again.upload.unchanged == len(local)

    # One playlist changes: only the files that differ go up, no media again.
    s3_server.forget()
    playlists.remove_item(library, world.playlists["Evening"], 1)
    publish_and_deliver(
        library, now=NOW, push=False, target=target, endpoint_url=s3_server.endpoint
    )
    after = served_files(library)
    differing = {p for p, data in after.items() if local.get(p) != data}
    puts = {p[len("live/") :] for p in s3_server.calls("PUT", bucket)}
    assert puts == differing and any(is_manifest(p) for p in puts)
    assert not any(p.startswith("media/") for p in puts)
    assert bucket_objects(s3_server, bucket, "live") == {
        **after,
        **{p: d for p, d in local.items() if p.startswith("media/")},  # kept: grace period
    }


def test_a_second_curator_publishing_the_same_tree_checks_instead_of_uploading(
    world: World, library: Library, s3_server: S3Server
) -> None:
    bucket = s3_server.bucket()
    target = f"s3://{bucket}/live"
    publish_and_deliver(
        library, now=NOW, push=False, target=target, endpoint_url=s3_server.endpoint
    )
    for record in published_root(library).glob("bucket-*.json"):
        record.unlink()  # as on another laptop: no record of what this one uploaded
    s3_server.forget()
    publish_and_deliver(
        library, now=NOW, push=False, target=target, endpoint_url=s3_server.endpoint
    )
    assert s3_server.calls("PUT", bucket) == []
    assert len(s3_server.calls("HEAD", bucket)) > 0  # it looked at the sha256 in the metadata


def test_unused_media_leave_the_bucket_when_they_leave_the_local_tree(
    world: World, library: Library, s3_server: S3Server
) -> None:
    bucket = s3_server.bucket()
    update_settings(
        library, publish_target=f"s3://{bucket}/p", publish_endpoint_url=s3_server.endpoint
    )
    grace = timedelta(days=load_settings(library).media_grace_days)

    def media(where: set[str]) -> set[str]:
        return {p for p in where if p.startswith("media/")}

    def local_media() -> set[str]:
        folder = published_root(library) / "media"
        return {f"media/{p.relative_to(folder).as_posix()}" for p in folder.rglob("*.*")}

    tree = Tree(published_root(library))
    foreign = {"p/robots.txt": b"User-agent: *", "p/notes/readme.txt": b"not the tree's"}
    for key, body in foreign.items():  # someone else's objects beside the tree
        s3_server.client().put_object(Bucket=bucket, Key=key, Body=body)
    publish_and_deliver(library, now=NOW, push=False)  # the setting names the bucket
    first = tree.kept_media()
    blue_page = f"a/{world.works['Blue Hour']}/index.html"
    assert blue_page in bucket_keys(s3_server, bucket, "p")
    catalog.edit_artwork(library, world.works["Blue Hour"], status="archived")
    publish_and_deliver(library, now=NOW + timedelta(hours=1), push=False)
    assert blue_page not in bucket_keys(s3_server, bucket, "p")  # pages go at once
    playlists.edit_playlist(library, world.playlists["Morning"], name="Early")
    later = NOW + timedelta(hours=2)
    publish_and_deliver(library, now=later, push=False)  # the first release drops out
    unused = first - tree.kept_media()
    assert unused, "archiving a work leaves its media unused"
    in_bucket = media(bucket_keys(s3_server, bucket, "p"))
    assert unused <= in_bucket and in_bucket == local_media()  # waiting out the grace period

    publish_and_deliver(library, now=later + grace - timedelta(minutes=1), push=False)
    assert unused <= media(bucket_keys(s3_server, bucket, "p"))
    publish_and_deliver(library, now=later + grace + timedelta(minutes=1), push=False)
    in_bucket = media(bucket_keys(s3_server, bucket, "p"))
    assert not unused & in_bucket and in_bucket == local_media()
    left = {f"p/{k}" for k in bucket_keys(s3_server, bucket, "p")}
    kept = {k: s3_server.client().get_object(Bucket=bucket, Key=k)["Body"].read() for k in foreign}
    assert set(foreign) <= left and kept == foreign


def test_the_cli_publishes_to_a_target_and_names_a_bucket_it_cannot_reach(
    world: World, run_cli, s3_server: S3Server
) -> None:
    bucket = s3_server.bucket()
    ok = run_cli(
        "publish", "--no-push", "--json", "--target", f"s3://{bucket}/site",
        "--endpoint-url", s3_server.endpoint,
    )  # fmt: skip
    assert ok.exit_code == 0, ok.stderr
    doc = json.loads(ok.stdout)
    assert doc["bucket"]["target"] == f"s3://{bucket}/site"
    assert doc["bucket"]["manifests_uploaded"] == 3
    assert len(s3_server.calls("PUT", bucket)) == sum(
        doc["bucket"][k] for k in ("media_uploaded", "files_uploaded", "manifests_uploaded")
    )

    bad = run_cli("publish", "--target", "https://example.org/x")
    assert bad.exit_code != 0 and "publish target" in bad.stderr
    assert "s3://BUCKET/PREFIX" in bad.stderr

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    down = run_cli("publish", "--no-push", "--target", "s3://far-away/x", "--endpoint-url", closed)
    assert down.exit_code == 1
    assert "s3://far-away/x" in down.stderr and closed in down.stderr


def test_a_bad_target_setting_is_refused_naming_it(library: Library) -> None:
    from urbanart.errors import InvalidValue

    with pytest.raises(InvalidValue, match="publish_target") as caught:
        update_settings(library, publish_target="s3://Bad_Bucket/x")
    assert caught.value.key == "publish_target"
    with pytest.raises(InvalidValue, match="publish_endpoint_url"):
        update_settings(library, publish_endpoint_url="minio.local:9000")
    assert load_settings(library).publish_target == ""


def test_an_upload_cut_short_is_completed_by_the_next_publish(
    world: World, library: Library, s3_server: S3Server, tmp_path: Path
) -> None:
    bucket = s3_server.bucket()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(BucketError, match="cannot be reached"):
        publish_and_deliver(
            library, now=NOW, push=False, target=f"s3://{bucket}/x", endpoint_url=closed
        )
    assert current_tree(library).is_dir()  # the local tree is published all the same
    publish_and_deliver(
        library, now=NOW, push=False, target=f"s3://{bucket}/x", endpoint_url=s3_server.endpoint
    )
    assert bucket_objects(s3_server, bucket, "x") == served_files(library)
