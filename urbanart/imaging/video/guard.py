"""Accept or refuse a video at import, before anything is stored, with a reason to act on.

Cheap checks first (the container opens, it holds a picture, its size, frame rate and length are
within the library's limits), then enough decoding to know the file is whole: every frame of a
short clip; for a long one every keyframe (the decoder skips the rest) plus the whole last group
of pictures, which is where a cut-short upload breaks. A truncated file is also caught by
comparing what the header promises (frames, duration) with what the demuxer delivers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.container
import av.error
from av.video.stream import VideoStream

from urbanart.errors import ImportRefused
from urbanart.imaging.limits import ImportLimits, megapixels
from urbanart.imaging.probe import describe_content
from urbanart.imaging.video.probe import (
    PROBE_THREADS,
    VideoInfo,
    frame_rate,
    normal_rotation,
    open_video,
    stream_duration,
    video_stream,
)
from urbanart.imaging.video.sniff import ACCEPTED, ISO_FAMILY, VideoContainer, iso_truncation

#: Clips up to this long are decoded whole; longer ones keyframes plus the last group.
SHORT_CLIP_SECONDS = 60.0
#: Slack between the header's length and the last frame delivered before a file is called cut
#: short: container durations round, and the last frame's own duration is not always known.
TRUNCATION_SLACK_SECONDS = 0.5
_FORMAT_NAMES = {"MP4": "mov", "MOV": "mov", "M4V": "mov", "WEBM": "matroska", "MKV": "matroska"}


@dataclass
class _Decoded:
    """What the decode check saw."""

    frames: int = 0
    packets: int = 0
    end_s: float = 0.0  # where the last packet delivered ends
    rotation: int = 0
    rotation_read: bool = False


def _refuse(name: str, reason: str) -> ImportRefused:
    return ImportRefused(name, reason)


def _open_failure(name: str, path: Path, kind: VideoContainer, exc: av.error.FFmpegError) -> str:
    detail = str(getattr(exc, "strerror", None) or exc).strip()
    with path.open("rb") as handle:
        head = handle.read(2048)
    if not head:
        return "empty file"
    what = describe_content(head)
    if what in ("text", "unrecognised data") or what.startswith(("a web page", "an SVG")):
        return f"not a video (the content is {what})"
    return f"damaged: it starts like a {kind.format} file but cannot be opened ({detail})"


def guard_video(
    path: str | Path,
    name: str,
    kind: VideoContainer,
    limits: ImportLimits,
    short_clip_s: float = SHORT_CLIP_SECONDS,
) -> VideoInfo:
    """Accept a video (its facts) or raise ImportRefused with the reason. Clips up to
    short_clip_s are decoded whole, longer ones keyframes plus the last group of pictures."""
    path = Path(path)
    if kind.format in ISO_FAMILY:
        cut = iso_truncation(path)
        if cut is not None:
            raise _refuse(name, cut)
    try:
        with open_video(path) as container:
            return _check(container, name, kind, limits, short_clip_s)
    except av.error.FFmpegError as exc:
        raise _refuse(name, _open_failure(name, path, kind, exc)) from None


def _check(
    container: av.container.InputContainer,
    name: str,
    kind: VideoContainer,
    limits: ImportLimits,
    short_clip_s: float,
) -> VideoInfo:
    family = _FORMAT_NAMES[kind.format]
    if family not in container.format.name.split(","):
        raise _refuse(
            name, f"unsupported video container: {container.format.name} (accepted: {ACCEPTED})"
        )
    stream = video_stream(container)
    if stream is None:
        audio = container.streams.audio
        if audio:
            codec = audio[0].codec_context.name
            raise _refuse(name, f"not a video: it holds only sound ({codec}), no picture")
        raise _refuse(name, "not a video: it holds no picture stream")
    context = stream.codec_context
    width, height = context.width, context.height
    if width <= 0 or height <= 0:
        raise _refuse(name, "damaged: the picture stream has no size")
    if width * height > limits.max_pixels:
        raise _refuse(
            name,
            f"too many pixels: {width}×{height} is {megapixels(width * height)} megapixels, "
            f"the limit is {megapixels(limits.max_pixels)} megapixels",
        )
    rate = frame_rate(stream)
    if rate is None or not limits.min_video_fps <= float(rate) <= limits.max_video_fps:
        shown = "unknown" if rate is None else f"{float(rate):g} frames a second"
        raise _refuse(
            name,
            f"absurd frame rate: {shown}; accepted are {limits.min_video_fps:g} to "
            f"{limits.max_video_fps:g} frames a second",
        )
    declared = stream_duration(container, stream)
    if declared is not None:
        _check_length(name, declared, limits)
    stream.thread_type = "AUTO"
    context.thread_count = PROBE_THREADS
    try:
        if declared is not None and declared > short_clip_s:
            seen = _decode_keyframes_and_last_group(container, stream)
        else:
            seen = _decode_all(container, stream)
    except av.error.FFmpegError as exc:
        detail = str(getattr(exc, "strerror", None) or exc).strip()
        raise _refuse(name, f"damaged: the picture cannot be decoded ({detail})") from None
    if seen.frames == 0:
        raise _refuse(name, "zero-length: the video has no frames")
    promised = stream.frames
    if promised and seen.packets < promised:
        raise _refuse(
            name,
            f"truncated: the file holds {seen.packets} of the {promised} frames its header "
            f"promises; it stops at {seen.end_s:.1f} s",
        )
    if declared is not None and seen.end_s + TRUNCATION_SLACK_SECONDS < declared:
        raise _refuse(
            name,
            f"truncated: the picture stops at {seen.end_s:.1f} s of the {declared:.1f} s "
            "its header promises",
        )
    duration = declared if declared else seen.end_s
    if duration <= 0:
        raise _refuse(name, "zero-length: the video lasts no time")
    _check_length(name, duration, limits)
    fmt = context.format
    depth = max((c.bits for c in fmt.components), default=8) if fmt is not None else 8
    return VideoInfo(
        container=kind,
        codec=context.name,
        pixel_format=fmt.name if fmt is not None else "unknown",
        coded_width=width,
        coded_height=height,
        rotation=seen.rotation,
        duration_s=round(duration, 3),
        fps=round(float(rate), 3),
        frame_count=max(seen.packets, promised or 0),
        has_audio=bool(container.streams.audio),
        bit_depth=depth,
    )


def _check_length(name: str, seconds: float, limits: ImportLimits) -> None:
    if seconds > limits.max_video_seconds:
        raise _refuse(
            name,
            f"too long: {_clock(seconds)}, the limit is {_clock(limits.max_video_seconds)} "
            "(the library setting max_video_seconds)",
        )


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d} min" if whole >= 60 else f"{seconds:.1f} s"


def _note_packet(seen: _Decoded, packet: Any, stream: VideoStream) -> None:
    if packet.size == 0:  # the demuxer's flush packet
        return
    seen.packets += 1
    if packet.pts is not None and stream.time_base is not None:
        end = packet.pts + (packet.duration or 0)
        start = stream.start_time or 0
        seen.end_s = max(seen.end_s, float((end - start) * stream.time_base))


def _note_frame(seen: _Decoded, frame: av.VideoFrame) -> None:
    seen.frames += 1
    if not seen.rotation_read:
        seen.rotation = normal_rotation(frame.rotation)
        seen.rotation_read = True


def _decode_all(container: av.container.InputContainer, stream: VideoStream) -> _Decoded:
    seen = _Decoded()
    for packet in container.demux(stream):
        _note_packet(seen, packet, stream)
        for frame in packet.decode():
            _note_frame(seen, frame)
    return seen


def _decode_keyframes_and_last_group(
    container: av.container.InputContainer, stream: VideoStream
) -> _Decoded:
    """Pass one decodes keyframes only (FFmpeg skips the rest); pass two seeks to the last
    keyframe and decodes everything after it."""
    seen = _Decoded()
    last_key: int | None = None
    stream.codec_context.skip_frame = "NONKEY"
    for packet in container.demux(stream):
        _note_packet(seen, packet, stream)
        if packet.is_keyframe and packet.pts is not None:
            last_key = packet.pts
        for frame in packet.decode():
            _note_frame(seen, frame)
    if last_key is None:
        return seen
    stream.codec_context.skip_frame = "DEFAULT"
    stream.codec_context.flush_buffers()
    container.seek(last_key, stream=stream, backward=True, any_frame=False)
    for packet in container.demux(stream):
        for frame in packet.decode():
            seen.frames += 1 if frame is not None else 0
    return seen
