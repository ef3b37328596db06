"""A generative work in the Qt player: its package run in QtWebEngine, when that is installed.

Why optional: QtWebEngine is a large download (a whole Chromium) that PySide6-Essentials, which
the studio depends on, does not carry; a screen that has it (`pip install PySide6-Addons`) runs
the piece, any other shows the work's still, which every item has. The page is the package's
entry on the hub (urbanart.player.generative), served with a CSP that allows no network; on
top of that an interceptor refuses every request that is not a file of this package, so even a
hub without the CSP header cannot give the piece a way out. Nothing else is shared with it: no
parent page, and an off-the-record profile (no cookies, no storage kept).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QWidget


def web_engine_available() -> bool:
    """Whether this PySide6 has QtWebEngine (checked once per call site; the import is cached)."""
    try:
        import PySide6.QtWebEngineWidgets  # noqa: F401
    except ImportError:
        return False
    return True


def package_prefix(url: str) -> str:
    """The URL every file of the piece at `url` starts with: its folder under /media/gen/."""
    parts = urlsplit(url)
    folder = parts.path.rsplit("/", 1)[0] + "/"
    return f"{parts.scheme}://{parts.netloc}{folder}"


def make_web_piece(parent: QWidget, url: str) -> QWidget | None:
    """A QWebEngineView running the piece at `url`, or None without QtWebEngine."""
    try:
        from PySide6.QtWebEngineCore import (
            QWebEnginePage,
            QWebEngineProfile,
            QWebEngineSettings,
            QWebEngineUrlRequestInfo,
            QWebEngineUrlRequestInterceptor,
        )
        from PySide6.QtWebEngineWidgets import QWebEngineView
    except ImportError:
        return None
    prefix = package_prefix(url)

    class OnlyThePackage(QWebEngineUrlRequestInterceptor):
        def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
            if not info.requestUrl().toString().startswith(prefix):
                info.block(True)

    view: Any = QWebEngineView(parent)
    profile = QWebEngineProfile(view)  # off the record: nothing persists between pieces
    interceptor = OnlyThePackage(profile)
    profile.setUrlRequestInterceptor(interceptor)
    page = QWebEnginePage(profile, view)
    settings = page.settings()
    settings.setAttribute(QWebEngineSettings.WebAttribute.LocalStorageEnabled, False)
    settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows, False)
    settings.setAttribute(QWebEngineSettings.WebAttribute.PluginsEnabled, False)
    view.setPage(page)
    view._interceptor = interceptor  # kept alive as long as the view
    view.load(QUrl(url))
    return view  # type: ignore[no-any-return]
