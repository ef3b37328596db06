"""`publish` end to end on a real library: signed manifests, media, atomic and incremental."""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from tests.delivery.conftest import World
from urbanart.curation import playlists, schedules
from urbanart.curation.resolver import resolve
from urbanart.delivery import manifest as mf
from urbanart.delivery.publisher import publish, window_for
from urbanart.delivery.signing import signing_key
from urbanart.delivery.tree import Tree
from urbanart.i18n import LANGUAGES
from urbanart.library import catalog
from urbanart.library.library import Library, current_tree, published_root
from urbanart.library.models import Publication, PublishedManifest, Screen
from urbanart.library.settings import update_settings
from urbanart.protocol.envelope import SignatureInvalid, verify_envelope
from urbanart.protocol.manifest_format import media_urls, validate_payload

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def manifests(library: Library) -> dict[int, tuple[Path, dict]]:
    """screen id -> (manifest file, verified payload), from the tree being served."""
    root = current_tree(library)
    public = (root / "keys" / "manifest-signing.pub").read_bytes()
    out = {}
    for path in sorted((root / "screens").glob("*/manifest.json")):
        payload = verify_envelope(path.read_bytes(), public)
        out[payload["screen"]["id"]] = (path, payload)
    return out


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every entry under published/: (inode, mtime_ns), without following links."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            info = path.lstat()
            out[path.relative_to(root).as_posix()] = (info.st_ino, info.st_mtime_ns)
    return out


def releases(library: Library) -> list[str]:
    folder = published_root(library) / "releases"
    return sorted(p.name for p in folder.iterdir() if p.is_dir())


def test_publish_writes_verified_schema_valid_manifests_with_their_media(
    world: World, library: Library
) -> None:
    result = publish(library, now=NOW)
    assert result.changed and result.totals["new"] == 3
    found = manifests(library)
    assert set(found) == set(world.screens.values())
    key = signing_key(library.home)
    rules = schedules.load_all(library)
    start, until = window_for(NOW, 7)
    with library.session() as session:
        rows = {s.id: s for s in session.scalars(select(Screen))}
        published = {r.screen_id: r for r in session.scalars(select(PublishedManifest))}
        publication = session.get(Publication, result.publication_id)
        assert publication is not None and publication.status == "done"
    for screen_id, (path, payload) in found.items():
        screen = rows[screen_id]
        assert path.parent.name == screen.poll_token
        verify_envelope(path.read_bytes(), key.public_pem)
        validate_payload(payload)
        assert published[screen_id].version == payload["manifest_version"]
        assert published[screen_id].etag == mf.etag_for(path.read_bytes())
        context, screen_rules = rules[screen_id]
        timeline = resolve(screen_rules, context, start, until)
        assert payload["timeline"] == [
            {
                "start": mf.iso_z(s.start),
                "end": mf.iso_z(s.end),
                "playlist": None if s.playlist_id is None else str(s.playlist_id),
                "source": str(s.source),
                "schedule_id": s.schedule_id,
            }
            for s in timeline.segments
        ]
        for playlist in payload["playlists"].values():
            for item in playlist["items"]:
                media = item["media"]
                file = current_tree(library) / media["url"].lstrip("/")
                data = file.read_bytes()
                assert hashlib.sha256(data).hexdigest() == media["sha256"]
                assert len(data) == media["size"]
                with Image.open(file) as image:
                    assert image.size == (screen.width, screen.height)
                    assert (media["width"], media["height"]) == image.size
                    assert bool(getattr(image, "is_animated", False)) == media["animated"]
                if item["title"] == "Signal":
                    assert media["animated"] and media["format"] == "WEBP"
                else:
                    assert media["format"] == "JPEG"
    berlin = found[world.screens["Berlin"]][1]
    assert berlin["default_playlist"] == str(world.playlists["Morning"])
    assert [i["title"] for i in berlin["playlists"][berlin["default_playlist"]]["items"]] == [
        "Red Harbour",
        "Signal",
    ]


def test_publishing_again_without_change_changes_nothing(world: World, library: Library) -> None:
    publish(library, now=NOW)
    before = snapshot(published_root(library))
    again = publish(library, now=NOW + timedelta(hours=3))  # same UTC day
    assert not again.changed and again.message.startswith("Nothing changed")
    assert {c.status for c in again.screens} == {"unchanged"}
    assert snapshot(published_root(library)) == before
    with library.session() as session:
        statuses = list(session.scalars(select(Publication.status)))
    assert statuses == ["done", "done"]


def test_a_playlist_change_rewrites_only_the_screens_that_use_it(
    world: World, library: Library
) -> None:
    first = publish(library, now=NOW)
    old = {sid: (path, path.stat().st_ino) for sid, (path, _) in manifests(library).items()}
    key_inode = (current_tree(library) / "keys" / "manifest-signing.pub").stat().st_ino
    playlists.add_items(library, world.playlists["Evening"], [world.works["Red Harbour"]])
    result = publish(library, now=NOW)
    status = {c.screen_id: c for c in result.screens}
    assert status[world.screens["Berlin"]].status == "unchanged"
    assert status[world.screens["Tokyo"]].status == "changed"
    assert status[world.screens["Tokyo"]].items_added == 1
    assert status[world.screens["Quito"]].status == "changed"
    # Rewritten: Tokyo's and Quito's manifests and "now playing" pages, the Evening playlist page
    # and Red Harbour's artwork page (it is on one more playlist now), each page in its default
    # version and once per shipped language; the "where and when" data file (a/<id>/where.json)
    # of Evening's three works (their times move: the loop is longer now) and each of the two
    # screens' programme timing (s/<id>/programme.json). The pages of Evening's two other works
    # show no time (the script reads it from that file): they are linked, as is everything else.
    assert result.files_written == 2 + 4 * (1 + len(LANGUAGES)) + 3 + 2
    assert result.files_linked > 0
    new = manifests(library)
    for sid, (path, _payload) in new.items():
        same_inode = path.stat().st_ino == old[sid][1]
        assert same_inode == (sid == world.screens["Berlin"])
    assert (current_tree(library) / "keys" / "manifest-signing.pub").stat().st_ino == key_inode
    assert len(releases(library)) == 2
    with library.session() as session:
        recorded = {r.screen_id: r for r in session.scalars(select(PublishedManifest))}
    # The changed screens' rows name the new publication and manifest; the unchanged one's
    # row is the first publication's, untouched.
    for label in ("Tokyo", "Quito"):
        row, (path, payload) = recorded[world.screens[label]], new[world.screens[label]]
        assert row.publication_id == result.publication_id
        assert (row.version, row.sequence) == (payload["manifest_version"], payload["sequence"])
        assert row.etag == mf.etag_for(path.read_bytes())
    assert recorded[world.screens["Berlin"]].publication_id == first.publication_id


def test_old_releases_go_after_two_and_unused_media_after_the_grace_period(
    world: World, library: Library
) -> None:
    # The library's media_grace_days setting, not the default of 7, decides when media goes.
    update_settings(library, media_grace_days=3)
    grace = timedelta(days=3)
    publish(library, now=NOW)
    media_root = published_root(library) / "media"
    red_urls = {
        item["media"]["url"]
        for _, payload in manifests(library).values()
        for playlist in payload["playlists"].values()
        for item in playlist["items"]
        if item["title"] == "Red Harbour"
    }
    page = current_tree(library) / "a" / str(world.works["Red Harbour"]) / "index.html"
    red_urls |= {
        "/" + m for m in re.findall(r"media/[0-9a-f]{2}/[0-9a-f]{64}\.\w+", page.read_text())
    }
    assert red_urls
    playlists.remove_item(library, world.playlists["Morning"], 1)  # Red Harbour leaves
    publish(library, now=NOW)  # the previous release still uses its media
    publish(library, now=NOW + timedelta(days=1))  # now no kept release does
    assert len(releases(library)) == 2
    for url in red_urls:
        assert (media_root.parent / url.lstrip("/")).is_file()
    state = json.loads((published_root(library) / "media-gc.json").read_text())
    assert set(state["unreferenced_since"]) == {u.lstrip("/") for u in red_urls}
    publish(library, now=NOW + grace - timedelta(hours=1))
    assert all((media_root.parent / url.lstrip("/")).is_file() for url in red_urls)
    result = publish(library, now=NOW + grace + timedelta(days=1))
    assert result.media_removed == len(red_urls)
    assert not any((media_root.parent / url.lstrip("/")).exists() for url in red_urls)
    for _, payload in manifests(library).values():  # nothing served lost its media
        for url in media_urls(payload):
            assert (current_tree(library) / url.lstrip("/")).is_file()


def test_a_stale_release_leaves_with_the_publish_and_its_removal_ends_after_it(
    world: World, library: Library
) -> None:
    """The release a publish makes stale (and its trees) is out of releases/ and trees/ when
    the publish returns; it is removed in the background after the publish has done its own
    work, and nothing of it is left once that removal ends."""
    publish(library, now=NOW)
    first = releases(library)[0]
    tree = Tree(published_root(library))
    first_trees = set(tree.index(first).trees.values())  # type: ignore[union-attr]
    for minutes in (1, 2):
        playlists.set_item(library, world.playlists["Morning"], 1, duration=20 + minutes)
        publish(library, now=NOW + timedelta(minutes=minutes))
    assert first not in releases(library) and len(releases(library)) == 2
    kept = set()
    for name in releases(library):
        kept |= set(tree.index(name).trees.values())  # type: ignore[union-attr]
    stale = first_trees - kept
    assert stale and not any((tree.trees / digest).exists() for digest in stale)
    tree.settle()
    assert os.listdir(tree.root / "trash") == []


def test_a_tampered_manifest_fails_verification(world: World, library: Library) -> None:
    publish(library, now=NOW)
    path, _ = manifests(library)[world.screens["Berlin"]]
    envelope = json.loads(path.read_bytes())
    envelope["payload"] = envelope["payload"].replace("Red Harbour", "Fake Harbour")
    with pytest.raises(SignatureInvalid):
        verify_envelope(json.dumps(envelope).encode(), signing_key(library.home).public_pem)


def test_works_no_longer_approved_are_left_out_and_reported(world: World, library: Library) -> None:
    catalog.edit_artwork(library, world.works["Signal"], status="archived")
    result = publish(library, now=NOW)
    titles = {
        item["title"]
        for _, payload in manifests(library).values()
        for playlist in payload["playlists"].values()
        for item in playlist["items"]
    }
    assert "Signal" not in titles and "Red Harbour" in titles
    berlin = next(c for c in result.screens if c.screen_id == world.screens["Berlin"])
    assert [(d.title, d.reason) for d in berlin.dropped] == [
        ("Signal", "not approved (status: archived)")
    ]
    assert "left out" in result.message
    with library.session() as session:
        summary = json.loads(session.get(Publication, result.publication_id).summary)
    assert summary["totals"]["dropped_items"] == result.totals["dropped_items"] >= 1


def test_dry_run_writes_nothing_and_reports_what_would_change(
    world: World, library: Library, run_cli
) -> None:
    preview = publish(library, dry_run=True, now=NOW)
    assert preview.changed and preview.totals["new"] == 3 and preview.publication_id is None
    assert not published_root(library).exists()
    assert not (library.home / "keys").exists()
    publish(library)  # the CLI below publishes "now": the same window
    before = snapshot(published_root(library))
    playlists.remove_item(library, world.playlists["Evening"], 2)
    result = run_cli("publish", "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["dry_run"] and report["changed"]
    by_name = {s["screen"]: s for s in report["screens"]}
    assert by_name["Tokyo Tower"]["status"] == "changed"
    assert by_name["Tokyo Tower"]["items_removed"] == 1
    assert by_name["Berlin Kiosk"]["status"] == "unchanged"
    assert snapshot(published_root(library)) == before
    with library.session() as session:
        assert len(list(session.scalars(select(Publication)))) == 1


def test_cli_publish_reports_in_words_and_json(world: World, library: Library, run_cli) -> None:
    first = run_cli("publish")
    assert first.exit_code == 0, first.stderr
    assert "Published: 3 new" in first.stdout
    last = " ".join(first.stdout.split()).rsplit("Published: 3 new", 1)[1]
    assert "now the published tree" in last and "`urbanart serve`" in last
    assert "Serving" not in first.stdout  # publishing starts no server; the words must not say so
    again = run_cli("publish", "--json")
    assert again.exit_code == 0 and again.json()["message"] == "Nothing changed."


def test_paths_stay_inside_the_tree_and_unsafe_tokens_are_refused(
    world: World, library: Library
) -> None:
    with library.session() as session:
        session.get(Screen, world.screens["Quito"]).poll_token = "../../escape-attempt-xx"
    result = publish(library, now=NOW)
    assert any("poll token" in w for w in result.warnings)
    release = result.release
    assert release is not None
    index = json.loads((release.parent / f"{release.name}.json").read_text())
    published = published_root(library).resolve()
    for relpath in index["files"]:
        assert ".." not in relpath.split("/")
        # The release's folders are links to shared trees, all inside published/.
        resolved = (release / relpath).resolve()
        assert resolved.is_relative_to(published / "trees") or resolved.parent == release.resolve()
        if relpath.startswith("screens/"):
            token = relpath.split("/")[1]
            assert all(c.isalnum() or c in "-_" for c in token)
    assert not (published_root(library) / "escape-attempt-xx").exists()
    assert set(manifests(library)) == {world.screens["Berlin"], world.screens["Tokyo"]}


def test_the_look_ahead_setting_sets_the_window_unless_the_caller_gives_one(
    world: World, library: Library
) -> None:
    update_settings(library, look_ahead_days=12)
    result = publish(library, dry_run=True, now=NOW)
    assert (result.window_from, result.window_until) == window_for(NOW, 12)
    result = publish(library, dry_run=True, now=NOW, look_ahead_days=2)
    assert (result.window_from, result.window_until) == window_for(NOW, 2)
