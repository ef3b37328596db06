"""Language codes as curators type them: BCP 47 tags reduced to language, script and region.

Why a rule of our own rather than a locale library: the library stores only what a caption or a
page needs to choose a text ("ja", "pt-BR", "zh-Hant"), and one spelling per language keeps two
curators' "pt-br" and "pt-BR" from becoming two languages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from urbanart.errors import InvalidValue

#: language (2–3 letters), then an optional script (4 letters) and region (2 letters or 3 digits).
_TAG = re.compile(
    r"^(?P<language>[a-z]{2,3})(?:-(?P<script>[a-z]{4}))?(?:-(?P<region>[a-z]{2}|\d{3}))?$"
)
EXAMPLES = "such as en, ja, pt or pt-BR"


def clean_language(value: object, *, field: str = "language", key: str = "language") -> str:
    """The tag in its one spelling ("PT_br" → "pt-BR"); InvalidValue naming it otherwise."""
    text = "" if value is None else str(value).strip()
    match = _TAG.match(text.replace("_", "-").lower())
    if match is None:
        reason = "must not be empty" if not text else f"is not a language code ({EXAMPLES})"
        raise InvalidValue(field, text, reason, key=key)
    tag = match["language"]
    if match["script"]:
        tag += "-" + match["script"].title()
    if match["region"]:
        tag += "-" + match["region"].upper()
    return tag


def clean_languages(
    value: str | Iterable[str] | None, *, most: int = 2, key: str = "language"
) -> tuple[str, ...]:
    """A list of languages such as "ja,en": each cleaned, none twice, at most ``most``."""
    if value is None:
        return ()
    parts = value.split(",") if isinstance(value, str) else list(value)
    tags = [clean_language(p, key=key) for p in parts if str(p).strip()]
    if not tags:
        raise InvalidValue("language", value, f"name a language ({EXAMPLES})", key=key)
    for i, tag in enumerate(tags):
        if tag in tags[:i]:
            raise InvalidValue("language", ",".join(tags), f"names {tag} twice", key=key)
    if len(tags) > most:
        raise InvalidValue(
            "language", ",".join(tags), f"at most {most} languages (the first is the main one)",
            key=key,
        )  # fmt: skip
    return tuple(tags)


#: The languages pickers offer first: those the studio's pages and captions ship in
#: (urbanart.i18n.LANGUAGES). Any other valid code may be typed.
SUGGESTED = ("en", "fi", "de", "ja", "pt")
