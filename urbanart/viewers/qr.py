"""QR codes for the viewer pages, made to be scanned off a bright screen or a printed sign."""

from __future__ import annotations

import io
from functools import lru_cache

import segno

from urbanart.viewers.output_cache import OutputCache, cached, code_digest

#: Error correction "Q" (25 % of the code may be lost): glare, dirt and a sticker's curl on a
#: city screen or sign eat modules; segno raises it to "H" when that fits the same version.
ERROR = "q"
#: The quiet zone the QR standard asks for, in modules; scanners fail without it.
QUIET_ZONE = 4
#: Pixels per module in the published PNG (crisp on a phone and when a curator prints it).
PNG_SCALE = 10
#: Unit size of the SVG (it scales without loss; this only sets its intrinsic size).
SVG_SCALE = 10
DARK = "#000000"
LIGHT = "#ffffff"


@lru_cache(maxsize=8192)
def make(url: str) -> segno.QRCode:
    """The code for an absolute URL (never a Micro QR: phones' cameras do not all read those).

    Cached: choosing the best mask is most of the cost, and every publish asks again for the
    same URLs (the studio publishes many times in one process; SVG and PNG share one code).
    """
    return segno.make_qr(url, error=ERROR, boost_error=True)


def svg_bytes(url: str, *, title: str | None = None) -> bytes:
    """A standalone SVG with a white background and quiet zone, so it reads on dark pages too."""
    out = io.BytesIO()
    make(url).save(
        out,
        kind="svg",
        scale=SVG_SCALE,
        border=QUIET_ZONE,
        dark=DARK,
        light=LIGHT,
        xmldecl=False,
        title=title or f"QR code for {url}",
    )
    return out.getvalue()


def png_bytes(url: str, *, scale: int = PNG_SCALE) -> bytes:
    """A PNG with `scale` pixels per module; deterministic (segno writes no timestamp)."""
    out = io.BytesIO()
    make(url).save(out, kind="png", scale=scale, border=QUIET_ZONE, dark=DARK, light=LIGHT)
    return out.getvalue()


def qr_files(kind: str, ident: int, url: str, cache: OutputCache | None = None) -> dict[str, bytes]:
    """The tree files of one code: qr/<kind>/<id>.svg and .png (docs/published-tree.md).

    With a cache, a code made by an earlier publish for the same URL is not made again (its
    bytes depend on nothing else but this module's settings, part of the key)."""
    code = (segno.__version__, code_digest("urbanart.viewers", "qr.py"))
    return {
        f"qr/{kind}/{ident}.svg": cached(cache, ("qr.svg", code, url), lambda: svg_bytes(url)),
        f"qr/{kind}/{ident}.png": cached(cache, ("qr.png", code, url), lambda: png_bytes(url)),
    }


@lru_cache(maxsize=8192)
def matrix_rows(url: str) -> tuple[str, ...]:
    """The code's modules without quiet zone, one hex string per row (dark = 1, most significant
    bit first, padded to whole hex digits): what a manifest signs so a player draws exactly this
    code and never one a mirror swapped in (the manifest schema's item `qr`)."""
    rows = []
    for row in make(url).matrix:
        bits = "".join("1" if module else "0" for module in row)
        bits += "0" * (-len(bits) % 4)
        rows.append("".join(f"{int(bits[i : i + 4], 2):x}" for i in range(0, len(bits), 4)))
    return tuple(rows)
