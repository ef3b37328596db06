"""A release is made durable as a whole before it is marked complete: one syncfs(2) of its file
system where the C library has it, else an fsync of every file written and every folder made.
The system calls are watched (wrapped, still run), not replaced."""

from __future__ import annotations

import os
from hashlib import sha256
from pathlib import Path

import pytest

from urbanart import durable
from urbanart.delivery.tree import ReleaseIndex, Tree

pytestmark = pytest.mark.no_database

FILES = {
    "s/1/index.html": b"<p>one</p>",
    "s/1/qr.svg": b"<svg/>",
    "a/7/de/index.html": b"<p>sieben</p>",
    "manifests/abc.json": b"{}",
}


def inode(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


def watch_fsync(monkeypatch: pytest.MonkeyPatch) -> set[tuple[int, int]]:
    synced: set[tuple[int, int]] = set()
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.add(inode(fd))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return synced


def of(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino


def test_a_new_release_is_synced_with_one_syncfs_when_the_system_has_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = durable._SYNCFS
    if real is None:
        pytest.skip("no syncfs(2) here")
    calls: list[tuple[int, int]] = []

    def syncfs(fd: int) -> int:
        calls.append(inode(fd))
        return real(fd)

    monkeypatch.setattr(durable, "_SYNCFS", syncfs)
    synced = watch_fsync(monkeypatch)
    tree = Tree(tmp_path / "published")
    tree.ensure()
    tree.build_release("1", FILES, None)
    assert calls == [of(tree.releases / "1")]
    assert synced == set()  # nothing one by one
    assert (tree.releases / "1" / "a/7/de/index.html").read_bytes() == b"<p>sieben</p>"


def test_without_syncfs_every_file_written_and_every_folder_made_is_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(durable, "_SYNCFS", None)
    synced = watch_fsync(monkeypatch)
    tree = Tree(tmp_path / "published")
    tree.ensure()
    tree.build_release("1", FILES, None)
    first = tree.releases / "1"
    tree.mark_complete(ReleaseIndex("1", {}, frozenset()))
    folders = {first, first / "s", first / "s/1", first / "a", first / "a/7", first / "a/7/de"}
    folders.add(first / "manifests")
    assert {of(p) for p in folders} <= synced
    assert {of(first / relpath) for relpath in FILES} <= synced

    # A release linking unchanged files from the one before: its folders are synced too.
    synced.clear()
    previous = ReleaseIndex("1", _digests(FILES), frozenset())
    linked, written = tree.build_release("2", {**FILES, "s/1/qr.svg": b"<svg>2</svg>"}, previous)
    second = tree.releases / "2"
    assert (linked, written) == (3, 1)
    assert of(second / "s/1/qr.svg") in synced
    assert {of(second), of(second / "a/7/de"), of(second / "manifests")} <= synced


def _digests(files: dict[str, bytes]) -> dict[str, str]:
    return {k: sha256(v).hexdigest() for k, v in files.items()}
