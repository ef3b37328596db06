"""Telling this process that a call's submissions changed (a hand-in stored, a work withdrawn).

Why: the studio runs the hub in its own process on the same library, and its Review view should
list a hand-in the moment it is stored. Another process sharing a PostgreSQL catalogue hears of
it through the change feed (the commit NOTIFYs ``call_submissions``); but the feed skips what
its own library sent, and SQLite has no feed at all, so the hub's writes in this process are
announced here. Listeners are keyed by the library's folder, not by the Library object, so a
hub (or a test) that opened its own Library on the same folder reaches the studio too.

Callbacks run on the thread that wrote (the hub's database thread): a listener must only hand
the news on (the studio emits a queued Qt signal), never do work there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

Listener = Callable[[int], None]

_lock = threading.Lock()
_listeners: dict[str, list[Listener]] = {}


def _key(home: Path) -> str:
    return str(Path(home).resolve())


def listen(home: Path, listener: Listener) -> None:
    """Call listener(call_id) whenever this process stores or withdraws a hand-in to a call
    of the library in the folder home."""
    with _lock:
        _listeners.setdefault(_key(home), []).append(listener)


def unlisten(home: Path, listener: Listener) -> None:
    with _lock:
        found = _listeners.get(_key(home), [])
        if listener in found:
            found.remove(listener)
        if not found:
            _listeners.pop(_key(home), None)


def submissions_changed(home: Path, call_id: int) -> None:
    """Tell this process's listeners (after the change committed); one failing does not stop
    the others nor the hand-in that announced it."""
    with _lock:
        listeners = list(_listeners.get(_key(home), ()))
    for listener in listeners:
        try:
            listener(call_id)
        except Exception:
            log.exception("a submissions listener failed")
