"""How long a live work's frames stay: the artist's wish, parsed and applied.

`none` keeps only the frame on screen now, `N` the last N frames, a duration (`10m`, `2h`,
`7d`) the frames younger than that. The newest frame always stays: it is what screens show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from urbanart.errors import InvalidValue

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
#: The longest retention a duration may ask for (a year); beyond it, keep frames as artworks.
MAX_RETENTION_S = 366 * 86400
MAX_RETENTION_FRAMES = 1_000_000


class RetentionKind(StrEnum):
    NONE = "none"
    COUNT = "count"
    DURATION = "duration"


@dataclass(frozen=True)
class Retention:
    kind: RetentionKind
    value: int | None = None  # frames (count) or seconds (duration)

    def __str__(self) -> str:
        if self.kind is RetentionKind.NONE:
            return "none"
        if self.kind is RetentionKind.COUNT:
            return str(self.value)
        return format_seconds(float(self.value or 0))


def parse_seconds(text: str, *, field: str, key: str) -> float:
    """'5s', '500ms', '10m', '2h', '7d' or a bare number of seconds, as seconds."""
    raw = str(text).strip().lower()
    try:
        return float(raw)
    except ValueError:
        pass
    found = _DURATION.fullmatch(raw)
    if found is None:
        raise InvalidValue(field, text, "must be a duration like 5s, 10m, 2h or 7d", key=key)
    return float(found[1]) * _UNITS[found[2]]


def format_seconds(seconds: float) -> str:
    """The shortest exact way to write a duration: 7d, 2h, 10m, 5s, 1.5s."""
    for unit in ("d", "h", "m"):
        count = seconds / _UNITS[unit]
        if count >= 1 and count == int(count):
            return f"{int(count)}{unit}"
    return f"{seconds:g}s"


def parse_retention(text: str) -> Retention:
    """`none`, a whole number of frames ≥ 1, or a duration; InvalidValue naming the value."""
    raw = str(text).strip().lower()
    if raw == "none":
        return Retention(RetentionKind.NONE)
    if raw.isascii() and raw.isdigit():
        count = int(raw)
        if not 1 <= count <= MAX_RETENTION_FRAMES:
            raise InvalidValue(
                "retention",
                text,
                f"must keep from 1 to {MAX_RETENTION_FRAMES} frames",
                key="retention",
            )
        return Retention(RetentionKind.COUNT, count)
    if _DURATION.fullmatch(raw) is None:
        raise InvalidValue(
            "retention",
            text,
            "must be none, a number of frames (100) or a duration (10m, 2h, 7d)",
            key="retention",
        )
    seconds = parse_seconds(raw, field="retention", key="retention")
    if not 1 <= seconds <= MAX_RETENTION_S:
        raise InvalidValue("retention", text, "must be from 1 second to 366 days", key="retention")
    return Retention(RetentionKind.DURATION, round(seconds))
