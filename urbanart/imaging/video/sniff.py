"""Tell a video container from its first bytes, before any decoder sees the file.

The import decides which path a file takes (Pillow for stills, PyAV for video) from content, never
from the file name: a renamed file goes where its bytes say.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

#: How many leading bytes sniff() looks at (the EBML header names its doctype within them).
HEAD_BYTES = 64

_EBML = b"\x1aE\xdf\xa3"
_QUICKTIME_BRANDS = (b"qt  ",)
_M4V_BRANDS = (b"M4V ", b"M4VH", b"M4VP")
_STILL_BRANDS = (b"heic", b"heix", b"mif1", b"msf1", b"hevc", b"avif", b"avis")


@dataclass(frozen=True)
class VideoContainer:
    """A container kind we accept: its catalog format name, file extension and MIME type."""

    format: str
    extension: str
    mime_type: str


MP4 = VideoContainer("MP4", "mp4", "video/mp4")
MOV = VideoContainer("MOV", "mov", "video/quicktime")
M4V = VideoContainer("M4V", "m4v", "video/x-m4v")
WEBM = VideoContainer("WEBM", "webm", "video/webm")
MKV = VideoContainer("MKV", "mkv", "video/x-matroska")
CONTAINERS = (MP4, MOV, M4V, WEBM, MKV)
#: Store extensions of video originals, so a duplicate check can look for every one.
EXTENSIONS = {c.format: c.extension for c in CONTAINERS}
ACCEPTED = "MP4, MOV, M4V, WebM, MKV"
#: File name endings of videos: only used to word a refusal ("not a video"), never to decide.
SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".qt"})


def sniff(head: bytes) -> VideoContainer | None:
    """The container a file's head announces, or None when it is not one we take as video.

    ISO media (MP4/MOV/M4V) carries `ftyp` and a brand at byte 4; HEIC/AVIF stills and M4A
    audio share that box and are left to the image guard (which names them). Matroska and
    WebM start with an EBML header whose doctype says which.
    """
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _STILL_BRANDS:
            return None
        if brand in _QUICKTIME_BRANDS:
            return MOV
        if brand in _M4V_BRANDS:
            return M4V
        return MP4  # M4A audio too: the guard then finds no picture and says so
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free") and head[:4] != b"\x00\x00\x00\x00":
        return MOV  # old QuickTime files open with a box other than ftyp
    if head.startswith(_EBML):
        return WEBM if b"webm" in head[:HEAD_BYTES] else MKV
    return None


ISO_FAMILY = frozenset({"MP4", "MOV", "M4V"})


def iso_truncation(path: str | Path) -> str | None:
    """Why an MP4/MOV file is cut short, from its top-level boxes alone, else None.

    A box whose size reaches past the end of the file, or no index box (moov) at all, is what a
    copy or upload that stopped early leaves; FFmpeg then only says "invalid data".
    """
    size = os.path.getsize(path)
    offset = 0
    seen: list[bytes] = []
    with open(path, "rb") as handle:
        while offset + 8 <= size:
            handle.seek(offset)
            header = handle.read(16)
            box_size, box_type = struct.unpack(">I4s", header[:8])
            if box_size == 1 and len(header) >= 16:
                box_size = struct.unpack(">Q", header[8:16])[0]
            elif box_size == 0:  # the last box runs to the end of the file
                box_size = size - offset
            if box_size < 8:
                return None  # not a box structure we can follow: let FFmpeg judge
            seen.append(box_type)
            if offset + box_size > size:
                name = box_type.decode("latin-1")
                return (
                    f"truncated: the file ends inside its {name} box, at {size:,} of the "
                    f"{offset + box_size:,} bytes it should have"
                )
            offset += box_size
    if b"moov" not in seen:
        return "truncated: the file has no index (moov box); the copy or upload was cut short"
    return None
