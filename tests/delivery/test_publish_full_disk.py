"""A full disk fails a publish and leaves the served tree alone; only a work's own fault leaves
it out. The disk is really full: a tiny tmpfs mounted over the library's rendition cache."""

from __future__ import annotations

import errno
import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.delivery.conftest import World
from urbanart.curation import screens
from urbanart.delivery import manifest as mf
from urbanart.delivery.publisher import publish
from urbanart.errors import StorageError
from urbanart.library.library import Library, current_tree
from urbanart.library.models import MediaAsset, Publication

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@contextmanager
def full_renditions_disk(library: Library) -> Iterator[Path]:
    """media/renditions on a 64 KB tmpfs filled to the last byte (needs root: skipped without).
    What was cached there before is hidden under the mount, so renditions are written anew."""
    folder = library.home / "media" / "renditions"
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            with pytest.raises(OSError, match="No space") as full:  # noqa: PT012 — fill it up
                while True:
                    os.write(fd, b"\0" * 4096)
        finally:
            os.close(fd)
        assert full.value.errno == errno.ENOSPC
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def served(library: Library) -> dict[str, object]:
    """The served release's name and every screen manifest's payload."""
    root = current_tree(library)
    found: dict[str, object] = {"release": os.readlink(root)}
    for path in sorted((root / "screens").glob("*/manifest.json")):
        envelope = json.loads(path.read_bytes())
        found[path.parent.name] = json.loads(envelope["payload"])
    return found


def statuses(library: Library) -> list[tuple[str, str]]:
    with library.session() as session:
        return [(p.status, p.summary) for p in session.scalars(select(Publication))]


def test_a_full_disk_fails_the_publish_naming_the_file(world: World, library: Library) -> None:
    with full_renditions_disk(library) as folder, pytest.raises(StorageError) as caught:
        publish(library, now=NOW)
    assert str(caught.value).startswith("No space left on device while writing ")
    assert str(folder) in str(caught.value)
    assert not current_tree(library).exists()  # nothing was served before, nothing is now
    status, summary = statuses(library)[-1]
    assert status == "failed" and "No space left on device" in summary


def test_a_full_disk_does_not_replace_a_release_with_an_emptier_one(
    world: World, library: Library, run_cli
) -> None:
    assert publish(library, now=NOW).changed
    before = served(library)
    items = sum(len(mf.item_ids(p)) for k, p in before.items() if k != "release")  # type: ignore[arg-type]
    assert items > 0
    screens.edit_screen(library, world.screens["Berlin"], size="800x450")  # new renditions due
    with full_renditions_disk(library):
        result = run_cli("publish", "--no-push")
    assert result.exit_code == 1, result.stdout
    assert "No space left on device while writing" in result.stderr
    assert "left out" not in result.stdout + result.stderr
    assert served(library) == before  # the same release, the same manifests
    assert [status for status, _ in statuses(library)] == ["done", "failed"]


def test_a_works_own_fault_still_only_leaves_it_out(world: World, library: Library) -> None:
    """An undecodable original is the work's fault: its items are left out, the rest published."""
    with library.session() as session:
        asset = session.scalar(select(MediaAsset).where(MediaAsset.format == "GIF"))
        assert asset is not None
        original = library.store.local_path(asset.original_key)
    assert original is not None
    original.write_bytes(b"GIF89a" + b"\0" * 40)  # damaged in the store after import
    result = publish(library, now=NOW)
    dropped = [d for change in result.screens for d in change.dropped]
    assert dropped and all(d.title == "Signal" for d in dropped)
    assert all("cannot be decoded" in d.reason for d in dropped)
    assert result.changed and current_tree(library).exists()
