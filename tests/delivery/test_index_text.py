"""A release index's text, made from the last index's unchanged parts, is json.dumps's own."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from urbanart.delivery import index_text as text_module
from urbanart.delivery.index_text import index_text
from urbanart.delivery.tree import ReleaseIndex, Tree


def plain(doc: object) -> bytes:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Chunks of 3 entries, objects of 5 or more chunked: small documents take every path."""
    monkeypatch.setattr(text_module, "CHUNK", 3)
    monkeypatch.setattr(text_module, "CHUNKED_FROM", 5)
    text_module.forget()
    yield
    text_module.forget()


keys = st.text(alphabet='ab/é."\\\n', min_size=1, max_size=4)
leaves = st.one_of(st.text(max_size=6), st.integers(-5, 5), st.none(), st.booleans())
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=6,
)
edits = st.lists(
    st.tuples(st.sampled_from(["files", "screen_inputs"]), keys, st.none() | values),
    max_size=4,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, values, min_size=5, max_size=14), st.lists(edits, max_size=6))
def test_any_sequence_of_indexes_gives_json_dumps_text(
    start: dict[str, object], steps: list[list[tuple[str, str, object]]]
) -> None:
    """Each text equals the plain serialization, whatever the index written before it: values
    changed (in new objects, as a publish makes them), keys added and removed, nested values,
    escapes and non-ASCII text."""
    doc: dict[str, object] = {"files": start, "screen_inputs": dict(start), "release": "1"}
    assert index_text(doc) == plain(doc)
    for step in steps:
        doc = json.loads(json.dumps(doc))
        for part, key, value in step:
            if value is None:
                doc[part].pop(key, None)  # type: ignore[attr-defined]
            else:
                was = doc[part].get(key)  # type: ignore[attr-defined]
                # The module's stated contract: an equal value keeps its type (False and 0
                # compare equal; an index's fields never change type).
                assume(not (was == value and plain(was) != plain(value)))
                doc[part][key] = value  # type: ignore[index]
        assert index_text(doc) == plain(doc)


def test_a_changed_entry_is_written_anew_and_the_others_reused() -> None:
    files = {f"a/{n}/index.html": f"{n:064x}" for n in range(20)}
    records = {str(n): {"version": n, "groups": ["x", n]} for n in range(20)}
    first = {"files": files, "screen_inputs": records, "release": "1"}
    assert index_text(first) == plain(first)
    # A fresh document, as a publish makes: equal values in new objects, two of them changed
    # (a file's sha256, a nested value in a screen's record), the keys the same.
    second = {
        "files": {**files, "a/7/index.html": "f" * 64},
        "screen_inputs": {
            **{sid: json.loads(json.dumps(record)) for sid, record in records.items()},
            "12": {"version": 12, "groups": ["x", 13]},
        },
        "release": "2",
    }
    assert index_text(second) == plain(second)
    # Keys added and removed, of as many entries.
    third = {**second, "files": {k.replace("a/3/", "a/33/"): v for k, v in files.items()}}
    assert index_text(third) == plain(third)
    assert json.loads(index_text(third)) == third


def test_a_release_index_read_back_is_the_one_written(tmp_path: object) -> None:
    """Through the tree: marked complete twice, one file changed, the second index reads back
    whole (the same files, media, trees and records)."""
    from pathlib import Path

    tree = Tree(Path(str(tmp_path)) / "published")
    tree.ensure()
    files = {f"s/{n}/index.html": f"{n:064x}" for n in range(30)}
    trees = {f"s/{n}": f"{n:040x}" for n in range(30)}
    extra: dict[str, object] = {"screen_inputs": {str(n): {"v": n} for n in range(30)}}
    for name, changed in (("1", files), ("2", {**files, "s/4/index.html": "e" * 64})):
        (tree.releases / name).mkdir()
        tree.mark_complete(ReleaseIndex(name, changed, frozenset({"media/x"}), extra, trees))
    written = (tree.releases / "2.json").read_bytes()
    doc = json.loads(written)
    assert doc["files"]["s/4/index.html"] == "e" * 64
    assert doc["files"]["s/5/index.html"] == f"{5:064x}"
    assert written == plain(doc)


def test_a_part_of_big_entries_has_chunks_of_fewer_entries() -> None:
    """A screen group's record is kilobytes: a changed one re-serializes a chunk of two, not
    of CHUNK records; small entries keep chunks of CHUNK."""
    groups = {f"{n:064x}": {"media": ["m" * 100] * 15, "n": n} for n in range(20)}
    files = {f"a/{n}/index.html": f"{n:064x}" for n in range(20)}
    doc = {"files": files, "screen_groups": groups, "release": "1"}
    assert index_text(doc) == plain(doc)
    assert {len(chunk) for chunk in text_module._LAST["screen_groups"].keys} == {2}
    assert {len(chunk) for chunk in text_module._LAST["files"].keys} == {3, 2}
    changed = json.loads(json.dumps(doc))
    changed["screen_groups"][f"{7:064x}"]["n"] = 70
    assert index_text(changed) == plain(changed)


def test_a_key_replaced_serializes_its_neighbours_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A change of one screen group replaces its record's key (a digest): the chunks around
    it are made again (not the part's ten), the others' texts kept; many such steps still give
    json.dumps's text and never leave the part in more than twice the chunks a fresh one has."""
    groups = {f"{n:02d}" + "0" * 62: {"n": n} for n in range(0, 60, 2)}
    doc: dict[str, object] = {"screen_groups": groups, "release": "1"}
    assert index_text(doc) == plain(doc)
    made: list[tuple[str, ...]] = []
    chunk_text = text_module._chunk_text

    def counted(keys: tuple[str, ...], values: tuple[object, ...]) -> bytes:
        made.append(keys)
        return chunk_text(keys, values)

    monkeypatch.setattr(text_module, "_chunk_text", counted)
    made_per_step = []
    for step in range(1, 30):
        groups = dict(groups)
        groups.pop(min(groups))  # one record goes, another comes
        groups[f"{step * 2 + 1:02d}" + "f" * 62] = {"n": -step}
        doc = {"screen_groups": groups, "release": str(step)}
        made.clear()
        assert index_text(doc) == plain(doc)
        made_per_step.append(len(made))
        assert len(text_module._LAST["screen_groups"].keys) <= 2 * -(-len(groups) // 3) + 1
    assert max(made_per_step) <= 3  # the first chunk's rest, the new key's chunk split in two


def test_an_empty_document_is_an_empty_object() -> None:
    assert index_text({}) == b"{}"
    assert index_text({"files": {}}) == plain({"files": {}})
