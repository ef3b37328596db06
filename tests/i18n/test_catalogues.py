"""The message catalogues: complete, faithful to their placeholders, a new .po is a new
language, and the choice of language and the per-locale formats."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from urbanart.i18n import (
    LANGUAGES,
    SOURCE_LANGUAGE,
    best_language,
    format_datetime,
    format_duration,
    format_zone,
    gettext,
    language_name,
    parse_accept_language,
)
from urbanart.i18n.catalogues import languages_in
from urbanart.library.vocabulary import SOURCE_TYPES, UNDISCLOSED, disclosure
from urbanart.viewers.site import UNDISCLOSED_SENTENCE

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "urbanart" / "i18n" / "locale"
TRANSLATED = [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def extracted() -> dict[str | tuple[str, str], str]:
    """Every message the code and templates use today, as `make messages` extracts them."""
    with (ROOT / "urbanart" / "i18n" / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "SourceType": (3,)}
    found: dict[str | tuple[str, str], str] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found[message if isinstance(message, str) else tuple(message)] = filename
    return found


def read(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def test_the_shipped_languages_are_the_five_of_the_issue() -> None:
    assert set(LANGUAGES) == {"en", "fi", "de", "ja", "pt"}
    assert LANGUAGES[0] == SOURCE_LANGUAGE


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_in_use_is_translated_with_its_placeholders(lang: str) -> None:
    messages = extracted()
    assert len(messages) > 60  # the extraction itself found the pages' messages
    catalogue = {m.id: m for m in read(lang) if m.id}
    missing = [m for m in messages if m not in catalogue]
    assert missing == [], f"run `make messages` and translate: {missing}"
    for key, message in catalogue.items():
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        originals = [key] if isinstance(key, str) else list(key)
        assert all(form.strip() for form in forms), f"{lang}: {key!r} is not translated"
        wanted = set(PLACEHOLDER.findall(originals[-1]))
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) == wanted, f"{lang}: {key!r} -> {form!r}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_ai_disclosure_a_viewer_reads_is_translated(lang: str) -> None:
    for code in (*SOURCE_TYPES, UNDISCLOSED):
        sentence = disclosure(code)
        assert gettext(lang, sentence) != sentence, (lang, code)


def test_the_undisclosed_sentence_listed_for_the_catalogue_is_the_vocabularys() -> None:
    assert disclosure(UNDISCLOSED) == UNDISCLOSED_SENTENCE


def test_japanese_messages_have_no_english_left() -> None:
    for message in read("ja"):
        if not message.id:
            continue
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        for form in forms:
            latin = set(re.findall(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", form)))
            assert latin <= {"JavaScript", "HTTPS", "localhost", "token", "poll"}, (
                message.id,
                form,
            )


def test_a_new_catalogue_is_a_new_language(tmp_path: Path) -> None:
    root = tmp_path / "locale"
    shutil.copytree(LOCALE, root)
    assert languages_in(root) == LANGUAGES
    (root / "it" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(LOCALE / "pt" / "LC_MESSAGES" / "messages.po", root / "it" / "LC_MESSAGES")
    assert languages_in(root) == ("en", *sorted([*LANGUAGES[1:], "it"]))
    (root / "xx").mkdir()  # a folder without a catalogue is not a language
    assert "xx" not in languages_in(root)
    packaged = resources.files("urbanart.i18n").joinpath("locale")
    assert languages_in(packaged) == LANGUAGES


def test_a_language_without_a_catalogue_reads_english() -> None:
    assert gettext("ko", "License") == "License"
    assert gettext("pt-BR", "License") == gettext("pt", "License") != "License"


def test_language_names_are_in_their_own_language() -> None:
    names = {lang: language_name(lang) for lang in LANGUAGES}
    assert names["ja"] == "日本語" and names["de"] == "Deutsch"
    assert all(name[:1].isupper() or not name[:1].isascii() for name in names.values())


@pytest.mark.parametrize(
    ("preferences", "expected"),
    [
        (["pt-BR", "en"], "pt"),
        (["ko", "ja-JP"], "ja"),
        (["ko"], None),
        ([], None),
        (["DE_at"], "de"),
    ],
)
def test_best_language_matches_by_base_language(
    preferences: list[str], expected: str | None
) -> None:
    assert best_language(preferences, LANGUAGES) == expected


def test_accept_language_is_ranked_by_quality() -> None:
    header = "en;q=0.3, ja-JP, pt;q=0.8, fr;q=0, *;q=0.1"
    assert parse_accept_language(header) == ["ja-JP", "pt", "en"]
    assert parse_accept_language("") == []
    assert parse_accept_language("de;q=bad, fi") == ["fi"]


def test_durations_are_written_as_each_language_writes_them() -> None:
    for lang in LANGUAGES:
        text = format_duration(125, lang)
        assert "2" in text and "5" in text
        assert "0" not in format_duration(120, lang)  # no "0 s"
        hour = format_duration(3600 + 3 * 60 + 20, lang)
        assert "20" not in hour and "3" in hour  # seconds dropped from an hour up
    ja = format_duration(125, "ja")
    assert " " not in ja and "分" in ja and "秒" in ja
    assert len({format_duration(125, lang) for lang in LANGUAGES}) >= 3


def test_dates_keep_their_time_zone_and_follow_the_language() -> None:
    moment = datetime(2026, 3, 14, 9, 30, tzinfo=UTC).astimezone(ZoneInfo("Asia/Tokyo"))
    for lang in LANGUAGES:
        text = format_datetime(moment, lang)
        assert "14" in text and ("18" in text or "6" in text), (lang, text)
    assert "18:30" in format_datetime(moment, "de")
    assert "3月14日" in format_datetime(moment, "ja")
    assert "PM" in format_datetime(moment, "en")


def test_time_zones_are_named_by_their_city_in_the_language() -> None:
    assert format_zone("Europe/Berlin", "en") == "Berlin"
    assert format_zone("Asia/Tokyo", "ja") == "東京"
    assert format_zone("America/Sao_Paulo", "ja") == "サンパウロ"
    assert format_zone("Europe/Lisbon", "pt") == "Lisboa"
    assert format_zone("Europe/Berlin", "fi") == "Berliini"
    assert format_zone("Nowhere/Atlantis", "de") == "Nowhere/Atlantis"  # no city: the name
