"""Player tests, with a shared builder: the demo library made into two playlists and a screen."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select

from tests.conftest import DEMO, demo_collection, fill_from_template
from urbanart.curation import playlists, schedules, screens
from urbanart.delivery.publisher import publish
from urbanart.library.library import Library, current_tree
from urbanart.library.models import Artwork


@dataclass
class DemoScreen:
    """What build_demo_screen made: the screen's token, playlists and their artwork ids."""

    library: Library
    screen_id: int
    token: str
    day: int
    night: int
    day_works: list[int]
    night_works: list[int]

    def manifest_path(self) -> Path:
        return current_tree(self.library) / "screens" / self.token / "manifest.json"

    def payload(self) -> dict[str, Any]:
        return json.loads(json.loads(self.manifest_path().read_bytes())["payload"])


def approved_ids(library: Library) -> list[int]:
    with library.session() as session:
        return list(
            session.scalars(
                select(Artwork.id).where(Artwork.status == "approved").order_by(Artwork.id)
            )
        )


def load_demo_copy(library: Library) -> None:
    """What load_demo(library, workers=1) makes, in the open and still empty `library`: a copy
    of the demo imported once per session (an import takes seconds, a copy milliseconds)."""
    fill_from_template(DEMO, demo_collection, library)


def build_demo_screen(
    library: Library,
    *,
    now: datetime,
    tz: str = "Asia/Tokyo",
    day_seconds: float = 10,
    night_seconds: float = 20,
    window: str = "22:00-02:00",
) -> DemoScreen:
    """The demo collection; "Day" (3 works, crossfades, captions) is the default playlist and
    "Night" (2 works, cuts, no caption) is scheduled in a daily window; published at `now`."""
    load_demo_copy(library)
    ids = approved_ids(library)
    assert len(ids) == 23, "the demo ships 23 approved works"
    day = playlists.create_playlist(library, "Day")
    playlists.add_items(
        library,
        day.id,
        ids[:3],
        duration=day_seconds,
        transition="crossfade",
        transition_seconds=min(2, day_seconds / 2),
    )
    night = playlists.create_playlist(library, "Night")
    playlists.add_items(library, night.id, ids[3:5], duration=night_seconds, overlay=False)
    screen = screens.add_screen(
        library, "Shibuya Crossing", tz=tz, size="320x180", default_playlist=day.id
    )
    schedules.add_schedule(library, night.id, screens=[screen.id], window=window)
    publish(library, now=now)
    return DemoScreen(library, screen.id, screen.poll_token, day.id, night.id, ids[:3], ids[3:5])


def wait_served(url: str, body: bytes, timeout: float = 10.0) -> None:
    """Wait until the hub serves exactly these bytes at url (it picks up a swap in the
    background, a moment after the publish returns)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if requests.get(url, timeout=5).content == body:
            return
        time.sleep(0.05)
    raise AssertionError(f"the hub never served the new {url}")
