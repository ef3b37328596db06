"""`urbanart import` and friends as a curator types them: tables, JSON records, exit status."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imaging.corpus import build_corpus


@pytest.fixture
def corpus(tmp_path: Path) -> dict[str, Path]:
    return build_corpus(tmp_path / "corpus")


def test_all_good_files_exit_zero_with_one_json_record_each(run_cli, corpus) -> None:
    result = run_cli(
        "import", str(corpus["plain.jpg"]), str(corpus["rgba.png"]), "--artist", "A", "--json"
    )
    assert result.exit_code == 0, result.stderr
    records = result.json_lines()
    assert [r["status"] for r in records] == ["imported", "imported"]
    assert all(isinstance(r["artwork_id"], int) and len(r["sha256"]) == 64 for r in records)


def test_duplicates_still_exit_zero(run_cli, corpus) -> None:
    run_cli("import", str(corpus["plain.jpg"]), "--artist", "A")
    result = run_cli("import", str(corpus["plain.jpg"]), "--artist", "A", "--json")
    assert result.exit_code == 0
    (record,) = result.json_lines()
    assert record["status"] == "duplicate" and "same content as artwork" in record["reason"]


def test_any_rejection_exits_one_and_says_why(run_cli, corpus) -> None:
    result = run_cli(
        "import", str(corpus["plain.jpg"]), str(corpus["empty.jpg"]), "--artist", "A", "--json"
    )
    assert result.exit_code == 1
    by_file = {Path(r["file"]).name: r for r in result.json_lines()}
    assert by_file["plain.jpg"]["status"] == "imported"
    assert by_file["empty.jpg"] == {
        **by_file["empty.jpg"],
        "status": "rejected",
        "reason": "empty file",
    }


def test_table_output_names_each_file_and_counts(run_cli, corpus) -> None:
    result = run_cli("import", str(corpus["plain.jpg"]), str(corpus["text.jpg"]), "--artist", "A")
    assert result.exit_code == 1
    assert "plain.jpg" in result.stdout and "text.jpg" in result.stdout
    assert "1 imported, 0 duplicate, 1 rejected" in result.stderr


def test_usage_errors_exit_two(run_cli, corpus, tmp_path: Path) -> None:
    assert run_cli("import").exit_code == 2
    assert run_cli("import", str(tmp_path / "missing.jpg")).exit_code == 2
    bad_sheet = tmp_path / "sheet.csv"
    bad_sheet.write_text("file,license\nplain.jpg,nope\n")
    result = run_cli("import", str(corpus["plain.jpg"]), "--metadata", str(bad_sheet))
    assert result.exit_code == 2
    assert "license 'nope'" in result.stderr
    assert run_cli("artworks", "list", "--json").json() == []


def test_artists_and_artworks_commands_round_trip(run_cli, corpus) -> None:
    run_cli(
        "import",
        str(corpus["plain.jpg"]),
        str(corpus["anim.gif"]),
        "--artist",
        "Tidewater Machines",
    )
    assert (
        run_cli(
            "artists", "add", "Quiet Vector Group", "--website", "https://example.org"
        ).exit_code
        == 0
    )
    artists = run_cli("artists", "list", "--json").json()
    assert {a["name"]: a["artwork_count"] for a in artists} == {
        "Quiet Vector Group": 0,
        "Tidewater Machines": 2,
    }
    edited = run_cli(
        "artworks", "edit", "Plain", "--status", "approved", "--tags", "sea, blue",
        "--license", "CC0-1.0", "--ai", "digitalCreation", "--json",
    )  # fmt: skip
    assert edited.exit_code == 0, edited.stderr
    assert edited.json()["status"] == "approved" and edited.json()["tags"] == ["blue", "sea"]
    approved = run_cli("artworks", "list", "--status", "approved", "--json").json()
    assert [a["title"] for a in approved] == ["Plain"]
    assert [a["title"] for a in run_cli("artworks", "list", "--tag", "sea", "--json").json()] == [
        "Plain"
    ]
    ai = run_cli("artworks", "list", "--ai", "digitalCreation", "--json").json()
    assert [a["title"] for a in ai] == ["Plain"]
    by_artist = run_cli("artworks", "list", "--artist", "Quiet Vector Group", "--json").json()
    assert by_artist == []
    bad = run_cli("artworks", "edit", "Plain", "--license", "whatever")
    assert bad.exit_code == 2 and "license 'whatever'" in bad.stderr
    missing = run_cli("artworks", "show", "No Such Work")
    assert missing.exit_code == 1 and "No artwork" in missing.stderr
    removed = run_cli("artworks", "remove", "Plain", "--yes", "--json")
    assert removed.exit_code == 0
    assert [a["title"] for a in run_cli("artworks", "list", "--json").json()] == ["Anim"]


def test_demo_fills_a_new_library_and_only_once(run_cli) -> None:
    first = run_cli("demo", "--json")
    assert first.exit_code == 0, first.stderr
    assert [r["status"] for r in first.json_lines()] == ["imported"] * 25
    assert len(run_cli("artists", "list", "--json").json()) == 8
    again = run_cli("demo", "--if-empty")
    assert again.exit_code == 0 and "no demo added" in again.stderr
