"""Grid rows for browsing agree with the full catalog records, and filter in the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import DEMO, demo_collection
from urbanart.errors import InvalidValue
from urbanart.library import catalog
from urbanart.library.browse import BrowseQuery, browse_rows, filter_choices
from urbanart.library.catalog import ArtworkFilter, list_artworks
from urbanart.library.import_sources import scan
from urbanart.library.importer import ImportRun, import_items
from urbanart.library.library import Library


@pytest.fixture
def demo(library_templates, tmp_path: Path):
    """A copy of the demo library (built once per session and database)."""
    home = tmp_path / "library"
    library_templates.copy(DEMO, demo_collection, home)
    library = Library.open(home)
    yield library
    library.close()


def _projection(library: Library, filters: ArtworkFilter) -> set[tuple]:
    return {
        (a.id, a.title, a.artist_name, a.status, a.ai_involvement, a.asset.sha256, a.tags)
        for a in list_artworks(library, filters)
    }


def _rows(library: Library, query: BrowseQuery) -> set[tuple]:
    return {
        (r.id, r.title, r.artist, r.status, r.ai_involvement, r.sha256, r.tags)
        for r in browse_rows(library, query)
    }


def test_every_row_carries_what_a_grid_cell_needs(demo: Library) -> None:
    rows = browse_rows(demo)
    assert len(rows) == 25
    assert _rows(demo, BrowseQuery()) == _projection(demo, ArtworkFilter())
    for row in rows:
        record = catalog.get_artwork(demo, row.id)
        assert row.thumbnail_key == record.asset.thumbnail_key
        assert (row.width, row.height) == (record.asset.width, record.asset.height)
        assert row.artist_id == record.artist_id


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        (BrowseQuery(status="submitted"), ArtworkFilter(status="submitted")),
        (BrowseQuery(tag="Portrait"), ArtworkFilter(tag="portrait")),
        (
            BrowseQuery(ai_involvement="trainedalgorithmicmedia"),
            ArtworkFilter(ai_involvement="trainedAlgorithmicMedia"),
        ),
        (BrowseQuery(text="  MOON "), ArtworkFilter(text="moon")),
        (BrowseQuery(text="signal"), ArtworkFilter(text="signal")),
    ],
)
def test_filters_match_the_catalogs_own_filters(
    demo: Library, query: BrowseQuery, filters: ArtworkFilter
) -> None:
    expected = _projection(demo, filters)
    assert expected, "the demo has works for each filter"
    assert _rows(demo, query) == expected


def test_an_artist_filter_takes_the_artist_id(demo: Library) -> None:
    artist = next(a for a in catalog.list_artists(demo) if a.name == "Tidewater Machines")
    rows = browse_rows(demo, BrowseQuery(artist_id=artist.id))
    assert {r.artist for r in rows} == {"Tidewater Machines"} and len(rows) == 3


def test_search_finds_tags_and_treats_wildcards_as_plain_text(demo: Library) -> None:
    assert {r.title for r in browse_rows(demo, BrowseQuery(text="branches"))} == {
        "Static Fern", "Signal Garden", "Canopy",
    }  # fmt: skip
    assert browse_rows(demo, BrowseQuery(text="%")) == []
    assert browse_rows(demo, BrowseQuery(text="_")) == []


def test_sort_orders(demo: Library) -> None:
    newest = [r.id for r in browse_rows(demo)]
    assert newest == sorted(newest, reverse=True)
    assert [r.id for r in browse_rows(demo, BrowseQuery(sort="oldest"))] == sorted(newest)
    titles = [r.title.lower() for r in browse_rows(demo, BrowseQuery(sort="title"))]
    assert titles == sorted(titles)
    artists = [r.artist.lower() for r in browse_rows(demo, BrowseQuery(sort="artist"))]
    assert artists == sorted(artists)


def test_an_unknown_status_is_refused_in_the_curators_words(demo: Library) -> None:
    with pytest.raises(InvalidValue) as refused:
        browse_rows(demo, BrowseQuery(status="maybe"))
    assert refused.value.field == "status"


def test_filter_choices_count_works_per_artist_and_tag(demo: Library) -> None:
    choices = filter_choices(demo)
    assert choices.total == 25
    counts = {name: count for _, name, count in choices.artists}
    assert len(counts) == 8 and counts.pop("Signal Bloom Unit") == 4  # with the generative piece
    assert all(count == 3 for count in counts.values())
    assert dict(choices.tags)["demo"] == 25
    assert dict(choices.tags)["portrait"] == 4


def test_tags_with_commas_survive_and_untagged_works_have_none(
    library: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "in" / "Ada Stone"
    folder.mkdir(parents=True)
    Image.new("RGB", (64, 48), (1, 2, 3)).save(folder / "a.png")
    Image.new("RGB", (64, 48), (9, 8, 7)).save(folder / "b.png")
    import_items(library, scan([tmp_path / "in"]), ImportRun(workers=1))
    first, second = sorted(browse_rows(library), key=lambda r: r.id)
    catalog.edit_artwork(library, first.id, tags=["north, south", "east"])
    again = {r.id: r for r in browse_rows(library)}
    assert again[first.id].tags == ("east", "north, south")
    assert again[second.id].tags == ()


@pytest.mark.parametrize("sort", ["newest", "oldest", "title", "artist"])
def test_a_limited_browse_is_the_start_of_the_whole_list(demo: Library, sort: str) -> None:
    query = BrowseQuery(sort=sort)  # type: ignore[arg-type]
    whole = browse_rows(demo, query)
    assert len(whole) > 5
    assert browse_rows(demo, query, limit=5) == whole[:5]
    assert browse_rows(demo, query, limit=len(whole) + 10) == whole
    approved = BrowseQuery(status="approved", sort=sort)  # type: ignore[arg-type]
    assert browse_rows(demo, approved, limit=3) == browse_rows(demo, approved)[:3]


@pytest.mark.parametrize("limit", [0, -1, True, 2.5])
def test_a_limit_that_is_not_a_row_count_is_refused(demo: Library, limit: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        browse_rows(demo, limit=limit)  # type: ignore[arg-type]
    assert refused.value.key == "limit" and repr(limit) in str(refused.value)
