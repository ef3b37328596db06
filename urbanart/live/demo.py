"""The demo's live work: "City Collage Machine", fed by the bundled generator (demo_generator).

``urbanart demo`` and the studio's "Load the Demo Collection" add it after the demo works, with
a collage from the generator itself as its still fallback, and hand its artwork to the demo
curation (which schedules it; that layer does not import this one). The studio started by
``make studio`` then runs the generator beside its hub (``demo_generator_command``), so the
screens and phones of the demo show new frames every five seconds. The source secret made here
is not printed: ``urbanart live run`` beside the library reads it from the library.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from sqlalchemy import select

from urbanart.library.catalog import edit_artwork
from urbanart.library.library import Library
from urbanart.library.models import Artist, Artwork, LiveWork
from urbanart.library.undo import unrecorded
from urbanart.live.demo_generator import frame_bytes
from urbanart.live.works import add_live_work

TITLE = "City Collage Machine"
ARTIST = "Paper Moon Cooperative"  # one of the demo's collectives: they cut paper for screens
INTERVAL_S = 5.0
#: The seed of the still shown when the feed is quiet (a collage like the live ones).
FALLBACK_SEED = 20261126
DESCRIPTION = (
    "A program fed with the cooperative's paper cut-outs of the city makes a new collage every "
    "five seconds. Each is shown once and then deleted; you may keep the one you see."
)


def demo_live_work(library: Library) -> tuple[int, int, str] | None:
    """The demo live work's (live work id, artwork id, source token), or None when absent."""
    with library.session() as session:
        row = session.execute(
            select(LiveWork.id, LiveWork.artwork_id, LiveWork.token)
            .join(Artwork, Artwork.id == LiveWork.artwork_id)
            .join(Artist, Artist.id == Artwork.artist_id)
            .where(Artwork.title == TITLE, Artist.name == ARTIST)
            .order_by(LiveWork.id)
            .limit(1)
        ).first()
    return (int(row[0]), int(row[1]), str(row[2])) if row is not None else None


@unrecorded()  # an import, not a curation edit: no undo steps
def load_demo_live(library: Library) -> int:
    """Add the demo live work once (approved, so playlists take it); its artwork id."""
    existing = demo_live_work(library)
    if existing is not None:
        return existing[1]
    with tempfile.TemporaryDirectory(prefix="urbanart-demo-live-") as tmp:
        still = Path(tmp) / "city-collage-machine.jpg"
        still.write_bytes(frame_bytes(FALLBACK_SEED, 1920, 1080))
        created = add_live_work(
            library, TITLE, ARTIST, interval_s=INTERVAL_S, retention="none", fallback=still,
            allow_keep=True,
        )  # fmt: skip
    edit_artwork(library, created.artwork_id, status="approved", description=DESCRIPTION)
    return created.artwork_id


def demo_generator_command(
    home: Path, token: str, hub: str, *, every_s: float = INTERVAL_S, python: str | None = None
) -> list[str]:
    """``urbanart live run`` with the bundled generator as its program, for this library's hub.

    The hub URL is given, the secret is not: run beside the library, ``live run`` reads it.
    """
    python = python or sys.executable
    return [
        python, "-m", "urbanart.cli.main", "--home", str(home),
        "live", "run", token, "--hub", hub, "--",
        python, "-m", "urbanart.live.demo_generator", "--out", "{out}", "--every", f"{every_s:g}",
    ]  # fmt: skip
