"""CSV exports never hand a spreadsheet a live formula (issue #14, OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.delivery.hub_fixtures import add_artwork, add_screen, sha
from urbanart.csv_safe import FORMULA_STARTS, SafeDictWriter, SafeWriter, neutralise
from urbanart.delivery.api import PlayIn, record_plays
from urbanart.library.library import Library

ART = b"a work whose title is a formula"
HYPERLINK = '=HYPERLINK("http://x")'
CMD = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("start", FORMULA_STARTS)
@pytest.mark.no_database
def test_text_that_could_start_a_formula_gets_an_apostrophe(start: str) -> None:
    assert neutralise(f"{start}1+2") == f"'{start}1+2"


@pytest.mark.no_database
def test_plain_text_and_real_numbers_are_left_alone() -> None:
    assert neutralise("Neon Koi") == "Neon Koi"
    assert neutralise("a=b") == "a=b"  # only the first character counts
    assert neutralise(-3) == -3 and neutralise(-2.5) == -2.5  # numbers stay numbers
    assert neutralise("-3") == "'-3"  # text that merely looks like one does not


@pytest.mark.no_database
def test_both_writers_neutralise_every_text_cell() -> None:
    out = io.StringIO()
    SafeWriter(out, lineterminator="\n").writerows([["title", "n"], [CMD, -4]])
    assert out.getvalue().splitlines()[1] == "'=cmd|' /C calc'!A0,-4"
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=["title", "n"], lineterminator="\n")
    writer.writeheader()
    writer.writerows([{"title": "@SUM(A1)", "n": 1.5}])
    assert out.getvalue().splitlines() == ["title,n", "'@SUM(A1),1.5"]


def test_report_plays_csv_exports_a_formula_title_as_text(library: Library, run_cli) -> None:
    screen = add_screen(library, "+Plus Screen", "Asia/Tokyo", "t1")
    add_artwork(library, ART, HYPERLINK, "-Minus Artist")
    when = datetime(2025, 3, 9, 11, 0, tzinfo=UTC)
    record_plays(library, screen, [PlayIn("a", sha(ART), "@Evening", when, 10.0, "v1")], when)

    result = run_cli("report", "plays", "--from", "2025-03-09", "--to", "2025-03-09", "--csv")

    assert result.exit_code == 0, result.stderr
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["artwork"] == "'" + HYPERLINK
    assert row["artist"] == "'-Minus Artist"
    assert row["screen"] == "'+Plus Screen"
    assert row["playlist"] == "'@Evening"
    assert row["duration_s"] == "10"
    json_out = run_cli("report", "plays", "--from", "2025-03-09", "--to", "2025-03-09", "--json")
    assert json_out.json()["plays"][0]["artwork"] == HYPERLINK  # JSON carries the raw title
