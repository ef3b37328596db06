"""A generative work in the Qt player: its package run in QtWebEngine, from the screen's own disk.

Why this way: QtWebEngine (a whole Chromium) comes with PySide6-Addons, the `player-web` extra;
a screen without it shows the work's still, which every item has. The piece's files are the
ones the player core verified against the manifest (urbanart.player.package_cache): they are
served to the page by a scheme of our own (`urbanart-piece://piece/<path>`) from memory, so the
piece needs no network at all, and an interceptor refuses every request of any other scheme
(http, https, ws, file…) before it leaves the engine: "no network" holds even for a page that
ignores the CSP, which the files are served with too. Nothing else is shared with the piece: an
off-the-record profile per piece (no cookies, no cache, no storage kept), local storage off.

The scheme must be registered before the QApplication exists (`prepare_web_engine`, called by
ui/player/__main__.py and the tests); as root the Chromium sandbox refuses to start, so there
(CI containers) the sandbox is turned off with QTWEBENGINE_CHROMIUM_FLAGS=--no-sandbox.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QUrl
from PySide6.QtWidgets import QWidget

from urbanart.player.generative import GenerativePiece
from urbanart.protocol.tree_layout import GENERATIVE_CSP

SCHEME = b"urbanart-piece"
HOST = "piece"
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
          ".html": "text/html", ".json": "application/json", ".svg": "image/svg+xml",
          ".wasm": "application/wasm"}  # fmt: skip


def web_engine_available() -> bool:
    """Whether this PySide6 has QtWebEngine (the `player-web` extra is installed)."""
    try:
        import PySide6.QtWebEngineWidgets  # noqa: F401
    except ImportError:
        return False
    return True


def chromium_flags(flags: str, as_root: bool) -> str:
    """QTWEBENGINE_CHROMIUM_FLAGS for this process: --no-sandbox added only when running as root
    (Chromium's sandbox refuses root; any other user keeps it)."""
    if as_root and "--no-sandbox" not in flags.split():
        return f"{flags} --no-sandbox".strip()
    return flags


def prepare_web_engine() -> bool:
    """Before the QApplication: load QtWebEngine and register the piece scheme; False (the still
    plays) without QtWebEngine. Safe to call more than once."""
    if not web_engine_available():
        return False
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = chromium_flags(
        os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", ""),
        hasattr(os, "geteuid") and os.geteuid() == 0,
    )
    from PySide6.QtWebEngineCore import QWebEngineUrlScheme

    if QWebEngineUrlScheme.schemeByName(QByteArray(SCHEME)).name() != QByteArray(SCHEME):
        scheme = QWebEngineUrlScheme(QByteArray(SCHEME))
        scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
        # secure (a canvas, workers and crypto behave as on https); fetch() of its own files
        scheme.setFlags(
            QWebEngineUrlScheme.Flag.SecureScheme | QWebEngineUrlScheme.Flag.CorsEnabled
        )
        QWebEngineUrlScheme.registerScheme(scheme)
    return True


def content_type(path: str) -> bytes:
    """The Content-Type a package file is served with (by its extension)."""
    extension = os.path.splitext(path)[1].lower()
    guessed = _TYPES.get(extension) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    return guessed.encode("ascii")


def piece_url(piece: GenerativePiece) -> str:
    """Where the view loads the piece: its entry on the piece scheme, with the screen's query."""
    return f"{SCHEME.decode()}://{HOST}/{piece.entry}?{piece.query}"


def make_web_piece(
    parent: QWidget, piece: GenerativePiece, on_failed: Callable[[str], None]
) -> QWidget | None:
    """A QWebEngineView running `piece` from its verified files, or None without QtWebEngine.
    `on_failed(reason)` is called when the page does not load (the caller shows the still)."""
    try:
        from PySide6.QtWebEngineCore import (
            QWebEnginePage,
            QWebEngineProfile,
            QWebEngineSettings,
            QWebEngineUrlRequestInfo,
            QWebEngineUrlRequestInterceptor,
            QWebEngineUrlRequestJob,
            QWebEngineUrlSchemeHandler,
        )
        from PySide6.QtWebEngineWidgets import QWebEngineView
    except ImportError:
        return None

    class OnlyThePiece(QWebEngineUrlRequestInterceptor):
        """Every request that is not for the piece scheme is refused before it is made."""

        def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
            url = info.requestUrl()
            if url.scheme().encode() != SCHEME or url.host() != HOST:
                info.block(True)

    class PieceFiles(QWebEngineUrlSchemeHandler):
        """Serves the piece's verified bytes; anything else is a 404."""

        def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
            url = job.requestUrl()
            path = url.path().lstrip("/")
            data = piece.files.get(path)
            if url.host() != HOST or data is None or job.requestMethod() != b"GET":
                job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
                return
            # A QMultiMap: PySide wants a list of values per name (its stub says one value).
            csp: Any = [QByteArray(GENERATIVE_CSP.encode())]
            job.setAdditionalResponseHeaders({QByteArray(b"Content-Security-Policy"): csp})
            buffer = QBuffer(job)
            buffer.setData(QByteArray(data))
            job.reply(QByteArray(content_type(path)), buffer)

    # Off the record (no storage name): nothing persists, nothing is shared. The profile must
    # outlive its page, so it is not the view's child, and is made after the view (a parent
    # deletes its children in the order they were made): it goes once the view and page are gone.
    view: Any = QWebEngineView(parent)
    profile = QWebEngineProfile(parent)
    view.destroyed.connect(profile.deleteLater)
    profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
    profile.setPersistentCookiesPolicy(
        QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies
    )
    interceptor = OnlyThePiece(profile)
    handler = PieceFiles(profile)
    profile.setUrlRequestInterceptor(interceptor)
    profile.installUrlSchemeHandler(QByteArray(SCHEME), handler)
    page = QWebEnginePage(profile, view)
    settings = page.settings()
    settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, True)
    settings.setAttribute(QWebEngineSettings.WebAttribute.LocalStorageEnabled, False)
    settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows, False)
    settings.setAttribute(QWebEngineSettings.WebAttribute.PluginsEnabled, False)
    settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
    settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, False)
    settings.setAttribute(QWebEngineSettings.WebAttribute.WebRTCPublicInterfacesOnly, True)
    settings.setAttribute(QWebEngineSettings.WebAttribute.ShowScrollBars, False)
    view.setPage(page)
    view.setContextMenuPolicy(view.contextMenuPolicy().NoContextMenu)

    def finished(ok: bool) -> None:
        if not ok:
            on_failed("the page did not load")

    view.loadFinished.connect(finished)
    view._keep = (interceptor, handler, piece)  # alive as long as the view
    view.load(QUrl(piece_url(piece)))
    return view  # type: ignore[no-any-return]
