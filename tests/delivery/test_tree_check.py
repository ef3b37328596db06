"""The served release's files looked up by a worker process while a publish plans (tree_check):
a file gone is found as the publish's own look-up finds it, and a worker that cannot answer
leaves the look-up to the publish."""

from __future__ import annotations

import os
import signal
import socket
import threading
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from tests.delivery.conftest import World
from tests.delivery.test_publish_carries_pages import NOW, fresh_viewer_files
from tests.delivery.test_publish_cost import release_files
from tests.delivery.test_release_trees import (
    FIRST,
    point_like,
    release,
    release_served,
    served,
)
from urbanart.curation import playlists
from urbanart.delivery import tree as tree_module
from urbanart.delivery import tree_check
from urbanart.delivery.publisher import publish
from urbanart.delivery.tree import ReleaseIndex, Tree
from urbanart.library.library import Library, current_tree

pytestmark = pytest.mark.skipif(os.name == "nt", reason="no worker on Windows")

#: Seconds a test waits for the worker to start (a loaded machine starts Python slowly).
START = 60.0


@pytest.fixture(autouse=True)
def patient(monkeypatch: pytest.MonkeyPatch) -> None:
    """Publishes wait for the worker's answer here (they do not, by default: PATIENCE), so
    each test states what the answer does, whatever the machine's load."""
    monkeypatch.setattr(tree_check, "PATIENCE", START)


def served_tree(tmp_path: Path) -> Tree:
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    assert tree_check.ready(START)
    return tree


def worker_answer(tree: Tree, index: ReleaseIndex) -> tree_check.Answer:
    """The worker's answer to a question about the served release "1" (it must answer)."""
    asked = tree_check.ask(os.fspath(tree.root), "1", index.trees)
    assert asked is not None
    answer = asked.answer()
    assert answer is not None
    return answer


@pytest.mark.no_database
def test_the_worker_finds_a_file_gone_from_the_served_release(tmp_path: Path) -> None:
    tree = served_tree(tmp_path)
    index = tree.index("1")
    assert index is not None
    (tree.trees / index.trees["s/2"] / "index.html").unlink()

    answer = worker_answer(tree, index)
    assert answer.gone == {"s/2/index.html"}
    assert index.trees["s/2"] not in answer.whole  # its tree is not trusted whole
    assert answer.whole == set(index.trees.values()) - {index.trees["s/2"]}


@pytest.mark.no_database
def test_a_tree_of_folders_gone_is_not_whole(tmp_path: Path) -> None:
    """s/ holds no file of its own: its tree is looked up as a folder."""
    tree = served_tree(tmp_path)
    index = tree.index("1")
    assert index is not None
    (tree.trees / index.trees["s"] / "1").unlink()
    (tree.trees / index.trees["s"] / "2").unlink()
    (tree.trees / index.trees["s"]).rmdir()

    answer = worker_answer(tree, index)
    assert answer.gone == set()
    assert answer.whole == set(index.trees.values()) - {index.trees["s"]}


@pytest.mark.no_database
def test_missing_reads_the_answer_to_the_question_asked_while_the_publish_planned(
    tmp_path: Path,
) -> None:
    """The files are looked up when look_up_soon asks (while a change plans), not when missing()
    reads the answer: a file put back meanwhile is still found gone (made anew, not linked)."""
    tree = served_tree(tmp_path)
    index = tree.index("1")
    assert index is not None
    lost = tree.trees / index.trees["a/2"] / "index.html"
    lost.unlink()
    tree.look_up_soon(index)
    assert tree._looking is not None
    assert tree._looking.worker.conn.poll(START)  # answered (not read yet)
    lost.write_bytes(b"work two")
    assert tree.missing(index, ["a/1/index.html", "a/2/index.html"]) is True
    tree.look_up_soon(index)
    assert tree._looking is not None
    assert tree._looking.worker.conn.poll(START)
    lost.unlink()
    assert tree.missing(index, ["a/1/index.html", "a/2/index.html"]) is False
    assert index.trees["a/2"] in tree.verified_trees


@pytest.mark.no_database
def test_a_gone_file_the_worker_found_makes_the_release_anew(tmp_path: Path) -> None:
    tree = served_tree(tmp_path)
    index = tree.index("1")
    assert index is not None
    (tree.root / "current" / "a/2/index.html").unlink()
    tree.look_up_soon(index)
    assert tree.missing(index, list(FIRST)) is True
    assert tree.verified_trees == frozenset()


@pytest.mark.no_database
def test_a_later_question_leaves_the_earlier_one_to_the_publish(tmp_path: Path) -> None:
    """Two publishes (of two libraries) ask in turn: the first one's answer is not the
    second's, so the first looks its files up itself, and still finds the file gone."""
    tree = served_tree(tmp_path)
    other = Tree(tmp_path / "other")
    other.ensure()
    release(other, "1", FIRST)
    index = tree.index("1")
    assert index is not None
    (tree.root / "current" / "a/2/index.html").unlink()
    tree.look_up_soon(index)
    other.look_up_soon(other.index("1"))
    assert tree._looking is not None and tree._looking.answer() is None
    tree.look_up_soon(index)
    other.look_up_soon(other.index("1"))
    assert tree.missing(index, list(FIRST)) is True
    assert other.missing(other.index("1"), list(FIRST)) is False  # type: ignore[arg-type]


@pytest.mark.no_database
def test_an_answer_not_there_yet_leaves_the_look_up_to_the_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By default a publish does not wait: a worker that has not answered yet (a busy
    machine; here: stopped) leaves the look-up to the publish, and answers the next one."""
    monkeypatch.setattr(tree_check, "PATIENCE", 0.0)
    tree = served_tree(tmp_path)
    index = tree.index("1")
    assert index is not None
    worker = tree_check._WORKER
    assert worker is not None
    worker.process.send_signal(signal.SIGSTOP)
    try:
        (tree.root / "current" / "a/2/index.html").unlink()
        tree.look_up_soon(index)
        assert tree._looking is not None
        assert tree.missing(index, list(FIRST)) is True
        assert tree.missing(index, ["a/1/index.html"]) is False
    finally:
        worker.process.send_signal(signal.SIGCONT)
    tree.look_up_soon(index)
    assert tree._looking is not None
    assert tree._looking.answer(START) is not None  # the stale answer skipped, this one read
    assert tree_check._WORKER is worker


@pytest.mark.no_database
def test_a_dead_worker_leaves_the_look_up_to_the_publish(tmp_path: Path) -> None:
    tree = served_tree(tmp_path)
    index = tree.index("1")
    assert index is not None
    worker = tree_check._WORKER
    assert worker is not None
    worker.process.send_signal(signal.SIGSTOP)  # asked, it dies before it answers
    (tree.root / "current" / "a/2/index.html").unlink()
    tree.look_up_soon(index)
    assert tree._looking is not None
    worker.process.kill()
    worker.process.wait()
    assert tree.missing(index, list(FIRST)) is True
    assert tree.missing(index, ["a/1/index.html"]) is False  # looked up here: nothing asked
    assert tree_check.ready(START)  # a new worker started
    assert tree_check._WORKER is not worker


def asked_so_far() -> int:
    """The questions the running worker was asked (it must be running)."""
    worker = tree_check._WORKER
    assert worker is not None
    return worker.asked


def test_a_change_asks_the_worker_and_an_unchanged_publish_does_not(
    world: World, library: Library
) -> None:
    """Asked only once a screen is certain to be built: the worker's CPU beside an unchanged
    re-publish, which needs no answer, would come out of that publish's own share."""
    publish(library, now=NOW)
    assert tree_check.ready(START)
    before = asked_so_far()
    assert not publish(library, now=NOW).changed
    assert asked_so_far() == before  # nothing changed: not asked
    playlists.set_item(library, world.playlists["Evening"], 1, duration=40)
    assert publish(library, now=NOW).changed
    assert asked_so_far() == before + 1  # a screen built: asked, once
    assert not publish(library, now=NOW).changed
    assert asked_so_far() == before + 1


def test_a_carried_file_gone_is_built_again_when_the_worker_looks_it_up(
    world: World, library: Library
) -> None:
    publish(library, now=NOW)
    publish(library, now=NOW)
    assert tree_check.ready(START)
    before = asked_so_far()
    lost = current_tree(library) / "p" / str(world.playlists["Morning"]) / "index.html"
    lost.unlink()
    playlists.set_item(library, world.playlists["Evening"], 1, duration=40)
    result = publish(library, now=NOW)
    assert result.changed
    assert asked_so_far() == before + 1
    served_files = release_files(library)
    fresh = fresh_viewer_files(library)
    assert {p: served_files[p] for p in fresh} == fresh


#: A release with a folder of many sub-folders (a fleet's s/), whose links the worker reads.
MANY_SCREENS = {
    **FIRST,
    **{f"s/{n}/index.html": f"screen {n}".encode() for n in range(1, tree_check.MANY + 2)},
}


MANY_EDITED = {**MANY_SCREENS, "s/1/index.html": b"screen one, edited"}


def read_by_the_worker(tree: Tree) -> Path:
    """Releases 1 (MANY_SCREENS) and 2 (MANY_EDITED), release 2 looked up by the worker, which
    found every file and read the links of its big s/ tree (Answer.linked): that tree."""
    tree.ensure()
    release(tree, "1", MANY_SCREENS)
    release(tree, "2", MANY_EDITED, previous="1")
    assert tree_check.ready(START)
    index = tree.index("2")
    assert index is not None
    tree.look_up_soon(index)
    assert tree.missing(index, list(MANY_EDITED)) is False
    assert tree.verified_links == ("2", {index.trees["s"]})
    return tree.trees / index.trees["s"]


@pytest.mark.no_database
def test_a_damaged_link_the_worker_read_is_not_passed_on(tmp_path: Path) -> None:
    """The worker reads the links of a tree of many sub-folders (Answer.linked), and the next
    build links them again unread; a link that is not what the index says leaves its tree
    out, and the build reads and remakes that tree's links itself."""
    tree = Tree(tmp_path / "published")
    s_tree = read_by_the_worker(tree)
    third = {**MANY_EDITED, "s/1/index.html": b"screen one, again"}
    release(tree, "3", third, previous="2")
    assert served(tree) == third
    new_s = tree.trees / tree.index("3").trees["s"]  # type: ignore[union-attr]
    assert os.lstat(new_s / "2").st_ino == os.lstat(s_tree / "2").st_ino  # linked again

    index = tree.index("3")
    assert index is not None
    point_like(new_s, "2", "3")  # damaged: s/2 now shows s/3's tree
    tree.look_up_soon(index)
    assert tree.missing(index, list(third)) is False  # every file is there
    assert tree.verified_links == ("3", frozenset())
    fourth = {**third, "s/1/index.html": b"screen one, once more"}
    four = release_served(tree, "4", fourth, previous="3")
    assert os.readlink(tree.trees / four.trees["s"] / "2") == f"../{four.trees['s/2']}"


@pytest.mark.no_database
@pytest.mark.parametrize("apart", [1, 1_000_000], ids=["in-a-thread", "in-the-build"])
def test_a_link_passed_on_that_cannot_be_made_is_made_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, apart: int
) -> None:
    """The links of a tree whose links the worker read are made again in one batch (in a
    thread of its own from LINKS_APART on); one that cannot be made (its previous link gone
    since the worker read it) is made anew by the build, not left out."""
    monkeypatch.setattr(tree_module, "LINKS_APART", apart)
    tree = Tree(tmp_path / "published")
    s_tree = read_by_the_worker(tree)
    (s_tree / "3").unlink()  # gone after the worker read it
    third = {**MANY_EDITED, "s/1/index.html": b"screen one, again"}
    three = release_served(tree, "3", third, previous="2")
    new_s = tree.trees / three.trees["s"]
    assert os.lstat(new_s / "2").st_ino == os.lstat(s_tree / "2").st_ino  # linked again
    assert os.readlink(new_s / "3") == f"../{three.trees['s/3']}"


@pytest.mark.no_database
def test_a_question_the_publish_answered_itself_is_withdrawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that had not answered when the publish's own look-up ended is told so, and
    answers nothing for it (it would look files up beside the build for nobody): the next
    answer it sends is the next question's. (The worker's loop runs in a thread here, started
    once both messages wait, so what it reads is certain.)"""
    monkeypatch.setattr(tree_check, "PATIENCE", 0.0)
    tree = Tree(tmp_path / "published")
    tree.ensure()
    release(tree, "1", FIRST)
    index = tree.index("1")
    assert index is not None
    ours, theirs = socket.socketpair()
    worker = object.__new__(tree_check._Worker)  # its process: the thread below
    worker.conn, worker.pid, worker.ready = Connection(ours.detach()), 0, True
    worker.broken = False
    worker.asked = 1
    worker.conn.send((1, os.fspath(tree.root), "1"))
    first = tree_check.Pending(worker, 1, "1", index.trees)
    gone, answer, _ = tree_check.look_up(
        first, os.fspath(tree.releases / "1"), os.fspath(tree.trees), list(FIRST), index.trees
    )
    assert (gone, answer) == (False, None)  # looked up by the publish, which withdrew
    serving = threading.Thread(target=tree_check._serve, args=(Connection(theirs.detach()),))
    serving.start()
    try:
        assert worker.conn.recv() == ("ready",)
        worker.conn.send((2, os.fspath(tree.root), "1"))
        assert worker.conn.recv()[0] == 2  # none for the first
    finally:
        worker.conn.close()
        serving.join()


def test_a_publish_that_builds_a_release_starts_the_worker_for_the_next_change(
    world: World, library: Library
) -> None:
    """Started by the first question, the worker could answer only the change after it: a
    process's first change would look the files up itself."""
    tree_check.stop()
    publish(library, now=NOW)
    worker = tree_check._WORKER
    assert worker is not None  # started by the publish that built the first release
    assert tree_check.ready(START)
    playlists.set_item(library, world.playlists["Evening"], 1, duration=40)
    assert publish(library, now=NOW).changed
    assert tree_check._WORKER is worker and worker.asked == 1  # the first change asked it
