"""Screen captions in the screen's languages: a manifest item's title (and so its credit) and
alt text, chosen from the curator's texts per language by ``texts.pick``.

Why only where a translation exists: a screen whose language has none keeps the base texts.
(The screen's languages themselves go into its manifest as `screen.languages`, see
urbanart.delivery.manifest; an English-only screen's manifest stays byte for byte the same.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from urbanart.delivery.manifest import ItemFacts
from urbanart.library.texts import BASE_LANGUAGE, WorkTexts, pick


def localize(
    item: ItemFacts, by_language: Mapping[str, WorkTexts], languages: Sequence[str]
) -> ItemFacts:
    """item with its title and alt text in the first of languages that has each (then the base
    texts, then any language that has one: a caption is never left empty)."""
    if set(by_language) <= {BASE_LANGUAGE}:
        return item
    title, _ = pick({k: t.title for k, t in by_language.items()}, languages, BASE_LANGUAGE)
    alt, _ = pick({k: t.alt_text for k, t in by_language.items()}, languages, BASE_LANGUAGE)
    return dataclasses.replace(item, title=title or item.title, alt_text=alt or item.alt_text)
