"""Print-ready signs for beside a screen: its QR code, a call to action and the project's name.

Drawn with Pillow at 300 dpi (Pillow also writes the PDF, so no PDF library is needed). The QR
code is drawn module by module on whole pixels, so a print shop's printer never resamples it
into blurry edges.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from urbanart.curation.screens import get_screen
from urbanart.errors import InvalidValue
from urbanart.library.library import Library
from urbanart.library.settings import load_settings
from urbanart.viewers import qr
from urbanart.viewers.pages import tree_url
from urbanart.viewers.site import project_name

DPI = 300
#: Paper sizes in millimetres (ISO 216), portrait.
PAPERS: dict[str, tuple[int, int]] = {"a4": (210, 297), "a5": (148, 210)}
FORMATS = ("png", "pdf")
CALL_TO_ACTION = "Scan to see the work on this screen"
INK = (20, 20, 20)
MUTED = (90, 90, 90)
PAPER_WHITE = (255, 255, 255)
#: Font files tried in order: Pillow searches the system's font folders for bare names.
REGULAR_FONTS = (
    "DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
BOLD_FONTS = (
    "DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/Library/Fonts/Arial Bold.ttf",
    "C:/Windows/Fonts/arialbd.ttf",
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def paper_pixels(paper: str) -> tuple[int, int]:
    """Width and height in pixels at DPI: A4 is 2480×3508, A5 is 1748×2480."""
    if paper not in PAPERS:
        raise InvalidValue("paper", paper, f"must be one of {', '.join(PAPERS)}", key="paper")
    width_mm, height_mm = PAPERS[paper]
    return round(width_mm / 25.4 * DPI), round(height_mm / 25.4 * DPI)


@cache
def font(size: int, bold: bool = False) -> Font:
    """DejaVu Sans (or the system's Arial) at `size` pixels; Pillow's built-in font when no
    TrueType font is installed, so a sign can always be made, if plainer."""
    for name in BOLD_FONTS if bold else REGULAR_FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def wrap(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int) -> list[str]:
    """Greedy word wrap to `width` pixels; a word longer than a line is broken by characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=face) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if draw.textlength(line + char, font=face) > width and line:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines or [""]


def _centred(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    face: Font,
    top: int,
    page_width: int,
    fill: tuple[int, int, int],
    leading: float = 1.25,
) -> int:
    """Draw lines centred from `top`; returns the y just below the last one."""
    size = getattr(face, "size", 12)
    y = top
    for text in lines:
        draw.text((page_width // 2, y), text, font=face, fill=fill, anchor="ma")
        y += round(size * leading)
    return y


def draw_qr(image: Image.Image, url: str, left: int, top: int, side: int) -> int:
    """Draw the code for url in a side×side box (quiet zone included) on whole-pixel modules;
    returns the side actually used."""
    code = qr.make(url)
    modules = len(code.matrix) + 2 * qr.QUIET_ZONE
    module = max(1, side // modules)
    used = module * modules
    left += (side - used) // 2
    top += (side - used) // 2
    draw = ImageDraw.Draw(image)
    draw.rectangle([left, top, left + used - 1, top + used - 1], fill=PAPER_WHITE)
    for row, cells in enumerate(code.matrix):
        y = top + (row + qr.QUIET_ZONE) * module
        for col, dark in enumerate(cells):
            if dark:
                x = left + (col + qr.QUIET_ZONE) * module
                draw.rectangle([x, y, x + module - 1, y + module - 1], fill=INK)
    return used


def render_sign(
    *,
    url: str,
    screen_name: str,
    project: str,
    paper: str = "a4",
    call_to_action: str = CALL_TO_ACTION,
) -> Image.Image:
    """The sign as an RGB image at DPI: project name, call to action, QR code, screen name, URL."""
    width, height = paper_pixels(paper)
    unit = width / 100  # sizes scale with the paper, so A5 is A4 reduced
    margin = round(8 * unit)
    image = Image.new("RGB", (width, height), PAPER_WHITE)
    draw = ImageDraw.Draw(image)
    text_width = width - 2 * margin

    y = margin
    small_caps = font(round(2.6 * unit), bold=True)
    y = _centred(
        draw, wrap(draw, project.upper(), small_caps, text_width), small_caps, y, width, MUTED
    )
    y += round(4 * unit)
    headline = font(round(6.4 * unit), bold=True)
    y = _centred(draw, wrap(draw, call_to_action, headline, text_width), headline, y, width, INK)
    y += round(3 * unit)

    name_face = font(round(4.2 * unit), bold=True)
    url_face = font(round(2.4 * unit))
    name_lines = wrap(draw, screen_name, name_face, text_width)[:2]
    url_lines = wrap(draw, url, url_face, text_width)
    below = round(len(name_lines) * 4.2 * unit * 1.25 + len(url_lines) * 2.4 * unit * 1.3)
    side = min(round(68 * unit), height - y - margin - below - round(4 * unit))
    used = draw_qr(image, url, (width - side) // 2, y, side)
    y += side - (side - used) // 2 + round(2 * unit)
    y = _centred(draw, name_lines, name_face, y, width, INK)
    y += round(1 * unit)
    y = _centred(draw, url_lines, url_face, y, width, MUTED, leading=1.3)
    # Centre the block between the margins: a short name must not leave the foot empty.
    spare = (height - margin - y) // 2
    if spare > 0:
        block = image.crop((0, margin, width, y))
        image = Image.new("RGB", (width, height), PAPER_WHITE)
        image.paste(block, (0, margin + spare))
    return image


def encode(image: Image.Image, fmt: str) -> bytes:
    """PNG with its 300 dpi recorded, or a one-page PDF whose page is exactly the paper size."""
    if fmt not in FORMATS:
        raise InvalidValue("format", fmt, f"must be one of {', '.join(FORMATS)}", key="format")
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, "PNG", dpi=(DPI, DPI), optimize=True)
    else:
        image.save(out, "PDF", resolution=float(DPI))
    return out.getvalue()


@dataclass(frozen=True)
class Sign:
    screen_id: int
    screen_name: str
    url: str
    data: bytes
    format: Literal["png", "pdf"]


def screen_url(base_url: str, screen_id: int) -> str:
    """The screen's now-playing page: /s/<id>/ under the public base URL."""
    return f"{base_url.rstrip('/')}/{tree_url('s', screen_id)}/"


def screen_sign(library: Library, ref: str | int, *, paper: str = "a4", fmt: str = "png") -> Sign:
    """The sign for a screen (by id or name), encoded as PNG or PDF."""
    screen = get_screen(library, ref)
    url = screen_url(load_settings(library).public_base_url, screen.id)
    image = render_sign(
        url=url, screen_name=screen.name, project=project_name(library), paper=paper
    )
    return Sign(screen.id, screen.name, url, encode(image, fmt), fmt)  # type: ignore[arg-type]
