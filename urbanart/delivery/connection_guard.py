"""Connection limits for the hub: bounded request heads, deadlines, and fair shares per address.

Why a subclass of uvicorn's httptools protocol: the hub keeps uvicorn with httptools (its speed
is the point, see server.py), but that protocol bounds nothing a stranger controls. It appends
every header byte it is sent (httptools even concatenates a header value chunk by chunk, so one
endless header costs quadratic CPU on the event loop and all the memory the sender likes), it
arms no timer before the first request or while a request head trickles in (so a slowloris or an
idle socket is held forever) and it has no per-client limit (so one client's idle sockets use up
the process's file descriptors and lock everyone out). uvicorn's own settings do not help here:
``h11_max_incomplete_event_size`` only applies to the h11 parser, ``limit_concurrency`` answers
503 to *everyone* once the total is reached (the attacker wins), and ``timeout_keep_alive`` only
runs between requests. Rewriting the server would throw away a well-kept one, so this module
overrides the few callbacks where the limits belong and leaves the rest to uvicorn:

- ``connection_made``: at most ``per_address`` open connections per client address; over it, the
  new socket is closed at once (the client's other connections and every other client go on).
  At ``max_connections`` in total, the connection idle for longest is closed to make room, so
  idle sockets can never lock out a screen that has something to ask. Then an idle deadline.
- ``on_message_begin`` / ``data_received`` / ``on_headers_complete``: the request line and
  headers must arrive within ``header_timeout`` of their first byte (not re-armed per byte, which
  is what makes a slowloris harmless) and fit in ``max_header_bytes``, else 431 and close.
- a request body must keep arriving: at least ``body_min_rate`` bytes a second averaged over
  each ``body_rate_window``, and never nothing for ``body_idle_timeout`` (the rule of Apache's
  mod_reqtimeout MinRate and nginx's client_body_timeout together). Why not one deadline for
  the whole body: a phone on a slow network handing in 40 MB honestly needs minutes, while a
  slowloris trickling a byte now and then must still be cut; a rate tells them apart, a fixed
  deadline cannot. Time while the hub itself is not reading (flow control: the application
  is busy with what came already) is not held against the client. A client that stops reading
  our answer (the transport stays paused) is dropped after ``send_stall_timeout``.

Deadlines are armed when a read ends with a request still incomplete: a request that arrives
whole in one read (nearly all of them) never arms a timer only to cancel it.

Answers at once (``QuickAnswers``): before a request goes to the ASGI app, the protocol asks the
app (the Hub) whether it can answer without awaiting anything (a poll's 304 or 200 from the
snapshot) and then writes the answer itself, with the server's default headers, exactly the
bytes uvicorn would write, in order behind anything in progress on the connection. Why: for a
poll, the ASGI machinery (a task, an event, a request cycle, two send calls with two header
checks each, the proxy-headers middleware) cost more than the hub's own work. A request with a
small body (a screen's heartbeat) may be answered the same way once its body is in
(``body_answer_now``); what the app does not answer then goes to the ASGI app, body and all.

The limits are a frozen dataclass with defaults (``ConnectionLimits``); ``guarded_protocol``
makes a protocol class with its own bookkeeping for one server run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import httptools
from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
)

from urbanart.delivery.access_log import mask_tokens
from urbanart.memo import Recent

log = logging.getLogger("urbanart.hub")


@dataclass(frozen=True)
class ConnectionLimits:
    """What one client connection may cost the hub; the defaults suit screens on the street."""

    #: Request line plus headers, in bytes (nginx's default large buffer is 8 KiB; we allow 16).
    max_header_bytes: int = 16 * 1024
    #: Seconds from a request's first byte until its headers are complete.
    header_timeout: float = 10.0
    #: Bytes a second a request body must average over each body_rate_window (2 KB/s: a slow
    #: phone on 3G sends 20 times that; a slowloris's trickle is far below).
    body_min_rate: float = 2048.0
    #: Seconds over which body_min_rate is averaged (a stall in a window is made up in it).
    body_rate_window: float = 60.0
    #: Seconds a request body may send nothing at all before the connection is closed.
    body_idle_timeout: float = 30.0
    #: Seconds a connection may stay open without a request in progress (keep-alive included).
    idle_timeout: float = 10.0
    #: Seconds a client may leave our answer unread (send buffer full) before it is dropped.
    send_stall_timeout: float = 30.0
    #: Open connections per client address; a shop or a NAT with many screens stays far below.
    per_address: int = 256
    #: Open connections in all; beyond it the longest-idle connection is closed to make room.
    max_connections: int = 4096

    def __post_init__(self) -> None:
        for name in (
            "max_header_bytes",
            "header_timeout",
            "body_min_rate",
            "body_rate_window",
            "body_idle_timeout",
            "idle_timeout",
            "send_stall_timeout",
            "per_address",
            "max_connections",
        ):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"ConnectionLimits.{name} must be positive, not {value!r}")


_HEAD_TOO_LARGE = (
    b'{"error":"request header fields too large",'
    b'"detail":"the request line and headers may be at most %d bytes"}'
)


class _HeadTooLarge(Exception):
    """Raised inside the parser's callback to stop it; data_received answers 431."""


Headers = list[tuple[bytes, bytes]]
#: Response header lists whose wire form is kept (the tree's variants: four per file at most).
HEADER_BLOCKS = 1 << 16
#: Request headers that mean a body may follow, or an interim answer is awaited.
_BODY_HEADERS = (b"content-length", b"transfer-encoding", b"expect")
#: Of those, the ones a request answered from its body at once may not have.
_NOT_SMALL_BODY = (b"transfer-encoding", b"expect")
#: The largest body kept for an answer at once (QuickAnswers.body_answer_now); a bigger one
#: goes to the ASGI app as it comes.
SMALL_BODY = 4096


class QuickAnswers(Protocol):
    """An application that can answer some requests without awaiting anything (the Hub)."""

    def answer_now(
        self, method: str, raw: bytes, headers: Iterable[tuple[bytes, bytes]]
    ) -> tuple[int, Headers, bytes] | None:
        """(status, headers, body) for the request, or None to hand it to the ASGI app."""
        ...

    def body_answer_now(
        self, method: str, raw: bytes, headers: Iterable[tuple[bytes, bytes]]
    ) -> Callable[[bytes], tuple[int, Headers, bytes] | None] | None:
        """For a request with a small body (Content-Length at most SMALL_BODY): a function
        giving (status, headers, body) from the request's body once it is all there, or None to
        hand the request to the ASGI app. The function too may give None: the ASGI app then
        gets the request, body and all, as if it had come that way."""
        ...


def header_block(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """Headers as they go on the wire (``name: value`` lines), checked as uvicorn checks every
    header it sends; None when one would be refused (the ASGI path then reports it)."""
    lines = []
    for name, value in headers:
        if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value):
            return None
        lines.append(name.lower() + b": " + value + b"\r\n")
    return b"".join(lines)


def failed_at_once(target: bytes) -> None:
    """Log the exception being handled: an answer at once failed (the ASGI path then meets the
    request again and answers it). The target's poll tokens masked, as the access log masks
    them: a screen's token is its key to its manifest."""
    log.exception("could not answer %r at once", mask_tokens(target.decode("latin-1")))


class ConnectionBook:
    """Open connections of one server run: counts per address and the idle ones, oldest first."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self.per_address: dict[str, int] = {}
        self.total = 0
        #: Connections with no request in progress, in the order they became idle.
        self.idle: dict[GuardedHttpToolsProtocol, None] = {}
        self.refused = 0
        self.evicted = 0
        #: Answers written without the ASGI app (QuickAnswers), for tests and curiosity.
        self.answered_now = 0
        #: Wire form of response header lists by their identity (the list is kept alive with
        #: it, so its id cannot be reused while it is here), and of the server's default headers.
        self.blocks: Recent[int, tuple[Headers, bytes | None]] = Recent(HEADER_BLOCKS)
        self._defaults: tuple[Headers | None, bytes | None] = (None, None)

    def block(self, headers: Headers) -> bytes | None:
        """header_block(headers), built once per list (the tree's lists never change)."""
        known = self.blocks.get(id(headers))
        if known is None:
            known = (headers, header_block(headers))
            self.blocks.put(id(headers), known)
        return known[1]

    def default_block(self, defaults: Headers) -> bytes | None:
        """header_block of the server's default headers (uvicorn replaces the list each second:
        its Date header)."""
        if self._defaults[0] is not defaults:
            self._defaults = (defaults, header_block(defaults))
        return self._defaults[1]

    def admit(self, address: str) -> bool:
        """Count a new connection from address, or False when it must be refused."""
        if self.per_address.get(address, 0) >= self.limits.per_address:
            self.refused += 1
            return False
        if self.total >= self.limits.max_connections and not self._evict_idle():
            self.refused += 1
            return False
        self.per_address[address] = self.per_address.get(address, 0) + 1
        self.total += 1
        return True

    def release(self, address: str) -> None:
        left = self.per_address.get(address, 0) - 1
        if left > 0:
            self.per_address[address] = left
        else:
            self.per_address.pop(address, None)
        self.total -= 1

    def _evict_idle(self) -> bool:
        while self.idle:
            oldest = next(iter(self.idle))
            del self.idle[oldest]
            if oldest.close_if_idle():
                self.evicted += 1
                return True
        return False


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of a ConnectionBook (see the module doc)."""

    book: ClassVar[ConnectionBook]
    #: Asked for an answer before a request goes to the ASGI app (None: always the app).
    quick: ClassVar[QuickAnswers | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._quick_answer: bytes | None = None  # for the message being parsed
        #: For the message being parsed: what answers it from its body (body_answer_now), and
        #: the body so far.
        self._body_answer: Callable[[bytes], tuple[int, Headers, bytes] | None] | None = None
        self._body: list[bytes] = []
        self._answered_now = False  # an answer was written during the current feed_data
        # After answers written at once: when the connection fell idle (0.0: it is not), and
        # the one timer that closes it once it has been idle for uvicorn's keep-alive timeout.
        self._idle_since = 0.0
        self._idle_timer: asyncio.TimerHandle | None = None
        self._address: str | None = None  # None: refused or not connected
        self._deadline: asyncio.TimerHandle | None = None
        self._stall: asyncio.TimerHandle | None = None
        self._in_message = False  # between a message's first byte and its last
        self._awaiting_head = False  # between a message's first byte and its complete headers
        self._head_bytes = 0
        self._begun = 0  # messages begun during the current feed_data
        self._chunk = 0  # bytes in the chunk being parsed (feed_data)
        # The body's rate rule: when the current window began, bytes since, the last byte.
        self._in_body = False
        self._window_start = 0.0
        self._window_bytes = 0
        self._last_byte = 0.0

    # Connection life ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        if not self.book.admit(address):
            transport.close()
            return
        self._address = address
        super().connection_made(transport)
        self._arm(self.book.limits.idle_timeout)
        self.book.idle[self] = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._address is None:  # refused in connection_made: uvicorn never knew it
            return
        self._cancel()
        if self._stall is not None:
            self._stall.cancel()
            self._stall = None
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        self.book.idle.pop(self, None)
        self.book.release(self._address)
        self._address = None
        super().connection_lost(exc)

    def close_if_idle(self) -> bool:
        """Close this connection if no request is in progress on it (to make room)."""
        if self.transport is None or self.transport.is_closing() or self._in_message:
            return False
        if self.cycle is not None and not self.cycle.response_complete:
            return False
        self.transport.close()
        return True

    # Deadlines ---------------------------------------------------------------------------------

    def _arm(self, seconds: float) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _cancel(self) -> None:
        self._in_body = False
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _arm_after_feed(self) -> None:
        """After a chunk was parsed: the deadline of a request it left incomplete.

        Why here and not in the parser's callbacks: nearly every request arrives whole in one
        chunk and is complete before the chunk is parsed to its end, so a timer armed at its
        first byte would only be cancelled again. Arming when the chunk ends is the same moment
        for the rule (the head's timer still starts with its first chunk and is never re-armed
        while the head trickles in; the body's rate window starts when its head is complete).
        """
        if self._in_body:
            now = self.loop.time()
            self._window_start = self._last_byte = now
            self._window_bytes = 0
            self._arm_body_check()
        else:
            self._arm(self.book.limits.header_timeout)

    def _arm_body_check(self) -> None:
        limits = self.book.limits
        due = min(
            self._window_start + limits.body_rate_window,
            self._last_byte + limits.body_idle_timeout,
        )
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_at(due, self._check_body)

    def _check_body(self) -> None:
        """The body's rate rule, at a window's end or when it may have idled too long."""
        self._deadline = None
        if not self._in_body or self.transport is None or self.transport.is_closing():
            return
        limits = self.book.limits
        now = self.loop.time()
        if self.flow is not None and self.flow.read_paused:
            # The hub is not reading (its application is busy with what came): not the
            # client's fault, so the rule starts afresh once reading resumes.
            self._window_start = self._last_byte = now
            self._window_bytes = 0
        elif now - self._last_byte >= limits.body_idle_timeout:
            self.transport.close()
            return
        elif now - self._window_start >= limits.body_rate_window:
            if self._window_bytes < limits.body_min_rate * limits.body_rate_window:
                self.transport.close()
                return
            self._window_start, self._window_bytes = now, 0
        self._arm_body_check()

    def _expired(self) -> None:
        self._deadline = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._stall is None:
            self._stall = self.loop.call_later(self.book.limits.send_stall_timeout, self._stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._stall is not None:
            self._stall.cancel()
            self._stall = None

    def _stalled(self) -> None:
        self._stall = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()  # its buffered answer will never be read: drop it

    # Parsing -----------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        """uvicorn's data_received, plus the head size bound (431) for heads still incomplete."""
        self._unset_keepalive_if_required()
        self._idle_since = 0.0
        if self._in_body:  # body bytes (a pipelined next request's too, rarely: harmless)
            self._window_bytes += len(data)
            self._last_byte = self.loop.time()
        was_in_message = self._in_message
        self._begun = 0
        self._chunk = len(data)
        self._answered_now = False
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _HeadTooLarge):
                self._refuse_head()
                return
            self.logger.warning("Invalid HTTP request received.", exc_info=exc)
            self.send_400_response("Invalid HTTP request received.")
            return
        except httptools.HttpParserError:
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._answered_now:
            self._idle_after_answer()
        if self._in_message and self._deadline is None:
            self._arm_after_feed()
        if not self._awaiting_head:
            return
        # The head is still incomplete. If it began before this chunk, all of the chunk is head;
        # if it began at the start of this chunk (nothing else in progress), so is the chunk.
        # Otherwise we cannot tell how much of the chunk it is, and it is counted from the next
        # one: the head can outgrow the limit by at most one read before it is refused.
        if self._begun == 0:
            self._head_bytes += len(data)
        elif self._begun == 1 and not was_in_message:
            self._head_bytes = len(data)
        if self._head_bytes > self.book.limits.max_header_bytes:
            self._refuse_head()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_message = True
        self._awaiting_head = True
        self._head_bytes = 0
        self._begun += 1
        self.book.idle.pop(self, None)
        if self._deadline is not None:  # the connection's idle deadline: the head's comes next
            self._deadline.cancel()
            self._deadline = None

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        limit = self.book.limits.max_header_bytes
        # A head that began in the chunk being parsed is no longer than that chunk: when the
        # chunk fits (an ordinary request arrives in one), so does the head, uncounted.
        if not (self._begun and self._chunk <= limit):
            size = len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers)
            if size > limit:
                raise _HeadTooLarge
        self._in_body = True  # its rate rule is armed when the chunk ends (_arm_after_feed)
        if self._deadline is not None:  # the head's deadline, from an earlier chunk
            self._deadline.cancel()
            self._deadline = None
        if self.quick is not None:
            small_body = self._may_answer_now(_NOT_SMALL_BODY)
            if small_body and self._has_no_body():
                self._quick_answer = self._answer_now(self.quick)
                if self._quick_answer is not None:
                    return
            elif small_body:
                self._body_answer = self._body_answer_now(self.quick)
                if self._body_answer is not None:
                    return
        self._start_cycle()

    def _start_cycle(self) -> None:
        """uvicorn's on_headers_complete: the request goes to the ASGI app."""
        super().on_headers_complete()
        # The answer goes out in one write (a HEAD's has no body write to join: uvicorn skips it).
        if self.cycle is not None and self.scope["method"] != "HEAD":
            self.cycle.transport = OneWriteAnswer(self.transport)  # type: ignore[assignment]

    def on_body(self, body: bytes) -> None:
        if self._body_answer is not None:
            self._body.append(body)  # at most SMALL_BODY: its Content-Length said so
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._in_message = False
        self._cancel()
        if self._body_answer is not None:
            self._quick_answer = self._answer_from_body(self._body_answer)
        answer = self._quick_answer
        if answer is None:
            super().on_message_complete()
            return
        self._quick_answer = None
        if not self.transport.is_closing():
            self.transport.write(answer)
        self.server_state.total_requests += 1
        self.book.answered_now += 1
        self._answered_now = True

    # Answers without the ASGI app ---------------------------------------------------------------

    def _has_no_body(self) -> bool:
        return all(name not in _BODY_HEADERS for name, _ in self.headers)

    def _may_answer_now(self, body_headers: tuple[bytes, ...] = _BODY_HEADERS) -> bool:
        """Whether this request may be answered at once, in this callback: nothing is in
        progress or queued before it on this connection (answers keep their order), our
        answers are being read (else the ASGI path waits, see RequestResponseCycle.send), it is
        HTTP/1.1 keep-alive without a body, an interim answer or an upgrade, and uvicorn has no
        root path or concurrency limit that would change its scope or its answer."""
        if self.pipeline or (self.cycle is not None and not self.cycle.response_complete):
            return False
        if self.flow.write_paused or self.root_path or self.limit_concurrency is not None:
            return False
        parser = self.parser
        if parser.get_http_version() != "1.1" or not parser.should_keep_alive():
            return False
        if parser.should_upgrade():
            return False
        return all(name not in body_headers for name, _ in self.headers)

    def _body_answer_now(
        self, quick: QuickAnswers
    ) -> Callable[[bytes], tuple[int, Headers, bytes] | None] | None:
        """What answers this request from its body (QuickAnswers.body_answer_now), if it has a
        Content-Length of at most SMALL_BODY; None for the ASGI path."""
        for name, value in self.headers:
            if name == b"content-length" and (not value.isdigit() or int(value) > SMALL_BODY):
                return None
        raw = httptools.parse_url(self.url).path  # as uvicorn parses it (its errors: 400)
        try:
            method = self.parser.get_method().decode("ascii")
            return quick.body_answer_now(method, raw, self.headers)
        except Exception:  # the ASGI path meets it again and answers 500, as for any request
            failed_at_once(raw)
            return None

    def _answer_from_body(
        self, answering: Callable[[bytes], tuple[int, Headers, bytes] | None]
    ) -> bytes | None:
        """The answer's bytes from the whole body; else the request goes to the ASGI app now,
        its body as received (what uvicorn's on_headers_complete and on_body would have done)."""
        body = b"".join(self._body)
        self._body_answer, self._body = None, []
        try:
            answer = answering(body)
        except Exception:  # the ASGI path meets it again and answers 500, as for any request
            failed_at_once(self.url)
            answer = None
        wire = None if answer is None else self._wire(answer)
        if wire is None:
            self._start_cycle()
            if self.cycle is not None:
                self.cycle.body = bytearray(body)
        return wire

    def _answer_now(self, quick: QuickAnswers) -> bytes | None:
        """The whole answer's bytes as RequestResponseCycle.send would write them (status line,
        the server's default headers, the answer's, its body), or None for the ASGI path."""
        raw = httptools.parse_url(self.url).path  # as uvicorn parses it (its errors: 400)
        try:
            answer = quick.answer_now(self.parser.get_method().decode("ascii"), raw, self.headers)
        except Exception:  # the ASGI path meets it again and answers 500, as for any request
            failed_at_once(raw)
            return None
        if answer is None:
            return None
        return self._wire(answer)

    def _wire(self, answer: tuple[int, Headers, bytes]) -> bytes | None:
        """An answer as RequestResponseCycle.send would write it, or None if it could not."""
        status, headers, body = answer
        defaults = self.book.default_block(self.server_state.default_headers)
        block = self.book.block(headers)
        if defaults is None or block is None:
            return None
        return b"".join((STATUS_LINE[status], defaults, block, b"\r\n", body))

    def _idle_after_answer(self) -> None:
        """After answers written at once: what on_response_complete does once the connection
        has nothing in progress (its keep-alive deadline; the book's idle list).

        The deadline is uvicorn's (idle for timeout_keep_alive after the last answer: closed),
        kept by one timer that is only moved on when it fires early, rather than a timer armed
        and cancelled for every poll: with uvloop that pair cost more than the lookup itself.
        """
        if self._in_message or self.pipeline or self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return
        self._idle_since = self.loop.time()
        if self._idle_timer is None:
            self._idle_timer = self.loop.call_at(
                self._idle_since + self.timeout_keep_alive, self._idle_check
            )
        self.book.idle[self] = None

    def _idle_check(self) -> None:
        """The keep-alive deadline of _idle_after_answer: close, or wait for the rest of it."""
        self._idle_timer = None
        if not self._idle_since or self.transport is None or self.transport.is_closing():
            return  # busy since: its request's deadlines hold, and its answer arms this again
        due = self._idle_since + self.timeout_keep_alive
        if self.loop.time() >= due:
            self.transport.close()
        else:
            self._idle_timer = self.loop.call_at(due, self._idle_check)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._in_message and not self.pipeline and not self.transport.is_closing():
            self.book.idle[self] = None  # uvicorn's keep-alive timer closes it when it expires

    def _refuse_head(self) -> None:
        """Answer 431 (unless an earlier answer is still being sent) and close."""
        self._awaiting_head = False
        self._cancel()
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            body = _HEAD_TOO_LARGE % self.book.limits.max_header_bytes
            head = [b"HTTP/1.1 431 Request Header Fields Too Large\r\n"]
            for name, value in self.server_state.default_headers:
                head.append(name + b": " + value + b"\r\n")
            head.append(b"content-type: application/json\r\n")
            head.append(b"content-length: " + str(len(body)).encode() + b"\r\n")
            head.append(b"connection: close\r\n\r\n")
            self.transport.write(b"".join(head) + body)
        self.transport.close()


class OneWriteAnswer:
    """The transport as one request's answer sees it: the response head is held back and goes
    out together with the first body bytes, in one write.

    Why: uvicorn writes a response's head and its body separately, so every small answer (a
    heartbeat's 200) cost two sends on the socket. Measured in a hub worker under the fleet
    benchmark's burst, the first of them was about a fifth of the worker's time: each send
    runs the kernel's TCP path and wakes the client. An interim "100 Continue" is never held
    (the client waits for it before sending its body), nor is a HEAD answer wrapped (uvicorn
    writes no body for it); everything else is the transport's own.
    """

    __slots__ = ("_head", "_holding", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head: bytes | None = None
        self._holding = True  # until the response head has been seen

    def write(self, data: bytes) -> None:
        if self._head is not None:
            data, self._head = self._head + data, None
        elif self._holding and not data.startswith(b"HTTP/1.1 100 "):
            self._holding = False
            self._head = data
            return
        self._transport.write(data)

    def close(self) -> None:
        if self._head is not None:  # a head without a body (the answer broke off): as before
            self._transport.write(self._head)
            self._head = None
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def guarded_protocol(
    limits: ConnectionLimits | None = None, quick: QuickAnswers | None = None
) -> type[GuardedHttpToolsProtocol]:
    """A protocol class for uvicorn's ``http=`` with its own ConnectionBook (one per server).

    quick: asked first for each request's answer (the Hub, unless something wraps it, such as
    the access log, that must see every request).
    """
    book = ConnectionBook(limits or ConnectionLimits())
    attributes = {"book": book, "quick": quick}
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,), attributes)
