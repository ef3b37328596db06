"""The publish cache on its own: persistent, bounded by bytes (least recently used go first),
keyed by the code that makes an output, and never in the way when its file is unusable."""

from __future__ import annotations

import hashlib
import importlib
import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from urbanart.viewers.output_cache import OutputCache, cached, close_idle, code_digest, digest


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


def stored_bytes(path: Path) -> bytes:
    """Everything the cache's file and its write-ahead log hold."""
    return b"".join(
        Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal")
        if Path(f"{path}{suffix}").is_file()
    )


def test_a_released_page_is_kept_by_reference_and_read_back_from_its_release(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cache.sqlite"
    page = b"<html>" + b"where to see it " * 2000 + b"</html>"
    other = page.replace(b"where", b"WHERE")
    release: dict[tuple[str, str], bytes] = {}

    def released(relpath: str, sha: str) -> bytes | None:
        return release.get((relpath, sha))

    with OutputCache(path, released=released) as first:
        first.put(digest("page", 1), page, released_as="a/1/index.html")
        first.put(digest("page", 2), other)  # no release holds it: kept whole
        first.flush()
    assert b"where to see it" not in stored_bytes(path)
    assert b"WHERE to see it" in stored_bytes(path)

    with OutputCache(path, released=released) as second:  # no release holds it (yet)
        assert second.get(digest("page", 1)) is None
        assert second.get(digest("page", 2)) == other
    release[("a/1/index.html", hashlib.sha256(page).hexdigest())] = page
    with OutputCache(path, released=released) as third:
        third.prefetch([digest("page", 1), digest("page", 2)])
        assert third.get(digest("page", 1)) == page
        assert third.get(digest("page", 2)) == other
        assert (third.hits, third.misses) == (2, 0)
    with OutputCache(path) as unreleased:  # nothing to read released files from
        assert unreleased.get(digest("page", 1)) is None
    with OutputCache(path, released=released) as whole:  # keys only ever put whole
        whole.prefetch([digest("page", 1), digest("page", 2)], whole=True)
        assert whole.get(digest("page", 1)) is None  # its reference is not looked for
        assert whole.get(digest("page", 2)) == other


def test_a_reference_answers_only_with_the_bytes_it_names(tmp_path: Path) -> None:
    """A release file that is not what was made (damaged, or a finder that errs) is a miss."""
    path = tmp_path / "cache.sqlite"
    page = b"<html>made</html>"
    with OutputCache(path) as first:
        first.put(digest("page", 1), page, released_as="a/1/index.html")
        first.flush()
    with OutputCache(path, released=lambda relpath, sha: b"<html>damaged</html>") as second:
        assert second.get(digest("page", 1)) is None
        assert second.misses == 1


def test_a_dry_run_keeps_released_pages_whole(tmp_path: Path) -> None:
    """Nothing is published by a dry run, so the publish after it reads its pages from here."""
    path = tmp_path / "cache.sqlite"
    page = b"<html>" + b"checked, not published " * 500 + b"</html>"
    with OutputCache(path) as first:
        first.put(digest("page", 1), page, released_as="a/1/index.html")
        first.flush(by_reference=False)
    with OutputCache(path) as second:
        assert second.get(digest("page", 1)) == page


def test_beyond_their_bound_the_least_recently_used_references_go(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with OutputCache(path, max_released=2, use_resolution=0) as outputs:
        for name in ("old", "used", "other"):
            outputs.put(name, name.encode(), released_as=f"{name}/index.html")
            outputs.flush()
            time.sleep(0.01)  # distinct "used" times
        assert outputs.keys() == {"used", "other"}
        outputs.released = lambda relpath, sha: relpath.split("/")[0].encode()
        assert outputs.get("used") == b"used"
        outputs.flush()  # "used" is now the most recently used
        time.sleep(0.01)
        outputs.put("new", b"new", released_as="new/index.html")
        outputs.flush()
        assert outputs.keys() == {"used", "new"}


def kept_total(outputs: OutputCache) -> int:
    """The outputs' total bytes the cache's file keeps for trimming."""
    assert outputs._db is not None
    (total,) = outputs._db.execute("SELECT bytes FROM outputs_total").fetchone()
    return int(total)


def test_the_total_a_flush_trims_by_follows_every_write_without_summing(tmp_path: Path) -> None:
    """Stored, replaced by another size, trimmed: the total kept in the file is the sum of
    what it holds each time, so a flush need not sum the table to know it is within bound."""
    path = tmp_path / "cache.sqlite"
    with OutputCache(path, max_bytes=250, use_resolution=0) as outputs:
        outputs.put("a", b"x" * 100)
        outputs.put("b", b"x" * 100)
        outputs.flush()
        assert kept_total(outputs) == 200
        time.sleep(0.01)
        outputs.put("a", b"x" * 10)  # the same key, smaller, used later than "b"
        outputs.flush()
        assert kept_total(outputs) == 110
        time.sleep(0.01)
        outputs.put("c", b"x" * 100)
        outputs.put("d", b"x" * 100)
        outputs.flush()  # 310 > 250: the least recently used ("b") goes
        assert outputs.keys() == {"a", "c", "d"}
        assert kept_total(outputs) == 210


def test_a_cache_file_from_before_its_total_was_kept_is_counted_and_trimmed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cache.sqlite"
    with sqlite3.connect(path) as old:  # the file an older version made: no total, no triggers
        old.execute(
            "CREATE TABLE outputs (key TEXT PRIMARY KEY, data BLOB NOT NULL,"
            " size INTEGER NOT NULL, used REAL NOT NULL)"
        )
        old.executemany(
            "INSERT INTO outputs VALUES (?, ?, ?, ?)",
            [("old", b"x" * 100, 100, 1.0), ("older", b"x" * 100, 100, 0.5)],
        )
    old.close()
    with OutputCache(path, max_bytes=250, use_resolution=0) as outputs:
        assert kept_total(outputs) == 200
        outputs.put("new", b"y" * 100)
        outputs.flush()  # 300 > 250: the oldest goes
        assert outputs.keys() == {"old", "new"}
        assert kept_total(outputs) == 200


def used_of(outputs: OutputCache, key: str) -> float:
    assert outputs._db is not None
    (used,) = outputs._db.execute("SELECT used FROM outputs WHERE key = ?", (key,)).fetchone()
    return float(used)


def test_a_part_named_by_its_bytes_is_not_written_again_only_marked_used(
    tmp_path: Path,
) -> None:
    """An addressed part kept already is the same bytes: the flush writes nothing for it
    within the use resolution, and past it only marks it used (least recently used last)."""
    path = tmp_path / "cache.sqlite"
    part = b"a playlist entry " * 200
    key = hashlib.sha256(part).hexdigest()
    with OutputCache(path) as outputs:
        outputs.put(key, part, addressed=True)
        outputs.flush()
        assert outputs._db is not None
        before = outputs._db.total_changes
        outputs.put(key, part, addressed=True)
        outputs.flush()
        assert outputs._db.total_changes == before  # nothing written
        assert outputs.get(key) == part
    with OutputCache(path, use_resolution=0) as outputs:
        first = used_of(outputs, key)
        time.sleep(0.01)
        outputs.put(key, part, addressed=True)
        outputs.put("other", b"made anew")
        outputs.flush()
        assert used_of(outputs, key) > first
        assert kept_total(outputs) == len(part) + len(b"made anew")


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as db:
        (found,) = db.execute("PRAGMA integrity_check").fetchone()
    return str(found)


def test_a_connection_left_open_serves_the_next_cache_and_sees_other_writers(
    tmp_path: Path,
) -> None:
    """kept_open: the next cache of the file takes the connection the last one left open (no
    checkpoint or new log between publishes), and reads what another connection wrote since."""
    path = tmp_path / "cache.sqlite"
    with OutputCache(path, kept_open=True) as first:
        first.put(digest("page", 1), b"one")
        first.flush()
        kept = first._db
    assert Path(f"{path}-wal").is_file()  # left open: not checkpointed away
    with OutputCache(path) as other:  # another writer (a process of its own, as far as it knows)
        other.put(digest("page", 2), b"two")
        other.flush()
    with OutputCache(path, kept_open=True) as second:
        assert second._db is kept
        assert [second.get(digest("page", n)) for n in (1, 2)] == [b"one", b"two"]
    close_idle(path)
    assert not Path(f"{path}-wal").exists()  # the last connection closed: checkpointed
    with OutputCache(path) as third:
        assert third.get(digest("page", 1)) == b"one"


def test_a_cache_file_removed_under_a_connection_left_open_is_opened_anew(
    tmp_path: Path,
) -> None:
    """The file deleted (its log and index left, as a library's cache removed by hand): the
    next cache opens the new file, never the old connection, whose log is not the new file's."""
    path = tmp_path / "cache.sqlite"
    with OutputCache(path, kept_open=True) as first:
        first.put(digest("page", 1), b"one")
        first.flush()
        kept = first._db
    path.unlink()
    with OutputCache(path, kept_open=True) as second:
        assert second._db is not kept
        assert second.get(digest("page", 1)) is None
        second.put(digest("page", 2), b"two")
        second.flush()
    close_idle(path)
    with OutputCache(path) as third:
        assert [third.get(digest("page", n)) for n in (1, 2)] == [None, b"two"]
    assert integrity(path) == "ok"


def test_a_damaged_cache_under_a_connection_left_open_is_started_anew_untouched_by_it(
    tmp_path: Path,
) -> None:
    """Overwritten in place, its log and index removed: the connection left open must not
    checkpoint its log into the file (that would mend a page or two of garbage into a file
    that opens, then fails every read); the next cache finds it unusable and starts anew."""
    path = tmp_path / "cache.sqlite"
    with OutputCache(path, kept_open=True) as first:
        for n in range(50):
            first.put(digest("page", n), b"<p>%d</p>" % n * 200)
        first.flush()
    path.write_bytes(b"this is not a database" * 400)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink()
    with OutputCache(path, kept_open=True) as second:
        assert second.get(digest("page", 1)) is None
        second.put(digest("page", 2), b"two")
        second.flush()
    close_idle(path)
    with OutputCache(path) as third:
        assert third.get(digest("page", 2)) == b"two"
    assert integrity(path) == "ok"
