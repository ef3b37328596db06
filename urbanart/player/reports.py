"""Heartbeats and proof-of-play records, queued in SQLite on disk and sent in batches.

Why on disk: a screen offline for a day still played; those plays must reach the hub when the
network returns, even across a restart or a power cut (SQLite commits are durable and atomic).
Each play carries a uuid4 record id chosen when it is queued, so a batch that is re-sent after a
timeout (the hub stored it, the answer got lost) is counted once: the hub is idempotent by id.
Failed sends back off exponentially with jitter, so a thousand screens do not hammer a hub that
has just come back. Records the hub refuses as implausible (422, naming each by its index in the
batch) are dropped, since resending them would be refused forever; the rest are sent again.
"""

from __future__ import annotations

import json
import logging
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

log = logging.getLogger("urbanart.player")

BATCH = 500  # the hub takes up to 1000 records per request
MAX_HEARTBEATS = 100  # older queued heartbeats are dropped: only recent state matters
MAX_PLAYS = 200_000  # about a month of 10-second works; beyond it the oldest are dropped
BACKOFF_START = 2.0
BACKOFF_MAX = 300.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS plays (
    record_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    queued_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS heartbeats (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    queued_at REAL NOT NULL
);
"""


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class SendResult:
    """What one flush did: records the hub accepted, duplicates it already had, still queued."""

    heartbeats_sent: int
    plays_accepted: int
    plays_duplicates: int
    plays_queued: int
    error: str | None = None
    #: Plays the hub refused as implausible (422) and the queue dropped.
    plays_refused: int = 0


class ReportQueue:
    """The on-disk queue; safe to use from the GUI thread and a network thread at once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self.failures = 0
        self.not_before = 0.0  # monotonic time before which no send is attempted

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # Queueing ------------------------------------------------------------------------------

    def add_play(
        self,
        *,
        artwork_sha256: str,
        playlist: str | None,
        started_at: datetime,
        duration_s: float,
        manifest_version: str | None,
        record_id: str | None = None,
        frames_shown: int | None = None,
    ) -> str:
        """Queue one play; frames_shown (live items only) is how many distinct frames of the
        live feed were on screen during it."""
        rid = record_id or str(uuid.uuid4())
        body: dict[str, Any] = {
            "id": rid,
            "artwork_sha256": artwork_sha256,
            "playlist": playlist[:200] if playlist else playlist,
            "started_at": iso(started_at),
            "duration_s": round(min(max(duration_s, 0.0), 86400.0), 3),
            "manifest_version": manifest_version,
        }
        if frames_shown is not None:
            body["frames_shown"] = max(0, int(frames_shown))
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO plays(record_id, body, queued_at) VALUES (?, ?, ?)",
                (rid, json.dumps(body), time.time()),
            )
            self._db.execute(
                "DELETE FROM plays WHERE record_id IN (SELECT record_id FROM plays "
                "ORDER BY queued_at DESC LIMIT -1 OFFSET ?)",
                (MAX_PLAYS,),
            )
        return rid

    def add_heartbeat(self, body: Mapping[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO heartbeats(body, queued_at) VALUES (?, ?)",
                (json.dumps(dict(body)), time.time()),
            )
            self._db.execute(
                "DELETE FROM heartbeats WHERE seq NOT IN "
                "(SELECT seq FROM heartbeats ORDER BY seq DESC LIMIT ?)",
                (MAX_HEARTBEATS,),
            )

    def pending_plays(self, limit: int = BATCH) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM plays ORDER BY queued_at, record_id LIMIT ?", (limit,)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def pending_heartbeats(self) -> list[tuple[int, dict[str, Any]]]:
        with self._lock:
            rows = self._db.execute("SELECT seq, body FROM heartbeats ORDER BY seq").fetchall()
        return [(seq, json.loads(body)) for seq, body in rows]

    def counts(self) -> tuple[int, int]:
        """(heartbeats, plays) waiting to be sent."""
        with self._lock:
            beats = self._db.execute("SELECT count(*) FROM heartbeats").fetchone()[0]
            plays = self._db.execute("SELECT count(*) FROM plays").fetchone()[0]
        return beats, plays

    def _forget_plays(self, ids: list[str]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM plays WHERE record_id = ?", [(i,) for i in ids])

    def _forget_heartbeat(self, seq: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM heartbeats WHERE seq = ?", (seq,))

    # Sending -------------------------------------------------------------------------------

    def due(self) -> bool:
        return time.monotonic() >= self.not_before

    def _failed(self, error: str) -> str:
        self.failures += 1
        delay = min(BACKOFF_MAX, BACKOFF_START * 2 ** (self.failures - 1))
        self.not_before = time.monotonic() + delay * random.uniform(0.5, 1.0)  # noqa: S311
        return error

    def send(
        self,
        hub_url: str,
        paths: Mapping[str, str],
        session: requests.Session,
        *,
        timeout: float = 10.0,
        force: bool = False,
    ) -> SendResult:
        """Send queued heartbeats (oldest first) then plays in batches; stop at the first failure
        and back off. A record leaves the queue only once the hub has answered 2xx for it."""
        beats_sent = accepted = duplicates = refused = 0
        error: str | None = None
        if not force and not self.due():
            return SendResult(0, 0, 0, self.counts()[1], "backing off after a failed send")
        try:
            for seq, body in self.pending_heartbeats():
                response = session.post(
                    urljoin(hub_url, paths["heartbeat"].lstrip("/")), json=body, timeout=timeout
                )
                if response.status_code == 400:  # the hub will never take it: do not retry
                    log.warning("hub refused a heartbeat: %s", response.text[:200])
                elif response.status_code // 100 != 2:
                    raise _HubAnswer(response.status_code)
                self._forget_heartbeat(seq)
                beats_sent += 1
            while batch := self.pending_plays():
                response = session.post(
                    urljoin(hub_url, paths["plays"].lstrip("/")),
                    json={"records": batch},
                    timeout=timeout,
                )
                if response.status_code == 400:
                    log.warning("hub refused a batch of plays: %s", response.text[:200])
                elif response.status_code == 422:
                    dropped = _refused_ids(batch, response)
                    if not dropped:  # an answer we cannot act on: keep all, back off
                        raise _HubAnswer(response.status_code)
                    self._forget_plays(dropped)
                    refused += len(dropped)
                    continue  # the others were not stored (the batch was refused whole)
                elif response.status_code // 100 != 2:
                    raise _HubAnswer(response.status_code)
                else:
                    answer = response.json()
                    accepted += int(answer.get("accepted", 0))
                    duplicates += int(answer.get("duplicates", 0))
                self._forget_plays([r["id"] for r in batch])
        except _HubAnswer as exc:
            error = self._failed(f"reports: the hub answered HTTP {exc.status}")
        except (requests.RequestException, ValueError) as exc:
            error = self._failed(f"reports: hub unreachable ({type(exc).__name__})")
        else:
            self.failures = 0
            self.not_before = 0.0
        return SendResult(beats_sent, accepted, duplicates, self.counts()[1], error, refused)


def _refused_ids(batch: list[dict[str, Any]], response: requests.Response) -> list[str]:
    """The ids of the batch's records a 422 answer names ({"records": [{"index", "field",
    "reason"}, ...]}, urbanart.delivery.play_checks), each logged with the hub's reason."""
    try:
        listed = response.json().get("records")
    except (ValueError, AttributeError):
        return []
    ids: list[str] = []
    for problem in listed if isinstance(listed, list) else []:
        index = problem.get("index") if isinstance(problem, dict) else None
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(batch):
            record = batch[index]
            if record["id"] not in ids:
                ids.append(record["id"])
                log.warning(
                    "hub refused play %s (%s): %s; dropped",
                    record["id"],
                    str(problem.get("field"))[:40],
                    str(problem.get("reason"))[:200],
                )
    return ids


class _HubAnswer(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status
