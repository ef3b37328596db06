"""The sentences the pages' scripts show, in the page's language.

Why from the page and not in the .js files: the scripts are shared by every language's pages
(one cached file each), so each page carries its own strings as a JSON block (#ui-strings) and
the scripts fill in the {names}.
"""

from __future__ import annotations

from urbanart.i18n import N_, gettext

SCRIPT_STRINGS = {
    "out_of_date": N_(
        "This page is out of date: it knows this screen's programme only until {date}. "
        "Reload it for the latest; until then, this is our best guess."
    ),
    "too_early": N_(
        "This device's clock is earlier than the screen's programme starts ({date}); "
        "what you see here may not match the screen."
    ),
    "now_on_screen": N_("Now on screen: {title} by {artist}."),
    "now_title": N_("Now: {title} · {screen}"),
    "nothing": N_("Nothing is showing on this screen right now."),
    "changes_in_s": N_("Changes in {n} s"),
    "changes_in_min": N_("Changes in {n} min"),
    "video_position": N_("{position} of {length}"),
    "no_programme": N_(
        "This page cannot reach the screen's programme right now, so it cannot say what is "
        "on the screen. Check your connection and reload the page."
    ),
    "unknown_work": N_("A new work: reload this page to see its details"),
}


def script_strings(lang: str) -> dict[str, str]:
    """Every script sentence in one language, by key."""
    return {key: gettext(lang, text) for key, text in SCRIPT_STRINGS.items()}
