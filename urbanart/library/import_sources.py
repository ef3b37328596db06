"""What an import is asked to take in: files found under paths, and the metadata sheet for them."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from urbanart.errors import InvalidValue, MetadataError
from urbanart.library.catalog import clean_artwork_fields

#: Files a folder scan passes over: sidecars that sit beside artworks but are not artworks.
SIDECAR_SUFFIXES = frozenset({".csv", ".json", ".txt", ".md", ".xmp", ".pdf", ".ini", ".db"})

SHEET_COLUMNS = (
    "file",
    "artist",
    "title",
    "year",
    "description",
    "alt_text",
    "license",
    "ai_involvement",
    "tags",
    "status",
)


@dataclass(frozen=True)
class ImportItem:
    """One file to import, with the artist its place in the folder tree suggests."""

    path: Path
    artist_hint: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def scan(paths: Iterable[str | Path], artist: str | None = None) -> list[ImportItem]:
    """Expand files and folders. In a folder, each sub-folder is one artist, named by the folder.

    Files named on the command line are always tried (the content decides); a folder scan skips
    hidden files and sidecars such as sheets and notes.
    """
    items: list[ImportItem] = []
    seen: set[Path] = set()

    def add(path: Path, hint: str | None) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            items.append(ImportItem(path=resolved, artist_hint=artist or hint))

    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_file():
            add(path, None)
        elif path.is_dir():
            for child in sorted(path.iterdir()):
                if child.name.startswith("."):
                    continue
                if child.is_dir():
                    for file in _walk(child):
                        add(file, child.name)
                elif child.suffix.lower() not in SIDECAR_SUFFIXES:
                    add(child, None)
        else:
            raise InvalidValue("path", str(raw), "does not exist", key="path")
    return items


def _walk(folder: Path) -> list[Path]:
    files = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() not in SIDECAR_SUFFIXES:
            files.append(path)
    return files


@dataclass(frozen=True)
class MetadataSheet:
    """Per-file metadata from a CSV sheet, keyed by the file's resolved path and by its name."""

    source: Path
    by_path: dict[Path, dict[str, Any]]
    by_name: dict[str, dict[str, Any]]

    def lookup(self, path: Path) -> dict[str, Any] | None:
        return self.by_path.get(path.resolve()) or self.by_name.get(path.name.lower())

    def unmatched(self, items: Sequence[ImportItem]) -> list[str]:
        used = {id(self.lookup(item.path)) for item in items}
        return sorted(
            str(path.relative_to(self.source.parent))
            if path.is_relative_to(self.source.parent)
            else str(path)
            for path, row in self.by_path.items()
            if id(row) not in used
        )


def read_sheet(path: str | Path) -> MetadataSheet:
    """Read and validate the whole sheet first, so a bad row stops the import before any file."""
    source = Path(path).expanduser().resolve()
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MetadataError(f"{source}: metadata sheet not found") from None
    except UnicodeDecodeError:
        raise MetadataError(f"{source}: not UTF-8 text; save the sheet as CSV UTF-8") from None
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    if "file" not in columns:
        raise MetadataError(
            f"{source}: no 'file' column; the header must name {', '.join(SHEET_COLUMNS)}"
        )
    unknown = [c for c in columns if c not in SHEET_COLUMNS]
    if unknown:
        raise MetadataError(
            f"{source}: unknown column {unknown[0]!r}; known columns are {', '.join(SHEET_COLUMNS)}"
        )
    by_path: dict[Path, dict[str, Any]] = {}
    by_name: dict[str, dict[str, Any]] = {}
    errors = []
    for line, raw_row in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw_row.items() if k}
        file = row.pop("file", "")
        if not file:
            errors.append(f"{source.name} line {line}: 'file' is empty")
            continue
        values = {k: v for k, v in row.items() if v != ""}
        try:
            clean = clean_artwork_fields(values)
        except InvalidValue as exc:
            errors.append(f"{source.name} line {line} ({file}): {exc}")
            continue
        file_path = (source.parent / file).resolve()
        if file_path in by_path:
            errors.append(f"{source.name} line {line}: {file!r} is listed twice")
            continue
        by_path[file_path] = clean
        by_name.setdefault(Path(file).name.lower(), clean)
    if errors:
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        raise MetadataError("; ".join(errors[:10]) + more)
    return MetadataSheet(source=source, by_path=by_path, by_name=by_name)
