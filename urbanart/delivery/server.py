"""Running the hub with uvicorn: blocking from the CLI, or in a background thread of the studio.

Why uvicorn with httptools and uvloop: a C HTTP parser and a libuv event loop are what make one
Python process fast enough for thousands of polling screens. We bind the listening socket
ourselves before handing it to uvicorn, so a busy port is reported as a clear error naming it
(uvicorn would log and exit the process), and port 0 gives a free port to tests and the studio.
"""

from __future__ import annotations

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

from urbanart.delivery.hub import Hub
from urbanart.errors import UrbanArtError
from urbanart.library.library import Library

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8470

log = logging.getLogger("urbanart.hub")


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


def _config(app: Hub, *, access_log: bool, log_config: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http="httptools",
        ws="none",
        lifespan="on",
        access_log=access_log,
        log_config=log_config,
        log_level="warning",
        server_header=False,
        timeout_keep_alive=30,  # screens poll every minute; keep their connections warm
        timeout_graceful_shutdown=5,
    )


def serve(
    library: Library,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    published: Path | None = None,
    access_log: bool = False,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until Ctrl+C / SIGTERM (blocking). on_ready(url) runs once the port is bound."""
    sock = bind(host, port)
    server = uvicorn.Server(
        _config(
            Hub(library, published=published, freeze_gc=True),
            access_log=access_log,
            log_config=uvicorn.config.LOGGING_CONFIG,
        )
    )
    if on_ready is not None:
        on_ready(url_of(sock))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl+C after its graceful shutdown
        pass
    finally:
        sock.close()


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
        **hub_options: Any,
    ) -> None:
        self.library = library
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
        self._server = uvicorn.Server(_config(self.hub, access_log=False, log_config=None))
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
