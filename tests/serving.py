"""Start a test's socketserver-based HTTP server (http.server, werkzeug) in a daemon thread.

Why one helper: serve_forever checks for shutdown() once per poll interval, 0.5 s by default,
so every test that stops its server waited up to half a second for nothing. Polling every
0.05 s costs an idle server nothing measurable; requests are served at once either way (the
poll is the select() timeout, not a delay before answering).
"""

from __future__ import annotations

import threading
from typing import Any

#: Seconds between serve_forever's checks for shutdown().
POLL_INTERVAL = 0.05


def serve_in_background(server: Any) -> threading.Thread:
    """Runs server.serve_forever in a started daemon thread; stop it with server.shutdown()."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, daemon=True
    )
    thread.start()
    return thread
