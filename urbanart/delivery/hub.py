"""The hub: one raw ASGI app serving the published tree from memory plus the screens' API.

Why raw ASGI and no framework: a poll is a dict lookup, an ETag comparison and one prebuilt
header list; a framework's routing, request/response objects and middleware stack would cost
more than all of that per request, and the goal is to stay within reach (≥ 0.3×) of nginx
serving the same tree on one core. The tree is served exactly as nginx would serve
``published/current`` (same paths, same bytes, same ETags contract), so the hub can be replaced
by nginx, a bucket or a CDN at any time; only ``/api/`` is the hub's own.

HTTP behaviour, briefly: GET/HEAD only (405 with Allow); strong ETags (the gzip variant's tag
ends in ``-gz``) with If-None-Match lists, ``*`` and ``W/``; manifests and pages
``no-cache``, ``/media/`` ``immutable``; gzip when accepted (Vary: Accept-Encoding); one byte
range for media (206/416, If-Range); every 404 under ``/screens/``, ``/keys/`` and
``/media/`` is the same JSON body, so a wrong poll token teaches nothing. Elsewhere, when the
tree has a ``404.html``, people get pages: that page (404), or for an artwork, playlist or screen
the tree remembers as retired (``gone.json``) its "no longer showing" page with 410.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

from urbanart.delivery.api import (
    NOT_FOUND_BODY,
    Receive,
    Scope,
    ScreenApi,
    Send,
    error_body,
    json_headers,
    record_polls,
    send_json,
)
from urbanart.delivery.intake_routes import IntakeRates, IntakeRoutes
from urbanart.delivery.live_routes import MAX_FRAME_BYTES, LiveRoutes
from urbanart.delivery.tree_cache import Entry, Headers, Tree, TreeCache
from urbanart.i18n import LANGUAGES, SOURCE_LANGUAGE, best_language, parse_accept_language
from urbanart.library.library import Library, published_root
from urbanart.live.pull import Puller
from urbanart.viewers import gone

log = logging.getLogger("urbanart.hub")

#: Chunk size when streaming large media from disk.
CHUNK = 256 * 1024
#: How often in-memory poll times reach ScreenState (well under the 3-minute offline floor).
POLL_FLUSH_INTERVAL = 30.0

_NOT_FOUND_START = {
    "type": "http.response.start",
    "status": 404,
    "headers": json_headers(NOT_FOUND_BODY),
}
_NOT_FOUND_BODY = {"type": "http.response.body", "body": NOT_FOUND_BODY}
_EMPTY_BODY = {"type": "http.response.body", "body": b""}
_ALLOW_TREE = [(b"allow", b"GET, HEAD")]
#: Machine paths: their 404 stays the one JSON body (a wrong token learns nothing from a page).
_MACHINE_PATHS = ("/screens/", "/keys/", "/media/", "/api/")
#: Paths answered by the hub's own routes, never by the tree (checked in this order).
_LIVE_ROUTES = (b"/api/v1/live/", b"/live/")
_OWN_ROUTES = (*_LIVE_ROUTES, b"/api/", b"/calls/")

#: A whole answer that needs no await: status, response headers, body (empty for HEAD).
Answer = tuple[int, Headers, bytes]


def freeze_heap() -> None:
    """Move the long-lived snapshot out of the cyclic GC's reach (gc.freeze).

    Why: a full collection walks every tracked object; with thousands of cached entries that is
    a pause of tens of milliseconds in the middle of requests, the whole p99 budget. The snapshot
    has no reference cycles, so refcounting still frees it when a publish replaces it. Only for
    a process that is just the hub: in the studio, frozen objects that later become cyclic
    garbage would never be collected.
    """
    gc.collect()
    gc.freeze()


# Request parsing helpers ------------------------------------------------------------------------


def normalise(raw: bytes) -> str | None:
    """The decoded URL path, or None for anything that could step outside the tree.

    Refused: encoded slashes, backslashes and NULs (raw or encoded), empty segments (``//``,
    so no absolute paths), and every segment starting with a dot (``.``, ``..``, hidden files).
    """
    if not raw.startswith(b"/") or b"\\" in raw or b"\x00" in raw:
        return None
    if b"%" in raw:
        low = raw.lower()
        if b"%2f" in low or b"%5c" in low or b"%00" in low:
            return None
        raw = unquote_to_bytes(raw)
        if b"\\" in raw or b"\x00" in raw:
            return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    parts = text.split("/")
    last = len(parts) - 1
    for i in range(1, len(parts)):
        part = parts[i]
        if part == "":
            if i != last:
                return None
        elif part[0] == "." or not part.isprintable():
            return None
    return text


_AE_CACHE: dict[bytes, bool] = {}


def _error_language(url: str, headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The shipped language an error page should speak: the URL's language folder, else the
    first of Accept-Language we have; None for the default page."""
    asked = gone.url_language(url)
    if asked in LANGUAGES:
        return asked
    for name, value in headers:
        if name == b"accept-language":
            wanted = parse_accept_language(value.decode("latin-1"))
            best = best_language(wanted, LANGUAGES)
            # The default pages are English and link to default pages, which pick again.
            return None if best == SOURCE_LANGUAGE else best
    return None


def accepts_gzip(value: bytes) -> bool:
    """Whether an Accept-Encoding value allows gzip (honours q=0 and ``*``); memoised."""
    known = _AE_CACHE.get(value)
    if known is not None:
        return known
    gz: float | None = None
    star: float | None = None
    for part in value.lower().split(b","):
        name, _, params = part.partition(b";")
        name = name.strip()
        q = 1.0
        for param in params.split(b";"):
            key, _, val = param.partition(b"=")
            if key.strip() == b"q":
                try:
                    q = float(val.strip())
                except ValueError:
                    q = 0.0
        if name in (b"gzip", b"x-gzip"):
            gz = q
        elif name == b"*":
            star = q
    result = gz > 0 if gz is not None else (star is not None and star > 0)
    if len(_AE_CACHE) < 256:
        _AE_CACHE[value] = result
    return result


def etag_matches(header: bytes, etags: frozenset[bytes]) -> bool:
    """If-None-Match: weak comparison over a list, or ``*``.

    Both variants' tags match: they name the same published bytes, so a screen that switched
    between gzip and identity (a proxy in between) still gets its 304.
    """
    if header in etags:
        return True
    for part in header.split(b","):
        tag = part.strip()
        if tag == b"*":
            return True
        if tag.startswith(b"W/"):
            tag = tag[2:]
        if tag in etags:
            return True
    return False


def if_range_ok(header: bytes, entry: Entry) -> bool:
    """If-Range holds only for the exact strong ETag or the exact Last-Modified date."""
    value = header.strip()
    if value.startswith(b'"'):
        return value == entry.identity.etag_b
    if value.startswith(b"W/"):
        return False
    return value.decode("latin-1") == entry.last_modified


UNSATISFIABLE = (-1, -1)


def parse_range(header: bytes, size: int) -> tuple[int, int] | None:
    """One ``bytes=`` range as inclusive (first, last); UNSATISFIABLE; None to ignore it.

    Multiple ranges and malformed values are ignored (a full 200), which RFC 9110 allows.
    """
    unit, _, spec = header.partition(b"=")
    if unit.strip().lower() != b"bytes" or b"," in spec:
        return None
    first, dash, last = spec.strip().partition(b"-")
    if not dash:
        return None
    first, last = first.strip(), last.strip()
    if not first:
        if not last.isdigit():
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - suffix), size - 1
    if not first.isdigit() or (last and not last.isdigit()):
        return None
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        return UNSATISFIABLE
    return start, min(int(last), size - 1) if last else size - 1


# The app ----------------------------------------------------------------------------------------


class Hub:
    """The ASGI application. Single use: create one per server run."""

    def __init__(
        self,
        library: Library,
        *,
        published: Path | None = None,
        check_interval: float = 0.5,
        flush_interval: float = POLL_FLUSH_INTERVAL,
        freeze_gc: bool = False,
        intake_rates: IntakeRates | None = None,
        max_frame_bytes: int = MAX_FRAME_BYTES,
        pull_frames: bool = True,
    ) -> None:
        """freeze_gc: only for a process that is just the hub (see freeze_heap), not the studio.

        intake_rates: the open-call routes' rate limits (a benchmark raises them).
        max_frame_bytes: the largest live frame a generator may post.
        pull_frames: fetch the frames of pull-mode live works (one hub of a fleet should).
        """
        self.library = library
        self.cache = TreeCache(published or published_root(library), check_interval=check_interval)
        self.flush_interval = flush_interval
        self.db = ThreadPoolExecutor(1, thread_name_prefix="hub-db")
        #: Plays batches are answered after their commit: their own writer, never queued
        #: behind a heartbeat flush (api.plays_lock).
        self.plays_db = ThreadPoolExecutor(1, thread_name_prefix="hub-plays")
        #: poll token → time.time() of its last manifest request, flushed to ScreenState.
        self.polls: dict[str, float] = {}
        self.api = ScreenApi(
            library,
            self.db,
            lambda token: self.polls.pop(token, None),
            plays_db=self.plays_db,
            tree_signature=self.cache.current_signature,
        )
        self.cache.on_swap(lambda _tree: self.db.submit(self.api.refresh_tokens))
        self.cache.on_swap(self.api.index)  # what each screen may report as played
        self.intake = IntakeRoutes(library, self.db, rates=intake_rates)
        self.live = LiveRoutes(library, self.db, max_frame_bytes=max_frame_bytes)
        self.puller = (
            Puller(library, self.live.signing_key, self.live.limits) if pull_frames else None
        )
        self.freeze_gc = freeze_gc
        if freeze_gc:
            self.cache.on_swap(lambda _tree: freeze_heap())
        self._flusher: asyncio.Task[None] | None = None
        self._gone: tuple[Tree | None, dict[str, frozenset[int]]] = (None, {})

    # Lifespan -----------------------------------------------------------------------------------

    async def startup(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.cache.load)
        # The token map before the first request: a restarted hub (or a new worker) meets a
        # backlog of screens at once, and a miss refreshes the map only once per interval, so
        # screens asking before it is loaded would be told their token is unknown.
        await loop.run_in_executor(self.db, self.api.refresh_tokens)
        if self.api.indexing is not None:  # plays are checked against it from the first request
            await asyncio.wrap_future(self.api.indexing)
        if self.freeze_gc:
            freeze_heap()
        if self.puller is not None:
            self.puller.start()
        self._flusher = asyncio.create_task(self._flush_forever())

    async def shutdown(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        try:
            await self.flush_polls()
        finally:
            # Heartbeats answered but not yet written (write-behind) are written before exit.
            with contextlib.suppress(Exception):
                await asyncio.get_running_loop().run_in_executor(
                    self.db, self.api.heartbeats.write_now
                )
            self.api.close()
            self.intake.close()
            if self.puller is not None:
                self.puller.stop()
            self.live.close()
            self.plays_db.shutdown(wait=True)
            self.db.shutdown(wait=True)

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            try:
                await self.flush_polls()
            except Exception:
                log.exception("could not record manifest poll times")

    async def flush_polls(self) -> int:
        """Write the poll times gathered since the last flush (one transaction for all screens)."""
        if not self.polls:
            return 0
        polls, self.polls = self.polls, {}
        loop = asyncio.get_running_loop()
        tokens = self.api.tokens
        if any(tokens.get(t) is None for t in polls) and tokens.due():
            await loop.run_in_executor(self.db, self.api.refresh_tokens)
        by_screen = {
            screen_id: datetime.fromtimestamp(at, UTC)
            for token, at in polls.items()
            if (screen_id := tokens.get(token)) is not None
        }
        return await loop.run_in_executor(self.db, record_polls, self.library, by_screen)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    log.exception("hub start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await self.shutdown()
                finally:
                    await send({"type": "lifespan.shutdown.complete"})
                return

    # Requests -----------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "lifespan":
                await self._lifespan(receive, send)
            return
        raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        if b"?" in raw:
            raw = raw.partition(b"?")[0]
        if raw.startswith(_LIVE_ROUTES):
            await self.live(scope, receive, send, raw)
            return
        if raw.startswith(b"/api/"):
            await self.api(scope, receive, send, raw)
            return
        if raw.startswith(b"/calls/"):
            await self.intake(scope, receive, send, raw)
            return
        method = scope["method"]
        head = method == "HEAD"
        if not head and method != "GET":
            await send_json(send, 405, error_body("method not allowed"), extra=_ALLOW_TREE)
            return
        self.cache.ensure_fresh()
        tree = self.cache.tree
        entry = tree.fast.get(raw)
        if entry is None:
            found = await self._find(tree, raw)
            if found is None:
                error = self._error_page(tree, raw, scope["headers"])
                if error is not None:
                    await self._send_error_page(send, error[0], error[1], head)
                    return
                await send(_NOT_FOUND_START)
                await send(_EMPTY_BODY if head else _NOT_FOUND_BODY)
                return
            if isinstance(found, str):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 301,
                        "headers": json_headers(b"", [(b"location", quote(found).encode("ascii"))]),
                    }
                )
                await send(_EMPTY_BODY)
                return
            entry = found
        await self._serve(scope, send, entry, head)

    def _gone_ids(self, tree: Tree) -> dict[str, frozenset[int]]:
        """The snapshot's record of retired ids, parsed once per snapshot."""
        if self._gone[0] is not tree:
            record = tree.entries.get("/" + gone.GONE_RECORD)
            body = record.identity.body if record is not None else None
            self._gone = (tree, gone.read_record(body))
        return self._gone[1]

    def _error_page(
        self, tree: Tree, raw: bytes, headers: Iterable[tuple[bytes, bytes]] = ()
    ) -> tuple[int, Entry] | None:
        """(status, page) for a person's request that found nothing; None for machine paths or
        a tree without pages (the JSON 404 then). The page is in the language the URL asked
        for (/a/7/ja/), else the best of the browser's Accept-Language, else the default."""
        page = tree.entries.get("/" + gone.NOT_FOUND_PAGE)
        if page is None:
            return None
        url = normalise(raw) or ""
        if url.startswith(_MACHINE_PATHS):
            return None
        lang = _error_language(url, headers)
        named = gone.named_page(url)
        if named is not None and named[1] in self._gone_ids(tree)[named[0]]:
            retired = tree.entries.get("/" + gone.error_page(named[0], lang)) or tree.entries.get(
                "/" + gone.gone_page(named[0])
            )
            if retired is not None:
                return 410, retired
        return 404, tree.entries.get("/" + gone.error_page("", lang)) or page

    async def _send_error_page(self, send: Send, status: int, entry: Entry, head: bool) -> None:
        """An error page's bytes with its status; no validators (a 304 for a 404 means nothing)."""
        body = entry.identity.body or b""
        headers = [
            (b"content-type", entry.content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-cache"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else body})

    async def _find(self, tree: Tree, raw: bytes) -> Entry | str | None:
        """Slow path: normalise, then folders' index.html, then files on disk (media)."""
        url = normalise(raw)
        if url is None or tree.root is None:
            return None
        if url.endswith("/"):
            return tree.entries.get(url + "index.html")
        entry = tree.entries.get(url) or tree.lazy.get(url)
        if entry is not None:
            return entry
        if url + "/index.html" in tree.entries:
            return url + "/"
        entry = await asyncio.get_running_loop().run_in_executor(None, tree.resolve, url)
        if entry is not None and quote(url).encode("ascii") == raw:
            tree.fast[raw] = entry
        return entry

    def answer_now(
        self, method: str, raw: bytes, headers: Iterable[tuple[bytes, bytes]]
    ) -> Answer | None:
        """The whole answer to a GET or HEAD of a file in the snapshot's fast index, computed
        without awaiting anything; None when the request needs the ASGI path (any other method,
        the hub's own routes, a path not in the fast index, a byte range, a streamed file).

        Why: a screen's poll (its manifest's 304 or 200) is the hub's hot path, and most of its
        cost was the ASGI machinery around a dict lookup (a task, an event, two send calls, the
        proxy-headers middleware). The connection guard calls this as soon as a request's head is
        complete and writes the answer itself (connection_guard.QuickAnswers). The answer is the
        one ``__call__`` gives the same request: both go through _answer. The client's address
        and scheme (what uvicorn's proxy-headers middleware rewrites) play no part in it.
        """
        if method != "GET" and method != "HEAD":
            return None
        if raw.startswith(_OWN_ROUTES):
            return None
        self.cache.ensure_fresh()
        entry = self.cache.tree.fast.get(raw)
        if entry is None:
            return None
        return self._answer(entry, headers, method == "HEAD")

    def body_answer_now(
        self, method: str, raw: bytes, headers: Iterable[tuple[bytes, bytes]]
    ) -> Callable[[bytes], Answer | None] | None:
        """For a request with a small body (its head complete): a function giving its whole
        answer from the body without awaiting anything, or None for the ASGI path. Only a
        screen's heartbeat has one (ScreenApi.heartbeat_now says when, and why)."""
        if method != "POST" or not raw.startswith(b"/api/"):
            return None
        return self.api.heartbeat_now(raw, headers)

    async def _serve(self, scope: Scope, send: Send, entry: Entry, head: bool) -> None:
        answer = self._answer(entry, scope["headers"], head)
        if answer is not None:
            status, headers, body = answer
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body} if body else _EMPTY_BODY)
            return
        # What is left: the identity variant with a byte range that applies, or streamed.
        span = None
        if entry.ranges:
            rng = if_range = None
            for name, value in scope["headers"]:
                if name == b"range":
                    rng = value
                elif name == b"if-range":
                    if_range = value
            if rng is not None and (if_range is None or if_range_ok(if_range, entry)):
                span = parse_range(rng, entry.size)
        if span is not None:
            if span == UNSATISFIABLE:
                await send_json(
                    send,
                    416,
                    error_body("range not satisfiable"),
                    extra=[(b"content-range", f"bytes */{entry.size}".encode())],
                    head=head,
                )
                return
            await self._send_range(send, entry, span, head)
            return
        await self._stream(send, entry, 200, entry.identity.headers_200, 0, entry.size, head)

    def _answer(
        self, entry: Entry, request_headers: Iterable[tuple[bytes, bytes]], head: bool
    ) -> Answer | None:
        """The answer to a GET or HEAD of entry when it needs no await (a 304, or a 200 from
        memory), recording a manifest poll; None for a byte range that applies or a streamed
        file (the caller then serves those)."""
        inm = accept = rng = if_range = None
        for name, value in request_headers:
            if name == b"if-none-match":
                inm = value
            elif name == b"accept-encoding":
                accept = value
            elif name == b"range":
                rng = value
            elif name == b"if-range":
                if_range = value
        variant = entry.identity
        if entry.gzip is not None and accept is not None and accepts_gzip(accept):
            variant = entry.gzip
        if entry.poll_token is not None:
            self.polls[entry.poll_token] = time.time()
        if inm is not None and etag_matches(inm, entry.etags):
            return 304, variant.headers_304, b""
        if (
            rng is not None
            and entry.ranges
            and variant is entry.identity
            and (if_range is None or if_range_ok(if_range, entry))
            and parse_range(rng, entry.size) is not None
        ):
            return None
        if variant.body is not None:
            return 200, variant.headers_200, b"" if head else variant.body
        return None

    async def _send_range(
        self, send: Send, entry: Entry, span: tuple[int, int], head: bool
    ) -> None:
        first, last = span
        length = last - first + 1
        headers = [
            (b"content-type", entry.content_type.encode()),
            (b"content-length", str(length).encode()),
            (b"content-range", f"bytes {first}-{last}/{entry.size}".encode()),
            (b"etag", entry.identity.etag_b),
            (b"cache-control", entry.cache_control.encode()),
            (b"last-modified", entry.last_modified.encode()),
            (b"accept-ranges", b"bytes"),
            *((n, v) for n, v in entry.identity.headers_304 if n == b"content-security-policy"),
        ]
        body = entry.identity.body
        if body is not None:
            await send({"type": "http.response.start", "status": 206, "headers": headers})
            await send(
                {"type": "http.response.body", "body": b"" if head else body[first : last + 1]}
            )
            return
        await self._stream(send, entry, 206, headers, first, length, head)

    async def _stream(
        self,
        send: Send,
        entry: Entry,
        status: int,
        headers: list[tuple[bytes, bytes]],
        offset: int,
        length: int,
        head: bool,
    ) -> None:
        """Send length bytes from offset of a large file, reading chunks off the event loop."""
        loop = asyncio.get_running_loop()
        try:
            fd = await loop.run_in_executor(None, os.open, entry.file, os.O_RDONLY)
        except OSError:  # removed since the snapshot (media grace period over): not found
            await send(_NOT_FOUND_START)
            await send(_EMPTY_BODY if head else _NOT_FOUND_BODY)
            return
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            if head:
                await send(_EMPTY_BODY)
                return
            end = offset + length
            while offset < end:
                chunk = await loop.run_in_executor(
                    None, os.pread, fd, min(CHUNK, end - offset), offset
                )
                if not chunk:  # truncated underneath us: end the response short, never pad
                    break
                offset += len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": offset < end})
            if offset < end:
                await send(_EMPTY_BODY)
        finally:
            os.close(fd)
