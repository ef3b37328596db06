"""Finding a catalog row by what a curator types: an id, or a name."""

from __future__ import annotations

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
    raise NotFound(kind, text)
