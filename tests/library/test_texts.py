"""Curator texts per language: stored per artwork and artist, edited with undo, versions and the
audit log, read back through texts.py, and ``pick`` never leaving a field empty."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from urbanart.errors import InvalidValue
from urbanart.library import audit, translations
from urbanart.library.concurrency import StaleEdit
from urbanart.library.language_codes import clean_language, clean_languages
from urbanart.library.library import Library
from urbanart.library.models import Artist, Artwork, ArtworkText, MediaAsset
from urbanart.library.texts import (
    WorkTexts,
    bios_for,
    pick,
    screen_languages,
    texts_for,
)


def add_work(library: Library, title: str, artist: str = "Aiko") -> int:
    """One artwork row (and its artist) straight into the real database; no image needed."""
    digest = hashlib.sha256(title.encode()).hexdigest()
    with library.session() as session:
        maker = session.scalar(select(Artist).where(Artist.name == artist)) or Artist(name=artist)
        asset = MediaAsset(
            sha256=digest, format="png", mime_type="image/png", width=4, height=3,
            byte_size=10, original_name=f"{title}.png", original_key=f"originals/{digest}.png",
        )  # fmt: skip
        work = Artwork(
            artist=maker, asset=asset, title=title, description="A river at dawn.",
            alt_text="Blue water under a pale sky.",
        )  # fmt: skip
        session.add(work)
        session.flush()
        return work.id


# Language codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ja", "ja"),
        ("PT_br", "pt-BR"),
        (" en ", "en"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
    ],
)
@pytest.mark.no_database
def test_language_codes_get_one_spelling(typed: str, stored: str) -> None:
    assert clean_language(typed) == stored


@pytest.mark.parametrize("typed", ["", "english", "j", "en-", "ja-JPN-x", "12", "en us"])
@pytest.mark.no_database
def test_a_code_that_is_no_language_is_refused_by_name(typed: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        clean_language(typed)
    assert raised.value.key == "language"
    assert typed.strip() in str(raised.value)


@pytest.mark.no_database
def test_a_list_of_languages_takes_two_distinct_ones() -> None:
    assert clean_languages("ja, en") == ("ja", "en")
    with pytest.raises(InvalidValue, match="twice"):
        clean_languages("ja,JA")
    with pytest.raises(InvalidValue, match="at most 2"):
        clean_languages("ja,en,fi")


# pick -------------------------------------------------------------------------------------------


@pytest.mark.no_database
def test_pick_prefers_the_viewers_languages_in_order() -> None:
    texts = {"en": "River", "ja": "川", "fi": "Joki"}
    assert pick(texts, ["fi", "ja"]) == ("Joki", "fi")
    assert pick(texts, ["de", "ja"]) == ("川", "ja")


@pytest.mark.no_database
def test_pick_takes_the_bare_language_for_a_regional_preference() -> None:
    assert pick({"en": "River", "pt": "Rio"}, ["pt-BR"]) == ("Rio", "pt")
    assert pick({"pt": "Rio", "pt-BR": "Rio!"}, ["pt-BR"]) == ("Rio!", "pt-BR")


@pytest.mark.no_database
def test_pick_falls_back_to_base_then_to_any_language_never_to_empty() -> None:
    assert pick({"en": "River", "ja": ""}, ["ja"]) == ("River", "en")
    # The base language lacks it too: whichever language has it, the same one every time.
    assert pick({"en": "", "ja": "", "fi": "Joki", "de": "Fluss"}, ["ja"]) == ("Fluss", "de")
    assert pick({"en": "  ", "ja": ""}, ["ja"]) == ("", "en")
    assert pick({}, ["ja"]) == ("", "en")


@pytest.mark.no_database
def test_pick_with_another_base_language() -> None:
    assert pick({"fi": "Joki", "en": "River"}, ["ja"], base="fi") == ("Joki", "fi")


# Storing and reading ----------------------------------------------------------------------------


def test_texts_per_language_are_stored_and_read_back_with_the_base_under_en(
    library: Library,
) -> None:
    work = add_work(library, "River")
    other = add_work(library, "Stone")
    translations.set_artwork_texts(library, work, "ja", title="川", alt_text="青い水")
    translations.set_artwork_texts(library, work, "ar", alt_text="ماء أزرق")
    found = texts_for(library, [work, other, 9999])
    assert set(found) == {work, other}
    assert found[work]["en"] == WorkTexts(
        "River", "A river at dawn.", "Blue water under a pale sky."
    )
    assert found[work]["ja"] == WorkTexts("川", "", "青い水")
    assert found[work]["ar"].alt_text == "ماء أزرق"
    assert list(found[other]) == ["en"]


def test_a_partly_translated_work_shows_every_field_in_some_language(library: Library) -> None:
    work = add_work(library, "River")
    translations.set_artwork_texts(library, work, "ja", title="川")
    by_language = texts_for(library, [work])[work]
    shown = {
        field: pick({lang: getattr(t, field) for lang, t in by_language.items()}, ["ja"])
        for field in ("title", "description", "alt_text")
    }
    assert shown == {
        "title": ("川", "ja"),
        "description": ("A river at dawn.", "en"),
        "alt_text": ("Blue water under a pale sky.", "en"),
    }


def test_editing_one_text_keeps_the_others_and_emptying_all_removes_the_language(
    library: Library,
) -> None:
    work = add_work(library, "River")
    translations.set_artwork_texts(library, work, "ja", title="川", description="夜明けの川")
    translations.set_artwork_texts(library, work, "ja", title="大きな川")
    assert texts_for(library, [work])[work]["ja"] == WorkTexts("大きな川", "夜明けの川", "")
    translations.set_artwork_texts(library, work, "ja", title="", description="")
    assert "ja" not in texts_for(library, [work])[work]
    with library.session() as session:
        assert session.scalar(select(func.count()).select_from(ArtworkText)) == 0


def test_clearing_a_language_removes_it_and_the_base_one_cannot_be_cleared(
    library: Library,
) -> None:
    work = add_work(library, "River")
    translations.set_artwork_texts(library, work, "fi", title="Joki")
    translations.clear_artwork_texts(library, work, "fi")
    assert list(texts_for(library, [work])[work]) == ["en"]
    with pytest.raises(InvalidValue, match="base language") as raised:
        translations.clear_artwork_texts(library, work, "en")
    assert raised.value.key == "language"


def test_the_base_language_edits_the_artworks_own_fields(library: Library) -> None:
    work = add_work(library, "River")
    record = translations.set_artwork_texts(library, work, "en", title="The River")
    assert record.title == "The River"
    assert texts_for(library, [work])[work]["en"].title == "The River"
    with pytest.raises(InvalidValue) as raised:
        translations.set_artwork_texts(library, work, "en", title="")
    assert raised.value.key == "title"


def test_a_bad_language_or_overlong_text_changes_nothing(library: Library) -> None:
    work = add_work(library, "River")
    with pytest.raises(InvalidValue, match="klingon") as raised:
        translations.set_artwork_texts(library, work, "klingon", title="x")
    assert raised.value.key == "language"
    with pytest.raises(InvalidValue, match="title@ja") as raised:
        translations.set_artwork_texts(library, work, "ja", title="川" * 301, alt_text="ok")
    assert raised.value.key == "title"
    assert list(texts_for(library, [work])[work]) == ["en"]
    assert len(library.history) == 0


def test_bios_per_language(library: Library) -> None:
    work = add_work(library, "River", artist="Aiko")
    with library.session() as session:
        artist_id = session.get(Artwork, work).artist_id
    translations.set_artist_bio(library, "Aiko", "en", "Paints rivers.")
    record = translations.set_artist_bio(library, "Aiko", "ja", "川を描く。")
    assert record.artwork_count == 1
    assert bios_for(library, [artist_id]) == {
        artist_id: {"en": "Paints rivers.", "ja": "川を描く。"}
    }
    translations.set_artist_bio(library, "Aiko", "ja", "")
    assert bios_for(library, [artist_id]) == {artist_id: {"en": "Paints rivers."}}


# Undo, versions, audit --------------------------------------------------------------------------


def test_a_translation_is_one_undo_step_and_redo_brings_it_back(library: Library) -> None:
    work = add_work(library, "River")
    translations.set_artwork_texts(library, work, "ja", title="川")
    translations.set_artwork_texts(library, work, "ja", title="大きな川", alt_text="青い水")
    assert library.history.undo_label() == "Edit the ja texts of 'River'"
    library.undo()
    assert texts_for(library, [work])[work]["ja"] == WorkTexts("川", "", "")
    library.undo()
    assert "ja" not in texts_for(library, [work])[work]
    library.redo()
    library.redo()
    assert texts_for(library, [work])[work]["ja"] == WorkTexts("大きな川", "", "青い水")


def test_a_bio_edit_undoes(library: Library) -> None:
    add_work(library, "River", artist="Aiko")
    translations.set_artist_bio(library, "Aiko", "ja", "川を描く。")
    library.undo()
    with library.session() as session:
        artist = session.scalar(select(Artist).where(Artist.name == "Aiko"))
        assert artist is not None and artist.texts == []


def test_a_translation_moves_the_artworks_version_on_and_is_logged(library: Library) -> None:
    work = add_work(library, "River")
    with library.session() as session:
        read = session.get(Artwork, work).version
    library.curator = "Mika"
    record = translations.set_artwork_texts(library, work, "ja", title="川", expected_version=read)
    assert record.version > read
    assert record.updated_by == "Mika"
    entry = audit.read_log(library, "artwork", work)[0]
    assert entry.curator == "Mika"
    assert "texts" in entry.summary
    assert entry.changes["texts"] == [[], ["ja: 川"]]
    with pytest.raises(StaleEdit):  # another editor still holding the old version
        translations.set_artwork_texts(library, work, "ja", title="x", expected_version=read)
    assert texts_for(library, [work])[work]["ja"].title == "川"


def test_removing_an_artwork_removes_its_translations(library: Library) -> None:
    from urbanart.library import catalog

    work = add_work(library, "River")
    translations.set_artwork_texts(library, work, "ja", title="川")
    catalog.remove_artwork(library, work)
    with library.session() as session:
        assert session.scalar(select(func.count()).select_from(ArtworkText)) == 0


def test_screen_languages_default_to_english(library: Library) -> None:
    from urbanart.curation import screens

    tokyo = screens.add_screen(
        library, "Shibuya", tz="Asia/Tokyo", size="1080x1920", language="ja,en"
    )
    berlin = screens.add_screen(library, "Mitte", tz="Europe/Berlin", size="1080x1920")
    assert (tokyo.language, tokyo.second_language) == ("ja", "en")
    assert screen_languages(library, [tokyo.id, berlin.id]) == {
        tokyo.id: ("ja", "en"),
        berlin.id: ("en",),
    }
    edited = screens.edit_screen(library, berlin.id, language="de")
    assert screen_languages(library, [berlin.id]) == {berlin.id: ("de",)}
    assert edited.second_language is None
    with pytest.raises(InvalidValue, match="deutsch") as raised:
        screens.edit_screen(library, berlin.id, language="deutsch")
    assert raised.value.key == "language"
    library.undo()
    assert screen_languages(library, [berlin.id]) == {berlin.id: ("en",)}
