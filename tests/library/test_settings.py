"""Library settings: every value is checked before anything is stored, with a message naming it."""

from __future__ import annotations

from dataclasses import fields

import pytest

from urbanart.errors import InvalidValue
from urbanart.library.library import Library
from urbanart.library.settings import (
    LibrarySettings,
    Unit,
    load_settings,
    setting_specs,
    update_settings,
)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("art.example.org", "https://"),
        ("ftp://art.example.org", "https://"),
        ("https://", "no host"),
        ("https:///path", "no host"),
        ("https://art.example.org/?city=berlin", "?query"),
        ("https://art.example.org/#top", "#fragment"),
        ("https://art.example.org:99999", "port"),
        ("https://curator:secret@art.example.org", "password"),
    ],
)
def test_a_bad_public_address_is_refused_naming_the_setting(
    library: Library, url: str, words: str
) -> None:
    before = load_settings(library)
    with pytest.raises(InvalidValue) as caught:
        update_settings(library, public_base_url=url, look_ahead_days=30)
    assert caught.value.key == "public_base_url"
    assert "public_base_url" in str(caught.value) and words in str(caught.value)
    assert load_settings(library) == before  # the valid look-ahead beside it was not stored


@pytest.mark.parametrize(
    "url", ["https://art.example.org", "http://10.0.0.5:8470/city/", "https://[2001:db8::1]/"]
)
def test_a_good_public_address_is_stored_trimmed(library: Library, url: str) -> None:
    update_settings(library, public_base_url=f"  {url} ")
    assert load_settings(library).public_base_url == url


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("look_ahead_days", 0, "from 1 to 366 days"),
        ("look_ahead_days", 367, "from 1 to 366 days"),
        ("look_ahead_days", "a week", "whole number"),
        ("media_grace_days", 0, "from 1 to 365 days"),
        ("media_grace_days", 400, "from 1 to 365 days"),
        ("max_import_bytes", 10, "bytes"),
        ("max_import_pixels", -5, "pixels"),
        ("rendition_background", "black", "colour like #1a2b3c"),
    ],
)
def test_out_of_range_values_are_refused_with_their_range(
    library: Library, name: str, value: object, words: str
) -> None:
    before = load_settings(library)
    with pytest.raises(InvalidValue) as caught:
        update_settings(library, **{name: value})
    assert caught.value.key == name and name in str(caught.value)
    assert words in str(caught.value)
    assert load_settings(library) == before


def test_look_ahead_and_media_grace_are_stored_as_numbers(library: Library) -> None:
    update_settings(library, look_ahead_days="14", media_grace_days=" 3 ")
    stored = load_settings(library)
    assert (stored.look_ahead_days, stored.media_grace_days) == (14, 3)
    assert LibrarySettings().look_ahead_days == 7 and LibrarySettings().media_grace_days == 7


@pytest.mark.no_database
def test_every_setting_has_a_spec_whose_range_holds_its_default() -> None:
    specs = setting_specs()
    assert list(specs) == [f.name for f in fields(LibrarySettings)]
    for f in fields(LibrarySettings):
        spec = specs[f.name]
        assert spec.label and spec.help, f.name
        if isinstance(f.default, int):
            assert spec.unit in (Unit.BYTES, Unit.PIXELS, Unit.DAYS, Unit.NUMBER)
            assert spec.minimum is not None and spec.minimum <= f.default
            assert spec.maximum is None or f.default <= spec.maximum
