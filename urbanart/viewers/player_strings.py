"""The web player's fixed words in every shipped language, published as player/strings.json.

Why a file beside the player and not in the manifest: the words are the same for every screen
and change only with the catalogues; a manifest names only the screen's languages. The player
picks the language (?lang=ja,en in its address, else the manifest's screen.languages, else the
device's languages) and shows the AI disclosure the manifest carries (English, from
urbanart/library/vocabulary.py) in it.
"""

from __future__ import annotations

import json

from urbanart.i18n import LANGUAGES, N_, gettext
from urbanart.library.vocabulary import SOURCE_TYPES, UNDISCLOSED, disclosure

#: Where the player finds them (beside player/index.html).
PLAYER_STRINGS_PATH = "player/strings.json"

NOTICES = {
    "no_token": N_("Add ?token=<poll token> to this page's address."),
    "no_https": N_("This player needs HTTPS (or localhost) to verify signed manifests."),
    "cannot_start": N_("Cannot start: {error}"),
    "qr_alt": N_("QR code: {url}"),
}


def player_strings() -> bytes:
    """{lang: {"disclosures": {English sentence: translation}, "notices": {key: text}}},
    sorted so an unchanged catalogue gives the same bytes."""
    sentences = [disclosure(code) for code in (*SOURCE_TYPES, UNDISCLOSED)]
    doc = {
        lang: {
            "disclosures": {s: gettext(lang, s) for s in sentences},
            "notices": {key: gettext(lang, text) for key, text in NOTICES.items()},
        }
        for lang in LANGUAGES
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
