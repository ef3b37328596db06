"""The library's filter bar: "Show in library" for an artist asked before the artist menu is
filled (it fills in the background after the first rows paint) still filters to that artist."""

from __future__ import annotations

from ui.widgets.filter_bar import FilterBar
from urbanart.library.browse import FilterChoices


def test_an_artist_shown_before_the_menu_fills_stays_chosen_once_it_fills(qtbot) -> None:
    bar = FilterBar()
    qtbot.addWidget(bar)
    changes: list[int] = []
    bar.changed.connect(lambda: changes.append(bar.query().artist_id or 0))
    bar.show_artist(7)  # the menu holds only "All artists" yet
    assert bar.query().artist_id == 7 and changes == [7]
    bar.set_choices(FilterChoices(artists=((3, "Ana", 2), (7, "Bo", 3)), tags=(), total=5))
    assert bar.query().artist_id == 7 and bar.artist.currentText() == "Bo (3)"
    assert changes == [7]  # the filter did not change, so nothing is asked again
    bar.set_choices(FilterChoices(artists=((3, "Ana", 2),), tags=(), total=2))  # Bo is gone
    assert bar.query().artist_id is None and changes == [7, 0]
