"""Test clips whose whole picture changes colour over time, so a grabbed widget shows which
moment of the video is on screen (written with PyAV, small and fast)."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image

GREEN = (20, 200, 40)
MAGENTA = (210, 30, 200)


def write_colour_clip(
    path: Path,
    colours: list[tuple[int, int, int]],
    *,
    seconds_each: float = 1.0,
    fps: int = 10,
    width: int = 64,
    height: int = 48,
) -> Path:
    """An H.264 MP4 showing each colour in turn for seconds_each (length: len × seconds_each)."""
    per = round(seconds_each * fps)
    with av.open(str(path), mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": str(fps)}
        index = 0
        for colour in colours:
            picture = Image.new("RGB", (width, height), colour)
            for _ in range(per):
                frame = av.VideoFrame.from_image(picture).reformat(format="yuv420p")
                frame.pts = index
                index += 1
                out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def near(colour: tuple[int, int, int], target: tuple[int, int, int], slack: int = 40) -> bool:
    """Colours equal within what H.264 and the colour conversion change."""
    return all(abs(a - b) <= slack for a, b in zip(colour, target, strict=True))
