"""Runs the built-in hub (``urbanart.delivery.server.HubThread``) beside the studio.

The hub serves the published tree and receives screen heartbeats. The studio starts it in the
background on port 8470 or the next free one, and shows its address in the status bar. By default
only this machine (127.0.0.1) reaches it, as with `urbanart serve`; once the curator shares it on
the local network it listens on every interface so screens and phones nearby can pair and poll,
and the address shown is the machine's LAN address.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ui.operations import submit
from urbanart.errors import UrbanArtError
from urbanart.library.library import Library

HOST = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - as urbanart.delivery.server (not imported: uvicorn is heavy)
FIRST_PORT = 8470
PORT_TRIES = 5


def free_port(host: str = HOST, first: int = FIRST_PORT, tries: int = 30) -> int:
    """The first port from ``first`` on which nothing listens yet."""
    for port in range(first, first + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    return 0


class HubRunner(QObject):
    """Owns the hub thread for one library; ``status`` is the text for the status bar."""

    status_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status = "hub: not started"
        self.address: str | None = None
        #: The interface the running hub listens on (127.0.0.1 or 0.0.0.0); None when stopped.
        self.host: str | None = None
        self._hub: Any = None

    def start(self, library: Library, *, on_network: bool = False) -> None:
        self._set("hub: starting…")
        host = ALL_INTERFACES if on_network else HOST
        submit(
            lambda _ctx: _start_hub(library, host),
            on_success=self._started,
            on_failure=lambda exc, _trace: self._set(f"hub: could not start ({exc})"),
            label="start hub",
            receiver=self,
        )

    def _started(self, result: tuple[Any, str]) -> None:
        self._hub, self.address = result
        self.host = self._hub.host
        self._set(f"hub: {self.address}")

    def stop(self, *, then: Callable[[], None] | None = None) -> None:
        """Stop the hub in the background (it finishes in-flight requests and writes the last
        poll times), then call ``then``; the GUI thread does not wait for it."""
        hub, self._hub = self._hub, None
        self.address = self.host = None
        if hub is None:
            if then is not None:
                then()
            return
        self._set("hub: stopping…")

        def stopped(_result: object) -> None:
            if self._hub is None and self.status == "hub: stopping…":  # no new hub meanwhile
                self._set("hub: stopped")
            if then is not None:
                then()

        submit(
            lambda _ctx: hub.stop(),
            on_success=stopped,
            on_failure=lambda exc, _trace: self._set(f"hub: stopped with an error ({exc})"),
            label="stop hub",
            receiver=self,
        )

    def stop_now(self) -> None:
        """Stop the hub and wait: only when the studio quits, when nothing is left to draw."""
        hub, self._hub = self._hub, None
        self.address = self.host = None
        if hub is not None:
            try:
                hub.stop()
            except UrbanArtError as exc:
                self._set(f"hub: stopped with an error ({exc})")
                return
            self._set("hub: stopped")

    def _set(self, text: str) -> None:
        self.status = text
        self.status_changed.emit(text)


def _start_hub(library: Library, host: str) -> tuple[Any, str]:
    """Start a HubThread on the first free port from 8470 (imported here: uvicorn is heavy)."""
    from urbanart.delivery import server

    error: Exception | None = None
    port = FIRST_PORT
    for _ in range(PORT_TRIES):
        port = free_port(host, port)
        hub = server.HubThread(library, host, port)
        try:
            return hub, str(hub.start())
        except UrbanArtError as exc:  # the port was taken between the check and the bind
            error = exc
            port += 1
    raise UrbanArtError(f"no free port from {FIRST_PORT}: {error}")
