"""A publish killed at any stage leaves the served tree whole; the next one cleans up and works.

The child process dies through the test-only hook URBANART_TEST_CRASH_AT (os._exit: no cleanup
code runs, as with SIGKILL or a power cut).
"""

from __future__ import annotations

import subprocess
import textwrap
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.delivery.conftest import PYTHON, REPO, World, subprocess_env
from urbanart.curation import playlists
from urbanart.delivery.publisher import CRASH_ENV, CRASH_STAGES, publish
from urbanart.delivery.signing import signing_key
from urbanart.delivery.tree import Tree
from urbanart.library.library import Library, current_tree
from urbanart.library.models import Publication
from urbanart.protocol.envelope import verify_envelope
from urbanart.protocol.manifest_format import media_urls

CHILD = textwrap.dedent(
    """
    import sys
    from urbanart.library.library import Library
    from urbanart.delivery.publisher import publish
    with Library.open(sys.argv[1]) as library:
        publish(library)
    """
)


def served_tree_is_whole(library: Library) -> dict[int, str]:
    """Every served manifest verifies and every media file it names exists; id -> version."""
    root = current_tree(library)
    key = signing_key(library.home).public_pem
    assert (root / "keys" / "manifest-signing.pub").read_bytes() == key
    versions = {}
    for path in (root / "screens").glob("*/manifest.json"):
        payload = verify_envelope(path.read_bytes(), key)
        for url in media_urls(payload):
            assert (root / url.lstrip("/")).is_file(), url
        versions[payload["screen"]["id"]] = payload["manifest_version"]
    return versions


@pytest.mark.parametrize("stage", CRASH_STAGES)
def test_a_killed_publish_leaves_the_served_tree_whole(
    stage: str, world: World, library: Library
) -> None:
    first = publish(library)
    assert first.release is not None
    before = served_tree_is_whole(library)
    playlists.add_items(library, world.playlists["Evening"], [world.works["Signal"]])

    child = subprocess.run(
        [PYTHON, "-c", CHILD, str(library.home)],
        env=subprocess_env(**{CRASH_ENV: stage}),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 137, child.stderr

    tree = Tree(current_tree(library).parent)
    after_crash = served_tree_is_whole(library)
    if stage == "after-swap":
        assert after_crash != before  # the swap is the commit point: the new tree is served
    else:
        assert tree.current_release() == first.release.name
        assert after_crash == before
    leftovers = [p.name for p in tree.releases.iterdir() if p.is_dir()]
    # The served release, plus the one the child was building once it had begun one.
    assert len(leftovers) == (1 if stage == "after-media" else 2)

    final = publish(library, now=datetime.now().astimezone())
    versions = served_tree_is_whole(library)
    assert versions != before
    folders = sorted(p.name for p in tree.releases.iterdir() if p.is_dir())
    indexed = sorted(p.stem for p in tree.releases.glob("*.json"))
    assert folders == indexed and len(folders) <= 2  # no half-built release is left
    assert tree.current_release() in folders
    with library.session() as session:
        rows = {p.id: p for p in session.scalars(select(Publication))}
    killed = rows[first.publication_id + 1]
    assert killed.status == "failed" and "interrupted" in killed.summary
    assert rows[final.publication_id].status == "done"
