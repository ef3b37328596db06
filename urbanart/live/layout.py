"""Where a live work's files live in the media store, and the errors live works raise.

Keys are by live work id (store keys are lowercase; feed ids are not), URLs by feed id
(urbanart.protocol.live_feed): `live/<id>/feed.json` (the signed feed document),
`live/<id>/<sha256>.<ext>` (a rendered frame, named by its own bytes) and
`live/<id>/originals/<sha256>` (the generator's bytes, kept for "keep this frame").
"""

from __future__ import annotations

from urbanart.errors import UrbanArtError
from urbanart.library.store import check_key

#: Frames' rendered files the hub serves: only these extensions, never the originals.
SERVED_EXTENSIONS = frozenset({"jpg", "webp", "png"})


class LiveError(UrbanArtError):
    """A live work cannot do what was asked (no such frame, a frame retention removed…)."""


class FrameRefused(LiveError):
    """A frame was not accepted; `status` is the HTTP status the hub answers with."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(reason)


def folder(live_work_id: int) -> str:
    return f"live/{live_work_id}/"


def feed_key(live_work_id: int) -> str:
    return check_key(f"live/{live_work_id}/feed.json")


def frame_key(live_work_id: int, sha256: str, extension: str) -> str:
    return check_key(f"live/{live_work_id}/{sha256}.{extension}")


def original_key(live_work_id: int, sha256: str) -> str:
    return check_key(f"live/{live_work_id}/originals/{sha256}")
