"""The hub's screen API (heartbeat, plays): strict validation, then writes off the event loop.

Why it looks like this: screens are unattended devices on public networks, so every body is
size-limited while it is read, parsed as JSON and checked against api.schema.json before any
database work; errors are JSON a player can log. Database writes are blocking (SQLAlchemy,
SQLite), so they run on dedicated writer threads and the event loop keeps serving polls:
heartbeats (and the hub's other writes) on one, plays on their own (see plays_lock for why they
need not wait for each other). On SQLite every writer also takes ``WRITE_LOCK``, shared with
the offline-marking and retention jobs in the same process (SQLite lets one writer in at a
time). Tokens are looked up in an in-memory dict (no database read per request), read
again when the published tree moves (a publish, a token rotation) or, rate limited, when an
unknown token arrives; an unknown token gets exactly the static 404. A heartbeat is answered
once queued and written with the others of the next WRITE_BEHIND seconds in one transaction;
plays are answered only once committed, batches waiting for the writer sharing a transaction
(group commit), so an accepted play is never lost.

The token is the only credential and it lives on a device in the street, so what one token can
write is bounded too: requests per token go through token buckets (429 with Retry-After, before
the body is read); parsing and checking a body (up to a megabyte of JSON for 1,000 plays) runs
on a checker thread, never on the event loop, except an ordinary heartbeat of at most
``AT_ONCE_BYTES`` that quick_check.py accepts in microseconds (the hop would cost more); a
heartbeat always updates the screen's state but adds to its history at most once per
``HEARTBEAT_HISTORY_INTERVAL``; plays must be plausible for that screen (play_checks.py) or the
batch gets 422; and any malformed number or date is a 4xx naming the field, never a 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from urbanart.delivery.bulk_rows import among, json_rows, rows_insert, rows_json, run_planned
from urbanart.delivery.play_checks import (
    LONGEST_PLAY,
    PlaysRefused,
    PublishedMedia,
    check_against_stored,
    check_plays,
    kept_manifests,
)
from urbanart.delivery.rate_limit import Rate, RateLimiter, retry_after
from urbanart.library.database import dialect_insert, insert_new_only
from urbanart.library.library import Library
from urbanart.library.models import (
    Artwork,
    Heartbeat,
    MediaAsset,
    Play,
    Rendition,
    Screen,
    ScreenState,
)
from urbanart.protocol.hub_api import BadRequest, check, parse_instant, parse_json
from urbanart.protocol.quick_check import heartbeat_ok

log = logging.getLogger("urbanart.hub")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

HEARTBEAT_LIMIT = 64 * 1024
PLAYS_LIMIT = 1024 * 1024
#: A heartbeat body up to this size is parsed and checked on the event loop (an ordinary one is
#: about 150 bytes; a bigger one goes to the checker thread, as plays always do).
AT_ONCE_BYTES = 4096
MAX_ERRORS_KEPT = 20
#: A heartbeat is kept in the history at most this often per screen (the state: every time).
HEARTBEAT_HISTORY_INTERVAL = timedelta(minutes=1)
_NO_TIME = timedelta(0)
#: Per token: a reconnecting player's queued heartbeats (up to 100) pass, a flood does not.
HEARTBEAT_RATE = Rate(burst=120, per_second=0.5)
#: Per token: 20 batches (10,000 plays) at once, then one every five seconds (checking a full
#: batch costs a good part of a CPU second, so this also caps what one token can burn).
PLAYS_RATE = Rate(burst=20, per_second=0.2)
#: Shared by every writer in the process (the hub's writer threads, mark_offline's job).
WRITE_LOCK = threading.Lock()

_API_PATH = re.compile(rb"/api/v1/screens/([A-Za-z0-9_-]{1,64})/(heartbeat|plays)")
_JSON_TYPE = re.compile(rb"\s*application/json\s*(;.*)?", re.IGNORECASE | re.DOTALL)

NOT_FOUND_BODY = b'{"error":"not found"}'


def _body_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[bytes | None, bytes | None]:
    """A request's Content-Type and Content-Length (each None when absent), in one pass: the
    ASGI handler and the answer at once check the same two."""
    ctype = length = None
    for name, value in headers:
        if name == b"content-type":
            ctype = value
        elif name == b"content-length":
            length = value
    return ctype, length


def _is_json(ctype: bytes | None) -> bool:
    """application/json, with parameters or spaces allowed (the exact value checked first)."""
    return ctype == b"application/json" or (
        ctype is not None and _JSON_TYPE.fullmatch(ctype) is not None
    )


#: No tree signature read yet in this event-loop tick (ScreenApi.tick_signature).
_UNREAD = object()


# Responses --------------------------------------------------------------------------------------


def json_headers(
    body: bytes, extra: Iterable[tuple[bytes, bytes]] = ()
) -> list[tuple[bytes, bytes]]:
    return [*_plain_json_headers(len(body)), *extra]


@lru_cache(maxsize=64)
def _plain_json_headers(length: int) -> list[tuple[bytes, bytes]]:
    """A JSON answer's headers for a body of `length` bytes, built once per length (a fleet's
    answers come in a handful of lengths). Shared: the server copies it, never edits it."""
    return [
        (b"content-type", b"application/json"),
        (b"content-length", str(length).encode()),
        (b"cache-control", b"no-store"),
    ]


def heartbeat_answer(now: datetime) -> bytes:
    """A stored-soon heartbeat's answer, ``{"ok":true,"received_at":"…Z"}``: the bytes
    json.dumps gives for it, put together directly (it is every heartbeat's answer)."""
    return b'{"ok":true,"received_at":"%s"}' % now.isoformat().replace("+00:00", "Z").encode()


async def send_json(
    send: Send,
    status: int,
    value: Mapping[str, Any] | bytes,
    *,
    extra: Iterable[tuple[bytes, bytes]] = (),
    head: bool = False,
) -> None:
    body = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
    headers = json_headers(body, extra) if extra else _plain_json_headers(len(body))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


def error_body(error: str, detail: str | None = None) -> dict[str, str]:
    return {"error": error} if detail is None else {"error": error, "detail": detail}


_CLOSE = ((b"connection", b"close"),)


async def _send_too_large(send: Send, kind: str, limit: int) -> None:
    """413 for a screen API body over its limit, and the connection closes (the rest of the
    body is never read). Built only when needed: not per request."""
    detail = f"the {kind} body may be at most {limit} bytes"
    await send_json(send, 413, error_body("body too large", detail), extra=_CLOSE)


async def send_too_many(
    send: Send, wait: float, detail: str, *, extra: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """The 429 every rate-limited route answers: one wording and a Retry-After clients obey."""
    await send_json(
        send,
        429,
        error_body("too many requests", detail),
        extra=[*extra, (b"retry-after", retry_after(wait))],
    )


# Typed records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlayIn:
    record_id: str
    artwork_sha256: str
    playlist: str | None
    started_at: datetime
    duration_s: float
    manifest_version: str | None
    frames_shown: int | None = None  # a live item's distinct frames on screen


def parse_plays(body: Mapping[str, Any]) -> list[PlayIn]:
    return [
        PlayIn(
            record_id=r["id"],
            artwork_sha256=r["artwork_sha256"].lower(),
            playlist=r.get("playlist"),
            started_at=parse_instant(r["started_at"], f"records/{i}/started_at"),
            duration_s=float(r["duration_s"]),
            manifest_version=r.get("manifest_version"),
            frames_shown=r.get("frames_shown"),
        )
        for i, r in enumerate(body["records"])
    ]


# Database work (runs on the writer threads) -----------------------------------------------------


def artworks_by_sha(session: Connection, shas: Iterable[str]) -> dict[str, tuple[int, str]]:
    """sha256 (of a rendition or of the original) → (artwork id, title), where one matches."""
    wanted = sorted({s.lower() for s in shas})
    found: dict[str, tuple[int, str]] = {}
    dialect = session.dialect.name
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for model, join_on in (
            (MediaAsset, Artwork.asset_id == MediaAsset.id),
            (Rendition, Artwork.asset_id == Rendition.asset_id),
        ):
            rows = session.execute(
                select(model.sha256, Artwork.id, Artwork.title)
                .join(Artwork, join_on)
                .where(among(model.sha256, "shas", dialect)),
                {"shas": chunk},
            )
            for sha, artwork_id, title in rows:
                found.setdefault(sha.lower(), (artwork_id, title))
    return found


def _token_holds(screen: Screen | None, token: str | None) -> bool:
    """The screen exists and, when the request named a token, that token is still its own."""
    return screen is not None and (token is None or screen.poll_token == token)


def _state_rows(
    session: Session, screen_ids: Sequence[int], now: datetime
) -> dict[int, ScreenState]:
    """The screens' state rows, made first (last seen `now`) for screens that have none.

    Made by insert-if-new, not session.add: with several hub workers, a heartbeat and another
    worker's poll flush may both make a screen's first state row at once; the loser's insert
    then adds nothing (instead of failing the request) and both update the one row.
    """
    states = {
        s.screen_id: s
        for s in session.scalars(select(ScreenState).where(ScreenState.screen_id.in_(screen_ids)))
    }
    missing = [i for i in screen_ids if i not in states]
    if missing:
        session.execute(
            insert_new_only(session.get_bind().dialect.name, ScreenState),
            [{"screen_id": i, "last_seen_at": now} for i in missing],
        )
        for state in session.scalars(select(ScreenState).where(ScreenState.screen_id.in_(missing))):
            states[state.screen_id] = state
    return states


@dataclass(frozen=True)
class HeartbeatIn:
    """One heartbeat to store: the screen, its checked body, when it came, the screen's latest
    manifest poll the hub saw (if any), and the token it came with (None: not checked)."""

    screen_id: int
    body: Mapping[str, Any]
    now: datetime
    last_poll: datetime | None = None
    token: str | None = None


def record_heartbeat(
    library: Library,
    screen_id: int,
    body: Mapping[str, Any],
    now: datetime,
    last_poll: datetime | None = None,
    *,
    token: str | None = None,
) -> bool:
    """Store one heartbeat (record_heartbeats with one); False when the screen is gone or
    `token` is no longer its poll token."""
    return record_heartbeats(library, [HeartbeatIn(screen_id, body, now, last_poll, token)])[0]


#: The tables the heartbeat writer writes with Core statements (no ORM objects).
HEARTBEATS = cast(Table, Heartbeat.__table__)
SCREEN_STATES = cast(Table, ScreenState.__table__)
#: Plays are inserted with a Core statement too: the ORM's bulk insert path cost several times
#: the database's work for a batch of 30.
PLAYS = cast(Table, Play.__table__)
PLAY_COLUMNS = (
    "screen_id",
    "record_id",
    "artwork_sha256",
    "artwork_id",
    "playlist_name",
    "started_at",
    "duration_s",
    "manifest_version",
    "frames_shown",
    "received_at",
)
STATE_COLUMNS = (
    "screen_id",
    "last_seen_at",
    "last_poll_at",
    "manifest_version",
    "playing_sha256",
    "playing_title",
    "player_version",
    "free_disk_bytes",
    "errors",
    "refused",
)
HISTORY_COLUMNS = ("screen_id", "received_at", "body")
#: What a play row brings on PostgreSQL (the artwork id is looked up by the insert).
PLAYS_IN_COLUMNS = tuple(name for name in PLAY_COLUMNS if name != "artwork_id")


@dataclass(frozen=True)
class WriterStatements:
    """The writer's queries, built once per dialect with their lists as parameters (bulk_rows
    .among): building and keying a statement per batch cost more than running it."""

    tokens: Any  # :screens → (screen id, poll token)
    history: Any  # :screens, :since, :until → (screen id, received_at) of history rows
    stored_ids: Any  # :screens, :records → (screen id, record id) of stored plays
    spans: Any  # :screens, :since, :until → (screen id, started_at, duration_s)


@cache
def _writer_statements(dialect: str) -> WriterStatements:
    at = HEARTBEATS.c.received_at
    started = PLAYS.c.started_at
    return WriterStatements(
        tokens=select(Screen.id, Screen.poll_token).where(among(Screen.id, "screens", dialect)),
        history=select(HEARTBEATS.c.screen_id, at).where(
            among(HEARTBEATS.c.screen_id, "screens", dialect),
            at > bindparam("since", type_=at.type),
            at <= bindparam("until", type_=at.type),
        ),
        stored_ids=select(PLAYS.c.screen_id, PLAYS.c.record_id).where(
            among(PLAYS.c.screen_id, "screens", dialect),
            among(PLAYS.c.record_id, "records", dialect),
        ),
        spans=_spans_pg()
        if dialect == "postgresql"
        else select(PLAYS.c.screen_id, started, PLAYS.c.duration_s).where(
            among(PLAYS.c.screen_id, "screens", dialect),
            started >= bindparam("since", type_=started.type),
            started < bindparam("until", type_=started.type),
        ),
    )


def _spans_pg() -> Any:
    """PostgreSQL: the stored plays of :screens starting in [:since, :until), written so that
    only the (screen_id, started_at) index can serve the time range.

    Why: with `screen_id = ANY(:screens) AND started_at >= :since AND started_at < :until`,
    a plays table without statistics yet (a new hub: autovacuum has not analyzed it) got the
    plan "range scan of ix_plays_started_at, filter by screen": since is LONGEST_PLAY (a day)
    before the batch, so that scans every play of every screen of the last day, and a
    prepared statement kept that plan while the table grew (in the fleet bench, 3,000 rows
    read for none returned after 10 s, the query at 10 to 60 ms after 40 s). Here each screen
    is joined by `screen_id = id` and the range is a row comparison on (screen_id,
    started_at), which the started_at index cannot use; together with run_planned (a plan for
    each run, not one kept from when the table was empty) the query reads one screen's rows.
    Same rows: with the screen equal, the row comparisons are the time range.
    """
    wanted = (
        func.unnest(bindparam("screens", type_=postgresql.ARRAY(Integer)))
        .table_valued("id")
        .render_derived(name="wanted")
    )
    started = PLAYS.c.started_at
    key = tuple_(PLAYS.c.screen_id, started)
    return (
        select(PLAYS.c.screen_id, started, PLAYS.c.duration_s)
        .select_from(wanted)
        .join(
            PLAYS,
            and_(
                PLAYS.c.screen_id == wanted.c.id,
                key >= tuple_(wanted.c.id, bindparam("since", type_=started.type)),
                key < tuple_(wanted.c.id, bindparam("until", type_=started.type)),
            ),
        )
    )


@cache
def _plays_insert_pg() -> Any:
    """PostgreSQL: insert-if-new of plays from json_rows, each row's artwork id looked up in the
    same statement (by the original's sha256, else a rendition's: what artworks_by_sha does in
    two more queries elsewhere); returns (screen id, record id) of the rows inserted."""
    source = json_rows(PLAYS, PLAYS_IN_COLUMNS)
    sha = source.c.artwork_sha256
    by_original = (
        select(Artwork.id)
        .join(MediaAsset, Artwork.asset_id == MediaAsset.id)
        .where(MediaAsset.sha256 == sha)
        .order_by(Artwork.id)
        .limit(1)
        .scalar_subquery()
    )
    by_rendition = (
        select(Artwork.id)
        .join(Rendition, Artwork.asset_id == Rendition.asset_id)
        .where(Rendition.sha256 == sha)
        .order_by(Artwork.id)
        .limit(1)
        .scalar_subquery()
    )
    values = [
        func.coalesce(by_original, by_rendition) if name == "artwork_id" else source.c[name]
        for name in PLAY_COLUMNS
    ]
    return (
        postgresql.insert(PLAYS)
        .from_select(list(PLAY_COLUMNS), select(*values))
        .on_conflict_do_nothing()
        .returning(PLAYS.c.screen_id, PLAYS.c.record_id)
    )


class RecentHistory:
    """screen id → the newest heartbeat-history row this process knows is stored for it.

    Why: a heartbeat joins the history at most once per HEARTBEAT_HISTORY_INTERVAL, and asking
    the database for each screen's recent rows on every batch was one of the writer's queries
    per batch. A row this process stored (or saw) stays in the table at least that long
    (retention counts in days), so while it is younger than the interval the question has its
    answer without a query; only screens this process knows nothing recent about are asked
    for (another hub worker may have stored one). Bounded by the number of screens.
    """

    def __init__(self) -> None:
        self._at: dict[int, datetime] = {}

    def get(self, screen_id: int) -> datetime | None:
        return self._at.get(screen_id)

    def covers(self, screen_id: int, now: datetime) -> bool:
        """Whether a stored row is known within the interval before `now`."""
        at = self._at.get(screen_id)
        return at is not None and _NO_TIME <= now - at < HEARTBEAT_HISTORY_INTERVAL

    def note(self, screen_id: int, at: datetime) -> None:
        known = self._at.get(screen_id)
        if known is None or at > known:
            self._at[screen_id] = at


@cache
def _state_upsert(dialect_name: str) -> Any:
    """Insert-or-update of a screen's state row from one heartbeat, in one statement.

    Everything the heartbeat says replaces what was there and clears offline_since; the last
    manifest poll only moves forward (a poll flush of another worker may have stored a later
    one). On PostgreSQL the rows come as one JSON parameter (bulk_rows.rows_insert).
    """
    table = SCREEN_STATES
    if dialect_name == "postgresql":
        stmt = rows_insert(table, STATE_COLUMNS)
    else:
        stmt = dialect_insert(dialect_name, table)
    new = stmt.excluded
    # Every state a heartbeat carries; a poll's time is the poll's (record_polls).
    replaced = [name for name in STATE_COLUMNS if name not in ("screen_id", "last_poll_at")]
    columns: dict[str, Any] = {name: new[name] for name in replaced}
    columns["last_poll_at"] = case(
        (
            or_(table.c.last_poll_at.is_(None), new.last_poll_at > table.c.last_poll_at),
            new.last_poll_at,
        ),
        else_=table.c.last_poll_at,
    )
    columns["offline_since"] = None
    return stmt.on_conflict_do_update(index_elements=[table.c.screen_id], set_=columns)


def record_heartbeats(
    library: Library, beats: Sequence[HeartbeatIn], recent: RecentHistory | None = None
) -> list[bool]:
    """Upsert each screen's state; append a heartbeat to the history unless the screen has a
    history row younger than HEARTBEAT_HISTORY_INTERVAL. One result per heartbeat: False when
    the screen is gone or its token is no longer the screen's poll token (rotated: refused at
    once, whatever the token cache says).

    Why the history is thinned here and not in a job: a client repeating heartbeats would
    otherwise write every one of them in full (megabytes a second); the state, which the
    studio shows, still follows every heartbeat.

    Why many at once, in few statements: a fleet sends hundreds of heartbeats a second and the
    hub writes them on one thread; written one transaction each, every heartbeat pays several
    round trips to the database and the queue grows under load. The hub gathers the heartbeats
    waiting for the writer (HeartbeatWriter) and stores them here in one transaction: one query
    for the tokens, one insert-or-update of the states (the batch's last word per screen, in
    screen order so concurrent writers lock rows in one order), the history rows, and a query
    for recent history only for screens `recent` (this process's memory) knows nothing about.
    Core statements, not ORM objects: the ORM's flush cost more than the database did.
    """
    if not beats:
        return []
    recent = recent if recent is not None else RecentHistory()
    learned: dict[int, list[datetime]] = {}
    with WRITE_LOCK, library.session() as session:
        # Core statements on the connection: the ORM execute path adds work and no use.
        conn = session.connection()
        dialect = conn.dialect.name
        ids = sorted({b.screen_id for b in beats})
        tokens = dict(conn.execute(_writer_statements(dialect).tokens, {"screens": ids}).all())
        held = [
            b.screen_id in tokens and (b.token is None or tokens[b.screen_id] == b.token)
            for b in beats
        ]
        live = [b for b, ok in zip(beats, held, strict=True) if ok]
        if not live:
            return held
        untitled = {
            playing["artwork_sha256"].lower()
            for b in live
            if (playing := b.body.get("playing")) and not playing.get("title")
        }
        titles = artworks_by_sha(conn, untitled) if untitled else {}
        states: dict[int, dict[str, Any]] = {}
        for beat in live:
            body = beat.body
            playing = body.get("playing")
            sha = playing["artwork_sha256"].lower() if playing else None
            title = playing.get("title") if playing else None
            if sha and not title:
                match = titles.get(sha)
                title = match[1] if match else None
            last_poll = beat.last_poll
            before = states.get(beat.screen_id)
            earlier = before["last_poll_at"] if before is not None else None
            if earlier is not None and (last_poll is None or earlier > last_poll):
                last_poll = earlier
            refused = body.get("refused")
            errors = body.get("errors")
            states[beat.screen_id] = {  # the batch's last heartbeat per screen wins
                "screen_id": beat.screen_id,
                "last_seen_at": beat.now,
                "last_poll_at": last_poll,
                "manifest_version": body.get("manifest_version"),
                "playing_sha256": sha,
                "playing_title": title,
                "player_version": body.get("player_version"),
                "free_disk_bytes": body.get("free_disk_bytes"),
                # json.dumps' own answer for no errors (most heartbeats), without the call.
                "errors": json.dumps(list(errors)[-MAX_ERRORS_KEPT:], ensure_ascii=False)
                if errors
                else "[]",
                "refused": json.dumps(refused, ensure_ascii=False) if refused else None,
            }
        # RETURNING makes SQLAlchemy send the rows as one multi-row statement (insertmanyvalues)
        # instead of the driver's executemany, which pays a round of Python work per row.
        ordered = [states[i] for i in sorted(states)]
        if dialect == "postgresql":  # one JSON parameter: a fixed statement (bulk_rows)
            conn.execute(_state_upsert(dialect), rows_json(STATE_COLUMNS, ordered))
        else:
            conn.execute(_state_upsert(dialect).returning(SCREEN_STATES.c.screen_id), ordered).all()
        for beat in live:
            known = recent.get(beat.screen_id)
            if known is not None:
                learned.setdefault(beat.screen_id, [known])
        unknown = sorted({b.screen_id for b in live if not recent.covers(b.screen_id, b.now)})
        if unknown:
            since = min(b.now for b in live) - HEARTBEAT_HISTORY_INTERVAL
            for screen_id, at in conn.execute(
                _writer_statements(dialect).history,
                {"screens": unknown, "since": since, "until": max(b.now for b in live)},
            ):
                learned.setdefault(screen_id, []).append(at)
        history: list[dict[str, Any]] = []
        for beat in live:
            now = beat.now
            kept = learned.setdefault(beat.screen_id, [])
            if not any(_NO_TIME <= now - at < HEARTBEAT_HISTORY_INTERVAL for at in kept):
                kept.append(now)
                history.append(
                    {
                        "screen_id": beat.screen_id,
                        "received_at": now,
                        "body": json.dumps(beat.body, ensure_ascii=False, separators=(",", ":")),
                    }
                )
        if history and dialect == "postgresql":
            conn.execute(
                rows_insert(HEARTBEATS, HISTORY_COLUMNS), rows_json(HISTORY_COLUMNS, history)
            )
        elif history:
            conn.execute(insert(HEARTBEATS).returning(HEARTBEATS.c.id), history).all()
    for screen_id, times in learned.items():  # committed: now known to be stored
        if times:
            recent.note(screen_id, max(times))
    return held


@dataclass(frozen=True)
class PlaysIn:
    """One request's checked plays to store: the screen, its records, when they came, and the
    token they came with (None: not checked)."""

    screen_id: int
    plays: list[PlayIn]
    now: datetime
    token: str | None = None


def record_plays(
    library: Library,
    screen_id: int,
    plays: list[PlayIn],
    now: datetime,
    *,
    token: str | None = None,
) -> tuple[int, int] | None:
    """Insert the records not already stored for this screen: (new, duplicates); None if gone
    (or if `token` is no longer its poll token, as for record_heartbeat).

    Idempotent by (screen, record id), so a player that retries a batch after a timeout (the
    hub stored it, the answer got lost) is never counted twice.
    """
    [result] = record_plays_many(library, [PlaysIn(screen_id, plays, now, token)])
    if isinstance(result, PlaysRefused):
        raise result
    return result


def plays_lock(library: Library) -> contextlib.AbstractContextManager[object]:
    """What the plays writer holds around its transaction: WRITE_LOCK on SQLite, nothing on
    PostgreSQL.

    Why plays need not wait for the other writers on PostgreSQL: the plays table is written
    only by the hub's plays writers (one thread per hub process, and other hub processes
    already write at the same time) and by the retention job, which deletes rows days old;
    the heartbeat writer, the poll flush and mark_offline write screen_states and heartbeats,
    tables a plays transaction never writes, so the two cannot deadlock or see each other's
    half-done work. Exactly-once does not rest on a lock either: the unique (screen, record id)
    and the insert-if-new decide between racing inserts, in one process or several. Nor is
    the library's advisory write lock (database.begin_write) wanted: it keeps an undo or a
    recorded edit from racing another on curated rows, and the hub's writes are neither
    (they run outside any undoable operation, so library.session() does not take it).
    On SQLite the database lets one writer in at a time, so the process-wide lock keeps
    writers queueing in order instead of meeting SQLite's busy timeout.
    """
    if library.engine.dialect.name == "sqlite":
        return WRITE_LOCK
    return contextlib.nullcontext()


def record_plays_many(
    library: Library, batches: Sequence[PlaysIn]
) -> list[tuple[int, int] | PlaysRefused | None]:
    """Store several requests' plays in one transaction (group commit): per request (new,
    duplicates), None when the screen is gone or the token is no longer its own, or the
    PlaysRefused for plays overlapping what is stored (that request's plays are not stored;
    the others' are).

    Why together: a fleet's batches arrive tens a second and each on its own cost a
    transaction of five queries; waiting ones share the reads (tokens, stored ids, stored
    spans, artworks) and one insert of all new rows. Every play id is stored once per screen:
    ids already stored or named twice count as duplicates, and the insert skips a collision
    with another hub worker (the unique (screen, record id) decides). Nothing is answered
    before the commit, so an "accepted" play is durable.

    On PostgreSQL that is two round trips (_record_plays_pg); elsewhere one transaction of
    a statement each.
    """
    if library.engine.dialect.name == "postgresql":
        return _record_plays_pg(library, batches)
    with plays_lock(library), library.session() as session:
        # Core statements on the connection: the ORM execute path adds work and no use.
        conn = session.connection()
        dialect = conn.dialect.name
        screen_ids = sorted({b.screen_id for b in batches})
        statements = _writer_statements(dialect)
        tokens = dict(conn.execute(statements.tokens, {"screens": screen_ids}).all())
        live = _live(batches, tokens)
        ids = sorted({p.record_id for i in live for p in batches[i].plays})
        existing: set[tuple[int, str]] = set()
        live_screens = sorted({batches[i].screen_id for i in live})
        for start in range(0, len(ids), 500):  # IN lists
            existing.update(
                (screen_id, record_id)
                for screen_id, record_id in conn.execute(
                    statements.stored_ids,
                    {"screens": live_screens, "records": ids[start : start + 500]},
                )
            )
        fresh = _fresh(batches, live, existing)
        spans: dict[int, list[tuple[datetime, float]]] = {}
        wanted = [p for i in live for _, p in fresh[i]]
        if wanted:  # overlaps within a batch were checked already; now against what is stored
            since, until = _window(wanted)
            for screen_id, started, duration in conn.execute(
                statements.spans,
                {
                    "screens": sorted({batches[i].screen_id for i in fresh}),
                    "since": since,
                    "until": until,
                },
            ):
                spans.setdefault(screen_id, []).append((started, duration))
        artworks = artworks_by_sha(conn, (p.artwork_sha256 for p in wanted)) if wanted else {}
        results, rows, owner = _new_rows(batches, live, fresh, spans, artworks)
        if rows:  # one multi-row statement (RETURNING: insertmanyvalues), no ORM objects
            # Insert-if-new: another hub worker may be storing the same ids right now (a retry
            # racing its first attempt); the unique (screen, record id) decides, nothing raises.
            inserted = conn.execute(
                insert_new_only(dialect, PLAYS).returning(PLAYS.c.screen_id, PLAYS.c.record_id),
                rows,
            ).all()
            _count_stored(results, batches, live, owner, inserted)
        else:
            _count_stored(results, batches, live, owner, [])
    return results


def _record_plays_pg(
    library: Library, batches: Sequence[PlaysIn]
) -> list[tuple[int, int] | PlaysRefused | None]:
    """record_plays_many on PostgreSQL in two round trips: one statement reads the tokens,
    the stored ids and the stored spans (_stored_pg), one inserts the new rows and commits.

    Why no transaction around both: BEGIN and COMMIT were two of six round trips of a group,
    and on a busy machine each round trip waits for the server's process to get a CPU (the
    reads cost less than the waits). The transaction never gave the reads anything: at read
    committed each statement sees its own snapshot, and exactly-once rests on the unique
    (screen, record id) and the insert-if-new, not on a lock (plays_lock). The insert runs
    in autocommit, so it is committed when its result comes back: an accepted play is still
    durable before it is answered.
    """
    plays = [p for b in batches for p in b.plays]
    since, until = _window(plays) if plays else (datetime.now(UTC),) * 2
    params = {
        "screens": sorted({b.screen_id for b in batches}),
        "records": sorted({p.record_id for p in plays}),
        "since": since,
        "until": until,
    }
    tokens: dict[int, str | None] = {}
    existing: set[tuple[int, str]] = set()
    spans: dict[int, list[tuple[datetime, float]]] = {}
    engine = library.engine.execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        with run_planned(conn):
            stored = conn.execute(_stored_pg(), params).all()
        for part, screen_id, name, started, duration in stored:
            if part == _TOKEN:
                tokens[screen_id] = name
            elif part == _STORED_ID:
                existing.add((screen_id, name))
            else:
                spans.setdefault(screen_id, []).append((started, duration))
        live = _live(batches, tokens)
        fresh = _fresh(batches, live, existing)
        # The insert looks the artworks up itself (_plays_insert_pg).
        results, rows, owner = _new_rows(batches, live, fresh, spans, {})
        inserted = (
            conn.execute(_plays_insert_pg(), rows_json(PLAYS_IN_COLUMNS, rows)).all()
            if rows
            else []
        )
    _count_stored(results, batches, live, owner, inserted)
    return results


#: What each row of _stored_pg is: a screen's poll token, a stored play's id, a stored span.
_TOKEN, _STORED_ID, _SPAN = 0, 1, 2


@cache
def _stored_pg() -> Any:
    """PostgreSQL: in one statement, the rows (part, screen id, token or record id,
    started_at, duration_s) of the writer's three reads: :screens' poll tokens, their plays
    among :records, and their stored spans in [:since, :until) (_spans_pg).

    The spans are read for every play of the group, also those that turn out to be stored or
    refused: more spans than needed change no answer (check_against_stored looks for real
    overlaps), and reading them with the rest saves a round trip.
    """
    statements = _writer_statements("postgresql")
    started = PLAYS.c.started_at
    no_time = sql_cast(null(), started.type)
    no_duration = sql_cast(null(), PLAYS.c.duration_s.type)
    tokens = statements.tokens.subquery()
    ids = statements.stored_ids.subquery()
    spans = statements.spans.subquery()
    return union_all(
        select(literal_column(str(_TOKEN)), *tokens.c, no_time, no_duration),
        select(literal_column(str(_STORED_ID)), *ids.c, no_time, no_duration),
        select(
            literal_column(str(_SPAN)),
            spans.c.screen_id,
            sql_cast(null(), PLAYS.c.record_id.type),
            spans.c.started_at,
            spans.c.duration_s,
        ),
    )


def _live(batches: Sequence[PlaysIn], tokens: Mapping[int, str | None]) -> list[int]:
    """The batches whose screen exists and whose token (when named) is still its own."""
    return [
        i
        for i, b in enumerate(batches)
        if b.screen_id in tokens and (b.token is None or tokens[b.screen_id] == b.token)
    ]


def _fresh(
    batches: Sequence[PlaysIn], live: Sequence[int], existing: set[tuple[int, str]]
) -> dict[int, list[tuple[int, PlayIn]]]:
    """Per live batch: (index, play) of the first play of each id not stored yet."""
    fresh: dict[int, list[tuple[int, PlayIn]]] = {}
    for i in live:
        unique: dict[str, int] = {}
        for index, play in enumerate(batches[i].plays):
            unique.setdefault(play.record_id, index)
        key = batches[i].screen_id
        fresh[i] = [
            (index, batches[i].plays[index])
            for rid, index in unique.items()
            if (key, rid) not in existing
        ]
    return fresh


def _window(plays: Sequence[PlayIn]) -> tuple[datetime, datetime]:
    """[since, until): where stored plays that may overlap these start."""
    since = min(p.started_at for p in plays) - LONGEST_PLAY
    until = max(p.started_at + timedelta(seconds=p.duration_s) for p in plays)
    return since, until


def _new_rows(
    batches: Sequence[PlaysIn],
    live: Sequence[int],
    fresh: Mapping[int, list[tuple[int, PlayIn]]],
    spans: dict[int, list[tuple[datetime, float]]],
    artworks: Mapping[str, tuple[int, str]],
) -> tuple[
    list[tuple[int, int] | PlaysRefused | None], list[dict[str, Any]], dict[tuple[int, str], int]
]:
    """(results with the refusals, the rows to insert, (screen, record id) → the request
    storing it): each live batch's fresh plays checked against the stored spans and those of
    the batches before it (whose plays are added to `spans`)."""
    results: list[tuple[int, int] | PlaysRefused | None] = [None] * len(batches)
    rows: list[dict[str, Any]] = []
    owner: dict[tuple[int, str], int] = {}
    for i in live:
        batch = batches[i]
        new = [(x, p) for x, p in fresh[i] if (batch.screen_id, p.record_id) not in owner]
        try:
            check_against_stored(new, spans.get(batch.screen_id, []))
        except PlaysRefused as refused:
            results[i] = refused
            continue
        for _index, p in new:
            owner[(batch.screen_id, p.record_id)] = i
            spans.setdefault(batch.screen_id, []).append((p.started_at, p.duration_s))
            rows.append(
                {
                    "screen_id": batch.screen_id,
                    "record_id": p.record_id,
                    "artwork_sha256": p.artwork_sha256,
                    "artwork_id": artworks[p.artwork_sha256][0]
                    if p.artwork_sha256 in artworks
                    else None,
                    "playlist_name": p.playlist,
                    "started_at": p.started_at,
                    "duration_s": p.duration_s,
                    "manifest_version": p.manifest_version,
                    "frames_shown": p.frames_shown,
                    "received_at": batch.now,
                }
            )
    return results, rows, owner


def _count_stored(
    results: list[tuple[int, int] | PlaysRefused | None],
    batches: Sequence[PlaysIn],
    live: Sequence[int],
    owner: Mapping[tuple[int, str], int],
    inserted: Iterable[Any],
) -> None:
    """Fill each live, not refused request's (new, duplicates) from the rows inserted."""
    stored: dict[int, int] = {}
    for screen_id, record_id in inserted:
        i = owner[(screen_id, record_id)]
        stored[i] = stored.get(i, 0) + 1
    for i in live:
        if results[i] is None:
            count = stored.get(i, 0)
            results[i] = (count, len(batches[i].plays) - count)


class PlaysWriter:
    """Plays batches waiting for the plays writer thread, stored together (record_plays_many).

    A batch arriving while none waits schedules one write; those arriving until it runs join
    it (group commit, at most MAX_PLAYS records a transaction). Each request is answered after
    the commit, in one hop back to its event loop per group. The hub gives it a thread of its
    own (not the heartbeat writer's), so a batch, whose answer waits for its commit, never
    queues behind a heartbeat flush nobody waits for (plays_lock says why that is safe).
    """

    MAX_PLAYS = 5000

    def __init__(self, library: Library, db: Executor) -> None:
        self.library = library
        self.db = db
        self._lock = threading.Lock()
        self._pending: list[tuple[PlaysIn, asyncio.Future[Any]]] = []
        self._scheduled = False

    def submit_on_loop(self, batch: PlaysIn) -> asyncio.Future[Any]:
        """An asyncio future holding this request's result from record_plays_many."""
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        with self._lock:
            self._pending.append((batch, done))
            if not self._scheduled:
                self._scheduled = True
                self.db.submit(self._write)
        return done

    def _write(self) -> None:
        with self._lock:
            taken, records = 0, 0
            while taken < len(self._pending) and (
                taken == 0 or records + len(self._pending[taken][0].plays) <= self.MAX_PLAYS
            ):
                records += len(self._pending[taken][0].plays)
                taken += 1
            group = self._pending[:taken]
            del self._pending[:taken]
            if self._pending:
                self.db.submit(self._write)  # the rest right after, in order
            else:
                self._scheduled = False
        answers: list[Any]
        try:
            answers = list(record_plays_many(self.library, [batch for batch, _ in group]))
        except Exception as exc:  # every waiting request answers with it (503 when busy)
            answers = [exc] * len(group)
        _answer_on_loops((done, answer) for (_, done), answer in zip(group, answers, strict=True))


def record_polls(library: Library, polls: Mapping[int, datetime]) -> int:
    """Write the in-memory manifest poll times: a poll is a sign of life like a heartbeat."""
    if not polls:
        return 0
    with WRITE_LOCK, library.session() as session:
        ids = list(polls)
        known = set(session.scalars(select(Screen.id).where(Screen.id.in_(ids))))
        states = {
            s.screen_id: s
            for s in session.scalars(select(ScreenState).where(ScreenState.screen_id.in_(ids)))
        }
        for screen_id, at in polls.items():
            if screen_id not in known:
                continue
            state = states.get(screen_id)
            if state is None:
                state = _state_rows(session, [screen_id], at)[screen_id]
            if state.last_poll_at is None or at > state.last_poll_at:
                state.last_poll_at = at
            if at > state.last_seen_at:
                state.last_seen_at = at
                state.offline_since = None
    return len(polls)


class TokenMap:
    """poll token → screen id (and when each screen was registered), held in memory; reloaded
    on publish or (rate limited) on a miss."""

    def __init__(self, library: Library, *, min_interval: float = 2.0) -> None:
        self.library = library
        self.min_interval = min_interval
        self._map: dict[str, int] = {}
        self._registered: dict[int, datetime] = {}
        self._last = float("-inf")
        #: The published tree's signature when the map was last read (see ScreenApi.screen_id).
        self.signature: object = None

    def get(self, token: str) -> int | None:
        return self._map.get(token)

    def forget(self, token: str) -> None:
        """Drop a token the database no longer holds (seen when its heartbeats were written),
        so its next request is refused without waiting for a reload."""
        self._map.pop(token, None)

    def registered(self, screen_id: int) -> datetime | None:
        return self._registered.get(screen_id)

    def due(self) -> bool:
        """Whether a miss may trigger a reload now; claims the slot so misses cannot stampede."""
        now = time.monotonic()
        if now - self._last < self.min_interval:
            return False
        self._last = now
        return True

    def refresh(self) -> None:
        with self.library.session() as session:
            rows = session.execute(select(Screen.poll_token, Screen.id, Screen.created_at)).all()
        self._registered = {screen_id: created for _token, screen_id, created in rows if created}
        self._map = {token: screen_id for token, screen_id, _created in rows if token}
        self._last = time.monotonic()


# The ASGI handler -------------------------------------------------------------------------------


class Disconnected(Exception):
    """The client went away while we read its body."""


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it exceeds limit (the rest is never buffered)."""
    chunks: list[bytes] = []
    total = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _answer_on_loops(answers: Iterable[tuple[asyncio.Future[Any], Any]]) -> None:
    """From a writer thread: resolve each waiting request on its own event loop, in one hop
    per loop (a hub worker has one; tests may run several)."""
    on_loops: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
    for done, answer in answers:
        on_loops.setdefault(done.get_loop(), []).append((done, answer))
    for loop, settled in on_loops.items():
        with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits
            loop.call_soon_threadsafe(_settle, settled)


def _settle(answers: list[tuple[asyncio.Future[Any], Any]]) -> None:
    """Resolve a batch's waiting requests on their event loop (a request gone stays gone)."""
    for done, answer in answers:
        if done.done():
            continue
        if isinstance(answer, BaseException):
            done.set_exception(answer)
        else:
            done.set_result(answer)


class HeartbeatWriter:
    """Heartbeats waiting for the writer thread, stored together (record_heartbeats).

    Two ways in. submit(): a heartbeat arriving while none waits schedules one write on the
    writer thread; those arriving until it runs join it, so under load each transaction
    carries many heartbeats (at most MAX_BATCH; the rest go in the next), and when idle each
    goes alone at once. defer(): the hub's requests, answered before the write (write-behind):
    the heartbeat waits up to WRITE_BEHIND seconds for others to join it, so a fleet's
    heartbeats cost one statement per interval, not a transaction each.

    Why a heartbeat may be answered before it is stored: it only says "alive, showing this"
    and the next one follows within a minute; a hub killed in between loses at most
    WRITE_BEHIND seconds of screen states, never a play (plays are answered once committed).
    The screen's token was checked in memory; a heartbeat the database then refuses (screen
    removed, token changed) is dropped and `on_refused(token)` makes the next one a 404.
    """

    MAX_BATCH = 500
    #: Seconds a deferred heartbeat waits for others before the write (sooner at MAX_BATCH).
    WRITE_BEHIND = 0.2

    def __init__(
        self,
        library: Library,
        db: Executor,
        on_refused: Callable[[str], None] | None = None,
    ) -> None:
        self.library = library
        self.db = db
        self.on_refused = on_refused
        self._lock = threading.Lock()
        self._pending: list[tuple[HeartbeatIn, Future[bool] | asyncio.Future[bool] | None]] = []
        self._scheduled = False
        self._timer: asyncio.TimerHandle | None = None
        self.recent = RecentHistory()  # touched on the writer thread only

    def defer(self, beat: HeartbeatIn) -> None:
        """Queue a heartbeat already answered (called on the event loop); it is written within
        WRITE_BEHIND seconds, or at once when MAX_BATCH are waiting."""
        with self._lock:
            self._pending.append((beat, None))
            if self._scheduled:
                if self._timer is not None and len(self._pending) >= self.MAX_BATCH:
                    self._timer.cancel()
                    self._timer = None
                    self.db.submit(self._write)
                return
            self._scheduled = True
            self._timer = asyncio.get_running_loop().call_later(self.WRITE_BEHIND, self._due)

    def _due(self) -> None:
        with self._lock:
            if self._timer is None:  # already sent on its way (MAX_BATCH reached)
                return
            self._timer = None
        self.db.submit(self._write)

    def write_now(self) -> None:
        """Write what waits, on the calling thread (the writer thread at shutdown)."""
        with self._lock:
            self._timer = None  # if it still fires, it finds nothing to do (_due)
            waiting = bool(self._pending)
            self._scheduled = waiting
        if waiting:
            self._write()

    def submit(self, beat: HeartbeatIn) -> Future[bool]:
        """A future that holds record_heartbeats' answer for this heartbeat, or its error."""
        done: Future[bool] = Future()
        self._queue(beat, done)
        return done

    def submit_on_loop(self, beat: HeartbeatIn) -> asyncio.Future[bool]:
        """submit() for a request on the running event loop: an asyncio future to await."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue(beat, done)
        return done

    def _queue(self, beat: HeartbeatIn, done: Future[bool] | asyncio.Future[bool]) -> None:
        with self._lock:
            self._pending.append((beat, done))
            if not self._scheduled:
                self._scheduled = True
                self.db.submit(self._write)
            elif self._timer is not None:  # someone waits for an answer: write now
                self._timer = None  # when it fires, it finds nothing to do (_due)
                self.db.submit(self._write)

    def _write(self) -> None:
        with self._lock:
            batch = self._pending[: self.MAX_BATCH]
            del self._pending[: self.MAX_BATCH]
            if self._pending:
                self.db.submit(self._write)  # the rest right after, in order
            else:
                self._scheduled = False
        answers: list[bool | BaseException]
        try:
            answers = list(
                record_heartbeats(self.library, [beat for beat, _ in batch], self.recent)
            )
        except Exception as exc:  # every waiting request answers with it (503 when busy)
            answers = [exc] * len(batch)
            if any(done is None for _, done in batch):
                log.warning("%d heartbeats not stored", len(batch), exc_info=True)
        on_loops: list[tuple[asyncio.Future[Any], Any]] = []
        for (beat, done), answer in zip(batch, answers, strict=True):
            if done is None:  # answered already
                if answer is False and beat.token is not None and self.on_refused is not None:
                    self.on_refused(beat.token)
            elif isinstance(done, asyncio.Future):
                on_loops.append((done, answer))
            elif isinstance(answer, BaseException):
                done.set_exception(answer)
            else:
                done.set_result(answer)
        _answer_on_loops(on_loops)


class ScreenApi:
    """Handles /api/v1/screens/<token>/(heartbeat|plays) for the hub."""

    def __init__(
        self,
        library: Library,
        db: Executor,
        polls: Callable[[str], float | None],
        *,
        plays_db: Executor | None = None,
        heartbeat_rate: Rate = HEARTBEAT_RATE,
        plays_rate: Rate = PLAYS_RATE,
        tree_signature: Callable[[], object] = lambda: None,
    ) -> None:
        """tree_signature: what the published tree's `current` link points to now (read per
        request, microseconds); when it moved since the token map was read, the map is read
        again before the request is answered (a rotated poll token re-keys the tree).

        db: the writer thread for heartbeats and token reads; plays_db: the plays writer's
        thread (the same one when not given)."""
        self.library = library
        self.db = db
        self.tokens = TokenMap(library)
        self.tree_signature = tree_signature
        #: tree_signature's answer for the event loop's current tick (see tick_signature).
        self._tick_signature: object = _UNREAD
        self._reading_tokens: asyncio.Future[None] | None = None
        self.heartbeats = HeartbeatWriter(library, db, on_refused=self.tokens.forget)
        self.plays = PlaysWriter(library, plays_db if plays_db is not None else db)
        self._take_poll = polls
        #: Parses and checks bodies, and indexes published manifests: work kept off the loop.
        self.checker = ThreadPoolExecutor(1, thread_name_prefix="hub-check")
        self.published = PublishedMedia()
        self.indexing: Future[int] | None = None
        self.rates = {"heartbeat": RateLimiter(heartbeat_rate), "plays": RateLimiter(plays_rate)}

    def index(self, tree: Any) -> Future[int]:
        """Rebuild the published-media index for a tree snapshot, on the checker thread."""
        served: dict[str, bytes | str] = {}
        for entry in list(tree.entries.values()):
            if entry.poll_token is not None:
                body = entry.identity.body
                served[entry.poll_token] = body if body is not None else entry.file
        self.indexing = self.checker.submit(
            self.published.rebuild, kept_manifests(tree.published, served, skip=tree.root)
        )
        return self.indexing

    def close(self) -> None:
        self.checker.shutdown(wait=True)

    def refresh_tokens(self) -> None:
        """Read the token map again (blocking: on the database thread), noting the tree it
        goes with (read first: a rotation changes the token before it swaps the tree)."""
        signature = self.tree_signature()
        self.tokens.refresh()
        self.tokens.signature = signature

    async def screen_id(self, token: str) -> int | None:
        """The screen a token names, from memory: no database read per request.

        Read again first when the published tree moved since the map was read (a token
        rotation swaps the tree, so the old token is refused from the very next request), and,
        rate limited, on an unknown token. Requests arriving during a read share it.
        """
        if self.tick_signature() != self.tokens.signature:
            await self._read_tokens()
        screen_id = self.tokens.get(token)
        if screen_id is None and self.tokens.due():
            await self._read_tokens()
            screen_id = self.tokens.get(token)
        return screen_id

    def tick_signature(self) -> object:
        """tree_signature() read once per event-loop tick (on the running loop), not per request.

        Why it is as good as a read per request: every request handled in a tick arrived before
        the tick began (the loop polls its sockets between ticks), so the first one's read is
        already later than any of their arrivals; a token rotated before a request was sent is
        seen by the read of that request's tick. Only for tasks' steps (the ASGI path): the
        clearing callback runs before any task a later read of the sockets starts, whereas data
        callbacks may run in the same tick after its first read. Why: under a burst a tick
        carries several heartbeats, and the lstat was a tenth of the handler's own time.
        """
        signature = self._tick_signature
        if signature is _UNREAD:
            signature = self._tick_signature = self.tree_signature()
            asyncio.get_running_loop().call_soon(self._end_tick)
        return signature

    def _end_tick(self) -> None:
        self._tick_signature = _UNREAD

    async def _read_tokens(self) -> None:
        reading = self._reading_tokens
        if reading is None or reading.done():
            loop = asyncio.get_running_loop()
            reading = asyncio.ensure_future(loop.run_in_executor(self.db, self.refresh_tokens))
            self._reading_tokens = reading
        await asyncio.shield(reading)

    async def __call__(self, scope: Scope, receive: Receive, send: Send, raw_path: bytes) -> None:
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self._handle(scope, receive, tracked, raw_path)
        except Exception:
            log.exception("screen API request failed")
            if not started:  # still JSON, and nothing internal in it
                await send_json(send, 500, error_body("internal error"))

    async def _handle(self, scope: Scope, receive: Receive, send: Send, raw_path: bytes) -> None:
        match = _API_PATH.fullmatch(raw_path)
        if match is None:
            await send_json(send, 404, NOT_FOUND_BODY)
            return
        if scope["method"] != "POST":
            await send_json(
                send, 405, error_body("method not allowed"), extra=[(b"allow", b"POST")]
            )
            return
        token, kind = match[1].decode("ascii"), match[2].decode("ascii")
        limit = HEARTBEAT_LIMIT if kind == "heartbeat" else PLAYS_LIMIT
        ctype, length = _body_headers(scope["headers"])
        if length is not None and (not length.isdigit() or int(length) > limit):
            if not length.isdigit():
                await send_json(send, 400, error_body("invalid request", "bad Content-Length"))
            else:
                await _send_too_large(send, kind, limit)
            return
        if not _is_json(ctype):
            await send_json(
                send,
                415,
                error_body("unsupported media type", "send Content-Type: application/json"),
            )
            return
        screen_id = await self.screen_id(token)
        if screen_id is None:
            await send_json(send, 404, NOT_FOUND_BODY)
            return
        wait = self.rates[kind].take(token)
        if wait > 0:
            rate = self.rates[kind].rate
            await send_too_many(
                send,
                wait,
                f"at most {rate.burst} {kind} requests at once, then one every "
                f"{1 / rate.per_second:g} s per screen",
            )
            return
        try:
            body = await read_body(receive, limit)
        except Disconnected:
            return
        if body is None:
            await _send_too_large(send, kind, limit)
            return
        loop = asyncio.get_running_loop()
        now = datetime.now(UTC)
        extra: list[tuple[bytes, bytes]] = []
        try:
            value = self._prepare_at_once(kind, body)
            if value is None:
                value = await loop.run_in_executor(
                    self.checker, self._prepare, kind, token, screen_id, body, now
                )
            status, answer = await self._write(kind, screen_id, token, value, now)
        except BadRequest as exc:
            status, answer = 400, error_body(exc.error, exc.detail)
        except PlaysRefused as exc:
            status, answer = 422, exc.body()
        except OperationalError:
            log.warning("database busy while storing a %s", kind, exc_info=True)
            status, answer = 503, error_body("busy", "the hub's database is busy; retry later")
            extra.append((b"retry-after", b"5"))
        await send_json(send, status, answer, extra=extra)

    def heartbeat_now(
        self, raw_path: bytes, headers: Iterable[tuple[bytes, bytes]]
    ) -> Callable[[bytes], tuple[int, list[tuple[bytes, bytes]], bytes] | None] | None:
        """For a heartbeat POST whose head is complete: a function giving its whole answer from
        its body without awaiting anything, or None when _handle must see the request (not a
        heartbeat, no Content-Length or one over AT_ONCE_BYTES, another content type, the token
        map to be read again, an unknown token: every refusal but the rate's is _handle's).

        The function answers an ordinary heartbeat (_prepare_at_once accepts it) that the rate
        lets in exactly as _handle would; for anything else it gives None, having spent nothing
        (the body is looked at before the rate, and a refused take spends nothing), and _handle
        answers the request from the start, as if it had come that way. Why: the
        connection guard answers such heartbeats itself (connection_guard.QuickAnswers), without
        the ASGI machinery that cost more than the heartbeat's own work.
        """
        match = _API_PATH.fullmatch(raw_path)
        if match is None or match[2] != b"heartbeat":
            return None
        ctype, length = _body_headers(headers)
        if length is None or not length.isdigit() or int(length) > AT_ONCE_BYTES:
            return None
        if not _is_json(ctype):
            return None
        # Read here, not per tick (tick_signature): this runs in the protocol's data callback,
        # which a loop may run after its tick's first read (uvloop: ready callbacks, then I/O).
        if self.tree_signature() != self.tokens.signature:
            return None
        token = match[1].decode("ascii")
        screen_id = self.tokens.get(token)
        if screen_id is None:
            return None

        def answer(body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
            try:
                value = self._prepare_at_once("heartbeat", body)
            except BadRequest:
                return None
            if value is None or self.rates["heartbeat"].take(token) > 0:
                return None
            now = datetime.now(UTC)
            polled = self._take_poll(token)
            last_poll = datetime.fromtimestamp(polled, UTC) if polled is not None else None
            self.heartbeats.defer(HeartbeatIn(screen_id, value, now, last_poll, token))
            answer_body = heartbeat_answer(now)
            return 200, _plain_json_headers(len(answer_body)), answer_body

        return answer

    @staticmethod
    def _prepare_at_once(kind: str, body: bytes) -> Any:
        """An ordinary small heartbeat, parsed and checked right here on the event loop (tens
        of microseconds with the quick check: a hop to the checker thread and back costs more);
        None for everything else, which _prepare handles on the checker thread.
        """
        if kind != "heartbeat" or len(body) > AT_ONCE_BYTES:
            return None
        value = parse_json(body)
        if not heartbeat_ok(value):
            return None
        playing = value["playing"]
        if playing and playing.get("since"):
            parse_instant(playing["since"], "playing/since")
        return value

    def _prepare(self, kind: str, token: str, screen_id: int, body: bytes, now: datetime) -> Any:
        """Parse and check a body (on the checker thread): the heartbeat, or the plays to store.

        Raises BadRequest (400: not what the API describes) or PlaysRefused (422: well formed,
        but not plausible for this screen).
        """
        value = parse_json(body)
        check(kind, value)
        if kind == "heartbeat":
            if value["playing"] and value["playing"].get("since"):
                parse_instant(value["playing"]["since"], "playing/since")
            return value
        plays = parse_plays(value)
        check_plays(plays, self.published.get(token), self.tokens.registered(screen_id), now)
        return plays

    async def _write(
        self, kind: str, screen_id: int, token: str, value: Any, now: datetime
    ) -> tuple[int, Any]:
        if kind == "heartbeat":
            polled = self._take_poll(token)
            last_poll = datetime.fromtimestamp(polled, UTC) if polled is not None else None
            self.heartbeats.defer(HeartbeatIn(screen_id, value, now, last_poll, token))
            return 200, heartbeat_answer(now)
        result = await self.plays.submit_on_loop(PlaysIn(screen_id, value, now, token))
        if result is None:
            return 404, NOT_FOUND_BODY
        return 200, {"accepted": result[0], "duplicates": result[1]}
