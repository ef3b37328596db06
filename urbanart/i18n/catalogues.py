"""The message catalogues: one gettext `.po` file per language, read directly through Babel.

Why `.po` and not compiled `.mo`: a translator edits one text file and the language exists; no
build step can be forgotten, and no generated file sits in the repository or the wheel. The
catalogues are small (a few hundred strings), so parsing each once per process costs
milliseconds. The shipped languages are the folders of `locale/`: add
`locale/<lang>/LC_MESSAGES/messages.po` and every page is built in that language too
(docs/translating.md); English, the language the messages are written in, needs no catalogue.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

#: The language the messages (msgids) are written in.
SOURCE_LANGUAGE = "en"
DOMAIN = "messages"


def _locale_root() -> resources.abc.Traversable:
    return resources.files("urbanart.i18n").joinpath("locale")


def _po_file(lang: str) -> resources.abc.Traversable:
    return _locale_root().joinpath(lang, "LC_MESSAGES", f"{DOMAIN}.po")


def languages_in(root: resources.abc.Traversable) -> tuple[str, ...]:
    """English first (the messages' own language), then every language with a catalogue under
    root (<lang>/LC_MESSAGES/messages.po), in alphabetical order."""
    found = sorted(
        entry.name
        for entry in root.iterdir()
        if entry.is_dir()
        and entry.name != SOURCE_LANGUAGE
        and entry.joinpath("LC_MESSAGES", f"{DOMAIN}.po").is_file()
    )
    return (SOURCE_LANGUAGE, *found)


@cache
def shipped_languages() -> tuple[str, ...]:
    """The languages of the package's own catalogues: a new `.po` is a new language without a
    line of code."""
    return languages_in(_locale_root())


def _base(lang: str) -> str:
    return lang.replace("_", "-").split("-", 1)[0].lower()


@cache
def translator(lang: str) -> Translations:
    """The gettext translations of one language ("ja", "pt-BR" → pt's); English and a language
    without a catalogue get the null translations (every message as written)."""
    code = _base(lang)
    if code == SOURCE_LANGUAGE or code not in shipped_languages():
        return Translations()
    with _po_file(code).open("rb") as po:
        catalog = read_po(po, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # gettext reads the compiled form; kept in memory only
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(lang: str, message: str) -> str:
    """One message in one language (the message itself when it has no translation)."""
    return translator(lang).ugettext(message)


def N_(message: str) -> str:
    """Mark a message for the catalogue without translating it here (it is translated where it
    is shown, in the reader's language)."""
    return message
