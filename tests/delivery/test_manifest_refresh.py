"""The timed refresh re-publishes before screens' manifests expire, and not otherwise."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.player import build_demo_screen
from urbanart.delivery import jobs
from urbanart.delivery.manifest import EXPIRY_MARGIN
from urbanart.library.library import Library
from urbanart.library.models import PublishedManifest
from urbanart.protocol.freshness import parse_instant


def expiries(library: Library) -> list[datetime | None]:
    with library.session() as session:
        return list(session.scalars(select(PublishedManifest.expires_at)))


def test_refresh_publishes_a_week_old_library_before_its_manifests_expire(
    library: Library,
) -> None:
    now = datetime.now(UTC)
    world = build_demo_screen(library, now=now - timedelta(days=8))
    stale = world.payload()
    [recorded] = expiries(library)
    assert recorded == parse_instant(stale["expires"])  # the database knows what screens hold
    # Published 8 days ago: its window ends within a day, its expiry a week later.
    assert recorded - now < jobs.REFRESH_BEFORE and recorded > now
    assert jobs.refresh_due(library, now)

    jobs.run_refresh(str(library.home))

    fresh = world.payload()
    assert fresh["sequence"] == stale["sequence"] + 1  # players take it over the old one
    assert parse_instant(fresh["expires"]) - now > EXPIRY_MARGIN + timedelta(days=7)
    assert not jobs.refresh_due(library, now)
    before = world.manifest_path().read_bytes()
    jobs.run_refresh(str(library.home))  # nothing due: nothing published
    assert world.manifest_path().read_bytes() == before
    assert json.loads(before)["key_id"]  # still a signed envelope
