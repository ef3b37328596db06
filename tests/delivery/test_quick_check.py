"""The hub's quick check never accepts a body the API schema refuses, and does accept the
ordinary ones (so jsonschema is left for the rest and for wording errors)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from urbanart.protocol.hub_api import BadRequest, check, validator
from urbanart.protocol.quick_check import heartbeat_ok, plays_ok

#: Pure functions and documents: nothing here reaches a catalogue, so one run suffices.
pytestmark = pytest.mark.no_database

SHA = "ab" * 32
LENGTHS = (0, 1, 39, 40, 41, 59, 60, 61, 63, 64, 65, 79, 80, 81, 199, 200, 201, 300, 301, 500, 501)
OTHER_TYPES = st.sampled_from([None, 0, 1.5, True, False, [], {}, ["x"], "x"])


def field(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a good value, one time in five a bad one (shrinking leans to the good one)."""
    return st.sampled_from((False, False, False, False, True)).flatmap(
        lambda wrong: bad if wrong else good
    )


def text(least: int, most: int, nullable: bool = False) -> st.SearchStrategy[Any]:
    """Strings around the bounds (counted in characters, not bytes), sometimes null."""
    good = [n for n in LENGTHS if least <= n <= most]
    bad = [n for n in LENGTHS if not least <= n <= most]
    goods = st.sampled_from(good).map(lambda n: "é" * n)
    if nullable:
        goods = st.one_of(goods, st.none())
    return field(goods, st.one_of(st.sampled_from(bad).map(lambda n: "é" * n), OTHER_TYPES))


SHAS = field(
    st.sampled_from([SHA, SHA.upper()]),
    st.one_of(
        st.sampled_from([SHA[:-1], SHA + "0", SHA + "\n", "g" * 64, " " + SHA[1:], "é" + SHA[1:]]),
        OTHER_TYPES,
    ),
)
INSTANTS = field(
    st.sampled_from(
        [
            "2026-03-01T10:00:00Z",
            "2026-03-01 10:00z",
            "2026-03-01T10:00:00.123456789+05:30",
            "2026-03-01T10:00:00+0530",
        ]
    ),
    st.one_of(
        st.sampled_from(
            [
                "2026-03-01T10:00:00.1234567890+05:30",
                "2026-03-01T10:00:00",
                "2026-03-01T10:00:00Z\n",
                "2026-03-01T10:00:00.123456789+05:30" + "0" * 6,
                "x2026-03-01T10:00:00Z",
            ]
        ),
        OTHER_TYPES,
    ),
)


def number(least: int, most: int, integer: bool) -> st.SearchStrategy[Any]:
    goods: list[Any] = [least, most, (least + most) // 2]
    bads: list[Any] = [least - 1, most + 1, True, False, 1e400, "1"]
    if integer:
        bads.append(1.0 * least)  # a float the schema takes as an integer: the quick check need not
    else:
        goods += [least + 0.5, float(most)]
        bads.append(most + 0.5)
    return field(st.sampled_from(goods), st.sampled_from(bads))


def body(
    required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    """A dict with the required fields and some optional ones; sometimes a required one is
    missing, a field of no one's is added, or the whole is not an object."""
    made = st.fixed_dictionaries(required, optional={**optional, "extra": OTHER_TYPES})
    drop = field(st.none(), st.sampled_from(sorted(required)))
    shaped = st.tuples(made, drop).map(lambda p: {k: v for k, v in p[0].items() if k != p[1]})
    return field(shaped, OTHER_TYPES)


playing = body(
    {"artwork_sha256": SHAS},
    {"title": text(0, 300, True), "playlist": text(0, 200, True), "since": INSTANTS},
)
refused = body(
    {
        "reason": field(
            st.sampled_from(["rollback", "expired", "invalid", "other-screen"]),
            st.sampled_from(["other", "ROLLBACK", None, 1]),
        ),
        "at": INSTANTS,
    },
    {
        "source": field(st.sampled_from(["polled", "pushed"]), st.sampled_from(["pulled", None])),
        "detail": text(0, 300),
    },
)
heartbeats = body(
    {
        "playing": field(st.none(), playing),
        "manifest_version": text(0, 64, True),
        "player_version": text(1, 60),
        "free_disk_bytes": field(st.none(), number(0, 9007199254740991, integer=True)),
        "errors": field(
            st.lists(text(0, 500), max_size=3),
            st.one_of(st.just(["e"] * 51), OTHER_TYPES),
        ),
    },
    {"refused": field(st.none(), refused)},
)
plays = body(
    {
        "id": text(1, 80),
        "artwork_sha256": SHAS,
        "started_at": INSTANTS,
        "duration_s": number(0, 86400, integer=False),
    },
    {"playlist": text(0, 200, True), "manifest_version": text(0, 64, True)},
)
plays_bodies = body({"records": field(st.lists(plays, max_size=3), OTHER_TYPES)}, {})

ORDINARY_HEARTBEATS = [
    {
        "playing": None,
        "manifest_version": "v1",
        "player_version": "bench",
        "free_disk_bytes": 10_000_000_000,
        "errors": [],
    },
    {
        "playing": {"artwork_sha256": SHA, "title": "Nocturne", "since": "2026-03-01T10:00:00Z"},
        "manifest_version": None,
        "player_version": "2.0.0",
        "free_disk_bytes": None,
        "errors": ["cache full", "retrying"],
        "refused": {"reason": "rollback", "source": "pushed", "at": "2026-03-01T10:00:00+01:00"},
    },
]
ORDINARY_PLAYS = {
    "records": [
        {
            "id": f"play-{i}",
            "artwork_sha256": SHA,
            "playlist": "Evening",
            "started_at": f"2026-03-01T10:{i:02d}:00Z",
            "duration_s": 9.5 if i % 2 else 10,
            "manifest_version": "v1",
        }
        for i in range(30)
    ]
}

SETTINGS = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(heartbeats)
def test_a_heartbeat_the_quick_check_accepts_is_one_the_schema_accepts(
    body: dict[str, Any],
) -> None:
    if heartbeat_ok(body):
        assert validator("heartbeat").is_valid(body), body


@SETTINGS
@given(plays_bodies)
def test_a_plays_body_the_quick_check_accepts_is_one_the_schema_accepts(
    body: dict[str, Any],
) -> None:
    if plays_ok(body):
        assert validator("plays").is_valid(body), body


def test_ordinary_bodies_pass_the_quick_check_and_the_schema_alike() -> None:
    for body in ORDINARY_HEARTBEATS:
        assert validator("heartbeat").is_valid(body)
        assert heartbeat_ok(body)
    assert validator("plays").is_valid(ORDINARY_PLAYS)
    assert plays_ok(ORDINARY_PLAYS)


def test_what_the_quick_check_is_unsure_of_still_gets_the_schemas_verdict_and_path() -> None:
    long_title = {**ORDINARY_HEARTBEATS[1], "playing": {"artwork_sha256": SHA, "title": "t" * 301}}
    assert not heartbeat_ok(long_title)
    with pytest.raises(BadRequest, match=r"^playing"):
        check("heartbeat", long_title)
    whole = {**ORDINARY_HEARTBEATS[0], "free_disk_bytes": 5.0}  # an integer to the schema
    assert not heartbeat_ok(whole)
    check("heartbeat", whole)  # jsonschema accepts it: the quick check only said "not sure"
    bad_play = {"records": [{**ORDINARY_PLAYS["records"][0], "duration_s": True}]}
    assert not plays_ok(bad_play)
    with pytest.raises(BadRequest, match=r"^records/0/duration_s"):
        check("plays", bad_play)


def _values(strategy_goods: list[Any], strategy_bads: list[Any]) -> list[tuple[Any, bool]]:
    return [(v, True) for v in strategy_goods] + [(v, False) for v in strategy_bads]


def _texts(least: int, most: int, nullable: bool = False) -> list[tuple[Any, bool]]:
    goods: list[Any] = ["é" * n for n in LENGTHS if least <= n <= most]
    bads: list[Any] = ["é" * n for n in LENGTHS if not least <= n <= most]
    (goods if nullable else bads).append(None)
    return _values(goods, [*bads, 0, True, [], {}])


#: A trailing newline passes a pattern ending in $ (re.search, as jsonschema does): so it must
#: pass the quick check too (a parse further on refuses such a date).
SHA_VALUES = _values(
    [SHA, SHA.upper(), SHA + "\n"], [SHA[:-1], SHA + "0", "g" * 64, "é" + SHA[1:], None, 1]
)
INSTANT_VALUES = _values(
    [
        "2026-03-01T10:00:00Z",
        "2026-03-01 10:00z",
        "2026-03-01T10:00:00.123456789+0530",
        "2026-03-01T10:00:00Z\n",
    ],
    [
        "2026-03-01T10:00:00.1234567890+05:30",
        "2026-03-01T10:00:00",
        "2026-03-01T10:00:00.123456789+05:30" + "0" * 6,
        None,
        0,
    ],
)
#: path in an ordinary body → (value, whether the schema takes it) to put there, one at a time.
HEARTBEAT_CHANGES: dict[tuple[str, ...], list[tuple[Any, bool]]] = {
    ("manifest_version",): _texts(0, 64, nullable=True),
    ("player_version",): _texts(1, 60),
    ("free_disk_bytes",): _values([0, 9007199254740991, None], [-1, 9007199254740992, True, 1.5]),
    ("errors",): _values([[], ["é" * 500] * 50], [["e"] * 51, ["é" * 501], [1], None]),
    ("playing", "artwork_sha256"): SHA_VALUES,
    ("playing", "title"): _texts(0, 300, nullable=True),
    ("playing", "playlist"): _texts(0, 200, nullable=True),
    ("playing", "since"): [*(c for c in INSTANT_VALUES if c[0] is not None), (None, True)],
    ("playing", "other"): _values([], ["x"]),
    ("refused", "reason"): _values(["other-screen", "invalid"], ["other", None]),
    ("refused", "source"): _values(["polled"], ["pulled", None]),
    ("refused", "detail"): _texts(0, 300),
    ("refused", "at"): INSTANT_VALUES,
    ("refused", "other"): _values([], ["x"]),
}
PLAY_CHANGES: dict[tuple[str, ...], list[tuple[Any, bool]]] = {
    ("id",): _texts(1, 80),
    ("artwork_sha256",): SHA_VALUES,
    ("playlist",): _texts(0, 200, nullable=True),
    ("started_at",): INSTANT_VALUES,
    ("duration_s",): _values([0, 0.5, 86400, 86400.0], [-0.5, 86400.5, True, False, 1e400, "1"]),
    ("manifest_version",): _texts(0, 64, nullable=True),
    ("other",): _values([], ["x"]),
}


def _changed(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(base)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


def test_every_single_change_to_an_ordinary_body_gets_the_schemas_verdict() -> None:
    """One field at a time, around every bound: accepted exactly when the schema accepts."""
    base = ORDINARY_HEARTBEATS[1]
    for path, values in HEARTBEAT_CHANGES.items():
        for value, valid in values:
            changed = _changed(base, path, value)
            assert validator("heartbeat").is_valid(changed) == valid, (path, value)
            assert heartbeat_ok(changed) == valid, (path, value)
    for key in ORDINARY_HEARTBEATS[0]:
        missing = {k: v for k, v in base.items() if k != key}
        assert not heartbeat_ok(missing) and not validator("heartbeat").is_valid(missing), key
    for path, values in PLAY_CHANGES.items():
        for value, valid in values:
            changed = {"records": [*ORDINARY_PLAYS["records"][:2]]}
            changed["records"][1] = _changed(changed["records"][1], path, value)
            assert validator("plays").is_valid(changed) == valid, (path, value)
            assert plays_ok(changed) == valid, (path, value)
    for key in ("id", "artwork_sha256", "started_at", "duration_s"):
        record = {k: v for k, v in ORDINARY_PLAYS["records"][0].items() if k != key}
        assert not plays_ok({"records": [record]}), key
    assert not plays_ok({"records": [ORDINARY_PLAYS["records"][0]] * 1001})
    assert plays_ok({"records": [ORDINARY_PLAYS["records"][0]] * 1000})
