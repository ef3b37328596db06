"""The limits an import enforces on each file, so one hostile or broken file cannot sink a batch."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image

MIB = 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    """Per-file ceilings; picklable, so worker processes get the library's settings."""

    max_bytes: int = 200 * MIB  # per file
    max_pixels: int = 120_000_000  # per frame, width*height; decompression-bomb guard
    max_frames: int = 5000
    #: over all frames of an animation, frames*width*height: 600 small frames weigh as much as
    #: one huge still once decoded, and every frame is held in memory while renditions are made
    max_total_pixels: int = 4 * 120_000_000
    background: str = "#000000"  # colour transparency is composited onto in renditions
    #: address space each import worker process may use (RLIMIT_AS); beyond it a file is refused
    worker_memory_bytes: int = 2048 * MIB
    #: longest video accepted, in seconds (a library setting; screens loop short works)
    max_video_seconds: int = 30 * 60
    #: frame rates outside this range are refused as absurd (a broken or hostile header)
    max_video_fps: float = 240.0
    min_video_fps: float = 0.5
    #: a generative work's HTML5 package: all its files together, decompressed
    max_package_bytes: int = 50 * MIB
    max_package_files: int = 1000
    #: an entry decompressing to more than this many times its compressed size (past 1 MiB)
    #: is a zip bomb, not an asset
    max_package_ratio: int = 100


class FrameTooLarge(Exception):
    """A frame beyond the first is larger than the limit (a GIF frame may enlarge the canvas)."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        super().__init__(f"frame of {size[0]}x{size[1]} pixels")


_BOMB_CHECK_LOCK = threading.Lock()


@contextmanager
def pillow_bomb_check_off() -> Iterator[None]:
    """Let Image.open read any header, so our own check can name the real dimensions.

    Pillow's check would refuse with a message that has no width or height in it, and
    at a limit that is not the library's. Only header parsing runs inside, under a lock,
    because Image.MAX_IMAGE_PIXELS is process-wide.
    """
    with _BOMB_CHECK_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = saved


@contextmanager
def quiet_bomb_warnings() -> Iterator[None]:
    """Silence Pillow's bomb warning: the library's own limit is checked on every frame.

    Pillow's error (at twice its limit) stays armed while decoding, so a frame that would
    enlarge the canvas beyond it is refused before its memory is allocated.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def megapixels(pixels: int) -> str:
    """Megapixels as a curator reads them: '400', '1.5'."""
    value = pixels / 1_000_000
    if value >= 10:
        return f"{value:.0f}"
    return f"{value:.1f}".rstrip("0").rstrip(".")


def human_size(size: int, limit: int) -> tuple[str, str]:
    """Both sizes in one unit, precise enough that a file just over the limit never looks equal."""
    unit, div = ("MB", MIB) if limit >= MIB else ("KB", 1024) if limit >= 1024 else ("bytes", 1)
    for digits in (0, 1, 2):
        a, b = f"{size / div:.{digits}f}", f"{limit / div:.{digits}f}"
        if a != b:
            break
    else:
        unit, div, a, b = "bytes", 1, str(size), str(limit)
    return f"{a} {unit}", f"{b} {unit}"
