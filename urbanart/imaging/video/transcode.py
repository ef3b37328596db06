"""Transcode a video into a screen's rendition: H.264 High, yuv420p, BT.709, faststart MP4.

The picture goes through one FFmpeg filter graph, as `ffmpeg -vf` would run it:

1. upright: the display matrix applied (transpose / flips), so a phone clip is portrait;
2. scale into the profile (fit "contain": inside it, then padded with the background colour;
   "cover": over it, then the middle cropped), with BT.709 limited-range output;
3. constant frame rate: the `fps` filter turns variable-rate sources into a constant rate, the
   source's own or the profile's cap, whichever is lower (frames are dropped or repeated);
4. 8-bit 4:2:0 (`format=yuv420p`).

Tone map: 10-bit and 12-bit sources are reduced to 8 bits by the scaler (with dithering). HDR
sources, those whose stream is tagged with the PQ (smpte2084) or HLG (arib-std-b67) transfer,
are tone-mapped in step 2: the scaler first resizes them into 16-bit R'G'B' (reading Y'CbCr with
the BT.2020 matrix and the source's range; resizing first keeps the LUT's work small), then
`lut3d` (tetrahedral) applies one generated 3D LUT that decodes the transfer, rolls highlights
off with the BT.2390 EETF from 1000 nits to SDR white at 203 nits (BT.2408's reference white),
converts BT.2020 to BT.709 primaries and encodes with the BT.709 OETF
(urbanart/imaging/video/tone_map.py says how and why), then the scaler turns it into BT.709
Y'CbCr as for any SDR source. A 1000-nit white comes out SDR white, a 100-nit grey a mid grey
and a BT.2020 red a full BT.709 red. SDR sources go through the chain above unchanged.

Byte budget, "capped CRF": x264 encodes at constant quality (the profile's CRF) with its VBV
rate control capping the bitrate at maxrate = budget / (duration + 1 s) over a 1 s buffer, so
no stretch of the video, nor the whole, can exceed the budget; easy content stays well under it.
The result is checked; if muxing overhead still pushes it over, the cap is lowered by a fifth
and the encode repeated (at most three times).

Output is written to a temporary file beside the destination and renamed into place, so a
cancelled or failed transcode leaves no partial file behind.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import av
import av.error
from av.filter import Graph

from urbanart.imaging.video.probe import (
    frame_rate,
    normal_rotation,
    open_video,
    stream_duration,
    video_stream,
)
from urbanart.imaging.video.profile import VideoProfile
from urbanart.imaging.video.tone_map import TRANSFER_BY_FFMPEG_TRC, lut_file

#: How much of the budget the picture may take: the rest is the MP4 index and headers.
CONTAINER_SHARE = 0.97
#: Seconds of VBV buffer; the cap is budget / (duration + this), so the sum of both stays in.
VBV_SECONDS = 1.0
AUDIO_BITRATE = 128_000
BUDGET_RETRIES = 3
_ROTATION_FILTERS: dict[int, list[tuple[str, str]]] = {
    90: [("transpose", "cclock")],
    180: [("hflip", ""), ("vflip", "")],
    270: [("transpose", "clock")],
}


class CancelSignal(Protocol):
    """A threading.Event or a multiprocessing Event: anything that answers is_set()."""

    def is_set(self) -> bool: ...


class TranscodeCancelled(Exception):
    """The transcode was asked to stop; nothing was written."""


class TranscodeFailed(Exception):
    """The source cannot be transcoded into this profile; the message says why."""


@dataclass(frozen=True)
class TranscodeResult:
    """What was written: the displayed size, rate and length, and the bitrate cap used."""

    width: int
    height: int
    fps: float
    duration_s: float
    byte_size: int
    maxrate: int
    has_audio: bool


@dataclass(frozen=True)
class Plan:
    """The settings of one transcode, the same ones the ffmpeg command line would be given."""

    width: int
    height: int
    inner_width: int  # the scaled picture before padding or cropping
    inner_height: int
    rotation: int
    rate: Fraction
    maxrate: int
    bufsize: int
    crf: int
    preset: str
    keep_sound: bool
    #: HDR sources: the tone map's `.cube` file and the source's range ("tv" or "pc").
    tone_map_lut: Path | None = None
    source_range: str = "tv"

    def filters(self, background: str, fit: str) -> list[tuple[str, str]]:
        """The filter chain, as (name, arguments) pairs."""
        chain = list(_ROTATION_FILTERS.get(self.rotation, []))
        size = f"w={self.inner_width}:h={self.inner_height}:flags=bicubic"
        if self.tone_map_lut is not None:  # resized first: the LUT then runs on fewer pixels
            chain.append(
                (
                    "scale",
                    f"{size}:in_color_matrix=bt2020:in_range={self.source_range}:out_range=pc",
                )
            )
            chain.append(("format", "pix_fmts=gbrp16le"))
            lut = _escape(str(self.tone_map_lut), _OPTION_SPECIALS)
            chain.append(("lut3d", f"file={lut}:interp=tetrahedral"))
        chain.append(
            (
                "scale",
                f"{size}:out_color_matrix=bt709:out_range=tv",
            )
        )
        if fit == "cover":
            chain.append(("crop", f"w={self.width}:h={self.height}"))
        elif (self.inner_width, self.inner_height) != (self.width, self.height):
            colour = "0x" + background[1:]
            chain.append(("pad", f"w={self.width}:h={self.height}:x=-1:y=-1:color={colour}"))
        chain.append(("fps", f"fps={self.rate.numerator}/{self.rate.denominator}"))
        chain.append(("format", "pix_fmts=yuv420p"))
        return chain

    def filter_text(self, background: str, fit: str) -> str:
        """The chain as `ffmpeg -vf` takes it (the bench runs the command with this)."""
        return ",".join(
            f"{n}={_escape(a, _GRAPH_SPECIALS)}" if a else n
            for n, a in self.filters(background, fit)
        )

    @property
    def keyframe_interval(self) -> int:
        """Frames between keyframes: two seconds' worth (at least one frame)."""
        return max(1, round(2 * self.rate))

    def x264_options(self) -> dict[str, str]:
        return {
            "preset": self.preset,
            "crf": str(self.crf),
            "maxrate": str(self.maxrate),
            "bufsize": str(self.bufsize),
            "profile": "high",
            # A keyframe every 2 s (x264's default is 250 frames, 8 s at 30 fps): a player that
            # starts mid-item seeks to the rule's position and must decode from the keyframe
            # before it, which at 1080p under load took seconds with 8 s groups.
            "x264-params": (
                "colorprim=bt709:transfer=bt709:colormatrix=bt709"
                f":keyint={self.keyframe_interval}:min-keyint={self.keyframe_interval}"
                ":scenecut=0"
            ),
        }


#: Rates a source is taken to run at when its mean rate is within 0.1 % of one.
COMMON_RATES = tuple(
    Fraction(n, d)
    for n, d in ((24000, 1001), (24, 1), (25, 1), (30000, 1001), (30, 1), (50, 1), (60000, 1001))
)


def constant_rate(mean: Fraction) -> Fraction:
    """The constant rate a source's mean rate stands for: a common rate it is within 0.1 % of,
    else the whole number above (a variable-rate phone clip averaging 29.7 fps plays at 30)."""
    near = [rate for rate in COMMON_RATES if abs(mean - rate) <= rate / 1000]
    if near:  # 24 and 24000/1001 are within 0.1 % of each other: the closest one wins
        return min(near, key=lambda rate: abs(mean - rate))
    return Fraction(max(1, math.ceil(mean - Fraction(1, 1000))))


#: Characters FFmpeg's filter syntax reads specially, in an option value and in a graph.
_OPTION_SPECIALS = "\\':"
_GRAPH_SPECIALS = "\\'[],;"


def _escape(text: str, specials: str) -> str:
    """One level of FFmpeg's filter escaping: a backslash before each special character."""
    return "".join("\\" + c if c in specials else c for c in text)


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def plan_for(
    displayed: tuple[int, int],
    rotation: int,
    source_rate: Fraction | None,
    duration_s: float,
    profile: VideoProfile,
    with_sound: bool,
    squeeze: float = 1.0,
    *,
    tone_map_lut: Path | None = None,
    source_range: str = "tv",
) -> Plan:
    """Sizes, rate and bitrate cap for one source in one profile (squeeze < 1 lowers the cap).

    tone_map_lut: for an HDR source, the `.cube` file of its tone map (tone_map.lut_file)."""
    w, h = displayed
    sx, sy = profile.width / w, profile.height / h
    if profile.fit == "cover":
        scale = max(sx, sy)
        inner = (max(profile.width, _even(math.ceil(w * scale))),
                 max(profile.height, _even(math.ceil(h * scale))))  # fmt: skip
    else:
        scale = min(sx, sy)
        inner = (min(profile.width, _even(round(w * scale))),
                 min(profile.height, _even(round(h * scale))))  # fmt: skip
    rate = Fraction(profile.max_fps)
    if source_rate and source_rate < rate:
        rate = constant_rate(source_rate)
    audio_bits = AUDIO_BITRATE * duration_s if with_sound else 0
    budget_bits = profile.max_bytes * 8 * CONTAINER_SHARE - audio_bits
    maxrate = int(squeeze * budget_bits / (max(duration_s, 0.04) + VBV_SECONDS))
    if maxrate < 50_000:
        raise TranscodeFailed(
            f"the budget of {profile.max_bytes:,} bytes leaves under 50 kb/s for "
            f"{duration_s:.0f} s of video"
        )
    return Plan(
        width=profile.width,
        height=profile.height,
        inner_width=inner[0],
        inner_height=inner[1],
        rotation=normal_rotation(rotation),
        rate=rate,
        maxrate=maxrate,
        bufsize=int(maxrate * VBV_SECONDS),
        crf=profile.crf,
        preset=profile.preset,
        keep_sound=with_sound,
        tone_map_lut=tone_map_lut,
        source_range=source_range,
    )


def transcode(
    source: str | Path,
    dest: str | Path,
    profile: VideoProfile,
    *,
    progress: Callable[[float], None] | None = None,
    cancel: CancelSignal | None = None,
    threads: int = 0,
) -> TranscodeResult:
    """Write the profile's rendition of source to dest (replaced atomically).

    progress gets the fraction done (0..1) as frames are encoded; cancel is polled every frame.
    threads is x264's and the decoder's thread count (0: FFmpeg decides, one per core).
    Raises TranscodeCancelled, TranscodeFailed, or av.error.FFmpegError on undecodable input.
    """
    dest = Path(dest)
    squeeze = 1.0
    for _attempt in range(BUDGET_RETRIES):
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-", suffix=".mp4")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            result = _transcode_once(source, tmp, profile, squeeze, progress, cancel, threads)
            if result.byte_size <= profile.max_bytes:
                os.replace(tmp, dest)
                return result
        finally:
            tmp.unlink(missing_ok=True)
        squeeze *= 0.8
    raise TranscodeFailed(
        f"no rendition within {profile.max_bytes:,} bytes after {BUDGET_RETRIES} tries"
    )


def _first_frame_rotation(path: str | Path) -> int:
    with open_video(path) as container:
        stream = video_stream(container)
        if stream is None:
            raise TranscodeFailed("the file holds no picture")
        for frame in container.decode(stream):
            return normal_rotation(frame.rotation)
    raise TranscodeFailed("the file holds no frames")


def _transcode_once(
    source: str | Path,
    tmp: Path,
    profile: VideoProfile,
    squeeze: float,
    progress: Callable[[float], None] | None,
    cancel: CancelSignal | None,
    threads: int,
) -> TranscodeResult:
    rotation = _first_frame_rotation(source)
    with open_video(source) as src:
        vin = video_stream(src)
        if vin is None:
            raise TranscodeFailed("the file holds no picture")
        vin.thread_type = "AUTO"
        vin.codec_context.thread_count = threads
        ain = src.streams.audio[0] if profile.keep_sound and src.streams.audio else None
        duration = stream_duration(src, vin) or 0.0
        coded = (vin.codec_context.width, vin.codec_context.height)
        displayed = (coded[1], coded[0]) if rotation % 180 else coded
        transfer = TRANSFER_BY_FFMPEG_TRC.get(vin.codec_context.color_trc)
        plan = plan_for(
            displayed,
            rotation,
            frame_rate(vin),
            duration,
            profile,
            ain is not None,
            squeeze,
            tone_map_lut=None if transfer is None else lut_file(transfer),
            source_range="pc" if vin.codec_context.color_range == 2 else "tv",
        )
        graph = _graph(vin, plan, profile)
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            vout = out.add_stream("libx264", rate=plan.rate)
            vout.width, vout.height = plan.width, plan.height
            vout.pix_fmt = "yuv420p"
            vout.codec_context.time_base = 1 / plan.rate
            vout.codec_context.thread_count = threads
            vout.codec_context.color_primaries = 1  # BT.709 (AVCOL_PRI_BT709)
            vout.codec_context.color_trc = 1
            vout.codec_context.colorspace = 1
            vout.codec_context.color_range = 1  # limited ("tv")
            vout.options = dict(plan.x264_options())
            aout = None
            if ain is not None:
                aout = out.add_stream("aac", rate=48000)
                aout.layout = "stereo"
                aout.bit_rate = AUDIO_BITRATE
            streams = [vin] if ain is None else [vin, ain]
            last_reported = -1.0
            for packet in src.demux(streams):
                if cancel is not None and cancel.is_set():
                    raise TranscodeCancelled()
                if packet.stream is vin:
                    for frame in packet.decode():
                        assert isinstance(frame, av.VideoFrame)
                        graph.vpush(frame)
                        _drain(graph, vout, out)
                        if progress is not None and duration > 0 and frame.time is not None:
                            done = min(1.0, max(0.0, frame.time / duration))
                            if done - last_reported >= 0.01:
                                progress(done)
                                last_reported = done
                elif aout is not None:
                    for aframe in packet.decode():
                        assert isinstance(aframe, av.AudioFrame)
                        aframe.pts = None  # the encoder's resampler retimes sound
                        out.mux(aout.encode(aframe))
            graph.vpush(None)
            _drain(graph, vout, out)
            out.mux(vout.encode(None))
            if aout is not None:
                out.mux(aout.encode(None))
    if progress is not None:
        progress(1.0)
    return TranscodeResult(
        width=plan.width,
        height=plan.height,
        fps=float(plan.rate),
        duration_s=duration,
        byte_size=tmp.stat().st_size,
        maxrate=plan.maxrate,
        has_audio=ain is not None,
    )


def _graph(vin: Any, plan: Plan, profile: VideoProfile) -> Graph:
    graph = Graph()
    nodes = [graph.add_buffer(template=vin)]
    for name, args in plan.filters(profile.background, profile.fit):
        nodes.append(graph.add(name, args) if args else graph.add(name))
    nodes.append(graph.add("buffersink"))
    graph.link_nodes(*nodes).configure()
    return graph


def _drain(graph: Graph, vout: Any, out: Any) -> None:
    while True:
        try:
            frame = graph.vpull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return
        frame.pict_type = av.video.frame.PictureType.NONE
        out.mux(vout.encode(frame))
