"""QR codes for the viewer pages, made to be scanned off a bright screen or a printed sign."""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

import segno

from urbanart.library.import_workers import start_worker
from urbanart.viewers.output_cache import OutputCache, cached, code_digest, digest

#: Error correction "Q" (25 % of the code may be lost): glare, dirt and a sticker's curl on a
#: city screen or sign eat modules; segno raises it to "H" when that fits the same version.
ERROR = "q"
#: The quiet zone the QR standard asks for, in modules; scanners fail without it.
QUIET_ZONE = 4
#: Pixels per module in the published PNG (crisp on a phone and when a curator prints it).
PNG_SCALE = 10
#: Unit size of the SVG (it scales without loss; this only sets its intrinsic size).
SVG_SCALE = 10
#: Missing codes from which a first publish makes them over worker processes, and at most how
#: many (a process's start-up costs about what a few dozen codes do).
POOL_THRESHOLD = 200
MAX_WORKERS = 4
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


def _keys(url: str) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """The cache keys of a code's SVG and PNG: its bytes depend on the URL and on nothing else
    but segno and this module's settings, part of the key."""
    code = (segno.__version__, code_digest("urbanart.viewers", "qr.py"))
    return ("qr.svg", code, url), ("qr.png", code, url)


def qr_files(kind: str, ident: int, url: str, cache: OutputCache | None = None) -> dict[str, bytes]:
    """The tree files of one code: qr/<kind>/<id>.svg and .png (docs/published-tree.md).

    With a cache, a code made by an earlier publish for the same URL is not made again."""
    svg_key, png_key = _keys(url)
    return {
        f"qr/{kind}/{ident}.svg": cached(cache, svg_key, lambda: svg_bytes(url)),
        f"qr/{kind}/{ident}.png": cached(cache, png_key, lambda: png_bytes(url)),
    }


def _both(url: str) -> tuple[bytes, bytes]:
    """A worker's job: one code's SVG and PNG."""
    return svg_bytes(url), png_bytes(url)


def make_missing(
    cache: OutputCache,
    urls: Iterable[str],
    *,
    threshold: int = POOL_THRESHOLD,
    workers: int | None = None,
) -> int:
    """Make, over worker processes, the codes for urls that no publish made yet, into the cache
    (qr_files then finds them there). Only worth it for many codes at once, as a fleet's first
    publish has (a code's mask search is what costs): below threshold, or with one core, it
    does nothing and qr_files makes them one by one. Returns how many codes it made."""
    missing = [
        url
        for url in dict.fromkeys(urls)
        if any(cache.get(digest(*key), count=False) is None for key in _keys(url))
    ]
    workers = workers or min(os.cpu_count() or 1, MAX_WORKERS)
    if len(missing) < threshold or workers <= 1:
        return 0
    context = multiprocessing.get_context("spawn")  # safe beside the studio's threads
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=start_worker,
        initargs=(os.getpid(), None),
    ) as pool:
        chunk = max(1, len(missing) // (workers * 4))
        for url, (svg, png) in zip(missing, pool.map(_both, missing, chunksize=chunk), strict=True):
            svg_key, png_key = _keys(url)
            cache.made(digest(*svg_key), svg)
            cache.made(digest(*png_key), png)
    return len(missing)


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
