"""Which language to show someone, from the languages they prefer and those a page exists in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def _base(code: str) -> str:
    return code.strip().replace("_", "-").split("-", 1)[0].lower()


def best_language(preferences: Sequence[str], available: Iterable[str]) -> str | None:
    """The first preference a version exists for, by its base language ("pt-BR" → "pt",
    "ja-JP" → "ja"), as a browser's navigator.languages or Accept-Language list them; None when
    none does (the caller keeps its default)."""
    offered = {_base(code): code for code in available}
    for wanted in preferences:
        found = offered.get(_base(wanted))
        if found is not None:
            return found
    return None


def parse_accept_language(header: str) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]
