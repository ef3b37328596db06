"""A work's "where to see it", kept per work in process and moved on by the blocks that changed,
is what where_section of every screen showing it gives (where_places.py)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.viewers.test_where_keys import payload
from urbanart.memo import Recent
from urbanart.viewers import where, where_keys, where_places
from urbanart.viewers.where import GROUP_ABOVE, where_section, where_to_see
from urbanart.viewers.where_keys import BLOCK, screen_blocks
from urbanart.viewers.where_places import where_of

CODE = "code-1"
WORKS = range(1, 8)
#: "Lima" and "lima " are one city apart from their case: equal first starts order them by
#: their soonest screen (where.row_order), as by_city's sorted input did.
CITIES = ("Lima", "lima ", "Oslo", "Quito", "", "Kyiv")


def forget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that remembers no block, screen or work."""
    monkeypatch.setattr(where_keys, "_BLOCKS", Recent(1024))
    monkeypatch.setattr(where_keys, "_WHERE_KEYS", Recent(8192))
    monkeypatch.setattr(where, "_KEPT", Recent(8192))
    monkeypatch.setattr(where, "_PLAYS", Recent(64))
    monkeypatch.setattr(where_places, "_PLACES", Recent(4096))


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
