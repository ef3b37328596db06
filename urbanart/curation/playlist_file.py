"""The open playlist file format (urbanart.playlist v1): export, validate and import playlists.

Works are named by the SHA-256 of their original file, not by library ids, so a file written by
one library imports into any other that holds the same works. See docs/playlist-format.md.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from urbanart import __version__
from urbanart.curation.playlists import (
    _record,
    artworks_by_sha256,
    clean_duration,
    clean_transition,
    find_playlist,
    item_timing,
    not_approved,
)
from urbanart.curation.records import PlaylistRecord
from urbanart.curation.screens import _unique_name
from urbanart.durable import atomic_write
from urbanart.errors import InvalidValue
from urbanart.library.catalog import clean_text
from urbanart.library.library import Library
from urbanart.library.models import Playlist, PlaylistItem
from urbanart.library.vocabulary import ALL_RIGHTS_RESERVED, ReviewStatus

FORMAT = "urbanart.playlist"
VERSION = 1
SCHEMA_NAME = "playlist.schema.json"


@cache
def schema() -> dict[str, Any]:
    text = resources.files("urbanart.curation").joinpath(SCHEMA_NAME).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema(), format_checker=FormatChecker())


def _json_path(error: ValidationError) -> str:
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _document_order(error: ValidationError) -> list[tuple[int, int, str]]:
    return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path]


def validate(data: Any) -> None:
    """Check data against the schema; the message names the JSON path of the first problem."""
    errors = sorted(_validator().iter_errors(data), key=_document_order)
    if errors:
        error = errors[0]
        raise InvalidValue("playlist file", _json_path(error), error.message, key="playlist_file")


def _credit(title: str, artist: str, year: int | None, license_id: str) -> str:
    made = f" ({year})" if year else ""
    rights = "all rights reserved" if license_id == ALL_RIGHTS_RESERVED else license_id
    return f"{title} by {artist}{made}, {rights}"


def export_playlist(library: Library, playlist_ref: str | int) -> dict[str, Any]:
    """The playlist as a v1 file (a dict ready for json.dump), valid against the schema."""
    with library.session() as session:
        playlist = find_playlist(session, playlist_ref)
        record = _record(session, playlist.id)
        loaded = session.get(Playlist, playlist.id)
        assert loaded is not None
        works = {item.id: item.artwork for item in loaded.items}
        items = []
        for item in record.items:
            work = works[item.id]
            transition: dict[str, Any] = {"type": item.transition}
            if item.transition != "cut":
                transition["seconds"] = item.transition_s
            items.append(
                {
                    "sha256": item.sha256,
                    "title": item.title,
                    "artist": item.artist,
                    "year": work.year,
                    "license": work.license,
                    "credits": _credit(item.title, item.artist, work.year, work.license),
                    "duration": item.duration,
                    "transition": transition,
                    "overlay": item.overlay,
                }
            )
            if item.loops is not None:
                items[-1]["loops"] = item.loops
    data = {
        "$schema": schema()["$id"],
        "format": FORMAT,
        "version": VERSION,
        "name": record.name,
        "description": record.description,
        "exported_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "generator": f"urbanart {__version__}",
        "items": items,
    }
    validate(data)
    return data


def import_playlist(library: Library, data: Any, *, name: str | None = None) -> PlaylistRecord:
    """Create a playlist from a v1 file's data, all or nothing.

    Every work must be in this library (found by SHA-256) and approved; the first one that is
    missing or unapproved stops the import before anything is written. An item with `loops`
    (a video) gets loops × the video's length as it is in this library.
    """
    validate(data)
    title = clean_text("name", name if name is not None else data["name"], required=True, limit=200)
    entries = data["items"]
    planned = []
    for index, entry in enumerate(entries):
        duration = clean_duration(entry["duration"])
        transition = entry.get("transition") or {"type": "cut"}
        try:
            kind, seconds = clean_transition(
                transition["type"], transition.get("seconds"), duration
            )
        except InvalidValue as exc:
            raise InvalidValue(
                "playlist file", f"$.items[{index}].transition", exc.reason, key="playlist_file"
            ) from None
        planned.append((entry, duration, kind, seconds, entry.get("overlay", True)))
    with library.session() as session:
        try:
            _unique_name(session, Playlist, title, "playlist", None)
        except InvalidValue:
            raise InvalidValue(
                "name",
                title,
                "a playlist with this name exists already; import it under another name "
                "with --name",
                key="name",
            ) from None
        works = artworks_by_sha256(session, (e["sha256"] for e in entries))
        for entry in entries:
            work = works.get(entry["sha256"])
            if work is None:
                label = entry.get("title") or "untitled"
                raise InvalidValue(
                    "artwork",
                    label,
                    f"with sha256 {entry['sha256']} is not in this library; import the file "
                    "first (urbanart import FILE), then import the playlist again",
                    key="artwork",
                )
            if work.status != ReviewStatus.APPROVED:
                raise not_approved(work)
        timings: list[tuple[float, int | None]] = []
        for index, (entry, (_e, duration, kind, seconds, _o)) in enumerate(
            zip(entries, planned, strict=True)
        ):
            if "loops" not in entry:
                timings.append((duration, None))
                continue
            try:
                looped = item_timing(works[entry["sha256"]], loops=entry["loops"])
                clean_transition(kind, seconds, looped[0])
            except InvalidValue as exc:
                raise InvalidValue(
                    "playlist file", f"$.items[{index}].loops", exc.reason, key="playlist_file"
                ) from None
            timings.append(looped)
        playlist = Playlist(
            name=title, description=clean_text("description", data.get("description", ""))
        )
        playlist.items = [
            PlaylistItem(
                position=position,
                artwork=works[entry["sha256"]],
                duration_s=timing[0],
                loops=timing[1],
                transition=kind,
                transition_s=seconds,
                overlay=overlay,
            )
            for position, ((entry, _d, kind, seconds, overlay), timing) in enumerate(
                zip(planned, timings, strict=True), start=1
            )
        ]
        session.add(playlist)
        session.flush()
        return _record(session, playlist.id)


def read_file(path: str | os.PathLike[str]) -> Any:
    """Parse a playlist file; unreadable or non-JSON files get a message naming the file."""
    file = Path(path)
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidValue(
            "playlist file", str(file), f"cannot be read: {exc.strerror}", key="playlist_file"
        ) from None
    except UnicodeDecodeError:
        raise InvalidValue(
            "playlist file", str(file), "is not UTF-8 text", key="playlist_file"
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidValue(
            "playlist file",
            str(file),
            f"is not JSON (line {exc.lineno}, column {exc.colno})",
            key="playlist_file",
        ) from None


def write_file(path: str | os.PathLike[str], data: Any) -> Path:
    """Write JSON atomically (urbanart.durable): a crash never leaves half a file. The folder
    must exist: a mistyped folder is reported, not created."""
    target = Path(path)
    if not target.parent.is_dir():
        reason = "cannot be written: its folder does not exist"
        raise InvalidValue("output file", str(target), reason, key="output_file")
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    try:
        atomic_write(target, text.encode("utf-8"))
    except OSError as exc:
        reason = f"cannot be written: {exc.strerror}"
        raise InvalidValue("output file", str(target), reason, key="output_file") from None
    return target
