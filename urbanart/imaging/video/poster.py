"""The poster frame: one upright still of a video, which gives its thumbnail and still fallbacks.

The default is a frame near 1 s in, or a tenth of the way in for clips shorter than 10 s: the
first frame of a video is often black or a fade-in, and a curator may choose another time.
"""

from __future__ import annotations

from pathlib import Path

import av.error
from PIL import Image

from urbanart.errors import InvalidValue
from urbanart.imaging.video.probe import PROBE_THREADS, normal_rotation, open_video, video_stream

#: Where the default poster frame sits: this many seconds in, or a tenth of the clip if sooner.
DEFAULT_POSTER_SECONDS = 1.0


def default_poster_time(duration_s: float) -> float:
    """Near 1 s, or a tenth of the way in (the shorter), rounded to milliseconds."""
    return round(min(DEFAULT_POSTER_SECONDS, max(0.0, duration_s) / 10), 3)


def check_poster_time(at_s: object, duration_s: float) -> float:
    """A poster time as seconds within the video, or InvalidValue naming poster_at."""
    try:
        value = float(at_s)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidValue(
            "poster time", at_s, "must be a number of seconds", key="poster_at"
        ) from None
    if not 0 <= value < duration_s:  # NaN fails this too
        raise InvalidValue(
            "poster time",
            at_s,
            f"must be from 0 to less than the video's length ({duration_s:g} s)",
            key="poster_at",
        )
    return round(value, 3)


def upright(image: Image.Image, rotation: int) -> Image.Image:
    """Turn a decoded frame as its display matrix says (counter-clockwise degrees)."""
    turns = {
        90: Image.Transpose.ROTATE_90,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_270,
    }
    step = turns.get(normal_rotation(rotation))
    return image.transpose(step) if step is not None else image


def poster_image(path: str | Path, at_s: float) -> Image.Image:
    """The upright RGB frame shown at at_s (the last frame before it ends, if it is past the end).

    Seeks to the keyframe before at_s and decodes forward, so the cost is one group of pictures.
    Raises av.error.FFmpegError on a file that cannot be decoded (the guard has refused those).
    """
    with open_video(path) as container:
        stream = video_stream(container)
        if stream is None:
            raise av.error.InvalidDataError(0, "no picture stream")
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = PROBE_THREADS
        base = stream.start_time or 0
        base_s = float(base * stream.time_base) if stream.time_base is not None else 0.0
        if at_s > 0 and stream.time_base is not None:
            target = base + int(at_s / stream.time_base)
            container.seek(target, stream=stream, backward=True, any_frame=False)
        chosen = None
        for frame in container.decode(stream):
            shown = None if frame.time is None else frame.time - base_s
            if chosen is not None and shown is not None and shown > at_s + 1e-6:
                break
            chosen = frame
        if chosen is None:
            raise av.error.InvalidDataError(0, f"no frame at {at_s} s")
        image: Image.Image = chosen.to_image()  # type: ignore[no-untyped-call]
        return upright(image, chosen.rotation)
