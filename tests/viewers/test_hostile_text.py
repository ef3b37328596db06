"""Every text field a curator or artist fills in stays text on every published page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.published_files import published_files
from tests.viewers import painting
from urbanart.curation import playlists, screens
from urbanart.delivery.publisher import publish
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, import_items
from urbanart.library.library import Library, current_tree
from urbanart.library.settings import update_settings
from urbanart.viewers.pages import text_attrs

#: One hostile string per field, each marked so a leak names its field.
FIELDS = [
    "title",
    "artist",
    "bio",
    "location",
    "description",
    "alt",
    "playlist",
    "playlist_description",
    "screen",
    "city",
]


#: A valid http(s) address that tries to end its href attribute.
WEBSITE = 'https://evil.example/?q="><script>alert("website")</script>'


def hostile(field: str) -> str:
    return f'<script>alert("{field}")</script><img src=x onerror=alert(1)>"{field}\' & Co'


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("hostile")
    library = Library.open(folder / "library")
    try:
        source = painting(folder / "work.png", (400, 300), ("#203040", "#e0a040"), 7)
        (result,) = import_items(
            library, [ImportItem(source, hostile("artist"))], ImportRun(workers=1)
        )
        assert result.artwork_id is not None, result.reason
        catalog.edit_artist(
            library,
            hostile("artist"),
            bio=hostile("bio"),
            location=hostile("location"),
            website=WEBSITE,
        )
        catalog.edit_artwork(
            library,
            result.artwork_id,
            title=hostile("title"),
            description=hostile("description"),
            alt_text=hostile("alt"),
            year=2025,
            status="approved",
        )
        playlist = playlists.create_playlist(
            library, hostile("playlist"), hostile("playlist_description")
        )
        playlists.add_items(library, playlist.id, [result.artwork_id])
        screens.add_screen(
            library,
            hostile("screen"),
            tz="Europe/Lisbon",
            size="640x360",
            city=hostile("city"),
            default_playlist=playlist.id,
        )
        update_settings(library, public_base_url="https://art.example.org")
        publish(library, now=datetime(2026, 5, 4, 9, 30, tzinfo=UTC))
        yield current_tree(library)
    finally:
        library.close()


def test_no_published_page_carries_markup_from_a_text_field(tree: Path) -> None:
    pages = published_files(tree, ".html")
    kinds = {p.relative_to(tree).parts[0] for p in pages}
    assert {"a", "p", "s", "artists", "gone", "index.html", "404.html"} <= kinds
    seen: set[str] = set()
    for page in pages:
        text = page.read_text("utf-8")
        assert "<script>alert" not in text, page
        assert "<img src=x" not in text, page
        assert 'q="><' not in text, page
        for field in FIELDS:
            if f"&lt;script&gt;alert(&#34;{field}&#34;)" in text or (
                f'\\u003cscript\\u003ealert(\\"{field}\\")' in text
            ):
                seen.add(field)
    # Each field reached at least one page, escaped (so the check above looked at it).
    assert seen == set(FIELDS)


def test_the_artist_page_shows_the_hostile_texts_as_text(tree: Path) -> None:
    (page,) = list((tree / "artists").glob("*/index.html"))
    text = page.read_text("utf-8")
    for field in ("artist", "bio", "location", "title"):
        assert f"&lt;script&gt;alert(&#34;{field}&#34;)&lt;/script&gt;" in text, field
    assert 'href="https://evil.example/?q=&#34;&gt;&lt;script&gt;' in text


def test_the_where_to_see_data_and_the_gone_record_are_plain_json(tree: Path) -> None:
    (where,) = list((tree / "a").glob("*/where.json"))
    data = json.loads(where.read_bytes())
    assert [zone for groups in data["screens"].values() for zone, _ in groups] == ["Europe/Lisbon"]
    assert sorted(data) == ["plays", "screens"] and len(data["plays"]) == 1
    assert json.loads((tree / "gone.json").read_bytes()) == {"a": [], "p": [], "s": []}


def test_a_texts_attributes_escape_its_language_and_follow_its_direction() -> None:
    """Each call gives the attributes of its own text, whichever was asked before (the markup
    is kept made per language and direction), its language escaped."""
    for _ in range(2):
        assert text_attrs("he", "en", "שלום") == ' lang="he" dir="rtl"'
        assert text_attrs("he", "en", "shalom") == ' lang="he" dir="ltr"'
        assert text_attrs("he", "he", "שלום") == ' dir="rtl"'
        assert text_attrs("en", "en") == ' dir="auto"'
        assert text_attrs(None, "en", "42") == ' dir="auto"'
        assert text_attrs('x"><b>', "en") == ' lang="x&#34;&gt;&lt;b&gt;" dir="auto"'
