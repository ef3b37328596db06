"""Retention of what screens report: heartbeat history and plays older than the library's
settings (heartbeats_keep_days, plays_keep_days) are deleted by a timed job.

Why in batches: a thousand screens write about 1.4 million heartbeat rows a day (one a minute
each), so the first prune of a library that never pruned may delete millions of rows. One big
DELETE would hold its locks for the whole run (on SQLite: the only write lock, so every
heartbeat would get 503 meanwhile); small batches, each its own short transaction, let the
hub's writes in between. Rows are chosen by id under the cutoff, which both databases' indexes
on received_at / started_at answer quickly.

Plays are dated by when they started (what reports select on), heartbeats by when the hub got
them. A player resending a play older than plays_keep_days after it was pruned would store it
again; players send their queue within minutes to days, far inside any allowed retention.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from urbanart.delivery.api import WRITE_LOCK
from urbanart.library.library import Library
from urbanart.library.models import Heartbeat, Play
from urbanart.library.settings import load_settings

log = logging.getLogger(__name__)

#: Rows deleted per transaction: a few milliseconds of lock each.
BATCH = 2000


@dataclass(frozen=True)
class Pruned:
    """How many rows one prune removed, and the cutoffs it used."""

    heartbeats: int
    plays: int
    heartbeats_before: datetime
    plays_before: datetime


def _delete_older(library: Library, model: Any, column: Any, cutoff: datetime, batch: int) -> int:
    """Delete rows of `model` whose `column` is before `cutoff`, `batch` rows per transaction."""
    total = 0
    while True:
        with WRITE_LOCK, library.session() as session:  # WRITE_LOCK: the hub's writers wait
            ids = list(
                session.scalars(
                    select(model.id).where(column < cutoff).order_by(model.id).limit(batch)
                )
            )
            if ids:
                session.execute(delete(model).where(model.id.in_(ids)))
        total += len(ids)
        if len(ids) < batch:
            return total


def prune_reports(library: Library, *, now: datetime | None = None, batch: int = BATCH) -> Pruned:
    """Delete heartbeat history and plays older than the library's retention settings."""
    settings = load_settings(library)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    beats_cutoff = moment - timedelta(days=settings.heartbeats_keep_days)
    plays_cutoff = moment - timedelta(days=settings.plays_keep_days)
    beats = _delete_older(library, Heartbeat, Heartbeat.received_at, beats_cutoff, batch)
    plays = _delete_older(library, Play, Play.started_at, plays_cutoff, batch)
    if beats or plays:
        log.info("pruned %d heartbeats and %d plays past their retention", beats, plays)
    return Pruned(beats, plays, beats_cutoff, plays_cutoff)
