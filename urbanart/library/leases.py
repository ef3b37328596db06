"""Database leases: a duty (running timed jobs) that exactly one process holds at a time.

A lease is one row: who holds it and until when. Taking or renewing it is a single conditional
UPDATE ("owner is me, or the lease has expired"), which every database applies atomically, so two
processes racing for it cannot both win. A holder that dies simply stops renewing; once the
expiry passes, the next process to try takes over. Times come from each process's clock, so
hosts sharing one PostgreSQL catalog need clocks in step to well under the lease time.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, case, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from urbanart.library.library import Library
from urbanart.library.models import Lease, UTCDateTime

JOB_RUNNER = "job_runner"


def new_owner_id() -> str:
    """host, pid and a random part: unique even when a pid is reused after a restart."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class LeaseHolder:
    """Who holds a lease, as the status bar and `urbanart serve` show it."""

    owner: str
    acquired_at: datetime | None
    expires_at: datetime | None

    @property
    def host(self) -> str:
        return self.owner.split(":")[0]

    @property
    def pid(self) -> str:
        parts = self.owner.split(":")
        return parts[1] if len(parts) > 1 else "?"

    def describe(self) -> str:
        since = "" if self.acquired_at is None else f" since {self.acquired_at:%Y-%m-%d %H:%M:%SZ}"
        return f"held by {self.host} pid {self.pid}{since}"


def take(
    library: Library, name: str, owner: str, seconds: float, *, now: datetime | None = None
) -> bool:
    """Take or renew the lease for `seconds` from now; True when `owner` holds it afterwards."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    expires = now + timedelta(seconds=seconds)
    statement = (
        update(Lease)
        .where(
            Lease.name == name,
            or_(
                Lease.owner == owner,
                Lease.owner.is_(None),
                Lease.expires_at.is_(None),
                Lease.expires_at <= now,
            ),
        )
        .values(
            owner=owner,
            acquired_at=case(
                (Lease.owner == owner, Lease.acquired_at), else_=literal(now, UTCDateTime())
            ),
            heartbeat_at=now,
            expires_at=expires,
        )
        .execution_options(synchronize_session=False)
    )
    with library.session() as session:
        # An UPDATE answers with a CursorResult (it carries rowcount); execute is typed wider.
        if cast(CursorResult[Any], session.execute(statement)).rowcount == 1:
            return True
        if session.get(Lease, name) is not None:
            return False
    try:  # the row is missing (a hand-edited database): create it held by us
        with library.session() as session:
            session.add(
                Lease(name=name, owner=owner, acquired_at=now, heartbeat_at=now, expires_at=expires)
            )
    except IntegrityError:  # someone else created it at the same moment: theirs
        return False
    return True


def release(library: Library, name: str, owner: str) -> None:
    """Give the lease up at once (a clean shutdown), so a standing-by process need not wait."""
    with library.session() as session:
        session.execute(
            update(Lease)
            .where(Lease.name == name, Lease.owner == owner)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )


def holder(library: Library, name: str, *, now: datetime | None = None) -> LeaseHolder | None:
    """The live holder of a lease, or None when nobody holds it (never taken, released, expired)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    with library.session() as session:
        row = session.scalar(select(Lease).where(Lease.name == name))
        if row is None or row.owner is None or row.expires_at is None or row.expires_at <= now:
            return None
        return LeaseHolder(row.owner, row.acquired_at, row.expires_at)
