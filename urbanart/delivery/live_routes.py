"""The hub's live-work routes: generators post frames, screens and phones read the feed.

- ``POST /api/v1/live/<source token>/frames``: the image as the body, signed like a push
  (urbanart.protocol.push_signature). 201 with the sequence and the frames' URLs.
- ``POST /api/v1/live/<source token>/keep``: ``{"sequence": n}`` signed the same way; the frame
  becomes an artwork (urbanart.live.works.keep_frame).
- ``GET /live/<feed id>/feed.json``: the signed feed document (ETag, If-None-Match → 304,
  ``no-cache``), and ``GET /live/<feed id>/<sha256>.jpg``: a rendered frame (immutable).

Why in this order: everything that needs no body (the token, the rate, the signature's headers,
the declared length) is answered before a body byte is read; the HMAC is compared in constant
time; a signature seen inside the freshness window is a replay (409) even though it verifies.
The token in the URL picks the feed and its secret, so one source can never write another's
feed: the other source's secret does not verify. Image work runs on the hub's live executor,
never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, MutableMapping
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from urbanart.delivery.api import (
    NOT_FOUND_BODY,
    Disconnected,
    Receive,
    Scope,
    Send,
    error_body,
    read_body,
    send_json,
    send_too_many,
)
from urbanart.delivery.rate_limit import Rate, RateLimiter
from urbanart.delivery.signing import signing_key
from urbanart.errors import NotFound
from urbanart.imaging.limits import MIB, ImportLimits
from urbanart.library.library import Library
from urbanart.library.models import LiveWork
from urbanart.library.settings import load_settings
from urbanart.live.frames import accept_frame, empty_feed, feed_document, record_refusal
from urbanart.live.layout import SERVED_EXTENSIONS, FrameRefused, LiveError, frame_key
from urbanart.live.source_secrets import LiveSecretStore
from urbanart.live.works import keep_frame
from urbanart.protocol.push_signature import (
    DEFAULT_TOLERANCE,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    push_header_problem,
    verify_push,
)

log = logging.getLogger("urbanart.hub")

_POST = re.compile(rb"/api/v1/live/([A-Za-z0-9_-]{16,64})/(frames|keep)")
_GET = re.compile(rb"/live/([A-Za-z0-9_-]{16,64})/(feed\.json|([0-9a-f]{64})\.([a-z]{3,4}))")
_TIMESTAMP = TIMESTAMP_HEADER.lower().encode("ascii")
_SIGNATURE = SIGNATURE_HEADER.lower().encode("ascii")
#: A frame's body is at most this (or the library's import limit, when lower).
MAX_FRAME_BYTES = 50 * MIB
KEEP_LIMIT = 1024
#: Tokens, feeds and secrets are read again at least this often (seconds).
MAX_AGE = 2.0
#: A source may send a burst of this many frames, then two per interval on average.
FRAME_BURST = 10
_TYPES = {"jpg": b"image/jpeg", "webp": b"image/webp", "png": b"image/png"}
_IMMUTABLE = b"public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Source:
    """A live work as the routes know it: its token's work, feed, pace and secret."""

    live_work_id: int
    feed_id: str
    interval_s: float
    secret: str | None


class LiveSources:
    """Source tokens and feed ids → live works, read from the catalogue and the secrets file at
    most once per min_interval (a miss or a failed signature may be a work added or a secret
    rotated since)."""

    def __init__(self, library: Library, *, min_interval: float = 1.0) -> None:
        self.library = library
        self.min_interval = min_interval
        self.by_token: dict[str, Source] = {}
        self.by_feed: dict[str, Source] = {}
        self._at = float("-inf")

    def due(self) -> bool:
        return self.older_than(self.min_interval)

    def older_than(self, seconds: float) -> bool:
        return time.monotonic() - self._at >= seconds

    def refresh(self) -> None:
        self._at = time.monotonic()
        secrets = LiveSecretStore(self.library.home).all()
        with self.library.session() as session:
            rows = session.execute(
                select(LiveWork.id, LiveWork.token, LiveWork.feed_id, LiveWork.interval_s)
            ).all()
        by_token: dict[str, Source] = {}
        by_feed: dict[str, Source] = {}
        for work_id, token, feed_id, interval in rows:
            source = Source(work_id, feed_id, interval, secrets.get(work_id))
            by_token[token] = source
            by_feed[feed_id] = source
        self.by_token, self.by_feed = by_token, by_feed


class ReplayMemory:
    """Signatures seen per source inside the freshness window: the same signed request twice
    is a replay even though its HMAC and timestamp verify. Per hub process (a replay sent to
    another worker of `serve --workers` is not caught here)."""

    def __init__(self, window: float = DEFAULT_TOLERANCE) -> None:
        self.window = window
        self._seen: dict[int, dict[str, float]] = {}

    def first_time(self, source: int, signature: str, now: float) -> bool:
        seen = self._seen.setdefault(source, {})
        if len(seen) > 64:
            for old in [s for s, at in seen.items() if now - at > 2 * self.window]:
                del seen[old]
        if signature in seen:
            return False
        seen[signature] = now
        return True


class LiveRoutes:
    """The /api/v1/live/ and /live/ routes of one hub."""

    def __init__(
        self,
        library: Library,
        db: Executor,
        *,
        max_frame_bytes: int = MAX_FRAME_BYTES,
        workers: int = 2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.library = library
        self.db = db
        self.max_frame_bytes = max_frame_bytes
        self.clock = clock
        #: Guard, render and store frames here, beside the hub's database thread.
        self.work = ThreadPoolExecutor(workers, thread_name_prefix="hub-live")
        #: Reads of feeds and frames: never queued behind a frame being rendered.
        self.io = ThreadPoolExecutor(4, thread_name_prefix="hub-live-io")
        self.sources = LiveSources(library)
        self.replays = ReplayMemory()
        self._limiters: dict[int, RateLimiter] = {}
        self._key: Ed25519PrivateKey | None = None
        self._limits: tuple[float, ImportLimits] | None = None
        self._refreshing: asyncio.Future[None] | None = None

    def close(self) -> None:
        self.work.shutdown(wait=True)
        self.io.shutdown(wait=True)

    # Helpers ------------------------------------------------------------------------------------

    async def _run(self, executor: Executor, func: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(executor, func, *args)

    def signing_key(self) -> Ed25519PrivateKey:
        """The library's manifest key (screens pinned it), read once, on a worker thread."""
        if self._key is None:
            self._key = signing_key(self.library.home).private_key
        return self._key

    def limits(self) -> ImportLimits:
        """The library's import limits, read again at most every 10 seconds."""
        now = time.monotonic()
        if self._limits is None or now - self._limits[0] > 10:
            self._limits = (now, load_settings(self.library).import_limits())
        return self._limits[1]

    async def source(self, table: str, key: str) -> Source | None:
        """The source a token or feed id names; read again when older than MAX_AGE, so a
        removed work or a rotated secret stops working within seconds. A read already under
        way is awaited first: it marks the sources fresh when it starts, so a request arriving
        meanwhile would otherwise look up the tables it is about to replace (and miss a work
        the read will find)."""
        if self._refreshing is not None and not self._refreshing.done():
            await asyncio.shield(self._refreshing)
        if self.sources.older_than(MAX_AGE):
            await self.refresh()
        found = getattr(self.sources, table).get(key)
        if found is None and self.sources.due():
            await self.refresh()
            found = getattr(self.sources, table).get(key)
        return found  # type: ignore[no-any-return]

    async def refresh(self) -> None:
        """Read the sources again; requests arriving meanwhile wait for the same read (a
        burst of polls must not queue one read each on the database thread)."""
        if self._refreshing is None or self._refreshing.done():
            loop = asyncio.get_running_loop()
            self._refreshing = loop.run_in_executor(self.db, self.sources.refresh)
        await asyncio.shield(self._refreshing)

    def limiter(self, source: Source) -> RateLimiter:
        limiter = self._limiters.get(source.live_work_id)
        if limiter is None:
            rate = Rate(burst=FRAME_BURST, per_second=2.0 / source.interval_s)
            limiter = self._limiters[source.live_work_id] = RateLimiter(rate)
        return limiter

    # Dispatch -----------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send, raw: bytes) -> None:
        started = False

        async def tracked(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self._dispatch(scope, receive, tracked, raw)
        except Exception:
            log.exception("live request failed")
            if not started:
                await send_json(tracked, 500, error_body("internal error"))

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send, raw: bytes) -> None:
        method = scope["method"]
        if (m := _POST.fullmatch(raw)) is not None:
            if method != "POST":
                await send_json(
                    send, 405, error_body("method not allowed"), extra=[(b"allow", b"POST")]
                )
                return
            await self.post(scope, receive, send, m[1].decode("ascii"), m[2].decode("ascii"))
            return
        if (m := _GET.fullmatch(raw)) is not None:
            if method not in ("GET", "HEAD"):
                await send_json(
                    send, 405, error_body("method not allowed"), extra=[(b"allow", b"GET, HEAD")]
                )
                return
            head = method == "HEAD"
            feed = m[1].decode("ascii")
            if m[3] is None:
                await self.feed(scope, send, feed, head)
            else:
                await self.frame(send, feed, m[3].decode("ascii"), m[4].decode("ascii"), head)
            return
        await send_json(send, 404, NOT_FOUND_BODY)

    # Generators' posts --------------------------------------------------------------------------

    async def refuse(
        self,
        send: Send,
        source: Source,
        status: int,
        error: str,
        detail: str,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """Answer a refusal and count it on the work (the studio shows the last reason)."""
        await self._run(self.db, record_refusal, self.library, source.live_work_id, detail)
        await send_json(send, status, error_body(error, detail), extra=extra or [])

    async def post(self, scope: Scope, receive: Receive, send: Send, token: str, kind: str) -> None:
        source = await self.source("by_token", token)
        if source is None:
            await send_json(send, 404, NOT_FOUND_BODY)
            return
        wait = self.limiter(source).take(source.feed_id)
        if wait > 0:
            await send_too_many(
                send,
                wait,
                f"at most {FRAME_BURST} frames at once, then one every "
                f"{source.interval_s / 2:g} s (the work's interval is {source.interval_s:g} s)",
            )
            return
        stamp = signature = length = None
        for name, value in scope["headers"]:
            if name == _TIMESTAMP:
                stamp = value.decode("latin-1")
            elif name == _SIGNATURE:
                signature = value.decode("latin-1")
            elif name == b"content-length":
                length = value
        now = self.clock()
        problem = push_header_problem(stamp, signature, now=now)
        if problem is not None:
            status, reason = problem
            reason = reason.replace("push", "frame")
            error = "invalid request" if status == 400 else "unauthorized"
            await self.refuse(send, source, status, error, reason)
            return
        limit = self.max_frame_bytes if kind == "frames" else KEEP_LIMIT
        close = [(b"connection", b"close")]
        too_large = f"the body may be at most {limit} bytes"
        if length is not None and (not length.isdigit() or int(length) > limit):
            if not length.isdigit():
                await self.refuse(send, source, 400, "invalid request", "bad Content-Length")
            else:
                await self.refuse(send, source, 413, "body too large", too_large, close)
            return
        try:
            body = await read_body(receive, limit)
        except Disconnected:
            return
        if body is None:
            await self.refuse(send, source, 413, "body too large", too_large, close)
            return
        if source.secret is None or not verify_push(source.secret, stamp, signature, body, now=now):
            if self.sources.due():  # a secret rotated since the last read?
                await self.refresh()
                fresh = self.sources.by_token.get(token)
                if fresh is not None and fresh.secret is not None:
                    source = fresh
            if source.secret is None or not verify_push(
                source.secret, stamp, signature, body, now=now
            ):
                await self.refuse(
                    send, source, 401, "unauthorized", "the frame's signature does not match"
                )
                return
        assert signature is not None
        if not self.replays.first_time(source.live_work_id, signature.strip(), now):
            await self.refuse(
                send, source, 409, "replayed", "this signed request was already received"
            )
            return
        if kind == "frames":
            await self.accept(send, source, body)
        else:
            await self.keep(send, source, body)

    def _accept(self, source: Source, body: bytes) -> dict[str, Any]:
        accepted = accept_frame(
            self.library,
            source.live_work_id,
            body,
            key=self.signing_key(),
            limits=self.limits(),
        )
        return accepted.to_json()

    async def accept(self, send: Send, source: Source, body: bytes) -> None:
        try:
            answer = await self._run(self.work, self._accept, source, body)
        except FrameRefused as exc:  # counted by accept_frame
            await send_json(send, exc.status, error_body("frame refused", exc.reason))
            return
        except NotFound:
            await send_json(send, 404, NOT_FOUND_BODY)
            return
        await send_json(send, 201, answer)

    async def keep(self, send: Send, source: Source, body: bytes) -> None:
        try:
            value = json.loads(body or b"{}")
        except ValueError:
            value = None
        sequence = value.get("sequence") if isinstance(value, dict) else "?"
        if sequence is not None and (type(sequence) is not int or sequence < 1):
            await send_json(
                send,
                400,
                error_body("invalid request", 'send {"sequence": <a frame\'s number ≥ 1>}'),
            )
            return
        try:
            artwork_id = await self._run(
                self.work, keep_frame, self.library, source.live_work_id, sequence
            )
        except LiveError as exc:
            await send_json(send, 409, error_body("not kept", str(exc)))
            return
        except NotFound:
            await send_json(send, 404, NOT_FOUND_BODY)
            return
        await send_json(send, 200, {"artwork_id": artwork_id})

    # Screens' and phones' reads -----------------------------------------------------------------

    def _document(self, live_work_id: int) -> bytes:
        stored = feed_document(self.library, live_work_id)
        if stored is not None:
            return stored
        return empty_feed(self.library, live_work_id, self.signing_key())

    async def feed(self, scope: Scope, send: Send, feed_id: str, head: bool) -> None:
        source = await self.source("by_feed", feed_id)
        if source is None:
            await send_json(send, 404, NOT_FOUND_BODY, head=head)
            return
        document: bytes = await self._run(self.io, self._document, source.live_work_id)
        etag = b'"' + hashlib.sha256(document).hexdigest()[:32].encode("ascii") + b'"'
        inm = next((v for n, v in scope["headers"] if n == b"if-none-match"), None)
        common = [(b"etag", etag), (b"cache-control", b"no-cache")]
        if inm is not None and _etag_matches(inm, etag):
            await send({"type": "http.response.start", "status": 304, "headers": common})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(document)).encode("ascii")),
            *common,
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else document})

    def _frame_bytes(self, live_work_id: int, sha: str, extension: str) -> bytes | None:
        try:
            return self.library.store.get(frame_key(live_work_id, sha, extension))
        except (FileNotFoundError, ValueError):
            return None

    async def frame(self, send: Send, feed_id: str, sha: str, extension: str, head: bool) -> None:
        source = await self.source("by_feed", feed_id)
        data = None
        if source is not None and extension in SERVED_EXTENSIONS:
            data = await self._run(self.io, self._frame_bytes, source.live_work_id, sha, extension)
        if data is None:  # unknown feed, a frame retention removed, an original: one answer
            await send_json(send, 404, NOT_FOUND_BODY, head=head)
            return
        headers = [
            (b"content-type", _TYPES[extension]),
            (b"content-length", str(len(data)).encode("ascii")),
            (b"etag", b'"' + sha.encode("ascii") + b'"'),
            (b"cache-control", _IMMUTABLE),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else data})


def _etag_matches(header: bytes, etag: bytes) -> bool:
    for part in header.split(b","):
        tag = part.strip().removeprefix(b"W/")
        if tag == etag or tag == b"*":
            return True
    return False
