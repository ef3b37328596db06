"""Running the hub with uvicorn: blocking from the CLI, or in a background thread of the studio.

Why uvicorn with httptools and uvloop: a C HTTP parser and a libuv event loop are what make one
Python process fast enough for thousands of polling screens. We bind the listening socket
ourselves before handing it to uvicorn, so a busy port is reported as a clear error naming it
(uvicorn would log and exit the process), and port 0 gives a free port to tests and the studio.

What strangers on the street network may cost the hub is bounded below uvicorn's HTTP parsing
(connection_guard.py: header size and time, idle and slow connections, connections per
address); every answer carries the security headers below, added by uvicorn itself so static
pages, API answers and uvicorn's own 400/500 pages all get them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

from urbanart.delivery.access_log import AccessLog
from urbanart.delivery.connection_guard import ConnectionBook, ConnectionLimits, guarded_protocol
from urbanart.delivery.hub import Hub
from urbanart.errors import UrbanArtError
from urbanart.library.library import Library

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8470

log = logging.getLogger("urbanart.hub")

#: On every answer: no MIME sniffing, no framing by other sites (same-origin framing stays
#: possible for the web player), and no Referer carrying a poll token to other sites.
SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Content-Security-Policy", "frame-ancestors 'self'"),
    ("Referrer-Policy", "no-referrer"),
]
#: File descriptors kept free for the database, published files and logs.
SPARE_DESCRIPTORS = 128
#: Seconds a thread may hold the GIL while another waits for it, in a process that is just the
#: hub (Python's default: 0.005). The event loop shares the GIL with the writer and checker
#: threads; when one of them is busy in Python, a loop with answers ready waits up to the whole
#: interval for every hand-over, which showed in the requests' tail latency.
HUB_SWITCH_INTERVAL = 0.001


class HubError(UrbanArtError):
    """The hub cannot start (port in use, address not available…)."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or HubError saying what is wrong with that address."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise HubError(
                f"Port {port} on {host} is already in use (another hub or program); "
                f"stop it or choose another port with --port."
            ) from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise HubError(
                f"Not allowed to listen on port {port} on {host}; use a port above 1023."
            ) from None
        raise HubError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from None
    sock.set_inheritable(True)
    return sock


ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - listening on the local network is the point


def local_network_ip() -> str | None:
    """This machine's address on its local network, or None when it has none.

    The address the operating system would send from towards a private-range address; a UDP
    connect sends no packet, so this works offline and never leaks anything.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith(("0.", "127.")) else address


def url_of(sock: socket.socket) -> str:
    """The URL others use to reach a listening socket: its LAN address when it listens on all
    interfaces (a phone cannot open 0.0.0.0), else the address it is bound to."""
    host, port = sock.getsockname()[:2]
    if host == ALL_INTERFACES:
        host = local_network_ip() or "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def fitting_limits(limits: ConnectionLimits | None = None) -> ConnectionLimits:
    """limits with max_connections lowered to what this process's descriptor limit allows.

    Why: a full descriptor table makes accept() fail for everyone; below it, the guard closes
    the longest-idle connection instead, which keeps the hub answering.
    """
    limits = limits or ConnectionLimits()
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):  # Windows: no rlimit; the default stands
        return limits
    if soft == resource.RLIM_INFINITY:
        return limits
    room = max(16, soft - SPARE_DESCRIPTORS)
    if limits.max_connections <= room:
        return limits
    return dataclasses.replace(limits, max_connections=room)


def raise_descriptor_limit() -> None:
    """Raise this process's soft descriptor limit to its hard limit (only for `urbanart serve`:
    a process that is just the hub; the studio keeps its own)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, OSError, ValueError):
        pass


def _config(
    app: Hub,
    *,
    access_log: bool,
    log_config: Any,
    limits: ConnectionLimits | None = None,
    extra_headers: list[tuple[str, str]] | None = None,
) -> uvicorn.Config:
    limits = fitting_limits(limits)
    return uvicorn.Config(
        AccessLog(app) if access_log else app,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http=guarded_protocol(limits, quick=None if access_log else app),
        ws="none",
        lifespan="on",
        access_log=False,  # uvicorn's would show poll tokens; AccessLog masks them
        log_config=log_config,
        log_level="warning",
        server_header=False,
        headers=SECURITY_HEADERS + (extra_headers or []),
        timeout_keep_alive=limits.idle_timeout,  # type: ignore[arg-type]  # float works
        timeout_graceful_shutdown=5,
    )


def serve(
    library: Library,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    published: Path | None = None,
    access_log: bool = False,
    limits: ConnectionLimits | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until Ctrl+C / SIGTERM (blocking). on_ready(url) runs once the port is bound.

    access_log: one line per request on stderr (logger ``urbanart.hub.access``), tokens masked.
    """
    sock = bind(host, port)
    raise_descriptor_limit()
    if on_ready is not None:
        on_ready(url_of(sock))
    try:
        serve_socket(library, sock, published=published, access_log=access_log, limits=limits)
    finally:
        sock.close()


def serve_socket(
    library: Library,
    sock: socket.socket,
    *,
    published: Path | None = None,
    access_log: bool = False,
    limits: ConnectionLimits | None = None,
    extra_headers: list[tuple[str, str]] | None = None,
    pull_frames: bool = True,
) -> None:
    """Serve on an already listening socket until Ctrl+C / SIGTERM (blocking).

    Why apart from serve(): a hub worker process (urbanart.delivery.workers) gets the socket its
    supervisor bound and serves on it the same way; extra_headers go on every answer (a worker
    names itself in one). The process is just the hub from here on, so its GIL switch interval
    is shortened (HUB_SWITCH_INTERVAL).
    """
    if access_log:
        show_access_log()
    sys.setswitchinterval(HUB_SWITCH_INTERVAL)
    server = uvicorn.Server(
        _config(
            Hub(library, published=published, freeze_gc=True, pull_frames=pull_frames),
            access_log=access_log,
            log_config=uvicorn.config.LOGGING_CONFIG,
            limits=limits,
            extra_headers=extra_headers,
        )
    )
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl+C after shutdown
        server.run(sockets=[sock])


def show_access_log() -> None:
    """Send the access log's INFO lines to stderr (the hub's other loggers stay at WARNING)."""
    access = logging.getLogger("urbanart.hub.access")
    access.setLevel(logging.INFO)
    if not access.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        access.addHandler(handler)
    access.propagate = False


class HubThread:
    """The hub in a background thread of another program (the studio, tests), stopped cleanly.

    uvicorn installs no signal handlers outside the main thread; stop() asks the server to exit
    (``should_exit``), which finishes in-flight requests, runs the hub's shutdown (last poll
    times written) and joins the thread.
    """

    def __init__(
        self,
        library: Library,
        host: str = DEFAULT_HOST,
        port: int = 0,
        *,
        published: Path | None = None,
        access_log: bool = False,
        limits: ConnectionLimits | None = None,
        **hub_options: Any,
    ) -> None:
        self.library = library
        self.access_log = access_log
        self.limits = limits
        self.host = host
        self.port = port
        self.hub = Hub(library, published=published, **hub_options)
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._error: BaseException | None = None

    def start(self, timeout: float = 15.0) -> str:
        """Bind (HubError if the port is busy), start serving, return the base URL when ready."""
        if self._thread is not None:
            raise HubError("This hub is already running.")
        self._sock = bind(self.host, self.port)
        self.port = self._sock.getsockname()[1]
        self.url = url_of(self._sock)
        # log_config=None: leave the host program's logging configuration alone.
        self._server = uvicorn.Server(
            _config(self.hub, access_log=self.access_log, log_config=None, limits=self.limits)
        )
        self._thread = threading.Thread(target=self._run, name="urbanart-hub", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if self._error is not None or not self._server.started:
            self.stop()
            raise HubError(f"The hub did not start on {self.url}: {self._error or 'timed out'}")
        return self.url

    def _run(self) -> None:
        assert self._server is not None and self._sock is not None
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # reported by start()/stop(), never lost in the thread
            self._error = exc
            log.exception("the hub stopped with an error")

    @property
    def connections(self) -> ConnectionBook | None:
        """The running server's open-connection bookkeeping (counts per address, idle ones)."""
        if self._server is None:
            return None
        return getattr(self._server.config.http_protocol_class, "book", None)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to exit and wait for it; safe to call twice."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._server.force_exit = True  # type: ignore[union-attr]
                self._thread.join(timeout)
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> HubThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
