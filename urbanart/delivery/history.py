"""The delivery history as plain records: past publications and the latest push to each screen.

The studio's Publish view (and anything else that reports on delivery) needs to list what was
published when, how it ended and what each screen got, without holding a session or parsing
JSON itself. Publication summaries were written by different versions of `publish` (a running
row has "{}", a failed one only {"error": …}), so every field is read defensively: an old or
damaged summary gives a record with zeros and a message, never an exception.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from urbanart.delivery.changes import (
    ChangeStatus,
    PublicationStatus,
    ScreenChange,
    stored_count,
    stored_text,
)
from urbanart.delivery.push import DELIVERY_LOG_LIMIT, PushOutcome
from urbanart.errors import InvalidValue, NotFound
from urbanart.library.library import Library
from urbanart.library.lookup import find
from urbanart.library.models import Publication, PushDelivery, Screen
from urbanart.library.records import JsonRecord

#: Publications listed when no limit is given: a few months of daily publishing.
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class PublicationTotals(JsonRecord):
    """How many screens were new, changed, unchanged or removed, and items left out."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    dropped_items: int = 0

    @property
    def screens_changed(self) -> int:
        """Screens that got (or lost) a manifest: what a curator means by "changed"."""
        return self.new + self.changed + self.removed


@dataclass(frozen=True)
class PublicationRecord(JsonRecord):
    """One publication as the history lists it (times are aware UTC; show them in local time)."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    status: PublicationStatus
    #: Whether the release differed from the one before; None when the summary does not say.
    changed: bool | None
    totals: PublicationTotals
    screens_changed: int
    #: One line for the curator: the publish's own message, or why it failed.
    message: str
    error: str | None


@dataclass(frozen=True)
class PublicationDetail(JsonRecord):
    """A publication with its per-screen summary and the warnings it gave."""

    record: PublicationRecord
    screens: tuple[ScreenChange, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class PushRecord(JsonRecord):
    """The outcome of one push to a screen; error is secret-free and curator-readable."""

    screen_id: int
    manifest_version: str
    ok: bool
    http_status: int | None
    attempts: int
    error: str | None
    started_at: datetime
    finished_at: datetime | None

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @classmethod
    def of(cls, outcome: PushOutcome) -> PushRecord:
        """The same shape from a push just made, before it is read back from the log."""
        return cls(
            outcome.screen_id,
            outcome.manifest_version,
            outcome.ok,
            outcome.http_status,
            outcome.attempts,
            outcome.error,
            outcome.started_at,
            outcome.finished_at,
        )


# Reading summaries tolerantly ------------------------------------------------------------------


def _parse(text: str | None) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _screen_dicts(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    screens = summary.get("screens")
    if not isinstance(screens, list):
        return []
    return [s for s in screens if isinstance(s, dict)]


def _totals(summary: Mapping[str, Any]) -> PublicationTotals:
    """The stored totals, or counted from the per-screen list when an older summary lacks them."""
    stored = summary.get("totals")
    if isinstance(stored, dict) and any(k in stored for k in ChangeStatus):
        counts = {str(k): stored_count(stored.get(k)) for k in ChangeStatus}  # a field per status
        return PublicationTotals(**counts, dropped_items=stored_count(stored.get("dropped_items")))
    screens = _screen_dicts(summary)
    counts = {str(k): sum(1 for s in screens if s.get("status") == k) for k in ChangeStatus}
    dropped = sum(len(s["dropped"]) for s in screens if isinstance(s.get("dropped"), list))
    return PublicationTotals(**counts, dropped_items=dropped)


def _status(value: str | None) -> PublicationStatus:
    """The stored status; an empty or unknown one reads as still running (never finished)."""
    try:
        return PublicationStatus(value or PublicationStatus.RUNNING)
    except ValueError:
        return PublicationStatus.RUNNING


def _message(status: PublicationStatus, summary: Mapping[str, Any], error: str | None) -> str:
    if error:
        return error
    stored = stored_text(summary.get("message"))
    if stored:
        return stored
    if status is PublicationStatus.RUNNING:
        return "Still running, or stopped before it could finish."
    if status is PublicationStatus.DONE:
        return "Published."
    return "Failed; no reason was recorded."


def _record(row: Publication) -> tuple[PublicationRecord, dict[str, Any]]:
    summary = _parse(row.summary)
    error = stored_text(summary.get("error"))
    totals = _totals(summary)
    changed = summary.get("changed")
    status = _status(row.status)
    record = PublicationRecord(
        id=row.id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=status,
        changed=changed if isinstance(changed, bool) else None,
        totals=totals,
        screens_changed=totals.screens_changed,
        message=_message(status, summary, error),
        error=error,
    )
    return record, summary


# Queries ---------------------------------------------------------------------------------------


def list_publications(library: Library, limit: int = HISTORY_LIMIT) -> list[PublicationRecord]:
    """The last `limit` publications, newest first, each with its totals and message, so a
    curator can see when the screens last got new content and whether it worked."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidValue("limit", limit, "must be a whole number of 1 or more", key="limit")
    with library.session() as session:
        rows = session.scalars(
            select(Publication)
            .order_by(Publication.started_at.desc(), Publication.id.desc())
            .limit(limit)
        )
        return [_record(row)[0] for row in rows]


def get_publication(library: Library, publication_id: int) -> PublicationDetail:
    """One publication with what each screen got: the history's "what did that publish do"."""
    with library.session() as session:
        row = session.get(Publication, publication_id)
        if row is None:
            raise NotFound("publication", publication_id)
        record, summary = _record(row)
    warnings = summary.get("warnings")
    return PublicationDetail(
        record,
        tuple(ScreenChange.from_json(s) for s in _screen_dicts(summary)),
        tuple(str(w) for w in warnings) if isinstance(warnings, list) else (),
    )


def latest_pushes(library: Library, screens: Iterable[int] | None = None) -> dict[int, PushRecord]:
    """The most recent push to each screen (or to the given screen ids), by screen id, in one
    query: the Publish view shows every screen's last push result next to what would change."""
    latest = (
        select(PushDelivery.screen_id, func.max(PushDelivery.id).label("last"))
        .group_by(PushDelivery.screen_id)
        .subquery()
    )
    stmt = select(PushDelivery).join(latest, PushDelivery.id == latest.c.last)
    if screens is not None:
        wanted = sorted(set(screens))
        if not wanted:
            return {}
        stmt = stmt.where(PushDelivery.screen_id.in_(wanted))
    with library.session() as session:
        return {d.screen_id: _push_record(d) for d in session.scalars(stmt)}


def _push_record(row: PushDelivery) -> PushRecord:
    return PushRecord(
        row.screen_id,
        row.manifest_version,
        bool(row.ok),
        row.http_status,
        row.attempts,
        row.error,
        row.started_at,
        row.finished_at,
    )


@dataclass(frozen=True)
class ScreenPushLog:
    """One screen's recent pushes, newest first, as `urbanart push --status` shows them.

    push_host is only the host of the push URL: a URL may embed credentials."""

    screen_id: int
    screen: str
    push_host: str | None
    deliveries: tuple[PushRecord, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "screen_id": self.screen_id,
            "screen": self.screen,
            "push_host": self.push_host,
            "deliveries": [
                {
                    "started_at": d.started_at.isoformat(),
                    "finished_at": d.finished_at.isoformat() if d.finished_at else None,
                    "manifest_version": d.manifest_version,
                    "attempts": d.attempts,
                    "http_status": d.http_status,
                    "ok": d.ok,
                    "error": d.error,
                }
                for d in self.deliveries
            ],
        }


def delivery_log(
    library: Library, *, screens: Iterable[str | int] | None = None, limit: int = DELIVERY_LOG_LIMIT
) -> list[ScreenPushLog]:
    """The last `limit` pushes per screen (named ones, or every screen that has a push URL or
    was ever pushed), newest first; no secret and no full URL."""
    with library.session() as session:
        refs = list(screens or ())
        if refs:
            rows = [find(session, Screen, ref, kind="screen") for ref in refs]
        else:
            pushed = select(PushDelivery.screen_id).distinct()
            rows = list(
                session.scalars(
                    select(Screen)
                    .where(Screen.push_url.is_not(None) | Screen.id.in_(pushed))
                    .order_by(func.lower(Screen.name))
                )
            )
        logs = []
        for screen in rows:
            deliveries = session.scalars(
                select(PushDelivery)
                .where(PushDelivery.screen_id == screen.id)
                .order_by(PushDelivery.started_at.desc(), PushDelivery.id.desc())
                .limit(limit)
            )
            logs.append(
                ScreenPushLog(
                    screen.id,
                    screen.name,
                    urlsplit(screen.push_url).hostname if screen.push_url else None,
                    tuple(_push_record(d) for d in deliveries),
                )
            )
        return logs


def push_screen_ids(library: Library) -> frozenset[int]:
    """Screens with a push URL: the only ones `push` can be asked to nudge after a publish
    (naming any other raises), and the ones whose push result is worth showing."""
    with library.session() as session:
        return frozenset(
            session.scalars(
                select(Screen.id).where(Screen.push_url.is_not(None), Screen.push_url != "")
            )
        )


__all__ = [
    "HISTORY_LIMIT",
    "PublicationDetail",
    "PublicationRecord",
    "PublicationTotals",
    "PushRecord",
    "get_publication",
    "latest_pushes",
    "list_publications",
    "push_screen_ids",
]
