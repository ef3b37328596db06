"""Finding a catalog row by what a curator types: an id, or a name."""

from __future__ import annotations

from difflib import get_close_matches
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbanart.errors import Ambiguous, NotFound

T = TypeVar("T")


def find(
    session: Session, model: type[T], ref: str | int, *, kind: str, name_attr: str = "name"
) -> T:
    """Resolve ref as an id (all digits), else an exact name, else a case-insensitive name."""
    text = str(ref).strip()
    if text.isdigit():
        row = session.get(model, int(text))
        if row is not None:
            return row
    column: Any = getattr(model, name_attr)
    for clause in (column == text, func.lower(column) == text.lower()):
        rows = list(session.scalars(select(model).where(clause).limit(20)))
        if len(rows) == 1:
            return rows[0]
        if len(rows) > 1:
            raise Ambiguous(kind, text, sorted(r.id for r in rows))  # type: ignore[attr-defined]
    raise NotFound(kind, text, close_names(session, column, text))


#: How many "did you mean" names a message offers, and how alike they must be (difflib's ratio).
SUGGESTIONS = 3
CUTOFF = 0.6
#: At most this many names are compared: enough for screens, playlists and schedules, and a
#: typo in a 100,000-title artwork catalogue then costs milliseconds, not seconds.
SCAN_LIMIT = 5000


def close_names(session: Session, column: Any, text: str) -> tuple[str, ...]:
    """The stored names most like text (case-insensitive), best first, for "did you mean …".

    Reads up to SCAN_LIMIT names of one table: the catalogues a curator types names of
    (screens, playlists, schedules, groups) hold hundreds of rows.
    """
    names = [n for n in session.scalars(select(column).distinct().limit(SCAN_LIMIT)) if n]
    return suggest(text, names)


def suggest(text: str, names: list[str] | tuple[str, ...] | frozenset[str]) -> tuple[str, ...]:
    """The names closest to text by difflib's ratio, compared case-insensitively."""
    by_lower: dict[str, str] = {}
    for name in sorted(names):
        by_lower.setdefault(name.lower(), name)
    found = get_close_matches(text.lower(), list(by_lower), n=SUGGESTIONS, cutoff=CUTOFF)
    return tuple(by_lower[match] for match in found)
