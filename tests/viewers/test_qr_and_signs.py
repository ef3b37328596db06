"""QR codes (error level, quiet zone), printed signs and the `link` and `screens sign` commands."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image, ImageFont

from urbanart.curation import playlists, screens
from urbanart.library import catalog
from urbanart.library.library import Library
from urbanart.library.settings import update_settings
from urbanart.viewers import qr, signs

BASE = "https://art.example.org"


def test_codes_use_strong_error_correction_a_small_version_and_a_quiet_zone() -> None:
    code = qr.make(f"{BASE}/a/12345/")
    assert code.error in ("Q", "H")
    assert not code.is_micro and code.version <= 5  # few, large modules: scans from afar
    png = Image.open(io.BytesIO(qr.png_bytes(f"{BASE}/a/12345/"))).convert("L")
    modules = len(code.matrix)
    border = qr.QUIET_ZONE * qr.PNG_SCALE
    assert png.size == ((modules + 2 * qr.QUIET_ZONE) * qr.PNG_SCALE,) * 2
    width = png.width
    strips = (
        png.crop((0, 0, width, border)),
        png.crop((0, width - border, width, width)),
        png.crop((0, 0, border, width)),
        png.crop((width - border, 0, width, width)),
    )
    assert all(strip.getextrema() == (255, 255) for strip in strips)  # a white quiet zone
    assert png.getpixel((border, border)) == 0  # the finder pattern starts right after it
    assert png.getpixel((border - 1, border - 1)) == 255


def test_the_svg_has_a_white_background_and_names_its_target() -> None:
    svg = qr.svg_bytes(f"{BASE}/s/3/").decode()
    assert svg.startswith("<svg") and 'fill="#fff"' in svg
    assert f"<title>QR code for {BASE}/s/3/</title>" in svg
    modules = len(qr.make(f"{BASE}/s/3/").matrix) + 2 * qr.QUIET_ZONE
    assert f'width="{modules * qr.SVG_SCALE}"' in svg


def test_codes_are_the_same_bytes_every_time() -> None:
    assert qr.png_bytes(f"{BASE}/p/1/") == qr.png_bytes(f"{BASE}/p/1/")
    assert qr.svg_bytes(f"{BASE}/p/1/") == qr.svg_bytes(f"{BASE}/p/1/")


# Signs -----------------------------------------------------------------------------------------


def dark_box(image: Image.Image) -> tuple[int, int, int, int]:
    """The bounding box of everything printed (not white)."""
    box = Image.eval(image.convert("L"), lambda v: 255 if v < 250 else 0).getbbox()
    assert box is not None
    return box


@pytest.mark.parametrize(("paper", "size"), [("a4", (2480, 3508)), ("a5", (1748, 2480))])
def test_a_sign_fills_the_paper_at_300_dpi_inside_its_margins(
    paper: str, size: tuple[int, int]
) -> None:
    image = signs.render_sign(
        url=f"{BASE}/s/7/", screen_name="Berlin Kiosk", project="Urban Art Studio", paper=paper
    )
    assert image.size == size
    left, top, right, bottom = dark_box(image)
    margin = round(size[0] * 0.08)
    assert left >= margin * 0.9 and right <= size[0] - margin * 0.9
    assert top >= margin * 0.9 and bottom <= size[1] - margin * 0.9
    png = Image.open(io.BytesIO(signs.encode(image, "png")))
    assert png.size == size and tuple(round(d) for d in png.info["dpi"]) == (300, 300)


def test_the_sign_pdf_is_one_page_of_the_paper_size() -> None:
    image = signs.render_sign(url=f"{BASE}/s/7/", screen_name="X", project="P", paper="a4")
    pdf = signs.encode(image, "pdf")
    assert pdf.startswith(b"%PDF")
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box is not None
    assert abs(float(box[1]) - 595.3) < 1 and abs(float(box[2]) - 841.9) < 1  # A4 in points


def test_a_long_screen_name_wraps_and_a_missing_font_still_makes_a_sign(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_truetype = ImageFont.truetype

    def no_font_files(font: object, *args: object, **kwargs: object) -> object:
        if isinstance(font, str | Path):
            raise OSError("no fonts here")
        return real_truetype(font, *args, **kwargs)  # Pillow's built-in font, from bytes

    signs.font.cache_clear()
    monkeypatch.setattr(ImageFont, "truetype", no_font_files)
    try:
        image = signs.render_sign(
            url=f"{BASE}/s/7/",
            screen_name="The Very Long Name Of A Screen On The Side Of A Multi-Storey Car Park",
            project="Urban Art Studio",
            paper="a5",
        )
    finally:
        signs.font.cache_clear()
    left, _top, right, bottom = dark_box(image)
    assert right - left < image.width and bottom < image.height


# Commands --------------------------------------------------------------------------------------


@pytest.fixture
def curated(library: Library, tmp_path: Path) -> dict[str, int]:
    """One approved work on a playlist, and a screen, with a public base URL."""
    from tests.viewers import painting
    from urbanart.library.import_sources import ImportItem
    from urbanart.library.importer import ImportRun, import_items

    source = painting(tmp_path / "work.png", (300, 200), ("#112233", "#ddeeff"), 1)
    (result,) = import_items(library, [ImportItem(source, "Ana")], ImportRun(workers=1))
    assert result.artwork_id is not None
    catalog.edit_artwork(library, result.artwork_id, title="Tide Line", status="approved")
    playlist = playlists.create_playlist(library, "Coast")
    playlists.add_items(library, playlist.id, [result.artwork_id])
    screen = screens.add_screen(
        library, "Pier Screen", tz="Europe/Lisbon", size="640x360", default_playlist=playlist.id
    )
    update_settings(library, public_base_url=BASE + "/")
    return {"work": result.artwork_id, "playlist": playlist.id, "screen": screen.id}


def test_link_prints_the_url_and_writes_both_qr_files(
    run_cli, curated: dict[str, int], tmp_path: Path
) -> None:
    out = tmp_path / "codes"
    result = run_cli("link", "Tide Line", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    work = curated["work"]
    assert result.stdout.strip() == f"{BASE}/a/{work}/"
    assert (out / f"artwork-{work}.svg").read_bytes() == qr.svg_bytes(f"{BASE}/a/{work}/")
    assert (out / f"artwork-{work}.png").read_bytes() == qr.png_bytes(f"{BASE}/a/{work}/")
    assert "no page for this artwork yet" in result.stderr  # nothing published yet

    assert run_cli("publish").exit_code == 0
    result = run_cli("link", "Coast", "--playlist", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"{BASE}/p/{curated['playlist']}/"
    assert (out / f"playlist-{curated['playlist']}.png").is_file()
    assert "note:" not in result.stderr


def test_link_names_an_unknown_work_clearly(run_cli, curated: dict[str, int]) -> None:
    result = run_cli("link", "No Such Work")
    assert result.exit_code == 1
    assert "No artwork or playlist called or numbered 'No Such Work'" in result.stderr
    result = run_cli("link", "Tide Line", "--playlist")
    assert result.exit_code == 1 and "No playlist called or numbered 'Tide Line'" in result.stderr


def test_link_finds_a_playlist_by_name_alone(
    run_cli, curated: dict[str, int], tmp_path: Path
) -> None:
    result = run_cli("link", "coast", "-o", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"{BASE}/p/{curated['playlist']}/"
    assert (tmp_path / f"playlist-{curated['playlist']}.svg").is_file()
    # a number is an artwork id, as it always was; --playlist reads it as a playlist id
    number = run_cli("link", str(curated["work"]), "-o", str(tmp_path))
    assert number.stdout.strip() == f"{BASE}/a/{curated['work']}/"


def test_a_name_shared_by_a_work_and_a_playlist_is_refused_in_a_script_listing_both(
    run_cli, curated: dict[str, int], library: Library, tmp_path: Path
) -> None:
    catalog.edit_artwork(library, curated["work"], title="Coast")
    result = run_cli("link", "Coast", "-o", str(tmp_path / "codes"))
    assert result.exit_code == 2
    assert f"the artwork 'Coast' (id {curated['work']})" in result.stderr
    assert f"the playlist 'Coast' (id {curated['playlist']})" in result.stderr
    assert "--artwork or --playlist" in result.stderr
    assert not (tmp_path / "codes").exists()  # no QR code for a guess
    chosen = run_cli("link", "Coast", "--artwork", "-o", str(tmp_path))
    assert chosen.stdout.strip() == f"{BASE}/a/{curated['work']}/"


def test_at_a_terminal_link_asks_which_when_both_match(
    home: Path, curated: dict[str, int], library: Library, tmp_path: Path
) -> None:
    import os
    import pty
    import select
    import subprocess
    import sys

    catalog.edit_artwork(library, curated["work"], title="Coast")
    command = [sys.executable, "-m", "urbanart.cli.main", "--home", str(home), "link", "Coast"]
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [*command, "-o", str(tmp_path)], stdin=follower, stdout=follower, stderr=follower
    )
    os.close(follower)
    seen = b""

    def read_until(marker: bytes) -> None:
        nonlocal seen
        while marker not in seen:
            ready, _, _ = select.select([leader], [], [], 60)
            assert ready, f"no {marker!r} in {seen.decode(errors='replace')}"
            try:
                seen += os.read(leader, 4096)
            except OSError:  # the program ended and closed the terminal
                break

    read_until(b"Which one")
    assert b"artwork: Coast" in seen and b"playlist: Coast" in seen
    os.write(leader, b"playlist\n")
    read_until(f"/p/{curated['playlist']}/".encode())
    assert process.wait(60) == 0
    os.close(leader)
    assert (tmp_path / f"playlist-{curated['playlist']}.png").is_file()


def test_screens_sign_writes_png_and_pdf(run_cli, curated: dict[str, int], tmp_path: Path) -> None:
    png_path, pdf_path = tmp_path / "sign.png", tmp_path / "out" / "sign.pdf"
    result = run_cli("screens", "sign", "Pier Screen", "-o", str(png_path))
    assert result.exit_code == 0, result.stderr
    assert f"{BASE}/s/{curated['screen']}/" in result.stdout
    assert "not published yet" in result.stderr
    with Image.open(png_path) as image:
        assert image.size == (2480, 3508) and round(image.info["dpi"][0]) == 300
    result = run_cli(
        "screens", "sign", str(curated["screen"]), "-o", str(pdf_path), "--paper", "a5"
    )
    assert result.exit_code == 0, result.stderr
    assert pdf_path.read_bytes().startswith(b"%PDF")
    result = run_cli("screens", "sign", "Pier Screen", "-o", str(tmp_path / "s"), "--format", "pdf")
    assert result.exit_code == 0 and (tmp_path / "s").read_bytes().startswith(b"%PDF")
