"""Small test videos written with PyAV: a few frames at small sizes, so every test stays fast.

Each frame is split top (red) / bottom (blue), with a frame-numbered grey bar on the left, so a
test can tell which way up a picture came out and that frames differ.
"""

from __future__ import annotations

import math
import struct
from array import array
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw


@dataclass(frozen=True)
class Clip:
    """How to write one test clip."""

    width: int = 64
    height: int = 48
    frames: int = 12
    fps: int = 12
    codec: str = "libx264"
    pix_fmt: str = "yuv420p"
    container: str = "mp4"
    rotation: int = 0  # counter-clockwise degrees in the display matrix
    audio: bool = False
    vfr: bool = False  # frame intervals alternate between one and three ticks
    faststart: bool = False
    hdr: bool = False  # tagged BT.2020 primaries, PQ transfer, BT.2020 matrix (an HDR10 master)


RED = (220, 30, 30)
BLUE = (30, 30, 220)


def frame_picture(width: int, height: int, index: int) -> Image.Image:
    """Top half red, bottom half blue, a grey bar on the left whose brightness counts frames."""
    image = Image.new("RGB", (width, height), BLUE)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height // 2 - 1), fill=RED)
    grey = (index * 17) % 256
    draw.rectangle((0, 0, max(2, width // 8) - 1, height - 1), fill=(grey, grey, grey))
    return image


def write_clip(path: Path, clip: Clip) -> Path:
    """Write the clip to path (the container comes from clip.container)."""
    options = {"movflags": "+faststart"} if clip.faststart else {}
    with av.open(str(path), mode="w", format=clip.container, options=options) as out:
        stream = out.add_stream(clip.codec, rate=clip.fps)
        stream.width, stream.height = clip.width, clip.height
        stream.pix_fmt = clip.pix_fmt
        if clip.codec == "libx264":
            stream.options = {"preset": "ultrafast"}
        if clip.vfr:
            stream.codec_context.time_base = Fraction(1, clip.fps * 2)
            stream.time_base = Fraction(1, clip.fps * 2)
        if clip.rotation:
            stream.set_display_rotation(clip.rotation)
        if clip.hdr:  # AVCOL_PRI_BT2020, AVCOL_TRC_SMPTE2084, AVCOL_SPC_BT2020_NCL
            context = stream.codec_context
            context.color_primaries, context.color_trc, context.colorspace = 9, 16, 9
        audio = None
        if clip.audio:
            audio = out.add_stream("aac", rate=48000)
            audio.layout = "mono"
        pts = 0
        for index in range(clip.frames):
            frame = av.VideoFrame.from_image(
                frame_picture(clip.width, clip.height, index)
            ).reformat(format=clip.pix_fmt)
            if clip.vfr:
                frame.pts = pts
                frame.time_base = Fraction(1, clip.fps * 2)
                pts += 1 if index % 2 else 3
            else:
                frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        if audio is not None:
            _write_tone(out, audio, seconds=clip.frames / clip.fps)
    return path


def _write_tone(out: av.container.OutputContainer, stream: av.AudioStream, seconds: float) -> None:
    rate = 48000
    samples = int(rate * seconds)
    step = 1024
    for start in range(0, samples, step):
        count = min(step, samples - start)
        wave = [0.2 * math.sin(2 * math.pi * 440 * (start + i) / rate) for i in range(count)]
        frame = av.AudioFrame(format="fltp", layout="mono", samples=count)
        frame.planes[0].update(array("f", wave).tobytes())
        frame.sample_rate = rate
        frame.pts = start
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def write_audio_only(path: Path, seconds: float = 0.5) -> Path:
    """An M4A: an MP4 container holding sound and no picture."""
    with av.open(str(path), mode="w", format="ipod") as out:
        stream = out.add_stream("aac", rate=48000)
        stream.layout = "mono"
        _write_tone(out, stream, seconds)
    return path


def top_level_boxes(data: bytes) -> list[str]:
    """The MP4's top-level box types in file order ("moov" before "mdat" means faststart)."""
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("latin-1"))
        offset += size if size else len(data)
    return boxes


#: FFmpeg's transfer numbers: AVCOL_TRC_SMPTE2084 (PQ) and AVCOL_TRC_ARIB_STD_B67 (HLG).
HDR_TRC = {"pq": 16, "hlg": 18}


def write_hdr_bands(
    path: Path,
    bands: list[tuple[float, float, float]],
    transfer: str = "pq",
    width: int = 160,
    height: int = 90,
    frames: int = 6,
    fps: int = 12,
) -> list[int]:
    """An HDR10-style clip (10-bit 4:2:0, BT.2020, PQ or HLG, limited range, lossless H.264)
    whose frames are vertical bands of the given non-linear BT.2020 R'G'B' colours (0..1).

    The Y'CbCr is computed here with the BT.2020 matrix, so the code values are exactly the
    ones asked for. Returns the x of each band's middle."""
    edges = [round(width * i / len(bands)) // 2 * 2 for i in range(len(bands) + 1)]
    codes = []
    for r, g, b in bands:
        y = 0.2627 * r + 0.6780 * g + 0.0593 * b
        cb, cr = (b - y) / 1.8814, (r - y) / 1.4746
        codes.append((round(64 + 876 * y), round(512 + 896 * cb), round(512 + 896 * cr)))

    def plane_bytes(plane: av.video.plane.VideoPlane, index: int, step: int) -> bytes:
        row = array("H", [0] * (plane.line_size // 2))
        for x in range(width // step):
            band = next(i for i in range(len(bands)) if edges[i] <= x * step < edges[i + 1])
            row[x] = codes[band][index]
        return row.tobytes() * (height // step)

    with av.open(str(path), mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p10le"
        stream.options = {"preset": "ultrafast", "qp": "0"}
        context = stream.codec_context
        context.color_primaries, context.colorspace = 9, 9  # BT.2020, BT.2020 non-constant
        context.color_trc, context.color_range = HDR_TRC[transfer], 1
        for index in range(frames):
            frame = av.VideoFrame(width, height, "yuv420p10le")
            for plane_index, plane in enumerate(frame.planes):
                plane.update(plane_bytes(plane, plane_index, 1 if plane_index == 0 else 2))
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return [(edges[i] + edges[i + 1]) // 2 for i in range(len(bands))]
