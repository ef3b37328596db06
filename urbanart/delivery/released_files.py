"""Files of the kept releases found again by tree path and sha256: the bytes of the pages the
publish cache keeps by reference (viewers/output_cache.py).

Why: a page a release publishes need not be stored in the cache too. Releases are write-once,
so a kept release whose index lists that path with that sha256 holds those very bytes (the cache
checks them all the same); once no kept release does, the reference is a miss and the page is
made again.
"""

from __future__ import annotations

from contextlib import suppress

from urbanart.delivery.tree import ReleaseIndex, Tree
from urbanart.viewers.output_cache import Released


def released_files(tree: Tree) -> Released:
    """A finder over the tree's complete releases, the newest first; they are listed at its
    first use (one publish's: a release built meanwhile holds nothing the cache refers to yet)."""
    indexes: list[ReleaseIndex] = []
    listed = False

    def find(relpath: str, sha: str) -> bytes | None:
        nonlocal listed
        if not listed:
            listed = True
            for name in reversed(tree.complete_releases()):
                index = tree.index(name)
                if index is not None:
                    indexes.append(index)
        for index in indexes:
            if index.files.get(relpath) == sha:
                with suppress(OSError, ValueError):  # gone, or a path no release may hold
                    return tree.release_file(index.release, relpath).read_bytes()
        return None

    return find
