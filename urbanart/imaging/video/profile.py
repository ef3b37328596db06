"""What a screen asks of a video rendition: size and fit, a frame-rate cap, sound, a byte budget.

Operators' specs for public screens read like "1080×1920, MP4 H.264, 25 fps, no sound, at most
25 MB"; every field here is one of those lines. The key names the stored file, so equal profiles
share one transcode, cached per (content hash, profile key) like still renditions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from urbanart.errors import InvalidValue

MAX_SIDE = 8192
#: Operators count megabytes in millions of bytes ("at most 25 MB").
MB = 1_000_000
DEFAULT_MAX_BYTES = 25 * MB
DEFAULT_MAX_FPS = 30
#: x264's constant-quality level before the budget caps the bitrate; 20 is visually clean on a
#: large screen at public-screen viewing distances.
DEFAULT_CRF = 20
#: x264 preset: "fast" is within a few per cent of "medium" in size at equal quality, at about
#: two thirds of the time; renditions are made once per work and screen size.
DEFAULT_PRESET = "fast"
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class VideoProfile:
    """A screen's video rendition: H.264 High, yuv420p, even sizes, MP4 with faststart."""

    width: int
    height: int
    fit: Literal["contain", "cover"] = "contain"
    background: str = "#000000"
    max_fps: int = DEFAULT_MAX_FPS
    max_bytes: int = DEFAULT_MAX_BYTES
    keep_sound: bool = False
    crf: int = DEFAULT_CRF
    preset: str = DEFAULT_PRESET

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if type(value) is not int or not 16 <= value <= MAX_SIDE or value % 2:
                raise InvalidValue(
                    name,
                    value,
                    f"must be an even whole number from 16 to {MAX_SIDE} (H.264 in 4:2:0 "
                    "needs even sizes)",
                    key=name,
                )
        if self.fit not in ("contain", "cover"):
            raise InvalidValue("fit", self.fit, "must be 'contain' or 'cover'", key="fit")
        if not isinstance(self.background, str) or not _COLOUR.fullmatch(self.background):
            raise InvalidValue(
                "background", self.background, "must be a colour like #1a2b3c", key="background"
            )
        if type(self.max_fps) is not int or not 1 <= self.max_fps <= 120:
            raise InvalidValue(
                "max_fps", self.max_fps, "must be a whole number from 1 to 120", key="max_fps"
            )
        if type(self.max_bytes) is not int or self.max_bytes < 100_000:
            raise InvalidValue(
                "max_bytes", self.max_bytes, "must be at least 100,000 bytes", key="max_bytes"
            )
        if type(self.crf) is not int or not 0 <= self.crf <= 51:
            raise InvalidValue("crf", self.crf, "must be a whole number from 0 to 51", key="crf")
        if self.preset not in PRESETS:
            raise InvalidValue(
                "preset", self.preset, f"must be one of {', '.join(PRESETS)}", key="preset"
            )

    def key(self) -> str:
        sound = "sound" if self.keep_sound else "mute"
        return (
            f"h264-{self.width}x{self.height}-{self.fit}-{self.background[1:].lower()}"
            f"-fps{self.max_fps}-crf{self.crf}-{self.preset}-b{self.max_bytes}-{sound}"
        )
