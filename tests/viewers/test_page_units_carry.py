"""Units carried over from the served release by its records, many at once (page_units.Carry)."""

from __future__ import annotations

import pytest

from urbanart.memo import Recent
from urbanart.viewers import page_units
from urbanart.viewers.output_cache import digest
from urbanart.viewers.page_units import Carry, unit_digest, unit_files, unit_name


def served(screens: range) -> Carry:
    """A served release recording screens' page units and holding all their files."""
    inputs = {unit_name("s", sid): f"key-{sid}" for sid in screens}
    files = {path: f"sha-{path}" for sid in screens for path in unit_files("s", sid)}
    return Carry(previous_files=files, previous_inputs=inputs)


def units(screens: list[int]) -> dict[int, tuple[str, tuple[str, ...]]]:
    return {sid: (unit_name("s", sid), unit_files("s", sid)) for sid in screens}


def one_by_one(carry: Carry, wanted: dict[int, tuple[str, tuple[str, ...]]]) -> set[int]:
    return {sid for sid, (name, files) in wanted.items() if carry.keep(name, files)}


def test_keeping_many_units_carries_what_keeping_each_carries() -> None:
    """All recorded with all files: every one carried at once. A unit the release does not
    record, or one of whose files it lacks, is not carried (nor any of its files), and the
    others are, exactly as keep() one by one does."""
    whole = list(range(1, 30))
    for lacking in (None, "record", "file"):
        many, each = served(range(1, 30)), served(range(1, 30))
        for carry in (many, each):
            if lacking == "record":
                del carry.previous_inputs[unit_name("s", 7)]  # type: ignore[attr-defined]
            if lacking == "file":
                del carry.previous_files[unit_files("s", 7)[3]]  # type: ignore[attr-defined]
        kept = many.keep_many(units(whole))
        assert kept == one_by_one(each, units(whole))
        assert (many.inputs, many.carried) == (each.inputs, each.carried)
        assert (7 in kept) is (lacking is None) and len(kept) >= len(whole) - 1
        assert not any(path in many.carried for path in unit_files("s", 7)) or lacking is None
    assert served(range(3)).keep_many({}) == set()


def test_a_units_kept_digest_is_the_digest_of_its_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """unit_digest keeps a unit's input digest by the unit and its parts, and answers the digest
    digest() gives for them whether kept or not: parts equal to kept ones but not written alike
    (True and 1, 1 and "1", a list and a tuple) are never answered by the kept digest, and a
    change of any part, or of the unit, is a new digest."""
    monkeypatch.setattr(page_units, "_UNIT_DIGESTS", Recent(64))
    cases = [
        ("a/1", ("code", ("en", "ja"), 1, ((5, "Five"),), None, b"css")),
        ("a/1", ("code", ("en", "ja"), True, ((5, "Five"),), None, b"css")),
        ("a/1", ("code", ("en", "ja"), "1", ((5, "Five"),), None, b"css")),
        ("a/1", ("code", ("en", "ja"), 1.0, ((5, "Five"),), None, b"css")),
        ("a/1", ("code", ["en", "ja"], 1, ((5, "Five"),), None, b"css")),
        ("a/1", ("code", ("en", "ja"), 1, ((5, "Five"),), None, "css")),
        ("a/1", ("code", ("en", "ja"), 1, ((5, "Fivé"),), None, b"css")),
        ("a/2", ("code", ("en", "ja"), 1, ((5, "Five"),), None, b"css")),
    ]
    for _ in range(2):  # made, then kept
        made = [unit_digest(unit, parts) for unit, parts in cases]
        assert made == [digest("page-unit", unit, *parts) for unit, parts in cases]
        assert len(set(made)) == len(cases)
    assert len(page_units._UNIT_DIGESTS) < len(cases)  # not every case was plain
