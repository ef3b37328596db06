"""A screen's languages in its manifest: a screen that speaks more than English names them in
`screen.languages` of a version 3 payload (so players show their fixed words in them); an
English-only screen keeps its version 2 payload byte for byte."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from jsonschema import ValidationError

from tests.delivery.conftest import World
from tests.delivery.test_manifest import _build
from tests.delivery.test_publish import manifests
from urbanart.curation import screens
from urbanart.delivery import manifest as mf
from urbanart.delivery.publisher import publish
from urbanart.library.library import Library
from urbanart.protocol import manifest_format as fmt

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("languages", [("ja", "en"), ("ja",), ("en", "ja"), ("pt-BR", "en")])
@pytest.mark.no_database
def test_a_screen_with_other_languages_names_them_in_a_version_3_payload(
    languages: tuple[str, ...],
) -> None:
    payload = _build(languages=languages)
    fmt.validate_payload(payload)
    assert payload["version"] == fmt.VIDEO_VERSION == 3
    assert payload["screen"]["languages"] == list(languages)
    items = [i for p in payload["playlists"].values() for i in p["items"]]
    assert items and all(i["media_type"] == "image" and "video" not in i for i in items)
    assert payload["manifest_version"] == fmt.version_of(payload)


@pytest.mark.no_database
def test_an_english_only_screen_keeps_its_version_2_bytes() -> None:
    plain = _build()
    english = _build(languages=("en",))
    assert mf.payload_text(english) == mf.payload_text(plain)
    assert english["version"] == 2 and "languages" not in english["screen"]
    fmt.validate_payload(english)


@pytest.mark.no_database
def test_the_schema_allows_languages_on_a_version_3_screen_only() -> None:
    v3 = _build(languages=("ja", "en"))
    v2 = _build()
    v2["screen"]["languages"] = ["ja", "en"]
    with pytest.raises(ValidationError, match="languages"):
        fmt.validate_payload(v2)
    for bad in (["ja", "en", "de"], [], ["ja", "ja"], [7], ["日本語"]):
        wrong = copy.deepcopy(v3)
        wrong["screen"]["languages"] = bad
        with pytest.raises(ValidationError):
            fmt.validate_payload(wrong)
    unknown = copy.deepcopy(v3)
    unknown["screen"]["dialect"] = "kansai"  # the screen object stays closed in v3
    with pytest.raises(ValidationError, match="dialect"):
        fmt.validate_payload(unknown)
    missing = copy.deepcopy(v3)
    del missing["screen"]["timezone"]
    with pytest.raises(ValidationError, match="'timezone' is a required property"):
        fmt.validate_payload(missing)


def test_publish_names_a_ja_en_screens_languages_and_leaves_english_screens_alone(
    world: World, library: Library
) -> None:
    publish(library, now=NOW)
    before = {i: path.read_bytes() for i, (path, _) in manifests(library).items()}
    assert all(p["version"] == 2 for _, p in manifests(library).values())
    screens.edit_screen(library, world.screens["Tokyo"], language="ja,en")
    publish(library, now=NOW)
    after = manifests(library)

    tokyo = after[world.screens["Tokyo"]][1]
    fmt.validate_payload(tokyo)
    assert tokyo["version"] == 3
    assert tokyo["screen"]["languages"] == ["ja", "en"]
    for ident in (world.screens["Berlin"], world.screens["Quito"]):  # English only
        path, payload = after[ident]
        assert path.read_bytes() == before[ident]
        assert payload["version"] == 2 and "languages" not in payload["screen"]

    screens.edit_screen(library, world.screens["Tokyo"], language="en")
    publish(library, now=NOW)
    back = manifests(library)[world.screens["Tokyo"]][1]
    assert back["version"] == 2 and "languages" not in back["screen"]
