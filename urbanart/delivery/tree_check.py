"""The served release's files looked up on disk, here or in a worker process while a publish plans.

Why: a change's publish must know whether a file the served release lists is gone (a damaged
tree is never shared, see Tree.missing), and a fleet's release lists ~10,000 files: a stat
each, ~35 ms of the main thread's CPU that only a change needs, after planning. A long-lived
worker process (a child Python process) is asked by a publish once it is certain to build a
release (a screen is built: publisher._plan), to look the served release up against its own
index while the rest plans (~0.1 s), and its answer (the files gone, usually none) is read
when the check is due. Never asked by an unchanged re-publish, which needs no answer: the
worker's CPU would compete with it. A thread would not help: os.stat drops the GIL, but
taking it back waits for the planning thread's switch interval. The worker also reads the
links of the trees of many sub-folders (Answer.linked), which the build then links again
unread. The look-up is as of the question, a moment before the publish's own would be: a
file removed in between is made anew by the next publish.

Any failure (the worker not started yet, dead, too slow, another publish's question asked
since) answers None, and the caller looks the files up itself, as before. Stdlib only: the
worker imports no database or imaging code.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: How long a publish waits for the worker's answer before it starts looking the files up
#: itself (see look_up, which still takes the answer if it comes first, and withdraws the
#: question if not): not at all. The worker is asked ~0.11-0.16 s before the check is due on
#: the bench (1,000 screens) and needs ~60 ms of CPU (~20 to parse the index, ~40 to look up
#: ~10,000 files and read ~2,000 links): on a quiet machine it has answered by then; on the
#: shared one (load 2-8) it often had not (its answer came ~0.2-0.35 s after the question),
#: and waiting for it would make the change slower than its own ~35 ms look-up.
PATIENCE = 0.0
#: The worker's niceness: the lowest. Its process shares the publish's autogroup (the
#: session's share of the CPU): at a normal priority its CPU comes out of the publish's own
#: share on a busy machine, at 19 it uses what the publish leaves (a second core, its waits on
#: the disk). Measured on the shared machine, alternating processes, six changes each: its
#: answer was taken in 36 of 36 changes at 19 and 34 of 36 at 0 (load 6-8, 16:30 UTC), in
#: 4 of 36 and 5 of 36 (load 2-3, 17:00), in 24 of 24 and 22 of 24 (load ~1.6, 17:15): no
#: priority made it answer more often.
NICE = 19


def absent(
    root: str, trees: str, relpaths: Iterable[str], trees_of: Mapping[str, str], *, all_: bool
) -> tuple[list[str], set[str]]:
    """The release's files (`relpaths`, of the release folder `root`) that are gone or not
    regular files, and the trees (`trees_of`: folder -> digest, under the folder `trees`) that
    hold a file found. Stops at the first file gone unless `all_`.

    Looked up in the shared trees directly, without the release's links, from the open trees/
    folder where the system allows: two path parts per file, not the whole path's (~40 % less
    time on a fleet's 10,000 files). One loop, no call per file: a function call each was a
    quarter of the check's CPU."""
    trees_fd = None
    if os.stat in os.supports_dir_fd:  # not on Windows
        with suppress(OSError):
            trees_fd = os.open(trees, os.O_RDONLY)
    lookup, regular, digest_of = os.stat, stat.S_ISREG, trees_of.get
    gone: list[str] = []
    seen: set[str | None] = set()
    try:
        for relpath in relpaths:
            folder, _, name = relpath.rpartition("/")
            digest = digest_of(folder) if folder else None
            try:
                if digest is None:  # at the top, or a release made before trees
                    found = lookup(os.path.join(root, relpath))
                elif trees_fd is None:
                    found = lookup(os.path.join(trees, digest, name))
                else:
                    found = lookup(f"{digest}/{name}", dir_fd=trees_fd)
                whole = regular(found.st_mode)
            except (OSError, ValueError):
                whole = False
            if whole:
                seen.add(digest)
                continue
            gone.append(relpath)
            if not all_:
                break
    finally:
        if trees_fd is not None:
            os.close(trees_fd)
    seen.discard(None)
    return gone, seen  # type: ignore[return-value]


#: Files the publish looks up between two looks for the worker's answer (see look_up).
CHUNK = 1024


def look_up(
    asked: Pending | None,
    root: str,
    trees: str,
    relpaths: Iterable[str],
    trees_of: Mapping[str, str],
) -> tuple[bool, Answer | None, set[str]]:
    """Whether one of `relpaths` is gone, by the worker's answer to `asked` or by the publish's
    own look-up (absent), whichever comes first: (a file gone, the worker's answer if it was
    taken, the trees the publish found whole if it was not).

    Why a race: an answer nearly ready is worth waiting for (the worker has done most of the
    ~35 ms look-up), one late or never coming is not. The publish looks the files up CHUNK at
    a time and looks for the answer between chunks, so it never waits longer than its own
    look-up takes, and stops as soon as the worker's answer is there. When its own ends
    first, the question is withdrawn: a worker still at it stops, rather than look files up
    beside the build."""
    files = relpaths if isinstance(relpaths, list) else list(relpaths)
    seen: set[str] = set()
    gone: list[str] = []
    for start in range(0, len(files), CHUNK):
        answer = asked.answer(0.0 if start else None) if asked is not None else None
        if answer is not None:  # every file of the release looked up, by the worker
            return bool(answer.gone) and not answer.gone.isdisjoint(files), answer, set()
        gone, found = absent(root, trees, files[start : start + CHUNK], trees_of, all_=False)
        if gone:
            break
        seen |= found
    if asked is not None:
        asked.withdraw()
    return bool(gone), None, set() if gone else seen


@dataclass(frozen=True)
class Answer:
    """What the worker found: the release's files gone, the trees found whole (each of their
    files in place, or, for a tree of folders only, the tree's folder), and the trees of MANY
    sub-folders or more whose links were read and found as the index says (`linked`)."""

    release: str
    gone: frozenset[str]
    whole: frozenset[str]
    linked: frozenset[str] = frozenset()


#: Sub-folders from which a tree's links are read by the worker (Answer.links): a fleet's
#: s/ and screens/ have a thousand, linked again by every change; a smaller folder's links
#: are read by the build itself.
MANY = 64


@dataclass(frozen=True)
class _Read:
    """An index as the worker reads it: its files, each folder's tree, the set of trees, and
    the trees of folders with MANY sub-folders or more, each with its links (name, target)."""

    stamp: tuple[int, int, int]
    files: dict[str, str]
    trees_of: dict[str, str]
    digests: set[str]
    big: dict[str, list[tuple[str, str]]]


#: The worker's last index read, by path: an unchanged re-publish asks about the same release
#: again, whose index is then not parsed again.
_READ: dict[str, _Read] = {}


def _index(path: str) -> _Read:
    """A release index as the worker needs it, parsed once per version (an index is replaced
    whole, a new inode: see tree._PARSED_INDEXES)."""
    with open(path, "rb") as handle:
        st = os.fstat(handle.fileno())
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        known = _READ.get(path)
        if known is not None and known.stamp == stamp:
            return known
        doc = json.loads(handle.read())
    files: dict[str, str] = doc["files"]
    trees_of: dict[str, str] = doc.get("trees") or {}
    children: dict[str, list[tuple[str, str]]] = {}
    for folder, digest in trees_of.items():
        parent, _, name = folder.rpartition("/")
        if parent:
            children.setdefault(parent, []).append((name, f"../{digest}"))
    big = {
        trees_of[parent]: links
        for parent, links in children.items()
        if len(links) >= MANY and parent in trees_of
    }
    _READ.clear()
    _READ[path] = read = _Read(stamp, files, trees_of, set(trees_of.values()), big)
    return read


class _Stopped(Exception):
    """A message came while the worker checked: the question was withdrawn or another asked."""


def _check(
    root: str, release: str, stop: Callable[[], bool]
) -> tuple[list[str], list[str], list[str]]:
    """The worker's job: the files of `release` (by its index) gone, its trees not whole, and
    its trees of MANY sub-folders or more whose every link is the one its index says. Stops
    (_Stopped) when `stop()` says a message waits."""
    releases = os.path.join(root, "releases")
    trees = os.path.join(root, "trees")
    read = _index(os.path.join(releases, f"{release}.json"))
    if stop():
        raise _Stopped
    trees_of = read.trees_of
    folder, files = os.path.join(releases, release), list(read.files)
    gone: list[str] = []
    seen: set[str] = set()
    for start in range(0, len(files), CHUNK):  # between chunks: withdrawn? (see withdraw)
        if start and stop():
            raise _Stopped
        chunk_gone, chunk_seen = absent(
            folder, trees, files[start : start + CHUNK], trees_of, all_=True
        )
        gone += chunk_gone
        seen |= chunk_seen
    broken = {trees_of.get(rel.rpartition("/")[0], "") for rel in gone}
    for digest in read.digests - seen - broken:  # trees of folders only
        if not os.path.isdir(os.path.join(trees, digest)):
            broken.add(digest)
    broken.discard("")
    if stop():
        raise _Stopped
    linked = [digest for digest, links in read.big.items() if _links_are(trees, digest, links)]
    return gone, sorted(broken), linked


def _links_are(trees: str, digest: str, links: list[tuple[str, str]]) -> bool:
    """True when each link of the tree (name, target) is in it, to that target."""
    folder = os.path.join(trees, digest)
    read = os.readlink
    try:
        return all(read(f"{folder}/{name}") == target for name, target in links)
    except (OSError, ValueError):
        return False


def _serve(conn: Connection) -> None:
    """The worker's loop: answer the newest question asked (older ones nobody waits for)."""
    conn.send(("ready",))
    while True:
        try:
            asked = conn.recv()
            while conn.poll():
                asked = conn.recv()
        except (EOFError, OSError):
            return
        number, root, release = asked
        if root is None:
            continue  # withdrawn (Pending.withdraw): nobody waits for an answer
        try:
            reply: tuple[Any, ...] = (number, *_check(root, release, conn.poll))
        except _Stopped:
            continue  # withdrawn, or another question asked: read it
        except Exception:  # unreadable index, odd folder: the publish checks itself
            reply = (number, None, None, None)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


class _Worker:
    """The process and the last question asked of it.

    A child Python process running this module's _main (not a multiprocessing one: "spawn"
    runs the parent's main script again in the child, and a script without a __main__ guard,
    as a benchmark's or a tool's may be, would then publish twice). It imports this package
    from the same folder as the parent does, so both sides run the same code."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[2])
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, package_root, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                close_fds=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self.pid = os.getpid()
        self.ready = False
        self.asked = 0
        self.broken = False

    def stop(self) -> None:
        self.broken = True
        with suppress(Exception):
            self.conn.close()  # the worker's recv ends: it returns
        with suppress(Exception):
            self.process.wait(1)
        with suppress(Exception):
            self.process.kill()
            self.process.wait(1)


#: The child's command: this package from the parent's folder, then _main on the socket given.
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from urbanart.delivery.tree_check import _main; _main(int(sys.argv[2]))"
)


def _main(fd: int) -> None:
    """The worker process's entry (see _BOOT)."""
    with suppress(OSError, AttributeError):  # (no nice on Windows)
        os.nice(NICE)
    _serve(Connection(fd))


_WORKER: _Worker | None = None
#: Set when a worker could not be started: this process's publishes check themselves.
_CANNOT_START = False
_LOCK = threading.Lock()


class Pending:
    """A question asked of the worker; answer() reads its answer once it is due."""

    def __init__(self, worker: _Worker, number: int, release: str, trees: Mapping[str, str]):
        self.worker = worker
        self.number = number
        self.release = release
        self.trees = trees

    def answer(self, patience: float | None = None) -> Answer | None:
        """The worker's answer, or None when there is none to trust or none yet after
        `patience` seconds (PATIENCE by default): then check yourself."""
        wait = PATIENCE if patience is None else patience
        with _LOCK:
            worker = self.worker
            if worker.broken or worker.asked != self.number:
                return None  # asked again since (another publish): its answer is not ours
            try:
                while worker.conn.poll(wait):
                    reply = worker.conn.recv()
                    if reply[0] != self.number:
                        continue  # an answer to an earlier question nobody read
                    _, gone, broken, linked = reply
                    if gone is None:
                        return None
                    whole = frozenset(self.trees.values()).difference(broken)
                    return Answer(self.release, frozenset(gone), whole, frozenset(linked))
            except (EOFError, OSError):
                log.warning("the tree check worker is gone; checking in the publish")
                worker.stop()
            return None  # not answered yet (a later answer() skips it)

    def withdraw(self) -> None:
        """Tell the worker its answer is not wanted any more (the publish looked the files up
        itself): one still checking stops, so it does not compete with the build for the
        CPU and the disk. Its answer, if already sent, is skipped by a later answer()."""
        with _LOCK:
            worker = self.worker
            if worker.broken or worker.asked != self.number:
                return
            try:
                worker.conn.send((self.number, None, None))
            except (EOFError, OSError):
                worker.stop()


def _worker(wait: float) -> _Worker | None:
    """The worker, started if there is none (or it broke); None until it is ready (waiting
    for that up to `wait` seconds). Called with _LOCK held."""
    global _WORKER, _CANNOT_START
    if _CANNOT_START or os.name == "nt":  # (no socket to pass as a file descriptor)
        return None
    worker = _WORKER
    if worker is None or worker.broken or worker.pid != os.getpid():
        try:
            worker = _WORKER = _Worker()
        except Exception:  # no processes here: publishes check themselves
            _CANNOT_START = True
            log.warning("the tree check worker could not start", exc_info=True)
            return None
    try:
        if not worker.ready and worker.conn.poll(wait):
            worker.ready = worker.conn.recv() == ("ready",)
    except (EOFError, OSError):
        worker.stop()
        return None
    return worker if worker.ready else None


def ready(wait: float = 0.0) -> bool:
    """Start the worker if there is none; True once it answers (waiting up to `wait` s)."""
    with _LOCK:
        return _worker(wait) is not None


def ask(root: str, release: str, trees: Mapping[str, str]) -> Pending | None:
    """Ask the worker to look up the files of `release` (under the published folder `root`);
    `trees` is its index's folder -> tree. None when no worker is ready to answer (the first
    call starts one, for the next publish)."""
    with _LOCK:
        worker = _worker(0.0)
        if worker is None:
            return None
        try:
            worker.asked += 1
            worker.conn.send((worker.asked, root, release))
        except (EOFError, OSError):
            worker.stop()
            return None
        return Pending(worker, worker.asked, release, trees)


@atexit.register
def stop() -> None:
    """End the worker (at exit; tests)."""
    global _WORKER
    with _LOCK:
        if _WORKER is not None and _WORKER.pid == os.getpid():
            _WORKER.stop()
            _WORKER = None
