"""The player tests' setup: QtWebEngine (when installed) is loaded and the generative pieces'
scheme registered at collection, before pytest-qt makes the QApplication, as QtWebEngine needs."""

from __future__ import annotations

try:
    from ui.player.web_piece import prepare_web_engine
except ImportError:  # no PySide6 at all: the Qt player tests skip themselves
    pass
else:
    prepare_web_engine()
