"""A big folder's spare (tree.SPARE): a copy of its tree's entries, made after the publish that
built it, that the next change of the folder renames into place and mends, instead of linking
a fleet's thousand entries again while the publish waits. The tree it makes is the one a
build without it makes, whatever happened to the spare or the served tree in between."""

from __future__ import annotations

import os
import threading
import time
from hashlib import sha256
from pathlib import Path

import pytest

from tests.delivery.conftest import World
from tests.delivery.test_publish_carries_pages import NOW
from tests.delivery.test_publish_cost import forget_everything_published, release_files
from tests.delivery.test_release_trees import FIRST, fresh_trees, point_like, release, served
from urbanart.curation import playlists
from urbanart.delivery import tree as tree_module
from urbanart.delivery.publisher import publish
from urbanart.delivery.tree import SPARE, BuiltRelease, ReleaseIndex, Tree
from urbanart.library.library import Library, published_root

#: s/ with 300 sub-folders: a big folder (LINKS_APART), as a fleet's s/ and screens/ are.
FLEET = {**FIRST, **{f"s/{n}/index.html": f"screen {n}".encode() for n in range(3, 301)}}
#: FLEET changed as a fleet's change changes s/: a screen edited, one gone, one new.
CHANGED = {
    **{rel: data for rel, data in FLEET.items() if not rel.startswith("s/3/")},
    "s/7/index.html": b"screen seven, edited",
    "s/400/index.html": b"screen four hundred",
}


def spares(tree: Tree) -> set[str]:
    """The trees that have a spare."""
    return {p.name.removeprefix(SPARE) for p in tree.trees.iterdir() if p.name.startswith(SPARE)}


def release_spared(tree: Tree, name: str, files: dict[str, bytes]) -> ReleaseIndex:
    """The first release, served, and the spares a publish makes after it."""
    release(tree, name, files)
    tree.make_spares_later()
    tree.settle()
    index = tree.index(name)
    assert index is not None
    return index


def build_checked(tree: Tree, name: str, files: dict[str, bytes], previous: str) -> BuiltRelease:
    """A release built after a look-up of the previous one found its trees whole (as a
    publish's Tree.missing does), then served."""
    before = tree.index(previous)
    assert before is not None
    assert tree.missing(before, list(before.files)) is False
    built = tree.build_release(name, files, before)
    tree.mark_complete(ReleaseIndex(name, digests(files), frozenset(), {}, built.trees))
    tree.swap(name)
    assert served(tree) == files
    return built


def digests(files: dict[str, bytes]) -> dict[str, str]:
    return {rel: sha256(data).hexdigest() for rel, data in files.items()}


def screens(files: dict[str, bytes]) -> set[str]:
    """The names in s/."""
    return {rel.split("/")[1] for rel in files if rel.startswith("s/")}


def links(folder: Path) -> dict[str, str]:
    return {name: os.readlink(folder / name) for name in os.listdir(folder)}


@pytest.mark.no_database
def test_a_changed_big_folder_is_its_spare_mended_into_the_tree_a_build_without_it_makes(
    tmp_path: Path,
) -> None:
    tree = Tree(tmp_path / "published")
    tree.ensure()
    one = release_spared(tree, "1", FLEET)
    assert spares(tree) == {one.trees["s"]}  # the only big folder
    spare = tree.trees / f"{SPARE}{one.trees['s']}"
    assert links(spare) == links(tree.trees / one.trees["s"])
    inodes = {name: os.lstat(spare / name).st_ino for name in os.listdir(spare)}

    built = build_checked(tree, "2", CHANGED, previous="1")
    assert not spare.exists()  # taken: it is the new tree
    new_s = tree.trees / built.trees["s"]
    names = screens(CHANGED)
    assert links(new_s) == {name: f"../{built.trees[f's/{name}']}" for name in names}
    for name in names - {"7", "400"}:
        assert os.lstat(new_s / name).st_ino == inodes[name]  # kept: the same link

    # The same release built without a spare: the same trees, files linked and written.
    other = Tree(tmp_path / "other")
    other.ensure()
    release(other, "1", FLEET)
    without = build_checked(other, "2", CHANGED, previous="1")
    assert built == without
    assert built.trees == fresh_trees(CHANGED, one)


@pytest.mark.no_database
def test_a_spare_short_of_entries_or_with_others_still_makes_the_right_tree(
    tmp_path: Path,
) -> None:
    """A spare a crash cut short, or with entries it should not hold: the build makes what
    is missing and removes what is not the folder's."""
    tree = Tree(tmp_path / "published")
    tree.ensure()
    one = release_spared(tree, "1", FLEET)
    spare = tree.trees / f"{SPARE}{one.trees['s']}"
    (spare / "5").unlink()
    os.symlink("../nothing", spare / "999")
    (spare / "stray.html").write_bytes(b"not the folder's")
    (spare / "stray").mkdir()

    built = build_checked(tree, "2", CHANGED, previous="1")
    new_s = tree.trees / built.trees["s"]
    assert os.readlink(new_s / "5") == f"../{one.trees['s/5']}"
    assert not (new_s / "999").is_symlink() and not (new_s / "stray.html").exists()
    assert not (new_s / "stray").exists()
    assert len(os.listdir(new_s)) == len(screens(CHANGED))
    assert built.trees == fresh_trees(CHANGED, one)


@pytest.mark.no_database
def test_a_link_damaged_before_its_spare_is_made_is_left_out_and_made_anew(
    tmp_path: Path,
) -> None:
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FLEET)
    one = tree.index("1")
    assert one is not None
    served_s = tree.trees / one.trees["s"]
    point_like(served_s, "4", "5")  # damaged: s/4 shows s/5's tree
    tree.make_spares_later()
    tree.settle()
    spare = tree.trees / f"{SPARE}{one.trees['s']}"
    assert not (spare / "4").is_symlink()  # not passed on into the spare
    assert os.readlink(spare / "6") == f"../{one.trees['s/6']}"

    built = build_checked(tree, "2", CHANGED, previous="1")
    new_s = tree.trees / built.trees["s"]
    assert os.readlink(new_s / "4") == f"../{one.trees['s/4']}"
    assert os.lstat(new_s / "4").st_ino != os.lstat(served_s / "4").st_ino


@pytest.mark.no_database
def test_spares_stay_with_their_trees_and_go_with_them(tmp_path: Path) -> None:
    """A clean keeps the spare of a tree a kept release uses, and removes one of a tree no
    kept release uses and a spare a crash left half made."""
    tree = Tree(tmp_path / "published")
    tree.ensure()
    one = release_spared(tree, "1", FLEET)
    crashed = tree.trees / f"{tree_module.SPARE_TEMP}0123456789abcdef"
    crashed.mkdir()
    os.symlink(f"../{one.trees['s/5']}", crashed / "5")
    a_only = {**FLEET, "a/1/index.html": b"work one, edited"}
    release(tree, "2", a_only, previous="1")  # s/ unchanged: its spare is still of use
    tree.clean(keep=2)
    assert spares(tree) == {one.trees["s"]}
    assert not crashed.exists()

    two = tree.index("2")
    assert two is not None
    built = tree.build_release("3", CHANGED, two, anew=True)  # damaged: every tree made anew
    tree.mark_complete(ReleaseIndex("3", digests(CHANGED), frozenset(), {}, built.trees))
    tree.swap("3")
    assert spares(tree) == {one.trees["s"]}  # not used by a build made anew
    tree.clean(keep=1)
    assert spares(tree) == set()
    assert served(tree) == CHANGED


def test_a_publish_makes_spares_and_the_next_change_uses_them_and_serves_what_a_fresh_one_does(
    world: World, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Here every folder of two sub-folders or more is big (LINKS_APART 2): the world's s/,
    screens/, a/ and p/ have spares after a publish, and the next change's release is the one
    a publish with no tree and no cache makes."""
    monkeypatch.setattr(tree_module, "LINKS_APART", 2)
    publish(library, now=NOW)
    tree = Tree(published_root(library))
    tree.settle()
    made = spares(tree)
    assert len(made) >= 4

    playlists.set_item(library, world.playlists["Evening"], 1, duration=40)
    assert publish(library, now=NOW).changed
    assert made - spares(tree), "no spare was taken by the change"
    tree.settle()
    changed = release_files(library)
    forget_everything_published(library)
    assert publish(library, now=NOW).changed
    assert release_files(library) == changed


def test_a_library_closed_right_after_a_publish_has_no_spare_being_made(
    world: World, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library closed (and perhaps deleted, as a test or a bench does with its folder) must
    not have a background thread still linking entries into its trees/."""
    monkeypatch.setattr(tree_module, "LINKS_APART", 2)
    slow = tree_module._spare

    def slow_spare(*args: object) -> None:
        time.sleep(0.5)  # a loaded machine: the spares are not made before the close
        slow(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(tree_module, "_spare", slow_spare)
    publish(library, now=NOW)
    library.close()
    assert not [t for t in threading.enumerate() if t.name == "urbanart-spares"]
    trees = published_root(library) / "trees"
    assert not [p for p in trees.iterdir() if p.name.startswith(tree_module.SPARE_TEMP)]
    assert spares(Tree(published_root(library)))
