"""What an import is asked to take in: files found under paths, and the metadata sheet for them."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from urbanart.errors import InvalidValue, MetadataError
from urbanart.library.catalog import clean_artwork_fields, clean_text
from urbanart.library.language_codes import EXAMPLES, clean_language
from urbanart.library.texts import BASE_LANGUAGE, WORK_FIELDS
from urbanart.library.translations import clean_work_texts

#: Files a folder scan passes over: sidecars that sit beside artworks but are not artworks.
SIDECAR_SUFFIXES = frozenset({".csv", ".json", ".txt", ".md", ".xmp", ".pdf", ".ini", ".db"})
SIDECAR_KINDS = {
    ".csv": "a spreadsheet (CSV)",
    ".json": "a JSON file",
    ".txt": "a text file",
    ".md": "a text file",
    ".xmp": "XMP metadata",
    ".pdf": "a PDF document",
    ".ini": "a settings file",
    ".db": "a database file",
}

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
#: Columns a sheet may give per language, as FIELD@LANGUAGE: title@ja, alt_text@pt-BR, bio@fi.
TRANSLATED_COLUMNS = (*WORK_FIELDS, "bio")


@dataclass(frozen=True)
class ImportItem:
    """One file to import, with the artist its place in the folder tree suggests.

    `refused` is set when the scan itself turned the file down (a link out of the folder): the
    import then lists it with that reason and never opens it. `skipped` is set for a sidecar a
    folder scan passed over (a .txt note, a .pdf): listed with that reason, never an error.
    """

    path: Path
    artist_hint: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    refused: str | None = None
    skipped: str | None = None


def sidecar_reason(path: Path) -> str:
    """Why a folder import passed over a file: what it is, and that this is on purpose."""
    kind = SIDECAR_KINDS.get(path.suffix.lower(), "a sidecar file")
    return f"{kind}, not an artwork: a folder import passes over {path.suffix.lower()} files"


def _outside(path: Path, root: Path) -> bool:
    """Whether a link leads out of root (a dangling link counts by where it points)."""
    return not path.resolve().is_relative_to(root)


def _link_out(path: Path, root: Path) -> str:
    return (
        f"not imported: a symbolic link to {'a folder' if path.is_dir() else 'a file'} outside "
        f"{root}; a folder import never follows links out of the folder (name the file itself "
        "to import it)"
    )


def scan(paths: Iterable[str | Path], artist: str | None = None) -> list[ImportItem]:
    """Expand files and folders. In a folder, each sub-folder is one artist, named by the folder.

    Files named on the command line are always tried, as given (the content decides); a folder
    scan skips hidden files, passes over sidecars such as sheets and notes (they come back with
    `skipped` set, so the summary names them), and does not follow symbolic
    links whose target lies outside the folder: a link in a shared folder must not import a
    private photo from elsewhere on the disk. Those come back with `refused` set, so the summary
    lists them. Links within the folder are read once, under their real path.
    """
    items: list[ImportItem] = []
    seen: set[Path] = set()

    def add(path: Path, hint: str | None) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            items.append(ImportItem(path=resolved, artist_hint=artist or hint))

    def skip(path: Path, hint: str | None) -> None:
        absolute = path.absolute()
        if absolute not in seen:
            seen.add(absolute)
            items.append(ImportItem(absolute, artist or hint, skipped=sidecar_reason(path)))

    def refuse(path: Path, hint: str | None, root: Path) -> None:
        absolute = path.absolute()
        if absolute not in seen:
            seen.add(absolute)
            items.append(ImportItem(absolute, artist or hint, refused=_link_out(path, root)))

    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_file():
            add(path, None)
        elif path.is_dir():
            root = path.resolve()
            for child in sorted(path.iterdir()):
                if child.name.startswith("."):
                    continue
                if child.is_symlink():
                    if _outside(child, root):
                        refuse(child, None, root)
                        continue
                    if child.is_dir():  # a folder inside: scanned under its real name
                        continue
                if child.is_dir():
                    for file, outside in _walk(child, root):
                        if outside:
                            refuse(file, child.name, root)
                        elif file.suffix.lower() in SIDECAR_SUFFIXES:
                            skip(file, child.name)
                        else:
                            add(file, child.name)
                elif child.is_file():
                    (skip if child.suffix.lower() in SIDECAR_SUFFIXES else add)(child, None)
        else:
            raise InvalidValue("path", str(raw), "does not exist", key="path")
    return items


def _walk(folder: Path, root: Path) -> list[tuple[Path, bool]]:
    """Files under folder, sorted, each with whether it is a link out of root. Links to folders
    are never entered (inside root, their files are reached by their real path). Sidecars are
    listed too: the caller names them as skipped."""
    found: list[tuple[Path, bool]] = []
    for dirpath, dirnames, filenames in os.walk(folder):  # followlinks=False
        base = Path(dirpath)
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in dirnames:
            linked = base / name
            if linked.is_symlink() and _outside(linked, root):
                found.append((linked, True))
        for name in filenames:
            path = base / name
            if name.startswith("."):
                continue
            if path.is_symlink() and _outside(path, root):
                found.append((path, True))
            elif path.is_file():
                found.append((path, False))
    return sorted(found)


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
    translated = _translated_columns(source, columns)
    by_path: dict[Path, dict[str, Any]] = {}
    by_name: dict[str, dict[str, Any]] = {}
    errors = []
    for line, raw_row in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw_row.items() if k}
        file = row.pop("file", "")
        if not file:
            errors.append(f"{source.name} line {line}: 'file' is empty")
            continue
        per_language: dict[str, dict[str, str]] = {}
        for column, (name, language) in translated.items():
            value = row.pop(column, "")
            if value:
                per_language.setdefault(language, {})[name] = value
        values = {k: v for k, v in row.items() if v != ""}
        values.update(per_language.pop(BASE_LANGUAGE, {}))  # title@en is the title
        bios = values.pop("bio", None)
        try:
            clean = clean_artwork_fields(values)
            if bios is not None:
                per_language.setdefault(BASE_LANGUAGE, {})["bio"] = bios
            _clean_translations(clean, per_language)
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


def _translated_columns(source: Path, columns: list[str]) -> dict[str, tuple[str, str]]:
    """FIELD@LANGUAGE columns as {column: (field, language)}; a sheet naming any other column,
    or a language code that is none, is refused whole, naming that column."""
    translated: dict[str, tuple[str, str]] = {}
    for column in columns:
        if column in SHEET_COLUMNS:
            continue
        name, at, language = column.partition("@")
        if not at or name not in TRANSLATED_COLUMNS:
            raise MetadataError(
                f"{source}: unknown column {column!r}; known columns are "
                f"{', '.join(SHEET_COLUMNS)}, and per language "
                f"{', '.join(c + '@LANGUAGE' for c in TRANSLATED_COLUMNS)} (such as title@ja)"
            )
        try:
            tag = clean_language(language)
        except InvalidValue:
            raise MetadataError(
                f"{source}: column {column!r}: {language!r} is not a language code ({EXAMPLES})"
            ) from None
        if (name, tag) in translated.values():
            raise MetadataError(f"{source}: column {column!r} repeats {name}@{tag}")
        translated[column] = (name, tag)
    return translated


def _clean_translations(clean: dict[str, Any], per_language: dict[str, dict[str, str]]) -> None:
    """Put a row's texts per language into its metadata, checked: "texts" (an artwork's, by
    language) and "bios" (its artist's, by language, the base one included)."""
    for language, values in per_language.items():
        bio = values.pop("bio", None)
        if bio is not None:
            text = clean_text(f"bio@{language}", bio, key="bio")
            clean.setdefault("bios", {})[language] = text
        if values:
            clean.setdefault("texts", {})[language] = clean_work_texts(values, language)
