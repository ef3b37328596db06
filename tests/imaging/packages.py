"""HTML5 packages (.zip) for the tests: good ones, and the hostile shapes the guard refuses."""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Mapping

#: A small piece that draws on a canvas from its URL's seed, width and height.
CANVAS_PIECE = """<!doctype html>
<html><head><meta charset="utf-8"><style>html,body{margin:0;background:#000}</style></head>
<body><canvas id="c"></canvas><script src="sketch.js"></script></body></html>
"""
CANVAS_SCRIPT = """
const q = new URLSearchParams(location.search);
const c = document.getElementById("c");
c.width = Number(q.get("width")) || 320; c.height = Number(q.get("height")) || 240;
const g = c.getContext("2d");
g.fillStyle = "rgb(230, 40, 90)"; g.fillRect(0, 0, c.width, c.height);
document.title = "drawn " + q.get("seed");
"""


def package_bytes(
    files: Mapping[str, bytes | str], *, compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """A zip holding `files` ({path in the zip: content}) exactly as named."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = compression
            archive.writestr(info, data)
    return out.getvalue()


def canvas_package(**extra: bytes | str) -> bytes:
    return package_bytes({"index.html": CANVAS_PIECE, "sketch.js": CANVAS_SCRIPT, **extra})


def symlink_package() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", CANVAS_PIECE)
        link = zipfile.ZipInfo("secret.txt")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return out.getvalue()


def lying_size_package(real: bytes) -> bytes:
    """A zip whose headers say big.bin holds 10 bytes while it inflates to `real`."""
    data = bytearray(package_bytes({"index.html": CANVAS_PIECE, "big.bin": real}))
    (info,) = [
        i for i in zipfile.ZipFile(io.BytesIO(bytes(data))).infolist() if i.filename == "big.bin"
    ]
    ten = (10).to_bytes(4, "little")
    data[info.header_offset + 22 : info.header_offset + 26] = ten  # the local header's size
    start = 0
    while (found := bytes(data).find(b"PK\x01\x02", start)) >= 0:  # the central directory's
        name_len = int.from_bytes(data[found + 28 : found + 30], "little")
        if bytes(data[found + 46 : found + 46 + name_len]) == b"big.bin":
            data[found + 24 : found + 28] = ten
        start = found + 4
    return bytes(data)
