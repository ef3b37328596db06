"""Captions sized for the street, in both players: credit and AI disclosure at least 3 % of the
screen height, the QR code wide enough to read from 2 m on a 55-inch screen."""

from __future__ import annotations

import functools
import http.server
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.browsers import shared_playwright
from tests.serving import serve_in_background
from urbanart.player.captions import (
    CAPTION_TEXT_SHARE,
    DESIGN_DIAGONAL_INCHES,
    DESIGN_DISTANCE_M,
    READ_DISTANCE_PER_WIDTH,
    physical_qr_cm,
    qr_px,
    text_px,
)

#: Landscape HD, portrait HD, landscape 4K, and a small 720-line screen.
SCREENS = [(1920, 1080), (1080, 1920), (3840, 2160), (1280, 720)]
CREDIT = "Harbour Lights — Mara Okafor, 2024"
DISCLOSURE = "Made by the artist with digital tools, without generative AI."
#: The shortest side a code must have: what a phone reads from 2 m, on a 55-inch 16:9 panel.
NEEDED_CM = DESIGN_DISTANCE_M * 100 / READ_DISTANCE_PER_WIDTH


def test_the_rule_gives_a_code_readable_from_2_m_on_a_55_inch_screen() -> None:
    assert physical_qr_cm(DESIGN_DIAGONAL_INCHES) >= NEEDED_CM
    assert physical_qr_cm(65) > physical_qr_cm(55)
    for width, height in SCREENS:
        assert qr_px(width, height) >= 0.29 * min(width, height)
        assert text_px(height) >= CAPTION_TEXT_SHARE * height


# The web player --------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def player_url() -> Iterator[str]:
    """The web player's own files over real HTTP on 127.0.0.1 (as the hub would serve them)."""
    folder = resources.files("urbanart.player").joinpath("web")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serve_in_background(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


MEASURE = """([credit, disclosure]) => {
    document.getElementById('notice').hidden = true;
    document.getElementById('credit').textContent = credit;
    document.getElementById('disclosure').textContent = disclosure;
    const qr = document.getElementById('qr');
    qr.hidden = false;
    qr.src = 'data:image/svg+xml,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg"'
        + ' viewBox="0 0 37 37"><rect width="37" height="37" fill="#fff"/></svg>');
    document.getElementById('overlay').hidden = false;
    const px = (id) => parseFloat(getComputedStyle(document.getElementById(id)).fontSize);
    const box = (id) => document.getElementById(id).getBoundingClientRect();
    const q = box('qr'), cap = document.querySelector('.caption').getBoundingClientRect();
    return {credit: px('credit'), disclosure: px('disclosure'), qrW: q.width, qrH: q.height,
            overlapX: cap.right > q.left, right: q.right, bottom: q.bottom,
            captionH: cap.height, w: innerWidth, h: innerHeight};
}"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")
@pytest.mark.parametrize("size", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_the_web_players_caption_and_qr_follow_the_rule(
    player_url: str, size: tuple[int, int], tmp_path: Path
) -> None:
    pytest.importorskip("playwright.sync_api")
    width, height = size
    with shared_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(player_url, wait_until="load")
            m: dict[str, Any] = page.evaluate(MEASURE, [CREDIT, DISCLOSURE])
            page.screenshot(path=str(tmp_path / f"captions-{width}x{height}.png"))
        finally:
            browser.close()
    assert m["credit"] >= CAPTION_TEXT_SHARE * height
    assert m["disclosure"] >= CAPTION_TEXT_SHARE * height - 0.5  # rounding of 3vh
    assert m["qrW"] >= 0.29 * min(width, height) and m["qrW"] == m["qrH"]
    assert not m["overlapX"]  # the caption never runs under the code
    assert m["right"] <= width and m["bottom"] <= height  # all of it on screen


# The Qt player ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_the_qt_players_overlay_follows_the_rule(qtbot: Any, size: tuple[int, int]) -> None:
    pytest.importorskip("PySide6")
    from PySide6.QtWidgets import QWidget

    from ui.player.window import _Overlay

    width, height = size
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.resize(width, height)
    overlay = _Overlay(parent)
    overlay.setGeometry(0, 0, width, height)
    overlay.fit(width, height)
    item = {
        "credit": CREDIT,
        "ai_involvement": "digitalCreation",
        "ai_disclosure": DISCLOSURE,
        "mobile_url": "https://art.example.org/a/7/",
    }
    overlay.show_item(item)
    overlay.caption.ensurePolished()
    assert overlay.caption.font().pixelSize() >= CAPTION_TEXT_SHARE * height
    assert f"font-size: {text_px(height)}px" in overlay.caption.text()  # the disclosure
    assert text_px(height) >= CAPTION_TEXT_SHARE * height
    pixmap = overlay.qr.pixmap()
    assert pixmap.width() >= 0.29 * min(width, height) - 1
    assert pixmap.width() == pixmap.height()


@pytest.mark.parametrize(("languages", "shown"), [(("ja", "en"), "ja"), (("ko", "de"), "de")])
def test_the_qt_players_disclosure_is_in_the_screens_language(
    qtbot: Any, languages: tuple[str, ...], shown: str
) -> None:
    pytest.importorskip("PySide6")
    from PySide6.QtWidgets import QWidget

    from ui.player.window import _Overlay
    from urbanart.i18n import gettext
    from urbanart.library.vocabulary import disclosure

    parent = QWidget()
    qtbot.addWidget(parent)
    parent.resize(1920, 1080)
    english = disclosure("digitalCreation")
    item = {
        "credit": CREDIT,
        "ai_involvement": "digitalCreation",
        "ai_disclosure": english,
        "mobile_url": "https://art.example.org/a/7/",
    }
    overlay = _Overlay(parent, languages)
    overlay.show_item(item)
    translated = gettext(shown, english)
    assert translated != english
    assert translated in overlay.caption.text() and english not in overlay.caption.text()
    assert CREDIT in overlay.caption.text()  # the credit is data: as the manifest has it
    plain = _Overlay(parent)  # no language given: English, as before
    plain.show_item(item)
    assert english in plain.caption.text()
