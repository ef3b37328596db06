"""One Playwright driver per test process, shared by the tests that drive Chromium.

Why: ``sync_playwright()`` starts a Node.js driver, which costs more than launching the browser
(seconds on a loaded machine). Tests still launch and close their own browser with their own
flags and contexts; only the driver is shared. Write ``with shared_playwright() as pw:`` where
a test would write ``with sync_playwright() as pw:``; tests/conftest.py stops the driver at the
session's end.

While the driver runs, its event loop counts as running in the main thread: a test must not
call ``asyncio.run`` there (tests/own_loop.py runs a coroutine on a loop in a thread of its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

_driver: Any = None


@contextmanager
def shared_playwright() -> Iterator[Any]:
    """The process's Playwright (started on first use); leaving the block does not stop it."""
    global _driver
    if _driver is None:
        sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
        _driver = sync_api.sync_playwright().start()
    yield _driver


def stop_shared_playwright() -> None:
    """Stop the driver if a test started it (and with it any browser a failed test left)."""
    global _driver
    if _driver is not None:
        driver, _driver = _driver, None
        driver.stop()
