"""Screen captions in the screen's languages: the published manifests' titles, credits and alt
texts come from the curator's texts per language, and stay byte for byte the same for screens
whose languages have no translation."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.delivery.conftest import World
from tests.delivery.test_publish import manifests
from urbanart.curation import screens
from urbanart.delivery.publisher import publish
from urbanart.library import catalog, translations
from urbanart.library.library import Library

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def _items(payload: dict) -> dict[int, dict]:
    """artwork id -> its manifest item (the first one met), over every playlist."""
    out: dict[int, dict] = {}
    for playlist in payload["playlists"].values():
        for item in playlist["items"]:
            out.setdefault(item["artwork_id"], item)
    return out


def test_an_english_screen_keeps_byte_identical_manifests(world: World, library: Library) -> None:
    publish(library, now=NOW)
    before = {i: path.read_bytes() for i, (path, _) in manifests(library).items()}
    translations.set_artwork_texts(
        library, world.works["Red Harbour"], "ja", title="赤い港", description="港の絵"
    )
    publish(library, now=NOW)
    after = {i: path.read_bytes() for i, (path, _) in manifests(library).items()}
    assert after == before


def test_captions_follow_the_screens_languages(world: World, library: Library) -> None:
    red, blue, green = (world.works[t] for t in ("Red Harbour", "Blue Hour", "Green Arcade"))
    translations.set_artwork_texts(library, blue, "ja", title="青の時間", alt_text="青い四角")
    catalog.edit_artwork(library, green, alt_text="Green arches")
    translations.set_artwork_texts(library, green, "ja", title="緑のアーケード")  # no alt text
    translations.set_artwork_texts(library, red, "pt", title="Porto Vermelho", alt_text="Vermelho")
    translations.set_artwork_texts(library, red, "ar", alt_text="ميناء أحمر")
    screens.edit_screen(library, world.screens["Tokyo"], language="ja,en")
    screens.edit_screen(library, world.screens["Quito"], language="es,pt")
    publish(library, now=NOW)
    found = {i: _items(payload) for i, (_, payload) in manifests(library).items()}

    tokyo = found[world.screens["Tokyo"]]
    assert tokyo[blue]["title"] == "青の時間"
    assert tokyo[blue]["credit"].startswith("青の時間 — Tidewater Machines")
    assert tokyo[blue]["alt_text"] == "青い四角"
    assert tokyo[green]["title"] == "緑のアーケード"
    assert tokyo[green]["alt_text"] == "Green arches"  # partly translated: the base alt text
    assert tokyo[red]["title"] == "Red Harbour"  # no ja, no en translation: the base text

    quito = found[world.screens["Quito"]]
    assert quito[red]["title"] == "Porto Vermelho"  # no es: the second language
    assert quito[red]["alt_text"] == "Vermelho"
    assert quito[red]["credit"].startswith("Porto Vermelho — ")

    berlin = found[world.screens["Berlin"]]
    assert berlin[red]["title"] == "Red Harbour"
    # Its base alt text is empty: the caption takes one that exists rather than none.
    assert berlin[red]["alt_text"] == "ميناء أحمر"
