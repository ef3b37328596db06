"""The facts of a video file, as the catalog records them and every later step relies on them.

Sizes are as displayed: a phone clip stored as 1920×1080 with a 90° display matrix is a
1080×1920 work everywhere (thumbnail, renditions, pages). The rotation is read from the first
decoded frame (PyAV exposes the stream's display matrix there, as `VideoFrame.rotation`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.error
from av.video.stream import VideoStream

from urbanart.imaging.video.sniff import VideoContainer

#: Decoder threads during the guard and the poster grab: enough to keep pace, few enough to
#: stay well inside an import worker's address-space limit (each thread reserves a stack).
PROBE_THREADS = 2


@dataclass(frozen=True)
class VideoInfo:
    """What a guarded video is. width/height are displayed (rotation applied)."""

    container: VideoContainer
    codec: str
    pixel_format: str
    coded_width: int
    coded_height: int
    rotation: int  # counter-clockwise degrees to turn a decoded frame to show it upright
    duration_s: float
    fps: float
    frame_count: int
    has_audio: bool
    bit_depth: int

    @property
    def width(self) -> int:
        return self.coded_height if self.rotation % 180 else self.coded_width

    @property
    def height(self) -> int:
        return self.coded_width if self.rotation % 180 else self.coded_height


@contextmanager
def open_video(path: str | Path) -> Iterator[av.container.InputContainer]:
    """Open a file for reading with PyAV; the caller turns av.error.FFmpegError into a reason."""
    container = av.open(str(path), mode="r")
    try:
        yield container
    finally:
        container.close()


def video_stream(container: av.container.InputContainer) -> VideoStream | None:
    """The picture stream, ignoring cover art (an attached picture in an audio file)."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def frame_rate(stream: VideoStream) -> Fraction | None:
    """The stream's mean frame rate (frames over duration), else what FFmpeg guesses."""
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            return Fraction(rate)
    return None


def stream_duration(container: av.container.InputContainer, stream: VideoStream) -> float | None:
    """Seconds the picture lasts by the header (the stream's own, else the container's)."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def normal_rotation(degrees: int) -> int:
    """0, 90, 180 or 270: rotations between right angles do not occur in display matrices
    written by cameras or editors, so the nearest right angle is taken."""
    return (round(degrees / 90) * 90) % 360
