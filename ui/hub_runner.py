"""Runs the built-in hub (``urbanart.delivery.server.HubThread``) beside the studio, if installed.

The hub serves the published tree and receives screen heartbeats. The studio starts it in the
background on 127.0.0.1, port 8470 or the next free one, and shows its address in the status
bar. When the delivery package has no server yet, the status bar says so and nothing else
changes.
"""

from __future__ import annotations

import importlib
import importlib.util
import socket
from typing import Any

from PySide6.QtCore import QObject, Signal

from ui.operations import submit
from urbanart.errors import UrbanArtError
from urbanart.library.library import Library

HOST = "127.0.0.1"
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


def hub_available() -> bool:
    try:
        return importlib.util.find_spec("urbanart.delivery.server") is not None
    except ModuleNotFoundError:
        return False


class HubRunner(QObject):
    """Owns the hub thread for one library; ``status`` is the text for the status bar."""

    status_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status = "hub: not started"
        self.address: str | None = None
        self._hub: Any = None

    def start(self, library: Library) -> None:
        if not hub_available():
            self._set("hub: not available")
            return
        self._set("hub: starting…")
        submit(
            lambda _ctx: _start_hub(library),
            on_success=self._started,
            on_failure=lambda exc, _trace: self._set(f"hub: could not start ({exc})"),
            label="start hub",
            receiver=self,
        )

    def _started(self, result: tuple[Any, str]) -> None:
        self._hub, self.address = result
        self._set(f"hub: {self.address}")

    def stop(self) -> None:
        hub, self._hub = self._hub, None
        if hub is None:
            return
        try:
            hub.stop()
        except UrbanArtError as exc:
            self._set(f"hub: stopped with an error ({exc})")
            return
        self.address = None
        self._set("hub: stopped")

    def _set(self, text: str) -> None:
        self.status = text
        self.status_changed.emit(text)


def _start_hub(library: Library) -> tuple[Any, str]:
    """Start a HubThread on the first free port from 8470 (imported here: uvicorn is heavy)."""
    server = importlib.import_module("urbanart.delivery.server")
    error: Exception | None = None
    port = FIRST_PORT
    for _ in range(PORT_TRIES):
        port = free_port(HOST, port)
        hub = server.HubThread(library, HOST, port)
        try:
            return hub, str(hub.start())
        except UrbanArtError as exc:  # the port was taken between the check and the bind
            error = exc
            port += 1
    raise UrbanArtError(f"no free port from {FIRST_PORT}: {error}")
