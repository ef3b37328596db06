"""A generative work's still fallback when the artist gave none: a capture, else a title card.

Why a still at all: every player must be able to show something for every work (an old player,
a Qt player without a web engine, a phone before "tap to start", a screen whose browser failed),
and thumbnails and renditions are made from it like from any image.

The capture runs the package in headless Chromium (Playwright, when it and a browser are
installed) at 1920×1080 for about two seconds; the package's files are answered from memory and
every other request is aborted: the piece has no network at import either. When Chromium is not
there (or the piece fails), a title card drawn with Pillow stands in.
"""

from __future__ import annotations

import io
import mimetypes
import os
import textwrap
from concurrent.futures import ThreadPoolExecutor

from PIL import Image, ImageDraw, ImageFont

from urbanart.imaging.packages import ENTRY, Package

CAPTURE_SIZE = (1920, 1080)
CAPTURE_SECONDS = 2.0
#: The seed a capture is made with: a fixed one, so importing a package twice gives one picture.
CAPTURE_SEED = "0000000000000000"
#: The package is served to the capturing browser from this made-up origin, by the page's own
#: request routing: no file on disk (file:// could reach the curator's own files), no server.
_ORIGIN = "https://package.invalid/"


def chromium_path() -> str | None:
    """The Chromium to drive: $URBANART_CHROMIUM, the system's (a Debian package), else None
    (Playwright's own download, when one was installed)."""
    for candidate in (os.environ.get("URBANART_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def content_type_of(path: str) -> str:
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def capture_still(package: Package, seconds: float = CAPTURE_SECONDS) -> bytes | None:
    """A PNG of the piece after `seconds` in headless Chromium, or None when that cannot be
    done here (no Playwright, no browser, the page failed): the caller then draws a card.

    Runs in a thread of its own: Playwright's sync API refuses to start in a thread where an
    asyncio loop runs (an async caller, a notebook, another Playwright session), and what an
    import gives must not depend on who called it."""
    with ThreadPoolExecutor(1, thread_name_prefix="package-capture") as pool:
        return pool.submit(_capture, package, seconds).result()


def _capture(package: Package, seconds: float) -> bytes | None:
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import Route, sync_playwright
    except ImportError:
        return None
    width, height = CAPTURE_SIZE
    files = {item.path: item.data for item in package.files}

    def answer(route: Route) -> None:
        url = route.request.url
        path = url[len(_ORIGIN) :].split("?", 1)[0].split("#", 1)[0]
        body = files.get(path) if url.startswith(_ORIGIN) else None
        if body is None:  # anything else, the network above all: refused
            route.abort()
        else:
            route.fulfill(status=200, body=body, content_type=content_type_of(path))

    url = f"{_ORIGIN}{ENTRY}?screen=0&width={width}&height={height}&seed={CAPTURE_SEED}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path())
            try:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.route("**/*", answer)
                page.goto(url, wait_until="load", timeout=10_000)
                page.wait_for_timeout(seconds * 1000)
                return page.screenshot(type="png")
            finally:
                browser.close()
    except (PlaywrightError, OSError, RuntimeError):
        return None


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError):  # a Pillow built without FreeType
        return ImageFont.load_default()


def title_card(title: str, note: str, size: tuple[int, int] = CAPTURE_SIZE) -> bytes:
    """A PNG card with the work's title and a note ("Generative work"): what a player shows
    for a generative work it cannot run when no better still exists."""
    width, height = size
    card = Image.new("RGB", size, (18, 20, 28))
    draw = ImageDraw.Draw(card)
    for row in range(0, height, 6):  # a quiet gradient band, so the card is not a flat void
        shade = 18 + int(30 * row / height)
        draw.line([(0, row), (width, row)], fill=(shade, 20 + shade // 3, 40 + shade), width=6)
    big, small = _font(height // 12), _font(height // 28)
    lines = textwrap.wrap(title, width=28)[:3] or [title]
    y = height // 3
    for line in lines:
        draw.text((width // 12, y), line, fill=(240, 240, 245), font=big)
        y += height // 10
    draw.text((width // 12, y + height // 40), note, fill=(170, 180, 200), font=small)
    out = io.BytesIO()
    card.save(out, "PNG", optimize=True)
    return out.getvalue()
