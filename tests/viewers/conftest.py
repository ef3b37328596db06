"""Fixtures the viewer page tests in Chromium share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browsers import shared_playwright
from tests.viewers import CHROMIUM


@pytest.fixture(scope="module")
def browser(served: Any) -> Iterator[Any]:
    """One headless Chromium per module, started after the module's own `served` tree."""
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with shared_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield launched
        finally:
            launched.close()
