"""Run a coroutine to its end on an event loop of its own, in a thread of its own.

Why not asyncio.run in the test's thread: a test process that opened a page in Chromium
before (Playwright's sync API, kept for the session by tests/browsers.py) has that driver's
loop marked as running in the main thread, and asyncio.run then refuses ("cannot be called
from a running event loop"): a test passed alone and failed after a browser test in the same
worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(coroutine) in a fresh thread; its result, or its exception raised here."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="own-loop") as pool:
        return pool.submit(asyncio.run, coroutine).result()
