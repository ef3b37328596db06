"""The publish cache on its own: persistent, bounded by bytes (least recently used go first),
keyed by the code that makes an output, and never in the way when its file is unusable."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

import pytest

from urbanart.viewers.output_cache import OutputCache, cached, code_digest, digest


def test_what_is_stored_is_read_back_by_the_next_process(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with OutputCache(path) as first:
        first.put(digest("page", 1), b"<html>one</html>")
        assert first.get(digest("page", 1)) == b"<html>one</html>"  # before the flush too
        first.flush()
    with OutputCache(path) as second:
        assert second.get(digest("page", 1)) == b"<html>one</html>"
        assert second.get(digest("page", 2)) is None
        assert (second.hits, second.misses) == (1, 1)


def test_cached_makes_an_output_once_per_distinct_input(tmp_path: Path) -> None:
    made: list[str] = []

    def make(text: str) -> bytes:
        made.append(text)
        return text.encode()

    with OutputCache(tmp_path / "cache.sqlite") as outputs:
        assert cached(outputs, ("qr", "https://a.example/"), lambda: make("a")) == b"a"
        assert cached(outputs, ("qr", "https://a.example/"), lambda: make("again")) == b"a"
        assert cached(outputs, ("qr", "https://b.example/"), lambda: make("b")) == b"b"
    assert made == ["a", "b"]
    assert cached(None, ("qr", "https://a.example/"), lambda: make("no cache")) == b"no cache"


def test_beyond_its_bound_the_least_recently_used_outputs_go(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with OutputCache(path, max_bytes=250, use_resolution=0) as outputs:
        for name in ("old", "used", "other"):
            outputs.put(name, b"x" * 100)
            outputs.flush()
            time.sleep(0.01)  # distinct "used" times
        assert outputs.keys() == {"used", "other"}  # 300 bytes > 250: "old" went
        assert outputs.get("used") is not None
        outputs.flush()  # "used" is now the most recently used
        time.sleep(0.01)
        outputs.put("new", b"y" * 100)
        outputs.flush()
        assert outputs.keys() == {"used", "new"}


def test_an_unusable_file_makes_an_empty_cache_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"not sqlite at all " * 64)
    with OutputCache(path) as outputs:
        assert outputs.get("anything") is None
        outputs.put("anything", b"data")
        outputs.flush()
    with OutputCache(path) as outputs:
        assert outputs.get("anything") == b"data"


def test_a_change_to_the_code_that_makes_an_output_changes_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "fake_templates_pkg"
    (package / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "templates" / "page.html").write_text("<p>{{ x }}</p>")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    before = code_digest("fake_templates_pkg", "templates")
    code_digest.cache_clear()
    assert code_digest("fake_templates_pkg", "templates") == before  # stable
    (package / "templates" / "page.html").write_text("<p>{{ x }}!</p>")
    code_digest.cache_clear()
    assert code_digest("fake_templates_pkg", "templates") != before
    sys.modules.pop("fake_templates_pkg", None)


def test_digest_tells_parts_apart() -> None:
    assert digest("ab", "c") != digest("a", "bc")
    assert digest(1) != digest("1")
    assert digest(("page", 1)) == digest(("page", 1))


def test_prefetched_keys_answer_as_single_reads_would(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with OutputCache(path) as first:
        for n in range(1200):  # more than one query's worth
            first.put(digest("page", n), f"<p>{n}</p>".encode())
        first.flush()
    with OutputCache(path) as second:
        keys = [digest("page", n) for n in (0, 5, 1199)] + [digest("page", "never made")]
        second.prefetch(keys)
        assert [second.get(k) for k in keys] == [b"<p>0</p>", b"<p>5</p>", b"<p>1199</p>", None]
        assert (second.hits, second.misses) == (3, 1)
    with OutputCache(path) as third:  # the same answers one read at a time
        assert [third.get(k) for k in keys] == [b"<p>0</p>", b"<p>5</p>", b"<p>1199</p>", None]


def test_a_flush_commits_without_waiting_for_the_disk_and_stays_consistent(
    tmp_path: Path,
) -> None:
    """WAL with synchronous=NORMAL: a commit is not fsynced (a power cut may lose the last
    flushes, whose outputs the next publish makes again), yet the file is never left
    inconsistent, so a key never answers with another output's bytes."""
    path = tmp_path / "cache.sqlite"
    with OutputCache(path) as outputs:
        assert outputs._db is not None
        assert outputs._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert outputs._db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
        outputs.put(digest("page", 1), b"one")
        outputs.flush()
    with OutputCache(path) as again:
        assert again.get(digest("page", 1)) == b"one"
