"""A work's "where to see it" keys, named by blocks of screens that a process remembers."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from urbanart.memo import Recent
from urbanart.viewers import where, where_keys, where_places
from urbanart.viewers.output_cache import digest
from urbanart.viewers.where import Plays
from urbanart.viewers.where_keys import BLOCK, plays_text, screen_blocks

CODE = "code-1"
WORKS = range(1, 7)


def payload(sid: int, playlists: dict[str, list[tuple[int, float]]]) -> dict[str, Any]:
    """A screen's manifest payload as where_keys reads it: each playlist plays for an hour, in
    turn, and the version digests the whole payload (as a manifest's does)."""
    made: dict[str, Any] = {
        "screen": {"id": sid, "name": f"Screen {sid}", "timezone": "Europe/Paris"},
        "window": {"from": "2026-03-01T00:00:00Z", "until": "2026-03-02T00:00:00Z"},
        "timeline": [
            {
                "start": f"2026-03-01T{n:02d}:00:00Z",
                "end": f"2026-03-01T{n + 1:02d}:00:00Z",
                "playlist": pid,
            }
            for n, pid in enumerate(sorted(playlists))
        ],
        "playlists": {
            pid: {
                "name": f"List {pid}",
                "items": [{"artwork_id": aid, "duration_s": d} for aid, d in items],
            }
            for pid, items in playlists.items()
        },
    }
    made["manifest_version"] = hashlib.sha256(json.dumps(made, sort_keys=True).encode()).hexdigest()
    return made


def fleet() -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
    """40 screens in five blocks: work 6 only on the last block's screens."""
    payloads = {}
    for sid in range(1, 41):
        lists = {"1": [(1, 10.0), (2, 12.0)], str(2 + sid % 3): [(3 + sid % 3, 8.0), (1, 5.0)]}
        if sid > 32:
            lists["9"] = [(6, 20.0)]
        payloads[sid] = payload(sid, lists)
    return payloads, {sid: ("Lima" if sid % 2 else "Oslo") for sid in payloads}


def forget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that remembers no block, no screen's where keys and no work's places."""
    monkeypatch.setattr(where_keys, "_BLOCKS", Recent(1024))
    monkeypatch.setattr(where_keys, "_BLOCKS_HELD", Recent(1024))
    monkeypatch.setattr(where_keys, "_PARTS_DIGESTS", Recent(1024))
    monkeypatch.setattr(where_keys, "_IN_BLOCKS", Recent(8))
    monkeypatch.setattr(where_keys, "_WHERE_KEYS", Recent(8192))
    monkeypatch.setattr(where, "_KEPT", Recent(8192))
    monkeypatch.setattr(where, "_PLAYS", Recent(64))
    monkeypatch.setattr(where_places, "_PLACES", Recent(4096))
    monkeypatch.setattr(where_places, "_DATA", Recent(1024))


def test_remembered_blocks_give_the_keys_a_build_from_nothing_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After an edit (a duration on one screen, a city on another, a screen gone, one added)
    the blocks remembered from the publish before give every work the very keys, screens and
    works a process that remembers nothing makes: a block is remembered by its screens' ids,
    manifest versions and cities, so a change of any of them makes it again."""
    forget(monkeypatch)
    payloads, cities = fleet()
    before = screen_blocks(payloads, cities, CODE)
    edited = dict(payloads)
    edited[3] = payload(3, {"1": [(1, 10.0), (2, 30.0)], "2": [(3, 8.0), (1, 5.0)]})
    del edited[22]
    edited[41] = payload(41, {"1": [(1, 10.0), (2, 12.0)]})
    moved = {**cities, 12: "Quito", 41: "Lima"}
    fresh = as_made_from_nothing(monkeypatch, edited, moved)
    assert 22 not in fresh.holding(1) and 41 in fresh.holding(1)
    assert fresh.keys(2)[1] != before.keys(2)[1]  # its duration moved on screen 3
    # Work 6 is on no edited screen (33-40): its keys are the ones named before.
    assert fresh.keys(6) == before.keys(6)


def as_made_from_nothing(
    monkeypatch: pytest.MonkeyPatch, edited: dict[int, dict[str, Any]], moved: dict[int, str]
) -> where_keys.ScreenBlocks:
    """The blocks of `edited` made with what this process remembers, checked against those a
    process that remembers nothing makes (each work's keys and holders, each screen's works):
    those."""
    remembered = screen_blocks(edited, moved, CODE)
    forget(monkeypatch)
    fresh = screen_blocks(edited, moved, CODE)
    for aid in WORKS:
        assert remembered.keys(aid) == fresh.keys(aid)
        assert remembered.holding(aid) == fresh.holding(aid)
    for sid in edited:
        assert remembered.shows(sid) == fresh.shows(sid)
    return fresh


def test_blocks_found_by_their_payload_objects_are_those_made_from_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A block is found again by its screens' payload objects only with the same screen ids
    and cities too: the very objects under other ids or in another city give the keys, lists
    and works a process that remembers nothing gives, not the block found before."""
    payloads, cities = fleet()
    shifted = {sid + BLOCK: p for sid, p in payloads.items()}
    cases = [
        (payloads, {**cities, 35: "Quito", 36: "Lima "}),
        (shifted, {sid + BLOCK: city for sid, city in cities.items()}),
        (payloads, {sid: city for sid, city in cities.items() if sid != 34}),
    ]
    for edited, moved in cases:
        forget(monkeypatch)
        screen_blocks(payloads, cities, CODE)  # remembered by these payload objects
        as_made_from_nothing(monkeypatch, edited, moved)


def test_a_works_keys_name_each_screen_holding_it_by_its_city_and_plays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A city is on the work's page (its rows are by city), so moving one screen holding the
    work changes both its keys, and a work on none of the screens moved keeps its keys."""
    forget(monkeypatch)
    payloads, cities = fleet()
    before = screen_blocks(payloads, cities, CODE)
    moved = screen_blocks(payloads, {**cities, 35: "Quito"}, CODE)
    assert moved.keys(6)[0] != before.keys(6)[0] and moved.keys(6)[1] != before.keys(6)[1]
    assert moved.keys(6) != screen_blocks(payloads, {**cities, 35: "Lima "}, CODE).keys(6)
    assert moved.keys(4) == before.keys(4)  # on screens 2, 5, 8…: none moved
    assert len({sid // BLOCK for sid in payloads}) > 1  # the fleet is in several blocks
    assert screen_blocks(payloads, cities, "code-2").holding(6) == list(range(33, 41))


def test_a_screens_plays_are_digested_as_their_list_is_written() -> None:
    """plays_text writes each shared segments tuple once, and is repr of the list to the byte:
    a work's data key is the digest of its plays themselves (output_cache.digest)."""
    day = tuple((n * 3_600_000, n * 3_600_000 + 1_800_000) for n in range(24))
    plays = [
        Plays(60_000, ((0, 10_000), (30_000, 5_000)), day),
        Plays(-1, (), ((0, 2**70),)),
        Plays(45_500, ((12, 7),), day),
    ]
    segments: dict[int, str] = {}
    assert plays_text(plays, segments) == repr(plays).encode("utf-8")
    assert plays_text(plays[2:], segments) == repr(plays[2:]).encode("utf-8")  # day's kept
    assert len(segments) == 2
    assert digest("where", ("Kiosk", "Europe/Oslo"), plays_text(plays, {})) == digest(
        "where", ("Kiosk", "Europe/Oslo"), plays
    )


def test_a_works_kept_key_digests_name_their_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's and the data's digests of the same parts differ, each as digest() writes it,
    whether made or kept: the kind is part of what a kept digest is kept by."""
    forget(monkeypatch)
    parts = ("0:abc", "1:def")
    for _ in range(2):  # made, then kept
        assert where_keys._parts_digest("where-page", parts) == digest("where-page", list(parts))
        assert where_keys._parts_digest("where-data", parts) == digest("where-data", list(parts))
