"""A release's folders are shared, content-addressed trees (docs/published-tree.md): a new
release writes the folders that changed and their parents, and nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from hashlib import sha256
from pathlib import Path

import pytest

from tests.delivery.conftest import PYTHON, REPO, subprocess_env
from tests.published_files import published_files
from urbanart.delivery import tree as tree_module
from urbanart.delivery.tree import ReleaseIndex, Tree, _Layout

pytestmark = pytest.mark.no_database

FIRST = {
    "index.html": b"home",
    "a/1/index.html": b"work one",
    "a/1/de/index.html": b"Werk eins",
    "a/2/index.html": b"work two",
    "s/1/index.html": b"screen one",
    "s/2/index.html": b"screen two",
    "screens/tok1/manifest.json": b"{}",
}


def release(tree: Tree, name: str, files: dict[str, bytes], previous: str | None = None) -> None:
    """Build, index and serve a release, as a publish does."""
    before = tree.index(previous) if previous is not None else None
    built = tree.build_release(name, files, before)
    digests = {rel: sha256(data).hexdigest() for rel, data in files.items()}
    tree.mark_complete(ReleaseIndex(name, digests, frozenset(), {}, built.trees))
    tree.swap(name)


def served(tree: Tree) -> dict[str, bytes]:
    root = tree.root / "current"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in published_files(root)}


def trees(tree: Tree) -> set[str]:
    return {p.name for p in tree.trees.iterdir()}


def release_served(tree: Tree, name: str, files: dict[str, bytes], previous: str) -> ReleaseIndex:
    """release(), its files checked as served: its index."""
    release(tree, name, files, previous=previous)
    assert served(tree) == files
    index = tree.index(name)
    assert index is not None
    return index


def point_like(folder: Path, name: str, other: str) -> None:
    """Damage a tree's link: folder/name now points where folder/other does."""
    (folder / name).unlink()
    os.symlink(os.readlink(folder / other), folder / name)


def test_a_change_writes_its_folders_and_their_parents_and_shares_the_rest(tmp_path: Path) -> None:
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    assert served(tree) == FIRST
    first_trees = trees(tree)
    assert len(first_trees) == 9  # a, a/1, a/1/de, a/2, s, s/1, s/2, screens, screens/tok1

    second = {**FIRST, "a/1/index.html": b"work one, edited"}
    built = tree.build_release("2", second, tree.index("1"))
    assert (built.linked, built.written) == (len(FIRST) - 1, 1)
    new = {d for d in built.trees.values() if d not in first_trees}
    assert new == {built.trees["a"], built.trees["a/1"]}  # the folder and its parent, no more
    one, two = tree.releases / "1", tree.releases / "2"
    assert os.readlink(two / "s") == os.readlink(one / "s")  # the very same tree
    assert os.readlink(two / "a") != os.readlink(one / "a")
    assert (two / "a" / "2").resolve() == (one / "a" / "2").resolve()
    # An unchanged file in a changed folder is the previous one, linked (same inode).
    assert (two / "a/1/de/index.html").stat().st_ino == (one / "a/1/de/index.html").stat().st_ino
    assert (two / "index.html").stat().st_ino == (one / "index.html").stat().st_ino
    digests = {rel: sha256(data).hexdigest() for rel, data in second.items()}
    tree.mark_complete(ReleaseIndex("2", digests, frozenset(), {}, built.trees))
    tree.swap("2")
    assert served(tree) == second
    assert not [p for p in tree.trees.iterdir() if p.name.startswith(".tmp-")]


def test_trees_no_kept_release_uses_are_removed_and_none_while_an_index_is_unreadable(
    tmp_path: Path,
) -> None:
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    release(tree, "2", {**FIRST, "s/2/index.html": b"screen two, renamed"}, previous="1")
    release(tree, "3", {**FIRST, "s/2/index.html": b"screen two, again"}, previous="2")
    only_first = {tree.index("1").trees[f] for f in ("s", "s/2")}
    assert only_first <= trees(tree)

    index_two = tree.releases / "2.json"
    saved = index_two.read_bytes()
    index_two.write_bytes(b"{damaged")
    tree.collect_trees(["3", "2"])
    assert only_first <= trees(tree)  # the kept release's trees are unknown: nothing goes

    index_two.write_bytes(saved)
    assert tree.clean(keep=2) == ["1"]
    left = trees(tree)
    assert not only_first & left
    assert set(tree.index("2").trees.values()) | set(tree.index("3").trees.values()) == left
    assert served(tree)["s/2/index.html"] == b"screen two, again"


def test_a_damaged_tree_is_not_shared_when_the_release_is_made_anew(tmp_path: Path) -> None:
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    (tree.root / "current" / "a/2/index.html").unlink()  # a file gone from a served tree
    index = tree.index("1")
    assert tree.missing(index, ["a/1/index.html"]) is False
    assert tree.missing(index, ["a/2/index.html"]) is True

    second = {**FIRST, "s/1/index.html": b"screen one, edited"}
    built = tree.build_release("2", second, index, anew=True)
    assert not set(built.trees.values()) & set(index.trees.values())
    digests = {rel: sha256(data).hexdigest() for rel, data in second.items()}
    tree.mark_complete(ReleaseIndex("2", digests, frozenset(), {}, built.trees))
    tree.swap("2")
    assert served(tree) == second


def test_a_build_that_stops_half_way_leaves_no_tree_under_its_final_name(tmp_path: Path) -> None:
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    before = trees(tree)

    def stop(number: int, total: int) -> None:
        if number >= 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tree.build_release(
            "2", {**FIRST, "a/1/index.html": b"x", "s/1/index.html": b"y"}, tree.index("1"),
            on_file=stop,
        )  # fmt: skip
    assert {n for n in trees(tree) if not n.startswith(".tmp-")} == before
    tree.clean(keep=2)
    assert trees(tree) == before and served(tree) == FIRST


def test_an_index_read_before_is_read_again_once_its_file_is_replaced(tmp_path: Path) -> None:
    """Indexes stay parsed between publishes of one process (tree.py), yet a replaced index
    file (another process published, or a repair) is what the next reader sees."""
    release(Tree(tmp_path), "1", FIRST)
    before = Tree(tmp_path).index("1")  # another publish's Tree: the same, parsed once
    assert before is not None and before.files["index.html"] == sha256(b"home").hexdigest()
    path = tmp_path / "releases" / "1.json"
    stamp = path.stat()
    replaced = ReleaseIndex("1", {"index.html": "0" * 64}, frozenset(), {}, {})
    path.write_bytes(replaced.to_bytes())
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # the same time, another size
    assert Tree(tmp_path).index("1") == replaced
    path.write_bytes(b"{not json")
    assert Tree(tmp_path).index("1") is None


def fresh_trees(files: dict[str, bytes], previous: ReleaseIndex | None) -> dict[str, str]:
    """The folders' digests as worked out from the files alone (no layout kept in process)."""
    digests = {rel: sha256(data).hexdigest() for rel, data in files.items()}
    return _Layout(digests, previous).trees()


def test_a_release_after_one_this_process_made_has_the_trees_of_one_made_from_scratch(
    tmp_path: Path,
) -> None:
    """The next release of the same paths derives its folders from the layout this process
    kept of the previous one (tree.py, _LAYOUTS): its trees and files are the ones a fresh
    process makes, change after change."""
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    files, previous = FIRST, "1"
    edits = [
        ("a/1/de/index.html", b"Werk eins, neu"),
        ("s/2/index.html", b"two, again"),
        ("a/1/de/index.html", b"Werk eins"),  # back: release 1's tree again
        ("index.html", b"home, new"),
    ]
    for n, (rel, data) in enumerate(edits, start=2):
        files = {**files, rel: data}
        before = tree.index(previous)
        built = tree.build_release(str(n), files, before)
        assert built.trees == fresh_trees(files, before)
        assert built.linked + built.written == len(files) and built.written <= 1
        digests = {path: sha256(data).hexdigest() for path, data in files.items()}
        tree.mark_complete(ReleaseIndex(str(n), digests, frozenset(), {}, built.trees))
        tree.swap(str(n))
        assert served(tree) == files
        previous = str(n)


def test_a_kept_layout_is_not_followed_once_the_index_lists_other_files(tmp_path: Path) -> None:
    """An index replaced since this process built its release (another process, a repair)
    lists other sha256: the next release is laid out from the index, not from what this
    process remembers of the release."""
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    second = {**FIRST, "a/1/index.html": b"work one, edited"}
    release(tree, "2", second, previous="1")
    # Release 2 recorded as holding the first version of a/1/index.html (its tree and files).
    recorded = {**second, "a/1/index.html": FIRST["a/1/index.html"]}
    digests = {rel: sha256(data).hexdigest() for rel, data in recorded.items()}
    old = tree.index("1")
    assert old is not None
    index_path = tree.releases / "2.json"
    index_path.write_bytes(ReleaseIndex("2", digests, frozenset(), {}, old.trees).to_bytes())
    third = {**recorded, "a/1/de/index.html": b"Werk eins, neu"}  # the same folder changes
    before = tree.index("2")
    built = tree.build_release("3", third, before)
    assert built.trees == fresh_trees(third, before)


def test_a_big_stale_tree_is_removed_whole_and_the_kept_ones_stay(tmp_path: Path) -> None:
    """A fleet's s/ folder: a stale tree of hundreds of links (removed by several threads)
    goes entirely, while the trees of the kept releases stay whole and served."""
    tree = Tree(tmp_path / "published")
    tree.ensure()
    fleet = {**FIRST, **{f"s/{n}/index.html": f"screen {n}".encode() for n in range(1, 400)}}
    release(tree, "1", fleet)
    release(tree, "2", {**fleet, "s/7/index.html": b"screen seven, edited"}, previous="1")
    third = {**fleet, "s/7/index.html": b"screen seven, again"}
    release(tree, "3", third, previous="2")
    stale_s = tree.trees / tree.index("1").trees["s"]
    assert len(os.listdir(stale_s)) == 399

    assert tree.clean(keep=2) == ["1"]
    assert not stale_s.exists()
    kept = set(tree.index("2").trees.values()) | set(tree.index("3").trees.values())
    assert trees(tree) == kept  # nothing stale left behind, nothing kept removed
    assert served(tree) == third
    previous = tree.releases / "2"
    assert (previous / "s/7/index.html").read_bytes() == b"screen seven, edited"
    assert len(os.listdir(previous / "s")) == 399


def links_under(root: Path) -> list[str]:
    """The target of every symlink a release's folders hold (the release's own and its trees')."""
    targets = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        if Path(dirpath) == root:
            dirnames[:] = [d for d in dirnames if d != "media"]
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                targets.append(os.readlink(path))
    return targets


def test_every_link_to_a_tree_fits_in_its_inode(tmp_path: Path) -> None:
    """A link's target under 60 bytes lives in its inode (ext4 and others); a longer one takes
    a disk block to write and another wait to free: a fleet's changed s/ and screens/ folders
    are a thousand links each, made and removed at every change."""
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    release(tree, "2", {**FIRST, "s/2/index.html": b"screen two, renamed"}, previous="1")
    targets = links_under(tree.releases / "2")
    assert len(targets) == 9  # a, a/1, a/1/de, a/2, s, s/1, s/2, screens, screens/tok1
    assert max(len(t.encode()) for t in targets) < 60, targets
    assert served(tree)["s/2/index.html"] == b"screen two, renamed"


def test_a_changed_folder_names_its_unchanged_sub_folders_by_the_previous_links(
    tmp_path: Path,
) -> None:
    """A changed folder's links to unchanged sub-folders are the previous release's links
    (one inode, another name: a fleet's s/ folder is a thousand of them), and a link that is
    not what its tree says (damaged) is never passed on: a new one is made."""
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    one = tree.index("1")
    assert one is not None
    old_s = tree.trees / one.trees["s"]
    release(tree, "2", {**FIRST, "s/1/index.html": b"screen one, edited"}, previous="1")
    two = tree.index("2")
    assert two is not None
    new_s = tree.trees / two.trees["s"]
    assert os.readlink(new_s / "2") == os.readlink(old_s / "2")
    assert os.lstat(new_s / "2").st_ino == os.lstat(old_s / "2").st_ino  # the same link
    assert os.lstat(new_s / "1").st_ino != os.lstat(old_s / "1").st_ino  # a new tree, new link
    top = tree.releases / "2" / "a"  # unchanged at the top: release 1's link
    assert os.lstat(top).st_ino == os.lstat(tree.releases / "1" / "a").st_ino

    point_like(new_s, "2", "1")  # damaged: s/2 now shows s/1's tree
    third = {**FIRST, "s/1/index.html": b"screen one, again"}
    three = release_served(tree, "3", third, previous="2")
    assert os.readlink(tree.trees / three.trees["s"] / "2") == f"../{one.trees['s/2']}"


def test_a_damaged_link_of_a_big_folder_linked_in_one_batch_is_not_passed_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big folder's unchanged links (a fleet's s/, here any: LINKS_APART 1) are made in one
    batch, beside the other big folders', each read first when no worker read them: one that
    is not what its tree says is made anew, the others are the previous links."""
    monkeypatch.setattr(tree_module, "LINKS_APART", 1)
    many = {**FIRST, **{f"s/{n}/index.html": f"screen {n}".encode() for n in range(3, 9)}}
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", many)
    second = {**many, "s/1/index.html": b"screen one, edited"}
    release(tree, "2", second, previous="1")
    two = tree.index("2")
    assert two is not None
    old_s = tree.trees / two.trees["s"]
    point_like(old_s, "2", "3")  # damaged: s/2 now shows s/3's tree
    assert tree.missing(two, list(second)) is False  # every file is there: trees trusted
    third = {**second, "s/1/index.html": b"screen one, again"}
    three = release_served(tree, "3", third, previous="2")
    new_s = tree.trees / three.trees["s"]
    assert os.readlink(new_s / "2") == f"../{two.trees['s/2']}"
    assert os.lstat(new_s / "2").st_ino != os.lstat(old_s / "2").st_ino  # made anew
    for n in range(3, 9):
        assert os.lstat(new_s / str(n)).st_ino == os.lstat(old_s / str(n)).st_ino


def test_trees_recorded_under_long_names_are_made_anew_once_with_short_ones(
    tmp_path: Path,
) -> None:
    """A release made before trees had short names (its index names 64-character trees) is
    served as it is; the next change makes every folder anew under a short name, so no long
    link lives on, and the long-named trees go once no kept release uses them."""
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    old = tree.index("1")
    assert old is not None
    long_names = {}
    for folder, name in old.trees.items():  # as an older version named them: 64 characters
        long_names[folder] = name + "0" * (64 - len(name))
        os.rename(tree.trees / name, tree.trees / long_names[folder])
    for folder, name in old.trees.items():
        for parent in (tree.trees / n for n in long_names.values()):
            link = parent / folder.rpartition("/")[2]
            if link.is_symlink() and os.readlink(link) == f"../{name}":
                link.unlink()
                os.symlink(f"../{long_names[folder]}", link)
        top = tree.releases / "1" / folder
        if "/" not in folder:
            top.unlink()
            os.symlink(f"../../trees/{long_names[folder]}", top)
    tree.mark_complete(ReleaseIndex("1", old.files, old.media, old.extra, long_names))
    assert served(tree) == FIRST and max(map(len, links_under(tree.releases / "1"))) > 60

    second = {**FIRST, "s/1/index.html": b"screen one, edited"}
    release(tree, "2", second, previous="1")
    assert served(tree) == second
    assert max(len(t.encode()) for t in links_under(tree.releases / "2")) < 60
    assert not set(tree.index("2").trees.values()) & set(long_names.values())
    release(tree, "3", {**second, "index.html": b"home, edited"}, previous="2")
    tree.clean(keep=2)
    assert not trees(tree) & set(long_names.values())


def test_stale_trees_leave_at_once_and_are_removed_after_the_clean_returns(
    tmp_path: Path,
) -> None:
    """clean(later=True), as a publish calls it after the swap: the stale release and its
    trees are out of releases/ and trees/ when it returns (no later build can link them), and
    a background thread removes them; the same folder made again meanwhile is a new tree."""
    tree = Tree(tmp_path / "published")
    tree.ensure()
    fleet = {**FIRST, **{f"s/{n}/index.html": f"screen {n}".encode() for n in range(1, 400)}}
    release(tree, "1", fleet)
    release(tree, "2", {**fleet, "s/7/index.html": b"screen seven, edited"}, previous="1")
    release(tree, "3", {**fleet, "s/7/index.html": b"screen seven, again"}, previous="2")
    stale_s = tree.index("1").trees["s"]

    assert tree.clean(keep=2, later=True) == ["1"]
    assert not (tree.trees / stale_s).exists()
    assert not (tree.releases / "1").exists() and not (tree.releases / "1.json").exists()
    kept = set(tree.index("2").trees.values()) | set(tree.index("3").trees.values())
    assert trees(tree) == kept

    release(tree, "4", fleet, previous="3")  # release 1's folders again, while being removed
    assert tree.index("4").trees["s"] == stale_s
    tree.settle()
    assert os.listdir(tree.root / "trash") == []
    assert served(tree) == fleet
    assert len(os.listdir(tree.releases / "4" / "s")) == 399


def test_trash_a_killed_process_left_is_removed_by_the_next_clean(tmp_path: Path) -> None:
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    left = tree.root / "trash" / "clean-killed" / "0123abcd"
    left.mkdir(parents=True)
    for n in range(100):
        os.symlink(f"../{n:040x}", left / str(n))
    tree.clean(keep=2)
    assert os.listdir(tree.root / "trash") == []
    assert served(tree) == FIRST


CHILD = textwrap.dedent(
    """
    import sys
    from hashlib import sha256
    from pathlib import Path
    from urbanart.delivery.tree import ReleaseIndex, Tree, _Layout

    tree = Tree(Path(sys.argv[1]))
    tree.ensure()
    previous = None
    for n in range(1, 4):  # three releases of a big s/ folder: the first one goes stale
        files = {f"s/{k}/index.html": f"screen {k} {n if k == 7 else ''}".encode()
                 for k in range(2000)}
        built = tree.build_release(str(n), files, tree.index(previous) if previous else None)
        digests = {rel: sha256(data).hexdigest() for rel, data in files.items()}
        tree.mark_complete(ReleaseIndex(str(n), digests, frozenset(), {}, built.trees))
        tree.swap(str(n))
        previous = str(n)
    print(tree.clean(keep=2, later=True))
    """
)


def test_a_process_that_exits_right_after_a_clean_finishes_its_removal_first(
    tmp_path: Path,
) -> None:
    """The CLI returns from publish and exits at once: the interpreter waits for the background
    removal (a non-daemon thread, whose helpers must not be refused at exit)."""
    root = tmp_path / "published"
    child = subprocess.run(
        [PYTHON, "-c", CHILD, str(root)],
        env=subprocess_env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "['1']"
    assert "Traceback" not in child.stderr, child.stderr
    assert os.listdir(root / "trash") == []
    assert sorted(os.listdir(root / "releases")) == ["2", "2.json", "3", "3.json"]


def test_a_gone_file_is_missing_in_a_tree_and_in_a_release_made_before_trees(
    tmp_path: Path,
) -> None:
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    index = tree.index("1")
    assert tree.missing(index, list(FIRST)) is False
    (tree.trees / index.trees["s/2"] / "index.html").unlink()
    (tree.trees / index.trees["s/2"] / "index.html").mkdir()  # a folder is not the file
    assert tree.missing(index, ["s/1/index.html"]) is False
    assert tree.missing(index, ["s/1/index.html", "s/2/index.html"]) is True

    before = Tree(tmp_path / "older")  # its folders are its own: no trees/ at all
    (before.releases / "7" / "a" / "1").mkdir(parents=True)
    (before.releases / "7" / "index.html").write_bytes(b"home")
    (before.releases / "7" / "a" / "1" / "index.html").write_bytes(b"work one")
    files = {"index.html": "x", "a/1/index.html": "y"}
    old = ReleaseIndex("7", files, frozenset(), {}, {})
    assert before.missing(old, list(files)) is False
    (before.releases / "7" / "a" / "1" / "index.html").unlink()
    assert before.missing(old, list(files)) is True


def test_trees_a_check_found_are_trusted_by_the_next_build_only(tmp_path: Path) -> None:
    """missing() found s/2's tree whole, so the build right after links it unlooked; a later
    build does not trust that any more: s/2's tree gone meanwhile is made again from its bytes."""
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    assert tree.missing(tree.index("1"), list(FIRST)) is False
    s2 = tree.index("1").trees["s/2"]
    assert s2 in tree.verified_trees
    second = {**FIRST, "s/1/index.html": b"screen one, edited"}
    release(tree, "2", second, previous="1")  # s/ changed: s/2 linked, its tree trusted
    assert served(tree) == second
    for name in os.listdir(tree.trees / s2):
        os.unlink(tree.trees / s2 / name)
    os.rmdir(tree.trees / s2)  # s/2's tree gone (its file is given as bytes below)
    third = {**second, "s/1/index.html": b"screen one, again"}
    release(tree, "3", third, previous="2")
    assert served(tree) == third


def test_a_release_built_with_its_index_is_complete_only_when_whole(tmp_path: Path) -> None:
    """build_release(index=…) writes the index as the files are made durable and puts it
    under its name at the end: the release reads back complete, with no temporary file left;
    an index that is not the release's is refused, and the release stays incomplete."""
    tree = Tree(tmp_path / "published")
    tree.ensure()
    digests = {rel: sha256(data).hexdigest() for rel, data in FIRST.items()}
    built = tree.build_release(
        "1", FIRST, None, index=lambda made: ReleaseIndex("1", digests, frozenset(), {}, made)
    )
    on_disk = json.loads((tree.releases / "1.json").read_bytes())
    assert on_disk["files"] == digests and on_disk["trees"] == built.trees
    assert tree.complete_releases() == ["1"]
    assert sorted(os.listdir(tree.releases)) == ["1", "1.json"]
    tree.swap("1")
    assert served(tree) == FIRST

    with pytest.raises(ValueError, match="the index of 1 given for release 2"):
        tree.build_release(
            "2", FIRST, tree.index("1"),
            index=lambda made: ReleaseIndex("1", digests, frozenset(), {}, made),
        )  # fmt: skip
    assert not (tree.releases / "2.json").exists() and tree.complete_releases() == ["1"]
    assert not [name for name in os.listdir(tree.releases) if name.startswith(".tmp-")]
