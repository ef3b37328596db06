"""Decoded video frames, a few ahead of the picture, from a background thread (no Qt here).

Why: a screen (and the studio's previews) paint a video frame by frame; decoding and colour
conversion take milliseconds per 1080p frame, so they run on their own thread and the painter
only takes ready pixels. `VideoFrames` opens an MP4 (or any file PyAV reads), seeks to a position
(the manifest's rule: a player that starts late starts mid-video), decodes into packed pixels
already scaled for the place they are drawn (so the painter never scales a 1080p picture), and
loops at the end. Each frame carries the time at which it is due, counted from the start of
playback and growing across loops, so the painter shows the newest due frame and drops late
ones instead of drifting. `close()` stops the thread and closes the file.
"""

from __future__ import annotations

import math
import sys
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import av
import av.error

#: Frames decoded ahead: enough to ride out a slow frame, little enough memory (4 × 8 MB at 1080p).
DEFAULT_AHEAD = 4
#: Pixel layouts handed out. "bgra" is Qt's native 32-bit layout on little-endian machines.
PixelFormat = Literal["rgb24", "rgba", "bgra"]
BYTES_PER_PIXEL = {"rgb24": 3, "rgba": 4, "bgra": 4}
NATIVE_32 = "bgra" if sys.byteorder == "little" else "rgba"
Fit = Literal["contain", "cover"]


@dataclass(frozen=True)
class DecodedFrame:
    """One picture, rows of `stride` bytes, due `due_s` after playback began.

    `data` is a view on the decoder's own buffer (no copy of 8 MB per 1080p frame); it keeps
    that buffer alive for as long as the frame is held."""

    data: memoryview
    width: int
    height: int
    stride: int
    pixel_format: str
    due_s: float  # seconds after playback began (grows across loops)
    position_s: float  # where in the file this frame sits
    rotation: int  # counter-clockwise degrees (0/90/180/270) to turn it upright


def normal_rotation(degrees: float) -> int:
    """0, 90, 180 or 270: display matrices written by cameras turn by right angles."""
    return (round(degrees / 90) * 90) % 360


def scaled_size(width: int, height: int, box: tuple[int, int] | None, fit: Fit) -> tuple[int, int]:
    """The size to decode a width×height picture to for a box (contain: inside it, cover: over
    it); never larger than the picture itself (upscaling is the painter's cheap job) and even."""
    if box is None or box[0] <= 0 or box[1] <= 0:
        return width, height
    scale_w, scale_h = box[0] / width, box[1] / height
    scale = min(scale_w, scale_h) if fit == "contain" else max(scale_w, scale_h)
    scale = min(scale, 1.0)
    return max(2, round(width * scale) // 2 * 2), max(2, round(height * scale) // 2 * 2)


class VideoFrames:
    """Plays one file from `start_s` on a decoding thread; take frames with `take(elapsed_s)`.

    Errors (a missing or undecodable file) do not raise on the caller's thread: `failed` holds
    the reason and `finished` is set, so a player can fall back to the still.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        start_s: float = 0.0,
        loop: bool = True,
        ahead: int = DEFAULT_AHEAD,
        box: tuple[int, int] | None = None,
        fit: Fit = "contain",
        pixel_format: PixelFormat = "rgb24",
    ) -> None:
        if ahead < 1:
            raise ValueError(f"ahead must be at least 1, not {ahead}")
        if pixel_format not in BYTES_PER_PIXEL:
            raise ValueError(f"pixel_format must be one of {sorted(BYTES_PER_PIXEL)}")
        self.path = Path(path)
        self.start_s = max(0.0, float(start_s))
        self.loop = loop
        self.ahead = ahead
        self.fit: Fit = fit
        self.pixel_format = pixel_format
        self._box = box
        self._frames: deque[DecodedFrame] = deque()
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self.finished = threading.Event()  # the thread ended: closed, failed, or played out
        self.opened = threading.Event()  # the file is open and its length known
        self.failed: str | None = None
        self.duration_s: float | None = None
        self.fps: float | None = None
        self.size: tuple[int, int] | None = None  # displayed size (rotation applied)
        self.rotation = 0
        self.decoded = 0
        self.dropped = 0
        self._thread = threading.Thread(
            target=self._run, name=f"video-frames:{self.path.name}", daemon=True
        )
        self._thread.start()

    # The consumer side ------------------------------------------------------------------------

    def set_box(self, box: tuple[int, int] | None) -> None:
        """Decode the next frames for a new drawing size (a resized window)."""
        self._box = box

    def take(self, elapsed_s: float) -> DecodedFrame | None:
        """The newest frame due at elapsed_s seconds after playback began (None: none due yet).
        Older due frames are dropped and counted: late frames are skipped, never shown late."""
        with self._lock:
            chosen = None
            while self._frames and self._frames[0].due_s <= elapsed_s:
                if chosen is not None:
                    self.dropped += 1
                chosen = self._frames.popleft()
            if chosen is not None:
                self._lock.notify_all()
            return chosen

    def next_due(self) -> float | None:
        """When the next buffered frame is due (None: nothing buffered yet)."""
        with self._lock:
            return self._frames[0].due_s if self._frames else None

    def wait_ready(self, timeout: float) -> bool:
        """Block until a first frame is buffered or the thread ended; True when one is."""
        with self._lock:
            self._lock.wait_for(lambda: bool(self._frames) or self.finished.is_set(), timeout)
            return bool(self._frames)

    def buffered(self) -> int:
        with self._lock:
            return len(self._frames)

    def close(self, timeout: float = 5.0) -> None:
        """Stop decoding, close the file and wait for the thread (idempotent)."""
        self._stop.set()
        with self._lock:
            self._frames.clear()
            self._lock.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def __enter__(self) -> VideoFrames:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The decoding thread ----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            with av.open(str(self.path), mode="r") as container:
                self._play(container)
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            self.failed = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # the thread must end with a reason, never silently
            self.failed = f"{type(exc).__name__}: {exc}"
        finally:
            self.finished.set()
            self.opened.set()
            with self._lock:
                self._lock.notify_all()

    def _play(self, container: av.container.InputContainer) -> None:
        streams = [
            s
            for s in container.streams.video
            if not s.disposition & av.stream.Disposition.attached_pic
        ]
        if not streams:
            raise ValueError("the file holds no picture")
        stream = streams[0]
        stream.thread_type = "AUTO"
        base_tb = stream.time_base
        base = stream.start_time or 0
        base_s = float(base * base_tb) if base_tb is not None else 0.0
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        self.fps = float(rate) if rate else None
        if stream.duration is not None and base_tb is not None:
            duration = float(stream.duration * base_tb)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        else:
            duration = 0.0
        self.duration_s = duration if duration > 0 else None
        start = self.start_s % duration if duration > 0 else self.start_s
        half_frame = 0.5 / self.fps if self.fps else 0.0
        loop_offset = -start  # due time = loop_offset + position
        first = True
        while not self._stop.is_set():
            target = start if first else 0.0
            if target > 0 and base_tb is not None:
                container.seek(base + int(target / base_tb), stream=stream, backward=True)
            elif not first:
                container.seek(base, stream=stream, backward=True)
            last_position = None
            for frame in container.decode(stream):
                if self._stop.is_set():
                    return
                position = (frame.time - base_s) if frame.time is not None else None
                if position is None:
                    continue
                if first and position + half_frame < start:
                    continue  # before the starting point: decoded only to reach it
                if self.size is None:
                    self.rotation = normal_rotation(frame.rotation)
                    turned = self.rotation % 180 != 0
                    self.size = (
                        (frame.height, frame.width) if turned else (frame.width, frame.height)
                    )
                    self.opened.set()
                self._deliver(frame, loop_offset + position, position)
                last_position = position
            if last_position is None:
                if first:
                    raise ValueError(f"no frame decodes from {start:g} s on")
                return  # a loop that yields nothing: stop rather than spin
            first = False
            if not self.loop:
                return
            if duration <= 0:
                duration = last_position + (1.0 / self.fps if self.fps else 0.04)
                self.duration_s = duration
            loop_offset += duration

    def _deliver(self, frame: av.VideoFrame, due_s: float, position_s: float) -> None:
        assert self.size is not None
        shown_w, shown_h = scaled_size(self.size[0], self.size[1], self._box, self.fit)
        turned = self.rotation % 180 != 0
        out_w, out_h = (shown_h, shown_w) if turned else (shown_w, shown_h)
        picture = frame.reformat(width=out_w, height=out_h, format=self.pixel_format)
        plane = picture.planes[0]
        decoded = DecodedFrame(
            data=memoryview(plane),
            width=out_w,
            height=out_h,
            stride=plane.line_size,
            pixel_format=self.pixel_format,
            due_s=due_s,
            position_s=position_s,
            rotation=self.rotation,
        )
        with self._lock:
            self._lock.wait_for(lambda: len(self._frames) < self.ahead or self._stop.is_set(), None)
            if self._stop.is_set():
                return
            self._frames.append(decoded)
            self.decoded += 1
            self._lock.notify_all()


def frame_interval(fps: float | None) -> float:
    """Seconds between frames at fps (1/30 when unknown)."""
    return 1.0 / fps if fps and math.isfinite(fps) and fps > 0 else 1.0 / 30
