"""Rotating a screen's poll token so that the old one stops working at once, not at next publish.

Why: a poll token is the screen's credential (it names the manifest URL and the hub's heartbeat
and plays endpoints). A curator rotates it because it leaked; waiting for the next publication
would leave the leaked address serving the manifest and accepting reports for hours. So rotation
re-keys the served tree in the same step: a new release identical to the served one except that
the screen's manifest moves from ``screens/<old>/`` to ``screens/<new>/`` (re-signed, with the
new hub endpoints), swapped in atomically like a publication. Everything else a publication
would change (new schedules, edits not yet published) stays unpublished.
"""

from __future__ import annotations

import json
from hashlib import sha256

from sqlalchemy import select

from urbanart.curation.records import ScreenRecord
from urbanart.curation.screens import edit_screen, get_screen
from urbanart.delivery import manifest as mf
from urbanart.delivery.publisher import KEEP_RELEASES
from urbanart.delivery.signing import signing_key
from urbanart.delivery.tree import ReleaseIndex, Tree
from urbanart.library.library import Library, published_root
from urbanart.library.models import PublishedManifest
from urbanart.protocol.hub_api import screen_api_paths
from urbanart.protocol.manifest_format import version_of
from urbanart.protocol.tree_layout import manifest_path


def rotate_poll_token(library: Library, ref: str | int) -> ScreenRecord:
    """Give the screen a new poll token; its old manifest address is gone when this returns.

    Holds the publish lock throughout, so a publication running at the same time either
    finishes first (and is re-keyed here) or starts after and sees the new token. Raises
    PublishBusy, changing nothing, when a publication holds the tree.
    """
    tree = Tree(published_root(library))
    with tree.lock(library.engine):
        old = get_screen(library, ref)
        new = edit_screen(library, old.id, new_poll_token=True)
        _move_manifest(library, tree, old.poll_token, new.poll_token, new.id)
    return new


def _move_manifest(library: Library, tree: Tree, old: str, new: str, screen_id: int) -> None:
    """Serve the screen's published manifest under the new token only (no-op if unpublished)."""
    served = tree.current_release()
    index = tree.index(served)
    old_rel = manifest_path(old)
    if served is None or index is None or old_rel not in index.files:
        return
    envelope = json.loads(tree.release_file(served, old_rel).read_bytes())
    payload = json.loads(envelope["payload"])
    payload["hub"] = screen_api_paths(new)
    # New bytes outrank the old ones, as after any publish (screens refuse lower sequences).
    payload["sequence"] = int(payload.get("sequence", 0)) + 1
    payload["manifest_version"] = version_of(payload)
    data = signing_key(library.home).sign_envelope(mf.payload_text(payload)).encode("utf-8")
    # Every other file is carried by its sha256 (linked, or its tree shared), not read.
    carried = {rel: sha for rel, sha in index.files.items() if rel != old_rel}
    files = {manifest_path(new): data}
    digests = {**carried, manifest_path(new): sha256(data).hexdigest()}
    name = tree.new_release_name(served.split("-")[0])
    try:
        built = tree.build_release(name, files, index, carried=carried)
        tree.mark_complete(ReleaseIndex(name, digests, index.media, dict(index.extra), built.trees))
        tree.swap(name)
    except BaseException:
        if tree.current_release() != name:
            tree.remove_release(name)
        raise
    tree.clean(KEEP_RELEASES)  # the release before keeps the old path, but is never served
    with library.session() as session:
        row = session.scalars(
            select(PublishedManifest).where(PublishedManifest.screen_id == screen_id)
        ).first()
        if row is not None:
            row.version = payload["manifest_version"]
            row.etag = mf.etag_for(data)
            row.sequence = payload["sequence"]
