"""The viewers' languages: catalogues, choosing a language, and locale-aware formats.

The engine's lowest layer beside the protocol (no database, no templates), so pages, the CLI and
the players' captions can all use it.
"""

from __future__ import annotations

from babel import Locale

from urbanart.i18n.catalogues import N_, SOURCE_LANGUAGE, gettext, shipped_languages, translator
from urbanart.i18n.choose import best_language, parse_accept_language
from urbanart.i18n.formats import format_date, format_datetime, format_duration, format_zone

#: The shipped UI languages: English, then every language with a catalogue under locale/.
LANGUAGES: tuple[str, ...] = shipped_languages()


def language_name(lang: str) -> str:
    """A language's name in itself, as a language switch shows it: "Deutsch", "日本語", "Suomi"."""
    name = Locale.parse(lang.replace("-", "_")).get_display_name(lang.replace("-", "_")) or lang
    return name[:1].upper() + name[1:]


__all__ = [
    "LANGUAGES",
    "N_",
    "SOURCE_LANGUAGE",
    "best_language",
    "format_date",
    "format_datetime",
    "format_duration",
    "format_zone",
    "gettext",
    "language_name",
    "parse_accept_language",
    "translator",
]
