"""Qt player video pacing: intervals between painted frames of a 1080p30 H.264 clip.

Generates a 1920×1080 30 fps H.264 clip with PyAV (a moving test pattern, ultrafast x264, one
keyframe a second, as a screen rendition has), then plays it in the player's VideoSurface
(ui/widgets/video_surface.py, what ui/player/window.py plays videos on) at 1920×1080 for ~20 s,
recording the moment each new frame is painted. The goal line is the 95th percentile interval
divided by the nominal 1/30 s. Runs on Qt's offscreen platform unless QT_QPA_PLATFORM says
otherwise (no vsync there: paints are paced by our timer alone; a real screen adds vsync).
Baseline line (informational): the same clip decoded by PyAV alone, no conversion or painting.
Ends with lines `name: value (goal …)`.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import av  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ui.widgets.video_surface import VideoSurface  # noqa: E402

WIDTH, HEIGHT, FPS = 1920, 1080, 30
GOAL = 1.5


def make_clip(path: Path, seconds: int) -> None:
    """A 1080p30 H.264 clip of FFmpeg's testsrc2 pattern (moving, so every frame differs)."""
    source = f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}:duration={seconds}"
    with av.open(source, format="lavfi") as src, av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "23", "g": str(FPS)}
        for frame in src.decode(video=0):
            picture = frame.reformat(format="yuv420p")
            picture.pts = None
            out.mux(stream.encode(picture))
        out.mux(stream.encode(None))


def decode_rate(path: Path) -> float:
    """Frames per second PyAV decodes the clip at (threaded like the player), no conversion."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        start = time.perf_counter()
        count = sum(1 for _ in container.decode(stream))
        return count / (time.perf_counter() - start)


def play(path: Path, seconds: float) -> tuple[list[float], int]:
    """Paint times (monotonic s) of new frames over `seconds` of playing, and frames dropped."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    surface = VideoSurface()
    surface.resize(WIDTH, HEIGHT)
    surface.show()
    painted: list[float] = []
    surface.frame_shown.connect(lambda _position: painted.append(time.monotonic()))
    surface.play(path, 0.0)
    counts: list[int] = []

    def finish() -> None:
        frames = surface.frames  # read before quitting: quit() closes the windows
        counts.append(frames.dropped if frames is not None else -1)
        app.quit()

    QTimer.singleShot(round(seconds * 1000), finish)
    app.exec()  # the event loop, as the player runs it
    dropped = counts[0] if counts else -1
    surface.stop()
    surface.close()
    return painted, dropped


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to play")
    parser.add_argument("--clip", type=Path, help="play this 1080p30 file instead of a new one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qt-player-bench-") as folder:
        clip = args.clip or Path(folder) / "clip-1080p30.mp4"
        made = time.perf_counter()
        if args.clip is None or not clip.is_file():
            make_clip(clip, max(4, round(args.seconds)))
        print(
            f"clip: {WIDTH}x{HEIGHT} {FPS} fps H.264, {clip.stat().st_size / 1e6:.1f} MB, "
            f"made in {time.perf_counter() - made:.1f} s"
        )
        baseline = decode_rate(clip)
        painted, dropped = play(clip, args.seconds)
    intervals = [b - a for a, b in itertools.pairwise(painted)]
    if len(intervals) < 20:
        raise SystemExit(f"only {len(painted)} frames painted: nothing to measure")
    nominal = 1 / FPS
    print(f"platform: {QApplication.platformName()}")
    print(
        f"frames painted: {len(painted)} in {painted[-1] - painted[0]:.1f} s "
        f"({(len(painted) - 1) / (painted[-1] - painted[0]):.1f} fps), dropped: {dropped}"
    )
    print(
        f"interval median: {statistics.median(intervals) * 1000:.1f} ms, "
        f"p95: {p95(intervals) * 1000:.1f} ms, max: {max(intervals) * 1000:.1f} ms"
    )
    print(f"pyav_decode_fps_1080p: {baseline:.0f} (baseline, informational)")
    print(f"qt_frame_interval_p95_ratio: {p95(intervals) / nominal:.2f} (goal ≤ {GOAL})")


if __name__ == "__main__":
    main()
