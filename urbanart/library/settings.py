"""Library settings, declared once with types and defaults, stored as JSON in the database."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import select

from urbanart.errors import InvalidValue
from urbanart.imaging.limits import ImportLimits
from urbanart.library.library import Library
from urbanart.library.models import Setting


@dataclass(frozen=True)
class LibrarySettings:
    """Every knob a curator may turn for a whole library."""

    #: Where the published tree is reachable by phones and screens (links and QR codes).
    public_base_url: str = "http://localhost:8470"
    #: Largest file accepted by import, in bytes.
    max_import_bytes: int = ImportLimits.max_bytes
    #: Largest frame accepted by import, in pixels (decompression-bomb guard).
    max_import_pixels: int = ImportLimits.max_pixels
    #: Largest animation accepted by import, in pixels over all frames (frames×width×height).
    max_import_total_pixels: int = ImportLimits.max_total_pixels
    #: Memory (address space) each import worker process may use, in bytes.
    import_worker_memory: int = ImportLimits.worker_memory_bytes
    #: Colour transparent artworks are shown on in renditions.
    rendition_background: str = ImportLimits.background

    def import_limits(self) -> ImportLimits:
        return ImportLimits(
            max_bytes=self.max_import_bytes,
            max_pixels=self.max_import_pixels,
            max_total_pixels=self.max_import_total_pixels,
            background=self.rendition_background,
            worker_memory_bytes=self.import_worker_memory,
        )


def _coerce(name: str, raw: Any) -> Any:
    default = getattr(LibrarySettings, name)
    if isinstance(default, int):
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise InvalidValue(name, raw, "must be a whole number", key=name) from None
        if value <= 0:
            raise InvalidValue(name, raw, "must be positive", key=name)
        return value
    return str(raw)


def load_settings(library: Library) -> LibrarySettings:
    with library.session() as session:
        stored = {row.key: json.loads(row.value) for row in session.scalars(select(Setting))}
    known = {f.name for f in fields(LibrarySettings)}
    return LibrarySettings(**{k: v for k, v in stored.items() if k in known})


def update_settings(library: Library, **changes: Any) -> LibrarySettings:
    known = {f.name for f in fields(LibrarySettings)}
    for name in changes:
        if name not in known:
            raise InvalidValue(
                "setting",
                name,
                f"is unknown; known settings: {', '.join(sorted(known))}",
                key="setting",
            )
    current = load_settings(library)
    updated = replace(current, **{k: _coerce(k, v) for k, v in changes.items()})
    with library.session() as session:
        for name, value in asdict(updated).items():
            session.merge(Setting(key=name, value=json.dumps(value)))
    return updated
