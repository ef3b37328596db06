"""The metadata sheet written back out: one CSV row per artwork, in the columns ``urbanart
import --metadata`` reads, texts per language included (title@ja, description@ja, alt_text@ja
and the artist's bio@ja).

Why: curators hand the sheet to translators and take it back in a spreadsheet; whatever this
writes, the import reads (urbanart.library.import_sources.read_sheet). Cells that a spreadsheet
would run as a formula are neutralised (csv_safe).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from urbanart.csv_safe import SafeDictWriter
from urbanart.library.catalog import ArtworkFilter, list_artworks
from urbanart.library.import_sources import SHEET_COLUMNS
from urbanart.library.library import Library
from urbanart.library.records import ArtworkRecord
from urbanart.library.texts import BASE_LANGUAGE, WORK_FIELDS, bios_for, texts_for


def sheet_columns(languages: Iterable[str]) -> list[str]:
    """The base columns, then per language (sorted) its work texts and the artist's bio."""
    per_language = [
        f"{name}@{language}"
        for language in sorted(set(languages) - {BASE_LANGUAGE})
        for name in (*WORK_FIELDS, "bio")
    ]
    return [*SHEET_COLUMNS, *per_language]


def _base_row(record: ArtworkRecord) -> dict[str, Any]:
    return {
        "file": record.asset.original_name,
        "artist": record.artist_name,
        "title": record.title,
        "year": "" if record.year is None else record.year,
        "description": record.description,
        "alt_text": record.alt_text,
        "license": record.license,
        "ai_involvement": record.ai_involvement,
        "tags": ", ".join(record.tags),
        "status": record.status,
    }


def write_sheet(library: Library, out: TextIO, filters: ArtworkFilter | None = None) -> int:
    """Write the works filters select to out as a metadata sheet; returns how many rows."""
    records = list_artworks(library, filters)
    texts = texts_for(library, [r.id for r in records])
    bios = bios_for(library, {r.artist_id for r in records})
    languages = {lang for by in texts.values() for lang in by}
    languages |= {lang for r in records for lang in bios.get(r.artist_id, {})}
    writer = SafeDictWriter(out, fieldnames=sheet_columns(languages), lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = _base_row(record)
        for language, work in texts.get(record.id, {}).items():
            if language != BASE_LANGUAGE:
                row.update({f"{name}@{language}": getattr(work, name) for name in WORK_FIELDS})
        for language, bio in bios.get(record.artist_id, {}).items():
            if language != BASE_LANGUAGE:
                row[f"bio@{language}"] = bio
        writer.writerow(row)
    return len(records)
