"""Editing curator texts per language: an artwork's title, description and alt text, an
artist's bio. Undoable, versioned and audited like every other curation edit.

The base language (texts.BASE_LANGUAGE) is the artwork's or artist's own fields, so a base
language edit here is an ordinary field edit. Other languages live in rows of their own; a
language whose texts are all emptied is removed. A changed row is replaced rather than updated
in place, so the artwork's or artist's ``texts`` collection shows the change: that is what moves
the owner's version on and writes its audit entry (audit.OWN_COLLECTIONS).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbanart.errors import InvalidValue
from urbanart.library.catalog import clean_artwork_fields, clean_text
from urbanart.library.concurrency import expect_version
from urbanart.library.language_codes import clean_language
from urbanart.library.library import Library
from urbanart.library.lookup import find
from urbanart.library.models import Artist, ArtistText, Artwork, ArtworkText
from urbanart.library.records import ArtistRecord, ArtworkRecord
from urbanart.library.texts import BASE_LANGUAGE, WORK_FIELDS
from urbanart.library.undo import DataKind, quoted, undoable

_LIMITS = {"title": 300, "description": 10_000, "alt_text": 10_000}


def clean_work_texts(fields: Mapping[str, Any], language: str) -> dict[str, str]:
    """Trimmed texts of one language; None values are left out (they leave a text alone)."""
    out: dict[str, str] = {}
    for name, value in fields.items():
        if name not in WORK_FIELDS:
            raise InvalidValue(
                "field", name, f"is not a text per language ({', '.join(WORK_FIELDS)})",
                key="field",
            )  # fmt: skip
        if value is not None:
            label = f"{name}@{language}"
            out[name] = clean_text(label, value, limit=_LIMITS[name], key=name)
    return out


def apply_work_texts(artwork: Artwork, language: str, texts: Mapping[str, str]) -> None:
    """Give artwork these texts in language (a non-base one): "" clears a text, a missing one
    stays; a language left with no text at all is removed."""
    old = next((t for t in artwork.texts if t.language == language), None)
    values = {name: getattr(old, name) if old is not None else "" for name in WORK_FIELDS}
    values.update(texts)
    if old is not None:
        if all(getattr(old, name) == values[name] for name in WORK_FIELDS):
            return
        artwork.texts.remove(old)
    if any(values.values()):
        artwork.texts.append(ArtworkText(language=language, **values))


def _named(result: ArtworkRecord | ArtistRecord | None, arguments: Mapping[str, Any]) -> str:
    """The edited work or artist as a label names it (by what was asked when the edit failed:
    a label is made for every call, refused ones included)."""
    if isinstance(result, ArtworkRecord):
        return quoted(result.title)
    if isinstance(result, ArtistRecord):
        return quoted(result.name)
    return quoted(arguments["ref"])


def _work_label(result: ArtworkRecord | None, arguments: Mapping[str, Any]) -> str:
    return f"Edit the {arguments['language']} texts of {_named(result, arguments)}"


@undoable(_work_label, DataKind.ARTWORKS)
def set_artwork_texts(
    library: Library,
    ref: str | int,
    language: str,
    *,
    title: str | None = None,
    description: str | None = None,
    alt_text: str | None = None,
    expected_version: int | None = None,
) -> ArtworkRecord:
    """Set an artwork's texts in one language. None leaves a text alone, "" clears it.

    The base language edits the artwork's own fields (its title may not be emptied there).
    ``expected_version`` is the artwork's version the editor read (StaleEdit if it moved on).
    """
    language = clean_language(language)
    given = {"title": title, "description": description, "alt_text": alt_text}
    with library.session() as session:
        artwork = _artwork(session, ref, expected_version)
        if language == BASE_LANGUAGE:
            clean = clean_artwork_fields({k: v for k, v in given.items() if v is not None})
            for name, value in clean.items():
                setattr(artwork, name, value)
        else:
            apply_work_texts(artwork, language, clean_work_texts(given, language))
        session.flush()
        return ArtworkRecord.of(artwork)


def _clear_label(result: ArtworkRecord | None, arguments: Mapping[str, Any]) -> str:
    return f"Remove the {arguments['language']} texts of {_named(result, arguments)}"


@undoable(_clear_label, DataKind.ARTWORKS)
def clear_artwork_texts(
    library: Library, ref: str | int, language: str, *, expected_version: int | None = None
) -> ArtworkRecord:
    """Remove an artwork's texts in one language (not the base one: it is the work's own)."""
    language = _not_base(clean_language(language))
    with library.session() as session:
        artwork = _artwork(session, ref, expected_version)
        apply_work_texts(artwork, language, dict.fromkeys(WORK_FIELDS, ""))
        session.flush()
        return ArtworkRecord.of(artwork)


def apply_bio(artist: Artist, language: str, bio: str) -> None:
    """Give artist this bio in language (a non-base one); "" removes that language."""
    old = next((t for t in artist.texts if t.language == language), None)
    if old is not None:
        if old.bio == bio:
            return
        artist.texts.remove(old)
    if bio:
        artist.texts.append(ArtistText(language=language, bio=bio))


def _bio_label(result: ArtistRecord | None, arguments: Mapping[str, Any]) -> str:
    return f"Edit the {arguments['language']} bio of {_named(result, arguments)}"


@undoable(_bio_label, DataKind.ARTISTS)
def set_artist_bio(
    library: Library,
    ref: str | int,
    language: str,
    bio: str,
    *,
    expected_version: int | None = None,
) -> ArtistRecord:
    """Set an artist's bio in one language; "" clears it (the base language: the artist's bio)."""
    language = clean_language(language)
    text = clean_text(f"bio@{language}", bio, key="bio")
    with library.session() as session:
        artist = find(session, Artist, ref, kind="artist")
        expect_version(artist, expected_version)
        if language == BASE_LANGUAGE:
            artist.bio = text
        else:
            apply_bio(artist, language, text)
        session.flush()
        count = session.scalar(
            select(func.count()).select_from(Artwork).where(Artwork.artist_id == artist.id)
        )
        return ArtistRecord.of(artist, count or 0)


def _artwork(session: Session, ref: str | int, expected_version: int | None) -> Artwork:
    artwork = find(session, Artwork, ref, kind="artwork", name_attr="title")
    expect_version(artwork, expected_version)
    return artwork


def _not_base(language: str) -> str:
    if language == BASE_LANGUAGE:
        raise InvalidValue(
            "language",
            language,
            "is the base language: its texts are the artwork's own fields; edit them instead",
            key="language",
        )
    return language
