"""A work's "where to see it", kept per work in process and moved on by the blocks that changed,
is what where_section of every screen showing it gives (where_places.py)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.viewers.test_where_keys import forget, payload
from urbanart.viewers.where import (
    GROUP_ABOVE,
    Plays,
    ScreenShowing,
    data_parts,
    where_section,
    where_to_see,
)
from urbanart.viewers.where_keys import BLOCK, screen_blocks
from urbanart.viewers.where_places import moved_data, where_of

CODE = "code-1"
WORKS = range(1, 8)
#: "Lima" and "lima " are one city apart from their case: equal first starts order them by
#: their soonest screen (where.row_order), as by_city's sorted input did.
CITIES = ("Lima", "lima ", "Oslo", "Quito", "", "Kyiv")


def lists_for(rng: random.Random, sid: int) -> dict[str, list[tuple[int, float]]]:
    """A screen's playlists: work 1 everywhere, the others on some screens (work 7 on few, so
    it is listed screen by screen, not by city), durations drawn."""
    lists = {"1": [(1, 10.0), (2, rng.choice((5.0, 12.0)))]}
    if rng.random() < 0.7:
        lists[str(2 + sid % 3)] = [(3 + sid % 3, rng.choice((8.0, 9.5))), (1, 5.0)]
    if rng.random() < 0.15:
        lists["9"] = [(7, 20.0)]
    if rng.random() < 0.1:
        lists["8"] = [(6, 3.0)]  # held, and played only while its turn comes
    return lists


def edit(
    rng: random.Random, payloads: dict[int, dict[str, Any]], cities: dict[int, str]
) -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
    """One publish's changes: a few screens' playlists or durations, a city moved, a screen
    gone or added (the others' payloads the very objects they were, as kept_payloads keeps)."""
    payloads, cities = dict(payloads), dict(cities)
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(("lists", "city", "gone", "added"))
        sid = rng.choice(sorted(payloads))
        if kind == "lists":
            payloads[sid] = payload(sid, lists_for(rng, sid))
        elif kind == "city":
            cities[sid] = rng.choice(CITIES)
        elif kind == "gone" and len(payloads) > 2:
            del payloads[sid]
            cities.pop(sid, None)
        else:
            new = max(payloads) + rng.randint(1, BLOCK)
            payloads[new], cities[new] = payload(new, lists_for(rng, new)), rng.choice(CITIES)
    return payloads, cities


@pytest.mark.parametrize("seed", range(4))
def test_kept_places_give_what_every_screens_showings_give_after_each_edit(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Publish after publish (screens edited, moved between cities, gone and added), each
    work's section from its kept places equals where_section of where_to_see over all the
    screens, byte for byte, grouped by city or screen by screen."""
    forget(monkeypatch)
    rng = random.Random(seed)
    payloads = {sid: payload(sid, lists_for(rng, sid)) for sid in range(1, 60)}
    cities = {sid: rng.choice(CITIES) for sid in payloads}
    grouped, single = set(), set()
    for _ in range(12):
        blocks = screen_blocks(payloads, cities, CODE)
        every = where_to_see(payloads, cities)
        for aid in WORKS:
            expected = where_section(every.get(aid, []))
            assert where_of(aid, blocks, payloads, cities) == expected, aid
            (grouped if len(every.get(aid, [])) > GROUP_ABOVE else single).add(aid)
        payloads, cities = edit(rng, payloads, cities)
    assert grouped and single  # both shapes of the section were compared


def test_a_block_made_again_is_read_again_and_a_kept_one_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Moving one screen to another city moves the work's rows (its block is a new object);
    a publish with nothing changed answers from the kept places, the same rows."""
    forget(monkeypatch)
    rng = random.Random(7)
    payloads = {sid: payload(sid, lists_for(rng, sid)) for sid in range(1, 41)}
    cities = {sid: "Oslo" for sid in payloads}
    first = where_of(1, screen_blocks(payloads, cities, CODE), payloads, cities)
    assert [row.city for row in first["where_cities"]] == ["Oslo"]
    again = where_of(1, screen_blocks(payloads, cities, CODE), payloads, cities)
    assert again == first
    moved = {**cities, 17: "Quito"}
    after = where_of(1, screen_blocks(payloads, moved, CODE), payloads, moved)
    assert {row.city: row.count for row in after["where_cities"]} == {"Oslo": 39, "Quito": 1}
    assert after == where_section(where_to_see(payloads, moved)[1])


def shows(sid: int, *plays: Plays, zone: str = "Europe/Oslo") -> ScreenShowing:
    return ScreenShowing(sid, f"Kiosk {sid}", "Oslo", zone, 0, plays)


def test_a_works_data_moved_on_from_the_one_before_is_the_data_made_anew() -> None:
    """The data moved on by the screens changed since (their showings new objects) is the data
    made from the screens listed, byte for byte: when two changed screens shared a plays and
    share its new one (moved), and when it cannot be sure (a new plays another screen names,
    an old one another screen still names, a screen listed in another place: made anew)."""
    day = ((0, 3_600_000),)
    a, b, c, d = (Plays(60_000 + n, ((0, 10_000),), day) for n in range(4))
    a2, b2 = Plays(70_000, ((0, 10_000),), day), Plays(70_001, ((0, 5),), day)
    before = [shows(1, a, c), shows(2, b), shows(3, a, c), shows(4, c, d), shows(5, d)]
    before += [shows(sid, d) for sid in range(6, 13)]
    kept = data_parts(before)
    cases = {
        "shared plays moved alike": ({0: shows(1, a2, c), 2: shows(3, a2, c)}, True),
        "one moved, zone changed": ({1: shows(2, b2, zone="Asia/Tokyo")}, True),
        "new plays named elsewhere": ({1: shows(2, d)}, False),
        "old plays still named": ({0: shows(1, a2, c)}, False),
        "moved apart": ({0: shows(1, a2, c), 2: shows(3, b2, c)}, False),
        "another screen": ({1: shows(22, b2)}, False),
    }
    for name, (changes, moved) in cases.items():
        listed = [changes.get(i, s) for i, s in enumerate(before)]
        made = moved_data(listed, kept)
        assert (made is not None) is moved, name
        assert made is None or made.text() == data_parts(listed).text(), name
    assert moved_data(before, kept) is kept
