"""Languages from the command line: a screen's languages, an artwork's and an artist's texts per
language, and FIELD@LANGUAGE columns in the import sheet (refused whole when wrong)."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from PIL import Image

from tests.curation.test_playlists_cli import make_artworks
from urbanart.library.import_sources import SHEET_COLUMNS, read_sheet


def test_a_screen_gets_its_languages_and_shows_them(run_cli) -> None:
    added = run_cli(
        "screens", "add", "Shibuya", "--tz", "Asia/Tokyo", "--size", "1080x1920",
        "--language", "ja,EN", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert (added.json()["language"], added.json()["second_language"]) == ("ja", "en")
    assert (
        run_cli("screens", "add", "Mitte", "--tz", "Europe/Berlin", "--size", "800x600").exit_code
        == 0
    )
    listed = {s["name"]: s for s in run_cli("screens", "list", "--json").json()}
    assert (listed["Mitte"]["language"], listed["Mitte"]["second_language"]) == ("en", None)
    edited = run_cli("screens", "edit", "Mitte", "--language", "de", "--json")
    assert edited.exit_code == 0, edited.stderr
    shown = run_cli("screens", "show", "Mitte", "--json").json()
    assert (shown["language"], shown["second_language"]) == ("de", None)


def test_a_screen_language_that_is_none_is_refused_by_name(run_cli) -> None:
    assert (
        run_cli("screens", "add", "Mitte", "--tz", "Europe/Berlin", "--size", "800x600").exit_code
        == 0
    )
    refused = run_cli("screens", "edit", "Mitte", "--language", "ja,german")
    assert refused.exit_code != 0
    assert "german" in refused.stderr
    three = run_cli("screens", "edit", "Mitte", "--language", "ja,en,fi")
    assert three.exit_code != 0 and "at most 2" in three.stderr
    assert run_cli("screens", "show", "Mitte", "--json").json()["language"] == "en"


def test_an_artworks_texts_per_language(run_cli, tmp_path: Path) -> None:
    ids = make_artworks(run_cli, tmp_path, ["River"])
    work = str(ids["River"])
    edited = run_cli(
        "artworks", "edit", work, "--lang", "ja", "--title", "川", "--alt-text", "青い水", "--json"
    )
    assert edited.exit_code == 0, edited.stderr
    run_cli("artworks", "edit", work, "--lang", "he", "--alt-text", "מים כחולים")
    texts = run_cli("artworks", "show", work, "--json").json()["texts"]
    assert texts["ja"] == {"title": "川", "description": "", "alt_text": "青い水"}
    assert texts["he"]["alt_text"] == "מים כחולים"
    assert texts["en"]["title"] == "River"
    human = run_cli("artworks", "show", work)
    assert "texts@ja" in human.stdout and "川" in human.stdout
    cleared = run_cli("artworks", "edit", work, "--lang", "ja", "--clear-lang", "--json")
    assert cleared.exit_code == 0, cleared.stderr
    assert set(cleared.json()["texts"]) == {"en", "he"}


def test_lang_refuses_what_it_cannot_do(run_cli, tmp_path: Path) -> None:
    ids = make_artworks(run_cli, tmp_path, ["River", "Stone"])
    work = str(ids["River"])
    for args, says in [
        (("--lang", "ja", "--status", "rejected"), "--status"),
        (("--lang", "ja"), "Give --title"),
        (("--clear-lang",), "needs --lang"),
        (("--lang", "ja", "--clear-lang", "--title", "x"), "give no new ones"),
    ]:
        result = run_cli("artworks", "edit", work, *args)
        assert result.exit_code == 2, (args, result.stderr)
        assert says in result.stderr
    both = run_cli("artworks", "edit", work, str(ids["Stone"]), "--lang", "ja", "--title", "川")
    assert both.exit_code == 2 and "one work at a time" in both.stderr
    bad = run_cli("artworks", "edit", work, "--lang", "japanese", "--title", "川")
    assert bad.exit_code != 0 and "japanese" in bad.stderr
    assert set(run_cli("artworks", "show", work, "--json").json()["texts"]) == {"en"}


def test_an_artists_bio_per_language(run_cli, tmp_path: Path) -> None:
    make_artworks(run_cli, tmp_path, ["River"], artist="Aiko")
    edited = run_cli("artists", "edit", "Aiko", "--lang", "ja", "--bio", "川を描く。", "--json")
    assert edited.exit_code == 0, edited.stderr
    assert edited.json()["bios"] == {"en": "", "ja": "川を描く。"}
    assert run_cli("artists", "show", "Aiko", "--json").json()["bios"]["ja"] == "川を描く。"
    wrong = run_cli("artists", "edit", "Aiko", "--lang", "ja", "--website", "https://a.example")
    assert wrong.exit_code == 2 and "--bio only" in wrong.stderr
    run_cli("artists", "edit", "Aiko", "--lang", "ja", "--bio", "")
    assert "ja" not in run_cli("artists", "show", "Aiko", "--json").json()["bios"]


def _pictures(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        digest = hashlib.sha256(name.encode()).digest()
        Image.new("RGB", (20, 10), tuple(digest[:3])).save(folder / name)


def test_the_sheet_reads_texts_per_language(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    _pictures(folder, ["river.png", "stone.png"])
    sheet = folder / "sheet.csv"
    sheet.write_text(
        "file,artist,title,title@ja,alt_text@PT-br,description@ja,bio@ja\n"
        "river.png,Aiko,River,川,Água azul,夜明けの川,川を描く。\n"
        "stone.png,Aiko,Stone,,,,\n",
        encoding="utf-8",
    )
    result = run_cli("import", str(folder), "--metadata", str(sheet), "--workers", "1", "--json")
    assert result.exit_code == 0, result.stderr
    ids = {r["title"]: r["artwork_id"] for r in result.json_lines()}
    river = run_cli("artworks", "show", str(ids["River"]), "--json").json()["texts"]
    assert river["ja"] == {"title": "川", "description": "夜明けの川", "alt_text": ""}
    assert river["pt-BR"]["alt_text"] == "Água azul"
    assert set(run_cli("artworks", "show", str(ids["Stone"]), "--json").json()["texts"]) == {"en"}
    assert run_cli("artists", "show", "Aiko", "--json").json()["bios"]["ja"] == "川を描く。"


def test_a_sheet_with_an_unknown_field_or_language_imports_nothing(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    _pictures(folder, ["river.png"])
    for header, row, says in [
        ("file,artist,colour@ja", "river.png,Aiko,青", "unknown column 'colour@ja'"),
        ("file,artist,title@japanese", "river.png,Aiko,川", "column 'title@japanese'"),
        ("file,artist,title@ja", f"river.png,Aiko,{'川' * 301}", "line 2 (river.png): title@ja"),
    ]:
        sheet = tmp_path / "sheet.csv"
        sheet.write_text(f"{header}\n{row}\n", encoding="utf-8")
        result = run_cli("import", str(folder), "--metadata", str(sheet), "--workers", "1")
        assert result.exit_code == 2, result.stderr
        assert says in result.stderr, result.stderr
    assert run_cli("artworks", "list", "--json").json() == []


def test_the_exported_sheet_carries_texts_per_language_and_imports_back(
    run_cli, tmp_path: Path
) -> None:
    folder = tmp_path / "batch"
    _pictures(folder, ["river.png", "stone.png"])
    sheet = folder / "sheet.csv"
    sheet.write_text(
        "file,artist,title,alt_text,title@ja,alt_text@ar,bio@ja\n"
        "river.png,Aiko,River,Blue water,川,ماء أزرق,川を描く。\n"
        "stone.png,Aiko,=Stone,,,,\n",
        encoding="utf-8",
    )
    imported = run_cli("import", str(folder), "--metadata", str(sheet), "--workers", "1")
    assert imported.exit_code == 0, imported.stderr
    out = tmp_path / "export.csv"
    exported = run_cli("artworks", "export-sheet", str(out))
    assert exported.exit_code == 0, exported.stderr
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    header = list(rows[0])
    assert header[: len(SHEET_COLUMNS)] == list(SHEET_COLUMNS)
    assert {"title@ja", "description@ja", "alt_text@ar", "bio@ja"} <= set(header)
    river = next(r for r in rows if r["file"] == "river.png")
    assert (river["title@ja"], river["alt_text@ar"], river["bio@ja"]) == (
        "川",
        "ماء أزرق",
        "川を描く。",
    )
    stone = next(r for r in rows if r["file"] == "stone.png")
    assert stone["title"] == "'=Stone"  # a spreadsheet must not run it as a formula
    assert stone["title@ja"] == "" and stone["bio@ja"] == "川を描く。"
    # What it wrote, the import reads: the same texts per language.
    again = read_sheet(out)
    by_name = again.by_name["river.png"]
    assert by_name["texts"] == {
        "ja": {"title": "川"},
        "ar": {"alt_text": "ماء أزرق"},
    }
    assert by_name["bios"] == {"ja": "川を描く。"}
