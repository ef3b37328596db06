"""The local media store: atomic writes and keys that cannot escape the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from urbanart.library.store import LocalMediaStore, check_key, original_key


@pytest.mark.no_database
def test_put_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path)
    key = original_key("ab" * 32, "jpg")
    store.put(key, b"first")
    store.put(key, b"second")
    assert store.get(key) == b"second"
    assert list(store.keys()) == [key]
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".tmp-")]


@pytest.mark.no_database
def test_failed_write_keeps_the_old_object(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path)
    key = "originals/aa/x.jpg"
    store.put(key, b"old")

    with pytest.raises(TypeError):
        store.put(key, object())  # type: ignore[arg-type]
    assert store.get(key) == b"old"
    assert list(store.keys()) == [key]
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".tmp-")]


@pytest.mark.parametrize(
    "key",
    ["../etc/passwd", "/abs/path", "originals/../../x", "Originals/x", "a//b", "a/.hidden", ""],
)
@pytest.mark.no_database
def test_keys_that_could_escape_the_store_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="invalid media store key"):
        check_key(key)


@pytest.mark.no_database
def test_delete_of_a_missing_key_is_quiet(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path)
    store.delete("thumbs/aa/none.webp")
    assert not store.exists("thumbs/aa/none.webp")
